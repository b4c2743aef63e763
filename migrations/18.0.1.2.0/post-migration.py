"""18.0.1.2.0: the shared scoreboard.

- Journey dates of leads handed off before they existed, from the hand-off
  log (the funnel counts them in their cohort).
- The per-policy "sales-ready leads target" becomes a shared goal (one
  notion): a draft goal of the current period per team of the policy, for
  both managers to sign. The old columns go.
"""

import logging

from markupsafe import Markup

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import date_utils, sql

_logger = logging.getLogger(__name__)


def _policy_targets_to_goals(env):
    cr = env.cr
    if not sql.column_exists(cr, "crm_sla_policy", "marketing_target_count"):
        _logger.info("crm_alignment: no per-policy marketing target to move")
        return
    cr.execute(
        """
        SELECT p.id, p.company_id, p.marketing_target_count, p.marketing_period,
               p.name, array_remove(array_agg(r.crm_team_id), NULL)
          FROM crm_sla_policy p
     LEFT JOIN crm_sla_policy_crm_team_rel r ON r.crm_sla_policy_id = p.id
         WHERE p.active AND p.marketing_target_count > 0
      GROUP BY p.id
        """
    )
    policies = cr.fetchall()  # before any other query on this cursor
    Goal = env["crm.alignment.goal"]
    today = fields.Date.context_today(Goal)
    for policy_id, company_id, target, period, _name, team_ids in policies:
        name = env["crm.sla.policy"].browse(policy_id).name
        factor = 4 if period == "week" else 1
        period = "quarter" if period == "quarter" else "month"
        start = date_utils.start_of(today, period)
        company = env["res.company"].browse(company_id) or env.company
        for team_id in team_ids or [False]:
            team = env["crm.team"].browse(team_id)
            if Goal.search_count(
                [
                    ("company_id", "=", company.id),
                    ("team_id", "=", team.id),
                    ("period", "=", period),
                    ("date_start", "=", start),
                ]
            ):
                continue
            Goal.create(
                {
                    "company_id": company.id,
                    "team_id": team.id,
                    "period": period,
                    "date_start": start,
                    "sales_owner_id": (team.user_id or env.user).id,
                    "marketing_owner_id": (team.marketing_user_id or env.user).id,
                    "note": Markup("<p>%s</p>")
                    % (
                        f"From the target of SLA policy {name} "
                        f"({target} per {'week' if factor == 4 else period})."
                    ),
                    "line_ids": [
                        fields.Command.create(
                            {"kpi": "sales_ready_delivered", "target": target * factor}
                        )
                    ],
                }
            )
            _logger.info(
                "crm_alignment: policy %s target moved to a draft goal for %s",
                name,
                team.name or "all teams",
            )
    cr.execute(
        "ALTER TABLE crm_sla_policy DROP COLUMN IF EXISTS marketing_target_count,"
        " DROP COLUMN IF EXISTS marketing_period"
    )


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    count = env["crm.lead"]._funnel_backfill()
    _logger.info("crm_alignment: journey dates of %s leads from the log", count)
    _policy_targets_to_goals(env)
