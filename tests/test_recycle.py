from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import AlignmentCase


@tagged("post_install", "-at_install", "crm_alignment_recycle")
class TestRecycle(AlignmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_timing = cls.env.ref("crm_alignment.crm_recycle_reason_timing")
        cls.reason_no_response = cls.env.ref(
            "crm_alignment.crm_recycle_reason_no_response"
        )
        cls.reason_not_fit = cls.env.ref("crm_alignment.crm_recycle_reason_not_a_fit")
        cls.nurturer = cls.marketing_manager
        cls.team.marketing_user_id = cls.nurturer
        cls.env.user.groups_id += cls.env.ref("crm.group_use_lead")
        cls.salesman.groups_id += cls.env.ref("crm.group_use_lead")
        cls.sales_manager.groups_id += cls.env.ref("crm.group_use_lead")

    def _handed_off(self, count=1, **vals):
        leads = self.create_marketing_leads(count, **vals)
        leads.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        return leads

    def _history(self, lead):
        lead = lead.sudo()
        return {
            "messages": len(lead.message_ids),
            "tracking": len(lead.message_ids.tracking_value_ids),
            "attachments": self.env["ir.attachment"].search_count(
                [("res_model", "=", "crm.lead"), ("res_id", "=", lead.id)]
            ),
            "handoffs": len(lead.handoff_ids),
        }

    def test_recycle_sends_the_same_lead_back_keeping_history(self):
        lead = self._handed_off(
            bant_timeframe_id=self.env.ref("crm_alignment.bant_timeframe_3_12").id
        )
        lead.with_user(self.salesman).action_accept()
        lead.with_user(self.salesman).convert_opportunity(lead.partner_id)
        self.env["ir.attachment"].create(
            {
                "name": "notes.txt",
                "res_model": "crm.lead",
                "res_id": lead.id,
                "raw": b"x",
            }
        )
        lead.message_post(body="Call notes: budget next year")
        self.env.flush_all()
        before = self._history(lead)
        lead_id = lead.id
        with freeze_time("2026-05-04"):
            result = lead.with_user(self.salesman).recycle_to_nurture(
                self.reason_timing.id, note="Back in Q3"
            )
        self.env.flush_all()
        self.assertIs(result, True)
        self.assertEqual(lead.id, lead_id)
        self.assertEqual(
            self.env["crm.lead"].search_count([("name", "=", lead.name)]), 1
        )
        self.assertEqual(lead.lifecycle_stage, "nurture")
        self.assertEqual(lead.type, "lead", "the company uses leads")
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.previous_user_id, self.salesman)
        self.assertEqual(lead.marketing_user_id, self.marketer, "its own owner")
        self.assertEqual(lead.recycle_count, 1)
        self.assertEqual(lead.recycle_reason_id, self.reason_timing)
        self.assertFalse(lead.bant_timeframe_id, "the reason resets Timeframe")
        after = self._history(lead)
        for key, value in before.items():
            self.assertGreaterEqual(after[key], value, key)
        entry = lead.handoff_ids.filtered(lambda h: h.direction == "to_marketing")
        self.assertRecordValues(
            entry,
            [
                {
                    "from_user_id": self.salesman.id,
                    "to_user_id": self.marketer.id,
                    "reason_id": self.reason_timing.id,
                    "note": "Back in Q3",
                }
            ],
        )
        self.assertIn("Timeframe: 3-12 months", entry.bant_snapshot)
        revisit = lead.activity_ids.filtered(
            lambda a: a.activity_type_id
            == self.env.ref("crm_alignment.mail_activity_type_revisit")
        )
        self.assertEqual(revisit.user_id, self.marketer)
        self.assertEqual(revisit.date_deadline, date(2026, 9, 1), "120 days later")
        self.assertIn("Recycled to nurture by Sam Salesman", lead.message_ids[0].body)

    def test_recycle_note_carries_the_tracked_changes_in_one_message(self):
        leads = self._handed_off(2)
        self.flush_tracking()
        before = {lead.id: lead.sudo().message_ids for lead in leads}
        leads.with_user(self.salesman).recycle_to_nurture(self.reason_timing.id)
        self.flush_tracking()
        for lead in leads.sudo():
            message = lead.message_ids - before[lead.id]
            self.assertEqual(len(message), 1, "the note and the changes, once")
            self.assertIn("Recycled to nurture", message.body)
            changed = {
                value.field_id.name: value.new_value_char
                for value in message.tracking_value_ids
            }
            self.assertEqual(changed["lifecycle_stage"], "Nurturing")
            self.assertIn("user_id", changed, "the salesperson let go of it")

    def test_recycle_reassigns_open_sales_activities_and_closes_followup(self):
        lead = self._handed_off()
        call = lead.activity_schedule(
            "mail.mail_activity_data_call", user_id=self.salesman.id, summary="Call"
        )
        lead.with_user(self.salesman).recycle_to_nurture(
            self.reason_no_response.id, nurture_user_id=self.nurturer.id
        )
        self.assertEqual(call.user_id, self.nurturer, "handed over, not deleted")
        self.assertFalse(
            lead.activity_ids.filtered(
                lambda a: a.activity_type_id
                == self.env.ref("crm_alignment.mail_activity_type_handoff_followup")
            )
        )
        self.assertIn("1 open activities were handed over", lead.message_ids[0].body)
        self.assertEqual(lead.marketing_user_id, self.nurturer)

    def test_recycle_without_leads_group_keeps_opportunity_out_of_pipeline(self):
        self.salesman.groups_id -= self.env.ref("crm.group_use_lead")
        lead = self._handed_off()
        lead.with_user(self.salesman).action_accept()
        lead.with_user(self.salesman).convert_opportunity(lead.partner_id)
        lead.with_user(self.salesman).recycle_to_nurture(self.reason_no_response.id)
        self.assertEqual(lead.type, "opportunity")
        self.assertFalse(lead.user_id, "out of the salesperson's pipeline")
        self.assertEqual(lead.lifecycle_stage, "nurture")

    def test_assignment_cron_does_not_take_recycled_leads(self):
        lead = self._handed_off()
        lead.with_user(self.salesman).recycle_to_nurture(self.reason_no_response.id)
        domain = self.team._get_lead_to_assign_domain()
        self.assertNotIn(lead, self.env["crm.lead"].search(domain))

    def test_rehandoff_after_recycle_starts_a_new_journey_entry(self):
        lead = self._handed_off()
        lead.with_user(self.salesman).recycle_to_nurture(self.reason_no_response.id)
        lead.with_user(self.marketer).handoff_to_sales(user_id=self.teammate.id)
        self.assertEqual(
            lead.handoff_ids.sorted("id").mapped("direction"),
            ["to_sales", "to_marketing", "to_sales"],
        )
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        self.assertEqual(lead.recycle_count, 1)

    def test_recycle_refuses_forbidden_states_and_changes_nothing(self):
        good = self._handed_off()
        new = self.create_marketing_leads()
        lost = self._handed_off()
        lost.action_set_lost()
        won = self._handed_off()
        won.write(
            {
                "stage_id": self.env["crm.stage"]
                .search([("is_won", "=", True)], limit=1)
                .id
            }
        )
        nurturing = self._handed_off()
        nurturing.with_user(self.sales_manager).recycle_to_nurture(
            self.reason_no_response.id
        )
        batch = (good | new | lost | won | nurturing).with_user(self.sales_manager)
        with self.assertRaises(UserError) as error:
            batch.recycle_to_nurture(self.reason_no_response.id)
        message = str(error.exception)
        self.assertIn("is still marketing's", message)
        self.assertIn("is lost or archived", message)
        self.assertIn("is won", message)
        self.assertIn("already nurturing", message)
        self.assertEqual(good.lifecycle_stage, "handed_off")
        self.assertEqual(good.recycle_count, 0)
        self.assertEqual(len(good.handoff_ids), 1)

    def test_second_recycle_of_same_lead_is_refused(self):
        lead = self._handed_off()
        lead.with_user(self.salesman).recycle_to_nurture(self.reason_no_response.id)
        with self.assertRaisesRegex(UserError, "already nurturing"):
            lead.with_user(self.sales_manager).recycle_to_nurture(
                self.reason_no_response.id
            )
        self.assertEqual(lead.recycle_count, 1)
        self.assertEqual(len(lead.handoff_ids), 2)

    def test_roles_who_may_recycle(self):
        lead = self._handed_off()
        with self.assertRaisesRegex(UserError, "Marketing users cannot recycle"):
            lead.with_user(self.marketer).recycle_to_nurture(self.reason_no_response.id)
        with self.assertRaisesRegex(UserError, "Only their salesperson"):
            lead.with_user(self.teammate).recycle_to_nurture(self.reason_no_response.id)
        with self.assertRaisesRegex(UserError, "Marketing users cannot recycle"):
            lead.with_user(self.marketer).action_recycle_to_nurture()
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        lead.with_user(self.sales_manager).recycle_to_nurture(
            self.reason_no_response.id
        )
        self.assertEqual(lead.lifecycle_stage, "nurture")

    def test_reason_requiring_a_note(self):
        lead = self._handed_off()
        with self.assertRaisesRegex(UserError, "needs a note"):
            lead.with_user(self.salesman).recycle_to_nurture(self.reason_not_fit.id)
        with self.assertRaisesRegex(UserError, "Choose why"):
            lead.with_user(self.salesman).recycle_to_nurture(False)
        self.assertEqual(lead.lifecycle_stage, "handed_off")

    def test_wizard_defaults_and_recycle(self):
        lead = self._handed_off()
        action = lead.with_user(self.salesman).action_recycle_to_nurture()
        with freeze_time("2026-01-10"):
            wizard = Form(
                self.env[action["res_model"]]
                .with_user(self.salesman)
                .with_context(**action["context"])
            )
            self.assertEqual(wizard.nurture_user_id, self.marketer)
            wizard.reason_id = self.reason_no_response
            self.assertEqual(wizard.revisit_date, date(2026, 2, 9))
            wizard.note = "Three calls, two emails"
            wizard.save().action_recycle()
        self.assertEqual(lead.lifecycle_stage, "nurture")
        recycled = lead.handoff_ids.filtered(lambda h: h.direction == "to_marketing")
        self.assertEqual(recycled.note, "Three calls, two emails")

    def test_wizard_refuses_lost_leads_instead_of_dropping_them(self):
        live, lost = self._handed_off(2)
        lost.with_user(self.salesman).action_set_lost()
        wizard = (
            self.env["crm.lead.recycle"]
            .with_user(self.salesman)
            .create(
                {
                    "lead_ids": [(6, 0, (live | lost).ids)],
                    "reason_id": self.reason_timing.id,
                }
            )
        )
        with self.assertRaisesRegex(UserError, "is lost or archived"):
            wizard.action_recycle()
        self.assertEqual(live.lifecycle_stage, "handed_off", "nothing was changed")

    def test_recycle_cost_does_not_grow_per_lead(self):
        one = self._handed_off(1)
        many = self._handed_off(20)
        manager = self.sales_manager

        def cost(leads):
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            leads.with_user(manager).recycle_to_nurture(self.reason_timing.id)
            self.env.flush_all()
            return self.cr.sql_log_count - before

        cost_one, cost_many = cost(one), cost(many)
        # a handful of queries per lead at most (mail.activity reassignment
        # subscribes followers per activity in Odoo itself)
        self.assertLessEqual(cost_many - cost_one, 5 * 19, (cost_one, cost_many))
