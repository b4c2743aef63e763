import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..lifecycle.crm_lead import SKIP_BANT_SYNC
from .crm_bant_option import BANT_CRITERIA

BANT_ANSWER_FIELDS = [f"bant_{criterion}_id" for criterion, _label in BANT_CRITERIA]
SCORE_BANDS = [
    ("cold", "0-24"),
    ("cool", "25-49"),
    ("warm", "50-74"),
    ("hot", "75-100"),
]
# The fit grade of the grade matrix (fit x engagement), from the BANT score.
FIT_GRADES = [
    ("A", "A (75-100)"),
    ("B", "B (50-74)"),
    ("C", "C (25-49)"),
    ("D", "D (0-24)"),
]
FIT_GRADE_FROM = (("A", 75), ("B", 50), ("C", 25))
AUTO_HANDOFF_BATCH = 1000

_logger = logging.getLogger(__name__)


def _score(weighted_points, total_weight):
    """Weighted mean rounded half up, clamped to 0-100, in exact integers
    (the SQL re-score computes the very same)."""
    if not total_weight:
        return 0
    score = (2 * weighted_points + total_weight) // (2 * total_weight)
    return max(0, min(100, score))


def _band(score):
    return SCORE_BANDS[min(score // 25, 3)][0]


def _fit_grade(score):
    return next(
        (grade for grade, start in FIT_GRADE_FROM if (score or 0) >= start), "D"
    )


class CrmLead(models.Model):
    """BANT qualification of a lead: the answers, the score under the lead's
    profile and whether that makes it sales-ready."""

    _inherit = "crm.lead"

    bant_budget_id = fields.Many2one(
        prefetch="crm_alignment",
        comodel_name="crm.bant.option",
        string="Budget",
        domain="[('criterion', '=', 'budget')]",
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    bant_authority_id = fields.Many2one(
        prefetch="crm_alignment",
        comodel_name="crm.bant.option",
        string="Authority",
        domain="[('criterion', '=', 'authority')]",
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    bant_need_id = fields.Many2one(
        prefetch="crm_alignment",
        comodel_name="crm.bant.option",
        string="Need",
        domain="[('criterion', '=', 'need')]",
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    bant_timeframe_id = fields.Many2one(
        prefetch="crm_alignment",
        comodel_name="crm.bant.option",
        string="Timeframe",
        domain="[('criterion', '=', 'timeframe')]",
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    bant_budget_date = fields.Datetime(
        string="Budget Answered On", readonly=True, prefetch="crm_alignment", copy=False
    )
    bant_authority_date = fields.Datetime(
        string="Authority Answered On",
        readonly=True,
        prefetch="crm_alignment",
        copy=False,
    )
    bant_need_date = fields.Datetime(
        string="Need Answered On", readonly=True, prefetch="crm_alignment", copy=False
    )
    bant_timeframe_date = fields.Datetime(
        string="Timeframe Answered On",
        readonly=True,
        prefetch="crm_alignment",
        copy=False,
    )
    # Set by the daily job when an answer outlives its profile's validity:
    # a stored flag, so no stored field depends on the current time.
    bant_budget_stale = fields.Boolean(
        string="Budget Stale", readonly=True, prefetch="crm_alignment", copy=False
    )
    bant_authority_stale = fields.Boolean(
        string="Authority Stale", readonly=True, prefetch="crm_alignment", copy=False
    )
    bant_need_stale = fields.Boolean(
        string="Need Stale", readonly=True, prefetch="crm_alignment", copy=False
    )
    bant_timeframe_stale = fields.Boolean(
        string="Timeframe Stale", readonly=True, prefetch="crm_alignment", copy=False
    )
    bant_profile_id = fields.Many2one(
        prefetch="crm_alignment",
        comodel_name="crm.bant.profile",
        string="Lead Definition",
        compute="_compute_bant_profile_id",
        store=True,
        index="btree_not_null",
        help="The sales team's BANT profile, else the company's default one.",
    )
    bant_score = fields.Integer(
        prefetch="crm_alignment",
        string="BANT Score",
        compute="_compute_bant_score",
        store=True,
        aggregator="avg",
        help="Weighted mean of the answers' points under the lead's profile "
        "(unknown, empty or stale answers count 0), rounded, from 0 to 100.",
    )
    # not indexed, as the score: a boolean true for a share of the leads and
    # score bands are read by scans; an index would cost every lead's
    # creation and every write of an indexed column
    bant_sales_ready = fields.Boolean(
        prefetch="crm_alignment",
        string="BANT Sales-Ready",
        compute="_compute_bant_score",
        store=True,
    )
    bant_score_band = fields.Selection(
        prefetch="crm_alignment",
        selection=SCORE_BANDS,
        string="Score Band",
        compute="_compute_bant_score_band",
        store=True,
    )
    fit_grade = fields.Selection(
        prefetch="crm_alignment",
        selection=FIT_GRADES,
        compute="_compute_bant_score_band",
        store=True,
        help="From the BANT score: A 75-100, B 50-74, C 25-49, D below.",
    )
    bant_explanation = fields.Html(
        string="Score Explanation",
        compute="_compute_bant_explanation",
        sanitize=False,
    )

    # ------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------

    @api.depends("team_id.bant_profile_id", "company_id.bant_profile_id")
    def _compute_bant_profile_id(self):
        for lead in self:
            lead.bant_profile_id = (
                lead.team_id.bant_profile_id
                or (lead.company_id or self.env.company).bant_profile_id
            )

    # Profile weights and answer points are not dependencies on purpose:
    # changing them re-scores every affected lead in one SQL statement
    # (_bant_rescore) instead of one ORM recompute per lead.
    @api.depends(
        *BANT_ANSWER_FIELDS,
        "bant_budget_stale",
        "bant_authority_stale",
        "bant_need_stale",
        "bant_timeframe_stale",
        "bant_profile_id",
    )
    def _compute_bant_score(self):
        for lead in self:
            lead.bant_score, lead.bant_sales_ready = lead._bant_evaluate()

    @api.depends("bant_score")
    def _compute_bant_score_band(self):
        for lead in self:
            lead.bant_score_band = _band(lead.bant_score)
            lead.fit_grade = _fit_grade(lead.bant_score)

    @api.depends(
        *BANT_ANSWER_FIELDS,
        "bant_profile_id",
        "bant_score",
        "bant_sales_ready",
    )
    def _compute_bant_explanation(self):
        for lead in self:
            lead.bant_explanation = lead._bant_explanation_html()

    # ------------------------------------------------------------
    # CRUD HOOKS (called by crm.lead's create and write)
    # ------------------------------------------------------------

    @api.model
    def _bant_prepare_create(self, vals_list):
        """Date each answer given at creation."""
        now = fields.Datetime.now()
        for vals in vals_list:
            for criterion, _label in BANT_CRITERIA:
                if vals.get(f"bant_{criterion}_id"):
                    vals[f"bant_{criterion}_date"] = now

    def _bant_after_create(self, vals_list):
        if any(
            any(vals.get(name) for name in BANT_ANSWER_FIELDS) for vals in vals_list
        ):
            self._bant_sync_lifecycle()

    def _bant_prepare_write(self, vals):
        """A new answer is dated and fresh again."""
        answered = [name for name in BANT_ANSWER_FIELDS if name in vals]
        if not answered:
            return vals
        vals = dict(vals)
        now = fields.Datetime.now()
        for name in answered:
            criterion = name[len("bant_") : -len("_id")]
            vals[f"bant_{criterion}_date"] = now if vals[name] else False
            vals[f"bant_{criterion}_stale"] = False
        return vals

    def _bant_after_write(self, vals):
        answered = any(name in vals for name in BANT_ANSWER_FIELDS)
        if (answered or {"team_id", "company_id"} & set(vals)) and not (
            SKIP_BANT_SYNC.get()
        ):
            self._bant_sync_lifecycle(answered=answered)

    @api.constrains(*BANT_ANSWER_FIELDS)
    def _check_bant_answer_criterion(self):
        for lead in self:
            for criterion, label in BANT_CRITERIA:
                option = lead[f"bant_{criterion}_id"]
                if option and option.criterion != criterion:
                    raise ValidationError(
                        self.env._(
                            "%(answer)s is not an answer to %(criterion)s.",
                            answer=option.name,
                            criterion=label,
                        )
                    )

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_mark_sales_ready(self):
        self._alignment_check_role("sales_ready")
        self._alignment_check_state("sales_ready")
        not_ready = self.filtered(
            lambda lead: lead.bant_profile_id and not lead.bant_sales_ready
        )
        if not_ready:
            raise UserError(
                self.env._(
                    "%(leads)s do not meet the agreed lead definition yet: "
                    "complete their BANT qualification.",
                    leads=", ".join(not_ready.mapped("display_name")),
                )
            )
        return super().action_mark_sales_ready()

    # ------------------------------------------------------------
    # SCORING
    # ------------------------------------------------------------

    def _bant_answer(self, criterion):
        """(option, counts): counts is False for empty, unknown, stale."""
        option = self[f"bant_{criterion}_id"]
        counts = bool(
            option and not option.is_unknown and not self[f"bant_{criterion}_stale"]
        )
        return option, counts

    def _bant_evaluate(self):
        self.ensure_one()
        profile = self.bant_profile_id
        if not profile:
            return 0, False
        weighted = total = 0
        required_ok, disqualified = True, False
        for criterion, _label in BANT_CRITERIA:
            option, counts = self._bant_answer(criterion)
            weight = profile[f"weight_{criterion}"]
            total += weight
            if counts:
                weighted += weight * option.points
                disqualified = disqualified or option.disqualifying
            elif profile[f"require_{criterion}"]:
                required_ok = False
        score = _score(weighted, total)
        ready = score >= profile.threshold and required_ok and not disqualified
        return score, ready

    def _bant_explanation_html(self):
        self.ensure_one()
        profile = self.bant_profile_id
        if not profile:
            return Markup("<p>%s</p>") % self.env._(
                "No lead definition applies: give the sales team a BANT profile "
                "or set the company's default one."
            )
        total = profile._total_weight()
        rows = Markup()
        missing = []
        for criterion, label in BANT_CRITERIA:
            option, counts = self._bant_answer(criterion)
            weight = profile[f"weight_{criterion}"]
            points = option.points if counts else 0
            contribution = weight * points / total if total else 0
            if not option:
                answer = self.env._("not answered")
            elif self[f"bant_{criterion}_stale"]:
                answer = self.env._("%(answer)s (stale)", answer=option.name)
            else:
                answer = option.name
            rows += Markup(
                "<tr><td>%s</td><td>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td><td class='text-end'>%s</td></tr>"
            ) % (label, answer, points, weight, f"{contribution:+.1f}")
            if profile[f"require_{criterion}"] and not counts:
                missing.append(
                    self.env._("%(criterion)s must be answered", criterion=label)
                )
            if counts and option.disqualifying:
                missing.append(
                    self.env._("%(answer)s disqualifies the lead", answer=option.name)
                )
        if self.bant_score < profile.threshold:
            missing.insert(
                0,
                self.env._(
                    "%(points)s more points to reach %(threshold)s",
                    points=profile.threshold - self.bant_score,
                    threshold=profile.threshold,
                ),
            )
        header = Markup(
            "<tr><th>%s</th><th>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th><th class='text-end'>%s</th></tr>"
        ) % (
            self.env._("Criterion"),
            self.env._("Answer"),
            self.env._("Points"),
            self.env._("Weight"),
            self.env._("Contribution"),
        )
        verdict = (
            self.env._(
                "Sales-ready under %(profile)s: score %(score)s of %(threshold)s.",
                profile=profile.name,
                score=self.bant_score,
                threshold=profile.threshold,
            )
            if self.bant_sales_ready
            else self.env._(
                "Not sales-ready under %(profile)s (score %(score)s): %(missing)s.",
                profile=profile.name,
                score=self.bant_score,
                missing="; ".join(missing),
            )
        )
        return Markup(
            "<table class='table table-sm o_crm_alignment_bant'>"
            "<thead>%s</thead><tbody>%s</tbody></table><p>%s</p>"
        ) % (header, rows, verdict)

    def _bant_sync_lifecycle(self, answered=False):
        """Follow a readiness change made through the ORM (one lead's answers,
        its team): into or out of sales-ready, and the automatic hand-off.

        :param answered: an answer changed (not only the team): a
            disqualifying answer takes back to nurturing a sales-ready lead
            that no salesperson holds yet, whatever the team's mode"""
        with_profile = self.filtered("bant_profile_id")
        ready = with_profile.filtered(
            lambda lead: lead.bant_sales_ready
            and lead.active
            and lead.lifecycle_stage in ("new", "nurture")
        )
        # a nurture program may want engagement too before sales gets it
        ready -= ready._nurture_held()
        if ready:
            ready._alignment_guarded_write({"lifecycle_stage": "sales_ready"})
            auto = ready.filtered(
                lambda lead: lead.bant_profile_id.auto_handoff
                and (lead.user_id or lead.team_id)
            )
            if auto:
                auto._alignment_log_handoff(
                    note=self.env._("Automatic hand-off: the lead became sales-ready.")
                )
        # where inbound leads go straight to sales they are Sales-Ready from
        # the start: a low score never takes them away from sales
        dropped = with_profile.filtered(
            lambda lead: not lead.bant_sales_ready
            and lead.lifecycle_stage == "sales_ready"
            and (
                lead.team_id._alignment_marketing_qualifies(lead.company_id)
                or (answered and not lead.user_id)
            )
        )
        if dropped:
            dropped._alignment_guarded_write({"lifecycle_stage": "nurture"})
            dropped._nurture_after_demotion()

    @api.model
    def _bant_rescore(self, where):
        """Re-score the leads matching ``where`` (SQL on alias ``lead``) in one
        statement, move those whose readiness changed into or out of
        sales-ready, log the outcome once per profile, and leave automatic
        hand-offs to the scheduled job.

        :returns: {profile_id: (changed, became_ready, dropped)}
        """
        self.env["crm.bant.option"].flush_model()
        self.env["crm.bant.profile"].flush_model()
        self.flush_model()
        self.env.cr.execute(_rescore_query(where))
        rows = self.env.cr.fetchall()
        qualifying = set(
            self.browse([row[0] for row in rows if row[2] and not row[3]])
            .filtered(
                lambda lead: lead.team_id._alignment_marketing_qualifies(
                    lead.company_id
                )
            )
            .ids
        )
        became_ready = [lead_id for lead_id, _p, old, new in rows if new and not old]
        dropped = [
            lead_id
            for lead_id, _p, old, new in rows
            if old and not new and lead_id in qualifying
        ]
        moves = {}  # lead id -> (old stage, new stage)
        if became_ready:
            self.env.cr.execute(
                SQL(
                    """UPDATE crm_lead new SET lifecycle_stage = 'sales_ready',
                              -- the funnel's journey date, the first time
                              sales_ready_date = COALESCE(old.sales_ready_date, %s),
                              hours_to_sales_ready = COALESCE(
                                  old.hours_to_sales_ready,
                                  round(crm_alignment_working_hours(
                                      COALESCE(team.resource_calendar_id,
                                               company.resource_calendar_id),
                                      old.create_date, %s)::numeric, 2))
                         FROM crm_lead old
                    LEFT JOIN crm_team team ON team.id = old.team_id
                    LEFT JOIN res_company company ON company.id = old.company_id
                        WHERE new.id = old.id AND new.id = ANY(%s)
                          AND old.id = ANY(%s) AND new.active
                          AND new.lifecycle_stage IN ('new', 'nurture')
                          AND NOT %s
                    RETURNING new.id, old.lifecycle_stage""",
                    fields.Datetime.now(),
                    fields.Datetime.now(),
                    became_ready,
                    became_ready,
                    self._nurture_held_sql(SQL("new")),
                )
            )
            moves.update(
                (lead_id, (old, "sales_ready"))
                for lead_id, old in self.env.cr.fetchall()
            )
        if dropped:
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_lead SET lifecycle_stage = 'nurture'"
                    " WHERE id = ANY(%s) AND lifecycle_stage = 'sales_ready'"
                    " RETURNING id",
                    dropped,
                )
            )
            demoted = [lead_id for (lead_id,) in self.env.cr.fetchall()]
            moves.update((lead_id, ("sales_ready", "nurture")) for lead_id in demoted)
            self.browse(demoted).invalidate_recordset(["lifecycle_stage"])
            self.browse(demoted)._nurture_after_demotion()
        self.invalidate_model(
            [
                "bant_score",
                "bant_sales_ready",
                "bant_score_band",
                "fit_grade",
                "lead_grade",
                "lifecycle_stage",
                "sales_ready_date",
                "hours_to_sales_ready",
            ]
        )
        # the same tracking line as a move by hand, written for the batch
        self.browse(list(moves))._alignment_track_stage_moves(moves)
        moved = [
            lead_id for lead_id, (_old, new) in moves.items() if new == "sales_ready"
        ]
        # the same as a move through the door: out of nurture, out of its program
        self._nurture_after_write(
            self.browse(
                [
                    lead_id
                    for lead_id, (old, new) in moves.items()
                    if old == "nurture" and new == "sales_ready"
                ]
            )
        )
        summary = {}
        for _lead_id, profile_id, old, new in rows:
            changed, up, down = summary.get(profile_id, (0, 0, 0))
            summary[profile_id] = (
                changed + 1,
                up + bool(new and not old),
                down + bool(old and not new),
            )
        profiles = self.env["crm.bant.profile"].browse(list(summary))
        for profile in profiles:
            changed, up, down = summary[profile.id]
            profile._message_log(
                body=self.env._(
                    "Re-scored the leads of this definition: %(changed)s changed "
                    "score, %(up)s became sales-ready, %(down)s are no longer "
                    "sales-ready.",
                    changed=changed,
                    up=up,
                    down=down,
                )
            )
        if moved and profiles.filtered("auto_handoff"):
            self.env.ref("crm_alignment.ir_cron_bant_auto_handoff")._trigger()
        return summary

    # ------------------------------------------------------------
    # SCHEDULED JOBS
    # ------------------------------------------------------------

    @api.model
    def _cron_bant_auto_handoff(self):
        """Hand off, in batches, the sales-ready leads whose profile says so.

        The batch goes in one call; when it fails, each lead is tried on its
        own (a savepoint each) so that one lead that cannot be handed off (a
        calendar without working time, a departed salesperson) is skipped,
        logged on the lead and in the job's log, and retried next run,
        instead of failing the whole batch on every run."""
        domain = [
            ("lifecycle_stage", "=", "sales_ready"),
            ("bant_sales_ready", "=", True),
            ("bant_profile_id.auto_handoff", "=", True),
            "|",
            ("user_id", "!=", False),
            ("team_id", "!=", False),
        ]
        note = self.env._("Automatic hand-off: the lead became sales-ready.")
        leads = self.search(domain, limit=AUTO_HANDOFF_BATCH, order="id")
        failed = self.browse()
        try:
            with self.env.cr.savepoint():
                leads.handoff_to_sales(note=note)
        except (UserError, ValidationError):
            self.env.clear()  # nothing of the failed attempt stays cached
            for lead in leads:
                try:
                    with self.env.cr.savepoint():
                        lead.handoff_to_sales(note=note)
                except (UserError, ValidationError) as error:
                    self.env.clear()
                    failed |= lead
                    _logger.warning(
                        "Automatic hand-off of lead %s skipped: %s", lead.id, error
                    )
                    lead._message_log(
                        body=self.env._(
                            "Automatic hand-off failed, retried at the next run: "
                            "%(error)s",
                            error=str(error),
                        )
                    )
        done = len(leads - failed)
        # the failed ones stay sales-ready; they are not "remaining" work
        # for this run, or the job would loop on them
        remaining = self.search_count(domain) - len(failed) if done else 0
        self.env["ir.cron"]._notify_progress(done=done, remaining=max(remaining, 0))
        return True

    @api.model
    def _cron_bant_mark_stale(self):
        """Answers older than their profile's validity count as unknown until
        someone confirms them; the marketing owner is asked to re-qualify."""
        self.flush_model()
        stale_ids = set()
        for criterion, _label in BANT_CRITERIA:
            self.env.cr.execute(_stale_query(criterion, fields.Datetime.now()))
            stale_ids.update(row[0] for row in self.env.cr.fetchall())
        if not stale_ids:
            return True
        self.invalidate_model(
            [f"bant_{criterion}_stale" for criterion, _label in BANT_CRITERIA]
        )
        self._bant_rescore(SQL("lead.id = ANY(%s)", list(stale_ids)))
        leads = self.browse(sorted(stale_ids))
        leads._alignment_plan_activities(
            "crm_alignment.mail_activity_type_requalify",
            {lead.id: lead.marketing_user_id or lead.user_id for lead in leads},
        )
        return True


def _criterion_sql(criterion):
    """SQL pieces of one criterion: option alias, points, answered, disqualifying."""
    option = SQL.identifier(f"o_{criterion}")
    stale = SQL.identifier("lead", f"bant_{criterion}_stale")
    counts = SQL(
        "(%s.id IS NOT NULL AND NOT COALESCE(%s.is_unknown, FALSE)"
        " AND NOT COALESCE(%s, FALSE))",
        option,
        option,
        stale,
    )
    return {
        "join": SQL(
            "LEFT JOIN crm_bant_option %s ON %s.id = %s",
            option,
            option,
            SQL.identifier("lead", f"bant_{criterion}_id"),
        ),
        "weighted": SQL(
            "%s * (CASE WHEN %s THEN %s.points ELSE 0 END)",
            SQL.identifier("p", f"weight_{criterion}"),
            counts,
            option,
        ),
        "weight": SQL.identifier("p", f"weight_{criterion}"),
        "required_ok": SQL(
            "(NOT COALESCE(%s, FALSE) OR %s)",
            SQL.identifier("p", f"require_{criterion}"),
            counts,
        ),
        "disqualified": SQL(
            "(%s AND COALESCE(%s.disqualifying, FALSE))", counts, option
        ),
    }


def _rescore_query(where):
    parts = [_criterion_sql(criterion) for criterion, _label in BANT_CRITERIA]
    return SQL(
        """
        WITH scored AS (
            SELECT lead.id, lead.bant_profile_id AS profile_id,
                   lead.bant_score AS old_score,
                   COALESCE(lead.bant_sales_ready, FALSE) AS old_ready,
                   p.threshold,
                   (%(weighted)s) AS weighted, (%(weight)s) AS total,
                   (%(required_ok)s) AS required_ok,
                   (%(disqualified)s) AS disqualified
              FROM crm_lead lead
              JOIN crm_bant_profile p ON p.id = lead.bant_profile_id
              %(joins)s
             WHERE %(where)s
        ), result AS (
            SELECT id, profile_id, old_score, old_ready, required_ok,
                   disqualified, threshold,
                   CASE WHEN total > 0 THEN LEAST(100, GREATEST(0,
                       floor((2 * weighted + total)::numeric / (2 * total))))::int
                   ELSE 0 END AS new_score
              FROM scored
        )
        UPDATE crm_lead lead
           SET bant_score = r.new_score,
               bant_sales_ready = (r.new_score >= r.threshold AND r.required_ok
                                   AND NOT r.disqualified),
               bant_score_band = CASE WHEN r.new_score >= 75 THEN 'hot'
                                      WHEN r.new_score >= 50 THEN 'warm'
                                      WHEN r.new_score >= 25 THEN 'cool'
                                      ELSE 'cold' END,
               fit_grade = %(fit_grade)s
          FROM result r
         WHERE lead.id = r.id
           AND (lead.bant_score IS DISTINCT FROM r.new_score
                OR r.old_ready IS DISTINCT FROM (r.new_score >= r.threshold
                   AND r.required_ok AND NOT r.disqualified))
     RETURNING lead.id, r.profile_id, r.old_ready, lead.bant_sales_ready
        """,
        weighted=SQL(" + ").join(part["weighted"] for part in parts),
        weight=SQL(" + ").join(part["weight"] for part in parts),
        required_ok=SQL(" AND ").join(part["required_ok"] for part in parts),
        disqualified=SQL(" OR ").join(part["disqualified"] for part in parts),
        joins=SQL(" ").join(part["join"] for part in parts),
        where=where,
        fit_grade=SQL(" ").join(
            [
                SQL("CASE"),
                *(
                    SQL("WHEN r.new_score >= %s THEN %s", start, grade)
                    for grade, start in FIT_GRADE_FROM
                ),
                SQL("ELSE 'D' END"),
            ]
        ),
    )


def _stale_query(criterion, now):
    return SQL(
        """
        UPDATE crm_lead lead SET %(stale)s = TRUE
          FROM crm_bant_profile p
         WHERE p.id = lead.bant_profile_id AND p.validity_days > 0
           AND %(answer)s IS NOT NULL AND NOT COALESCE(%(stale_col)s, FALSE)
           AND %(date)s < %(now)s - make_interval(days => p.validity_days)
     RETURNING lead.id
        """,
        stale=SQL.identifier(f"bant_{criterion}_stale"),
        stale_col=SQL.identifier("lead", f"bant_{criterion}_stale"),
        answer=SQL.identifier("lead", f"bant_{criterion}_id"),
        date=SQL.identifier("lead", f"bant_{criterion}_date"),
        now=now,
    )
