from odoo.tests import tagged

from .common import SecurityRpcCase


@tagged("post_install", "-at_install", "crm_alignment_security", "crm_alignment_bant")
class TestBantRpc(SecurityRpcCase):
    """Lead definitions and their answers over the API."""

    def test_lead_definition_signatures(self):
        profile = self.env["crm.bant.profile"].create({"name": "Sec definition"})
        names = ["agreed_by_ids", "agreed_date"]
        for vals in (
            {"agreed_by_ids": [(4, self.sales_manager.id)]},
            {"agreed_date": "2020-01-01 00:00:00"},
            {"threshold": 10, "agreed_date": "2020-01-01 00:00:00"},
        ):
            self.assertRefusedUnchanged(
                self.everyone(),
                profile,
                names,
                "crm.bant.profile",
                "write",
                profile.ids,
                vals,
            )
        self.assertRefused(
            self.everyone(),
            "crm.bant.profile",
            "create",
            {"name": "F", "agreed_by_ids": [(6, 0, self.salesman.ids)]},
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            profile,
            names,
            "crm.bant.profile",
            "action_agree",
            profile.ids,
        )
        ok, result = self.rpc(
            self.sales_manager, "crm.bant.profile", "action_agree", profile.ids
        )
        self.assertTrue(ok, result)
        self.assertEqual(profile.agreed_by_ids, self.sales_manager)
        # an answer's worth is part of every definition that may use it: the
        # other manager changing it voids the signatures, logged, and a new
        # answer or a removed one too; salespeople change none of them
        option = self.env["crm.bant.option"].create(
            {"name": "Sec budget", "criterion": "budget", "points": 40}
        )
        self.rpc(self.sales_manager, "crm.bant.profile", "action_agree", profile.ids)
        self.assertTrue(profile.agreed_by_ids)
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            option,
            ["points"],
            "crm.bant.option",
            "write",
            option.ids,
            {"points": 100},
        )
        self.assertTrue(profile.agreed_by_ids, "a refused change voids nothing")
        for method, args in (
            ("write", [option.ids, {"points": 100}]),
            ("create", [{"name": "Sec new", "criterion": "need", "points": 90}]),
            ("unlink", [option.ids]),
        ):
            ok, result = self.rpc(
                self.sales_manager, "crm.bant.profile", "action_agree", profile.ids
            )
            self.assertTrue(profile.agreed_by_ids)
            ok, result = self.rpc(
                self.marketing_manager, "crm.bant.option", method, *args
            )
            self.assertTrue(ok, result)
            profile.invalidate_recordset()
            self.assertFalse(profile.agreed_by_ids, method)
            self.assertIn(self.marketing_manager.name, profile.message_ids[0].body)
