from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

ENROLMENT_STATES = [
    ("active", "Active"),
    ("paused", "Paused"),
    ("done", "Completed"),
    ("ended", "Ended"),
    ("requalified", "Back to Sales"),
]
ENROLMENT_TRANSITIONS = {
    "paused": ("active",),
    "active": ("paused",),
    "done": ("active",),
    "ended": ("active", "paused"),
    "requalified": ("active", "paused"),
}
# trace statuses that count as opened (a reply was read)
OPENED = ("open", "reply")


class CrmNurtureEnrolment(models.Model):
    """A lead in a nurture program: which step comes next and when. Made by
    the pipeline only (recycling, Start Nurturing, a BANT demotion); one
    active or paused enrolment per lead. The marketing owner or a manager
    pauses, resumes, moves or ends it, logged on the lead."""

    _name = "crm.nurture.enrolment"
    _description = "Nurture Enrolment"
    _inherit = ["crm.alignment.history.mixin"]
    _order = "enrolled_date desc, id desc"
    _rec_name = "lead_id"
    _guarded_state_field = "state"
    _guarded_transitions = ENROLMENT_TRANSITIONS

    lead_id = fields.Many2one(
        comodel_name="crm.lead", required=True, index=True, ondelete="cascade"
    )
    # not stored: a lead's company change (crm voids it on a recycle) costs
    # no query here; the record rules search through the lead
    company_id = fields.Many2one(related="lead_id.company_id")
    program_id = fields.Many2one(
        comodel_name="crm.nurture.program",
        required=True,
        index=True,
        ondelete="restrict",
    )
    state = fields.Selection(
        selection=ENROLMENT_STATES,
        default="active",
        required=True,
        index=True,
        readonly=True,
    )
    step_id = fields.Many2one(
        comodel_name="crm.nurture.step",
        string="Next Step",
        help="Empty once every step ran.",
    )
    next_date = fields.Datetime(string="Next Step On", index=True)
    enrolled_date = fields.Datetime(
        string="Enrolled On", required=True, default=fields.Datetime.now
    )
    enrolled_by_id = fields.Many2one(comodel_name="res.users", string="Enrolled By")
    reason = fields.Char(string="Why", help="What enrolled the lead.")
    ended_date = fields.Datetime(string="Ended On")
    exit_signals = fields.Text(
        string="Brought Back By",
        help="The engagement signals that counted most when the lead went back "
        "to sales.",
    )
    touch_ids = fields.One2many(
        comodel_name="crm.nurture.touch",
        inverse_name="enrolment_id",
        string="Steps Done",
    )

    def init(self):
        # one running enrolment per lead, whatever path tries to add one
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (lead_id)"
                " WHERE state IN ('active', 'paused')",
                SQL.identifier("crm_nurture_enrolment_one_running"),
                SQL.identifier(self._table),
            )
        )

    # ------------------------------------------------------------
    # ENROL (called by the pipeline, as the user who recycled etc.)
    # ------------------------------------------------------------

    @api.model
    def _enrol(self, leads, program, reason):
        """Enrol the leads in an agreed program (a running enrolment of a
        lead ends first, logged). Leads without a program are left as they
        are."""
        if not program or not leads:
            return self.browse()
        if program.state != "agreed":
            raise UserError(
                self.env._(
                    "%(program)s is not agreed by both teams: it enrols nobody.",
                    program=program.name,
                )
            )
        wrong_company = leads.filtered(
            lambda lead: lead.company_id and lead.company_id != program.company_id
        )
        wrong_team = leads.filtered(
            lambda lead: program.team_id and lead.team_id != program.team_id
        )
        if wrong_company or wrong_team:
            raise UserError(
                self.env._(
                    "%(program)s is not a program of %(leads)s's team.",
                    program=program.name,
                    leads=", ".join(
                        (wrong_company | wrong_team).mapped("display_name")
                    ),
                )
            )
        running = self.sudo().search(
            [("lead_id", "in", leads.ids), ("state", "in", ("active", "paused"))]
        )
        running._enrolment_end(self.env._("enrolled in %(p)s", p=program.name))
        # the ended rows leave the one-running index before the new ones enter
        running.flush_recordset(["state"])
        first = program.step_ids[:1]
        now = fields.Datetime.now()
        with self._alignment_guard_grant():
            enrolments = (
                self.sudo()
                .with_context(tracking_disable=True)
                .create(
                    [
                        {
                            "lead_id": lead.id,
                            "program_id": program.id,
                            "step_id": first.id,
                            "next_date": lead._nurture_plan(now, first.delay_days),
                            "enrolled_date": now,
                            "enrolled_by_id": self.env.uid,
                            "reason": reason,
                        }
                        for lead in leads
                    ]
                )
            )
        leads._message_log_batch(
            bodies={
                enrolment.lead_id.id: Markup("<p>%s</p>")
                % self.env._(
                    "Enrolled in the nurture program %(program)s (%(reason)s); "
                    "first step %(step)s on %(date)s.",
                    program=program.name,
                    reason=reason,
                    step=first.name or "-",
                    date=enrolment.next_date,
                )
                for enrolment in enrolments
            }
        )
        return enrolments

    # ------------------------------------------------------------
    # ACTIONS (marketing owner or a manager)
    # ------------------------------------------------------------

    def _enrolment_check_owner(self):
        Lead = self.env["crm.lead"]
        # the caller's record rules first, managers included
        self.check_access("write")
        if self.env.su or Lead._alignment_is_manager():
            return
        self.lead_id.check_access("write")
        others = self.filtered(
            lambda enrolment: enrolment.lead_id.marketing_user_id != self.env.user
        )
        if others or not Lead._alignment_is_marketing_side():
            raise AccessError(
                self.env._(
                    "Only the lead's marketing owner or a manager changes its "
                    "nurture program."
                )
            )

    def _alignment_check_role(self, target):
        self._enrolment_check_owner()

    def action_pause(self):
        self._enrolment_check_owner()
        self._alignment_transition("paused", check_role=False)
        self._enrolment_log(self.env._("Nurturing paused by %(user)s."))
        return True

    def action_resume(self):
        self._enrolment_check_owner()
        now = fields.Datetime.now()
        for enrolment in self:
            enrolment._alignment_transition(
                "active",
                {"next_date": max(enrolment.next_date or now, now)},
                check_role=False,
            )
        self._enrolment_log(self.env._("Nurturing resumed by %(user)s."))
        return True

    def action_end(self):
        self._enrolment_check_owner()
        self._enrolment_end(self.env._("ended by %(user)s", user=self.env.user.name))
        return True

    def action_move_to_step(self, step_id):
        """Skip ahead (or back) to a step of the same program, due now."""
        self._enrolment_check_owner()
        step = self.env["crm.nurture.step"].browse(step_id).exists()
        if not isinstance(step_id, int) or not step:
            raise UserError(self.env._("Choose a step of the program."))
        for enrolment in self:
            if step.program_id != enrolment.program_id:
                raise UserError(
                    self.env._(
                        "%(step)s is not a step of %(program)s.",
                        step=step.name,
                        program=enrolment.program_id.name,
                    )
                )
            if enrolment.state not in ("active", "paused"):
                raise UserError(self.env._("This enrolment has ended."))
        with self._alignment_guard_grant():
            self.sudo().write({"step_id": step.id, "next_date": fields.Datetime.now()})
        self._enrolment_log(
            self.env._("Moved to the step %(step)s by %%(user)s.", step=step.name)
        )
        return True

    def _enrolment_end(self, why):
        if not self:
            return
        self._alignment_transition(
            "ended", {"ended_date": fields.Datetime.now()}, check_role=False
        )
        self._enrolment_log(self.env._("Nurturing ended: %(why)s.", why=why))

    def _enrolment_requalify(self):
        """The lead is Sales-Ready again (fit and engagement): the enrolment
        ends as Back to Sales, with the signals that counted most."""
        if not self:
            return
        rows = self.lead_id._engagement_signal_rows()
        labels = dict(
            self.env["crm.engagement.rule"]
            ._fields["signal_type"]
            ._description_selection(self.env)
        )
        now = fields.Datetime.now()
        for enrolment in self:
            lead = enrolment.lead_id
            top = sorted(rows.get(lead.id, []), key=lambda row: -row["value"])[:3]
            signals = "; ".join(
                f"{labels.get(row['signal_type'], row['signal_type'])} "
                f"{fields.Date.to_string(row['signal_date'])} ({row['value']:+.1f})"
                for row in top
            ) or self.env._("the BANT fit alone")
            enrolment._alignment_transition(
                "requalified",
                {"ended_date": now, "exit_signals": signals},
                check_role=False,
            )
            lead._message_log(
                body=Markup("<p>%s</p>")
                % self.env._(
                    "Back to sales from the nurture program %(program)s: fit "
                    "%(fit)s (BANT %(bant)s), engagement %(score)s (exit at "
                    "%(exit)s). Brought back by: %(signals)s.",
                    program=enrolment.program_id.name,
                    fit=lead.fit_grade or "D",
                    bant=lead.bant_score,
                    score=lead.engagement_score,
                    exit=enrolment.program_id.exit_engagement_score,
                    signals=signals,
                )
            )

    def _enrolment_log(self, text):
        text = text.replace("%(user)s", self.env.user.name)
        for enrolment in self:
            enrolment.lead_id._message_log(
                body=Markup("<p>%s</p>") % f"{enrolment.program_id.name}: {text}"
            )

    # ------------------------------------------------------------
    # THE STEP JOB
    # ------------------------------------------------------------

    @api.model
    def _cron_run_steps(self, batch_size=500):
        """Run one batch of the steps that are due, then report the progress:
        ir.cron commits and calls again while some remain (at most ten
        batches a run: the cap; the next run takes the rest). A step is
        recorded with what it did in the batch's transaction, and an e-mail
        already traced for the enrolment counts as sent (Email Marketing's
        composer commits on its own): a run killed half-way loses nothing
        and repeats nothing.

        :returns: how many due steps remain"""
        due = self._due_enrolments(batch_size)
        if due:
            due._run_due_steps()
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) due", self._due_query()))
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=remaining)
        return remaining

    @api.model
    def _due_query(self, limit=None):
        return SQL(
            """SELECT e.id FROM crm_nurture_enrolment e
                 JOIN crm_nurture_program p ON p.id = e.program_id
                 JOIN crm_lead lead ON lead.id = e.lead_id
                WHERE e.state = 'active' AND e.next_date <= %s
                  AND e.step_id IS NOT NULL AND p.state = 'agreed'
                  AND lead.active AND lead.lifecycle_stage = 'nurture'
                ORDER BY e.next_date, e.id %s""",
            fields.Datetime.now(),
            SQL("LIMIT %s FOR UPDATE OF e SKIP LOCKED", limit) if limit else SQL(),
        )

    @api.model
    def _due_enrolments(self, limit):
        # rows another worker holds are skipped, not waited for
        self.env.flush_all()
        self.env.cr.execute(self._due_query(limit))
        return self.sudo().browse([row[0] for row in self.env.cr.fetchall()])

    def _run_due_steps(self):
        """One batch: group by step, run each step for its leads, record the
        touches and advance, all in this transaction."""
        Touch = self.env["crm.nurture.touch"]
        touches = []
        by_step = {}
        for enrolment in self:
            by_step[enrolment.step_id] = (
                by_step.get(enrolment.step_id, self.browse()) | enrolment
            )
        for step, enrolments in by_step.items():
            skipped = enrolments._condition_failures(step)
            runnable = enrolments.browse(
                [
                    enrolment.id
                    for enrolment in enrolments
                    if enrolment.id not in skipped
                ]
            )
            if step.kind == "email":
                results = runnable._run_email_step(step)
            else:
                results = runnable._run_activity_step(step)
            for enrolment in enrolments:
                result = skipped.get(enrolment.id) or results.get(enrolment.id)
                touches.append(
                    {
                        "enrolment_id": enrolment.id,
                        "lead_id": enrolment.lead_id.id,
                        "step_id": step.id,
                        **result,
                    }
                )
        with Touch._alignment_guard_grant():
            Touch.sudo().create(touches)
        self._advance()
        self._log_touches(touches)

    def _condition_failures(self, step):
        """{enrolment id: touch values} of the enrolments whose previous
        e-mail outcome does not meet the step's condition."""
        if step.condition == "always":
            return {}
        result = {}
        for enrolment in self:
            trace = (
                enrolment.touch_ids.filtered("mailing_trace_id")
                .sorted("id")[-1:]
                .mailing_trace_id
            )
            outcome = {
                "opened": trace.trace_status in OPENED,
                # not sent (no address) is not opened either
                "not_opened": trace.trace_status not in OPENED,
                "clicked": bool(trace.links_click_datetime),
                "replied": trace.trace_status == "reply",
            }[step.condition]
            if not outcome:
                label = dict(
                    step._fields["condition"]._description_selection(self.env)
                )[step.condition]
                result[enrolment.id] = {
                    "outcome": "skipped",
                    "skip_reason": self.env._(
                        "condition not met: %(condition)s", condition=label
                    ),
                }
        return result

    def _run_email_step(self, step):
        results = {}
        for enrolment in self:
            lead = enrolment.lead_id
            if not lead.email_normalized:
                results[enrolment.id] = {
                    "outcome": "skipped",
                    "skip_reason": self.env._("no e-mail address"),
                }
            elif lead.is_blacklisted:
                results[enrolment.id] = {
                    "outcome": "skipped",
                    "skip_reason": self.env._("the address opted out (blacklisted)"),
                }
        mailing = step._step_mailing()
        sendable = self.filtered(lambda e: e.id not in results)
        # sent by an earlier, killed run: traced already, not sent again.
        # A trace is this enrolment's when no step done claims it yet (an
        # earlier enrolment in the same program claimed its own).
        unclaimed = self._unclaimed_traces(mailing, sendable.lead_id.ids)
        unsent = sendable.filtered(lambda e: e.lead_id.id not in unclaimed)
        if unsent:
            mailing.with_context(mail_notify_force_send=False)._action_send_mail(
                res_ids=unsent.lead_id.ids
            )
            unclaimed = self._unclaimed_traces(mailing, sendable.lead_id.ids)
        for enrolment in sendable:
            trace = unclaimed.get(enrolment.lead_id.id)
            results[enrolment.id] = {
                "outcome": "done",
                "mailing_trace_id": trace.id if trace else False,
            }
        return results

    @api.model
    def _unclaimed_traces(self, mailing, lead_ids):
        """{lead id: its latest trace of ``mailing`` no step done claims}."""
        traces = (
            self.env["mailing.trace"]
            .sudo()
            .search(
                [
                    ("mass_mailing_id", "=", mailing.id),
                    ("model", "=", "crm.lead"),
                    ("res_id", "in", lead_ids),
                ],
                order="id",
            )
        )
        claimed = set(
            self.env["crm.nurture.touch"]
            .sudo()
            .search([("mailing_trace_id", "in", traces.ids)])
            .mailing_trace_id.ids
        )
        return {trace.res_id: trace for trace in traces if trace.id not in claimed}

    def _run_activity_step(self, step):
        results = {}
        for enrolment in self:
            lead = enrolment.lead_id
            owner = (
                lead.user_id
                if step.activity_owner == "sales"
                else lead.marketing_user_id or lead.team_id.marketing_user_id
            ) or lead.user_id
            activity = (
                lead.sudo()
                .with_context(mail_activity_quick_update=True)
                .activity_schedule(
                    activity_type_id=step.activity_type_id.id,
                    summary=step.name,
                    note=step.note or "",
                    user_id=owner.id or self.env.ref("base.user_root").id,
                )
            )
            results[enrolment.id] = {"outcome": "done", "activity_id": activity.id}
        return results

    def _advance(self):
        """Each enrolment to its program's next step (due after the next
        step's delay), or completed after the last one."""
        now = fields.Datetime.now()
        with self._alignment_guard_grant():
            for enrolment in self:
                steps = enrolment.program_id.step_ids
                index = list(steps).index(enrolment.step_id)
                following = steps[index + 1 : index + 2]
                if following:
                    enrolment.write(
                        {
                            "step_id": following.id,
                            "next_date": enrolment.lead_id._nurture_plan(
                                now, following.delay_days
                            ),
                        }
                    )
                else:
                    enrolment.write(
                        {
                            "step_id": False,
                            "next_date": False,
                            "state": "done",
                            "ended_date": now,
                        }
                    )
        finished = self.filtered(lambda e: e.state == "done")
        archive = finished.filtered(
            lambda e: e.program_id.cold_outcome == "archive"
        ).lead_id.filtered(lambda lead: lead.lifecycle_stage == "nurture")
        if archive:
            archive.sudo().with_context(tracking_disable=False).write({"active": False})

    def _log_touches(self, touches):
        steps = self.env["crm.nurture.step"].browse({t["step_id"] for t in touches})
        names = {step.id: step.name for step in steps}
        bodies = {}
        for touch in touches:
            if touch["outcome"] == "skipped":
                text = self.env._(
                    "Nurture step %(step)s skipped: %(reason)s.",
                    step=names[touch["step_id"]],
                    reason=touch["skip_reason"],
                )
            else:
                text = self.env._(
                    "Nurture step %(step)s done.", step=names[touch["step_id"]]
                )
            bodies[touch["lead_id"]] = Markup("<p>%s</p>") % text
        self.env["crm.lead"].browse(list(bodies))._message_log_batch(bodies=bodies)
