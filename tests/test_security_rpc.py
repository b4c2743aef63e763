"""The shared record cannot be forged over the API.

Every attack goes through the real ``/jsonrpc`` endpoint, as each role, with
every context key the addon's code names (and the ones it used to read) set,
and checks that the call is refused and the data unchanged. A last test
lists the public methods of the addon's models: a new one must be added to
``PUBLIC_METHODS`` with the attack test that covers it.
"""

import inspect

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from . import test_security_generated as generated
from .common import execute_kw

GENERATED = "TestGeneratedAttacks.test_forged_defaults_and_values_never_stored"

# Every context key the addon reads or once read, set as an attacker would.
FORGED_CONTEXT = {
    "crm_alignment_lifecycle_write": True,
    "crm_alignment_content_state_write": True,
    "crm_alignment_target_list_state_write": True,
    "crm_alignment_auto_assign": True,
    "crm_alignment_skip_bant_sync": True,
    "crm_alignment_inbound": True,
    "crm_alignment_written_fields": [],
    "import_file": True,
    "install_mode": True,
    "tracking_disable": True,
    "mail_notrack": True,
    "digest_since": "2000-01-01 00:00:00",
    "target_account_show_list": True,
    "active_test": False,
}

# (model, public method) -> the test of this class (or the generated
# suite's) that attacks it
PUBLIC_METHODS = {
    ("utm.campaign", "create"): GENERATED,
    ("utm.campaign", "write"): GENERATED,
    ("crm.bant.option", "create"): "test_lead_definition_signatures",
    ("crm.lead", "create"): "test_lead_create_takes_no_forged_facts",
    ("crm.lead", "write"): "test_lead_facts_cannot_be_written",
    ("crm.lead", "default_get"): "test_lead_create_takes_no_forged_facts",
    ("crm.lead", "search_fetch"): "test_assignment_filter_cannot_be_forced",
    ("crm.lead", "action_start_nurture"): "test_lifecycle_actions_check_the_role",
    ("crm.lead", "action_mark_sales_ready"): "test_lifecycle_actions_check_the_role",
    ("crm.lead", "action_handoff_to_sales"): "test_lifecycle_actions_check_the_role",
    ("crm.lead", "handoff_to_sales"): "test_handoff_goes_to_sales_only",
    ("crm.lead", "action_accept"): "test_lifecycle_actions_check_the_role",
    ("crm.lead", "convert_opportunity"): "test_marketing_cannot_fake_a_followup",
    ("crm.lead", "message_post"): "test_marketing_cannot_fake_a_followup",
    ("crm.lead", "message_new"): "test_lead_create_takes_no_forged_facts",
    ("crm.lead", "action_recycle_to_nurture"): "test_lifecycle_actions_check_the_role",
    ("crm.lead", "recycle_to_nurture"): "test_lifecycle_actions_check_the_role",
    ("crm.lead", "action_sla_wait_on_prospect"): "test_only_sales_stops_the_sla_clock",
    ("crm.lead", "action_sla_resume"): "test_only_sales_stops_the_sla_clock",
    ("crm.lead", "action_set_lost"): "test_only_sales_stops_the_sla_clock",
    ("crm.lead", "action_share_content"): "test_content_files_and_shares",
    ("crm.lead", "action_open_target_account"): "test_read_only_actions",
    # the abstract mixin itself has no table: its methods are those of the
    # four history models below
    ("crm.alignment.history.mixin", "create"): "test_history_is_append_only",
    ("crm.alignment.history.mixin", "write"): "test_history_is_append_only",
    ("crm.lead.handoff", "create"): "test_history_is_append_only",
    ("crm.lead.handoff", "write"): "test_history_is_append_only",
    ("crm.lead.sla", "create"): "test_history_is_append_only",
    ("crm.lead.sla", "write"): "test_history_is_append_only",
    ("crm.marketing.content.review", "create"): "test_history_is_append_only",
    ("crm.marketing.content.review", "write"): "test_history_is_append_only",
    ("crm.marketing.content.share", "create"): "test_history_is_append_only",
    ("crm.marketing.content.share", "write"): "test_history_is_append_only",
    ("crm.lead.handoff.wizard", "action_handoff"): "test_handoff_goes_to_sales_only",
    ("crm.lead.recycle", "action_recycle"): "test_lifecycle_actions_check_the_role",
    ("crm.lead.content.share", "action_share"): "test_content_files_and_shares",
    ("crm.marketing.content", "create"): "test_content_review_cannot_be_skipped",
    ("crm.marketing.content", "write"): "test_content_review_cannot_be_skipped",
    ("crm.marketing.content", "action_take_request"): (
        "test_content_review_cannot_be_skipped"
    ),
    ("crm.marketing.content", "action_submit"): "test_content_review_cannot_be_skipped",
    (
        "crm.marketing.content",
        "action_approve",
    ): "test_content_review_cannot_be_skipped",
    ("crm.marketing.content", "action_request_changes"): (
        "test_content_review_cannot_be_skipped"
    ),
    (
        "crm.marketing.content",
        "action_publish",
    ): "test_content_review_cannot_be_skipped",
    ("crm.marketing.content", "action_retire"): "test_content_review_cannot_be_skipped",
    ("crm.marketing.content.decision", "action_confirm"): (
        "test_content_review_cannot_be_skipped"
    ),
    ("crm.target.account.list", "create"): "test_target_list_sign_offs",
    ("crm.target.account.list", "write"): "test_target_list_sign_offs",
    ("crm.target.account.list", "unlink"): "test_target_list_sign_offs",
    ("crm.target.account.list", "action_agree_sales"): "test_target_list_sign_offs",
    ("crm.target.account.list", "action_agree_marketing"): "test_target_list_sign_offs",
    ("crm.target.account.list", "action_activate"): "test_target_list_sign_offs",
    ("crm.target.account.list", "action_close"): "test_target_list_sign_offs",
    ("crm.target.account.list", "action_reset_to_proposed"): (
        "test_target_list_sign_offs"
    ),
    ("crm.target.account.list", "action_view_accounts"): "test_read_only_actions",
    ("crm.target.account", "create"): "test_configuration_is_managers_only",
    ("crm.target.account", "write"): "test_configuration_is_managers_only",
    ("crm.target.account", "unlink"): "test_configuration_is_managers_only",
    (
        "crm.target.account",
        "action_plan_coverage",
    ): "test_configuration_is_managers_only",
    ("crm.target.account", "action_view_leads"): "test_read_only_actions",
    ("crm.target.account.add", "default_get"): "test_read_only_actions",
    ("crm.target.account.add", "action_add"): "test_configuration_is_managers_only",
    ("crm.bant.profile", "create"): "test_lead_definition_signatures",
    ("crm.bant.profile", "write"): "test_lead_definition_signatures",
    ("crm.bant.profile", "action_agree"): "test_lead_definition_signatures",
    ("crm.bant.profile", "action_view_leads"): "test_read_only_actions",
    ("crm.bant.option", "write"): "test_configuration_is_managers_only",
    ("crm.free.mail.domain", "create"): "test_configuration_is_managers_only",
    ("crm.free.mail.domain", "write"): "test_configuration_is_managers_only",
    ("crm.free.mail.domain", "unlink"): "test_configuration_is_managers_only",
    ("crm.team", "write"): "test_configuration_is_managers_only",
    ("res.company", "write"): "test_configuration_is_managers_only",
    ("res.partner", "write"): "test_configuration_is_managers_only",
    ("res.partner", "action_view_target_accounts"): "test_read_only_actions",
    ("crm.alignment.signoff.mixin", "action_agree_sales"): "test_shared_goals",
    ("crm.alignment.signoff.mixin", "action_agree_marketing"): "test_shared_goals",
    ("crm.alignment.goal", "action_agree_sales"): "test_shared_goals",
    ("crm.alignment.goal", "action_agree_marketing"): "test_shared_goals",
    ("crm.alignment.goal", "create"): "test_shared_goals",
    ("crm.alignment.goal", "write"): "test_shared_goals",
    ("crm.alignment.goal", "action_reopen"): "test_shared_goals",
    ("crm.alignment.goal", "action_open_dashboard"): "test_shared_goals",
    ("crm.alignment.goal.line", "create"): "test_shared_goals",
    ("crm.alignment.goal.line", "write"): "test_shared_goals",
    (
        "crm.alignment.dashboard",
        "action_drill_down",
    ): "test_scoreboard_shows_what_rules_allow",
}


@tagged("post_install", "-at_install", "crm_alignment_security")
class TestSecurityRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env.company.bant_profile_id = False

        def user(login, groups):
            return new_test_user(
                env, login=login, groups=groups, email=False, name=login.title()
            )

        cls.salesman = user("sec_salesman", "sales_team.group_sale_salesman")
        cls.marketer = user("sec_marketer", "crm_alignment.group_marketing_user")
        cls.marketing_manager = user(
            "sec_mkt_manager", "crm_alignment.group_marketing_manager"
        )
        cls.sales_manager = user("sec_sales_manager", "sales_team.group_sale_manager")
        cls.portal = user("sec_portal", "base.group_portal")
        cls.roles = {
            "salesman": cls.salesman,
            "marketer": cls.marketer,
            "marketing_manager": cls.marketing_manager,
            "sales_manager": cls.sales_manager,
            "portal": cls.portal,
        }
        cls.team = env["crm.team"].create(
            {
                "name": "Security Team",
                "user_id": cls.sales_manager.id,
                "member_ids": [fields.Command.set(cls.salesman.ids)],
            }
        )
        cls.policy = env["crm.sla.policy"].create(
            {"name": "Security SLA", "followup_hours": 8}
        )
        Lead = env["crm.lead"].with_user(cls.marketer)
        cls.new_lead = Lead.create({"name": "Sec new", "type": "lead"})
        cls.handed = Lead.create(
            {"name": "Sec handed", "type": "lead", "team_id": cls.team.id}
        )
        cls.handed.handoff_to_sales(user_id=cls.salesman.id)
        cls.handoff = cls.handed.handoff_ids
        cls.sla = cls.handed.sla_ids

    # ---------------------------------------------------------------- helpers

    def rpc(self, user, model, method, *args, **kwargs):
        """Call as ``user`` (password = login) with the forged context;
        returns (ok, result or error message)."""
        kwargs.setdefault("context", FORGED_CONTEXT)
        response = execute_kw(
            self, user.id, user.login, model, method, list(args), kwargs
        )
        if "error" in response:
            return False, response["error"]["data"]["message"]
        return True, response["result"]

    def snapshot(self, records, names):
        records.invalidate_recordset()
        return [
            {
                name: records._fields[name].convert_to_read(rec[name], rec)
                for name in names
            }
            for rec in records.sudo()
        ]

    def assertRefused(self, users, model, method, *args, **kwargs):
        for user in users:
            ok, result = self.rpc(user, model, method, *args, **kwargs)
            self.assertFalse(ok, f"{user.login} {model}.{method}: {result}")

    def assertRefusedUnchanged(self, users, records, names, model, method, *args, **kw):
        before = self.snapshot(records, names)
        self.assertRefused(users, model, method, *args, **kw)
        self.assertEqual(self.snapshot(records, names), before)

    def everyone(self, *but):
        return [user for role, user in self.roles.items() if role not in but]

    # ---------------------------------------------------------------- leads

    def test_lead_facts_cannot_be_written(self):
        facts = ["lifecycle_stage", "sourced_by", "handoff_date", "recycle_count"]
        for vals in (
            {"lifecycle_stage": "accepted"},
            {"handoff_date": "2020-01-01 00:00:00"},
            {"recycle_count": 7},
            {"sla_state": "reached"},
            {"bant_score": 100, "bant_sales_ready": True},
            {"target_tier": "1"},
        ):
            self.assertRefusedUnchanged(
                self.everyone(),
                self.new_lead | self.handed,
                facts + ["sla_state", "bant_score", "target_tier"],
                "crm.lead",
                "write",
                (self.new_lead | self.handed).ids,
                vals,
            )
        # who sourced a lead: managers may correct it, nobody else
        self.assertRefusedUnchanged(
            self.everyone("sales_manager", "marketing_manager"),
            self.new_lead,
            facts,
            "crm.lead",
            "write",
            self.new_lead.ids,
            {"sourced_by": "sales"},
        )

    def test_lead_create_takes_no_forged_facts(self):
        count = self.env["crm.lead"].search_count([])
        # the other side's values than the rules give each role
        for users, stage, sourced_by in (
            ([self.marketer, self.portal], "accepted", "sales"),
            ([self.salesman, self.portal], "new", "marketing"),
        ):
            self.assertRefused(
                users,
                "crm.lead",
                "create",
                {"name": "Forged", "lifecycle_stage": stage, "sourced_by": sourced_by},
            )
        self.assertRefused(
            [self.salesman],
            "crm.lead",
            "create",
            {"name": "Forged", "marketing_user_id": self.marketer.id},
        )
        self.assertRefused(
            self.everyone(),
            "crm.lead",
            "create",
            {"name": "Forged", "lifecycle_stage": "handed_off"},
        )
        self.assertRefused(
            self.everyone(), "crm.lead", "create", {"name": "Forged", "bant_score": 99}
        )
        self.assertEqual(self.env["crm.lead"].search_count([]), count)
        # the defaults a client reads follow the rules, whatever the context
        ok, defaults = self.rpc(
            self.salesman, "crm.lead", "default_get", ["lifecycle_stage", "sourced_by"]
        )
        self.assertTrue(ok, defaults)
        self.assertEqual(
            defaults, {"lifecycle_stage": "accepted", "sourced_by": "sales"}
        )
        # a salesperson's lead sent with the old "inbound" keys stays theirs
        ok, lead_id = self.rpc(self.salesman, "crm.lead", "create", {"name": "Mine"})
        self.assertTrue(ok, lead_id)
        lead = self.env["crm.lead"].browse(lead_id)
        self.assertEqual((lead.lifecycle_stage, lead.sourced_by), ("accepted", "sales"))
        self.assertRefused(
            [self.portal], "crm.lead", "message_new", {"subject": "x", "from": "a@b.c"}
        )

    def test_lifecycle_actions_check_the_role(self):
        names = ["lifecycle_stage", "user_id", "recycle_count"]
        for method in (
            "action_start_nurture",
            "action_mark_sales_ready",
            "action_handoff_to_sales",
        ):
            self.assertRefusedUnchanged(
                [self.salesman, self.portal],
                self.new_lead,
                names,
                "crm.lead",
                method,
                self.new_lead.ids,
            )
        for method in ("action_accept", "action_recycle_to_nurture"):
            self.assertRefusedUnchanged(
                [self.marketer, self.marketing_manager, self.portal],
                self.handed,
                names,
                "crm.lead",
                method,
                self.handed.ids,
            )
        reason = self.env.ref("crm_alignment.crm_recycle_reason_no_budget")
        self.assertRefusedUnchanged(
            [self.marketer, self.marketing_manager, self.portal],
            self.handed,
            names,
            "crm.lead",
            "recycle_to_nurture",
            self.handed.ids,
            reason.id,
        )
        # wrong types are clear refusals, not tracebacks
        for bad in ("x", 10**9):
            ok, message = self.rpc(
                self.salesman, "crm.lead", "recycle_to_nurture", self.handed.ids, bad
            )
            self.assertFalse(ok)
            self.assertIn("recycle reason", message)
        ok, wizard = self.rpc(
            self.marketer,
            "crm.lead.recycle",
            "create",
            {"lead_ids": [(6, 0, self.handed.ids)], "reason_id": reason.id},
        )
        self.assertTrue(ok, wizard)
        self.assertRefusedUnchanged(
            [self.marketer],
            self.handed,
            names,
            "crm.lead.recycle",
            "action_recycle",
            [wizard],
        )

    def test_handoff_goes_to_sales_only(self):
        names = ["lifecycle_stage", "user_id"]
        for receiver in (self.marketer, self.portal, self.marketing_manager):
            self.assertRefusedUnchanged(
                [self.marketer],
                self.new_lead,
                names,
                "crm.lead",
                "handoff_to_sales",
                self.new_lead.ids,
                receiver.id,
            )
        self.assertRefusedUnchanged(
            [self.marketer],
            self.new_lead,
            names,
            "crm.lead",
            "handoff_to_sales",
            self.new_lead.ids,
            "x",
        )
        ok, wizard = self.rpc(
            self.marketer,
            "crm.lead.handoff.wizard",
            "create",
            {"lead_ids": [(6, 0, self.new_lead.ids)], "user_id": self.marketer.id},
        )
        self.assertTrue(ok, wizard)
        self.assertRefusedUnchanged(
            [self.marketer],
            self.new_lead,
            names,
            "crm.lead.handoff.wizard",
            "action_handoff",
            [wizard],
        )

    def test_marketing_cannot_fake_a_followup(self):
        self.marketer.email = "marketer@example.com"  # to post a note at all
        names = ["lifecycle_stage", "sla_state"]
        before = self.snapshot(self.handed, names)
        ok, result = self.rpc(
            self.marketer,
            "crm.lead",
            "write",
            self.handed.ids,
            {"user_id": self.marketer.id},
        )
        self.assertTrue(ok, result)
        ok, result = self.rpc(
            self.marketer,
            "crm.lead",
            "message_post",
            self.handed.ids,
            body="Called them",
            message_type="comment",
        )
        self.assertTrue(ok, result)
        # converting it is no acceptance either
        self.rpc(
            self.marketer, "crm.lead", "convert_opportunity", self.handed.ids, False
        )
        self.assertEqual(self.snapshot(self.handed, names), before)
        self.assertFalse(self.sla.reached_date)
        self.assertFalse(self.handoff.accepted_date)

    def test_only_sales_stops_the_sla_clock(self):
        names = ["state", "paused_since", "deadline"]
        for method in ("action_sla_wait_on_prospect", "action_sla_resume"):
            self.assertRefusedUnchanged(
                [self.marketer, self.marketing_manager, self.portal],
                self.sla,
                names,
                "crm.lead",
                method,
                self.handed.ids,
            )
        self.assertRefused(
            [self.portal], "crm.lead", "action_set_lost", self.handed.ids
        )
        ok, result = self.rpc(
            self.salesman,
            "crm.lead",
            "action_sla_wait_on_prospect",
            self.handed.ids,
            reason="waiting for their budget",
        )
        self.assertTrue(ok, result)
        self.assertEqual(self.sla.state, "paused")
        log = self.handed.message_ids.filtered(lambda m: "clock stopped" in m.body)
        self.assertIn("Sec_Salesman", log[:1].body)
        self.assertIn("waiting for their budget", log[:1].body)

    # -------------------------------------------------------------- history

    def test_history_is_append_only(self):
        facts = {
            "crm.lead.handoff": (self.handoff, {"date": "2020-01-01 00:00:00"}),
            "crm.lead.sla": (self.sla, {"state": "reached"}),
        }
        for model, (record, vals) in facts.items():
            names = list(vals)
            self.assertRefusedUnchanged(
                self.everyone(), record, names, model, "write", record.ids, vals
            )
            self.assertRefusedUnchanged(
                self.everyone(),
                record,
                names,
                model,
                "write",
                record.ids,
                {"lead_id": self.new_lead.id},
            )
        for model, vals in (
            (
                "crm.lead.handoff",
                {"lead_id": self.new_lead.id, "direction": "to_sales"},
            ),
            (
                "crm.lead.sla",
                {"lead_id": self.new_lead.id, "policy_id": self.policy.id},
            ),
            ("crm.marketing.content.review", {"decision": "approve", "version": 1}),
            ("crm.marketing.content.share", {"lead_id": self.new_lead.id}),
        ):
            count = self.env[model].search_count([])
            self.assertRefused(self.everyone(), model, "create", vals)
            self.assertEqual(self.env[model].search_count([]), count)
        content = self._content()
        review = (
            self.env["crm.marketing.content.review"]
            .sudo()
            ._alignment_guarded_create(
                {
                    "content_id": content.id,
                    "reviewer_id": self.sales_manager.id,
                    "decision": "changes",
                    "version": 1,
                }
            )
        )
        share = (
            self.env["crm.marketing.content.share"]
            .sudo()
            ._alignment_guarded_create(
                {"content_id": content.id, "lead_id": self.handed.id, "version": 1}
            )
        )
        for record, vals in (
            (review, {"decision": "approve"}),
            (share, {"lead_id": self.new_lead.id}),
        ):
            self.assertRefusedUnchanged(
                self.everyone(),
                record,
                list(vals),
                record._name,
                "write",
                record.ids,
                vals,
            )
        # a sales manager corrects the note of a hand-off, nothing else
        ok, result = self.rpc(
            self.sales_manager,
            "crm.lead.handoff",
            "write",
            self.handoff.ids,
            {"note": "Corrected"},
        )
        self.assertTrue(ok, result)
        self.assertEqual(self.handoff.note, "Corrected")

    # -------------------------------------------------------------- content

    def _content(self, **vals):
        return (
            self.env["crm.marketing.content"]
            .with_user(self.marketer)
            .create(
                dict(
                    {"name": "Sec content", "team_ids": [(6, 0, self.team.ids)]}, **vals
                )
            )
        )

    def test_content_review_cannot_be_skipped(self):
        guarded = {
            "state": "published",
            "approver_ids": [(6, 0, self.marketer.ids)],
            "approval_mode": "any",
            "version": 9,
            "approved_body": "<p>forged</p>",
            "approved_url": "https://example.com",
            "approved_date": "2020-01-01 00:00:00",
            "requested_by_id": self.salesman.id,
        }
        content = self._content()
        names = ["state", "version", "approved_body", "approver_ids"]
        for name, value in guarded.items():
            self.assertRefusedUnchanged(
                self.everyone(),
                content,
                names,
                "crm.marketing.content",
                "write",
                content.ids,
                {name: value},
            )
            self.assertRefused(
                self.everyone(),
                "crm.marketing.content",
                "create",
                {"name": "F", name: value},
            )
        ok, request_id = self.rpc(
            self.salesman, "crm.marketing.content", "create", {"name": "My request"}
        )
        self.assertTrue(ok, request_id)
        request = self.env["crm.marketing.content"].browse(request_id)
        self.assertEqual(request.state, "requested")
        for method in ("action_take_request", "action_submit", "action_publish"):
            self.assertRefusedUnchanged(
                [self.salesman, self.portal],
                request,
                ["state"],
                "crm.marketing.content",
                method,
                request.ids,
            )
        self.assertRefused(
            [self.salesman, self.marketer, self.portal],
            "crm.marketing.content",
            "action_retire",
            content.ids,
        )
        content.action_submit()
        self.assertEqual(content.approver_ids, self.sales_manager)
        for method in ("action_approve", "action_request_changes"):
            self.assertRefusedUnchanged(
                [self.salesman, self.marketer, self.marketing_manager, self.portal],
                content,
                names,
                "crm.marketing.content",
                method,
                content.ids,
            )
        ok, decision = self.rpc(
            self.marketer,
            "crm.marketing.content.decision",
            "create",
            {"content_id": content.id, "decision": "approve"},
        )
        self.assertTrue(ok, decision)
        self.assertRefusedUnchanged(
            [self.marketer],
            content,
            names,
            "crm.marketing.content.decision",
            "action_confirm",
            [decision],
        )

    def test_content_files_and_shares(self):
        foreign = self.env["ir.attachment"].create(
            {
                "name": "secret.txt",
                "raw": b"not yours",
                "res_model": "crm.lead",
                "res_id": self.handed.id,
            }
        )
        content = self._content()
        names = ["attachment_ids", "approved_attachment_ids"]
        for field in ("attachment_ids", "approved_attachment_ids"):
            self.assertRefusedUnchanged(
                self.everyone(),
                content,
                names,
                "crm.marketing.content",
                "write",
                content.ids,
                {field: [(4, foreign.id)]},
            )
        self.assertRefused(
            self.everyone(),
            "crm.marketing.content",
            "create",
            {"name": "F", "attachment_ids": [(6, 0, foreign.ids)]},
        )
        # sharing on a lead the user may not write is refused
        other = self.env["crm.lead"].create(
            {"name": "Not yours", "user_id": self.sales_manager.id}
        )
        ok, result = self.rpc(
            self.salesman, "crm.lead", "action_share_content", other.ids
        )
        self.assertTrue(ok, result)  # it only opens the wizard
        ok, wizard = self.rpc(
            self.salesman,
            "crm.lead.content.share",
            "create",
            {"lead_id": other.id, "content_ids": [(6, 0, content.ids)]},
        )
        if ok:
            self.assertRefused(
                [self.salesman], "crm.lead.content.share", "action_share", [wizard]
            )
        self.assertFalse(other.content_share_ids)
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", "crm.lead"), ("res_id", "=", other.id)]
            )
        )

    # ---------------------------------------------------------- target lists

    # ---------------------------------------------------------- scoreboard

    def test_shared_goals(self):
        Goal = self.env["crm.alignment.goal"]
        names = ["state", "sales_agreed_user_id", "marketing_agreed_user_id"]
        vals = {
            "team_id": self.team.id,
            "date_start": "2030-01-01",
            "marketing_owner_id": self.marketing_manager.id,
            "sales_owner_id": self.sales_manager.id,
            "line_ids": [(0, 0, {"kpi": "sales_ready_delivered", "target": 10})],
        }
        count = Goal.search_count([])
        # only managers set goals; nobody creates one already signed
        self.assertRefused(
            [self.salesman, self.marketer, self.portal],
            "crm.alignment.goal",
            "create",
            vals,
        )
        for forged in (
            {"state": "agreed"},
            {"sales_agreed_user_id": self.sales_manager.id},
            {"marketing_agreed_date": "2020-01-01 00:00:00"},
        ):
            self.assertRefused(
                self.everyone(), "crm.alignment.goal", "create", dict(vals, **forged)
            )
        self.assertEqual(Goal.search_count([]), count, "nothing half-written")
        ok, goal_id = self.rpc(self.sales_manager, "crm.alignment.goal", "create", vals)
        self.assertTrue(ok, goal_id)
        goal = Goal.browse(goal_id)
        line = goal.line_ids
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            line,
            ["target"],
            "crm.alignment.goal.line",
            "write",
            line.ids,
            {"target": 1},
        )
        self.assertRefused(
            [self.salesman, self.marketer, self.portal],
            "crm.alignment.goal.line",
            "create",
            {"goal_id": goal.id, "kpi": "acceptance_rate", "target": 1},
        )
        for forged in ({"state": "agreed"}, {"sales_agreed_user_id": self.salesman.id}):
            self.assertRefusedUnchanged(
                self.everyone(),
                goal,
                names,
                "crm.alignment.goal",
                "write",
                goal.ids,
                forged,
            )
        # each side signs for itself, once
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.marketing_manager, self.portal],
            goal,
            names,
            "crm.alignment.goal",
            "action_agree_sales",
            goal.ids,
        )
        self.assertTrue(
            self.rpc(
                self.sales_manager, "crm.alignment.goal", "action_agree_sales", goal.ids
            )[0]
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.sales_manager, self.portal],
            goal,
            names,
            "crm.alignment.goal",
            "action_agree_marketing",
            goal.ids,
        )
        self.assertTrue(
            self.rpc(
                self.marketing_manager,
                "crm.alignment.goal",
                "action_agree_marketing",
                goal.ids,
            )[0]
        )
        self.assertEqual(goal.state, "agreed")
        # signed: locked, even for managers, until reopened by a manager
        self.assertRefusedUnchanged(
            self.everyone(),
            line,
            ["target"],
            "crm.alignment.goal.line",
            "write",
            line.ids,
            {"target": 1},
        )
        self.assertRefusedUnchanged(
            self.everyone(),
            goal,
            ["date_start"],
            "crm.alignment.goal",
            "write",
            goal.ids,
            {"date_start": "2030-02-01"},
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            goal,
            names,
            "crm.alignment.goal",
            "action_reopen",
            goal.ids,
        )
        ok, action = self.rpc(
            self.salesman, "crm.alignment.goal", "action_open_dashboard", goal.ids
        )
        self.assertTrue(ok, action)
        self.assertEqual(action["res_model"], "crm.alignment.dashboard")
        self.assertRefused(
            [self.portal], "crm.alignment.goal", "action_open_dashboard", goal.ids
        )
        self.assertTrue(
            self.rpc(
                self.sales_manager, "crm.alignment.goal", "action_reopen", goal.ids
            )[0]
        )
        self.assertEqual((goal.state, goal.sales_agreed_user_id.id), ("draft", False))

    def test_scoreboard_shows_what_rules_allow(self):
        mine = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .create(
                {"name": "Sec own", "type": "opportunity", "user_id": self.salesman.id}
            )
        )
        theirs = self.env["crm.lead"].create(
            {
                "name": "Sec theirs",
                "type": "opportunity",
                "user_id": self.sales_manager.id,
            }
        )
        ok, rows = self.rpc(
            self.salesman,
            "crm.alignment.pipeline.report",
            "search_read",
            [("lead_id", "in", (mine | theirs | self.new_lead).ids)],
            fields=["lead_id"],
        )
        self.assertTrue(ok, rows)
        self.assertEqual(
            {row["lead_id"][0] for row in rows},
            {mine.id, self.new_lead.id},
            "own + unassigned",
        )
        ok, rows = self.rpc(
            self.sales_manager,
            "crm.alignment.pipeline.report",
            "search_read",
            [("lead_id", "in", (mine | theirs).ids)],
            fields=["lead_id"],
        )
        self.assertEqual(len(rows), 2)
        self.assertRefused(
            [self.portal], "crm.alignment.pipeline.report", "search_read", []
        )
        self.assertRefused(
            [self.portal], "crm.alignment.speed.report", "search_read", []
        )
        self.assertRefused([self.portal], "crm.alignment.dashboard", "create", {})
        ok, board_id = self.rpc(
            self.salesman, "crm.alignment.dashboard", "create", {"period": "this_month"}
        )
        self.assertTrue(ok, board_id)
        ok, action = self.rpc(
            self.salesman,
            "crm.alignment.dashboard",
            "action_drill_down",
            [board_id],
            context=dict(FORGED_CONTEXT, alignment_figure="created"),
        )
        self.assertTrue(ok, action)
        ok, ids = self.rpc(self.salesman, "crm.lead", "search", action["domain"])
        self.assertIn(mine.id, ids)
        self.assertNotIn(theirs.id, ids)
        ok, count = self.rpc(
            self.salesman,
            "crm.alignment.dashboard",
            "read",
            [board_id],
            fields=["created_count"],
        )
        self.assertEqual(
            count[0]["created_count"], len(ids), "the figure is the drill-down's count"
        )
        for bad in ("salary", 42, None, ["created"]):
            self.assertRefused(
                [self.salesman],
                "crm.alignment.dashboard",
                "action_drill_down",
                [board_id],
                figure=bad,
            )
        # another user's dashboard is not theirs to read
        self.assertRefused(
            [self.marketer],
            "crm.alignment.dashboard",
            "action_drill_down",
            [board_id],
            figure="created",
        )

    def test_target_list_sign_offs(self):
        company = self.env["res.partner"].create(
            {"name": "Sec Corp", "is_company": True}
        )
        target_list = (
            self.env["crm.target.account.list"]
            .with_user(self.marketer)
            .create(
                {
                    "name": "Sec list",
                    "account_ids": [(0, 0, {"partner_id": company.id, "tier": "1"})],
                }
            )
        )
        names = [
            "state",
            "sales_agreed_user_id",
            "marketing_agreed_user_id",
            "sales_agreed_date",
        ]
        for vals in (
            {"state": "agreed"},
            {"sales_agreed_user_id": self.sales_manager.id},
            {"marketing_agreed_date": "2020-01-01 00:00:00"},
        ):
            self.assertRefusedUnchanged(
                self.everyone(),
                target_list,
                names,
                "crm.target.account.list",
                "write",
                target_list.ids,
                vals,
            )
            self.assertRefused(
                self.everyone(),
                "crm.target.account.list",
                "create",
                dict(vals, name="Forged"),
            )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.marketing_manager, self.portal],
            target_list,
            names,
            "crm.target.account.list",
            "action_agree_sales",
            target_list.ids,
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.sales_manager, self.portal],
            target_list,
            names,
            "crm.target.account.list",
            "action_agree_marketing",
            target_list.ids,
        )
        # one person with both manager groups signs one side only
        both = new_test_user(
            self.env,
            login="sec_both",
            groups="sales_team.group_sale_manager,crm_alignment.group_marketing_manager",
        )
        ok, result = self.rpc(
            both, "crm.target.account.list", "action_agree_sales", target_list.ids
        )
        self.assertTrue(ok, result)
        self.assertRefusedUnchanged(
            [both],
            target_list,
            names,
            "crm.target.account.list",
            "action_agree_marketing",
            target_list.ids,
        )
        self.assertEqual(target_list.state, "proposed")
        for method in ("action_activate", "action_close", "action_reset_to_proposed"):
            self.assertRefusedUnchanged(
                [self.salesman, self.marketer, self.portal],
                target_list,
                names,
                "crm.target.account.list",
                method,
                target_list.ids,
            )
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.target.account.list",
            "unlink",
            target_list.ids,
        )
        self.assertTrue(target_list.exists())

    def test_lead_definition_signatures(self):
        profile = self.env["crm.bant.profile"].create({"name": "Sec definition"})
        names = ["agreed_by_ids", "agreed_date"]
        for vals in (
            {"agreed_by_ids": [(4, self.sales_manager.id)]},
            {"agreed_date": "2020-01-01 00:00:00"},
            {"threshold": 10, "agreed_date": "2020-01-01 00:00:00"},
        ):
            self.assertRefusedUnchanged(
                self.everyone(),
                profile,
                names,
                "crm.bant.profile",
                "write",
                profile.ids,
                vals,
            )
        self.assertRefused(
            self.everyone(),
            "crm.bant.profile",
            "create",
            {"name": "F", "agreed_by_ids": [(6, 0, self.salesman.ids)]},
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            profile,
            names,
            "crm.bant.profile",
            "action_agree",
            profile.ids,
        )
        ok, result = self.rpc(
            self.sales_manager, "crm.bant.profile", "action_agree", profile.ids
        )
        self.assertTrue(ok, result)
        self.assertEqual(profile.agreed_by_ids, self.sales_manager)
        # an answer's worth is part of every definition that may use it: the
        # other manager changing it voids the signatures, logged, and a new
        # answer or a removed one too; salespeople change none of them
        option = self.env["crm.bant.option"].create(
            {"name": "Sec budget", "criterion": "budget", "points": 40}
        )
        self.rpc(self.sales_manager, "crm.bant.profile", "action_agree", profile.ids)
        self.assertTrue(profile.agreed_by_ids)
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.portal],
            option,
            ["points"],
            "crm.bant.option",
            "write",
            option.ids,
            {"points": 100},
        )
        self.assertTrue(profile.agreed_by_ids, "a refused change voids nothing")
        for method, args in (
            ("write", [option.ids, {"points": 100}]),
            ("create", [{"name": "Sec new", "criterion": "need", "points": 90}]),
            ("unlink", [option.ids]),
        ):
            ok, result = self.rpc(
                self.sales_manager, "crm.bant.profile", "action_agree", profile.ids
            )
            self.assertTrue(profile.agreed_by_ids)
            ok, result = self.rpc(
                self.marketing_manager, "crm.bant.option", method, *args
            )
            self.assertTrue(ok, result)
            profile.invalidate_recordset()
            self.assertFalse(profile.agreed_by_ids, method)
            self.assertIn(self.marketing_manager.name, profile.message_ids[0].body)

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

    def test_assignment_filter_cannot_be_forced(self):
        """search_fetch hides marketing's leads from Odoo's lead assignment
        only: the old context key changes nothing for a client."""
        ok, rows = self.rpc(
            self.salesman,
            "crm.lead",
            "search_fetch",
            [("id", "=", self.new_lead.id)],
            ["lifecycle_stage"],
        )
        self.assertTrue(ok, rows)
        # over RPC the recordset comes back as its ids: the New lead is found
        self.assertEqual(rows, [self.new_lead.id])

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

    def test_every_public_method_is_in_the_attack_table(self):
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
                        if name != "init":
                            found.add((model_name, name))
        missing = sorted(found - set(PUBLIC_METHODS))
        self.assertFalse(
            missing, f"classify these public methods in PUBLIC_METHODS: {missing}"
        )
        for test_name in set(PUBLIC_METHODS.values()):
            test_class, _dot, method = test_name.rpartition(".")
            owner = {"TestGeneratedAttacks": generated.TestGeneratedAttacks}.get(
                test_class, self
            )
            self.assertTrue(hasattr(owner, method), test_name)
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
