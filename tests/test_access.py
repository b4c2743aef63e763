from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AlignmentCase


@tagged("post_install", "-at_install")
class TestAccess(AlignmentCase):
    """The cells of the README's access matrix that refuse something."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        lead = cls.env["crm.lead"].with_user(cls.marketer).create({"name": "Journey"})
        lead.with_user(cls.marketer).handoff_to_sales(user_id=cls.salesman.id)
        cls.lead = lead
        cls.handoff = lead.handoff_ids

    def test_marketing_user_reads_all_leads(self):
        self.assertTrue(
            self.marketer.has_group("sales_team.group_sale_salesman_all_leads")
        )
        self.assertTrue(
            self.marketing_manager.has_group("crm_alignment.group_marketing_user")
        )
        own = (
            self.env["crm.lead"].with_user(self.other_salesman).create({"name": "Own"})
        )
        self.assertEqual(own.with_user(self.marketer).read(["name"])[0]["name"], "Own")

    def test_nobody_creates_or_deletes_handoffs_by_hand(self):
        for user in (
            self.marketer,
            self.marketing_manager,
            self.salesman,
            self.sales_manager,
        ):
            Handoff = self.env["crm.lead.handoff"].with_user(user)
            with self.assertRaises(AccessError, msg=user.login):
                Handoff.create(
                    {
                        "lead_id": self.lead.id,
                        "direction": "to_sales",
                        "user_id": user.id,
                    }
                )
            with self.assertRaises(AccessError, msg=user.login):
                self.handoff.with_user(user).unlink()
        self.assertTrue(self.handoff.exists())

    def test_only_sales_managers_edit_handoffs(self):
        for user in (self.marketer, self.marketing_manager, self.salesman):
            with self.assertRaises(AccessError, msg=user.login):
                self.handoff.with_user(user).write({"note": "rewritten"})
        self.handoff.with_user(self.sales_manager).write({"note": "context added"})
        self.assertEqual(self.handoff.note, "context added")

    def test_salesperson_sees_handoffs_of_own_leads_only(self):
        other = self.env["crm.lead"].with_user(self.marketer).create({"name": "Other"})
        other.with_user(self.marketer).handoff_to_sales(user_id=self.other_salesman.id)
        visible = (
            self.env["crm.lead.handoff"]
            .with_user(self.salesman)
            .search([("lead_id", "in", (self.lead | other).ids)])
        )
        self.assertEqual(visible, self.handoff)
        with self.assertRaises(AccessError):
            other.handoff_ids.with_user(self.salesman).read(["note"])

    def test_handoffs_of_another_company_are_hidden(self):
        company = self.env["res.company"].create({"name": "Alignment Other Co"})
        foreign = self.env["crm.lead"].create(
            {"name": "Foreign", "company_id": company.id, "type": "lead"}
        )
        foreign.handoff_to_sales(
            team_id=self.env["crm.team"]
            .create({"name": "Foreign team", "company_id": company.id})
            .id
        )
        visible = (
            self.env["crm.lead.handoff"]
            .with_user(self.sales_manager)
            .search([("lead_id", "=", foreign.id)])
        )
        self.assertFalse(visible)
