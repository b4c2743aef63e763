from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import mail_new_test_user


@tagged("post_install", "-at_install")
class TestHandoffTour(HttpCase):
    def test_marketing_hands_off_and_sales_accepts(self):
        marketer = mail_new_test_user(
            self.env,
            login="tour_marketer",
            name="Tour Marketer",
            groups="base.group_user,crm_alignment.group_marketing_user",
        )
        salesman = mail_new_test_user(
            self.env,
            login="tour_salesman",
            name="Tour Salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        self.env["crm.team"].create(
            {"name": "Tour Team", "member_ids": [(6, 0, salesman.ids)]}
        )
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create({"name": "Tour Webinar Lead", "type": "lead"})
        )
        self.start_tour(
            f"/odoo/action-crm_alignment.crm_lead_action_marketing/{lead.id}",
            "crm_alignment_handoff_tour",
            login="tour_marketer",
        )
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        self.assertEqual(lead.user_id, salesman)
        self.assertEqual(lead.handoff_ids.note, "Asked for a demo")
        self.start_tour(
            f"/odoo/action-crm_alignment.crm_lead_action_waiting_on_sales/{lead.id}",
            "crm_alignment_accept_tour",
            login="tour_salesman",
        )
        self.assertEqual(lead.lifecycle_stage, "accepted")

    def test_marketing_qualifies_a_lead_with_bant(self):
        marketer = mail_new_test_user(
            self.env,
            login="tour_bant_marketer",
            name="Tour BANT Marketer",
            groups="base.group_user,crm_alignment.group_marketing_user",
        )
        self.env.company.bant_profile_id = self.env.ref(
            "crm_alignment.crm_bant_profile_transactional"
        )
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create({"name": "Tour BANT Lead", "type": "lead"})
        )
        self.start_tour(
            f"/odoo/action-crm_alignment.crm_lead_action_marketing/{lead.id}",
            "crm_alignment_bant_tour",
            login="tour_bant_marketer",
        )
        # (30 * 100 + 30 * 100) / 100 under Transactional (threshold 50)
        self.assertEqual(lead.bant_score, 60)
        self.assertEqual(lead.lifecycle_stage, "sales_ready")

    def test_sales_recycles_a_lead_to_nurture(self):
        marketer = mail_new_test_user(
            self.env,
            login="tour_rc_marketer",
            name="Tour Recycle Marketer",
            groups="base.group_user,crm_alignment.group_marketing_user",
        )
        salesman = mail_new_test_user(
            self.env,
            login="tour_rc_salesman",
            name="Tour Recycle Salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create({"name": "Tour Recycle Lead", "type": "lead"})
        )
        lead.with_user(marketer).handoff_to_sales(user_id=salesman.id)
        self.start_tour(
            f"/odoo/crm/{lead.id}",
            "crm_alignment_recycle_tour",
            login="tour_rc_salesman",
        )
        self.assertEqual(lead.lifecycle_stage, "nurture")
        self.assertEqual(lead.previous_user_id, salesman)
        self.assertEqual(lead.marketing_user_id, marketer)
        self.assertEqual(lead.recycle_count, 1)

    def test_salesperson_follows_up_within_the_sla(self):
        marketer = mail_new_test_user(
            self.env,
            login="tour_sla_marketer",
            name="Tour SLA Marketer",
            groups="base.group_user,crm_alignment.group_marketing_user",
        )
        salesman = mail_new_test_user(
            self.env,
            login="tour_sla_salesman",
            name="Tour SLA Salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
        )
        self.env["crm.sla.policy"].create(
            {"name": "Tour SLA", "followup_hours": 1000, "sequence": 1}
        )
        lead = (
            self.env["crm.lead"]
            .with_user(marketer)
            .create({"name": "Tour SLA Lead", "type": "lead"})
        )
        lead.with_user(marketer).handoff_to_sales(user_id=salesman.id)
        self.assertEqual(lead.sla_state, "ongoing")
        self.start_tour(
            f"/odoo/crm/{lead.id}", "crm_alignment_sla_tour", login="tour_sla_salesman"
        )
        self.assertEqual(lead.sla_ids.state, "reached")
        self.assertEqual(lead.lifecycle_stage, "accepted")
