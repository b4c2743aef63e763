from odoo.tests import Form, tagged

from .common import AlignmentCase


@tagged("post_install", "-at_install", "crm_alignment_lifecycle")
class TestInboundQualification(AlignmentCase):
    """Marketing qualification of inbound leads is opt-in, per team with a
    company default: off, Odoo's own assignment works as without the addon
    and the assignment is the hand-off; on, marketing qualifies first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.marketing_qualifies_leads = False  # the install default
        # the members take this test's leads (demo leads may wait too)
        cls.team.crm_team_member_ids.write(
            {"assignment_max": 300, "assignment_domain": "[('name', '=', 'Inbound')]"}
        )
        cls.policy = cls.env["crm.sla.policy"].create(
            {"name": "Inbound within 8h", "followup_hours": 8}
        )

    def _inbound(self, **vals):
        """What a website form or the mail gateway does: create as superuser."""
        return (
            self.env["crm.lead"]
            .sudo()
            .create(dict({"name": "Inbound", "type": "lead", "user_id": False}, **vals))
        )

    def test_default_off_inbound_leads_go_to_sales_and_assignment_is_the_handoff(
        self,
    ):
        lead = self._inbound(team_id=self.team.id)
        self.assertEqual(
            (lead.lifecycle_stage, lead.sourced_by), ("sales_ready", "marketing")
        )
        self.team._action_assign_leads()
        self.assertTrue(lead.user_id, "Odoo's assignment takes it")
        self.assertIn(lead.user_id, self.team.member_ids)
        assigned_on = lead.sales_assigned_date
        self.assertTrue(assigned_on)
        self.assertFalse(lead.handoff_ids, "logged by the job, not inline")
        self.env["crm.lead"]._cron_assignment_handoff()
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        self.assertEqual(lead.handoff_ids.date, assigned_on)
        self.assertEqual(lead.handoff_ids.to_user_id, lead.user_id)
        self.assertEqual(lead.sla_ids.start_date, assigned_on)
        # the salesperson's follow-up reaches it, as any hand-off
        lead.with_user(lead.user_id).action_accept()
        self.assertEqual(lead.sla_ids.state, "reached")
        # nothing is logged twice
        self.env["crm.lead"]._cron_assignment_handoff()
        self.assertEqual(len(lead.handoff_ids), 1)

    def test_gateway_lead_without_team_follows_the_company_default(self):
        off = (
            self.env["crm.lead"]
            .sudo()
            .message_new({"subject": "Pricing", "from": "buyer@prospect.example"})
        )
        self.assertEqual(off.lifecycle_stage, "sales_ready")
        self.company.marketing_qualifies_leads = True
        on = (
            self.env["crm.lead"]
            .sudo()
            .message_new({"subject": "Pricing again", "from": "buyer@prospect.example"})
        )
        self.assertEqual(on.lifecycle_stage, "new")

    def test_team_choice_overrides_the_company_default(self):
        self.team.marketing_qualification = "on"
        lead = self._inbound(team_id=self.team.id)
        self.assertEqual(lead.lifecycle_stage, "new")
        self.team._action_assign_leads()
        self.assertFalse(lead.user_id, "marketing qualifies it first")
        self.company.marketing_qualifies_leads = True
        self.other_team.marketing_qualification = "off"
        lead = self._inbound(team_id=self.other_team.id)
        self.assertEqual(lead.lifecycle_stage, "sales_ready")

    def test_marketing_and_sales_leads_keep_their_rules(self):
        mine = self.create_marketing_leads(team_id=self.team.id)
        self.assertEqual(mine.lifecycle_stage, "new", "a marketer works own leads")
        theirs = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create({"name": "Own", "team_id": self.team.id})
        )
        self.assertEqual(theirs.lifecycle_stage, "accepted")

    def test_setting_in_crm_settings(self):
        settings = Form(self.env["res.config.settings"])
        settings.crm_marketing_qualifies_leads = True
        settings.save().execute()
        self.assertTrue(self.company.marketing_qualifies_leads)
