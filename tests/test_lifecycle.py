from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.crm_alignment.hooks import post_init_hook

from .common import AlignmentCase


@tagged("post_install", "-at_install", "crm_alignment_lifecycle")
class TestLifecycle(AlignmentCase):
    def test_marketing_lead_starts_new_without_salesperson(self):
        lead = self.create_marketing_leads()
        self.assertEqual(lead.lifecycle_stage, "new")
        self.assertEqual(lead.sourced_by, "marketing")
        self.assertEqual(lead.marketing_user_id, self.marketer)
        self.assertFalse(lead.user_id, "a marketer is not the lead's salesperson")

    def test_marketing_lead_form_leaves_salesperson_empty(self):
        form = Form(self.env["crm.lead"].with_user(self.marketer))
        form.name = "Webinar attendee"
        lead = form.save()
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.lifecycle_stage, "new")

    def test_salesperson_lead_starts_accepted(self):
        lead = (
            self.env["crm.lead"].with_user(self.salesman).create({"name": "Cold call"})
        )
        self.assertEqual(lead.lifecycle_stage, "accepted")
        self.assertEqual(lead.sourced_by, "sales")
        self.assertEqual(lead.user_id, self.salesman)
        self.assertFalse(lead.marketing_user_id)

    def test_import_and_gateway_leads_are_marketing_sourced(self):
        Lead = self.env["crm.lead"].with_user(self.salesman)
        # an import is sourced by whoever imports: a context key decides nothing
        imported = Lead.with_context(import_file=True).create({"name": "Trade show"})
        self.assertEqual(
            (imported.lifecycle_stage, imported.sourced_by), ("accepted", "sales")
        )
        imported = (
            self.env["crm.lead"]
            .with_user(self.marketer)
            .with_context(import_file=True)
            .create({"name": "Trade show list"})
        )
        self.assertEqual(
            (imported.lifecycle_stage, imported.sourced_by), ("new", "marketing")
        )
        # a manager's import (Odoo's import through load()) is marketing's too
        result = (
            self.env["crm.lead"]
            .with_user(self.sales_manager)
            .with_context(import_file=True)
            .load(["name"], [["Purchased list"]])
        )
        imported = self.env["crm.lead"].browse(result["ids"])
        self.assertEqual(
            (imported.lifecycle_stage, imported.sourced_by), ("new", "marketing")
        )
        # the mail gateway routes an incoming message as the superuser
        # (mail.thread._message_route_process): inbound, marketing's
        gateway = Lead.sudo().message_new(
            {"subject": "Pricing request", "from": "buyer@prospect.example"}
        )
        self.assertEqual(
            (gateway.lifecycle_stage, gateway.sourced_by), ("new", "marketing")
        )
        # the same public method called by a salesperson (over RPC) is their
        # own lead, whatever it claims to be
        own = Lead.message_new(
            {"subject": "Pricing request", "from": "buyer@prospect.example"},
            custom_values={"type": "opportunity", "expected_revenue": 50000},
        )
        self.assertEqual((own.lifecycle_stage, own.sourced_by), ("accepted", "sales"))

    def test_nurture_and_sales_ready_transitions(self):
        lead = self.create_marketing_leads().with_user(self.marketer)
        self.assertIs(lead.action_start_nurture(), True)
        self.assertEqual(lead.lifecycle_stage, "nurture")
        self.assertIs(lead.action_mark_sales_ready(), True)
        self.assertEqual(lead.lifecycle_stage, "sales_ready")
        lead.action_start_nurture()
        self.assertEqual(lead.lifecycle_stage, "nurture", "back to nurture")

    def test_illegal_transitions_raise_and_change_nothing(self):
        lead = self.create_marketing_leads().with_user(self.marketer)
        with self.assertRaisesRegex(UserError, "cannot move to Accepted"):
            lead.with_user(self.sales_manager).action_accept()
        self.assertEqual(lead.lifecycle_stage, "new")
        accepted = self.env["crm.lead"].with_user(self.salesman).create({"name": "Own"})
        # a salesperson is refused for the role, whatever the stage
        for action in ("action_mark_sales_ready", "action_start_nurture"):
            with self.assertRaisesRegex(UserError, "Only marketing and managers"):
                getattr(accepted, action)()
        # a manager may, but not from Accepted
        accepted = accepted.with_user(self.sales_manager)
        with self.assertRaisesRegex(UserError, "cannot move to Sales-Ready"):
            accepted.action_mark_sales_ready()
        with self.assertRaisesRegex(UserError, "cannot move to Nurturing"):
            accepted.action_start_nurture()
        with self.assertRaisesRegex(UserError, "cannot move to Handed Off"):
            accepted.handoff_to_sales(user_id=self.salesman.id)
        self.assertEqual(accepted.lifecycle_stage, "accepted")
        self.assertFalse(accepted.handoff_ids)

    def test_stage_cannot_be_written_directly(self):
        lead = self.create_marketing_leads()
        with self.assertRaisesRegex(UserError, "change only through its actions"):
            lead.with_user(self.sales_manager).write({"lifecycle_stage": "accepted"})
        self.assertEqual(lead.lifecycle_stage, "new")

    def test_sourced_by_is_corrected_by_managers_only(self):
        lead = self.create_marketing_leads()
        with self.assertRaisesRegex(UserError, "Sourced By"):
            lead.with_user(self.marketer).write({"sourced_by": "sales"})
        with self.assertRaisesRegex(UserError, "Sourced By"):
            lead.with_user(self.salesman).write({"sourced_by": "sales"})
        lead.with_user(self.sales_manager).write({"sourced_by": "sales"})
        self.assertEqual(lead.sourced_by, "sales")
        lead.with_user(self.marketing_manager).write({"sourced_by": "marketing"})
        self.assertEqual(lead.sourced_by, "marketing")

    def test_post_init_hook_classifies_existing_leads_by_rule(self):
        Lead = self.env["crm.lead"]
        opportunity = Lead.create(
            {"name": "Old deal", "type": "opportunity", "user_id": self.salesman.id}
        )
        assigned = Lead.create(
            {"name": "Old assigned", "type": "lead", "user_id": self.salesman.id}
        )
        unassigned = Lead.with_user(self.salesman).create(
            {"name": "Old unassigned", "type": "lead", "user_id": False}
        )
        # Pretend they predate the module: scramble what it set.
        self.env.cr.execute(
            "UPDATE crm_lead SET lifecycle_stage = 'nurture', sourced_by = 'sales',"
            " marketing_user_id = NULL WHERE id IN %s",
            [(opportunity | assigned | unassigned)._ids],
        )
        post_init_hook(self.env)
        self.assertEqual(
            (opportunity.lifecycle_stage, opportunity.sourced_by), ("accepted", "sales")
        )
        self.assertEqual(
            (assigned.lifecycle_stage, assigned.sourced_by), ("accepted", "sales")
        )
        self.assertEqual(
            (unassigned.lifecycle_stage, unassigned.sourced_by), ("new", "marketing")
        )
        self.assertEqual(unassigned.marketing_user_id, self.salesman)

    def test_duplicate_follows_the_rules_and_merge_moves_all_history(self):
        first, second = self.create_marketing_leads(
            2, team_id=self.team.id, email_from="buyer@prospect.example"
        )
        self.env["crm.sla.policy"].create({"name": "Any", "followup_hours": 8})
        (first | second).with_user(self.marketer).handoff_to_sales(
            user_id=self.salesman.id
        )
        self.assertEqual(len(second.sla_ids), 1)
        content = self.env["crm.marketing.content"].create({"name": "Guide"})
        self.env["crm.marketing.content.share"].sudo()._alignment_guarded_create(
            {"content_id": content.id, "lead_id": second.id}
        )
        # a salesperson's duplicate is theirs, whatever the original was
        copy = first.with_user(self.salesman).copy()
        self.assertEqual(
            (copy.lifecycle_stage, copy.sourced_by, copy.marketing_user_id.id),
            ("accepted", "sales", False),
        )
        handoffs, slas = (first | second).handoff_ids, (first | second).sla_ids
        self.assertEqual((len(handoffs), len(slas)), (2, 2))
        merged = (first | second).with_user(self.sales_manager).merge_opportunity()
        self.assertEqual(merged.handoff_ids, handoffs)
        self.assertEqual(merged.sla_ids, slas)
        self.assertEqual(merged.content_share_ids.content_id, content)
