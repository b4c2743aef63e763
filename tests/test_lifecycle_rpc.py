from odoo.tests import tagged

from .common import SecurityRpcCase


@tagged(
    "post_install", "-at_install", "crm_alignment_security", "crm_alignment_lifecycle"
)
class TestLifecycleRpc(SecurityRpcCase):
    """The lead's lifecycle, hand-offs, follow-ups and history over the API."""

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
        self.assertIn(self.salesman.name, log[:1].body)
        self.assertIn("waiting for their budget", log[:1].body)

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
