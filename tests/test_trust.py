"""Rules on what is stored: one follow-up rule, hand-offs by conversion,
clocks nobody stops or back-dates, signatures that cover what was signed,
merges and reads that follow the lead's rules."""

from datetime import datetime

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import date_utils

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import AlignmentCase


@tagged("post_install", "-at_install", "crm_alignment_security")
class TestTrust(AlignmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.sla.policy"].create({"name": "Trust SLA", "followup_hours": 8})
        # a teammate who reads every lead (all-leads rights), not assigned
        cls.teammate_all = mail_new_test_user(
            cls.env,
            login="trust_teammate_all",
            name="Tom All Leads",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads",
            email="tom@example.com",
        )
        cls.team.member_ids |= cls.teammate_all

    def _handed_off(self, **vals):
        lead = self.create_marketing_leads(team_id=self.team.id, **vals)
        lead.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        return lead

    # ------------------------------------------------------------ follow-up

    def test_a_followup_counts_only_for_who_may_accept(self):
        lead = self._handed_off()
        as_teammate = lead.with_user(self.teammate_all)
        with self.assertRaisesRegex(UserError, "Only the assigned salesperson"):
            as_teammate.action_accept()
        as_teammate.message_post(body="Called them", message_type="comment")
        as_teammate.stage_id = self.env["crm.stage"].search(
            [], limit=1, order="id desc"
        )
        activity = lead.activity_ids[:1]
        activity.with_user(self.teammate_all).action_feedback(feedback="done")
        self.assertEqual(
            lead.lifecycle_stage, "handed_off", "none of it is a follow-up"
        )
        self.assertFalse(lead.sla_ids.reached_date)
        self.assertFalse(lead.handoff_ids.accepted_date)
        # the salesperson's note is the follow-up
        lead.with_user(self.salesman).message_post(body="Hi", message_type="comment")
        self.assertEqual(lead.lifecycle_stage, "accepted")
        self.assertEqual(lead.handoff_ids.accepted_user_id, self.salesman)

    def test_an_acceptance_answers_the_last_handoff_only(self):
        lead = self._handed_off()
        first = lead.handoff_ids
        reason = self.env.ref("crm_alignment.crm_recycle_reason_timing")
        lead.with_user(self.salesman).recycle_to_nurture(reason.id)
        lead.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        second = lead.handoff_ids.filtered(
            lambda h: h.direction == "to_sales" and h != first
        )
        lead.with_user(self.salesman).action_accept()
        self.assertFalse(first.accepted_date, "sent back unanswered: never accepted")
        self.assertTrue(second.accepted_date)
        self.assertEqual(second.accepted_user_id, self.salesman)

    def test_conversion_of_a_marketing_lead_is_a_handoff_with_its_rules(self):
        lead = self.create_marketing_leads(team_id=self.team.id)
        partner = self.env["res.partner"].create({"name": "Prospect"})
        # a marketer converting it to themselves: a hand-off to marketing
        with self.assertRaisesRegex(UserError, "handed off to salespeople"):
            lead.with_user(self.marketer).convert_opportunity(
                partner, user_ids=self.marketer.ids
            )
        with self.assertRaisesRegex(UserError, "handed off to salespeople"):
            lead.with_user(self.marketer).write({"user_id": self.marketer.id})
        with self.assertRaisesRegex(UserError, "handed off to salespeople"):
            self.env["crm.lead"].with_user(self.marketer).create(
                {"name": "Mine", "type": "lead", "user_id": self.marketer.id}
            )
        self.assertEqual((lead.type, lead.lifecycle_stage), ("lead", "new"))
        self.assertFalse(lead.handoff_ids, "nothing half-written")
        # to a salesperson: the hand-off, waiting for the salesperson
        lead.with_user(self.marketer).convert_opportunity(
            partner, user_ids=self.salesman.ids
        )
        self.assertEqual((lead.type, lead.user_id), ("opportunity", self.salesman))
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        self.assertEqual(lead.handoff_ids.to_user_id, self.salesman)

    # ---------------------------------------------------------------- clocks

    def test_restoring_a_lost_lead_restarts_its_clock_on_the_handoff(self):
        with freeze_time("2026-03-09 09:00:00"):  # Monday
            lead = self._handed_off()
            deadline = lead.sla_id.deadline
            lead.with_user(self.salesman).action_set_lost()
            self.assertEqual(lead.sla_id.state, "cancelled")
        with freeze_time("2026-03-12 09:00:00"):
            lead.with_user(self.salesman).action_unarchive()
            sla = lead.sla_id
            self.assertEqual(sla.state, "ongoing", "runs again")
            self.assertEqual(sla.deadline, deadline, "from the hand-off, not now")
            self.assertIn("Restored by", lead.message_ids[0].body)
            self.env["crm.lead.sla"]._cron_check_deadlines()
            self.assertEqual(sla.state, "failed", "the deadline passed meanwhile")

    def test_assignment_and_win_are_dated_by_the_addons_stamps(self):
        self.company.marketing_qualifies_leads = False
        self.team.marketing_qualification = "off"
        with freeze_time("2026-03-09 09:00:00"):
            lead = (
                self.env["crm.lead"]
                .sudo()
                .create({"name": "Inbound", "type": "lead", "team_id": self.team.id})
            )
            self.assertEqual(lead.lifecycle_stage, "sales_ready")
            lead.with_user(self.sales_manager).user_id = self.salesman
        self.assertEqual(lead.sales_assigned_date, datetime(2026, 3, 9, 9))
        # a marketer back-dates crm's assignment date
        lead.with_user(self.marketer).date_open = "2020-01-01 00:00:00"
        self.env["crm.lead"]._cron_assignment_handoff()
        self.assertEqual(lead.handoff_ids.date, datetime(2026, 3, 9, 9))
        self.assertEqual(lead.first_handoff_date, datetime(2026, 3, 9, 9))
        # a win is dated when it happened; moving date_closed moves nothing
        with freeze_time("2026-03-10 10:00:00"):
            lead.with_user(self.salesman).action_set_won()
        self.assertEqual(lead.won_date, datetime(2026, 3, 10, 10))
        lead.with_user(self.salesman).date_closed = "2026-06-30 10:00:00"
        self.assertEqual(lead.won_date, datetime(2026, 3, 10, 10))
        with self.assertRaises(UserError):
            lead.with_user(self.salesman).won_date = "2026-06-30 10:00:00"
        # reopened, it is no longer won
        lead.with_user(self.salesman).stage_id = self.env["crm.stage"].search(
            [("is_won", "=", False)], limit=1
        )
        self.assertFalse(lead.won_date)

    def test_campaign_budget_is_set_by_marketing_managers(self):
        campaign = (
            self.env["utm.campaign"].with_user(self.marketer).create({"name": "Spring"})
        )
        for user in (self.marketer, self.salesman, self.sales_manager):
            with self.assertRaises(UserError):  # AccessError included
                campaign.with_user(user).alignment_budget = 1000
            with self.assertRaises(UserError):  # AccessError included
                self.env["utm.campaign"].with_user(user).create(
                    {"name": "Forged", "alignment_budget": 10}
                )
        campaign.with_user(self.marketing_manager).alignment_budget = 1000
        self.assertEqual(campaign.alignment_budget, 1000)

    # ------------------------------------------------------------ signatures

    def _goal(self):
        return self.env["crm.alignment.goal"].create(
            {
                "team_id": self.team.id,
                "date_start": "2031-01-01",
                "marketing_owner_id": self.marketing_manager.id,
                "sales_owner_id": self.sales_manager.id,
                "line_ids": [(0, 0, {"kpi": "sales_ready_delivered", "target": 100})],
            }
        )

    def test_a_goal_target_changed_after_one_signature_clears_it(self):
        goal = self._goal()
        goal.with_user(self.sales_manager).action_agree_sales()
        goal.line_ids.with_user(self.marketing_manager).target = 1
        self.assertFalse(goal.sales_agreed_user_id, "the sales signature went")
        self.assertIn("100 → ", goal.message_ids[0].body)
        self.assertIn(self.marketing_manager.name, goal.message_ids[0].body)
        goal.with_user(self.marketing_manager).action_agree_marketing()
        self.assertEqual(goal.state, "draft", "agreed by one side only")
        goal.with_user(self.sales_manager).action_agree_sales()
        self.assertEqual(goal.state, "agreed")
        self.assertIn('"line_ids": [["sales_ready_delivered", 1.0]]', goal.signed_terms)

    def test_a_team_of_a_signed_agreement_cannot_be_deleted(self):
        goal = self._goal()
        goal.with_user(self.sales_manager).action_agree_sales()
        with self.assertRaisesRegex(UserError, "archive the team"):
            self.team.unlink()
        self.assertEqual(goal.team_id, self.team)

    def test_a_goal_refuses_another_companys_team(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        team_b = self.env["crm.team"].create({"name": "B team", "company_id": other.id})
        with self.assertRaises(UserError):
            self.env["crm.alignment.goal"].create(
                {
                    "team_id": team_b.id,
                    "date_start": "2031-02-01",
                    "marketing_owner_id": self.marketing_manager.id,
                    "sales_owner_id": self.sales_manager.id,
                }
            )

    def test_content_rewritten_between_approvals_is_a_new_version(self):
        self.env["crm.marketing.content.approval.rule"].create(
            {
                "team_id": self.team.id,
                "approver_ids": [(6, 0, (self.sales_manager | self.teammate).ids)],
                "mode": "all",
            }
        )
        content = (
            self.env["crm.marketing.content"]
            .with_user(self.marketer)
            .create({"name": "Deck", "body": "<p>One</p>", "team_ids": self.team.ids})
        )
        content.action_submit()
        content.with_user(self.teammate).action_approve()
        content.with_user(self.marketing_manager).body = "<p>Rewritten</p>"
        self.assertEqual((content.state, content.version), ("in_review", 2))
        self.assertTrue(
            any(
                "Version 2 started by" in body
                for body in content.message_ids.mapped("body")
            )
        )
        content.with_user(self.sales_manager).action_approve()
        self.assertEqual(content.state, "in_review", "the first approval was of v1")
        content.with_user(self.teammate).action_approve()
        self.assertEqual(content.state, "approved")
        self.assertEqual(content.approved_body, "<p>Rewritten</p>")

    def test_who_wrote_the_version_does_not_approve_it(self):
        content = (
            self.env["crm.marketing.content"]
            .with_user(self.marketer)
            .create({"name": "Script", "body": "<p>One</p>", "team_ids": self.team.ids})
        )
        # the team leader edits the draft: not an author by the fields
        content.with_user(self.sales_manager).body = "<p>Mine</p>"
        self.assertIn(self.sales_manager, content.version_author_ids)
        content.with_user(self.marketer).author_id = self.marketer
        with self.assertRaisesRegex(UserError, "Nobody can approve"):
            content.with_user(self.marketer).action_submit()
        with self.assertRaises(UserError):
            content.with_user(self.marketer).version_author_ids = [(5, 0, 0)]

    def test_an_answers_points_changed_voids_the_definitions(self):
        profile = self.env["crm.bant.profile"].create({"name": "Trust definition"})
        option = self.env["crm.bant.option"].create(
            {"name": "Big budget", "criterion": "budget", "points": 50}
        )
        profile.with_user(self.sales_manager).action_agree()
        profile.with_user(self.marketing_manager).action_agree()
        self.assertEqual(len(profile.agreed_by_ids), 2)
        option.with_user(self.marketing_manager).points = 100
        self.assertFalse(profile.agreed_by_ids)
        self.assertIn("Big budget: Points: 50 → 100", profile.message_ids[0].body)

    # ----------------------------------------------------------------- merge

    def test_merge_needs_sales_for_sales_leads_and_rederives_the_stage(self):
        handed = self._handed_off(partner_name="Acme")
        newer = self.create_marketing_leads(team_id=self.team.id, partner_name="Acme")
        with self.assertRaisesRegex(UserError, "only sales or a manager merges"):
            (newer | handed).with_user(self.marketer).merge_opportunity()
        self.assertTrue(handed.exists())
        head = (handed | newer).with_user(self.sales_manager).merge_opportunity()
        survivor = head if head.exists() else handed
        self.assertEqual(survivor.lifecycle_stage, "handed_off", "its journey says so")
        self.assertTrue(survivor.first_handoff_date)

    # ----------------------------------------------------------------- reads

    def test_reads_follow_the_leads_rules(self):
        lead = self._handed_off()
        lead.with_user(self.salesman).action_accept()
        content = (
            self.env["crm.marketing.content"]
            .with_user(self.marketer)
            .create(
                {"name": "Draft only", "body": "<p>x</p>", "team_ids": self.team.ids}
            )
        )
        content.action_submit()
        content.with_user(self.sales_manager).action_request_changes(comment="No")
        Review = self.env["crm.marketing.content.review"]
        self.assertFalse(
            Review.with_user(self.teammate).search([("content_id", "=", content.id)]),
            "a draft's reviews are not a salesperson's to read",
        )
        self.assertTrue(Review.with_user(self.marketer).search([]))
        self.env.flush_all()
        rows = self.env["crm.sla.report"].with_user(self.teammate).search([])
        self.assertFalse(rows.filtered(lambda row: row.user_id == self.salesman))
        self.assertTrue(
            self.env["crm.sla.report"]
            .with_user(self.other_salesman)
            .search([("user_id", "=", self.salesman.id)])
        )
        # the delivery goal (where the marketing scorecard was retired) counts
        # the deliveries each reader may read
        goal = self.env["crm.alignment.goal"].create(
            {
                "team_id": self.team.id,
                "period": "month",
                "date_start": date_utils.start_of(fields.Date.today(), "month"),
                "marketing_owner_id": self.marketing_manager.id,
                "sales_owner_id": self.sales_manager.id,
                "line_ids": [(0, 0, {"kpi": "sales_ready_delivered", "target": 5})],
            }
        )
        self.env.flush_all()
        line = goal.line_ids
        self.assertEqual(line.with_user(self.other_salesman).actual, 1, "all leads")
        self.assertEqual(line.with_user(self.teammate).actual, 0, "Sam's lead")
        # content influence counts the won leads the reader may read
        won = self._handed_off()
        won.with_user(self.salesman).action_accept()
        published = self.env["crm.marketing.content"].create(
            {"name": "Won with", "team_ids": self.team.ids}
        )
        self.env["crm.marketing.content.share"].sudo()._alignment_guarded_create(
            [{"content_id": published.id, "lead_id": won.id}]
        )
        won.with_user(self.salesman).write({"expected_revenue": 500})
        won.with_user(self.salesman).action_set_won()
        self.assertEqual(published.with_user(self.salesman).won_revenue, 500)
        self.assertEqual(published.with_user(self.teammate).won_revenue, 0)
