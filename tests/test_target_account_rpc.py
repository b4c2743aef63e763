from odoo.tests import HttpCase, new_test_user, tagged

from .common import execute_kw


@tagged("post_install", "-at_install", "crm_alignment_abm")
class TestTargetAccountJsonRpc(HttpCase):
    """What an external client does: build a list over JSON-RPC as the
    administrator (both a sales and a marketing manager), then read the
    leads' target flags."""

    def call(self, model, method, *args, **kwargs):
        response = self.call_raw(model, method, *args, **kwargs)
        self.assertNotIn("error", response, response.get("error"))
        return response["result"]

    def call_raw(self, model, method, *args, **kwargs):
        return execute_kw(
            self, self.uid, self.password, model, method, list(args), kwargs
        )

    def test_external_client_builds_a_list_and_reads_flags(self):
        admin = self.env.ref("base.user_admin")
        marketing_manager = new_test_user(
            self.env,
            login="rpc_marketing_manager",
            groups="base.group_user,crm_alignment.group_marketing_manager",
        )
        self.uid, self.password = admin.id, "admin"
        company = self.call(
            "res.partner",
            "create",
            {"name": "RPC Widgets", "is_company": True, "website": "rpc-widgets.co.uk"},
        )
        by_mail = self.call(
            "crm.lead",
            "create",
            {"name": "RPC by mail", "email_from": "a@eu.rpc-widgets.co.uk"},
        )
        free_mail = self.call(
            "crm.lead", "create", {"name": "RPC free mail", "email_from": "a@gmail.com"}
        )
        list_id = self.call(
            "crm.target.account.list",
            "create",
            {
                "name": "RPC list",
                "account_ids": [(0, 0, {"partner_id": company, "tier": "1"})],
            },
        )
        fields = ["target_account_id", "target_tier", "target_partner_id"]
        flags = self.call("crm.lead", "read", [by_mail], fields)[0]
        self.assertFalse(flags["target_account_id"], "proposed lists flag nothing")
        self.assertEqual(flags["target_partner_id"][0], company)
        self.call("crm.target.account.list", "action_agree_sales", [list_id])
        # the administrator holds both manager groups, yet one person never
        # signs both sides of a list
        refused = self.call_raw(
            "crm.target.account.list", "action_agree_marketing", [list_id]
        )
        self.assertIn("two people", refused["error"]["data"]["message"])
        self.uid, self.password = marketing_manager.id, "rpc_marketing_manager"
        self.call("crm.target.account.list", "action_agree_marketing", [list_id])
        self.uid, self.password = admin.id, "admin"
        state = self.call("crm.target.account.list", "read", [list_id], ["state"])
        self.assertEqual(state[0]["state"], "agreed")
        flags = {
            row["id"]: row
            for row in self.call("crm.lead", "read", [by_mail, free_mail], fields)
        }
        self.assertEqual(flags[by_mail]["target_tier"], "1")
        self.assertTrue(flags[by_mail]["target_account_id"])
        self.assertFalse(flags[free_mail]["target_account_id"])
        self.assertEqual(
            self.call(
                "crm.lead",
                "search",
                [("target_tier", "=", "1"), ("id", "in", [by_mail, free_mail])],
            ),
            [by_mail],
        )
        # The administrator's own leads stay on the sales side.
        sourced = self.call("crm.lead", "read", [by_mail], ["sourced_by"])[0]
        self.assertEqual(sourced["sourced_by"], "sales")
