from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import AlignmentCase


@tagged("post_install", "-at_install", "crm_alignment_lifecycle")
class TestHandoff(AlignmentCase):
    def test_handoff_to_salesperson_logs_and_schedules_followup(self):
        lead = self.create_marketing_leads()
        result = lead.with_user(self.marketer).handoff_to_sales(
            user_id=self.salesman.id, note="Asked for a demo"
        )
        self.assertIs(result, True)
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        self.assertEqual(lead.user_id, self.salesman)
        self.assertEqual(lead.team_id, self.team, "team follows the salesperson")
        self.assertEqual(lead.marketing_user_id, self.marketer, "owner is kept")
        self.assertTrue(lead.handoff_date)
        handoff = lead.handoff_ids
        self.assertEqual(len(handoff), 1)
        self.assertRecordValues(
            handoff,
            [
                {
                    "direction": "to_sales",
                    "user_id": self.marketer.id,
                    "from_user_id": self.marketer.id,
                    "to_user_id": self.salesman.id,
                    "team_id": self.team.id,
                    "note": "Asked for a demo",
                    "accepted_date": False,
                }
            ],
        )
        followup = lead.activity_ids.filtered(
            lambda a: a.activity_type_id
            == self.env.ref("crm_alignment.mail_activity_type_handoff_followup")
        )
        self.assertEqual(followup.user_id, self.salesman)
        self.assertIn("Handed off to sales", lead.message_ids[0].body)

    def test_handoff_note_carries_the_tracked_changes_in_one_message(self):
        """One message per lead, made in the hand-off's batch: the note and
        what changed (owner, team, lifecycle stage). Nothing is left for
        Odoo's tracking at commit, and a context asking for no tracking
        still gets the note."""
        leads = self.create_marketing_leads(3)
        self.flush_tracking()
        before = {lead.id: lead.message_ids for lead in leads}
        leads.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        self.flush_tracking()
        for lead in leads:
            message = lead.message_ids - before[lead.id]
            self.assertEqual(len(message), 1, "the note and the changes, once")
            self.assertIn("Handed off to sales", message.body)
            changed = {
                value.field_id.name: value
                for value in message.sudo().tracking_value_ids
            }
            self.assertEqual(set(changed), {"lifecycle_stage", "user_id", "team_id"})
            self.assertEqual(changed["team_id"].new_value_char, self.team.name)
            self.assertEqual(changed["lifecycle_stage"].new_value_char, "Handed Off")
            self.assertEqual(changed["user_id"].new_value_char, self.salesman.name)
        quiet = self.create_marketing_leads()
        self.flush_tracking()
        before = quiet.message_ids
        quiet.with_user(self.marketer).with_context(
            tracking_disable=True, mail_notrack=True
        ).handoff_to_sales(user_id=self.salesman.id)
        self.flush_tracking()
        message = quiet.message_ids - before
        self.assertEqual(len(message), 1)
        self.assertIn("Handed off to sales", message.body)

    def test_handoff_rewrites_only_the_leads_it_moves(self):
        """A lead already with the salesperson it is handed to keeps its
        assignment date, even in a batch with leads that move (crm restarts
        the date of every lead a salesperson is written on)."""
        kept, moved = self.create_marketing_leads(2)
        assigned = fields.Datetime.now() - timedelta(days=7)
        kept.write({"user_id": self.salesman.id})
        kept.flush_recordset()
        self.env.cr.execute(
            "UPDATE crm_lead SET date_open = %s WHERE id = %s", [assigned, kept.id]
        )
        kept.invalidate_recordset(["date_open"])
        (kept | moved).with_user(self.marketer).handoff_to_sales(
            user_id=self.salesman.id
        )
        self.assertEqual((kept | moved).user_id, self.salesman)
        self.assertEqual(kept.date_open, assigned)
        self.assertGreater(moved.date_open, assigned)
        self.assertEqual(
            (kept | moved).mapped("lifecycle_stage"), ["handed_off", "handed_off"]
        )
        self.assertEqual(len((kept | moved).handoff_ids), 2)
        # crm's rule still applies: a salesperson's lead of no team joins
        # the salesperson's team when handed off to them
        teamless = self.create_marketing_leads()
        teamless.write({"user_id": self.salesman.id})
        teamless.flush_recordset()
        self.env.cr.execute(
            "UPDATE crm_lead SET team_id = NULL WHERE id = %s", [teamless.id]
        )
        teamless.invalidate_recordset(["team_id"])
        self.assertFalse(teamless.team_id)
        teamless.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        self.assertEqual(teamless.team_id, self.team)
        self.assertEqual(teamless.handoff_ids.team_id, self.team)

    def test_handoff_to_team_only_notifies_team_leader(self):
        lead = self.create_marketing_leads()
        lead.with_user(self.marketer).handoff_to_sales(team_id=self.team.id)
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.handoff_ids.to_user_id, self.sales_manager)
        self.assertEqual(lead.activity_ids.user_id, self.sales_manager)

    def test_handoff_batch_is_all_or_nothing_and_names_refused_leads(self):
        ready = self.create_marketing_leads(2)
        accepted = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create({"name": "Already accepted deal"})
        )
        batch = (ready | accepted).with_user(self.marketer)
        with self.assertRaisesRegex(UserError, "Already accepted deal"):
            batch.handoff_to_sales(user_id=self.salesman.id)
        self.assertEqual(set(ready.mapped("lifecycle_stage")), {"new"})
        self.assertFalse(ready.mapped("user_id"))
        self.assertFalse(
            self.env["crm.lead.handoff"].search([("lead_id", "in", ready.ids)])
        )

    def test_handoff_without_salesperson_or_team_is_refused(self):
        lead = self.create_marketing_leads()
        with self.assertRaisesRegex(UserError, "Choose a salesperson or a sales team"):
            lead.with_user(self.marketer).handoff_to_sales()
        self.assertEqual(lead.lifecycle_stage, "new")

    def test_handoff_button_opens_wizard_when_nobody_is_named(self):
        lead = self.create_marketing_leads().with_user(self.marketer)
        action = lead.action_handoff_to_sales()
        self.assertEqual(action["res_model"], "crm.lead.handoff.wizard")
        wizard_form = Form(
            self.env["crm.lead.handoff.wizard"]
            .with_user(self.marketer)
            .with_context(**action["context"])
        )
        wizard_form.user_id = self.other_salesman
        self.assertEqual(wizard_form.team_id, self.other_team)
        wizard_form.note = "Budget approved"
        wizard_form.save().action_handoff()
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        self.assertEqual(lead.user_id, self.other_salesman)
        self.assertEqual(lead.handoff_ids.note, "Budget approved")

    def test_handoff_button_hands_off_directly_when_salesperson_is_set(self):
        lead = self.create_marketing_leads(user_id=self.salesman.id)
        self.assertIs(lead.with_user(self.marketer).action_handoff_to_sales(), True)
        self.assertEqual(lead.lifecycle_stage, "handed_off")

    def test_accept_by_salesperson_closes_followup(self):
        lead = self.create_marketing_leads()
        lead.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        self.assertIs(lead.with_user(self.salesman).action_accept(), True)
        self.assertEqual(lead.lifecycle_stage, "accepted")
        self.assertEqual(lead.handoff_ids.accepted_user_id, self.salesman)
        self.assertTrue(lead.handoff_ids.accepted_date)
        self.assertFalse(lead.activity_ids, "the follow-up activity is done")

    def test_accept_by_team_member_takes_the_lead(self):
        lead = self.create_marketing_leads()
        lead.with_user(self.marketer).handoff_to_sales(team_id=self.team.id)
        lead.with_user(self.teammate).action_accept()
        self.assertEqual(lead.user_id, self.teammate)
        self.assertEqual(lead.lifecycle_stage, "accepted")

    def test_accept_refused_to_marketing_and_to_other_salespeople(self):
        lead = self.create_marketing_leads()
        lead.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        with self.assertRaisesRegex(UserError, "Marketing users cannot accept"):
            lead.with_user(self.marketer).action_accept()
        with self.assertRaisesRegex(UserError, "Marketing users cannot accept"):
            lead.with_user(self.marketing_manager).action_accept()
        with self.assertRaisesRegex(UserError, "Only the assigned salesperson"):
            lead.with_user(self.other_salesman).action_accept()
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        lead.with_user(self.sales_manager).action_accept()
        self.assertEqual(lead.lifecycle_stage, "accepted")

    def test_team_handoff_refuses_member_of_another_team(self):
        lead = self.create_marketing_leads()
        lead.with_user(self.marketer).handoff_to_sales(team_id=self.team.id)
        with self.assertRaisesRegex(UserError, "Only the assigned salesperson"):
            lead.with_user(self.other_salesman).action_accept()

    def test_salesperson_converting_marketing_lead_is_handoff_plus_accept(self):
        lead = self.create_marketing_leads(partner_name="Acme")
        wizard = Form(
            self.env["crm.lead2opportunity.partner"]
            .with_user(self.salesman)
            .with_context(
                active_model="crm.lead", active_id=lead.id, active_ids=lead.ids
            )
        )
        wizard.name = "convert"
        wizard.action = "nothing"
        wizard.user_id = self.salesman
        wizard.save().action_apply()
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.lifecycle_stage, "accepted")
        self.assertEqual(lead.user_id, self.salesman)
        self.assertEqual(len(lead.handoff_ids), 1)
        self.assertEqual(lead.handoff_ids.accepted_user_id, self.salesman)

    def test_merge_moves_journey_to_surviving_lead(self):
        first, second = self.create_marketing_leads(2, email_from="same@acme.example")
        (first | second).with_user(self.marketer).handoff_to_sales(
            user_id=self.salesman.id
        )
        journey = (first | second).handoff_ids
        merged = (
            (first | second)
            .with_user(self.sales_manager)
            ._merge_opportunity(auto_unlink=True)
        )
        self.assertEqual(len(journey.exists()), 2)
        self.assertEqual(journey.lead_id, merged)

    def test_assignment_cron_skips_marketing_leads_and_hands_off_sales_ready(self):
        self.team.write({"assignment_max": 30})
        self.env["crm.team.member"].search([("crm_team_id", "=", self.team.id)]).write(
            {"assignment_max": 30}
        )
        new, ready = self.create_marketing_leads(2)
        ready.with_user(self.marketer).action_mark_sales_ready()
        # crm only allocates leads older than its bundle delay
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = now() - interval '2 hours'"
            " WHERE id IN %s",
            [(new | ready)._ids],
        )
        self.team._action_assign_leads(creation_delta_days=0)
        self.assertFalse(new.team_id or new.user_id)
        self.assertEqual(new.lifecycle_stage, "new")
        self.assertEqual(ready.team_id, self.team)
        self.assertEqual(ready.lifecycle_stage, "handed_off")
        self.assertEqual(len(ready.handoff_ids), 1)
