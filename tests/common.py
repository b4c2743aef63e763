import json

from odoo.tests import TransactionCase

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
