from datetime import datetime

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import AlignmentCase
from .test_sla import _calendar


@tagged("post_install", "-at_install", "crm_alignment_nurture")
class TestNurture(AlignmentCase):
    """Nurture programs both managers sign, enrolment by recycling, Start
    Nurturing and a BANT demotion, and the step job (office hours Mon-Fri
    9-17 UTC: a working day is 8 hours)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.office = _calendar(cls.env, "Nurture office", range(5), 9, 17)
        cls.team.resource_calendar_id = cls.office
        cls.team.marketing_user_id = cls.marketer
        cls.env.user.groups_id += cls.env.ref("crm.group_use_lead")
        cls.salesman.groups_id += cls.env.ref("crm.group_use_lead")
        cls.reason = cls.env.ref("crm_alignment.crm_recycle_reason_timing")
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        # the demo's enrolments (if any) run apart from this known history
        cls.env["crm.nurture.enrolment"].search(
            [("state", "in", ("active", "paused"))]
        )._enrolment_end("tests")
        cls.program = cls._program("Not ready yet", team=cls.team)
        cls._agree(cls.program)

    @classmethod
    def _program(cls, name, team=None, **vals):
        return (
            cls.env["crm.nurture.program"]
            .with_user(cls.marketer)
            .create(
                {
                    "name": name,
                    "team_id": team.id if team else False,
                    "recycle_reason_ids": [(6, 0, cls.reason.ids)],
                    "step_ids": [
                        (
                            0,
                            0,
                            {
                                "sequence": 1,
                                "name": "Case study",
                                "kind": "email",
                                "delay_days": 1,
                                "subject": "How Acme did it",
                                "body_html": "<p>Read how Acme did it.</p>",
                            },
                        ),
                        (
                            0,
                            0,
                            {
                                "sequence": 2,
                                "name": "Call who did not open",
                                "kind": "activity",
                                "delay_days": 2,
                                "condition": "not_opened",
                                "activity_type_id": cls.call.id,
                                "activity_owner": "marketing",
                                "note": "Ask whether the timing changed.",
                            },
                        ),
                    ],
                    **vals,
                }
            )
        )

    @classmethod
    def _agree(cls, program):
        program.with_user(cls.sales_manager).action_agree_sales()
        program.with_user(cls.marketing_manager).action_agree_marketing()

    def _recycled(self, **vals):
        vals.setdefault("email_from", "prospect@acme.example.com")
        lead = self.create_marketing_leads(**vals)
        lead.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        lead.with_user(self.salesman).recycle_to_nurture(self.reason.id)
        return lead

    # ------------------------------------------------------------ programs

    def test_only_an_agreed_program_enrols_and_a_change_reopens_it(self):
        self.assertEqual(self.program.state, "agreed")
        draft = self._program("Draft program", team=self.other_team)
        lead = self.create_marketing_leads(team_id=self.other_team.id)
        with self.assertRaisesRegex(UserError, "not agreed"):
            self.env["crm.nurture.enrolment"]._enrol(lead, draft, "test")
        # a change to what the program sends takes it back to draft, logged
        self.program.step_ids[0].with_user(self.marketer).write({"delay_days": 3})
        self.assertEqual(self.program.state, "draft")
        self.assertFalse(self.program.sales_agreed_user_id)
        self.assertIn("back to draft", self.program.message_ids[0].body)
        # and its enrolments wait: the job runs agreed programs only
        with freeze_time("2026-03-02 09:00:00"):
            self._agree(self.program)
            lead = self._recycled()
        self.program.with_user(self.marketer).write({"cold_outcome": "archive"})
        with freeze_time("2026-03-10 09:00:00"):
            self.assertEqual(self.env["crm.nurture.enrolment"]._cron_run_steps(), 0)
        self.assertFalse(lead.nurture_touch_ids)

    def test_program_bad_input_and_roles(self):
        with self.assertRaises(AccessError):
            self.env["crm.nurture.program"].with_user(self.salesman).create(
                {"name": "Sales-made program"}
            )
        empty = self._program("Empty", step_ids=[])
        with self.assertRaisesRegex(UserError, "Add the steps"):
            empty.with_user(self.sales_manager).action_agree_sales()
        incomplete = self._program(
            "No subject",
            step_ids=[(0, 0, {"name": "Mail", "kind": "email", "delay_days": 0})],
        )
        with self.assertRaisesRegex(UserError, "subject and a body"):
            incomplete.with_user(self.sales_manager).action_agree_sales()
        with self.assertRaisesRegex(ValidationError, "between 0 and 365"):
            self.program.step_ids[0].with_user(self.marketer).write({"delay_days": -1})
        with self.assertRaisesRegex(AccessError, "sales manager signs off"):
            empty.with_user(self.marketer).action_agree_sales()

    # ------------------------------------------------------------ enrolment

    def test_recycling_enrols_in_the_reason_program_of_the_team(self):
        company_wide = self._program("Company-wide timing")
        self._agree(company_wide)
        with freeze_time("2026-03-02 10:00:00"):  # a Monday
            lead = self._recycled()
        enrolment = lead.nurture_enrolment_id
        self.assertEqual(enrolment.program_id, self.program, "the team's first")
        self.assertEqual(lead.nurture_program_id, self.program)
        self.assertEqual(enrolment.step_id, self.program.step_ids[0])
        # one working day (8 h) after Monday 10:00 is Tuesday 10:00
        self.assertEqual(enrolment.next_date, datetime(2026, 3, 3, 10, 0))
        self.assertIn("Enrolled in the nurture program", lead.message_ids[0].body)
        self.assertIn(
            lead,
            self.env["crm.lead"].search([("nurture_program_id", "=", self.program.id)]),
        )
        # a page of cards, as the salesperson reads it: every lead's running
        # enrolment (under its record rules) from one query, each its own
        with freeze_time("2026-03-02 10:00:00"):
            other = self._recycled(email_from="other@acme.example.com")
        waiting = self.create_marketing_leads()
        page = (lead | waiting | other).with_user(self.salesman)
        page.mapped("nurture_state")  # the rules' own lookups, cached once
        page.invalidate_recordset(
            ["nurture_enrolment_id", "nurture_program_id", "nurture_state"]
            + ["nurture_step_id", "nurture_next_date"]
        )
        with self.assertQueryCount(1):
            seen = [
                (card.nurture_enrolment_id, card.nurture_program_id, card.nurture_state)
                for card in page
            ]
        self.assertEqual(
            seen,
            [
                (enrolment, self.program, "active"),
                (enrolment.browse(), self.program.browse(), False),
                (other.nurture_enrolment_id, self.program, "active"),
            ],
        )
        self.assertNotEqual(other.nurture_enrolment_id, enrolment)
        # the wizard proposes the same program
        lead2 = self.create_marketing_leads()
        lead2.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        wizard = Form(
            self.env["crm.lead.recycle"]
            .with_user(self.salesman)
            .with_context(default_lead_ids=lead2.ids)
        )
        wizard.reason_id = self.reason
        self.assertEqual(wizard.program_id, self.program)

    def test_a_program_of_another_team_is_refused_before_anything_changes(self):
        other = self._program("Enterprise timing", team=self.other_team)
        self._agree(other)
        lead = self.create_marketing_leads()
        lead.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        for bad in (other.id, "1", 999999):
            with self.assertRaises(UserError):
                lead.with_user(self.salesman).recycle_to_nurture(
                    self.reason.id, program_id=bad
                )
        self.assertEqual(lead.lifecycle_stage, "handed_off", "nothing half-written")
        self.assertFalse(lead.nurture_enrolment_ids)

    def test_one_running_enrolment_per_lead(self):
        with freeze_time("2026-03-02 10:00:00"):
            lead = self._recycled()
        first = lead.nurture_enrolment_id
        again = self.env["crm.nurture.enrolment"]._enrol(lead, self.program, "again")
        self.assertEqual(first.state, "ended", "the running one ends first")
        self.assertEqual(lead.nurture_enrolment_id, again)
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.cr.savepoint(),
            mute_logger("odoo.sql_db"),
        ):
            self.env.cr.execute(
                "INSERT INTO crm_nurture_enrolment"
                " (lead_id, program_id, state, enrolled_date)"
                " VALUES (%s, %s, 'active', now())",
                [lead.id, self.program.id],
            )

    def test_enrolments_are_made_by_the_pipeline_only(self):
        lead = self._recycled()
        Enrolment = self.env["crm.nurture.enrolment"]
        for user in (self.marketer, self.salesman, self.sales_manager):
            with self.assertRaises(UserError):
                Enrolment.with_user(user).create(
                    {"lead_id": lead.id, "program_id": self.program.id}
                )
            with self.assertRaises(UserError):
                lead.nurture_enrolment_id.with_user(user).write(
                    {"next_date": "2020-01-01 00:00:00"}
                )
        with self.assertRaises(UserError):
            self.env["crm.nurture.touch"].with_user(self.marketer).create(
                {
                    "enrolment_id": lead.nurture_enrolment_id.id,
                    "lead_id": lead.id,
                    "step_id": self.program.step_ids[0].id,
                    "outcome": "done",
                }
            )

    def test_start_nurturing_and_bant_demotion_enrol(self):
        welcome = self._program(
            "Welcome", team=self.team, recycle_reason_ids=[], enrol_from_new=True
        )
        demoted = self._program(
            "Back to nurture",
            team=self.team,
            recycle_reason_ids=[],
            enrol_on_demotion=True,
        )
        self._agree(welcome)
        self._agree(demoted)
        lead = self.create_marketing_leads(team_id=self.team.id)
        lead.with_user(self.marketer).action_start_nurture()
        self.assertEqual(lead.nurture_program_id, welcome)
        # straight-to-sales (the install default): a BANT-ready lead that no
        # salesperson holds goes back to nurturing on a disqualifying answer
        self.company.marketing_qualifies_leads = False
        ref = self.env.ref
        profile = self.env["crm.bant.profile"].create(
            {
                "name": "Nurture test definition",
                "weight_budget": 20,
                "weight_authority": 20,
                "weight_need": 30,
                "weight_timeframe": 30,
                "threshold": 50,
                "require_need": True,
            }
        )
        self.team.bant_profile_id = profile
        answers = {
            "bant_need_id": ref("crm_alignment.bant_need_critical").id,
            "bant_timeframe_id": ref("crm_alignment.bant_timeframe_under_3").id,
        }
        ready = self.create_marketing_leads(team_id=self.team.id, **answers)
        self.assertEqual(ready.lifecycle_stage, "sales_ready")
        ready.with_user(self.marketer).write(
            {"bant_need_id": ref("crm_alignment.bant_need_nice").id}
        )
        self.assertEqual(ready.lifecycle_stage, "nurture")
        self.assertEqual(ready.nurture_program_id, demoted)

    def test_owner_pauses_resumes_moves_and_ends(self):
        with freeze_time("2026-03-02 10:00:00"):
            lead = self._recycled()
        enrolment = lead.nurture_enrolment_id
        with self.assertRaises(AccessError):
            enrolment.with_user(self.salesman).action_pause()
        enrolment.with_user(self.marketer).action_pause()
        self.assertEqual(enrolment.state, "paused")
        with freeze_time("2026-03-20 10:00:00"):
            self.assertEqual(
                enrolment.env["crm.nurture.enrolment"]._cron_run_steps(), 0
            )
            enrolment.with_user(self.marketer).action_resume()
        self.assertEqual(enrolment.state, "active")
        step2 = self.program.step_ids[1]
        with self.assertRaises(UserError):
            enrolment.with_user(self.marketer).action_move_to_step("2")
        enrolment.with_user(self.marketer).action_move_to_step(step2.id)
        self.assertEqual(enrolment.step_id, step2)
        enrolment.with_user(self.marketing_manager).action_end()
        self.assertEqual(enrolment.state, "ended")
        self.assertFalse(lead.nurture_enrolment_id)
        self.assertIn("ended", lead.message_ids[0].body)

    # ------------------------------------------------------------ the job

    def test_step_job_sends_through_email_marketing_then_branches(self):
        with freeze_time("2026-03-02 10:00:00"):
            lead = self._recycled()
            no_mail = self._recycled(email_from=False)
        Enrolment = self.env["crm.nurture.enrolment"]
        with freeze_time("2026-03-03 09:59:00"):
            self.assertEqual(Enrolment._cron_run_steps(), 0, "not due yet")
        with freeze_time("2026-03-03 10:00:00"):
            self.assertEqual(Enrolment._cron_run_steps(), 0, "both done, none left")
        self.assertEqual(len((lead | no_mail).nurture_touch_ids), 2)
        mailing = self.program.step_ids[0].mailing_id
        self.assertEqual(mailing.mailing_model_real, "crm.lead")
        trace = self.env["mailing.trace"].search([("mass_mailing_id", "=", mailing.id)])
        self.assertEqual(
            trace.res_id, lead.id, "one trace, for the lead with an address"
        )
        touch = lead.nurture_touch_ids
        self.assertEqual((touch.outcome, touch.mailing_trace_id), ("done", trace))
        skipped = no_mail.nurture_touch_ids
        self.assertEqual(
            (skipped.outcome, skipped.skip_reason), ("skipped", "no e-mail address")
        )
        self.assertIn("skipped: no e-mail address", no_mail.message_ids[0].body)
        # the next step: two working days later, Thursday 10:00
        self.assertEqual(lead.nurture_next_date, datetime(2026, 3, 5, 10, 0))
        # the prospect opened the mail: the "not opened" call is skipped
        trace.set_opened()
        with freeze_time("2026-03-05 10:00:00"):
            Enrolment._cron_run_steps()
        call = lead.nurture_touch_ids.filtered(
            lambda t: t.step_id == self.program.step_ids[1]
        )
        self.assertEqual(call.outcome, "skipped")
        self.assertIn("not opened", call.skip_reason)
        self.assertEqual(lead.nurture_enrolment_ids.state, "done")
        # the lead without an address had no trace to open: the call is due
        activity = no_mail.activity_ids.filtered(
            lambda a: a.activity_type_id == self.call
        )
        self.assertEqual(activity.user_id, self.marketer, "for the marketing owner")

    def test_step_job_killed_after_sending_does_not_send_twice(self):
        with freeze_time("2026-03-02 10:00:00"):
            lead = self._recycled()
        step = self.program.step_ids[0]
        with freeze_time("2026-03-03 10:00:00"):
            # a run sent the mail, then died before recording the step
            step._step_mailing()._action_send_mail(res_ids=lead.ids)
            self.env["crm.nurture.enrolment"]._cron_run_steps()
        traces = self.env["mailing.trace"].search(
            [("mass_mailing_id", "=", step.mailing_id.id), ("res_id", "=", lead.id)]
        )
        self.assertEqual(len(traces), 1, "not sent again")
        self.assertEqual(lead.nurture_touch_ids.mailing_trace_id, traces)

    def test_blacklisted_address_is_skipped_with_a_reason(self):
        self.env["mail.blacklist"]._add("prospect@acme.example.com")
        with freeze_time("2026-03-02 10:00:00"):
            lead = self._recycled()
        with freeze_time("2026-03-03 10:00:00"):
            self.env["crm.nurture.enrolment"]._cron_run_steps()
        self.assertEqual(lead.nurture_touch_ids.outcome, "skipped")
        self.assertIn("blacklisted", lead.nurture_touch_ids.skip_reason)

    def test_step_job_runs_in_batches_and_reports_what_remains(self):
        with freeze_time("2026-03-02 10:00:00"):
            leads = self.create_marketing_leads(5, email_from="p@acme.example.com")
            leads.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
            leads.with_user(self.salesman).recycle_to_nurture(self.reason.id)
        Enrolment = self.env["crm.nurture.enrolment"]
        with freeze_time("2026-03-03 10:00:00"):
            # one batch per call; ir.cron calls again while some remain
            self.assertEqual(Enrolment._cron_run_steps(batch_size=2), 3)
            self.assertEqual(len(leads.nurture_touch_ids), 2)
            self.assertEqual(Enrolment._cron_run_steps(batch_size=2), 1)
            self.assertEqual(Enrolment._cron_run_steps(batch_size=2), 0)
            self.assertEqual(Enrolment._cron_run_steps(), 0)
        self.assertEqual(len(leads.nurture_touch_ids), 5, "each step once")
