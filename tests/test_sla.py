import json
import socket
import sys
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from ..models.sla.crm_lead_sla import plan_working_hours
from .common import AlignmentCase


def _calendar(env, name, days, hour_from, hour_to):
    return env["resource.calendar"].create(
        {
            "name": name,
            "tz": "UTC",
            "attendance_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"{name} {day}",
                        "dayofweek": str(day),
                        "hour_from": hour_from,
                        "hour_to": hour_to,
                        "day_period": "morning",
                    },
                )
                for day in days
            ],
        }
    )


class _Redirector(BaseHTTPRequestHandler):
    hits = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        _Redirector.hits.append(self.path)
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data")
        self.end_headers()

    def log_message(self, *args):
        pass


class _Failing(BaseHTTPRequestHandler):
    """Answers 500, or after a pause longer than the read timeout."""

    slow = False

    def do_POST(self):  # noqa: N802 (http.server's name)
        if _Failing.slow:
            time.sleep(1.5)
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args):
        pass


class _Recorder(BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers["Content-Length"])
        _Recorder.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install", "crm_alignment_sla")
class TestSla(AlignmentCase, CronMixinCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Mon-Fri 9:00-17:00 UTC; Monday 9 March 2026 is a public holiday
        cls.office = _calendar(cls.env, "Office", range(5), 9, 17)
        # Mon-Sat 8:00-12:00 UTC
        cls.mornings = _calendar(cls.env, "Mornings", range(6), 8, 12)
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.office.id,
                "date_from": datetime(2026, 3, 9, 0, 0),
                "date_to": datetime(2026, 3, 9, 23, 59, 59),
            }
        )
        cls.team.resource_calendar_id = cls.office
        cls.policy = cls.env["crm.sla.policy"].create(
            {
                "name": "Inside sales 4h",
                "team_ids": [(6, 0, cls.team.ids)],
                "followup_hours": 4,
                "reminder_percent": 50,
                "escalation_user_ids": [(6, 0, cls.marketing_manager.ids)],
            }
        )
        cls.breach_type = cls.env.ref("crm_alignment.mail_activity_type_sla_breach")

    def _hand_off(self, when="2026-03-06 15:00:00", count=1, **vals):
        with freeze_time(when):
            leads = self.create_marketing_leads(count, **vals)
            leads.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        return leads

    # ------------------------------------------------------------ deadlines

    def test_deadline_skips_night_weekend_and_public_holiday(self):
        lead = self._hand_off("2026-03-06 15:00:00")  # Friday
        sla = lead.sla_ids
        self.assertEqual(sla.policy_id, self.policy)
        self.assertEqual(sla.calendar_id, self.office, "the team's working hours")
        # Fri 15-17 (2h), weekend, Monday holiday, Tue 9-11 (2h)
        self.assertEqual(sla.deadline, datetime(2026, 3, 10, 11, 0))
        # reminder at 50%: 2h, the end of Friday
        self.assertEqual(sla.reminder_date, datetime(2026, 3, 6, 17, 0))
        self.assertEqual((lead.sla_state, lead.sla_deadline), ("ongoing", sla.deadline))

    def test_deadline_and_reminder_planned_as_odoo_plans_them_in_one_walk(self):
        """The deadline and the reminder come from one walk over the working
        intervals, at the instants Odoo's plan_hours gives each amount: over
        nights, weekends, the holiday, the two-week windows plan_hours reads
        its intervals in, and where no time off resource applies."""
        Calendar = type(self.office)
        amounts = [0, 0.5, 2, 4, 7.25, 8, 100]
        for start in (datetime(2026, 3, 6, 15, 0), datetime(2026, 3, 8, 20, 30)):
            expected = [
                self.office.plan_hours(hours, start, compute_leaves=True)
                for hours in amounts
            ]
            with patch.object(
                Calendar,
                "_work_intervals_batch",
                autospec=True,
                side_effect=Calendar._work_intervals_batch,
            ) as read_intervals:
                planned = plan_working_hours(
                    self.office, start, amounts, self.env["resource.resource"]
                )
            self.assertEqual(planned, expected, start)
            # the first two weeks hold 80 and 72 working hours: 100 hours
            # take a second window, so two reads for the 7 amounts
            # (plan_hours reads 8: one window each, two for 100)
            self.assertEqual(read_intervals.call_count, 2, start)
        # Tuesday 10 March 9:00 + 4h: 13:00, the reminder (2h) at 11:00
        self.assertEqual(
            plan_working_hours(
                self.office,
                datetime(2026, 3, 10, 9, 0),
                [4, 2],
                self.env["resource.resource"],
            ),
            [datetime(2026, 3, 10, 13, 0), datetime(2026, 3, 10, 11, 0)],
        )

    def test_policy_calendar_overrides_team_calendar(self):
        self.policy.calendar_id = self.mornings
        lead = self._hand_off("2026-03-06 15:00:00")
        # Friday afternoon is outside the mornings: Saturday 8-12
        self.assertEqual(lead.sla_ids.deadline, datetime(2026, 3, 7, 12, 0))

    def test_company_calendar_when_team_has_none(self):
        self.team.resource_calendar_id = False
        self.env.company.resource_calendar_id = self.mornings
        lead = self._hand_off("2026-03-04 09:00:00")  # Wednesday
        self.assertEqual(lead.sla_ids.calendar_id, self.mornings)
        # Wed 9-12 (3h), Thu 8-9 (1h)
        self.assertEqual(lead.sla_ids.deadline, datetime(2026, 3, 5, 9, 0))

    def test_first_matching_policy_wins_and_domain_filters(self):
        urgent = self.env["crm.sla.policy"].create(
            {
                "name": "Hot leads 1h",
                "sequence": 1,
                "followup_hours": 1,
                "lead_domain": "[('priority', '=', '3')]",
            }
        )
        hot = self._hand_off("2026-03-04 09:00:00", priority="3")
        normal = self._hand_off("2026-03-04 09:00:00", priority="1")
        self.assertEqual(hot.sla_ids.policy_id, urgent)
        self.assertEqual(hot.sla_ids.deadline, datetime(2026, 3, 4, 10, 0))
        self.assertEqual(normal.sla_ids.policy_id, self.policy)

    # ------------------------------------------------------------ follow-ups

    def _reached_by(self, action, when="2026-03-06 16:00:00"):
        lead = self._hand_off()
        with freeze_time(when):
            action(lead.with_user(self.salesman))
        return lead

    def test_each_kind_of_followup_reaches_the_sla(self):
        actions = {
            "accept": lambda lead: lead.action_accept(),
            "note": lambda lead: lead.message_post(
                body="Called, left a voicemail",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            ),
            "email": lambda lead: lead.message_post(
                body="Hello!", message_type="comment", subtype_xmlid="mail.mt_comment"
            ),
            "activity": lambda lead: lead.activity_schedule(
                "mail.mail_activity_data_call", user_id=self.salesman.id
            ).action_feedback("Done"),
            "stage": lambda lead: lead.write(
                {
                    "stage_id": self.env["crm.stage"]
                    .search([], order="sequence desc", limit=1)
                    .id
                }
            ),
        }
        for kind, action in actions.items():
            with self.subTest(kind=kind):
                lead = self._reached_by(action)
                sla = lead.sla_ids
                self.assertEqual(sla.state, "reached", kind)
                self.assertEqual(sla.reached_date, datetime(2026, 3, 6, 16, 0))
                self.assertEqual(sla.response_hours, 1.0)
                self.assertEqual(lead.lifecycle_stage, "accepted", kind)
                self.assertEqual(lead.sla_state, "reached")

    def test_marketer_and_bots_do_not_follow_up(self):
        lead = self._hand_off()
        with freeze_time("2026-03-06 16:00:00"):
            lead.with_user(self.marketer).message_post(
                body="Reminder to sales", message_type="comment"
            )
            lead.message_post(body="Automated", message_type="comment")
        self.assertEqual(lead.sla_ids.state, "ongoing")
        self.assertEqual(lead.lifecycle_stage, "handed_off")

    def test_reassigning_keeps_the_deadline(self):
        lead = self._hand_off()
        deadline = lead.sla_ids.deadline
        lead.user_id = self.teammate
        self.assertEqual(lead.sla_ids.deadline, deadline)
        self.assertEqual(len(lead.sla_ids), 1)

    def test_late_followup_records_lateness_and_stays_failed(self):
        lead = self._hand_off()
        with freeze_time("2026-03-10 12:00:00"):
            self.env["crm.lead.sla"]._cron_check_deadlines()
        self.assertEqual(lead.sla_ids.state, "failed")
        with freeze_time("2026-03-10 14:30:00"):
            lead.with_user(self.salesman).action_accept()
        sla = lead.sla_ids
        self.assertEqual(sla.state, "failed")
        self.assertEqual(sla.reached_date, datetime(2026, 3, 10, 14, 30))
        self.assertEqual(sla.late_hours, 3.5, "11:00 to 14:30 on Tuesday")

    def test_funnel_time_to_accept_is_the_slas_response_time(self):
        """The scoreboard's working time between hand-off and acceptance and
        the SLA's response time count the same hours: the Monday holiday
        is left out of both."""
        lead = self._hand_off()  # Friday 15:00
        with freeze_time("2026-03-10 11:00:00"):
            lead.with_user(self.salesman).action_accept()
        self.env.flush_all()
        lead.invalidate_recordset(["hours_to_accept"])
        self.assertEqual(lead.sla_ids.response_hours, 4.0, "Fri 15-17 + Tue 9-11")
        self.assertEqual(lead.hours_to_accept, lead.sla_ids.response_hours)

    def test_late_followup_before_the_job_is_a_breach_escalated_once(self):
        """A follow-up after the deadline that the deadline job has not seen
        yet (it runs every few minutes) is still a breach: failed and
        escalated, once, whoever comes first."""
        lead = self._hand_off()
        with freeze_time("2026-03-10 14:30:00"):
            lead.with_user(self.salesman).action_accept()
            self.env["crm.lead.sla"]._cron_check_deadlines()
        sla = lead.sla_ids
        self.assertEqual(sla.state, "failed")
        self.assertEqual(sla.late_hours, 3.5, "11:00 to 14:30 on Tuesday")
        self.assertEqual(sla.escalated_date, datetime(2026, 3, 10, 14, 30))
        breaches = lead.activity_ids.filtered(
            lambda a: a.activity_type_id == self.breach_type
        )
        self.assertEqual(breaches.user_id, self.marketing_manager | self.sales_manager)
        self.assertEqual(
            len(lead.message_ids.filtered(lambda m: "breached" in (m.body or ""))), 1
        )

    def test_pause_stops_the_clock_and_resume_keeps_the_rest(self):
        lead = self._hand_off("2026-03-04 09:00:00")  # Wed, deadline 13:00
        with freeze_time("2026-03-04 10:00:00"):
            lead.with_user(self.salesman).action_sla_wait_on_prospect()
        self.assertEqual(lead.sla_state, "paused")
        with freeze_time("2026-03-05 10:00:00"):  # Thursday, 3h were left
            lead.with_user(self.salesman).action_sla_resume()
        sla = lead.sla_ids
        self.assertEqual(sla.state, "ongoing")
        self.assertEqual(sla.deadline, datetime(2026, 3, 5, 13, 0))
        self.assertEqual(sla.paused_hours, 8.0, "Wed 10-17 and Thu 9-10")

    def test_paused_stage_pauses_and_leaving_it_resumes(self):
        waiting_stage = self.env["crm.stage"].create({"name": "Waiting on customer"})
        other_stage = self.env["crm.stage"].search(
            [("id", "!=", waiting_stage.id)], limit=1
        )
        self.policy.paused_stage_ids = waiting_stage
        lead = self._hand_off("2026-03-04 09:00:00")
        with freeze_time("2026-03-04 10:00:00"):
            lead.with_user(self.salesman).action_accept()
        # accepted: the SLA is reached; pausing only applies to ongoing ones
        self.assertEqual(lead.sla_ids.state, "reached")
        lead2 = self._hand_off("2026-03-04 09:00:00")
        with freeze_time("2026-03-04 09:30:00"):
            lead2.with_user(self.marketer).write({"stage_id": waiting_stage.id})
        self.assertEqual(
            lead2.sla_ids.state, "ongoing", "marketing never stops sales' clock"
        )
        lead2.with_user(self.marketer).write({"stage_id": other_stage.id})
        # a stage moved by the system (an automation) stops it: sales' own
        # stage changes are follow-ups and reach the SLA instead
        with freeze_time("2026-03-04 10:00:00"):
            lead2.sudo().write({"stage_id": waiting_stage.id})
        self.assertEqual(lead2.sla_ids.state, "paused")
        with freeze_time("2026-03-04 11:00:00"):
            lead2.sudo().write({"stage_id": other_stage.id})
        self.assertEqual(lead2.sla_ids.state, "ongoing")
        self.assertEqual(lead2.sla_ids.deadline, datetime(2026, 3, 4, 14, 0))

    def test_recycle_and_loss_cancel_and_new_handoff_starts_new_sla(self):
        lead = self._hand_off()
        lead.with_user(self.salesman).recycle_to_nurture(
            self.env.ref("crm_alignment.crm_recycle_reason_no_response").id
        )
        self.assertEqual(lead.sla_ids.state, "cancelled")
        self.assertIn("Recycled", lead.sla_ids.cancel_reason)
        with freeze_time("2026-03-11 09:00:00"):
            lead.with_user(self.marketer).handoff_to_sales(user_id=self.salesman.id)
        self.assertEqual(len(lead.sla_ids), 2)
        self.assertEqual(set(lead.sla_ids.mapped("state")), {"cancelled", "ongoing"})
        self.assertEqual(lead.sla_state, "ongoing")
        lead.action_set_lost()
        self.assertEqual(set(lead.sla_ids.mapped("state")), {"cancelled"})

    # ------------------------------------------------------------------ cron

    def test_cron_fails_and_escalates_exactly_once(self):
        leads = self._hand_off(count=3)
        with freeze_time("2026-03-10 12:00:00"):
            self.env["crm.lead.sla"]._cron_check_deadlines()
            self.env["crm.lead.sla"]._cron_check_deadlines()
        for lead in leads:
            self.assertEqual(lead.sla_ids.state, "failed")
            self.assertEqual(lead.sla_ids.escalated_date, datetime(2026, 3, 10, 12, 0))
            breaches = lead.activity_ids.filtered(
                lambda a: a.activity_type_id == self.breach_type
            )
            self.assertEqual(
                breaches.user_id,
                self.marketing_manager | self.sales_manager,
                "named users and the team leader, once each",
            )
            self.assertEqual(
                len(lead.message_ids.filtered(lambda m: "breached" in (m.body or ""))),
                1,
            )
            self.assertEqual(lead.sla_state, "failed")

    def test_cron_reminds_once_before_failing(self):
        lead = self._hand_off()
        with freeze_time("2026-03-06 17:30:00"):
            self.env["crm.lead.sla"]._cron_check_deadlines()
            self.env["crm.lead.sla"]._cron_check_deadlines()
        self.assertEqual(lead.sla_ids.state, "ongoing")
        self.assertTrue(lead.sla_at_risk)
        reminders = lead.message_ids.filtered(lambda m: "at risk" in (m.body or ""))
        self.assertEqual(len(reminders), 1)

    def test_cron_stopped_midway_neither_misses_nor_repeats(self):
        leads = self._hand_off(count=3)
        Sla = self.env["crm.lead.sla"]
        calls = []
        original = type(Sla)._escalate

        def escalate_then_die(records):
            calls.append(len(records))
            original(records)
            if len(calls) == 2:
                raise RuntimeError("worker killed")

        # the module the registry really uses, however the tests were imported
        sla_module = next(
            sys.modules[cls.__module__]
            for cls in type(Sla).__mro__
            if "_claim" in vars(cls)
        )
        with (
            patch.object(sla_module, "CRON_BATCH", 1),
            patch.object(type(Sla), "_escalate", escalate_then_die),
            freeze_time("2026-03-10 12:00:00"),
        ):
            # ir.cron commits after each call that reports progress
            with self.env.cr.savepoint():
                self.assertEqual(Sla._cron_check_deadlines(), 2, "two left")
            with self.assertRaises(RuntimeError), self.env.cr.savepoint():
                Sla._cron_check_deadlines()
        self.env.invalidate_all()
        self.assertEqual(
            sorted(leads.sla_ids.mapped("state")),
            ["failed", "ongoing", "ongoing"],
            "only the killed call's batch was rolled back",
        )
        with (
            patch.object(sla_module, "CRON_BATCH", 1),
            freeze_time("2026-03-10 12:00:00"),
        ):
            calls = 0
            while Sla._cron_check_deadlines():  # called again while some remain
                calls += 1
        self.assertEqual(calls, 1, "the next run catches up, one batch per call")
        self.assertEqual(set(leads.sla_ids.mapped("state")), {"failed"})
        for lead in leads:
            self.assertEqual(
                len(
                    lead.activity_ids.filtered(
                        lambda a: a.activity_type_id == self.breach_type
                    )
                ),
                2,
            )

    # --------------------------------------------------------------- webhook

    def _webhook_policy(self, url):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_alignment.sla_webhook_allow_private", "1"
        )
        self.policy.webhook_url = url

    def test_webhook_is_recorded_with_the_breach_and_sent_by_its_own_job(self):
        server = self._serve(_Recorder)
        _Recorder.received = []
        self._webhook_policy(f"http://127.0.0.1:{server.server_port}/hook")
        lead = self._hand_off()
        Sla = self.env["crm.lead.sla"]
        with (
            freeze_time("2026-03-10 12:00:00"),
            self.capture_triggers("crm_alignment.ir_cron_sla_webhook") as capt,
        ):
            Sla._cron_check_deadlines()
        sla = lead.sla_ids
        self.assertFalse(_Recorder.received, "the deadline job never posts")
        self.assertEqual(sla.webhook_state, "pending", "the outbox, in the breach")
        self.assertEqual(len(capt.records), 1)
        with freeze_time("2026-03-10 12:00:30"):
            self.assertEqual(Sla._cron_send_webhooks(), 0)
        self.assertEqual(len(_Recorder.received), 1)
        body = _Recorder.received[0]
        self.assertEqual(body["lead_id"], lead.id)
        self.assertTrue(
            body["idempotency_key"].endswith(f"crm.lead.sla:{sla.id}:breach")
        )
        self.assertEqual((sla.webhook_state, sla.webhook_attempts), ("sent", 1))
        Sla._cron_send_webhooks()
        self.assertEqual(len(_Recorder.received), 1, "sent once")

    def test_webhook_to_dead_endpoint_retries_with_backoff_then_gives_up(self):
        self._webhook_policy("http://127.0.0.1:9/nobody-listens")
        lead = self._hand_off()
        Sla = self.env["crm.lead.sla"]
        with freeze_time("2026-03-10 12:00:00"):
            Sla._cron_check_deadlines()
            Sla._cron_send_webhooks()
        sla = lead.sla_ids
        self.assertEqual((sla.webhook_state, sla.webhook_attempts), ("retrying", 1))
        self.assertEqual(sla.webhook_next_try, datetime(2026, 3, 10, 12, 1))
        self.assertIn("result", json.loads(sla.webhook_log))
        self.assertEqual(sla.state, "failed", "the breach itself is unchanged")
        with freeze_time("2026-03-10 12:00:50"):
            Sla._cron_send_webhooks()
        self.assertEqual(sla.webhook_attempts, 1, "not before the backoff")
        minute = datetime(2026, 3, 10, 12, 0)
        for attempt, wait in enumerate((1, 2, 4, 8, 16), start=2):
            minute += timedelta(minutes=wait)
            with freeze_time(minute):
                Sla._cron_send_webhooks()
            self.assertEqual(sla.webhook_attempts, attempt)
        self.assertEqual(sla.webhook_state, "given_up")
        self.assertFalse(sla.webhook_next_try)
        self.assertIn("given up after 6 attempts", lead.sudo().message_ids[0].body)

    def test_webhook_endpoint_failing_or_slow_is_retried(self):
        server = self._serve(_Failing)
        self._webhook_policy(f"http://127.0.0.1:{server.server_port}/hook")
        lead = self._hand_off()
        Sla = self.env["crm.lead.sla"]
        sla_module = sys.modules[type(Sla)._deliver_webhook.__module__]
        with freeze_time("2026-03-10 12:00:00"):
            Sla._cron_check_deadlines()
        sla = lead.sla_ids
        _Failing.slow = False
        Sla._cron_send_webhooks()
        self.assertEqual((sla.webhook_state, sla.webhook_attempts), ("retrying", 1))
        self.assertIn("500", sla.webhook_log)
        _Failing.slow = True
        self.addCleanup(setattr, _Failing, "slow", False)
        started = time.monotonic()
        with (
            patch.object(sla_module, "WEBHOOK_TIMEOUT", (1, 0.5)),
            freeze_time(sla.webhook_next_try),
        ):
            Sla._cron_send_webhooks()
        self.assertLess(time.monotonic() - started, 1.4, "the read timeout cut it")
        self.assertEqual((sla.webhook_state, sla.webhook_attempts), ("retrying", 2))
        self.assertIn("timed out", sla.webhook_log)

    def test_company_hours_without_working_time_are_refused_when_slas_use_them(
        self,
    ):
        flexible = self.env["resource.calendar"].create(
            {"name": "Flexible", "flexible_hours": True}
        )
        with self.assertRaises(ValidationError):
            self.env.company.resource_calendar_id = flexible

    def test_webhook_job_keeps_to_its_time_budget(self):
        self._webhook_policy("http://127.0.0.1:9/nobody-listens")
        leads = self._hand_off(count=3)
        Sla = self.env["crm.lead.sla"]
        with freeze_time("2026-03-10 12:00:00"):
            Sla._cron_check_deadlines()
            self.assertEqual(Sla._cron_send_webhooks(budget=0), 3, "none sent")
            self.assertEqual(Sla._cron_send_webhooks(), 0)
        self.assertEqual(set(leads.sla_ids.mapped("webhook_attempts")), {1})

    # --------------------------------------------------------------- reports

    def _delivery_goal(self, target, start="2026-11-01"):
        """Marketing's delivery target, as both managers sign it."""
        goal = (
            self.env["crm.alignment.goal"]
            .with_user(self.sales_manager)
            .create(
                {
                    "team_id": self.team.id,
                    "date_start": start,
                    "marketing_owner_id": self.marketing_manager.id,
                    "sales_owner_id": self.sales_manager.id,
                    "line_ids": [
                        (0, 0, {"kpi": "sales_ready_delivered", "target": target})
                    ],
                }
            )
        )
        goal.with_user(self.sales_manager).action_agree_sales()
        goal.with_user(self.marketing_manager).action_agree_marketing()
        return goal

    def test_delivery_goal_counts_deliveries_against_target(self):
        goal = self._delivery_goal(3)
        self._hand_off("2026-11-02 10:00:00", count=2)
        self.env.flush_all()
        with freeze_time("2026-11-20 10:00:00"):
            november = goal.line_ids.filtered(
                lambda line: line.kpi == "sales_ready_delivered"
            )
            self.assertEqual(str(goal.date_start), "2026-11-01")
            self.assertEqual(
                (november.actual, november.target, november.is_met), (2, 3, False)
            )

    def test_compliance_report_median_and_p90(self):
        fast = self._hand_off("2026-03-04 09:00:00")
        slow = self._hand_off("2026-03-04 09:00:00")
        with freeze_time("2026-03-04 10:00:00"):
            fast.with_user(self.salesman).action_accept()
        with freeze_time("2026-03-04 12:00:00"):
            slow.with_user(self.salesman).action_accept()
        self.env.flush_all()
        row = self.env["crm.sla.report"].search(
            [("policy_id", "=", self.policy.id), ("user_id", "=", self.salesman.id)]
        )
        self.assertEqual(row.on_time_count, 2)
        self.assertAlmostEqual(row.median_hours, 2.0)
        self.assertAlmostEqual(row.p90_hours, 2.8)

    # ------------------------------------------------------------- bad input

    def _serve(self, handler):
        server = HTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.shutdown)
        return server

    def test_webhook_hosts_must_be_global_and_resolve(self):
        Policy = self.env["crm.sla.policy"]
        for url in (
            "http://100.64.1.1/hook",  # shared address space
            "http://169.254.169.254/latest",  # link-local (cloud metadata)
            "http://224.0.0.1/hook",  # multicast
            "http://240.0.0.1/hook",  # reserved
            "http://[::1]/hook",
            "http://no-such-host.invalid/hook",  # does not resolve
        ):
            with self.assertRaises(ValidationError, msg=url):
                Policy.create({"name": "Bad hook", "webhook_url": url})

    def test_webhook_checks_the_address_again_when_sending(self):
        self._webhook_policy("http://127.0.0.1:9/hook?token=s3cret")
        lead = self._hand_off("2026-03-06 15:00:00")
        sla = lead.sla_ids
        # the administrator withdraws the private-address exception later
        self.env["ir.config_parameter"].set_param(
            "crm_alignment.sla_webhook_allow_private", ""
        )
        with self.assertLogs("odoo.addons.crm_alignment", level="WARNING") as logs:
            sla.sudo()._deliver_webhook()
        self.assertEqual(sla.webhook_state, "retrying")
        self.assertIn("loopback, private", sla.webhook_log)
        self.assertNotIn("s3cret", sla.webhook_log)
        self.assertNotIn("s3cret", "\n".join(logs.output))

    def test_webhook_redirects_are_not_followed(self):
        _Redirector.hits.clear()
        server = self._serve(_Redirector)
        self._webhook_policy(f"http://127.0.0.1:{server.server_port}/hook/t0ken")
        lead = self._hand_off("2026-03-06 15:00:00")
        sla = lead.sla_ids
        with self.assertLogs("odoo.addons.crm_alignment", level="WARNING") as logs:
            sla.sudo()._deliver_webhook()
        self.assertEqual(_Redirector.hits, ["/hook/t0ken"], "posted once, not followed")
        self.assertEqual(sla.webhook_state, "retrying")
        self.assertIn("redirects are not followed", sla.webhook_log)
        self.assertNotIn("t0ken", "\n".join(logs.output))

    def test_webhook_urls_the_two_parsers_read_differently_are_refused(self):
        """The check parses with urllib3, the library that sends: a URL that
        the standard library reads as another host never passes."""
        self.env["ir.config_parameter"].set_param(
            "crm_alignment.sla_webhook_allow_private", ""
        )
        Policy = self.env["crm.sla.policy"]
        for url, why in (
            ("http://127.0.0.1:8069\\@1.1.1.1/web", "backslashes"),
            ("http://user:secret@1.1.1.1/web", "user or password"),
            ("http://1.1.1.1@127.0.0.1/web", "user or password"),
            ("http://1.1.1.1 /web", "blanks"),
            ("http://1.1.1.1/we\tb", "blanks"),
            ("http://1.1.1.1:99999/web", "http"),
        ):
            with self.assertRaisesRegex(ValidationError, why, msg=url):
                Policy.create({"name": "Odd hook", "webhook_url": url})

    def test_webhook_connects_to_the_address_it_checked(self):
        """A name resolved at the check is not resolved again at the send
        (DNS rebinding): the request goes to the address that was checked."""
        _Recorder.received.clear()
        server = self._serve(_Recorder)
        real = socket.getaddrinfo
        answers = []

        def rebinding(host, *args, **kwargs):
            # the name answers the checked address once per delivery, then
            # would point elsewhere (here: nowhere, so nothing leaves)
            if host == "hook.example.test":
                answers.append(host)
                if len(answers) > 1:
                    raise socket.gaierror("the name now points elsewhere")
                return real("127.0.0.1", *args, **kwargs)
            return real(host, *args, **kwargs)

        with patch.object(socket, "getaddrinfo", rebinding):
            self._webhook_policy(f"http://hook.example.test:{server.server_port}/h")
            lead = self._hand_off("2026-03-06 15:00:00")
            sla = lead.sla_ids
            answers.clear()
            sla.sudo()._deliver_webhook()
        self.assertEqual(answers, ["hook.example.test"], "resolved once")
        self.assertEqual(sla.webhook_state, "sent", sla.webhook_log)
        self.assertEqual(len(_Recorder.received), 1)

    def test_failed_webhooks_never_show_the_path_or_query(self):
        """The delivery log (salespeople read it), the server log and the
        lead's chatter after giving up show scheme://host/… and the outcome."""
        self._webhook_policy("http://127.0.0.1:9/hooks/s3cret-path?token=s3cret-query")
        lead = self._hand_off("2026-03-06 15:00:00")
        sla = lead.sla_ids.sudo()
        with self.assertLogs("odoo.addons.crm_alignment", level="WARNING") as logs:
            for _attempt in range(6):
                sla._deliver_webhook()
        self.assertEqual(sla.webhook_state, "given_up")
        shown = [
            sla.webhook_log,
            "\n".join(logs.output),
            *lead.message_ids.mapped("body"),
        ]
        for text in shown:
            self.assertNotIn("s3cret", str(text))
        self.assertIn("connection failed", sla.webhook_log)
        self.assertIn("http://127.0.0.1/…", "\n".join(logs.output))

    def test_bad_configuration_is_refused(self):
        Policy = self.env["crm.sla.policy"]
        with self.assertRaisesRegex(ValidationError, "more than 0"):
            Policy.create({"name": "Zero", "followup_hours": 0})
        with self.assertRaisesRegex(ValidationError, "more than 0"):
            Policy.create({"name": "Negative", "followup_hours": -2})
        empty = self.env["resource.calendar"].create(
            {"name": "Empty", "attendance_ids": [(5, 0, 0)]}
        )
        with self.assertRaisesRegex(ValidationError, "no working time"):
            Policy.create({"name": "Empty calendar", "calendar_id": empty.id})
        with self.assertRaisesRegex(ValidationError, "no working time"):
            self.team.resource_calendar_id = empty
        with self.assertRaisesRegex(ValidationError, "not a valid domain"):
            Policy.create({"name": "Bad", "lead_domain": "[('nope', '=', 1)]"})
        with self.assertRaisesRegex(ValidationError, "http"):
            Policy.create({"name": "FTP", "webhook_url": "ftp://example.com/x"})
        with self.assertRaisesRegex(ValidationError, "loopback, private or reserved"):
            Policy.create({"name": "Local", "webhook_url": "http://127.0.0.1:8069/x"})
        with self.assertRaisesRegex(ValidationError, "loopback, private or reserved"):
            Policy.create({"name": "LAN", "webhook_url": "http://192.168.1.10/x"})

    # ---------------------------------------------------------------- access

    def test_salespeople_read_their_slas_managers_configure(self):
        lead = self._hand_off()
        other = self.create_marketing_leads()
        other.with_user(self.marketer).handoff_to_sales(user_id=self.other_salesman.id)
        visible = (
            self.env["crm.lead.sla"]
            .with_user(self.salesman)
            .search([("lead_id", "in", (lead | other).ids)])
        )
        self.assertEqual(visible, lead.sla_ids)
        with self.assertRaises(AccessError):
            lead.sla_ids.with_user(self.salesman).write({"state": "reached"})
        with self.assertRaises(AccessError):
            self.policy.with_user(self.salesman).followup_hours = 100
        with self.assertRaises(AccessError):
            self.policy.with_user(self.marketer).followup_hours = 100
        self.policy.with_user(self.marketing_manager).followup_hours = 6
        self.policy.with_user(self.sales_manager).followup_hours = 5
        self.assertEqual(self.policy.followup_hours, 5)

    def test_review_activity_for_owners(self):
        self.policy.write(
            {
                "owner_ids": [
                    (6, 0, (self.marketing_manager | self.sales_manager).ids)
                ],
                "next_review_date": "2026-03-01",
                "review_interval": "quarter",
            }
        )
        with freeze_time("2026-03-02"):
            self.env["crm.sla.policy"]._cron_schedule_reviews()
        self.assertEqual(
            self.policy.activity_ids.user_id,
            self.marketing_manager | self.sales_manager,
        )
        self.assertEqual(str(self.policy.next_review_date), "2026-06-02")
