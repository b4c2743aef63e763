from odoo.tests import new_test_user, tagged

from .common import SecurityRpcCase


@tagged("post_install", "-at_install", "crm_alignment_security", "crm_alignment_abm")
class TestTargetListRpc(SecurityRpcCase):
    """Target-account list sign-offs over the API."""

    def test_target_list_sign_offs(self):
        company = self.env["res.partner"].create(
            {"name": "Sec Corp", "is_company": True}
        )
        target_list = (
            self.env["crm.target.account.list"]
            .with_user(self.marketer)
            .create(
                {
                    "name": "Sec list",
                    "account_ids": [(0, 0, {"partner_id": company.id, "tier": "1"})],
                }
            )
        )
        names = [
            "state",
            "sales_agreed_user_id",
            "marketing_agreed_user_id",
            "sales_agreed_date",
        ]
        for vals in (
            {"state": "agreed"},
            {"sales_agreed_user_id": self.sales_manager.id},
            {"marketing_agreed_date": "2020-01-01 00:00:00"},
        ):
            self.assertRefusedUnchanged(
                self.everyone(),
                target_list,
                names,
                "crm.target.account.list",
                "write",
                target_list.ids,
                vals,
            )
            self.assertRefused(
                self.everyone(),
                "crm.target.account.list",
                "create",
                dict(vals, name="Forged"),
            )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.marketing_manager, self.portal],
            target_list,
            names,
            "crm.target.account.list",
            "action_agree_sales",
            target_list.ids,
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.sales_manager, self.portal],
            target_list,
            names,
            "crm.target.account.list",
            "action_agree_marketing",
            target_list.ids,
        )
        # one person with both manager groups signs one side only
        both = new_test_user(
            self.env,
            login="sec_both",
            groups="sales_team.group_sale_manager,crm_alignment.group_marketing_manager",
        )
        ok, result = self.rpc(
            both, "crm.target.account.list", "action_agree_sales", target_list.ids
        )
        self.assertTrue(ok, result)
        self.assertRefusedUnchanged(
            [both],
            target_list,
            names,
            "crm.target.account.list",
            "action_agree_marketing",
            target_list.ids,
        )
        self.assertEqual(target_list.state, "proposed")
        for method in ("action_activate", "action_close", "action_reset_to_proposed"):
            self.assertRefusedUnchanged(
                [self.salesman, self.marketer, self.portal],
                target_list,
                names,
                "crm.target.account.list",
                method,
                target_list.ids,
            )
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.target.account.list",
            "unlink",
            target_list.ids,
        )
        self.assertTrue(target_list.exists())
