"""The shared record cannot be forged over the API: the surface.

Every attack goes through the real ``/jsonrpc`` endpoint, as each role, with
every context key the addon's code names (and the ones it used to read) set,
and checks that the call is refused and the data unchanged. The attacks
live with their concern (``test_*_rpc.py``) and, generated from the models,
in ``test_security_generated.py``; this file holds the configuration, the
calls every model shares, and the list of the public methods of the addon's
models: a new one must be added to ``PUBLIC_METHODS`` with the attack test
that covers it.
"""

import inspect

from odoo.tests import tagged

from . import (
    test_bant_rpc,
    test_content_rpc,
    test_lifecycle_rpc,
    test_nurture_rpc,
    test_scoreboard_rpc,
    test_security_generated,
    test_target_list_rpc,
)
from .common import SecurityRpcCase, execute_kw

GENERATED = "TestGeneratedAttacks.test_forged_defaults_and_values_never_stored"

# (model, public method) -> the test of this class (or the generated
# suite's) that attacks it
PUBLIC_METHODS = {
    ("utm.campaign", "create"): GENERATED,
    ("utm.campaign", "write"): GENERATED,
    ("crm.bant.option", "create"): "TestBantRpc.test_lead_definition_signatures",
    ("crm.lead", "create"): "TestLifecycleRpc.test_lead_create_takes_no_forged_facts",
    ("crm.lead", "write"): "TestLifecycleRpc.test_lead_facts_cannot_be_written",
    (
        "crm.lead",
        "default_get",
    ): "TestLifecycleRpc.test_lead_create_takes_no_forged_facts",
    (
        "crm.lead",
        "search_fetch",
    ): "TestLifecycleRpc.test_assignment_filter_cannot_be_forced",
    (
        "crm.lead",
        "action_start_nurture",
    ): "TestLifecycleRpc.test_lifecycle_actions_check_the_role",
    (
        "crm.lead",
        "action_mark_sales_ready",
    ): "TestLifecycleRpc.test_lifecycle_actions_check_the_role",
    (
        "crm.lead",
        "action_handoff_to_sales",
    ): "TestLifecycleRpc.test_lifecycle_actions_check_the_role",
    (
        "crm.lead",
        "handoff_to_sales",
    ): "TestLifecycleRpc.test_handoff_goes_to_sales_only",
    (
        "crm.lead",
        "action_accept",
    ): "TestLifecycleRpc.test_lifecycle_actions_check_the_role",
    (
        "crm.lead",
        "convert_opportunity",
    ): "TestLifecycleRpc.test_marketing_cannot_fake_a_followup",
    (
        "crm.lead",
        "message_post",
    ): "TestLifecycleRpc.test_marketing_cannot_fake_a_followup",
    (
        "crm.lead",
        "message_new",
    ): "TestLifecycleRpc.test_lead_create_takes_no_forged_facts",
    (
        "crm.lead",
        "action_recycle_to_nurture",
    ): "TestLifecycleRpc.test_lifecycle_actions_check_the_role",
    (
        "crm.lead",
        "recycle_to_nurture",
    ): "TestLifecycleRpc.test_lifecycle_actions_check_the_role",
    (
        "crm.lead",
        "action_sla_wait_on_prospect",
    ): "TestLifecycleRpc.test_only_sales_stops_the_sla_clock",
    (
        "crm.lead",
        "action_sla_resume",
    ): "TestLifecycleRpc.test_only_sales_stops_the_sla_clock",
    (
        "crm.lead",
        "action_set_lost",
    ): "TestLifecycleRpc.test_only_sales_stops_the_sla_clock",
    (
        "crm.lead",
        "action_share_content",
    ): "TestContentRpc.test_content_files_and_shares",
    (
        "crm.lead",
        "action_open_target_account",
    ): "TestSecurityRpc.test_read_only_actions",
    # the abstract mixin itself has no table: its methods are those of the
    # four history models below
    (
        "crm.alignment.history.mixin",
        "create",
    ): "TestLifecycleRpc.test_history_is_append_only",
    (
        "crm.alignment.history.mixin",
        "write",
    ): "TestLifecycleRpc.test_history_is_append_only",
    ("crm.lead.handoff", "create"): "TestLifecycleRpc.test_history_is_append_only",
    ("crm.lead.handoff", "write"): "TestLifecycleRpc.test_history_is_append_only",
    ("crm.lead.sla", "create"): "TestLifecycleRpc.test_history_is_append_only",
    ("crm.lead.sla", "write"): "TestLifecycleRpc.test_history_is_append_only",
    (
        "crm.marketing.content.review",
        "create",
    ): "TestLifecycleRpc.test_history_is_append_only",
    (
        "crm.marketing.content.review",
        "write",
    ): "TestLifecycleRpc.test_history_is_append_only",
    (
        "crm.marketing.content.share",
        "create",
    ): "TestLifecycleRpc.test_history_is_append_only",
    (
        "crm.marketing.content.share",
        "write",
    ): "TestLifecycleRpc.test_history_is_append_only",
    (
        "crm.lead.handoff.wizard",
        "action_handoff",
    ): "TestLifecycleRpc.test_handoff_goes_to_sales_only",
    (
        "crm.lead.recycle",
        "action_recycle",
    ): "TestLifecycleRpc.test_lifecycle_actions_check_the_role",
    (
        "crm.lead.content.share",
        "action_share",
    ): "TestContentRpc.test_content_files_and_shares",
    (
        "crm.marketing.content",
        "create",
    ): "TestContentRpc.test_content_review_cannot_be_skipped",
    (
        "crm.marketing.content",
        "write",
    ): "TestContentRpc.test_content_review_cannot_be_skipped",
    ("crm.marketing.content", "action_take_request"): (
        "TestContentRpc.test_content_review_cannot_be_skipped"
    ),
    (
        "crm.marketing.content",
        "action_submit",
    ): "TestContentRpc.test_content_review_cannot_be_skipped",
    (
        "crm.marketing.content",
        "action_approve",
    ): "TestContentRpc.test_content_review_cannot_be_skipped",
    ("crm.marketing.content", "action_request_changes"): (
        "TestContentRpc.test_content_review_cannot_be_skipped"
    ),
    (
        "crm.marketing.content",
        "action_publish",
    ): "TestContentRpc.test_content_review_cannot_be_skipped",
    (
        "crm.marketing.content",
        "action_retire",
    ): "TestContentRpc.test_content_review_cannot_be_skipped",
    ("crm.marketing.content.decision", "action_confirm"): (
        "TestContentRpc.test_content_review_cannot_be_skipped"
    ),
    (
        "crm.target.account.list",
        "create",
    ): "TestTargetListRpc.test_target_list_sign_offs",
    (
        "crm.target.account.list",
        "write",
    ): "TestTargetListRpc.test_target_list_sign_offs",
    (
        "crm.target.account.list",
        "unlink",
    ): "TestTargetListRpc.test_target_list_sign_offs",
    (
        "crm.target.account.list",
        "action_agree_sales",
    ): "TestTargetListRpc.test_target_list_sign_offs",
    (
        "crm.target.account.list",
        "action_agree_marketing",
    ): "TestTargetListRpc.test_target_list_sign_offs",
    (
        "crm.target.account.list",
        "action_activate",
    ): "TestTargetListRpc.test_target_list_sign_offs",
    (
        "crm.target.account.list",
        "action_close",
    ): "TestTargetListRpc.test_target_list_sign_offs",
    ("crm.target.account.list", "action_reset_to_proposed"): (
        "TestTargetListRpc.test_target_list_sign_offs"
    ),
    (
        "crm.target.account.list",
        "action_view_accounts",
    ): "TestSecurityRpc.test_read_only_actions",
    (
        "crm.target.account",
        "create",
    ): "TestSecurityRpc.test_configuration_is_managers_only",
    (
        "crm.target.account",
        "write",
    ): "TestSecurityRpc.test_configuration_is_managers_only",
    (
        "crm.target.account",
        "unlink",
    ): "TestSecurityRpc.test_configuration_is_managers_only",
    (
        "crm.target.account",
        "action_plan_coverage",
    ): "TestSecurityRpc.test_configuration_is_managers_only",
    (
        "crm.target.account",
        "action_view_leads",
    ): "TestSecurityRpc.test_read_only_actions",
    ("crm.target.account.add", "default_get"): "TestSecurityRpc.test_read_only_actions",
    (
        "crm.target.account.add",
        "action_add",
    ): "TestSecurityRpc.test_configuration_is_managers_only",
    ("crm.bant.profile", "create"): "TestBantRpc.test_lead_definition_signatures",
    ("crm.bant.profile", "write"): "TestBantRpc.test_lead_definition_signatures",
    ("crm.bant.profile", "action_agree"): "TestBantRpc.test_lead_definition_signatures",
    ("crm.bant.profile", "action_view_leads"): "TestSecurityRpc.test_read_only_actions",
    ("crm.bant.option", "write"): "TestSecurityRpc.test_configuration_is_managers_only",
    (
        "crm.free.mail.domain",
        "create",
    ): "TestSecurityRpc.test_configuration_is_managers_only",
    (
        "crm.free.mail.domain",
        "write",
    ): "TestSecurityRpc.test_configuration_is_managers_only",
    (
        "crm.free.mail.domain",
        "unlink",
    ): "TestSecurityRpc.test_configuration_is_managers_only",
    ("crm.team", "write"): "TestSecurityRpc.test_configuration_is_managers_only",
    ("res.company", "write"): "TestSecurityRpc.test_configuration_is_managers_only",
    ("res.partner", "write"): "TestSecurityRpc.test_configuration_is_managers_only",
    (
        "res.partner",
        "action_view_target_accounts",
    ): "TestSecurityRpc.test_read_only_actions",
    # the abstract mixin has no table: its create is that of the four
    # agreements (goal, engagement definition, nurture program, target list),
    # each attacked by its own test below
    ("crm.alignment.signoff.mixin", "create"): "TestScoreboardRpc.test_shared_goals",
    (
        "crm.alignment.signoff.mixin",
        "action_agree_sales",
    ): "TestScoreboardRpc.test_shared_goals",
    (
        "crm.alignment.signoff.mixin",
        "action_agree_marketing",
    ): "TestScoreboardRpc.test_shared_goals",
    ("crm.alignment.goal", "action_agree_sales"): "TestScoreboardRpc.test_shared_goals",
    (
        "crm.alignment.goal",
        "action_agree_marketing",
    ): "TestScoreboardRpc.test_shared_goals",
    ("crm.alignment.goal", "create"): "TestScoreboardRpc.test_shared_goals",
    ("crm.alignment.goal", "write"): "TestScoreboardRpc.test_shared_goals",
    ("crm.alignment.goal", "action_reopen"): "TestScoreboardRpc.test_shared_goals",
    (
        "crm.nurture.program",
        "create",
    ): "TestNurtureRpc.test_programs_are_designed_by_marketing_and_signed_by_both",
    (
        "crm.nurture.program",
        "write",
    ): "TestNurtureRpc.test_programs_are_designed_by_marketing_and_signed_by_both",
    (
        "crm.nurture.program",
        "action_agree_sales",
    ): "TestNurtureRpc.test_programs_are_designed_by_marketing_and_signed_by_both",
    (
        "crm.nurture.program",
        "action_agree_marketing",
    ): "TestNurtureRpc.test_programs_are_designed_by_marketing_and_signed_by_both",
    (
        "crm.nurture.program",
        "action_reopen",
    ): "TestNurtureRpc.test_programs_are_designed_by_marketing_and_signed_by_both",
    (
        "crm.nurture.program",
        "action_view_enrolments",
    ): "TestNurtureRpc.test_programs_are_designed_by_marketing_and_signed_by_both",
    **{
        ("crm.engagement.definition", method): (
            "TestEngagementRpc."
            "test_engagement_definitions_are_designed_by_marketing_and_signed_by_both"
        )
        for method in (
            "create",
            "write",
            "action_agree_sales",
            "action_agree_marketing",
            "action_reopen",
            "action_view_leads",
        )
    },
    **{
        (model, "unlink"): (
            "TestEngagementRpc.test_scores_go_only_with_a_lead_or_definition_really_deleted"
        )
        for model in ("crm.lead", "crm.engagement.definition")
    },
    **{
        ("crm.engagement.rule", method): (
            "TestEngagementRpc."
            "test_engagement_definitions_are_designed_by_marketing_and_signed_by_both"
        )
        for method in ("create", "write")
    },
    **{
        ("mailing.trace", method): (
            "TestEngagementRpc.test_engagement_score_comes_from_signals_only"
        )
        for method in ("set_opened", "set_clicked", "set_replied", "set_bounced")
    },
    (
        "crm.nurture.step",
        "create",
    ): "TestNurtureRpc.test_programs_are_designed_by_marketing_and_signed_by_both",
    (
        "crm.nurture.step",
        "write",
    ): "TestNurtureRpc.test_programs_are_designed_by_marketing_and_signed_by_both",
    (
        "crm.nurture.enrolment",
        "action_pause",
    ): "TestNurtureRpc.test_enrolments_change_only_by_their_owner_and_actions",
    (
        "crm.nurture.enrolment",
        "action_resume",
    ): "TestNurtureRpc.test_enrolments_change_only_by_their_owner_and_actions",
    (
        "crm.nurture.enrolment",
        "action_end",
    ): "TestNurtureRpc.test_enrolments_change_only_by_their_owner_and_actions",
    (
        "crm.nurture.enrolment",
        "action_move_to_step",
    ): "TestNurtureRpc.test_enrolments_change_only_by_their_owner_and_actions",
    (
        "crm.lead",
        "action_view_nurture",
    ): "TestNurtureRpc.test_enrolments_change_only_by_their_owner_and_actions",
    (
        "crm.nurture.enrolment",
        "create",
    ): "TestNurtureRpc.test_enrolments_change_only_by_their_owner_and_actions",
    (
        "crm.nurture.enrolment",
        "write",
    ): "TestNurtureRpc.test_enrolments_change_only_by_their_owner_and_actions",
    (
        "crm.nurture.touch",
        "create",
    ): "TestNurtureRpc.test_enrolments_change_only_by_their_owner_and_actions",
    (
        "crm.nurture.touch",
        "write",
    ): "TestNurtureRpc.test_enrolments_change_only_by_their_owner_and_actions",
    (
        "crm.alignment.goal",
        "action_open_dashboard",
    ): "TestScoreboardRpc.test_shared_goals",
    ("crm.alignment.goal.line", "create"): "TestScoreboardRpc.test_shared_goals",
    ("crm.alignment.goal.line", "write"): "TestScoreboardRpc.test_shared_goals",
    (
        "crm.alignment.dashboard",
        "action_drill_down",
    ): "TestScoreboardRpc.test_scoreboard_shows_what_rules_allow",
    (
        "crm.alignment.dashboard",
        "get_chart_data",
    ): "TestScoreboardRpc.test_charts_count_as_the_reader",
    (
        "crm.alignment.dashboard",
        "action_chart_drill",
    ): "TestScoreboardRpc.test_charts_count_as_the_reader",
    (
        "crm.alignment.dashboard",
        "onchange",
    ): "TestScoreboardRpc.test_dashboard_figures_are_read_on_a_read_only_cursor",
}


@tagged("post_install", "-at_install", "crm_alignment_security")
class TestSecurityRpc(SecurityRpcCase):
    """Configuration, read-only actions, bad input, users without e-mail,
    and the table of every public method."""

    # --------------------------------------------------------- configuration

    def test_configuration_is_managers_only(self):
        company = self.env["res.partner"].create(
            {"name": "Cfg Corp", "is_company": True}
        )
        target_list = self.env["crm.target.account.list"].create({"name": "Cfg list"})
        account = self.env["crm.target.account"].create(
            {"list_id": target_list.id, "partner_id": company.id, "tier": "2"}
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.portal],
            account,
            ["tier"],
            "crm.target.account",
            "write",
            account.ids,
            {"tier": "1"},
        )
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.target.account",
            "create",
            {"list_id": target_list.id, "partner_id": self.env.company.partner_id.id},
        )
        self.assertRefused(
            [self.salesman, self.portal], "crm.target.account", "unlink", account.ids
        )
        self.assertRefused(
            [self.portal], "crm.target.account", "action_plan_coverage", account.ids
        )
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.target.account.add",
            "create",
            {"list_id": target_list.id},
        )
        option = self.env.ref("crm_alignment.bant_need_critical")
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            option,
            ["points"],
            "crm.bant.option",
            "write",
            option.ids,
            {"points": 1},
        )
        gmail = self.env["crm.free.mail.domain"].search([], limit=1)
        self.assertRefused(
            [self.salesman, self.marketer, self.portal],
            "crm.free.mail.domain",
            "create",
            {"name": "example.org"},
        )
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.free.mail.domain",
            "write",
            gmail.ids,
            {"name": "x.org"},
        )
        self.assertRefused(
            [self.salesman, self.portal], "crm.free.mail.domain", "unlink", gmail.ids
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            self.team,
            ["bant_profile_id"],
            "crm.team",
            "write",
            self.team.ids,
            {"bant_profile_id": False},
        )
        self.assertRefused(
            self.everyone(), "res.company", "write", self.env.company.ids, {"name": "X"}
        )
        self.assertRefused(
            [self.portal], "res.partner", "write", company.ids, {"website": "x.com"}
        )
        # webhooks: administrators only, never readable by sales or marketing
        self.assertRefused(
            self.everyone(), "crm.sla.policy", "read", self.policy.ids, ["webhook_url"]
        )
        self.assertRefused(
            self.everyone(),
            "crm.sla.policy",
            "write",
            self.policy.ids,
            {"webhook_url": "https://hooks.example.com/x"},
        )

    def test_read_only_actions(self):
        """Actions that only open a view write nothing: the view's search
        applies the caller's record rules; a portal user gets nothing."""
        target_list = self.env["crm.target.account.list"].create({"name": "R list"})
        partner = self.env["res.partner"].create({"name": "R Corp", "is_company": True})
        account = self.env["crm.target.account"].create(
            {"list_id": target_list.id, "partner_id": partner.id}
        )
        profile = self.env["crm.bant.profile"].create({"name": "R def"})
        calls = [
            ("crm.lead", "action_open_target_account", self.handed),
            ("crm.target.account.list", "action_view_accounts", target_list),
            ("crm.target.account", "action_view_leads", account),
            ("crm.bant.profile", "action_view_leads", profile),
            ("res.partner", "action_view_target_accounts", partner),
        ]
        for model, method, record in calls:
            before = self.snapshot(record, ["write_date"])
            ok, action = self.rpc(self.sales_manager, model, method, record.ids)
            self.assertTrue(ok, action)
            self.assertIn(action["type"], ("ir.actions.act_window", False), method)
            self.assertEqual(self.snapshot(record, ["write_date"]), before)
        ok, defaults = self.rpc(
            self.marketer, "crm.target.account.add", "default_get", ["list_id"]
        )
        self.assertTrue(ok, defaults)

    def test_wrong_types_and_unknown_ids_are_clear_errors(self):
        """What a careless client sends gives a message a user can act on
        (UserError, ValidationError, AccessError, MissingError), never a
        traceback of a TypeError or a database error, and changes nothing."""
        clear = {
            "odoo.exceptions.UserError",
            "odoo.exceptions.ValidationError",
            "odoo.exceptions.AccessError",
            "odoo.exceptions.MissingError",
        }
        content = self._content()
        calls = [
            (self.marketer, "crm.lead", "handoff_to_sales", [self.new_lead.ids, "x"]),
            (self.marketer, "crm.lead", "handoff_to_sales", [self.new_lead.ids, 10**9]),
            (
                self.marketer,
                "crm.lead",
                "handoff_to_sales",
                [self.new_lead.ids, False, "team"],
            ),
            (self.salesman, "crm.lead", "recycle_to_nurture", [self.handed.ids, "x"]),
            (self.salesman, "crm.lead", "recycle_to_nurture", [self.handed.ids, None]),
            (
                self.salesman,
                "crm.lead",
                "recycle_to_nurture",
                [self.handed.ids, 1, "note", "x"],
            ),
            (
                self.salesman,
                "crm.lead",
                "recycle_to_nurture",
                [self.handed.ids, 1, "note", False, False, "not a date"],
            ),
            (self.salesman, "crm.lead", "action_accept", [[10**9]]),
            (self.salesman, "crm.lead", "action_sla_wait_on_prospect", [[10**9]]),
            (self.sales_manager, "crm.marketing.content", "action_approve", [[10**9]]),
            (self.marketer, "crm.marketing.content", "action_submit", [[10**9]]),
            (self.marketer, "crm.target.account.list", "action_agree_sales", [[10**9]]),
        ]
        before = self.snapshot(
            self.new_lead | self.handed, ["lifecycle_stage", "user_id"]
        )
        for user, model, method, args in calls:
            response = execute_kw(
                self, user.id, user.login, model, method, list(args), {}
            )
            self.assertIn("error", response, f"{model}.{method}{args}")
            self.assertIn(
                response["error"]["data"]["name"],
                clear,
                f"{model}.{method}{args}: {response['error']['data']['message']}",
            )
        self.assertEqual(
            self.snapshot(self.new_lead | self.handed, ["lifecycle_stage", "user_id"]),
            before,
        )
        self.assertEqual(content.state, "draft")

    # ------------------------------------------------ users without e-mail

    def test_users_without_email_complete_every_action(self):
        """Odoo allows users without an e-mail address: the addon's notes are
        logged, not sent, so none of its actions needs one."""
        people = self.salesman | self.marketer | self.sales_manager
        self.assertFalse(any(people.mapped("email")))

        def ok(user, model, method, *args, **kwargs):
            done, result = self.rpc(user, model, method, *args, context={}, **kwargs)
            self.assertTrue(done, f"{user.login} {model}.{method}: {result}")
            return result

        ok(self.salesman, "crm.lead", "action_sla_wait_on_prospect", self.handed.ids)
        ok(self.salesman, "crm.lead", "action_sla_resume", self.handed.ids)
        ok(self.salesman, "crm.lead", "action_accept", self.handed.ids)
        self.assertEqual(self.handed.lifecycle_stage, "accepted")
        reason = self.env.ref("crm_alignment.crm_recycle_reason_timing")
        ok(self.salesman, "crm.lead", "recycle_to_nurture", self.handed.ids, reason.id)
        self.assertEqual(self.handed.lifecycle_stage, "nurture")
        ok(self.marketer, "crm.lead", "action_mark_sales_ready", self.new_lead.ids)
        ok(
            self.marketer,
            "crm.lead",
            "handoff_to_sales",
            self.new_lead.ids,
            self.salesman.id,
        )
        content = self._content()
        ok(self.marketer, "crm.marketing.content", "action_submit", content.ids)
        ok(self.sales_manager, "crm.marketing.content", "action_approve", content.ids)
        ok(self.marketer, "crm.marketing.content", "action_publish", content.ids)
        self.assertEqual(content.state, "published")
        company = self.env["res.partner"].create(
            {"name": "NoMail Co", "is_company": True}
        )
        target_list = (
            self.env["crm.target.account.list"]
            .with_user(self.marketer)
            .create(
                {"name": "No mail", "account_ids": [(0, 0, {"partner_id": company.id})]}
            )
        )
        ok(
            self.sales_manager,
            "crm.target.account.list",
            "action_agree_sales",
            target_list.ids,
        )
        ok(
            self.marketing_manager,
            "crm.target.account.list",
            "action_agree_marketing",
            target_list.ids,
        )
        self.assertEqual(target_list.state, "agreed")

    # -------------------------------------------------------------- coverage

    def _addon_public_functions(self):
        """(model, name) of every function without a leading underscore
        the addon defines on a model, ``init`` included."""
        found = set()
        for model_name in self.env.registry:
            for klass in type(self.env[model_name]).__mro__:
                if getattr(klass, "_module", None) != "crm_alignment":
                    continue
                if getattr(klass, "_name", None) == "crm.alignment.guard.mixin":
                    # its doors (default_get, copy_data) are attacked for
                    # every model using it by the generated suite
                    continue
                for name, value in vars(klass).items():
                    if inspect.isfunction(value) and not name.startswith("_"):
                        found.add((model_name, name))
        return found

    def test_schema_hooks_cannot_be_called_remotely(self):
        """``init`` (the addon's indexes, SQL functions and triggers, made
        again at each upgrade) has no leading underscore: Odoo names it
        private, and refuses it over RPC as such, for every role."""
        hooks = sorted(
            model for model, name in self._addon_public_functions() if name == "init"
        )
        self.assertIn("crm.lead", hooks)
        for model in hooks:
            for user in self.everyone():
                ok, result = self.rpc(user, model, "init")
                self.assertFalse(ok, f"{user.login} {model}.init: {result}")
                self.assertIn("cannot be called remotely", result, model)

    def test_every_public_method_is_in_the_attack_table(self):
        found = {
            (model, name)
            for model, name in self._addon_public_functions()
            # refused by Odoo: test_schema_hooks_cannot_be_called_remotely
            if name != "init"
        }
        missing = sorted(found - set(PUBLIC_METHODS))
        self.assertFalse(
            missing, f"classify these public methods in PUBLIC_METHODS: {missing}"
        )
        for test_name in set(PUBLIC_METHODS.values()):
            test_class, _dot, method = test_name.rpartition(".")
            self.assertTrue(hasattr(ATTACK_CLASSES[test_class], method), test_name)
        for klass in type(self.env["crm.alignment.guard.mixin"]).__mro__:
            if getattr(klass, "_name", None) == "crm.alignment.guard.mixin":
                self.assertLessEqual(
                    {
                        name
                        for name, value in vars(klass).items()
                        if inspect.isfunction(value) and not name.startswith("_")
                    },
                    {"default_get", "copy_data"},
                    "a new public door of the guard mixin needs its generated attack",
                )


# the classes of the attack suite, by name (PUBLIC_METHODS names their tests)
ATTACK_CLASSES = {
    cls.__name__: cls
    for module in (
        test_bant_rpc,
        test_content_rpc,
        test_lifecycle_rpc,
        test_nurture_rpc,
        test_scoreboard_rpc,
        test_security_generated,
        test_target_list_rpc,
    )
    for cls in vars(module).values()
    if isinstance(cls, type) and cls.__name__.startswith("Test")
}
ATTACK_CLASSES["TestSecurityRpc"] = TestSecurityRpc
