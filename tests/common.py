import contextlib
import json
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase
from odoo.tools import SQL

from odoo.addons.crm.tests.common import TestCrmCommon
from odoo.addons.mail.tests.common import mail_new_test_user


@contextlib.contextmanager
def captured_queries(env):
    """The SQL objects the ORM runs through ``execute_query`` in the block."""
    Env = type(env)
    run = Env.execute_query
    queries = []

    def capture(env, query):
        queries.append(query)
        return run(env, query)

    with patch.object(Env, "execute_query", capture):
        yield queries


def plans_with_one_lead_index(env, index, queries):
    """The EXPLAIN of each query with ``index`` the only index of crm_lead
    besides its primary key, and sequential and bitmap scans off: the plan
    a large table gets (which plan PostgreSQL prefers depends on the
    table's size: a test database's few leads are read faster without an
    index). In a savepoint, rolled back."""
    env.flush_all()
    cr = env.cr
    cr.execute("SAVEPOINT plans_with_one_lead_index")
    try:
        cr.execute(
            """SELECT i.indexrelid::regclass::text FROM pg_index i
                WHERE i.indrelid = 'crm_lead'::regclass
                  AND NOT i.indisprimary AND NOT i.indisunique
                  AND i.indexrelid != to_regclass(%s)""",
            [index],
        )
        for (other,) in cr.fetchall():
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(other)))
        cr.execute("SET LOCAL enable_seqscan = off")
        cr.execute("SET LOCAL enable_bitmapscan = off")
        plans = []
        for query in queries:
            cr.execute(SQL("EXPLAIN %s", query))
            plans.append("\n".join(line for (line,) in cr.fetchall()))
        return plans
    finally:
        cr.execute("ROLLBACK TO SAVEPOINT plans_with_one_lead_index")
        cr.execute("RESET enable_seqscan")
        cr.execute("RESET enable_bitmapscan")


# The roles of the addon's tests, created by one helper (role_users) for every
# base class: the group each role has, and the name it shows.
ROLES = {
    "marketer": ("crm_alignment.group_marketing_user", "Mia Marketer"),
    "marketing_manager": (
        "crm_alignment.group_marketing_manager",
        "Max Marketing Manager",
    ),
    "salesman": ("sales_team.group_sale_salesman", "Sam Salesman"),
    "teammate": ("sales_team.group_sale_salesman", "Tia Teammate"),
    "other_salesman": (
        "sales_team.group_sale_salesman_all_leads",
        "Otto Other Team",
    ),
    "sales_manager": ("sales_team.group_sale_manager", "Sara Sales Manager"),
    "portal": ("base.group_portal", "Pia Portal"),
}


def role_users(env, prefix, roles, with_email=True):
    """{role: user} for ``roles`` (keys of ROLES), logins ``<prefix>_<role>``
    (the password is the login). Without e-mail, as users may be: the addon
    logs its notes and never needs one."""
    users = {}
    for role in roles:
        group, name = ROLES[role]
        login = f"{prefix}_{role}"
        groups = group if group == "base.group_portal" else f"base.group_user,{group}"
        users[role] = mail_new_test_user(
            env,
            login=login,
            name=name,
            groups=groups,
            email=f"{login}@example.com" if with_email else False,
            # inbox needs an internal user; without an address nothing is sent
            notification_type="inbox" if with_email else "email",
        )
    return users


class AlignmentCase(TestCrmCommon):
    """crm's own test fixtures (its users, teams and mail helpers) plus the
    two sides of the pipeline: marketing users, salespeople in one team, a
    salesperson of another team, a sales manager. Run a test as each role
    with ``@users("align_marketer", "align_salesman", ...)``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        # Without a lead definition marketing marks leads sales-ready by hand;
        # the BANT tests give the company and teams one.
        cls.company.bant_profile_id = False
        # Marketing qualifies inbound leads first (the opt-in mode); the
        # "straight to sales" default has tests of its own.
        cls.company.marketing_qualifies_leads = True

        roles = role_users(
            cls.env,
            "align",
            (
                "marketer",
                "marketing_manager",
                "salesman",
                "teammate",
                "other_salesman",
                "sales_manager",
            ),
        )
        for role, user in roles.items():
            setattr(cls, role, user)
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Alignment Inside Sales",
                "user_id": cls.sales_manager.id,
                "member_ids": [(6, 0, (cls.salesman | cls.teammate).ids)],
                "use_leads": True,
                "use_opportunities": True,
            }
        )
        cls.other_team = cls.env["crm.team"].create(
            {
                "name": "Alignment Enterprise",
                "member_ids": [(6, 0, cls.other_salesman.ids)],
                "use_leads": True,
                "use_opportunities": True,
            }
        )

    def create_marketing_leads(self, count=1, **vals):
        Lead = self.env["crm.lead"].with_user(self.marketer)
        return Lead.create(
            [
                dict({"name": f"Marketing lead {index}", "type": "lead"}, **vals)
                for index in range(count)
            ]
        )


def execute_kw(case, uid, password, model, method, args, kwargs):
    """What an external client sends: one call to the real /jsonrpc
    endpoint of the HttpCase's server; returns the JSON-RPC response."""
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [case.env.cr.dbname, uid, password, model, method, args, kwargs],
        },
        "id": 1,
    }
    return case.url_open(
        "/jsonrpc",
        data=json.dumps(payload),
        headers={"Content-Type": "application/json"},
    ).json()


# Every context key the addon reads or once read, set as an attacker would.
FORGED_CONTEXT = {
    "crm_alignment_lifecycle_write": True,
    "crm_alignment_content_state_write": True,
    "crm_alignment_target_list_state_write": True,
    "crm_alignment_auto_assign": True,
    "crm_alignment_skip_bant_sync": True,
    "crm_alignment_inbound": True,
    "crm_alignment_written_fields": [],
    "import_file": True,
    "install_mode": True,
    "tracking_disable": True,
    "mail_notrack": True,
    "digest_since": "2000-01-01 00:00:00",
    "target_account_show_list": True,
    "active_test": False,
    # Odoo's uninstall flag: deletion rules must not trust it
    "_force_unlink": True,
}


class SecurityRpcCase(HttpCase):
    """Five roles and a few records, attacked through the real /jsonrpc
    endpoint with every context key the addon names (FORGED_CONTEXT)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.company.bant_profile_id = False

        cls.roles = role_users(
            env,
            "sec",
            ("salesman", "marketer", "marketing_manager", "sales_manager", "portal"),
            with_email=False,
        )
        for role, user in cls.roles.items():
            setattr(cls, role, user)
        cls.team = env["crm.team"].create(
            {
                "name": "Security Team",
                "user_id": cls.sales_manager.id,
                "member_ids": [fields.Command.set(cls.salesman.ids)],
            }
        )
        cls.policy = env["crm.sla.policy"].create(
            {"name": "Security SLA", "followup_hours": 8}
        )
        Lead = env["crm.lead"].with_user(cls.marketer)
        cls.new_lead = Lead.create({"name": "Sec new", "type": "lead"})
        cls.handed = Lead.create(
            {"name": "Sec handed", "type": "lead", "team_id": cls.team.id}
        )
        cls.handed.handoff_to_sales(user_id=cls.salesman.id)
        cls.handoff = cls.handed.handoff_ids
        cls.sla = cls.handed.sla_ids

    # ---------------------------------------------------------------- helpers

    def rpc(self, user, model, method, *args, **kwargs):
        """Call as ``user`` (password = login) with the forged context;
        returns (ok, result or error message)."""
        kwargs.setdefault("context", FORGED_CONTEXT)
        response = execute_kw(
            self, user.id, user.login, model, method, list(args), kwargs
        )
        if "error" in response:
            return False, response["error"]["data"]["message"]
        return True, response["result"]

    def snapshot(self, records, names):
        records.invalidate_recordset()
        return [
            {
                name: records._fields[name].convert_to_read(rec[name], rec)
                for name in names
            }
            for rec in records.sudo()
        ]

    def assertRefused(self, users, model, method, *args, **kwargs):
        for user in users:
            ok, result = self.rpc(user, model, method, *args, **kwargs)
            self.assertFalse(ok, f"{user.login} {model}.{method}: {result}")

    def assertRefusedUnchanged(self, users, records, names, model, method, *args, **kw):
        before = self.snapshot(records, names)
        self.assertRefused(users, model, method, *args, **kw)
        self.assertEqual(self.snapshot(records, names), before)

    def everyone(self, *but):
        return [user for role, user in self.roles.items() if role not in but]

    def _content(self, **vals):
        return (
            self.env["crm.marketing.content"]
            .with_user(self.marketer)
            .create(
                dict(
                    {"name": "Sec content", "team_ids": [(6, 0, self.team.ids)]}, **vals
                )
            )
        )
