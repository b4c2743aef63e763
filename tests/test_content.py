from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import AlignmentCase


@tagged("post_install", "-at_install", "crm_alignment_content")
class TestContent(AlignmentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the team leader (sales manager) approves the team's content
        cls.Content = cls.env["crm.marketing.content"]
        cls.content = cls.Content.with_user(cls.marketer).create(
            {
                "name": "Case study",
                "content_type": "case_study",
                "body": "<p>Version one</p>",
                "team_ids": [(6, 0, cls.team.ids)],
            }
        )

    def _approved(self, content=None):
        content = content or self.content
        content.with_user(self.marketer).action_submit()
        content.with_user(self.sales_manager).action_approve(comment="Good")
        return content

    def test_full_workflow_with_reviews_kept(self):
        content = self.content.with_user(self.marketer)
        self.assertEqual(content.state, "draft")
        content.action_submit()
        self.assertEqual(content.state, "in_review")
        self.assertEqual(content.approver_ids, self.sales_manager, "the team leader")
        review_activity = content.activity_ids
        self.assertEqual(review_activity.user_id, self.sales_manager)
        content.with_user(self.sales_manager).action_request_changes(comment="Shorter")
        self.assertEqual(content.state, "changes_requested")
        self.assertIn("asked for changes", content.message_ids[0].body)
        self.assertEqual(content.message_ids[0].partner_ids, self.marketer.partner_id)
        content.action_submit()
        content.with_user(self.sales_manager).action_approve(comment="Go")
        self.assertEqual(content.state, "approved")
        self.assertEqual(
            content.review_ids.mapped("decision"), ["approve", "changes"], "both kept"
        )
        content.action_publish()
        self.assertEqual(content.state, "published")
        content.with_user(self.sales_manager).action_retire()
        self.assertEqual(content.state, "retired")

    def test_illegal_transitions_and_roles(self):
        content = self.content
        with self.assertRaisesRegex(UserError, "cannot move to Published"):
            content.with_user(self.marketer).action_publish()
        with self.assertRaisesRegex(
            UserError, "Only marketing takes requests, submits"
        ):
            content.with_user(self.salesman).action_submit()
        content.with_user(self.marketer).action_submit()
        with self.assertRaises(AccessError, msg="in review: not even readable"):
            content.with_user(self.salesman).action_approve()
        with self.assertRaisesRegex(UserError, "not an approver"):
            content.with_user(self.marketing_manager).action_approve()
        with self.assertRaisesRegex(UserError, "cannot move to Published"):
            content.with_user(self.marketer).action_publish()
        with self.assertRaisesRegex(UserError, "change only through its actions"):
            content.with_user(self.marketer).write({"state": "published"})
        self._approved_by_manager(content)
        with self.assertRaisesRegex(UserError, "Only managers retire"):
            content.with_user(self.marketer).action_publish()
            content.with_user(self.marketer).action_retire()

    def _approved_by_manager(self, content):
        content.with_user(self.sales_manager).action_approve()
        self.assertEqual(content.state, "approved")

    def test_nobody_approves_their_own_content(self):
        content = self.Content.with_user(self.marketer).create(
            {
                "name": "Self",
                "team_ids": [(6, 0, self.team.ids)],
                "contributor_ids": [(6, 0, self.sales_manager.ids)],
            }
        )
        rule = self.env["crm.marketing.content.approval.rule"].create(
            {
                "team_id": self.team.id,
                "approver_ids": [(6, 0, (self.sales_manager | self.teammate).ids)],
            }
        )
        content.with_user(self.marketer).action_submit()
        self.assertEqual(content.approver_ids, self.teammate, "contributor left out")
        with self.assertRaisesRegex(UserError, "their own content"):
            content.with_user(self.sales_manager).action_approve()
        rule.approver_ids = self.sales_manager
        other = self.Content.with_user(self.marketer).create(
            {
                "name": "Nobody",
                "team_ids": [(6, 0, self.team.ids)],
                "contributor_ids": [(6, 0, self.sales_manager.ids)],
            }
        )
        with self.assertRaisesRegex(UserError, "Nobody can approve"):
            other.with_user(self.marketer).action_submit()

    def test_any_versus_all_rules(self):
        rule = self.env["crm.marketing.content.approval.rule"].create(
            {
                "team_id": self.team.id,
                "approver_ids": [(6, 0, (self.sales_manager | self.teammate).ids)],
                "mode": "any",
            }
        )
        self.content.with_user(self.marketer).action_submit()
        self.content.with_user(self.teammate).action_approve()
        self.assertEqual(self.content.state, "approved", "any one approval")
        rule.mode = "all"
        second = self.Content.with_user(self.marketer).create(
            {"name": "All", "team_ids": [(6, 0, self.team.ids)]}
        )
        second.with_user(self.marketer).action_submit()
        self.assertEqual(second.approval_mode, "all")
        second.with_user(self.teammate).action_approve()
        self.assertEqual(second.state, "in_review", "one of two")
        second.with_user(self.sales_manager).action_approve()
        self.assertEqual(second.state, "approved")

    def test_editing_approved_content_starts_new_version_sales_keep_old(self):
        content = self._approved()
        content.with_user(self.marketer).action_publish()
        content.with_user(self.marketer).body = "<p>Version two</p>"
        self.assertEqual(content.state, "in_review")
        self.assertEqual(content.version, 2)
        self.assertIn("Version one", content.approved_body)
        self.assertEqual(content.approved_version, 1)
        # still readable by sales in its last approved form
        self.assertEqual(len(content.review_ids), 1)
        content.with_user(self.sales_manager).action_approve()
        self.assertEqual(content.approved_version, 2)
        self.assertIn("Version two", content.approved_body)
        self.assertEqual(sorted(content.review_ids.mapped("version")), [1, 2])

    def test_reviewed_content_is_archived_never_deleted(self):
        content = self._approved()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            content.unlink()
        content.action_archive()
        self.assertFalse(content.active)
        self.assertEqual(len(content.with_context(active_test=False).review_ids), 1)
        Review = self.env["crm.marketing.content.review"]
        for user in (self.marketer, self.salesman, self.sales_manager):
            with self.assertRaises(AccessError):
                content.review_ids.with_user(user).unlink()
            with self.assertRaises(AccessError):
                Review.with_user(user).create(
                    {
                        "content_id": content.id,
                        "reviewer_id": user.id,
                        "decision": "approve",
                        "version": 1,
                    }
                )

    def test_uninstall_flag_alone_deletes_no_reviewed_content(self):
        """Odoo's uninstall context key is sent by any caller: the deletion
        rule steps aside only while a module is really being removed."""
        content = self._approved()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            content.with_context(_force_unlink=True).unlink()
        self.assertTrue(content.exists())
        module = self.env["ir.module.module"].search([("name", "=", "crm_alignment")])
        module.state = "to remove"
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            content.unlink()
        # the rule steps aside (the uninstall drops the reviews' table too)
        self.assertIsNone(
            content.with_context(_force_unlink=True)._unlink_except_reviewed()
        )

    def test_salesperson_requests_and_marketing_takes_it(self):
        request = self.Content.with_user(self.salesman).create(
            {"name": "Battle card", "brief": "Against the incumbent"}
        )
        self.assertEqual(request.state, "requested")
        self.assertEqual(request.requested_by_id, self.salesman)
        request.with_user(self.salesman).message_post(
            body="Deals X and Y need it", message_type="comment"
        )
        with self.assertRaisesRegex(UserError, "Only marketing takes requests"):
            request.with_user(self.salesman).action_take_request()
        request.with_user(self.marketer).action_take_request()
        self.assertEqual((request.state, request.author_id), ("draft", self.marketer))
        with self.assertRaises(AccessError):
            request.with_user(self.salesman).write({"name": "Changed"})

    def test_salespeople_read_published_only(self):
        draft = self.content
        published = self._approved(
            self.Content.with_user(self.marketer).create(
                {"name": "Published", "team_ids": [(6, 0, self.team.ids)]}
            )
        )
        published.with_user(self.marketer).action_publish()
        visible = self.Content.with_user(self.salesman).search(
            [("id", "in", (draft | published).ids)]
        )
        self.assertEqual(visible, published)

    def test_share_with_prospect_records_and_influence(self):
        content = self._approved()
        content.with_user(self.marketer).action_publish()
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        leads = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(
                [
                    {
                        "name": f"Deal {i}",
                        "type": "opportunity",
                        "expected_revenue": 1000 * (i + 1),
                        "email_from": f"buyer{i}@prospect.example",
                    }
                    for i in range(3)
                ]
            )
        )
        for lead in leads:
            action = lead.with_user(self.salesman).action_share_content()
            wizard = Form(
                self.env["crm.lead.content.share"]
                .with_user(self.salesman)
                .with_context(**action["context"])
            )
            wizard.content_ids.add(content)
            wizard.save().action_share()
        self.assertEqual(leads[0].content_share_ids.content_id, content)
        self.assertTrue(leads[0].content_share_ids.by_email)
        self.assertIn("Case study", leads[0].message_ids[0].subject)
        leads[:2].write({"stage_id": won_stage.id})
        content.invalidate_recordset()
        self.assertEqual(
            (content.share_count, content.won_count, content.won_revenue),
            (3, 2, 3000.0),
        )

    def test_draft_content_cannot_be_shared(self):
        lead = self.env["crm.lead"].with_user(self.salesman).create({"name": "Deal"})
        wizard = self.env["crm.lead.content.share"].create(
            {"lead_id": lead.id, "content_ids": [(6, 0, self.content.ids)]}
        )
        with self.assertRaisesRegex(UserError, "Only published content"):
            wizard.action_share()
        self.assertFalse(lead.content_share_ids)

    def test_weekly_digest_lists_new_content_and_can_be_switched_off(self):
        with freeze_time("2026-03-02 08:00:00"):
            content = self._approved()
            content.campaign_id = self.env["utm.campaign"].create({"name": "Spring"})
            content.with_user(self.marketer).action_publish()
        Mail = self.env["mail.mail"]
        with freeze_time("2026-03-06 08:00:00"):
            before = Mail.search([])
            self.env["crm.team"]._cron_send_marketing_digest()
            sent = Mail.search([]) - before
        team_mail = sent.filtered(lambda mail: self.team.name in mail.subject)
        self.assertEqual(len(team_mail), 1)
        self.assertIn("Case study", team_mail.body_html)
        self.assertIn("Spring", team_mail.body_html)
        self.assertEqual(
            set(team_mail.recipient_ids.ids),
            set((self.salesman | self.teammate | self.sales_manager).partner_id.ids),
        )
        self.team.marketing_digest = False
        with freeze_time("2026-03-06 08:00:00"):
            before = Mail.search([])
            self.env["crm.team"]._cron_send_marketing_digest()
            sent = Mail.search([]) - before
        self.assertFalse(sent.filtered(lambda mail: self.team.name in mail.subject))
        with freeze_time("2026-03-20 08:00:00"):
            self.assertFalse(
                self.team.with_context(
                    digest_since=datetime(2026, 3, 13)
                ).digest_content_ids
            )
