import json
import logging
import threading
import time
from datetime import timedelta

import requests
import urllib3
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.resource.models.utils import make_aware

from .crm_sla_policy import check_webhook_url, redacted_url

_logger = logging.getLogger(__name__)

SLA_STATES = [
    ("ongoing", "Ongoing"),
    ("paused", "Paused"),
    ("reached", "Reached"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
CRON_BATCH = 1000
# the lead's copy of its latest SLA (for filters, sorting, badges), written
# by _show_on_new_leads and _sync_lead
LEAD_SLA_FIELDS = ("sla_id", "sla_state", "sla_deadline", "sla_at_risk")
# (connect, read) seconds: a slow endpoint never holds the job for long
WEBHOOK_TIMEOUT = (3, 5)
# attempts before giving up, with backoff 1, 2, 4, 8, 16 minutes between
WEBHOOK_MAX_ATTEMPTS = 6
# seconds one run of the delivery job may spend; the rest waits for the next
WEBHOOK_RUN_BUDGET = 60


class CrmLeadSla(models.Model):
    """The follow-up promise of one hand-off: start, deadline in working
    hours, and what happened. Every date here is evidence written by an event
    (hand-off, follow-up, pause, cron), never recomputed."""

    _name = "crm.lead.sla"
    _inherit = ["crm.alignment.history.mixin"]
    _description = "Lead Follow-up SLA"
    _order = "start_date desc, id desc"
    _rec_name = "policy_id"

    lead_id = fields.Many2one(
        comodel_name="crm.lead",
        required=True,
        index=True,
        ondelete="cascade",
    )
    policy_id = fields.Many2one(
        comodel_name="crm.sla.policy",
        string="Policy",
        required=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        comodel_name="res.company", related="lead_id.company_id", store=True
    )
    team_id = fields.Many2one(comodel_name="crm.team", string="Sales Team", index=True)
    user_id = fields.Many2one(
        comodel_name="res.users", string="Salesperson", index="btree_not_null"
    )
    calendar_id = fields.Many2one(
        comodel_name="resource.calendar", string="Working Hours"
    )
    handoff_id = fields.Many2one(comodel_name="crm.lead.handoff", string="Hand-off")
    start_date = fields.Datetime(required=True, readonly=True, index=True)
    deadline = fields.Datetime(required=True, index=True)
    reminder_date = fields.Datetime(index="btree_not_null")
    reached_date = fields.Datetime(readonly=True)
    state = fields.Selection(
        selection=SLA_STATES, required=True, default="ongoing", index=True
    )
    paused_since = fields.Datetime(readonly=True)
    paused_hours = fields.Float(
        readonly=True, help="Working hours the clock stood still."
    )
    response_hours = fields.Float(
        string="Working Hours to Follow-up",
        readonly=True,
        aggregator="avg",
        help="Working hours between the hand-off and the first follow-up, pauses "
        "excluded.",
    )
    late_hours = fields.Float(
        string="Late By (working hours)", readonly=True, aggregator="avg"
    )
    reminded_date = fields.Datetime(readonly=True)
    escalated_date = fields.Datetime(readonly=True)
    cancel_reason = fields.Char(readonly=True)
    webhook_state = fields.Selection(
        selection=[
            ("pending", "Pending"),
            ("retrying", "Retrying"),
            ("sent", "Sent"),
            ("given_up", "Given Up"),
        ],
        readonly=True,
        index="btree_not_null",
        help="The breach's escalation webhook: recorded with the breach, sent "
        "by its own job, retried with backoff, given up after "
        f"{WEBHOOK_MAX_ATTEMPTS} attempts.",
    )
    webhook_attempts = fields.Integer(readonly=True)
    webhook_next_try = fields.Datetime(readonly=True)
    webhook_log = fields.Text(readonly=True)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def _start_for_leads(self, leads, handoffs):
        """One SLA per hand-off to sales whose lead a policy covers."""
        policies = self.env["crm.sla.policy"]._match_leads(leads)
        handoff_by_lead = {handoff.lead_id.id: handoff for handoff in handoffs}
        planned = {}  # (calendar, resource, start, hours) -> datetimes
        vals_list = []
        for lead in leads:
            policy = policies.get(lead)
            if not policy:
                continue
            handoff = handoff_by_lead.get(lead.id)
            start = handoff.date if handoff else fields.Datetime.now()
            calendar = policy._calendar_for(lead)
            hours = [policy.followup_hours]
            if policy.reminder_percent:
                hours.append(policy.followup_hours * policy.reminder_percent / 100)
            deadline, *reminder = _plan(
                planned, calendar, _time_off_resource(lead.user_id), start, hours
            )
            reminder = reminder[0] if reminder else False
            vals_list.append(
                {
                    "lead_id": lead.id,
                    "company_id": lead.company_id.id,  # related, in the INSERT
                    "policy_id": policy.id,
                    "team_id": lead.team_id.id,
                    "user_id": lead.user_id.id,
                    "calendar_id": calendar.id,
                    "handoff_id": handoff.id if handoff else False,
                    "start_date": start,
                    "deadline": deadline,
                    "reminder_date": reminder,
                }
            )
        slas = self.sudo()._alignment_guarded_create(vals_list)
        slas._show_on_new_leads()
        return slas

    # ------------------------------------------------------------
    # EVENTS
    # ------------------------------------------------------------

    def _reach(self):
        """The first follow-up: on time is reached; after the deadline the
        SLA stays failed and records when and how late it came, and a breach
        the deadline job had not seen yet is escalated now, once."""
        now = fields.Datetime.now()
        breached = self.browse()
        for sla in self.filtered(lambda s: s.state in ("ongoing", "paused", "failed")):
            if sla.reached_date:
                continue
            if sla.state == "paused":
                sla._resume(now)
            vals = {
                "reached_date": now,
                "response_hours": max(
                    sla._working_hours(sla.start_date, now) - sla.paused_hours, 0.0
                ),
            }
            if sla.state == "failed" or now > sla.deadline:
                vals["state"] = "failed"
                vals["late_hours"] = sla._working_hours(sla.deadline, now)
                if not sla.escalated_date:
                    # late before the deadline job saw it: still a breach,
                    # escalated once like the job's
                    vals["escalated_date"] = now
                    breached |= sla
            else:
                vals["state"] = "reached"
            sla._alignment_guarded_write(vals)
        if breached:
            breached._escalate()  # shows them on their leads too
        (self - breached)._sync_lead()

    def _cancel(self, reason):
        ongoing = self.filtered(lambda s: s.state in ("ongoing", "paused"))
        ongoing._alignment_guarded_write(
            {"state": "cancelled", "cancel_reason": reason}
        )
        ongoing._sync_lead()

    def _pause(self):
        now = fields.Datetime.now()
        ongoing = self.filtered(lambda s: s.state == "ongoing")
        ongoing._alignment_guarded_write({"state": "paused", "paused_since": now})
        ongoing._sync_lead()
        return ongoing

    def _resume(self, now=None):
        """Start the clock again with the working hours that were left."""
        now = now or fields.Datetime.now()
        to_resume = self.filtered(lambda s: s.state == "paused")
        for sla in to_resume:
            left = sla._working_hours(sla.paused_since, sla.deadline)
            paused = sla._working_hours(sla.paused_since, now)
            hours = [left]
            if sla.reminder_date and not sla.reminded_date:
                hours.append(sla._working_hours(sla.paused_since, sla.reminder_date))
            deadline, *reminder = plan_working_hours(
                sla.calendar_id, now, hours, _time_off_resource(sla.user_id)
            )
            deadline = deadline if left else now
            reminder = reminder[0] if reminder else False
            sla._alignment_guarded_write(
                {
                    "state": "ongoing",
                    "paused_since": False,
                    "paused_hours": sla.paused_hours + paused,
                    "deadline": deadline,
                    "reminder_date": reminder or sla.reminder_date,
                }
            )
        self._sync_lead()
        return to_resume

    def _working_hours(self, start, end):
        self.ensure_one()
        if not start or not end or end <= start:
            return 0.0
        return self.calendar_id.get_work_hours_count(start, end, compute_leaves=True)

    def _show_on_new_leads(self):
        """New SLAs on their leads, set as a compute sets values: they go in
        the UPDATE of the lead that carries the rest of its hand-off (its
        stage, dates, working hours) instead of in one more UPDATE of every
        lead's row. The same values as _sync_lead's."""
        latest = {}
        for sla in self.sorted("id"):
            if sla.lead_id and sla.id >= sla.lead_id.sla_id.id:
                latest[sla.lead_id.id] = sla
        leads = self.env["crm.lead"].browse(list(latest))
        slas = list(latest.values())
        values = {
            "sla_id": [sla.id for sla in slas],
            "sla_state": [sla.state for sla in slas],
            "sla_deadline": [sla.deadline for sla in slas],
            "sla_at_risk": [
                sla.state == "ongoing" and bool(sla.reminded_date) for sla in slas
            ],
        }
        for fname in LEAD_SLA_FIELDS:
            self.env.cache.update(
                leads, leads._fields[fname], values[fname], dirty=True
            )

    def _sync_lead(self):
        """The lead shows its latest SLA, in plain fields for filters and
        sorting; one statement for the whole batch."""
        if not self:
            return
        self.flush_model()
        self.env["crm.lead"].flush_model(LEAD_SLA_FIELDS)
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead lead
                   SET sla_id = sla.id, sla_state = sla.state,
                       sla_deadline = sla.deadline,
                       sla_at_risk = (sla.state = 'ongoing'
                                      AND sla.reminded_date IS NOT NULL)
                  FROM crm_lead_sla sla
                 WHERE sla.id = ANY(%s) AND lead.id = sla.lead_id
                   AND (lead.sla_id IS NULL OR lead.sla_id <= sla.id)
                """,
                self.ids,
            )
        )
        self.env["crm.lead"].invalidate_model(LEAD_SLA_FIELDS)

    # ------------------------------------------------------------
    # SCHEDULED JOB
    # ------------------------------------------------------------

    @api.model
    def _cron_check_deadlines(self):
        """Fail overdue SLAs and escalate each once, remind the at-risk ones
        once: one batch of each per call, in the call's transaction, then the
        progress is reported. ir.cron commits and calls again while some
        remain, so a run killed half-way loses only its current batch, and
        the next one neither misses nor repeats anything."""
        now = fields.Datetime.now()
        overdue = SQL("state = 'ongoing' AND deadline < %s", now)
        due_reminder = SQL(
            "state = 'ongoing' AND reminded_date IS NULL AND reminder_date <= %s", now
        )
        failed = self._claim(overdue, SQL("state = 'failed', escalated_date = %s", now))
        if failed:
            failed._escalate()
        reminded = self._claim(due_reminder, SQL("reminded_date = %s", now))
        if reminded:
            reminded._remind()
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM crm_lead_sla WHERE (%s) OR (%s)",
                overdue,
                due_reminder,
            )
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(
            done=len(failed) + len(reminded), remaining=remaining
        )
        return remaining

    @api.model
    def _claim(self, condition, assignment):
        """Move one batch in a single UPDATE; only rows still in the state the
        condition expects are taken, so nothing is claimed twice."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lead_sla
                   SET %(assignment)s, write_date = now() AT TIME ZONE 'UTC'
                 WHERE id IN (
                     SELECT id FROM crm_lead_sla WHERE %(condition)s
                      ORDER BY id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
                 )
             RETURNING id
                """,
                assignment=assignment,
                condition=condition,
                limit=CRON_BATCH,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.invalidate_model()
        return self.browse(ids)

    def _escalate(self):
        """Activity and chatter message for each breach, and its webhook
        delivery (the outbox), in the batch's transaction: the delivery job
        sends it; the deadline job never waits for an endpoint."""
        recipients_by_lead, bodies = {}, {}
        for sla in self:
            recipients = sla.policy_id.escalation_user_ids
            if sla.policy_id.escalate_to_leader and sla.team_id.user_id:
                recipients |= sla.team_id.user_id
            recipients = recipients or sla.user_id
            recipients_by_lead[sla.lead_id.id] = recipients
            bodies[sla.lead_id.id] = Markup("<p>%s</p>") % self.env._(
                "Follow-up SLA %(policy)s breached: the deadline was %(deadline)s. "
                "Escalated to %(people)s.",
                policy=sla.policy_id.name,
                deadline=fields.Datetime.to_string(sla.deadline),
                people=", ".join(recipients.mapped("name")) or "-",
            )
        self.lead_id._alignment_plan_activities(
            "crm_alignment.mail_activity_type_sla_breach",
            recipients_by_lead,
            summary=lambda lead: self.env._(
                "SLA breached: %(lead)s was not followed up in time", lead=lead.name
            ),
        )
        self.lead_id._message_log_batch(bodies=bodies)
        self._sync_lead()
        with_webhook = self.filtered(lambda sla: sla.policy_id.sudo().webhook_url)
        if with_webhook:
            with_webhook._alignment_guarded_write(
                {
                    "webhook_state": "pending",
                    "webhook_attempts": 0,
                    "webhook_next_try": fields.Datetime.now(),
                }
            )
            cron = self.env.ref(
                "crm_alignment.ir_cron_sla_webhook", raise_if_not_found=False
            )
            if cron:
                cron._trigger()

    @api.model
    def _cron_send_webhooks(self, budget=WEBHOOK_RUN_BUDGET):
        """Send the due deliveries one by one, each claimed with SKIP LOCKED
        (two workers never send the same) and committed with its outcome, so
        a crash loses at most the delivery in flight (sent again: the
        receiver deduplicates on the idempotency key). Stops after
        ``budget`` seconds; what is left waits for the next run."""
        commit = not getattr(threading.current_thread(), "testing", False)
        started, done = time.monotonic(), 0
        while time.monotonic() - started < budget:
            self.flush_model()
            self.env.cr.execute(
                SQL(
                    """
                    SELECT id FROM crm_lead_sla
                     WHERE webhook_state IN ('pending', 'retrying')
                       AND webhook_next_try <= %s
                  ORDER BY webhook_next_try, id
                     LIMIT 1 FOR UPDATE SKIP LOCKED
                    """,
                    fields.Datetime.now(),
                )
            )
            row = self.env.cr.fetchone()
            if not row:
                break
            self.browse(row[0]).sudo()._deliver_webhook()
            done += 1
            if commit:
                # one delivery, one transaction (as crm's lead assignment does):
                # an outcome once posted is never rolled back by a later one
                self.env.cr.commit()  # pylint: disable=invalid-commit
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM crm_lead_sla WHERE webhook_state IN"
                " ('pending', 'retrying') AND webhook_next_try <= %s",
                fields.Datetime.now(),
            )
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return remaining

    def _deliver_webhook(self):
        """Post this breach once; log the outcome on the SLA. Never raises:
        a failure is retried later with backoff, then given up."""
        self.ensure_one()
        payload = self._webhook_payload()
        url = payload["url"] or ""
        target, error = check_webhook_url(self.env, url)
        if error:
            state, log = "retrying", error
        else:
            state, log = _post_webhook(target, payload["body"], WEBHOOK_TIMEOUT)
        if state != "sent":
            # never the whole URL: its path, query or user may hold a token
            _logger.warning("SLA webhook to %s failed: %s", redacted_url(url), log)
        attempts = self.webhook_attempts + 1
        vals = {
            "webhook_state": state,
            "webhook_attempts": attempts,
            "webhook_next_try": False,
            "webhook_log": json.dumps(
                {
                    "at": fields.Datetime.to_string(fields.Datetime.now()),
                    "attempt": attempts,
                    "idempotency_key": payload["body"]["idempotency_key"],
                    "result": log,
                }
            ),
        }
        if state == "retrying":
            if attempts >= WEBHOOK_MAX_ATTEMPTS:
                vals["webhook_state"] = "given_up"
                self.lead_id._message_log(
                    body=self.env._(
                        "The escalation webhook of this breach was given up after "
                        "%(attempts)s attempts: %(result)s",
                        attempts=attempts,
                        result=log,
                    )
                )
            else:
                vals["webhook_next_try"] = fields.Datetime.now() + timedelta(
                    minutes=2 ** (attempts - 1)
                )
        self._alignment_guarded_write(vals)

    def _remind(self):
        """Warn the salesperson once, when the reminder time has come."""
        bodies = {
            sla.lead_id.id: Markup("<p>%s</p>")
            % self.env._(
                "Follow-up SLA at risk: follow up before %(deadline)s.",
                deadline=fields.Datetime.to_string(sla.deadline),
            )
            for sla in self
        }
        self.lead_id._message_log_batch(bodies=bodies)
        self._sync_lead()

    def _webhook_payload(self):
        self.ensure_one()
        return {
            "sla_id": self.id,
            "url": self.policy_id.sudo().webhook_url,
            "body": {
                "event": "crm_alignment.sla.breached",
                "idempotency_key": (
                    f"{self.env.cr.dbname}:crm.lead.sla:{self.id}:breach"
                ),
                "lead_id": self.lead_id.id,
                "lead": self.lead_id.name,
                "salesperson": self.user_id.name or None,
                "team": self.team_id.name or None,
                "policy": self.policy_id.name,
                "start": fields.Datetime.to_string(self.start_date),
                "deadline": fields.Datetime.to_string(self.deadline),
                "escalated": fields.Datetime.to_string(self.escalated_date),
            },
        }


def _plan(cache, calendar, resource, start, hours):
    key = (calendar.id, resource.id, start, tuple(hours))
    if key not in cache:
        cache[key] = plan_working_hours(calendar, start, hours, resource)
    return cache[key]


def plan_working_hours(calendar, start, hours, resource):
    """``calendar.plan_hours(h, start, compute_leaves=True, resource=...)``
    for each ``h`` of ``hours`` (0 or more), in one walk over the working
    intervals: plan_hours reads them again for each amount (its searches of
    attendances and time off, and two weeks of attendance rules), which a
    follow-up SLA's deadline and reminder paid twice. The same intervals
    and the same float steps as plan_hours, so the same instants.

    :returns: a list of datetimes, False where none was found
    """
    start, revert = make_aware(start)
    left = list(hours)
    planned = [False] * len(left)
    pending = list(range(len(left)))
    window = timedelta(days=14)  # plan_hours' own
    for step in range(100):
        if not pending:
            break
        since = start + window * step
        intervals = calendar._work_intervals_batch(
            since, since + window, resources=resource
        )[resource.id]
        for begin, end, _meta in intervals:
            interval_hours = (end - begin).total_seconds() / 3600
            for index in list(pending):
                if left[index] <= interval_hours:
                    planned[index] = revert(begin + timedelta(hours=left[index]))
                    pending.remove(index)
                else:
                    left[index] -= interval_hours
            if not pending:
                break
    return planned


def _time_off_resource(user):
    """With Odoo's hr installed, the salesperson's own time off counts; the
    addon does not depend on hr."""
    if user and "employee_id" in user._fields and user.employee_id:
        return user.employee_id.resource_id
    return user.env["resource.resource"]


def _post_webhook(target, body, timeout):
    """POST ``body`` as JSON to the checked target, connecting to the address
    that was checked (never resolving the name again) and following no
    redirect. Returns (state, log); the log names the outcome only (an
    HTTP status, a timeout), never the URL or the library's error text,
    which repeats its path and query."""
    connect, read = timeout
    options = {
        "host": target.addresses[0],
        "port": target.port,
        "timeout": urllib3.Timeout(connect=connect, read=read),
        "retries": False,
        "maxsize": 1,
    }
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=requests.certs.where(),
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(**options)
    default_port = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    headers = {
        "Host": host if target.port == default_port else f"{host}:{target.port}",
        "Content-Type": "application/json",
        "User-Agent": "Odoo crm_alignment SLA webhook",
    }
    try:
        with pool:
            response = pool.urlopen(
                "POST",
                target.request_uri,
                body=json.dumps(body).encode(),
                headers=headers,
                redirect=False,
                retries=False,
            )
    except urllib3.exceptions.NewConnectionError as error:
        # (a subclass of the connect timeout in urllib3 1.26: caught first)
        return "retrying", f"connection failed ({type(error).__name__})"
    except (urllib3.exceptions.TimeoutError, TimeoutError):
        return "retrying", "timed out"
    except urllib3.exceptions.SSLError:
        return "retrying", "TLS handshake failed"
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return "retrying", f"connection failed ({type(error).__name__})"
    if 300 <= response.status < 400:
        return "retrying", f"HTTP {response.status}: redirects are not followed"
    if response.status >= 400:
        return "retrying", f"HTTP {response.status}"
    return "sent", f"HTTP {response.status}"
