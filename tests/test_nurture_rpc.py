from odoo import fields
from odoo.tests import tagged

from .common import SecurityRpcCase

STEP = {
    "name": "Case study",
    "kind": "email",
    "delay_days": 1,
    "subject": "How Acme did it",
    "body_html": "<p>Read how Acme did it.</p>",
}


@tagged(
    "post_install", "-at_install", "crm_alignment_security", "crm_alignment_nurture"
)
class TestNurtureRpc(SecurityRpcCase):
    """Nurture programs and enrolments over the API, as each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason = cls.env.ref("crm_alignment.crm_recycle_reason_timing")
        cls.team.marketing_user_id = cls.marketer
        # nurture e-mails are sent from the company's address; without demo
        # data the company has none
        cls.env.company.email = "marketing@example.com"

    def _program(self, **vals):
        return (
            self.env["crm.nurture.program"]
            .with_user(self.marketer)
            .create(
                dict(
                    {
                        "name": "Sec program",
                        "team_id": self.team.id,
                        "recycle_reason_ids": [(6, 0, self.reason.ids)],
                        "step_ids": [(0, 0, STEP)],
                    },
                    **vals,
                )
            )
        )

    def test_programs_are_designed_by_marketing_and_signed_by_both(self):
        names = ["state", "sales_agreed_user_id", "marketing_agreed_user_id"]
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.nurture.program",
            "create",
            {"name": "Sales-made"},
        )
        self.assertRefused(
            self.everyone(),
            "crm.nurture.program",
            "create",
            {"name": "Forged", "state": "agreed"},
        )
        program = self._program()
        self.assertRefusedUnchanged(
            [self.salesman, self.portal],
            program,
            ["name"],
            "crm.nurture.program",
            "write",
            program.ids,
            {"name": "Renamed by sales"},
        )
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.nurture.step",
            "create",
            dict(STEP, program_id=program.id),
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.marketing_manager, self.portal],
            program,
            names,
            "crm.nurture.program",
            "action_agree_sales",
            program.ids,
        )
        ok, result = self.rpc(
            self.sales_manager, "crm.nurture.program", "action_agree_sales", program.ids
        )
        self.assertTrue(ok, result)
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.sales_manager, self.portal],
            program,
            names,
            "crm.nurture.program",
            "action_agree_marketing",
            program.ids,
        )
        ok, result = self.rpc(
            self.marketing_manager,
            "crm.nurture.program",
            "action_agree_marketing",
            program.ids,
        )
        self.assertTrue(ok, result)
        self.assertEqual(program.state, "agreed")
        ok, result = self.rpc(
            self.salesman, "crm.nurture.program", "action_view_enrolments", program.ids
        )
        self.assertTrue(ok, result)
        self.assertRefusedUnchanged(
            [self.salesman, self.portal],
            program,
            names,
            "crm.nurture.program",
            "action_reopen",
            program.ids,
        )
        # a change to a step of the agreed program reopens it
        ok, result = self.rpc(
            self.marketer,
            "crm.nurture.step",
            "write",
            program.step_ids.ids,
            {"delay_days": 5},
        )
        self.assertTrue(ok, result)
        program.invalidate_recordset()
        self.assertEqual(program.state, "draft")
        self.assertFalse(program.sales_agreed_user_id)
        # someone else's mailing (it exists: the refusal is the step's rule,
        # not a missing row)
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Not the program's",
                "body_html": "<p>x</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
            }
        )
        ok, result = self.rpc(
            self.marketer,
            "crm.nurture.step",
            "write",
            program.step_ids.ids,
            {"mailing_id": mailing.id},
        )
        self.assertFalse(ok, "a step's mailing is the program's own")
        self.assertFalse(program.step_ids.mailing_id)
        steps = self.env["crm.nurture.step"].search_count([])
        self.assertRefused(
            [self.marketer, self.marketing_manager],
            "crm.nurture.step",
            "create",
            dict(STEP, program_id=program.id),
            context={"default_mailing_id": mailing.id},
        )
        self.assertEqual(self.env["crm.nurture.step"].search_count([]), steps)
        ok, result = self.rpc(
            self.marketing_manager, "crm.nurture.program", "action_reopen", program.ids
        )
        self.assertFalse(ok, "a draft is not reopened")

    def test_enrolments_change_only_by_their_owner_and_actions(self):
        program = self._program(
            step_ids=[(0, 0, STEP), (0, 0, dict(STEP, name="Reminder", sequence=20))]
        )
        first = program.step_ids[0]
        program.with_user(self.sales_manager).action_agree_sales()
        program.with_user(self.marketing_manager).action_agree_marketing()
        lead = (
            self.env["crm.lead"]
            .with_user(self.marketer)
            .create({"name": "Sec nurtured", "type": "lead", "team_id": self.team.id})
        )
        lead.handoff_to_sales(user_id=self.salesman.id)
        other = self._program(name="Other", team_id=False)
        ok, result = self.rpc(
            self.salesman,
            "crm.lead",
            "recycle_to_nurture",
            lead.ids,
            self.reason.id,
            program_id=other.id,
        )
        self.assertFalse(ok, "a draft program enrols nobody")
        self.assertEqual(lead.lifecycle_stage, "handed_off")
        ok, result = self.rpc(
            self.salesman, "crm.lead", "recycle_to_nurture", lead.ids, self.reason.id
        )
        self.assertTrue(ok, result)
        enrolment = lead.nurture_enrolment_id
        self.assertEqual(enrolment.program_id, program)
        names = ["state", "step_id", "next_date", "program_id"]
        for vals in (
            {"state": "done"},
            {"next_date": "2020-01-01 00:00:00"},
            {"program_id": other.id},
        ):
            self.assertRefusedUnchanged(
                self.everyone(),
                enrolment,
                names,
                "crm.nurture.enrolment",
                "write",
                enrolment.ids,
                vals,
            )
        self.assertRefused(
            self.everyone(),
            "crm.nurture.enrolment",
            "create",
            {"lead_id": lead.id, "program_id": program.id},
        )
        self.assertRefused(
            self.everyone(),
            "crm.nurture.touch",
            "create",
            {
                "enrolment_id": enrolment.id,
                "lead_id": lead.id,
                "step_id": first.id,
                "outcome": "done",
            },
        )
        ok, result = self.rpc(
            self.marketer,
            "crm.nurture.enrolment",
            "action_move_to_step",
            enrolment.ids,
            first.id,
        )
        self.assertTrue(ok, result)
        enrolment.sudo()._run_due_steps()
        touch = lead.nurture_touch_ids
        self.assertTrue(touch)
        self.assertRefusedUnchanged(
            self.everyone(),
            touch,
            ["outcome", "skip_reason", "date"],
            "crm.nurture.touch",
            "write",
            touch.ids,
            {"outcome": "skipped", "date": "2020-01-01 00:00:00"},
        )
        for method in ("action_pause", "action_end"):
            self.assertRefusedUnchanged(
                [self.salesman, self.portal],
                enrolment,
                names,
                "crm.nurture.enrolment",
                method,
                enrolment.ids,
            )
        for bad in ("1", 999999, first.id + 10**6):
            self.assertRefusedUnchanged(
                [self.marketer],
                enrolment,
                names,
                "crm.nurture.enrolment",
                "action_move_to_step",
                enrolment.ids,
                bad,
            )
        ok, result = self.rpc(
            self.marketer, "crm.nurture.enrolment", "action_pause", enrolment.ids
        )
        self.assertTrue(ok, result)
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.nurture.enrolment",
            "action_resume",
            enrolment.ids,
        )
        ok, result = self.rpc(
            self.marketer, "crm.nurture.enrolment", "action_resume", enrolment.ids
        )
        self.assertTrue(ok, result)
        ok, result = self.rpc(
            self.marketer,
            "crm.nurture.enrolment",
            "action_move_to_step",
            enrolment.ids,
            first.id,
        )
        self.assertTrue(ok, result)
        ok, result = self.rpc(
            self.salesman, "crm.lead", "action_view_nurture", lead.ids
        )
        self.assertTrue(ok, result)
        self.assertRefused([self.portal], "crm.lead", "action_view_nurture", lead.ids)
        ok, result = self.rpc(
            self.sales_manager, "crm.nurture.enrolment", "action_end", enrolment.ids
        )
        self.assertTrue(ok, result)
        enrolment.invalidate_recordset()
        self.assertEqual(enrolment.state, "ended")


@tagged(
    "post_install", "-at_install", "crm_alignment_security", "crm_alignment_nurture"
)
class TestEngagementRpc(SecurityRpcCase):
    """Engagement definitions and scores over the API, as each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["crm.engagement.definition"].search([]).write({"active": False})

    def test_engagement_definitions_are_designed_by_marketing_and_signed_by_both(self):
        names = ["state", "sales_agreed_user_id", "marketing_agreed_user_id"]
        rule = {"signal_type": "mail_click", "points": 10, "half_life_days": 14}
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.engagement.definition",
            "create",
            {"name": "Sales-made", "rule_ids": [(0, 0, rule)]},
        )
        self.assertRefused(
            self.everyone(),
            "crm.engagement.definition",
            "create",
            {"name": "Forged", "state": "agreed", "team_id": self.team.id},
        )
        definition = (
            self.env["crm.engagement.definition"]
            .with_user(self.marketer)
            .create(
                {
                    "name": "Sec engagement",
                    "team_id": self.team.id,
                    "rule_ids": [(0, 0, rule)],
                }
            )
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.portal],
            definition,
            ["name"],
            "crm.engagement.definition",
            "write",
            definition.ids,
            {"name": "Renamed by sales"},
        )
        self.assertRefused(
            [self.salesman, self.portal],
            "crm.engagement.rule",
            "create",
            dict(rule, definition_id=definition.id, signal_type="mail_open"),
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.marketing_manager, self.portal],
            definition,
            names,
            "crm.engagement.definition",
            "action_agree_sales",
            definition.ids,
        )
        ok, result = self.rpc(
            self.sales_manager,
            "crm.engagement.definition",
            "action_agree_sales",
            definition.ids,
        )
        self.assertTrue(ok, result)
        self.assertRefusedUnchanged(
            [self.salesman, self.marketer, self.sales_manager, self.portal],
            definition,
            names,
            "crm.engagement.definition",
            "action_agree_marketing",
            definition.ids,
        )
        ok, result = self.rpc(
            self.marketing_manager,
            "crm.engagement.definition",
            "action_agree_marketing",
            definition.ids,
        )
        self.assertTrue(ok, result)
        self.assertEqual(definition.state, "agreed")
        ok, result = self.rpc(
            self.salesman,
            "crm.engagement.definition",
            "action_view_leads",
            definition.ids,
        )
        self.assertTrue(ok, result)
        self.assertRefused(
            [self.portal],
            "crm.engagement.definition",
            "action_view_leads",
            definition.ids,
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.portal],
            definition,
            names,
            "crm.engagement.definition",
            "action_reopen",
            definition.ids,
        )
        # a rule changed over the API reopens the agreed definition, logged
        ok, result = self.rpc(
            self.marketer,
            "crm.engagement.rule",
            "write",
            definition.rule_ids.ids,
            {"points": 99},
        )
        self.assertTrue(ok, result)
        definition.invalidate_recordset()
        self.assertEqual(definition.state, "draft")
        self.assertIn(self.marketer.name, definition.message_ids[0].body)

    def test_scores_go_only_with_a_lead_or_definition_really_deleted(self):
        """The scores live in a table of their own, removed by unlink after
        the deletion: a refused deletion leaves them as they were."""
        definition = (
            self.env["crm.engagement.definition"]
            .with_user(self.marketer)
            .create(
                {
                    "name": "Sec scores",
                    "team_id": self.team.id,
                    "rule_ids": [(0, 0, {"signal_type": "mail_open", "points": 10})],
                }
            )
        )
        definition.with_user(self.sales_manager).action_agree_sales()
        definition.with_user(self.marketing_manager).action_agree_marketing()
        lead = self.env["crm.lead"].create(
            {
                "name": "Sec scored",
                "type": "opportunity",
                "team_id": self.team.id,
                "user_id": self.sales_manager.id,
            }
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Sec",
                "body_html": "<p>x</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
            }
        )
        self.env["mailing.trace"].create(
            {
                "model": "crm.lead",
                "res_id": lead.id,
                "mass_mailing_id": mailing.id,
                "trace_status": "open",
                "open_datetime": fields.Datetime.now(),
            }
        )
        self.env["crm.lead"]._cron_engagement_rescore()
        names = ["engagement_score", "engagement_grade", "engagement_definition_id"]
        self.assertEqual(
            self.snapshot(lead, ["engagement_score"]), [{"engagement_score": 10}]
        )
        self.assertRefusedUnchanged(
            [self.salesman, self.portal], lead, names, "crm.lead", "unlink", lead.ids
        )
        # an agreed definition is reopened or archived, never deleted
        self.assertRefusedUnchanged(
            self.everyone(),
            lead,
            names,
            "crm.engagement.definition",
            "unlink",
            definition.ids,
        )

    def test_engagement_score_comes_from_signals_only(self):
        lead = (
            self.env["crm.lead"]
            .with_user(self.marketer)
            .create({"name": "Sec engaged", "type": "lead", "team_id": self.team.id})
        )
        names = [
            "engagement_score",
            "engagement_grade",
            "engagement_definition_id",
            "lead_grade",
            "fit_grade",
        ]
        for vals in (
            {"engagement_score": 95},
            {"engagement_grade": "1"},
            {"lead_grade": "A1"},
            {"fit_grade": "A"},
        ):
            self.assertRefusedUnchanged(
                self.everyone(), lead, names, "crm.lead", "write", lead.ids, vals
            )
        # Email Marketing's traces are its users' own: our roles cannot
        # open or click a mail on a prospect's behalf
        mailing = self.env["mailing.mailing"].create(
            {
                "subject": "Sec",
                "body_html": "<p>x</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
            }
        )
        trace = self.env["mailing.trace"].create(
            {
                "model": "crm.lead",
                "res_id": lead.id,
                "mass_mailing_id": mailing.id,
                "trace_status": "sent",
            }
        )
        for method in ("set_opened", "set_clicked", "set_replied", "set_bounced"):
            self.assertRefusedUnchanged(
                self.everyone(),
                trace,
                ["trace_status", "open_datetime", "links_click_datetime"],
                "mailing.trace",
                method,
                trace.ids,
            )
