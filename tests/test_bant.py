from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .common import AlignmentCase


@tagged("post_install", "-at_install", "crm_alignment_bant")
class TestBant(AlignmentCase, CronMixinCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.budget_unknown = ref("crm_alignment.bant_budget_unknown")
        cls.budget_none = ref("crm_alignment.bant_budget_none")
        cls.budget_planned = ref("crm_alignment.bant_budget_planned")
        cls.budget_approved = ref("crm_alignment.bant_budget_approved")
        cls.authority_user = ref("crm_alignment.bant_authority_user")
        cls.authority_influencer = ref("crm_alignment.bant_authority_influencer")
        cls.need_nice = ref("crm_alignment.bant_need_nice")
        cls.need_critical = ref("crm_alignment.bant_need_critical")
        cls.timeframe_under_3 = ref("crm_alignment.bant_timeframe_under_3")
        cls.timeframe_3_12 = ref("crm_alignment.bant_timeframe_3_12")
        # Weights 20/20/30/30, threshold 50, Need required.
        cls.profile = cls.env["crm.bant.profile"].create(
            {
                "name": "Test transactional",
                "weight_budget": 20,
                "weight_authority": 20,
                "weight_need": 30,
                "weight_timeframe": 30,
                "threshold": 50,
                "require_need": True,
            }
        )
        cls.team.bant_profile_id = cls.profile
        cls.company.bant_profile_id = cls.profile

    def _lead(self, **answers):
        vals = {
            f"bant_{criterion}_id": option.id for criterion, option in answers.items()
        }
        return self.create_marketing_leads(team_id=self.team.id, **vals)

    # ---------------------------------------------------------------- scores

    def test_score_is_weighted_mean_with_unknowns_counting_zero(self):
        # 30 * 100 / 100 = 30: Need alone, below the threshold
        lead = self._lead(need=self.need_critical, budget=self.budget_unknown)
        self.assertEqual(lead.bant_score, 30)
        self.assertFalse(lead.bant_sales_ready)
        # (20*50 + 20*20 + 30*100 + 30*60) / 100 = 62
        lead.write(
            {
                "bant_budget_id": self.budget_planned.id,
                "bant_authority_id": self.authority_user.id,
                "bant_timeframe_id": self.timeframe_3_12.id,
            }
        )
        self.assertEqual(lead.bant_score, 62)
        self.assertTrue(lead.bant_sales_ready)
        self.assertEqual(lead.bant_score_band, "warm")

    def test_score_rounds_half_up_and_clamps(self):
        Option = self.env["crm.bant.option"]
        half = Option.create({"criterion": "budget", "name": "Half", "points": 25})
        fifteen = Option.create({"criterion": "authority", "name": "15", "points": 15})
        profile = self.env["crm.bant.profile"].create(
            {
                "name": "Two criteria",
                "weight_budget": 1,
                "weight_authority": 1,
                "weight_need": 0,
                "weight_timeframe": 0,
                "threshold": 10,
            }
        )
        self.other_team.bant_profile_id = profile
        lead = self.create_marketing_leads(
            team_id=self.other_team.id, bant_budget_id=half.id
        )
        self.assertEqual(lead.bant_score, 13, "25 / 2 = 12.5 rounds up")
        lead.bant_budget_id = False
        lead.bant_authority_id = fifteen
        self.assertEqual(lead.bant_score, 8, "15 / 2 = 7.5 rounds up")
        # (100 + 60 + 40) / 3 = 66.67 -> 67 with three equal weights
        profile.weight_need = 1
        lead.write(
            {
                "bant_budget_id": self.budget_approved.id,
                "bant_authority_id": self.authority_influencer.id,
                "bant_need_id": self.need_nice.id,
            }
        )
        self.assertEqual(lead.bant_score, 67)
        # negative points clamp to 0
        lead.write({"bant_budget_id": self.budget_none.id, "bant_need_id": False})
        lead.bant_authority_id = self.authority_user
        self.assertEqual(lead.bant_score, 0, "(-50 + 20 + 0) / 3 clamps to 0")

    def test_lead_without_team_uses_company_default_and_no_profile_scores_zero(self):
        lead = self.create_marketing_leads(bant_need_id=self.need_critical.id)
        self.assertFalse(lead.team_id)
        self.assertEqual(lead.bant_profile_id, self.profile)
        self.assertEqual(lead.bant_score, 30)
        self.company.bant_profile_id = False
        self.assertFalse(lead.bant_profile_id)
        self.assertEqual(lead.bant_score, 0)
        self.assertFalse(lead.bant_sales_ready)
        self.assertIn("No lead definition applies", lead.bant_explanation)

    def test_disqualifying_answer_blocks_readiness_whatever_the_score(self):
        self.profile.threshold = 10
        lead = self._lead(
            need=self.need_critical,
            timeframe=self.timeframe_under_3,
            budget=self.budget_none,
        )
        # (20*-50 + 30*100 + 30*100) / 100 = 50
        self.assertEqual(lead.bant_score, 50)
        self.assertFalse(lead.bant_sales_ready)
        self.assertIn("No budget disqualifies the lead", lead.bant_explanation)

    def test_required_criterion_must_be_answered(self):
        self.profile.threshold = 20
        lead = self._lead(budget=self.budget_approved, timeframe=self.timeframe_under_3)
        self.assertEqual(lead.bant_score, 50)
        self.assertFalse(lead.bant_sales_ready)
        self.assertIn("Need must be answered", lead.bant_explanation)

    def test_explanation_lists_points_weights_contributions(self):
        lead = self._lead(need=self.need_critical)
        explanation = lead.bant_explanation
        self.assertIn("Critical", explanation)
        self.assertIn("+30.0", explanation)
        self.assertIn("20 more points to reach 50", explanation)

    # ---------------------------------------------------------- lifecycle

    def test_becoming_sales_ready_moves_lifecycle_and_back(self):
        lead = self._lead(need=self.need_critical)
        lead.with_user(self.marketer).action_start_nurture()
        lead.with_user(self.marketer).bant_timeframe_id = self.timeframe_under_3
        self.assertEqual(lead.lifecycle_stage, "sales_ready")
        lead.with_user(self.marketer).bant_timeframe_id = False
        self.assertEqual(lead.lifecycle_stage, "nurture")

    def test_answer_changes_are_tracked_with_their_date(self):
        with freeze_time("2026-03-02 10:00:00"):
            lead = self._lead(need=self.need_nice)
            self.assertEqual(lead.bant_need_date, fields.Datetime.now())
            # as if the creation had been committed: tracking starts there
            self.env.flush_all()
            self.env.cr.precommit.run()
        with freeze_time("2026-03-05 11:00:00"):
            lead.bant_need_id = self.need_critical
            self.env.flush_all()
            self.env.cr.precommit.run()
        self.assertEqual(
            lead.bant_need_date, fields.Datetime.to_datetime("2026-03-05 11:00:00")
        )
        tracked = lead.sudo().message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "bant_need_id"
        )
        self.assertEqual(tracked.old_value_char, "Nice to have")
        self.assertEqual(tracked.new_value_char, "Critical")

    def test_manual_sales_ready_refused_when_definition_not_met(self):
        lead = self._lead(need=self.need_nice)
        with self.assertRaisesRegex(
            Exception, "do not meet the agreed lead definition"
        ):
            lead.with_user(self.marketer).action_mark_sales_ready()
        self.assertEqual(lead.lifecycle_stage, "new")

    def test_auto_handoff_when_lead_becomes_sales_ready(self):
        self.profile.auto_handoff = True
        lead = self._lead(need=self.need_critical)
        lead.with_user(self.marketer).bant_timeframe_id = self.timeframe_under_3
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        self.assertEqual(lead.handoff_ids.team_id, self.team)

    # ------------------------------------------------------ profile changes

    def test_profile_change_rescores_in_bulk_and_logs_once(self):
        leads = self.create_marketing_leads(
            3,
            team_id=self.team.id,
            bant_need_id=self.need_critical.id,
            bant_budget_id=self.budget_planned.id,
        )
        # (20*50 + 30*100) / 100 = 40: below 50
        self.assertEqual(set(leads.mapped("bant_score")), {40})
        self.profile.with_user(self.sales_manager).action_agree()
        self.profile.with_user(self.marketing_manager).action_agree()
        messages_before = len(self.profile.message_ids)
        lead_messages_before = len(leads.message_ids)
        self.profile.threshold = 40
        self.assertEqual(set(leads.mapped("lifecycle_stage")), {"sales_ready"})
        self.assertTrue(all(leads.mapped("bant_sales_ready")))
        self.assertFalse(self.profile.agreed_by_ids, "the agreement must be re-signed")
        self.assertFalse(self.profile.agreed_date)
        log = self.profile.message_ids[0]
        self.assertGreater(len(self.profile.message_ids), messages_before)
        self.assertIn("3 became sales-ready", log.body)
        # each moved lead carries the same tracking line as a move by hand
        self.assertEqual(len(leads.message_ids), lead_messages_before + 3)
        for lead in leads.sudo():
            tracking = lead.message_ids[0].tracking_value_ids
            self.assertEqual(tracking.field_id.name, "lifecycle_stage")
            self.assertEqual(
                (tracking.old_value_char, tracking.new_value_char),
                ("New", "Sales-Ready"),
            )
        # weights change: Need weighs everything, score 100
        self.profile.write(
            {"weight_budget": 0, "weight_authority": 0, "weight_timeframe": 0}
        )
        self.assertEqual(set(leads.mapped("bant_score")), {100})
        self.assertEqual(set(leads.mapped("bant_score_band")), {"hot"})

    def test_profile_rescore_triggers_auto_handoff_job_not_inline(self):
        self.profile.auto_handoff = True
        lead = self._lead(need=self.need_critical, budget=self.budget_planned)
        with self.capture_triggers("crm_alignment.ir_cron_bant_auto_handoff") as capt:
            self.profile.threshold = 40
        self.assertEqual(
            lead.lifecycle_stage, "sales_ready", "not handed off inside the save"
        )
        self.assertEqual(len(capt.records), 1)
        self.env["crm.lead"]._cron_bant_auto_handoff()
        self.assertEqual(lead.lifecycle_stage, "handed_off")

    def test_auto_handoff_skips_a_failing_lead_and_hands_off_the_rest(self):
        self.profile.auto_handoff = True
        good = self._lead(need=self.need_critical, budget=self.budget_planned)
        bad = self._lead(need=self.need_critical, budget=self.budget_planned)
        # a marketer as salesperson: no hand-off can go to them
        bad.sudo().write({"user_id": self.marketer.id, "team_id": self.team.id})
        self.profile.threshold = 40
        self.assertEqual((good | bad).mapped("lifecycle_stage"), ["sales_ready"] * 2)
        with self.assertLogs("odoo.addons.crm_alignment", "WARNING") as logs:
            self.env["crm.lead"]._cron_bant_auto_handoff()
        self.assertEqual(good.lifecycle_stage, "handed_off")
        self.assertEqual(bad.lifecycle_stage, "sales_ready", "retried next run")
        self.assertIn(f"lead {bad.id} skipped", "\n".join(logs.output))
        self.assertIn("Automatic hand-off failed", bad.sudo().message_ids[0].body)

    def test_answer_points_change_rescores_its_leads(self):
        lead = self._lead(need=self.need_nice)
        self.assertEqual(lead.bant_score, 12)
        self.need_nice.points = 80
        self.assertEqual(lead.bant_score, 24)

    def test_profile_drop_below_threshold_moves_back_to_nurture(self):
        lead = self._lead(need=self.need_critical, timeframe=self.timeframe_under_3)
        self.assertEqual(lead.lifecycle_stage, "sales_ready")
        self.profile.threshold = 90
        self.assertEqual(lead.lifecycle_stage, "nurture")
        self.assertFalse(lead.bant_sales_ready)

    def test_rescore_of_many_leads_is_one_statement(self):
        self.create_marketing_leads(
            30, team_id=self.team.id, bant_need_id=self.need_critical.id
        )
        self.env.flush_all()
        with self.assertQueryCount(17):
            self.profile.threshold = 25
            self.env.flush_all()

    # ----------------------------------------------------------------- stale

    def test_stale_answers_count_as_unknown_and_ask_requalification(self):
        self.profile.validity_days = 30
        with freeze_time("2026-01-01 09:00:00"):
            lead = self._lead(need=self.need_critical, timeframe=self.timeframe_under_3)
        self.assertEqual(lead.lifecycle_stage, "sales_ready")
        with freeze_time("2026-01-20 09:00:00"):
            self.env["crm.lead"]._cron_bant_mark_stale()
            self.assertFalse(lead.bant_need_stale, "still valid after 19 days")
        with freeze_time("2026-02-15 09:00:00"):
            self.env["crm.lead"]._cron_bant_mark_stale()
        self.assertTrue(lead.bant_need_stale)
        self.assertTrue(lead.bant_timeframe_stale)
        self.assertEqual(lead.bant_score, 0)
        self.assertEqual(lead.lifecycle_stage, "nurture")
        requalify = lead.activity_ids.filtered(
            lambda a: a.activity_type_id
            == self.env.ref("crm_alignment.mail_activity_type_requalify")
        )
        self.assertEqual(requalify.user_id, self.marketer)
        self.assertIn("stale", lead.bant_explanation)
        lead.bant_need_id = self.need_critical
        self.assertFalse(lead.bant_need_stale, "a confirmed answer is fresh again")
        self.assertEqual(lead.bant_score, 30)

    # ------------------------------------------------------------ bad input

    def test_answer_of_wrong_criterion_is_refused(self):
        lead = self._lead()
        with self.assertRaisesRegex(ValidationError, "not an answer to Budget"):
            lead.bant_budget_id = self.need_critical
        with self.assertRaisesRegex(ValidationError, "not an answer to Need"):
            self.create_marketing_leads(bant_need_id=self.budget_approved.id)

    def test_bad_weights_and_threshold_are_refused(self):
        with self.assertRaisesRegex(ValidationError, "at least one BANT criterion"):
            self.profile.write(
                {
                    "weight_budget": 0,
                    "weight_authority": 0,
                    "weight_need": 0,
                    "weight_timeframe": 0,
                }
            )
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.profile.weight_budget = -5
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            self.profile.threshold = 120
        with self.assertRaisesRegex(ValidationError, "between -100 and 100"):
            self.need_nice.points = 150
        # the refused values never reach the database
        self.env.invalidate_all(flush=False)
        self.assertEqual(self.profile.threshold, 50)
        self.assertEqual(self.profile.weight_budget, 20)

    def test_unknown_answer_cannot_score(self):
        with self.assertRaisesRegex(ValidationError, "scores 0 points"):
            self.budget_unknown.points = 10

    def test_archived_answer_keeps_counting_on_its_leads(self):
        lead = self._lead(need=self.need_critical)
        self.need_critical.active = False
        lead.invalidate_recordset()
        self.assertEqual(lead.bant_need_id, self.need_critical)
        self.assertEqual(lead.bant_score, 30)

    def test_used_answer_cannot_change_criterion(self):
        self._lead(need=self.need_critical)
        with self.assertRaisesRegex(ValidationError, "cannot change its criterion"):
            self.need_critical.criterion = "budget"

    # ---------------------------------------------------------------- access

    def test_marketing_user_answers_bant_on_marketing_leads(self):
        lead = self._lead()
        with Form(lead.with_user(self.marketer)) as form:
            form.bant_need_id = self.need_critical
            form.bant_timeframe_id = self.timeframe_under_3
        self.assertEqual(lead.bant_score, 60)

    def test_only_managers_edit_profiles_and_answers(self):
        for user in (self.marketer, self.salesman):
            with self.assertRaises(AccessError, msg=user.login):
                self.profile.with_user(user).threshold = 10
            with self.assertRaises(AccessError, msg=user.login):
                self.need_nice.with_user(user).points = 10
            with self.assertRaises(AccessError, msg=user.login):
                self.env["crm.bant.profile"].with_user(user).create({"name": "Mine"})
        self.profile.with_user(self.marketing_manager).threshold = 55
        self.profile.with_user(self.sales_manager).threshold = 45
        self.assertEqual(self.profile.threshold, 45)

    def test_profiles_of_other_companies_are_hidden(self):
        company = self.env["res.company"].create({"name": "BANT Other Co"})
        foreign = self.env["crm.bant.profile"].create(
            {"name": "Foreign", "company_id": company.id}
        )
        visible = self.env["crm.bant.profile"].with_user(self.sales_manager).search([])
        self.assertNotIn(foreign, visible)
        self.assertIn(self.profile, visible)

    def test_bant_fields_offered_to_predictive_scoring(self):
        fields_offered = self.env["crm.lead.scoring.frequency.field"].search([])
        self.assertTrue(
            {"bant_budget_id", "bant_need_id"}
            <= set(fields_offered.field_id.mapped("name"))
        )

    def test_calibration_report_counts_won_and_lost_per_band(self):
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        won = self._lead(need=self.need_critical, timeframe=self.timeframe_under_3)
        won.write({"type": "opportunity", "stage_id": won_stage.id})
        lost = self._lead(need=self.need_nice)
        lost.action_set_lost()
        self.env.flush_all()
        Report = self.env["crm.bant.calibration.report"]
        self.assertEqual(Report.search([("lead_id", "=", won.id)]).won_count, 1)
        lost_row = Report.with_context(active_test=False).search(
            [("lead_id", "=", lost.id)]
        )
        self.assertEqual((lost_row.lost_count, lost_row.bant_score_band), (1, "cold"))
