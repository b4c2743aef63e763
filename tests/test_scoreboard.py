import importlib.util
import re
from contextlib import nullcontext
from datetime import date, datetime
from pathlib import Path
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import date_utils

from ..models.lifecycle.crm_lead import LIFECYCLE_QUEUE_INDEX
from ..report.crm_alignment_pipeline_history import (
    HISTORY_WRITTEN_SETTING,
    PLANNED_PER_STATEMENT_FROM,
    history_keyed_sums,
)
from .common import (
    AlignmentCase,
    captured_queries,
    execute_kw,
    plans_with_one_lead_index,
    role_users,
)
from .test_sla import _calendar

MARCH = {"date_from": date(2024, 3, 1), "date_to": date(2024, 3, 31)}


@tagged("post_install", "-at_install", "crm_alignment_scoreboard")
class TestScoreboard(AlignmentCase):
    """A known March 2024 of team Inside Sales (office hours Mon-Fri 9-17 UTC,
    follow-up within 4 working hours), counted by hand:

    L1  sales-ready Mon 11:00, handed off 13:00, accepted 13:30, opportunity
        (1,000) Tue 10:00, won Wed 09:00
    L2  handed off Mon 10:00, accepted Tue 11:00 (9 working hours: late),
        recycled Tue 12:00, sales-ready and handed off again Wed 10:00,
        accepted 10:30, opportunity (2,000), open
    L3  handed off Mon 15:00, never followed up
    L4  nurtured only
    L5  handed off Mon 09:30, accepted 09:45, opportunity (3,000), lost on
        Tue, restored on Wed: open again
    L6  no team (created only)
    L7  another company
    L8  the salesperson's own opportunity (5,000), sourced by sales
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.office = _calendar(cls.env, "Scoreboard office", range(5), 9, 17)
        cls.team.resource_calendar_id = cls.office
        cls.company.resource_calendar_id = cls.office
        cls.policy = cls.env["crm.sla.policy"].create(
            {
                "name": "Scoreboard policy",
                "team_ids": [(6, 0, cls.team.ids)],
                "followup_hours": 4,
                "reminder_percent": 0,
                "calendar_id": cls.office.id,
            }
        )
        cls.reason = cls.env["crm.recycle.reason"].search(
            [("note_required", "=", False)], limit=1
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Co"})
        cls._build_march()
        cls.Scoreboard = cls.env["crm.alignment.scoreboard"]

    @classmethod
    def _lead(cls, name, **vals):
        return (
            cls.env["crm.lead"]
            .with_user(cls.marketer)
            .create(
                dict({"name": name, "type": "lead", "team_id": cls.team.id}, **vals)
            )
        )

    @classmethod
    def _build_march(cls):
        marketer, salesman = cls.marketer, cls.salesman
        with freeze_time("2024-03-04 09:00:00"):
            cls.l1, cls.l2, cls.l3, cls.l4, cls.l5 = (
                cls._lead(f"L{index}") for index in range(1, 6)
            )
            cls.l6 = cls._lead("L6", team_id=False)
            cls.l7 = (
                cls.env["crm.lead"]
                .sudo()
                .create({"name": "L7", "company_id": cls.other_company.id})
            )
            cls.l8 = (
                cls.env["crm.lead"]
                .with_user(salesman)
                .create(
                    {
                        "name": "L8",
                        "type": "opportunity",
                        "team_id": cls.team.id,
                        "user_id": salesman.id,
                        "expected_revenue": 5000,
                    }
                )
            )
            cls.l4.with_user(marketer).action_start_nurture()

        def at(when, lead, method, *args, user=None, **kwargs):
            with freeze_time(when):
                return getattr(lead.with_user(user or salesman), method)(
                    *args, **kwargs
                )

        at(
            "2024-03-04 09:30:00",
            cls.l5,
            "handoff_to_sales",
            user=marketer,
            user_id=salesman.id,
        )
        at("2024-03-04 09:45:00", cls.l5, "action_accept")
        at(
            "2024-03-04 10:00:00",
            cls.l2,
            "handoff_to_sales",
            user=marketer,
            user_id=salesman.id,
        )
        at("2024-03-04 11:00:00", cls.l1, "action_mark_sales_ready", user=marketer)
        at(
            "2024-03-04 13:00:00",
            cls.l1,
            "handoff_to_sales",
            user=marketer,
            user_id=salesman.id,
        )
        at("2024-03-04 13:30:00", cls.l1, "action_accept")
        at(
            "2024-03-04 15:00:00",
            cls.l3,
            "handoff_to_sales",
            user=marketer,
            user_id=salesman.id,
        )
        at("2024-03-04 16:00:00", cls.l5, "write", {"expected_revenue": 3000})
        at("2024-03-04 16:00:00", cls.l5, "convert_opportunity", cls.l5.partner_id)
        at("2024-03-05 10:00:00", cls.l1, "write", {"expected_revenue": 1000})
        at("2024-03-05 10:00:00", cls.l1, "convert_opportunity", cls.l1.partner_id)
        at("2024-03-05 11:00:00", cls.l2, "action_accept")
        at("2024-03-05 12:00:00", cls.l2, "recycle_to_nurture", cls.reason.id)
        at("2024-03-05 15:00:00", cls.l5, "action_set_lost")
        at("2024-03-06 09:00:00", cls.l1, "action_set_won")
        at("2024-03-06 09:00:00", cls.l2, "action_mark_sales_ready", user=marketer)
        at("2024-03-06 09:30:00", cls.l5, "toggle_active")
        at(
            "2024-03-06 10:00:00",
            cls.l2,
            "handoff_to_sales",
            user=marketer,
            user_id=salesman.id,
        )
        at("2024-03-06 10:30:00", cls.l2, "action_accept")
        at("2024-03-06 11:00:00", cls.l2, "write", {"expected_revenue": 2000})
        at("2024-03-06 11:00:00", cls.l2, "convert_opportunity", cls.l2.partner_id)
        with freeze_time("2024-03-06 12:00:00"):
            cls.env["crm.lead.sla"]._cron_check_deadlines()
        # the database stamps create_date with its own clock: date the cohort
        leads = cls.l1 | cls.l2 | cls.l3 | cls.l4 | cls.l5 | cls.l6 | cls.l7 | cls.l8
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE crm_lead SET create_date = '2024-03-04 09:00:00' WHERE id IN %s",
            [tuple(leads.ids)],
        )
        # ... and crm's conversion date too
        for lead, when in (
            (cls.l1, "2024-03-05 10:00:00"),
            (cls.l2, "2024-03-06 11:00:00"),
            (cls.l5, "2024-03-04 16:00:00"),
        ):
            cls.env.cr.execute(
                "UPDATE crm_lead SET date_conversion = %s WHERE id = %s",
                [when, lead.id],
            )
        leads.invalidate_recordset(["create_date", "date_conversion"])
        leads.with_context(active_test=False)._funnel_update_hours()

    def _scope(self, **kwargs):
        return (
            dict(MARCH, team_ids=self.team.ids, company_ids=self.company.ids) | kwargs
        )

    def _funnel_counts(self, funnel):
        return [step["count"] for step in funnel["steps"]]

    # ------------------------------------------------------------- funnel

    def test_funnel_counts_the_cohort_once_per_step(self):
        funnel = self.Scoreboard._funnel(self._scope())
        # created, sales-ready, handed off, accepted, opportunity, won
        self.assertEqual(self._funnel_counts(funnel), [6, 5, 5, 4, 4, 1])
        self.assertEqual(
            (funnel["recycled"], funnel["lost"], funnel["never_followed_up"]),
            (1, 0, 1),
            "L2 recycled once; L5 lost then restored is not lost; L3 never",
        )
        conversions = [step["conversion"] for step in funnel["steps"]]
        self.assertEqual(conversions, [100.0, 83.3, 100.0, 80.0, 100.0, 25.0])

    def test_funnel_median_working_time_between_steps(self):
        steps = {s["step"]: s for s in self.Scoreboard._funnel(self._scope())["steps"]}
        # sales-ready -> handed off: L1 2 h; L2, L3, L5 at once: 0 h -> 0
        self.assertEqual(steps["handed_off"]["median_hours"], 0.0)
        # hand-off -> accepted (first of each): L1 0.5, L5 0.25, L2 9 -> 0.5
        self.assertEqual(steps["accepted"]["median_hours"], 0.5)
        self.assertEqual(self.l2.hours_to_accept, 9.0, "Mon 10-17 + Tue 9-11")
        self.assertEqual(
            (self.l1.date_conversion, self.l1.date_closed, self.l1.hours_to_won),
            (datetime(2024, 3, 5, 10), datetime(2024, 3, 6, 9), 7.0),
        )
        # opportunity -> won: L1 Tue 10:00 -> Wed 09:00 = 7 working hours
        self.assertEqual(steps["won"]["median_hours"], 7.0)

    def test_a_lead_created_at_a_step_is_stamped_in_its_insert(self):
        """Sales' own lead starts Accepted: its journey dates and their times
        go in the INSERT, no UPDATE of the new row follows (each would leave
        a dead row version that every later write pays for)."""
        statements = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            statements.append(str(query))
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.env.cr), "execute", spy):
            lead = (
                self.env["crm.lead"]
                .with_user(self.salesman)
                .create({"name": "Sales' own", "type": "lead", "team_id": self.team.id})
            )
            self.env.flush_all()
        self.assertEqual(lead.lifecycle_stage, "accepted")
        self.assertTrue(lead.sales_ready_date)
        self.assertEqual(lead.accepted_date, lead.sales_ready_date)
        self.assertEqual(lead.hours_to_sales_ready, 0.0)
        self.assertFalse(lead.hours_to_accept, "it was never handed off")
        rewrites = [
            query
            for query in statements
            if re.search(r'UPDATE\s+"?crm_lead"?\s', query)
            and re.search(r"sales_ready_date|accepted_date|hours_to_", query)
        ]
        self.assertEqual(rewrites, [])

    def test_step_medians_match_postgresql(self):
        """The histogram medians are PostgreSQL's percentile_cont, exactly,
        on the demo's year of history too."""
        scope = self._scope(
            date_from=date(2000, 1, 1), date_to=date(2100, 1, 1), team_ids=None
        )
        steps = self.Scoreboard._funnel(scope)["steps"]
        for index, name in enumerate(
            (
                "hours_to_sales_ready",
                "hours_to_handoff",
                "hours_to_accept",
                "hours_to_opportunity",
                "hours_to_won",
            ),
            1,
        ):
            self.env.cr.execute(
                f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY {name})"
                " FROM crm_alignment_pipeline_report WHERE company_id = %s"
                " OR company_id IS NULL",
                [self.company.id],
            )
            expected = self.env.cr.fetchone()[0] or 0.0
            self.assertEqual(steps[index]["median_hours"], round(expected, 1), name)

    def test_working_hours_leave_out_public_holidays_as_odoo_counts_them(self):
        """PostgreSQL's working hours (the funnel's) equal Odoo's count with
        time off (the SLAs'): the calendar's holidays and those of every
        calendar are left out once even where they overlap, in the
        calendar's time zone; a person's time off and another calendar's
        holiday are not."""
        brussels = _calendar(self.env, "Brussels office", range(5), 9, 17)
        brussels.tz = "Europe/Brussels"
        other = _calendar(self.env, "Other office", range(5), 9, 17)
        person = self.env["resource.resource"].create(
            {"name": "On leave", "calendar_id": brussels.id}
        )
        Leave = self.env["resource.calendar.leaves"]
        for name, calendar, resource, start, end in (
            # Wednesday 13 March 2024, a whole local day, entered twice
            ("Holiday", brussels, None, (3, 12, 23), (3, 13, 23)),
            ("Holiday of every calendar", None, None, (3, 12, 23), (3, 13, 23)),
            # Thursday afternoon, 13:00-17:00 in Brussels
            ("Afternoon off", brussels, None, (3, 14, 12), (3, 14, 16)),
            ("Someone's day off", brussels, person, (3, 14, 23), (3, 15, 23)),
            ("Other office's holiday", other, None, (3, 11, 23), (3, 12, 23)),
        ):
            Leave.create(
                {
                    "name": name,
                    "calendar_id": calendar and calendar.id,
                    "resource_id": resource and resource.id,
                    "date_from": datetime(2024, *start),
                    "date_to": datetime(2024, *end),
                }
            )
        self.env.flush_all()

        def postgresql(start, end):
            self.env.cr.execute(
                "SELECT round(crm_alignment_working_hours(%s, %s, %s)::numeric, 2)",
                [brussels.id, start, end],
            )
            return float(self.env.cr.fetchone()[0])

        # Monday 9:00 to Friday 17:00 in Brussels (UTC+1): Mon 8, Tue 8,
        # Wed 0, Thu 4, Fri 8 (the person's day off is theirs)
        self.assertEqual(
            postgresql(datetime(2024, 3, 11, 8), datetime(2024, 3, 15, 16)), 28.0
        )
        for start, end in (
            (datetime(2024, 3, 11, 8), datetime(2024, 3, 15, 16)),
            (datetime(2024, 3, 13, 9), datetime(2024, 3, 13, 10)),
            (datetime(2024, 3, 14, 7), datetime(2024, 3, 14, 17)),
            (datetime(2024, 3, 12, 15, 30), datetime(2024, 3, 18, 8, 30)),
            (datetime(2024, 3, 8, 10), datetime(2024, 3, 20, 10, 15)),
        ):
            with self.subTest(start=start, end=end):
                self.assertEqual(
                    postgresql(start, end),
                    round(brussels.get_work_hours_count(start, end), 2),
                )

    def test_medians_can_be_read_from_the_covering_index_alone(self):
        """The medians scan reads only what the journey hours index holds,
        under its predicate, for each role and split. Which plan PostgreSQL
        prefers depends on the table's size, so it is asked with the other
        indexes on crm_lead dropped (in a savepoint, rolled back) and
        sequential and bitmap scans off: it answers by an index-only scan of
        that index (a column read outside the index, or a predicate that no
        longer implies the index's, and it cannot)."""
        queries = {}
        for user in (self.env.user, self.salesman, self.teammate):
            for group_by in (None, "T.team_id", "T.user_id", "T.campaign_id"):
                with captured_queries(self.env) as captured:
                    board = self.Scoreboard.with_user(user)
                    board._step_medians(board._cohort_domain(self._scope()), group_by)
                (query,) = [q for q in captured if "GROUPING SETS" in q.code]
                queries[user.login, group_by] = query
        plans = plans_with_one_lead_index(
            self.env, "crm_lead_alignment_journey_hours_index", queries.values()
        )
        for key, plan in zip(queries, plans, strict=True):
            self.assertIn(
                "Index Only Scan using crm_lead_alignment_journey_hours_index",
                plan,
                key,
            )

    def test_backfill_from_the_journey_log(self):
        """An upgrade from 18.0.1.1.0: journey dates come from the log."""
        leads = self.l1 | self.l2 | self.l3
        expected = [
            (lead.sales_ready_date, lead.first_handoff_date, lead.accepted_date)
            for lead in leads
        ]
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET sales_ready_date = NULL, first_handoff_date = NULL,"
            " accepted_date = NULL, hours_to_accept = NULL WHERE id IN %s",
            [tuple(leads.ids)],
        )
        leads.invalidate_recordset()
        migration = _load_migration("18.0.1.2.0")
        self.assertGreaterEqual(migration.backfill_journeys(self.env.cr), len(leads))
        leads.invalidate_recordset()
        # L1 was sales-ready before its hand-off: the log knows only the
        # hand-off, which is then its first sales-ready date too
        self.assertEqual(
            [(lead.first_handoff_date, lead.accepted_date) for lead in leads],
            [(first, accepted) for _ready, first, accepted in expected],
        )
        self.assertEqual(self.l1.sales_ready_date, self.l1.first_handoff_date)
        self.assertEqual(self.l2.hours_to_accept, 9.0)

    def test_upgrade_drops_the_lead_indexes_no_lookup_read(self):
        """An upgrade to 18.0.1.22.0: the indexes no lookup read go (Odoo
        keeps an index its field no longer asks for); installs have none."""
        migration = _load_migration("18.0.1.22.0")
        cr = self.env.cr
        present = (
            "SELECT indexname FROM pg_indexes"
            " WHERE tablename = 'crm_lead' AND indexname IN %s ORDER BY indexname"
        )
        cr.execute(present, [migration.UNUSED_INDEXES])
        self.assertEqual(cr.fetchall(), [])
        for column in ("sales_ready_date", "first_handoff_date"):
            cr.execute(
                f"CREATE INDEX crm_lead__{column}_index ON crm_lead ({column})"
                f" WHERE {column} IS NOT NULL"
            )
        cr.execute(
            "CREATE INDEX crm_lead__lifecycle_stage_index ON crm_lead (lifecycle_stage)"
        )
        cr.execute(present, [migration.UNUSED_INDEXES])
        self.assertEqual(len(cr.fetchall()), 3)
        migration.migrate(cr, "18.0.1.21.2")
        cr.execute(present, [migration.UNUSED_INDEXES])
        self.assertEqual(cr.fetchall(), [])
        # the index of the queue stages, made by the model's init, stays
        cr.execute("SELECT to_regclass(%s)", [LIFECYCLE_QUEUE_INDEX])
        self.assertTrue(cr.fetchone()[0])

    def test_funnel_without_team_and_per_company(self):
        everyone = self.Scoreboard._funnel(self._scope(team_ids=None))
        self.assertEqual(everyone["steps"][0]["count"], 7, "L6 has no team")
        both = self.Scoreboard._funnel(
            self._scope(
                team_ids=None, company_ids=(self.company | self.other_company).ids
            )
        )
        self.assertEqual(both["steps"][0]["count"], 8, "L7 in the other company")
        april = self.Scoreboard._funnel(
            self._scope(date_from=date(2024, 4, 1), date_to=date(2024, 4, 30))
        )
        self.assertEqual(self._funnel_counts(april), [0] * 6)

    def test_funnel_by_source_and_salesperson(self):
        self.l1.source_id = self.env.ref("utm.utm_source_newsletter")
        self.env.flush_all()
        rows = dict(self.Scoreboard._funnel(self._scope(), group_by="T.source_id"))
        newsletter = rows[self.env.ref("utm.utm_source_newsletter").id]
        self.assertEqual(self._funnel_counts(newsletter), [1, 1, 1, 1, 1, 1])
        self.assertEqual(self._funnel_counts(rows[None]), [5, 4, 4, 3, 3, 0])

    # ------------------------------------------------------- sourced share

    def test_marketing_sourced_share(self):
        share = self.Scoreboard._sourced_share(self._scope())
        # open pipeline: L2 2,000 + L5 3,000 (marketing) + L8 5,000 (sales)
        self.assertEqual(share["pipeline"], 10000)
        self.assertEqual(share["sourced_pipeline"], 5000)
        self.assertEqual(share["pipeline_share"], 50.0)
        self.assertEqual((share["won_revenue"], share["won_share"]), (1000, 100.0))
        weighted = sum((self.l2 | self.l5 | self.l8).mapped("prorated_revenue"))
        self.assertAlmostEqual(share["weighted_pipeline"], weighted)

    # ------------------------------------------------------- speed to lead

    def test_speed_to_lead_buckets_and_percentiles(self):
        speed = self.Scoreboard._speed_to_lead(self._scope())
        # SLAs: L5 0.25 h, L1 0.5 h, L2 9 h then 0.5 h, L3 never
        self.assertEqual(
            [
                speed[key]
                for key in ("handoffs", "within_1h", "1_24h", "over_24h", "never")
            ],
            [5, 3, 1, 0, 1],
        )
        self.assertEqual((speed["p50"], speed["p90"]), (0.5, 6.5))
        self.assertEqual(speed["within_sla"], 60.0, "3 of 5 on time")
        by_user = dict(
            self.Scoreboard._speed_to_lead(self._scope(), group_by="T.user_id")
        )
        self.assertEqual(by_user[self.salesman.id]["handoffs"], 5)

    def test_chart_trends_by_week_and_month_drill_to_what_they_count(self):
        Dashboard = self.env["crm.alignment.dashboard"]
        data = Dashboard.get_chart_data("2024-03-01", "2024-03-31", self.team.id)
        # every hand-off of March was on the week of Monday 4 (3 of 5 on time)
        self.assertEqual(
            [
                (week["label"], week["handoffs"], week["within_sla"])
                for week in data["weekly"]
            ],
            [("2024-03-04", 5, 60.0)],
        )
        week = data["weekly"][0]
        action = Dashboard.action_chart_drill(
            "handoffs", week["date_from"], week["date_to"], self.team.id
        )
        rows = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(len(rows), week["handoffs"], "the week opens its hand-offs")
        # the cohort's open pipeline, one month: 5,000 of 10,000 from marketing
        self.assertEqual(
            [
                (month["label"], month["pipeline"], month["share"])
                for month in data["monthly_share"]
            ],
            [("2024-03", 10000.0, 50.0)],
        )
        month = data["monthly_share"][0]
        action = Dashboard.action_chart_drill(
            "sourced_pipeline", month["date_from"], month["date_to"], self.team.id
        )
        self.assertEqual(
            sum(
                self.env["crm.lead"].search(action["domain"]).mapped("expected_revenue")
            ),
            month["sourced_pipeline"],
        )
        # a period that starts mid-week: the week's drill stays in the period
        data = Dashboard.get_chart_data("2024-03-05", "2024-03-31", self.team.id)
        self.assertEqual(data["weekly"][0]["date_from"], "2024-03-05")
        self.assertIsNone(data["sla_target"], "no agreed SLA goal in March 2024")

    def test_speed_bucket_lists_the_handoffs_it_counts(self):
        """A lead handed off twice and followed up within the hour both times
        counts twice in "within 1 hour", and its list shows both hand-offs;
        a hand-off to the team is credited to the member who took it."""
        marketer, teammate = self.marketer, self.teammate
        with freeze_time("2024-04-01 09:00:00"):
            lead = self._lead("Twice")
        steps = (
            ("2024-04-01 09:30", marketer, "action_mark_sales_ready", (), {}),
            ("2024-04-01 10:00", marketer, "handoff_to_sales", (), {}),
            ("2024-04-01 10:30", teammate, "action_accept", (), {}),
            ("2024-04-01 11:00", teammate, "recycle_to_nurture", (self.reason.id,), {}),
            ("2024-04-02 09:00", marketer, "action_mark_sales_ready", (), {}),
            (
                "2024-04-02 10:00",
                marketer,
                "handoff_to_sales",
                (),
                {"user_id": self.salesman.id},
            ),
            ("2024-04-02 10:20", self.salesman, "action_accept", (), {}),
        )
        for when, user, method, args, kwargs in steps:
            with freeze_time(f"{when}:00"):
                getattr(lead.with_user(user), method)(*args, **kwargs)
        april = {"date_from": date(2024, 4, 1), "date_to": date(2024, 4, 30)}
        speed = self.Scoreboard._speed_to_lead(self._scope(**april))
        self.assertEqual((speed["handoffs"], speed["within_1h"]), (2, 2))
        board = self.env["crm.alignment.dashboard"].create(
            dict(
                period="custom",
                team_id=self.team.id,
                **{key: str(value) for key, value in april.items()},
            )
        )
        self.assertEqual(board.speed_within_1h, 2)
        action = board.action_drill_down("within_1h")
        rows = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(len(rows), 2, "one row per hand-off, as counted")
        self.assertEqual(rows.lead_id, lead)
        self.assertEqual(
            rows.mapped("user_id"),
            self.salesman | teammate,
            "the team hand-off goes to the member who took it",
        )
        by_user = dict(
            self.Scoreboard._speed_to_lead(self._scope(**april), group_by="T.user_id")
        )
        self.assertEqual(by_user[teammate.id]["within_1h"], 1)
        self.assertNotIn(False, by_user, "no hand-off left to 'No salesperson'")

    # --------------------------------------------------------------- goals

    def _goal(self, lines, **vals):
        return (
            self.env["crm.alignment.goal"]
            .with_user(self.sales_manager)
            .create(
                dict(
                    {
                        "team_id": self.team.id,
                        "period": "month",
                        "date_start": "2024-03-01",
                        "marketing_owner_id": self.marketing_manager.id,
                        "sales_owner_id": self.sales_manager.id,
                        "line_ids": [(0, 0, {"kpi": k, "target": t}) for k, t in lines],
                    },
                    **vals,
                )
            )
        )

    def test_goal_progress_is_live_with_quality_beside_quantity(self):
        goal = self._goal(
            [
                ("sales_ready_delivered", 5),
                ("acceptance_rate", 75),
                ("median_followup_hours", 1),
                ("sourced_share", 40),
                ("sourced_won_revenue", 2000),
            ]
        )
        line = {line.kpi: line for line in goal.line_ids}
        delivered = line["sales_ready_delivered"]
        # L1, L2 (twice: once), L3, L5
        self.assertEqual(
            (delivered.actual, delivered.progress, delivered.is_met), (4, 80.0, False)
        )
        self.assertEqual(
            (
                delivered.quality_acceptance_rate,
                delivered.quality_recycle_rate,
                delivered.quality_won_rate,
            ),
            (75.0, 25.0, 25.0),
        )
        self.assertEqual(
            (line["acceptance_rate"].actual, line["acceptance_rate"].is_met),
            (80.0, True),
        )
        self.assertEqual(line["median_followup_hours"].actual, 0.5)
        self.assertTrue(line["median_followup_hours"].is_met, "lower is better")
        self.assertEqual(line["median_followup_hours"].progress, 200.0)
        self.assertEqual(line["sourced_share"].actual, 50.0)
        self.assertEqual(line["sourced_won_revenue"].progress, 50.0)
        self.assertFalse(line["acceptance_rate"].has_quality)
        self.assertEqual(goal.short_count, 2)

    def test_goal_needs_both_managers_then_locks(self):
        goal = self._goal([("sales_ready_delivered", 5)])
        with self.assertRaises(AccessError):
            goal.with_user(self.marketer).action_agree_marketing()
        goal.with_user(self.sales_manager).action_agree_sales()
        with self.assertRaisesRegex(UserError, "already signed off"):
            goal.with_user(self.sales_manager).action_agree_sales()
        self.assertEqual(goal.state, "draft")
        goal.with_user(self.marketing_manager).action_agree_marketing()
        self.assertEqual(goal.state, "agreed")
        with self.assertRaisesRegex(UserError, "reopen it"):
            goal.line_ids.with_user(self.sales_manager).target = 1
        with self.assertRaisesRegex(UserError, "reopen it"):
            goal.with_user(self.marketing_manager).write({"date_start": "2024-04-01"})
        goal.with_user(self.sales_manager).action_reopen()
        self.assertEqual((goal.state, goal.sales_agreed_user_id.id), ("draft", False))
        goal.line_ids.with_user(self.sales_manager).target = 4
        self.assertTrue(goal.line_ids.is_met)

    def _refused(self, error, text, function, *args, **kwargs):
        """Refused with a clear message, and nothing left half-written
        (assertRaises rolls back to a savepoint; assertRaisesRegex does not)."""
        goals = self.env["crm.alignment.goal"].search_count([])
        with self.assertRaises(error) as caught:
            function(*args, **kwargs)
        self.assertIn(text, str(caught.exception))
        self.assertEqual(self.env["crm.alignment.goal"].search_count([]), goals)

    def test_goal_bad_input(self):
        self._refused(
            ValidationError, "first day", self._goal, [], date_start="2024-03-07"
        )
        self._refused(
            ValidationError, "negative", self._goal, [("sales_ready_delivered", -1)]
        )
        self._refused(
            ValidationError, "at most 100", self._goal, [("acceptance_rate", 120)]
        )
        self._goal([("sales_ready_delivered", 3)])
        self._refused(
            ValidationError,
            "one agreement per team and period",
            self._goal,
            [("acceptance_rate", 50)],
        )
        empty = self._goal([], date_start="2024-05-01")
        self._refused(
            UserError,
            "Add targets",
            empty.with_user(self.sales_manager).action_agree_sales,
        )
        self.assertFalse(empty.sales_agreed_user_id)
        self._refused(
            AccessError,
            "Only sales and marketing managers",
            self.env["crm.alignment.goal"].with_user(self.salesman).create,
            {"date_start": "2024-06-01", "marketing_owner_id": self.marketer.id},
        )

    def test_delivery_goal_reads_the_agreed_delivery_target(self):
        """Marketing's side of the agreement (what the retired scorecard
        showed): sales-ready leads delivered against the agreed target."""
        goal = self._goal([("sales_ready_delivered", 6)])
        goal.with_user(self.sales_manager).action_agree_sales()
        goal.with_user(self.marketing_manager).action_agree_marketing()
        self.env.flush_all()
        line = goal.line_ids
        self.assertEqual((line.actual, line.target, line.is_met), (4, 6, False))
        self.assertNotIn("marketing_target_count", self.env["crm.sla.policy"]._fields)
        self.assertNotIn("crm.sla.marketing.scorecard", self.env, "retired")

    # ------------------------------------------------------------- roles

    def test_salesperson_sees_only_what_the_rules_allow(self):
        scope = self._scope()
        as_teammate = self.Scoreboard.with_user(self.teammate)
        # own or unassigned: L4 only (the rest are Sam's)
        self.assertEqual(as_teammate._funnel(scope)["steps"][0]["count"], 1)
        self.assertEqual(as_teammate._speed_to_lead(scope)["handoffs"], 0)
        as_salesman = self.Scoreboard.with_user(self.salesman)
        self.assertEqual(as_salesman._funnel(scope)["steps"][0]["count"], 6)
        board = (
            self.env["crm.alignment.dashboard"]
            .with_user(self.teammate)
            .create(
                {"period": "custom", "date_from": "2024-03-01", "date_to": "2024-03-31"}
            )
        )
        self.assertEqual(board.created_count, 2, "L4 and L6 (no team, unassigned)")
        action = board.action_drill_down("created")
        leads = (
            self.env["crm.lead"]
            .with_user(self.teammate)
            .with_context(active_test=False)
            .search(action["domain"])
        )
        self.assertEqual(leads, self.l4 | self.l6)
        with self.assertRaises(AccessError):
            self.env["crm.alignment.dashboard"].with_user(
                self.env.ref("base.public_user")
            ).create({"period": "this_month"})

    # ---------------------------------------------- pre-aggregated history

    def assertHistoryIsLive(self, msg=None):
        history = history_keyed_sums(self.env, "crm.alignment.pipeline.history")
        self.assertTrue(history)
        self.assertEqual(
            history, history_keyed_sums(self.env, "crm.alignment.pipeline.report"), msg
        )

    def _figures(self, user, scope, live):
        """What the scoreboard reads of the funnel's sums, as ``user``, from
        the history or (``live``) from the report's scan."""
        Scoreboard = self.Scoreboard.with_user(user)
        reader = type(Scoreboard)._pipeline

        def report(self, domain):
            model, domain = reader(self, domain)
            if model == "crm.alignment.pipeline.history":
                return "crm.alignment.pipeline.report", domain
            return model, domain

        with (
            patch.object(type(Scoreboard), "_pipeline", report)
            if live
            else nullcontext()
        ):
            board = self.env["crm.alignment.dashboard"].with_user(user)
            return {
                "sets": Scoreboard._funnel(
                    scope, group_by=("T.source_id", "T.team_id", "T.user_id")
                ),
                "by_campaign": Scoreboard._funnel(scope, group_by="T.campaign_id"),
                "share": Scoreboard._sourced_share(scope),
                "trend": Scoreboard._share_trend(scope),
                "goal": Scoreboard._goal_actuals(scope),
                "sources": board._sources_table(
                    scope, Scoreboard._funnel(scope, group_by=("T.source_id",))
                ),
                "campaigns": board._campaigns_table(scope),
            }

    def test_history_reads_what_the_live_scan_reads_for_each_role(self):
        """Every figure read from the pre-aggregated history equals the live
        scan under the reader's record rules, for each role, with leads
        without team (L6) or in another company (L7), and after changes
        made by the ORM, by SQL, by the SLA job and by deletions."""
        campaign = self.env["utm.campaign"].create({"name": "History campaign"})
        newsletter = self.env.ref("utm.utm_source_newsletter")
        self.l1.write({"source_id": newsletter.id, "campaign_id": campaign.id})
        self.l8.write({"source_id": newsletter.id})
        multi = self.env["res.users"].create(
            {
                "name": "Two companies",
                "login": "history_two_companies",
                "groups_id": [
                    (6, 0, self.env.ref("sales_team.group_sale_salesman_all_leads").ids)
                ],
                "company_id": self.company.id,
                "company_ids": [(6, 0, (self.company | self.other_company).ids)],
            }
        )
        users = (
            self.env.user,
            self.salesman,
            self.teammate,
            self.other_salesman,
            self.sales_manager,
            self.marketer,
            self.marketing_manager,
            multi,
        )
        scopes = (
            self._scope(),
            self._scope(team_ids=None),
            self._scope(
                team_ids=None, company_ids=(self.company | self.other_company).ids
            ),
            self._scope(date_from=date(2024, 3, 4), date_to=date(2024, 3, 4)),
            self._scope(
                date_from=date(2024, 3, 5), date_to=date(2024, 3, 6), team_ids=None
            ),
        )

        def compare(when):
            self.assertHistoryIsLive(when)
            seen = 0
            for user in users:
                self.assertEqual(
                    self.Scoreboard.with_user(user)._pipeline([])[0],
                    "crm.alignment.pipeline.history",
                    f"{user.name}: crm's rules",
                )
                for scope in scopes:
                    history = self._figures(user, scope, live=False)
                    live = self._figures(user, scope, live=True)
                    self.assertEqual(history, live, f"{when}: {user.name}, {scope}")
                    seen += history["sets"][None]["steps"][0]["count"]
            self.assertGreater(seen, 0)

        compare("as built")
        with freeze_time("2024-03-07 10:00:00"):
            self.l2.with_user(self.salesman).action_set_won()
            self.l8.with_user(self.salesman).action_set_lost()
            self.l6.write({"team_id": self.team.id})
            self.l3.with_user(self.salesman).write({"expected_revenue": 700})
        compare("won, lost, moved to a team")
        # the SLA job failed L3's SLA as built; an answer, however late
        self.assertEqual(self.l3.sla_id.state, "failed")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead_sla SET reached_date = now() WHERE id = %s",
            [self.l3.sla_id.id],
        )
        compare("a failed SLA answered late")
        self.env.cr.execute(
            "UPDATE crm_lead SET user_id = NULL, create_date = '2024-03-05 08:00:00'"
            " WHERE id = %s",
            [self.l5.id],
        )
        self.l5.invalidate_recordset()
        compare("written in SQL")
        (self.l3 | self.l4).sudo().unlink()
        compare("deleted")
        history = self.env["crm.alignment.pipeline.history"].sudo()
        self.assertTrue(history.search_count([("compacted", "=", False)]))
        history._compact()
        self.assertFalse(history.search_count([("compacted", "=", False)]))
        compare("folded")
        before = history_keyed_sums(self.env, "crm.alignment.pipeline.history")
        history._rebuild()
        self.assertEqual(
            history_keyed_sums(self.env, "crm.alignment.pipeline.history"), before
        )

    def test_history_keeps_up_with_statements_of_many_leads(self):
        """The ORM's statements (up to its batch of 100 leads) keep the
        triggers' cached plan; larger ones (SQL, a bulk import) are planned
        for their size. Either way the history stays live: leads created and
        handed off by the ORM, then more leads than the ORM's batch inserted,
        updated and deleted in one SQL statement each."""
        count = PLANNED_PER_STATEMENT_FROM + 20
        newsletter = self.env.ref("utm.utm_source_newsletter")
        leads = self.create_marketing_leads(
            count, source_id=newsletter.id, expected_revenue=100.0
        )
        self.assertHistoryIsLive("created by the ORM")
        leads[:30].write({"team_id": self.other_team.id})
        leads.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        self.assertEqual(set(leads.mapped("lifecycle_stage")), {"handed_off"})
        self.assertHistoryIsLive("handed off by the ORM")
        self.env.flush_all()
        self.env.cr.execute(
            """INSERT INTO crm_lead (name, type, active, probability, team_id,
                                     user_id, company_id, source_id,
                                     expected_revenue, lifecycle_stage,
                                     sourced_by, create_date, write_date)
               SELECT 'Imported lead ' || n, 'opportunity', TRUE, 10, %s, %s,
                      %s, %s, 1000, 'accepted', 'marketing',
                      now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                 FROM generate_series(1, %s) n
            RETURNING id""",
            [
                self.team.id,
                self.salesman.id,
                self.env.company.id,
                newsletter.id,
                count,
            ],
        )
        imported = self.env["crm.lead"].browse(row[0] for row in self.env.cr.fetchall())
        self.assertHistoryIsLive("inserted in one SQL statement")
        self.env.cr.execute(
            """UPDATE crm_lead
                  SET lifecycle_stage = 'accepted', probability = 100,
                      expected_revenue = expected_revenue + 50,
                      accepted_date = now() AT TIME ZONE 'UTC'
                WHERE id = ANY(%s)""",
            [leads.ids + imported.ids],
        )
        self.env.invalidate_all()
        self.assertHistoryIsLive("updated in one SQL statement")
        (leads | imported).sudo().unlink()
        self.assertHistoryIsLive("deleted")

    def test_history_checks_only_statements_naming_what_it_counts(self):
        """A statement naming none of the columns the history counts (a
        priority) leaves its update trigger nothing to compare; one naming
        some is compared and counted, also after the other in the same
        transaction, and while a statement of its triggers names none."""
        self.env.cr.execute(
            """SELECT a.attname FROM pg_trigger t
                 JOIN pg_attribute a
                   ON a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr)
                WHERE t.tgname = 'crm_alignment_history_mark'"""
        )
        watched = {row[0] for row in self.env.cr.fetchall()}
        History = self.env["crm.alignment.pipeline.history"]
        self.assertEqual(watched, set(History._lead_columns()) - {"id"})

        def columns_written():
            self.env.cr.execute(
                # the ORM's statements' triggers run at depth 1
                "SELECT current_setting(%s, true)",
                [f"{HISTORY_WRITTEN_SETTING}1"],
            )
            return self.env.cr.fetchone()[0]

        # the source is one of the history's keys: a lead that changes it
        # moves its counts from one row to another
        fair, webinar, referral = self.env["utm.source"].create(
            [{"name": "Fair"}, {"name": "Webinar"}, {"name": "Referral"}]
        )
        leads = self.create_marketing_leads(3, source_id=fair.id)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT set_config(%s, '', true)", [f"{HISTORY_WRITTEN_SETTING}1"]
        )
        leads.write({"priority": "3"})
        self.env.flush_all()
        self.assertEqual(columns_written(), "", "no counted column named")
        self.assertHistoryIsLive("a priority written")
        leads.write({"priority": "1", "source_id": webinar.id})
        self.env.flush_all()
        self.assertEqual(columns_written(), "off", "named, then compared")
        self.assertHistoryIsLive("a source written with a priority")
        self.env.cr.execute(
            "UPDATE crm_lead SET description = 'x' WHERE id = ANY(%s)", [leads.ids]
        )
        leads[0].write({"source_id": referral.id})
        self.env.flush_all()
        self.assertHistoryIsLive("a source written after a statement naming none")
        # a statement run by a trigger of another (naming none of the
        # columns) keeps a mark of its own: the outer one is still counted
        self.env.cr.execute(
            """CREATE FUNCTION pg_temp.touch_another_lead() RETURNS trigger
               LANGUAGE plpgsql AS $$ BEGIN
                   UPDATE crm_lead SET description = 'touched' WHERE id = %s;
                   RETURN NEW;
               END $$;
               CREATE TRIGGER crm_alignment_test_nested
               BEFORE UPDATE OF source_id ON crm_lead FOR EACH ROW
               EXECUTE FUNCTION pg_temp.touch_another_lead()""",
            [leads[1].id],
        )
        leads[0].write({"source_id": fair.id})
        self.env.flush_all()
        self.env.cr.execute("DROP TRIGGER crm_alignment_test_nested ON crm_lead")
        self.env.cr.execute(
            "SELECT description FROM crm_lead WHERE id = %s", [leads[1].id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], "touched", "the inner one ran")
        self.env.invalidate_all()
        self.assertHistoryIsLive("a source written, another lead touched inside")

    def test_history_is_rebuilt_when_what_a_lead_counts_for_changes(self):
        """An upgrade that changes the report's rows (another definition)
        rebuilds the history from the leads; the same one keeps it."""
        History = self.env["crm.alignment.pipeline.history"].sudo()
        self.env.flush_all()
        self.env.cr.execute(
            "INSERT INTO crm_alignment_pipeline_history (compacted, created_count)"
            " VALUES (FALSE, 5)"
        )
        History.init()
        self.assertNotEqual(
            history_keyed_sums(self.env, "crm.alignment.pipeline.history"),
            history_keyed_sums(self.env, "crm.alignment.pipeline.report"),
            "same definition: kept as it is",
        )
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_alignment.pipeline_history_definition", "an earlier one"
        )
        History.init()
        self.assertHistoryIsLive("rebuilt")
        self.assertEqual(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("crm_alignment.pipeline_history_definition"),
            History._definition(),
        )

    def test_a_user_whose_lead_rules_are_not_crms_gets_the_live_scan(self):
        """A rule an administrator added (or changed) on leads is not in the
        history: those users' figures come from the leads they may read."""
        Scoreboard = self.Scoreboard.with_user(self.salesman)
        scope = self._scope(team_ids=None)
        self.assertEqual(Scoreboard._funnel(scope)["steps"][0]["count"], 7)
        rule = self.env["ir.rule"].create(
            {
                "name": "Leads with a team only",
                "model_id": self.env.ref("crm.model_crm_lead").id,
                "domain_force": "[('team_id', '!=', False)]",
            }
        )
        self.assertEqual(Scoreboard._pipeline([])[0], "crm.alignment.pipeline.report")
        # L6 has no team
        self.assertEqual(Scoreboard._funnel(scope)["steps"][0]["count"], 6)
        self.assertEqual(Scoreboard._sourced_share(scope)["pipeline"], 10000)
        rule.unlink()
        self.assertEqual(Scoreboard._pipeline([])[0], "crm.alignment.pipeline.history")
        personal = self.env.ref("crm.crm_rule_personal_lead")
        personal.domain_force = "[('user_id', '=', user.id)]"
        self.assertEqual(Scoreboard._pipeline([])[0], "crm.alignment.pipeline.report")
        # L4 and L6 are nobody's
        self.assertEqual(Scoreboard._funnel(scope)["steps"][0]["count"], 5)

    def test_nobody_writes_the_history(self):
        History = self.env["crm.alignment.pipeline.history"]
        row = History.sudo().search([], limit=1)
        self.assertTrue(row)
        for user in (
            self.salesman,
            self.marketer,
            self.sales_manager,
            self.marketing_manager,
        ):
            with self.assertRaises(AccessError):
                History.with_user(user).create({"created_count": 1000})
            with self.assertRaises(AccessError):
                row.with_user(user).write({"created_count": 1000})
            with self.assertRaises(AccessError):
                row.with_user(user).unlink()

    # ------------------------------------------------------- dashboard

    def test_dashboard_figures_match_their_drill_down(self):
        self.l1.source_id = self.env.ref("utm.utm_source_newsletter")
        board = self.env["crm.alignment.dashboard"].create(
            {
                "period": "custom",
                "date_from": "2024-03-01",
                "date_to": "2024-03-31",
                "team_id": self.team.id,
            }
        )
        Lead = self.env["crm.lead"].with_context(active_test=False)
        for figure, count in (
            ("created", 6),
            ("sales_ready", 5),
            ("handed_off", 5),
            ("accepted", 4),
            ("opportunity", 4),
            ("won", 1),
            ("recycled", 1),
            ("lost", 0),
            ("never_followed_up", 1),
            ("within_1h", 3),
            ("never", 1),
            ("pipeline", 3),
            ("sourced_pipeline", 2),
            ("sourced_won", 1),
        ):
            field = {
                "within_1h": "speed_within_1h",
                "never": "speed_never",
                "pipeline": None,
                "sourced_pipeline": None,
                "sourced_won": None,
            }.get(figure, f"{figure}_count")
            if field:
                self.assertEqual(board[field], count, figure)
            action = board.action_drill_down(figure)
            records = self.env[action["res_model"]].with_context(active_test=False)
            self.assertEqual(records.search_count(action["domain"]), count, figure)
        self.assertEqual(board.breach_count, 2, "L2's late follow-up and L3")
        self.assertEqual(board.content_won_count, 0)
        brochure = (
            self.env["crm.marketing.content"]
            .with_user(self.marketer)
            .create({"name": "Scoreboard brochure"})
        )
        self.env["crm.marketing.content.share"].sudo()._alignment_guarded_create(
            [{"content_id": brochure.id, "lead_id": self.l1.id}]
        )
        board.invalidate_recordset()
        self.assertEqual(board.content_won_count, 1, "L1 won with content")
        action = board.action_drill_down("content_won")
        self.assertEqual(Lead.search(action["domain"]), self.l1)
        self.assertEqual(board.recycle_count, 1)
        self.assertEqual(board.share_band, "best_in_class")
        # sources that pay: won 1,000; nothing open; 1 sales-ready, accepted
        self.assertIn(
            ["Newsletter", 1000.0, 0.0, 1, 100.0, 0.0], board.sources_table["rows"]
        )
        self.assertEqual(
            [column["type"] for column in board.sources_table["columns"]][:3],
            ["char", "monetary", "monetary"],
            "revenue is shown in the company currency",
        )
        # the funnel split by salesperson: Sam's five and L4 (unassigned)
        board.funnel_group_by = "user_id"
        rows = {row[0]: row for row in board.funnel_group_table["rows"]}
        self.assertEqual(
            rows[self.salesman.name][:7],
            [self.salesman.name, 5, "5 (100 %)", "5 (100 %)", "4 (80 %)"]
            + ["4 (100 %)", "1 (25 %)"],
        )
        self.assertEqual(rows["None"][:3], ["None", 1, "0 (0 %)"])
        # the funnel's rates and times, as fields an API client reads
        self.assertEqual(
            (
                board.sales_ready_conversion,
                board.won_conversion,
                board.accepted_median_hours,
            ),
            (83.3, 25.0, 0.5),
        )
        # speed per team and per salesperson, from the same scan
        rows = {row[0]: row for row in board.speed_team_table["rows"]}
        self.assertEqual(rows[self.team.name][1:3], [5, 3])
        rows = {row[0]: row for row in board.speed_table["rows"]}
        self.assertEqual(rows[self.salesman.name][1], 5)
        self.assertIn(
            "L2",
            self.env["crm.lead.handoff"]
            .search(board.action_drill_down("recycles")["domain"])
            .lead_id.name,
        )
        with self.assertRaisesRegex(UserError, "no figure"):
            board.action_drill_down("salary")
        with self.assertRaisesRegex(UserError, "Choose a figure"):
            board.action_drill_down(42)

    def test_sources_and_campaigns_tied_are_listed_by_name(self):
        """Two sources or campaigns with the same figures come in name order,
        whatever order their groups were read in (the history and the live
        scan read them in different orders; the table is the same at each
        refresh)."""
        board = self.env["crm.alignment.dashboard"].new({})
        scope = self._scope()
        sources = self.env["utm.source"].create(
            [{"name": "Tie Beta"}, {"name": "Tie Alpha"}]
        )
        figures = {
            "steps": [{"count": count} for count in (2, 1, 1, 1, 0, 0)],
            "recycled": 0,
            "pipeline": [0.0, 0.0, 500.0, 0.0],
        }
        tables = [
            board._sources_table(scope, {(0, source.id): figures for source in order})
            for order in (sources, sources[::-1])
        ]
        self.assertEqual(tables[0], tables[1])
        names = [row[0] for row in tables[0]["rows"] if row[0].startswith("Tie")]
        self.assertEqual(names, ["Tie Alpha", "Tie Beta"])
        campaigns = self.env["utm.campaign"].create(
            [{"name": "Tie campaign B"}, {"name": "Tie campaign A"}]
        )
        tables = []
        for order in (campaigns, campaigns[::-1]):

            def groups(scoreboard, domain, groupby, aggregates, order=order):
                # one sales-ready lead each, nothing won: a tie
                if aggregates == ["sales_ready_count:sum"]:
                    return [(campaign, 1) for campaign in order]
                return []

            with patch.object(type(self.Scoreboard), "_pipeline_groups", groups):
                tables.append(board._campaigns_table(scope))
        self.assertEqual(tables[0], tables[1])
        names = [row[0] for row in tables[0]["rows"]]
        self.assertEqual(names, ["Tie campaign A", "Tie campaign B"])

    def test_weekly_review_and_digest(self):
        goal = self._goal([("sales_ready_delivered", 6)], date_start="2024-03-01")
        goal.with_user(self.sales_manager).action_agree_sales()
        goal.with_user(self.marketing_manager).action_agree_marketing()
        self.team.marketing_user_id = self.marketing_manager
        with freeze_time("2024-03-08 08:00:00"):
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html("crm_alignment.report_weekly_review", self.team.ids)[
                    0
                ]
                .decode()
            )
            self.assertIn("Sales-ready leads delivered", html, "short of target")
            self.assertIn("L3", html, "SLA exception")
            self.assertIn(self.reason.name, html, "recycle reason")
            sent = self.env["crm.team"]._cron_send_alignment_review()
        self.assertGreaterEqual(sent, 1)
        message = self.team.message_ids[:1]
        self.assertEqual(
            message.partner_ids,
            (self.sales_manager | self.marketing_manager).partner_id,
        )
        self.assertEqual(len(message.attachment_ids), 1)
        digest = self.env["digest.digest"].create(
            {"name": "Alignment", "company_id": self.company.id}
        )
        digest = digest.with_context(
            start_datetime=datetime(2024, 3, 1), end_datetime=datetime(2024, 3, 7)
        )
        self.assertEqual(digest.kpi_alignment_handoffs_value, 5)
        self.assertEqual(digest.kpi_alignment_within_sla_value, 60.0)
        self.assertEqual(
            digest.kpi_alignment_sales_ready_goal_value, round(100 * 4 / 6, 1)
        )
        self.assertEqual(digest.kpi_alignment_sourced_pipeline_value, 5000)

    def test_scores_and_rates_average_in_group_rows(self):
        for model in (
            "crm.lead",
            "crm.alignment.pipeline.report",
            "crm.alignment.speed.report",
            "crm.lead.handoff",
            "crm.alignment.goal.line",
        ):
            for name, field in self.env[model]._fields.items():
                if field.type in ("float", "integer") and any(
                    word in name for word in ("score", "rate", "hours_to", "progress")
                ):
                    self.assertIn(
                        field.aggregator, ("avg", "max", None), f"{model}.{name}"
                    )
                    if field.store or self.env[model]._auto is False:
                        self.assertEqual(field.aggregator, "avg", f"{model}.{name}")


@tagged("post_install", "-at_install", "crm_alignment_scoreboard")
class TestScoreboardOverRpc(HttpCase):
    """What an external client does: build a known history through /jsonrpc
    as the people who do it, then read the scoreboard back as they would."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env

        roles = role_users(
            env,
            "rpc_sb",
            ("marketer", "salesman", "sales_manager", "marketing_manager"),
        )
        for role, user in roles.items():
            setattr(cls, role, user)
        cls.team = env["crm.team"].create(
            {
                "name": "RPC Scoreboard Team",
                "user_id": cls.sales_manager.id,
                "member_ids": [(6, 0, cls.salesman.ids)],
            }
        )
        env["crm.sla.policy"].create(
            {"name": "RPC SLA", "team_ids": [(6, 0, cls.team.ids)], "followup_hours": 8}
        )
        cls.reason = env["crm.recycle.reason"].search(
            [("note_required", "=", False)], limit=1
        )

    def call(self, user, model, method, *args, **kwargs):
        response = execute_kw(
            self, user.id, user.login, model, method, list(args), kwargs
        )
        self.assertNotIn("error", response, response.get("error"))
        return response.get("result")

    def test_external_client_reads_back_hand_counted_figures(self):
        marketer, salesman = self.marketer, self.salesman
        a, b, c, d = (
            self.call(
                marketer,
                "crm.lead",
                "create",
                {"name": f"RPC {name}", "type": "lead", "team_id": self.team.id},
            )
            for name in "ABCD"
        )
        self.call(
            marketer, "crm.lead", "handoff_to_sales", [a, b, c], user_id=salesman.id
        )
        self.call(salesman, "crm.lead", "action_accept", [a, b])
        self.call(salesman, "crm.lead", "recycle_to_nurture", [b], self.reason.id)
        self.call(marketer, "crm.lead", "handoff_to_sales", [b], user_id=salesman.id)
        self.call(salesman, "crm.lead", "action_accept", [b])
        self.call(salesman, "crm.lead", "write", [a], {"expected_revenue": 1000})
        self.call(salesman, "crm.lead", "action_set_won", [a])
        self.call(salesman, "crm.lead", "action_set_lost", [c])
        # the dashboard of the team for this month, as the salesperson
        board = self.call(
            salesman,
            "crm.alignment.dashboard",
            "create",
            {"period": "this_month", "team_id": self.team.id},
        )
        names = [
            "created_count",
            "sales_ready_count",
            "handed_off_count",
            "accepted_count",
            "opportunity_count",
            "won_count",
            "recycled_count",
            "lost_count",
            "never_followed_up_count",
            "accepted_conversion",
            "speed_within_1h",
            "speed_never",
            "within_sla_rate",
            "won_revenue",
            "sourced_won_revenue",
            "won_share",
        ]
        figures = self.call(
            salesman, "crm.alignment.dashboard", "read", [board], names
        )[0]
        self.assertEqual(
            [figures[name] for name in names],
            # A, B, C handed off; A and B accepted; A won (1,000, marketing's);
            # B recycled once and handed off again; C lost; D created only;
            # SLAs: A, B twice, all met at once (C's was cancelled by the loss)
            [4, 3, 3, 2, 1, 1, 1, 1, 0, 66.7, 3, 0, 100.0, 1000, 1000, 100.0],
        )
        action = self.call(
            salesman,
            "crm.alignment.dashboard",
            "action_drill_down",
            [board],
            figure="accepted",
        )
        self.assertEqual(
            sorted(self.call(salesman, "crm.lead", "search", action["domain"])),
            sorted([a, b]),
        )
        # a goal both managers sign, read back live
        goal = self.call(
            self.sales_manager,
            "crm.alignment.goal",
            "create",
            {
                "team_id": self.team.id,
                "date_start": fields.Date.to_string(
                    date_utils.start_of(fields.Date.today(), "month")
                ),
                "marketing_owner_id": self.marketing_manager.id,
                "sales_owner_id": self.sales_manager.id,
                "line_ids": [
                    (0, 0, {"kpi": "sales_ready_delivered", "target": 4}),
                    (0, 0, {"kpi": "acceptance_rate", "target": 70}),
                ],
            },
        )
        self.call(
            self.sales_manager, "crm.alignment.goal", "action_agree_sales", [goal]
        )
        self.call(
            self.marketing_manager,
            "crm.alignment.goal",
            "action_agree_marketing",
            [goal],
        )
        lines = self.call(
            marketer,
            "crm.alignment.goal.line",
            "search_read",
            [("goal_id", "=", goal)],
            [
                "kpi",
                "actual",
                "is_met",
                "quality_acceptance_rate",
                "quality_recycle_rate",
            ],
        )
        by_kpi = {line["kpi"]: line for line in lines}
        # delivered: A, B, C (B once); accepted of those: A, B; recycled: B
        self.assertEqual(
            [
                by_kpi["sales_ready_delivered"][key]
                for key in (
                    "actual",
                    "is_met",
                    "quality_acceptance_rate",
                    "quality_recycle_rate",
                )
            ],
            [3, False, 66.7, 33.3],
        )
        # hand-offs: A, B, B, C; accepted: A, B, B
        self.assertEqual(
            (by_kpi["acceptance_rate"]["actual"], by_kpi["acceptance_rate"]["is_met"]),
            (75.0, True),
        )


def _load_migration(version, step="post-migration"):
    """A migration script of this addon, as Odoo runs it on upgrade."""
    path = Path(__file__).parent.parent / "migrations" / version / f"{step}.py"
    spec = importlib.util.spec_from_file_location(f"crm_alignment_{step}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install", "crm_alignment_scoreboard")
class TestWeeklyReviewPdf(HttpCase):
    """The setup installs wkhtmltopdf (as it installs chromium): the weekly
    review job attaches a real PDF, not its HTML fallback. An HttpCase, as
    Odoo's own report tests: wkhtmltopdf fetches the report's assets from
    the test server."""

    def test_weekly_review_is_attached_as_a_pdf(self):
        roles = role_users(self.env, "pdf", ("sales_manager", "marketing_manager"))
        team = self.env["crm.team"].create(
            {
                "name": "PDF Review Team",
                "user_id": roles["sales_manager"].id,
                "marketing_user_id": roles["marketing_manager"].id,
                "alignment_review": True,
            }
        )
        # Odoo renders reports as HTML under test unless told otherwise
        Team = self.env["crm.team"].with_context(force_report_rendering=True)
        self.assertGreaterEqual(Team._cron_send_alignment_review(), 1)
        attachment = team.message_ids[:1].attachment_ids
        self.assertEqual(attachment.mimetype, "application/pdf", attachment.name)
        self.assertTrue(attachment.name.endswith(".pdf"))
        self.assertEqual(attachment.raw[:5], b"%PDF-")
