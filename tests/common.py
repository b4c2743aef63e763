import json

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, new_test_user

from odoo.addons.mail.tests.common import mail_new_test_user


class AlignmentCase(TransactionCase):
    """Two sides of the pipeline: marketing users, salespeople in one team,
    a salesperson of another team, a sales manager."""

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

        def user(login, groups, name):
            return mail_new_test_user(
                cls.env,
                login=login,
                name=name,
                groups=groups,
                email=f"{login}@example.com",
                notification_type="inbox",
            )

        cls.marketer = user(
            "align_marketer",
            "base.group_user,crm_alignment.group_marketing_user",
            "Mia Marketer",
        )
        cls.marketing_manager = user(
            "align_mkt_manager",
            "base.group_user,crm_alignment.group_marketing_manager",
            "Max Marketing Manager",
        )
        cls.salesman = user(
            "align_salesman",
            "base.group_user,sales_team.group_sale_salesman",
            "Sam Salesman",
        )
        cls.teammate = user(
            "align_teammate",
            "base.group_user,sales_team.group_sale_salesman",
            "Tia Teammate",
        )
        cls.other_salesman = user(
            "align_other",
            "base.group_user,sales_team.group_sale_salesman_all_leads",
            "Otto Other Team",
        )
        cls.sales_manager = user(
            "align_sales_manager",
            "base.group_user,sales_team.group_sale_manager",
            "Sara Sales Manager",
        )
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
}


class SecurityRpcCase(HttpCase):
    """Five roles and a few records, attacked through the real /jsonrpc
    endpoint with every context key the addon names (FORGED_CONTEXT)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.company.bant_profile_id = False

        def user(login, groups):
            return new_test_user(
                env, login=login, groups=groups, email=False, name=login.title()
            )

        cls.salesman = user("sec_salesman", "sales_team.group_sale_salesman")
        cls.marketer = user("sec_marketer", "crm_alignment.group_marketing_user")
        cls.marketing_manager = user(
            "sec_mkt_manager", "crm_alignment.group_marketing_manager"
        )
        cls.sales_manager = user("sec_sales_manager", "sales_team.group_sale_manager")
        cls.portal = user("sec_portal", "base.group_portal")
        cls.roles = {
            "salesman": cls.salesman,
            "marketer": cls.marketer,
            "marketing_manager": cls.marketing_manager,
            "sales_manager": cls.sales_manager,
            "portal": cls.portal,
        }
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
