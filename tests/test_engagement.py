from datetime import datetime, timedelta

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AlignmentCase

NOW = datetime(2026, 3, 16, 10, 0, 0)  # a Monday
# (signal, points, half-life in days, cap)
RULES = [
    ("mail_open", 8, 7.0, 0),
    ("mail_click", 20, 14.0, 30),
    ("mail_bounce", -15, 30.0, 0),
    ("content_shared", 6, 10.0, 0),
]


def _decayed(points, half_life, age_days):
    return points * 0.5 ** (age_days / half_life)


def _expected(signals):
    """The engagement score by hand: per type min(cap, sum of decayed
    points), summed, rounded, never below 0. ``signals``: (type, age)."""
    rules = {name: (points, half_life, cap) for name, points, half_life, cap in RULES}
    per_type = {}
    for signal, age in signals:
        points, half_life, _cap = rules[signal]
        per_type[signal] = per_type.get(signal, 0) + _decayed(points, half_life, age)
    total = 0
    for signal, value in per_type.items():
        cap = rules[signal][2]
        total += max(-cap, min(cap, value)) if cap else value
    return max(0, int(total + 0.5))


class EngagementCase(AlignmentCase):
    """An agreed engagement definition for the team (RULES) and a mailing to
    trace signals with."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the demo's definitions (if any) score apart from this known history
        cls.env["crm.engagement.definition"].search([]).write({"active": False})
        cls.definition = cls._definition("Direct engagement", team=cls.team)
        cls._agree(cls.definition)
        cls.mailing = cls.env["mailing.mailing"].create(
            {
                "subject": "Engagement test",
                "body_html": "<p>Hello</p>",
                "mailing_model_id": cls.env["ir.model"]._get_id("crm.lead"),
            }
        )

    @classmethod
    def _definition(cls, name, team=None, rules=None, **vals):
        rules = RULES if rules is None else rules
        return (
            cls.env["crm.engagement.definition"]
            .with_user(cls.marketer)
            .create(
                {
                    "name": name,
                    "team_id": team.id if team else False,
                    "grade_1_from": 40,
                    "grade_2_from": 20,
                    "grade_3_from": 5,
                    "rule_ids": [
                        (
                            0,
                            0,
                            {
                                "signal_type": signal,
                                "points": points,
                                "half_life_days": half_life,
                                "cap": cap,
                            },
                        )
                        for signal, points, half_life, cap in rules
                    ],
                    **vals,
                }
            )
        )

    @classmethod
    def _agree(cls, record):
        record.with_user(cls.sales_manager).action_agree_sales()
        record.with_user(cls.marketing_manager).action_agree_marketing()

    def _trace(self, lead, **vals):
        return self.env["mailing.trace"].create(
            {
                "model": "crm.lead",
                "res_id": lead.id,
                "mass_mailing_id": self.mailing.id,
                "email": lead.email_from,
                "trace_status": "sent",
                **vals,
            }
        )

    def _lead(self, **vals):
        vals.setdefault("email_from", "buyer@acme.example.com")
        vals.setdefault("team_id", self.team.id)
        return self.create_marketing_leads(**vals)


@tagged("post_install", "-at_install", "crm_alignment_nurture")
class TestEngagement(EngagementCase):
    """The engagement score with decay under the definition both managers
    sign, and the grade matrix."""

    # ------------------------------------------------------------ decay

    def test_score_decays_as_computed_by_hand(self):
        lead = self._lead()
        with freeze_time(NOW):
            self._trace(
                lead,
                open_datetime=NOW - timedelta(days=14),
                links_click_datetime=NOW - timedelta(days=14),
            )
            self._trace(
                lead,
                open_datetime=NOW - timedelta(days=7),
                links_click_datetime=NOW - timedelta(days=7),
            )
            self.env["crm.lead"]._cron_engagement_rescore()
        signals = [
            ("mail_open", 14),
            ("mail_click", 14),
            ("mail_open", 7),
            ("mail_click", 7),
        ]
        # 8/4 + 8/2 + 20/2 + 20/sqrt(2) = 2 + 4 + 10 + 14.14 = 30.14
        self.assertEqual(_expected(signals), 30)
        self.assertEqual(lead.engagement_score, 30)
        self.assertEqual(lead.engagement_grade, "2")
        self.assertEqual(lead.engagement_definition_id, self.definition)
        self.assertEqual(lead.lead_grade, "D2")  # no BANT fit yet
        # the explanation lists each signal and what it counts today
        with freeze_time(NOW):
            lead.invalidate_recordset(["engagement_explanation"])
            rows = lead.engagement_explanation["rows"]
        self.assertEqual(len(rows), 4)
        self.assertAlmostEqual(sum(row[4] for row in rows), 30.14, places=1)
        clicks = sorted(row[4] for row in rows if row[2] == 20)
        self.assertAlmostEqual(clicks[0], 10.0, places=2)
        self.assertAlmostEqual(clicks[1], 14.14, places=2)

        # a click now passes the cap of clicks; a bounce counts against
        with freeze_time(NOW):
            trace = self._trace(lead)
            trace.set_opened()
            trace.set_clicked()
        signals += [("mail_open", 0), ("mail_click", 0)]
        self.assertEqual(_expected(signals), 44)  # clicks capped at 30
        self.assertEqual(lead.engagement_score, 44, "re-scored when the click came")
        self.assertEqual(lead.engagement_grade, "1")
        with freeze_time(NOW):
            lead.invalidate_recordset(["engagement_explanation"])
            rows = lead.engagement_explanation["rows"]
        capped = [row for row in rows if row[2] == 20]
        self.assertAlmostEqual(sum(row[4] for row in capped), 30.0, places=2)
        self.assertTrue(any("capped" in row[0] for row in capped))

        # thirty days later everything has faded: the job re-scores
        later = NOW + timedelta(days=30)
        with freeze_time(later):
            self.env["crm.lead"]._cron_engagement_rescore()
        aged = [(signal, age + 30) for signal, age in signals]
        self.assertEqual(lead.engagement_score, _expected(aged))
        self.assertLess(lead.engagement_score, 15)

    def test_bounce_counts_against_and_score_never_below_zero(self):
        lead = self._lead()
        with freeze_time(NOW):
            trace = self._trace(lead, open_datetime=NOW, sent_datetime=NOW)
            self.env["crm.lead"]._cron_engagement_rescore()
            self.assertEqual(lead.engagement_score, 8)
            trace.set_bounced()
        self.assertEqual(lead.engagement_score, 0, "8 - 15, floored at 0")
        self.assertEqual(lead.engagement_grade, "4")

    def test_a_signal_of_this_very_second_counts(self):
        """A signal recorded in the re-score's own second (to the
        microsecond, as PostgreSQL dates a record created in the
        transaction) is not in the future."""
        lead = self._lead()
        trace = self._trace(lead)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE mailing_trace SET open_datetime ="
            " clock_timestamp() AT TIME ZONE 'UTC' WHERE id = %s",
            [trace.id],
        )
        self.env["crm.lead"]._engagement_rescore()
        self.assertEqual(lead.engagement_score, 8, "an opening: 8 points")
        rows = lead._engagement_signal_rows()[lead.id]
        self.assertEqual([row["signal_type"] for row in rows], ["mail_open"])

    def test_content_shared_is_a_signal(self):
        lead = self._lead()
        content = self.env["crm.marketing.content"].create(
            {"name": "Buyer guide", "body": "<p>Guide</p>"}
        )
        with freeze_time(NOW):
            self.env["crm.marketing.content.share"].sudo().with_context(
                tracking_disable=True
            )._alignment_guarded_create(
                [{"content_id": content.id, "lead_id": lead.id, "version": 1}]
            )
        self.assertEqual(lead.engagement_score, 6)

    # ------------------------------------------------------------ definitions

    def test_only_an_agreed_definition_scores_and_a_change_reopens_it(self):
        lead = self._lead()
        with freeze_time(NOW):
            self._trace(lead, open_datetime=NOW)
            self.env["crm.lead"]._cron_engagement_rescore()
        self.assertEqual(lead.engagement_score, 8)
        rule = self.definition.rule_ids.filtered(lambda r: r.signal_type == "mail_open")
        with freeze_time(NOW):
            rule.with_user(self.marketer).write({"points": 50})
        self.assertEqual(self.definition.state, "draft")
        self.assertIn("back to draft", self.definition.message_ids[0].body)
        self.assertFalse(self.definition.sales_agreed_user_id)
        # no agreed definition scores the lead any more
        self.assertEqual(lead.engagement_score, 0)
        self.assertFalse(lead.engagement_definition_id)
        self.assertFalse(lead.engagement_grade)
        with freeze_time(NOW):
            self._agree(self.definition)
        self.assertEqual(lead.engagement_score, 50)

    def test_team_definition_before_the_company_wide_one(self):
        company_wide = self._definition(
            "Company engagement", rules=[("mail_open", 3, 7.0, 0)]
        )
        self._agree(company_wide)
        ours, theirs = self._lead(), self._lead(team_id=self.other_team.id)
        with freeze_time(NOW):
            self._trace(ours, open_datetime=NOW)
            self._trace(theirs, open_datetime=NOW)
            self.env["crm.lead"]._cron_engagement_rescore()
        self.assertEqual(ours.engagement_definition_id, self.definition)
        self.assertEqual((ours.engagement_score, theirs.engagement_score), (8, 3))
        self.assertEqual(theirs.engagement_definition_id, company_wide)

    def test_definition_bad_input_and_roles(self):
        Definition = self.env["crm.engagement.definition"]
        with self.assertRaises(AccessError):
            Definition.with_user(self.salesman).create({"name": "Sales-made"})
        with self.assertRaisesRegex(ValidationError, "grades go down"):
            self._definition("Upside down", team=self.other_team, grade_3_from=60)
        with self.assertRaisesRegex(ValidationError, "already has an engagement"):
            self._definition("Second for the team", team=self.team)
        third = self.env["crm.team"].create({"name": "Engagement third team"})
        with self.assertRaisesRegex(ValidationError, "half-life"):
            self._definition(
                "No half-life", team=third, rules=[("mail_open", 5, 0.0, 0)]
            )
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            self._definition(
                "Twice",
                team=self.env["crm.team"].create({"name": "Engagement fourth team"}),
                rules=[("mail_open", 5, 3.0, 0), ("mail_open", 6, 3.0, 0)],
            )
        empty = self._definition(
            "Empty",
            team=self.env["crm.team"].create({"name": "Engagement fifth team"}),
            rules=[],
        )
        with self.assertRaisesRegex(UserError, "signals it counts"):
            empty.with_user(self.sales_manager).action_agree_sales()
        # the score is the re-score's: nobody writes it
        lead = self._lead()
        for user in (self.marketer, self.marketing_manager, self.sales_manager):
            with self.assertRaises(UserError):
                lead.with_user(user).write({"engagement_score": 99})
        self.assertEqual(lead.engagement_score, 0)

    # ------------------------------------------------------------ grade matrix

    def test_grade_matrix_follows_fit_and_engagement(self):
        profile = self.env["crm.bant.profile"].create(
            {"name": "Grade profile", "threshold": 90}
        )
        self.team.bant_profile_id = profile
        ref = self.env.ref
        lead = self._lead(
            bant_need_id=ref("crm_alignment.bant_need_critical").id,
            bant_budget_id=ref("crm_alignment.bant_budget_approved").id,
            bant_authority_id=ref("crm_alignment.bant_authority_decision_maker").id,
        )
        # 100 x 25 x 3 of 100 x 100: 75
        self.assertEqual((lead.bant_score, lead.fit_grade), (75, "A"))
        self.assertEqual(lead.lead_grade, "A4")
        with freeze_time(NOW):
            trace = self._trace(lead)
            trace.set_opened()
            trace.set_clicked()
        self.assertEqual(lead.engagement_score, 28)
        self.assertEqual(lead.lead_grade, "A2")
        # a BANT re-score in SQL (the definition changed) moves the fit grade:
        # 100 x 25 x 2 of 100 x 75 = 66.7
        profile.weight_need = 0
        lead.invalidate_recordset()
        self.assertEqual((lead.bant_score, lead.fit_grade), (67, "B"))
        self.assertEqual(lead.lead_grade, "B2")
        groups = self.env["crm.lead"].read_group(
            [("id", "=", lead.id)], ["lead_grade"], ["lead_grade"]
        )
        self.assertEqual(groups[0]["lead_grade"], lead.lead_grade)

    def test_rescore_is_one_statement_whatever_the_number_of_leads(self):
        leads = self._lead(count=30)
        with freeze_time(NOW):
            for lead in leads:
                self._trace(lead, open_datetime=NOW)
            self.env.flush_all()
            Lead = self.env["crm.lead"]
            with self.assertQueryCount(4):
                Lead._engagement_rescore()
        self.assertEqual(set(leads.mapped("engagement_score")), {8})

    def test_new_signals_job_scores_the_leads_with_a_signal_since_its_last_run(self):
        """A signal no hook hears (other apps' records; here a trace written
        in SQL) is scored by the new-signals job when it is newer than the
        job's last run (less the overlap); older ones wait for the hourly
        job."""
        fresh, stale = self._lead(count=2)
        self.env.flush_all()
        for lead, opened in (
            (fresh, NOW - timedelta(minutes=3)),
            (stale, NOW - timedelta(hours=2)),
        ):
            self.env.cr.execute(
                """INSERT INTO mailing_trace (trace_type, model, res_id,
                          mass_mailing_id, email, trace_status, open_datetime,
                          create_date, write_date)
                   VALUES ('mail', 'crm.lead', %s, %s, 'x@example.com', 'open', %s,
                           %s, %s)""",
                [lead.id, self.mailing.id, opened, opened, opened],
            )
        Lead = self.env["crm.lead"]
        with freeze_time(NOW):
            Lead.with_context(
                lastcall=NOW - timedelta(minutes=5)
            )._cron_engagement_new_signals()
            self.assertEqual((fresh | stale).mapped("engagement_score"), [8, 0])
            # no last run yet: the overlap alone
            Lead._cron_engagement_new_signals()
            self.assertEqual(stale.engagement_score, 0)
            Lead._cron_engagement_rescore()
        # 8 halved every 7 days: two hours cost it a little, rounded away
        self.assertEqual((fresh | stale).mapped("engagement_score"), [8, 8])

    def test_scores_are_searched_grouped_and_sorted_as_the_lead_shows_them(self):
        """The scores live apart from crm_lead: searching, grouping and
        sorting read them through a join, and must agree with the values the
        leads show."""
        cold, warm, hot = self._lead(count=3)
        unscored = self._lead(team_id=self.other_team.id)
        with freeze_time(NOW):
            self._trace(warm, open_datetime=NOW)  # 8
            self._trace(hot, open_datetime=NOW, links_click_datetime=NOW)  # 28
            self.env["crm.lead"]._cron_engagement_rescore()
        leads = cold | warm | hot | unscored
        # a page of cards: the four fields of every lead from one query on
        # the narrow table, each lead its own row's values
        leads.mapped("fit_grade")
        leads.invalidate_recordset(
            ["engagement_score", "engagement_grade", "engagement_definition_id"]
            + ["lead_grade"]
        )
        with self.assertQueryCount(1):
            page = [
                (lead.engagement_score, lead.lead_grade, lead.engagement_definition_id)
                for lead in leads
            ]
        self.assertEqual(
            page,
            [
                (0, "D4", self.definition),
                (8, "D3", self.definition),
                (28, "D2", self.definition),
                (0, "D4", self.definition.browse()),
            ],
        )
        self.assertEqual(leads.mapped("engagement_score"), [0, 8, 28, 0])
        self.assertEqual(leads.mapped("engagement_grade"), ["4", "3", "2", False])
        self.assertEqual(leads.mapped("lead_grade"), ["D4", "D3", "D2", "D4"])
        Lead = self.env["crm.lead"]
        scope = [("id", "in", leads.ids)]
        for domain, expected in [
            ([("engagement_score", ">", 5)], warm | hot),
            ([("engagement_score", "=", 0)], cold | unscored),
            ([("engagement_grade", "in", ["2", "3"])], warm | hot),
            ([("engagement_grade", "=", False)], unscored),
            ([("lead_grade", "=", "D4")], cold | unscored),
            (
                [("engagement_definition_id", "=", self.definition.id)],
                cold | warm | hot,
            ),
            ([("engagement_definition_id", "ilike", "Direct")], cold | warm | hot),
        ]:
            with self.subTest(domain=domain):
                self.assertEqual(Lead.search(scope + domain), expected)
        self.assertEqual(
            Lead.search(scope, order="engagement_score desc, id").ids,
            (hot | warm | cold | unscored).ids,
        )
        groups = dict(Lead._read_group(scope, ["lead_grade"], ["__count"]))
        self.assertEqual(groups, {"D2": 1, "D3": 1, "D4": 2})
        totals = dict(
            Lead._read_group(
                scope, ["engagement_definition_id"], ["engagement_score:sum"]
            )
        )
        self.assertEqual(
            totals, {self.definition: 36, Lead.engagement_definition_id: 0}
        )
        # a deleted lead takes its score with it
        hot.sudo().unlink()
        self.env.cr.execute(
            "SELECT count(*) FROM crm_lead_engagement WHERE lead_id = %s", [hot.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)


@tagged("post_install", "-at_install", "crm_alignment_nurture")
class TestNurtureExit(EngagementCase):
    """A nurtured lead whose fit makes it sales-ready waits in its program
    until its engagement reaches the program's exit score, then goes back to
    sales with the signals that brought it back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team.marketing_user_id = cls.marketer
        cls.env.user.groups_id += cls.env.ref("crm.group_use_lead")
        cls.salesman.groups_id += cls.env.ref("crm.group_use_lead")
        cls.reason = cls.env.ref("crm_alignment.crm_recycle_reason_timing")
        cls.env["crm.nurture.enrolment"].search(
            [("state", "in", ("active", "paused"))]
        )._enrolment_end("tests")
        cls.program = (
            cls.env["crm.nurture.program"]
            .with_user(cls.marketer)
            .create(
                {
                    "name": "Warm them up",
                    "team_id": cls.team.id,
                    "recycle_reason_ids": [(6, 0, cls.reason.ids)],
                    "exit_engagement_score": 20,
                    "step_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Case study",
                                "kind": "email",
                                "delay_days": 1,
                                "subject": "How Acme did it",
                                "body_html": "<p>Read how Acme did it.</p>",
                            },
                        )
                    ],
                }
            )
        )
        cls._agree(cls.program)
        cls.profile = cls.env["crm.bant.profile"].create(
            {"name": "Exit profile", "threshold": 60, "require_need": True}
        )
        cls.team.bant_profile_id = cls.profile

    def _recycled(self):
        lead = self.create_marketing_leads(
            team_id=self.team.id, email_from="warm@acme.example.com"
        )
        lead.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        lead.with_user(self.salesman).recycle_to_nurture(self.reason.id)
        return lead

    def _ready_answers(self):
        ref = self.env.ref
        return {
            "bant_need_id": ref("crm_alignment.bant_need_critical").id,
            "bant_budget_id": ref("crm_alignment.bant_budget_approved").id,
            "bant_authority_id": ref("crm_alignment.bant_authority_decision_maker").id,
        }

    def test_fit_alone_waits_engagement_brings_it_back(self):
        with freeze_time(NOW):
            lead = self._recycled()
            enrolment = lead.nurture_enrolment_id
            self.assertEqual(enrolment.program_id, self.program)
            lead.with_user(self.marketer).write(self._ready_answers())
        self.assertTrue(lead.bant_sales_ready)
        self.assertEqual(lead.lifecycle_stage, "nurture", "cold: the program keeps it")
        self.assertEqual(enrolment.state, "active")
        with freeze_time(NOW + timedelta(hours=1)):
            trace = self._trace(lead)
            trace.set_opened()
            self.assertEqual(lead.lifecycle_stage, "nurture", "8 < 20")
            trace.set_clicked()
        self.assertEqual(lead.engagement_score, 28)
        self.assertEqual(lead.lifecycle_stage, "sales_ready")
        self.assertEqual(enrolment.state, "requalified")
        self.assertIn("E-mail link clicked", enrolment.exit_signals)
        self.assertIn(
            "Back to sales from the nurture program", lead.message_ids[0].body
        )
        self.assertFalse(lead.nurture_enrolment_id)

    def test_warm_lead_goes_back_when_its_fit_arrives(self):
        with freeze_time(NOW):
            lead = self._recycled()
            enrolment = lead.nurture_enrolment_id
            trace = self._trace(lead)
            trace.set_opened()
            trace.set_clicked()
            self.assertEqual(lead.lifecycle_stage, "nurture", "engaged, not a fit")
            lead.with_user(self.marketer).write(self._ready_answers())
        self.assertEqual(lead.lifecycle_stage, "sales_ready")
        self.assertEqual(enrolment.state, "requalified")

    def test_auto_handoff_after_the_exit(self):
        self.profile.auto_handoff = True
        with freeze_time(NOW):
            lead = self._recycled()
            lead.with_user(self.marketer).write(self._ready_answers())
            self.assertEqual(lead.lifecycle_stage, "nurture")
            trace = self._trace(lead)
            trace.set_opened()
            trace.set_clicked()
        self.assertEqual(lead.lifecycle_stage, "handed_off")

    def test_leaving_nurture_another_way_ends_the_enrolment(self):
        with freeze_time(NOW):
            lead = self._recycled()
            enrolment = lead.nurture_enrolment_id
            lead.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        self.assertEqual(enrolment.state, "ended")
        self.assertTrue(
            any("left nurturing" in body for body in lead.message_ids.mapped("body"))
        )
        with freeze_time(NOW):
            other = self._recycled()
            other_enrolment = other.nurture_enrolment_id
            other.with_user(self.marketer).action_archive()
        self.assertEqual(other_enrolment.state, "ended")
        # the step job does not touch a lead that left nurture
        self.assertFalse(
            self.env["crm.nurture.enrolment"]
            ._due_enrolments(100)
            .filtered(lambda e: e.lead_id in (lead | other))
        )

    def test_scoreboard_counts_nurture_per_program(self):
        with freeze_time(NOW):
            back = self._recycled()
            waiting = self._recycled()
            back.with_user(self.marketer).write(self._ready_answers())
            trace = self._trace(back)
            trace.set_opened()
            trace.set_clicked()
        self.assertEqual(back.lifecycle_stage, "sales_ready")
        with freeze_time(NOW + timedelta(hours=2)):
            back.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
            back.with_user(self.salesman).action_accept()
            back.with_user(self.salesman).convert_opportunity(self.env["res.partner"])
            back.with_user(self.salesman).action_set_won()
        board = self.env["crm.alignment.dashboard"].create(
            {
                "period": "custom",
                "date_from": NOW.date() - timedelta(days=1),
                "date_to": NOW.date() + timedelta(days=1),
                "team_id": self.team.id,
            }
        )
        self.assertEqual(board.nurture_enrolled_count, 2)
        self.assertEqual(board.nurture_requalified_count, 1)
        (row,) = board.nurture_table["rows"]
        self.assertEqual(row[0], self.program.display_name)
        # enrolled, running, steps, opened, clicked, replied, back, accepted,
        # won, median days, cold
        self.assertEqual(row[1:4], [2, 1, 0])
        self.assertEqual(row[7:10], [1, 1, 1])
        self.assertEqual(row[11], 0)
        drill = board.action_drill_down("nurture_requalified")
        self.assertEqual(
            self.env[drill["res_model"]].search(drill["domain"]).lead_id, back
        )
        scope = board._scope()
        actuals = self.env["crm.alignment.scoreboard"]._goal_actuals(scope)
        self.assertEqual(actuals["requalified_leads"], 1)
        self.assertTrue(waiting.nurture_enrolment_id)


@tagged("post_install", "-at_install", "crm_alignment_nurture")
class TestAccountEngagement(EngagementCase):
    """Engagement rolled up on target accounts, and the marketing-qualified
    account rule both teams sign with the list."""

    def test_account_engagement_and_marketing_qualified_rule(self):
        Partner = self.env["res.partner"]
        acme = Partner.create({"name": "MQA Acme", "is_company": True})
        buyer = Partner.create({"name": "Ann Buyer", "parent_id": acme.id})
        chief = Partner.create({"name": "Carl Chief", "parent_id": acme.id})
        target_list = self.env["crm.target.account.list"].create(
            {
                "name": "MQA list",
                "mqa_engagement_from": 20,
                "mqa_roles_from": 2,
                "account_ids": [(0, 0, {"partner_id": acme.id})],
            }
        )
        account = target_list.account_ids
        ref = self.env.ref
        self.env["crm.target.account.contact"].create(
            [
                {
                    "account_id": account.id,
                    "partner_id": buyer.id,
                    "role_id": ref("crm_alignment.crm_buying_role_economic_buyer").id,
                },
                {
                    "account_id": account.id,
                    "partner_id": chief.id,
                    "role_id": ref("crm_alignment.crm_buying_role_decision_maker").id,
                },
            ]
        )
        # agreed by both managers: the leads of its companies are linked
        target_list._agree("sales", self.sales_manager)
        target_list._agree("marketing", self.marketing_manager)
        leads = self._lead(partner_id=buyer.id) | self._lead(partner_id=chief.id)
        self.assertEqual(leads.target_account_id, account)
        with freeze_time(NOW):
            first = self._trace(leads[0])
            first.set_opened()
            first.set_clicked()
        account.invalidate_recordset()
        self.assertEqual(account.lead_engagement, 28)
        self.assertEqual(
            account.engaged_role_ids,
            ref("crm_alignment.crm_buying_role_economic_buyer"),
        )
        self.assertFalse(account.is_marketing_qualified, "one role engaged of two")
        with freeze_time(NOW):
            self._trace(leads[1]).set_opened()
        account.invalidate_recordset()
        self.assertEqual(account.lead_engagement, 36)
        self.assertEqual(len(account.engaged_role_ids), 2)
        self.assertTrue(account.is_marketing_qualified)
        # computed as the reader: a salesperson who sees neither lead (own
        # leads only; a teammate holds them)
        leads.with_user(self.marketer).handoff_to_sales(user_id=self.teammate.id)
        as_seller = account.with_user(self.salesman)
        self.assertEqual(as_seller.lead_engagement, 0)
        self.assertFalse(as_seller.is_marketing_qualified)
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            target_list.mqa_roles_from = -1
