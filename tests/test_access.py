from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import AlignmentCase


@tagged("post_install", "-at_install", "crm_alignment_security")
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

    def test_rows_per_lead_follow_the_lead_rules(self):
        """A salesperson sees the calibration rows and content shares of their
        own (and unassigned) leads only, as crm shows them their leads."""
        theirs = self.env["crm.lead"].create(
            {"name": "Someone else's", "user_id": self.other_salesman.id}
        )
        content = self.env["crm.marketing.content"].create({"name": "Guide"})
        Share = self.env["crm.marketing.content.share"].sudo()
        shares = Share._alignment_guarded_create(
            [
                {"content_id": content.id, "lead_id": lead.id}
                for lead in (self.lead, theirs)
            ]
        )
        leads = (self.lead | theirs).ids
        visible = (
            self.env["crm.marketing.content.share"]
            .with_user(self.salesman)
            .search([("lead_id", "in", leads)])
        )
        self.assertEqual(visible, shares.filtered(lambda s: s.lead_id == self.lead))
        self.env.flush_all()
        rows = (
            self.env["crm.bant.calibration.report"]
            .with_user(self.salesman)
            .search([("lead_id", "in", leads)])
        )
        self.assertEqual(rows.lead_id, self.lead)
        all_rows = (
            self.env["crm.bant.calibration.report"]
            .with_user(self.other_salesman)
            .search([("lead_id", "in", leads)])
        )
        self.assertEqual(all_rows.lead_id, self.lead | theirs, "all-leads group")

    def test_weekly_digest_stays_within_the_team_company(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        Content = self.env["crm.marketing.content"].sudo()
        ours, foreign = Content.create(
            [
                {"name": "Ours", "company_id": self.env.company.id},
                {"name": "Foreign", "company_id": other_company.id},
            ]
        )
        (ours | foreign)._alignment_guarded_write(
            {"state": "published", "published_date": "2026-03-02 08:00:00"}
        )
        team = self.team.with_context(digest_since="2026-03-01 00:00:00")
        self.team.company_id = self.env.company
        self.assertIn(ours, team.digest_content_ids)
        self.assertNotIn(foreign, team.digest_content_ids)
