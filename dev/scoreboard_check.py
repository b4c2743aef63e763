"""make scoreboard-check DB=<database>: the scoreboard's pre-aggregated
history against the live scan, on any database where crm_alignment is
installed (a copy of a production CRM, a database built by someone else).

Run by the Makefile with the virtualenv's Python:
    scoreboard_check.py --db DB --addons-path P --data-dir D [--users a,b]

1. As the superuser: the history's sums per key equal the report's (one row
   per lead) summed the same way: the triggers kept it current.
2. As each internal user (or those named), one of each role by default
   (the same groups and companies read the same rows): every figure the
   dashboard reads from the history (funnel sets by source, team and
   salesperson, by campaign, the marketing-sourced share and its trend,
   the goals' actuals, the sources and campaigns tables) equals the same
   figure read from the live scan of the leads that user may read, over
   several periods, each of the user's teams, all teams, and every company
   the user may switch to. Users whose rules on leads are not crm's read
   the live scan anyway: they are listed as such.

Reads only; everything runs in one transaction rolled back at the end.
Exits 1 when a figure differs.
"""

import argparse
import sys
from contextlib import nullcontext
from datetime import timedelta
from unittest.mock import patch

from odoo_script import add_odoo_arguments, configure_odoo  # dev/ on sys.path

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry

HISTORY = "crm.alignment.pipeline.history"
REPORT = "crm.alignment.pipeline.report"
# the groups that decide what a user reads of leads and of the scoreboard
ROLE_GROUPS = (
    "sales_team.group_sale_salesman",
    "sales_team.group_sale_salesman_all_leads",
    "sales_team.group_sale_manager",
    "crm_alignment.group_marketing_user",
    "crm_alignment.group_marketing_manager",
    "base.group_multi_company",
)


def keyed(funnel):
    """A funnel's groups in one order: they come in the order their rows
    were read, which is not part of the figure (a dict per key, or pairs)."""
    if isinstance(funnel, dict):
        return funnel
    return sorted(funnel, key=lambda item: repr(item[0]))


def figures(env, scope, live):
    """What the dashboard reads of the funnel's sums over ``scope``, from
    the history or (``live``) from the report's scan of the same leads."""
    Scoreboard = env["crm.alignment.scoreboard"]
    reader = type(Scoreboard)._pipeline

    def report(self, domain):
        model, domain = reader(self, domain)
        return (REPORT, domain) if model == HISTORY else (model, domain)

    spy = patch.object(type(Scoreboard), "_pipeline", report)
    with spy if live else nullcontext():
        env.invalidate_all()
        board = env["crm.alignment.dashboard"]
        by_source = Scoreboard._funnel(scope, group_by=("T.source_id",))
        return {
            "funnel by source, team and salesperson": keyed(
                Scoreboard._funnel(
                    scope, group_by=("T.source_id", "T.team_id", "T.user_id")
                )
            ),
            "funnel by campaign": keyed(
                Scoreboard._funnel(scope, group_by="T.campaign_id")
            ),
            "marketing-sourced share": Scoreboard._sourced_share(scope),
            "share trend": Scoreboard._share_trend(scope),
            "goals' actuals": Scoreboard._goal_actuals(scope),
            "sources table": board._sources_table(scope, by_source),
            "campaigns table": board._campaigns_table(scope),
        }


def role_of(user):
    groups = [xmlid for xmlid in ROLE_GROUPS if user.has_group(xmlid)]
    return (tuple(groups), tuple(sorted(user.company_ids.ids)))


def pick_users(env, logins):
    Users = env["res.users"].with_context(active_test=True)
    if logins:
        users = Users.search([("login", "in", logins)])
        missing = set(logins) - set(users.mapped("login"))
        if missing:
            sys.exit(f"no such active user: {', '.join(sorted(missing))}")
        return users
    internal = Users.search(
        [("share", "=", False), ("id", "!=", SUPERUSER_ID)], order="id"
    )
    seen, users = set(), Users
    for user in internal:
        role = role_of(user)
        if role not in seen:
            seen.add(role)
            users |= user
    return users


def scopes_for(env, user, today):
    """Several periods; each of the user's teams, then all teams; the
    user's company, then every company the user may switch to."""
    periods = [
        ("last 30 days", today - timedelta(days=29), today),
        ("this year", today.replace(month=1, day=1), today),
        ("last 365 days", today - timedelta(days=364), today),
    ]
    teams = env["crm.team"].with_user(user).search([], order="id", limit=5)
    companies = [user.company_id.ids]
    if len(user.company_ids) > 1:
        companies.append(user.company_ids.ids)
    for label, date_from, date_to in periods:
        for team in teams:
            yield (
                f"{label}, {team.name}",
                {
                    "date_from": date_from,
                    "date_to": date_to,
                    "team_ids": team.ids,
                    "company_ids": user.company_id.ids,
                },
            )
        for company_ids in companies:
            yield (
                f"{label}, all teams, {len(company_ids)} compan"
                f"{'y' if len(company_ids) == 1 else 'ies'}",
                {
                    "date_from": date_from,
                    "date_to": date_to,
                    "team_ids": None,
                    "company_ids": company_ids,
                },
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    add_odoo_arguments(parser)
    parser.add_argument("--users", default="", help="logins (default: one a role)")
    args = parser.parse_args()
    configure_odoo(args)
    registry = Registry(args.db)
    failures = 0
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if "crm.alignment.scoreboard" not in env:
            sys.exit(f"crm_alignment is not installed in {args.db}")
        leads = env["crm.lead"].with_context(active_test=False).search_count([])
        # the addon's modules import once Odoo knows its addons path
        from odoo.addons.crm_alignment.report.crm_alignment_pipeline_history import (  # noqa: PLC0415
            history_keyed_sums,
        )

        history = history_keyed_sums(env, HISTORY)
        same = history == history_keyed_sums(env, REPORT)
        failures += not same
        print(
            f"{args.db}: {leads} leads; the history's {len(history)} keyed sums "
            f"{'equal' if same else 'DIFFER FROM'} the report's (superuser)"
        )
        today = fields.Date.context_today(env["res.users"])
        users = pick_users(env, [x for x in args.users.split(",") if x])
        print(f"{'user':30} {'reads':12} {'scopes':>6} {'figures':>8}  differing")
        for user in users:
            Scoreboard = env(user=user.id)["crm.alignment.scoreboard"]
            reads = "history" if Scoreboard._pipeline([])[0] == HISTORY else "live scan"
            scopes, compared, differing = 0, 0, []
            for label, scope in scopes_for(env, user, today):
                # the companies the user has switched to in the web client
                scope_env = env(
                    user=user.id, context={"allowed_company_ids": scope["company_ids"]}
                )
                aggregated = figures(scope_env, scope, live=False)
                scanned = figures(scope_env, scope, live=True)
                scopes += 1
                for name, value in aggregated.items():
                    compared += 1
                    if value != scanned[name]:
                        differing.append(f"{label}: {name}")
            failures += len(differing)
            print(
                f"{user.login[:30]:30} {reads:12} {scopes:>6} {compared:>8}"
                f"  {len(differing)}"
            )
            for line in differing[:10]:
                print(f"    differs: {line}")
        cr.rollback()
    print("OK: every figure equals the live scan" if not failures else "FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
