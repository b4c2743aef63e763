import logging
from datetime import datetime, timedelta, timezone

from odoo import api, fields, models
from odoo.tools import SQL

from ..abm.crm_lead import TARGET_FIELDS
from ..bant.crm_lead import FIT_GRADES
from ..common.lead_table_apart import (
    cache_computed,
    join_lead_table,
    origin_ids,
    search_lead_table,
)
from .crm_engagement_signal import signals_query

_logger = logging.getLogger(__name__)

# how far before the new-signals job's last run it looks again
SIGNAL_WINDOW_OVERLAP = timedelta(minutes=15)

# Engagement grade from the team's engagement definition (1 best); with the
# fit grade (A-D, from BANT) it makes the grade matrix A1 .. D4.
ENGAGEMENT_GRADES = [("1", "1 (engaged)"), ("2", "2"), ("3", "3"), ("4", "4 (cold)")]
LEAD_GRADES = [
    (f"{fit}{engagement}", f"{fit}{engagement}")
    for fit, _fit_label in FIT_GRADES
    for engagement, _label in ENGAGEMENT_GRADES
]
ENGAGEMENT_FIELDS = (
    "engagement_score",
    "engagement_grade",
    "engagement_definition_id",
    "lead_grade",
)
# The scores, apart from crm_lead: the hourly re-score rewrites every engaged
# lead's score (signals fade), and on crm_lead that is a wide row and an
# entry in each of its fifty indexes per lead. A narrow table of plain
# integers: a foreign-key check per row doubled the re-score's time; the
# rows of a deleted lead or definition are removed with it (unlink).
ENGAGEMENT_TABLE = """
CREATE TABLE IF NOT EXISTS crm_lead_engagement (
    lead_id integer PRIMARY KEY,
    definition_id integer NOT NULL,
    score integer NOT NULL DEFAULT 0,
    grade varchar NOT NULL
)"""
# lead field -> its column in crm_lead_engagement (lead_grade: with fit_grade)
ENGAGEMENT_COLUMNS = {
    "engagement_score": "score",
    "engagement_grade": "grade",
    "engagement_definition_id": "definition_id",
    "lead_grade": "grade",
}


class CrmLead(models.Model):
    """Engagement next to fit: what the prospect does (opens, clicks,
    replies, visits, events, chats), each signal fading with its half-life,
    scored under the engagement definition both teams signed, and the grade
    matrix (A-D fit from BANT, 1-4 engagement). Stored, written in SQL by
    the re-score (a job, and when a signal arrives), never by a caller."""

    _inherit = "crm.lead"
    # (the target-account links are stored apart too: abm)
    _guarded_stored_apart = (*ENGAGEMENT_FIELDS, *TARGET_FIELDS)

    # Not columns of crm_lead: the score fades every hour and is rewritten
    # for every engaged lead, so it lives in the narrow table
    # crm_lead_engagement; _field_to_sql joins it, which makes these fields
    # searchable, groupable and sortable in SQL as stored ones are.
    engagement_score = fields.Integer(
        compute="_compute_engagement",
        search="_search_engagement_score",
        aggregator="avg",
        help="Sum of the lead's engagement signals, each worth its points "
        "halved every half-life, capped per kind of signal, under the "
        "engagement definition both teams signed.",
    )
    engagement_grade = fields.Selection(
        selection=ENGAGEMENT_GRADES,
        compute="_compute_engagement",
        search="_search_engagement_grade",
    )
    engagement_definition_id = fields.Many2one(
        comodel_name="crm.engagement.definition",
        string="Engagement Definition",
        compute="_compute_engagement",
        search="_search_engagement_definition_id",
    )
    lead_grade = fields.Selection(
        selection=LEAD_GRADES,
        string="Grade",
        compute="_compute_engagement",
        search="_search_lead_grade",
        help="Fit (A-D, from BANT) and engagement (1-4): A1 is a lead that "
        "fits and engages, D4 one that does neither.",
    )
    engagement_explanation = fields.Json(
        compute="_compute_engagement_explanation",
        help="Each signal, when it happened and what it still counts today.",
    )

    def init(self):
        result = super().init()
        self.env.cr.execute(ENGAGEMENT_TABLE)
        return result

    def unlink(self):
        lead_ids = self.ids
        result = super().unlink()
        self.env.cr.execute(
            "DELETE FROM crm_lead_engagement WHERE lead_id = ANY(%s)", [lead_ids]
        )
        return result

    @api.depends("fit_grade")
    def _compute_engagement(self):
        rows = {}
        ids = origin_ids(self)
        lead_ids = [lead_id for lead_id in ids if lead_id]
        if lead_ids:
            self.env.cr.execute(
                """SELECT lead_id, score, grade, definition_id
                     FROM crm_lead_engagement WHERE lead_id = ANY(%s)""",
                [lead_ids],
            )
            rows = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        values = [rows.get(lead_id, (0, False, False)) for lead_id in ids]
        cache_computed(
            self,
            {
                "engagement_score": [score for score, _grade, _def in values],
                "engagement_grade": [grade for _score, grade, _def in values],
                "engagement_definition_id": [defn for _s, _g, defn in values],
                "lead_grade": [
                    f"{lead.fit_grade or 'D'}{grade or '4'}"
                    for lead, (_score, grade, _def) in zip(self, values, strict=True)
                ],
            },
        )

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        if fname not in ENGAGEMENT_COLUMNS:
            return super()._field_to_sql(alias, fname, query, flush)
        engagement = join_lead_table(self, alias, fname, query, "crm_lead_engagement")
        if fname == "engagement_score":
            return SQL("COALESCE(%s, 0)", SQL.identifier(engagement, "score"))
        if fname == "lead_grade":
            return SQL(
                "(COALESCE(%s, 'D') || COALESCE(%s, '4'))",
                super()._field_to_sql(alias, "fit_grade", query, flush),
                SQL.identifier(engagement, "grade"),
            )
        return SQL.identifier(engagement, ENGAGEMENT_COLUMNS[fname])

    def _search_engagement_field(self, fname, operator, value):
        return search_lead_table(
            self,
            fname,
            operator,
            value,
            comodel="crm.engagement.definition"
            if fname == "engagement_definition_id"
            else None,
        )

    def _search_engagement_score(self, operator, value):
        return self._search_engagement_field("engagement_score", operator, value)

    def _search_engagement_grade(self, operator, value):
        return self._search_engagement_field("engagement_grade", operator, value)

    def _search_engagement_definition_id(self, operator, value):
        return self._search_engagement_field(
            "engagement_definition_id", operator, value
        )

    def _search_lead_grade(self, operator, value):
        return self._search_engagement_field("lead_grade", operator, value)

    def _compute_engagement_explanation(self):
        rows = self._engagement_signal_rows() if self.ids else {}
        labels = dict(
            self.env["crm.engagement.rule"]
            ._fields["signal_type"]
            ._description_selection(self.env)
        )
        columns = [
            {"label": self.env._("Signal"), "type": "char"},
            {"label": self.env._("When"), "type": "datetime"},
            {"label": self.env._("Points"), "type": "integer"},
            {"label": self.env._("Half-life (days)"), "type": "float"},
            {"label": self.env._("Counts Today"), "type": "float"},
        ]
        for lead in self:
            lead_rows = rows.get(lead.id, [])
            lead.engagement_explanation = {
                "columns": columns,
                "rows": [
                    [
                        labels.get(row["signal_type"], row["signal_type"])
                        + (
                            self.env._(" (capped)")
                            if row["capped"] and row["first_of_type"]
                            else ""
                        ),
                        fields.Datetime.to_string(row["signal_date"]),
                        row["points"],
                        row["half_life_days"],
                        round(row["value"], 2),
                    ]
                    for row in lead_rows
                ],
                "empty": (
                    self.env._("No engagement signal counts for this lead yet.")
                    if lead.engagement_definition_id
                    else self.env._(
                        "No agreed engagement definition scores this lead: both "
                        "managers sign one for its team or company."
                    )
                ),
            }

    # ------------------------------------------------------------
    # THE RE-SCORE (one statement, set-based)
    # ------------------------------------------------------------

    def _engagement_signal_rows(self):
        """{lead id: [signal row]} of these leads, newest first: each
        signal's points, half-life and value today under the lead's
        definition (the figures the stored score adds up)."""
        self.env.flush_all()
        now = _scoring_now()
        self.env.cr.execute(
            SQL(
                """WITH leads AS (SELECT unnest(%(ids)s::int[]) AS id),
                        signals AS (%(signals)s),
                        definition AS (%(definition)s),
                        valued AS (%(valued)s)
                   SELECT lead_id, signal_type, signal_date, points,
                          half_life_days, value, capped,
                          row_number() OVER (PARTITION BY lead_id, signal_type
                                             ORDER BY signal_date DESC) = 1
                     FROM valued ORDER BY lead_id, signal_date DESC""",
                ids=self.ids,
                signals=signals_query(self.env, SQL("leads")),
                definition=_lead_definition_sql(self.env),
                valued=_valued_signals_sql(now, per_signal=True),
            )
        )
        result = {}
        for row in self.env.cr.fetchall():
            result.setdefault(row[0], []).append(
                {
                    "signal_type": row[1],
                    "signal_date": row[2],
                    "points": row[3],
                    "half_life_days": row[4],
                    "value": float(row[5]),
                    "capped": row[6],
                    "first_of_type": row[7],
                }
            )
        return result

    @api.model
    def _engagement_rescore(self, where=None):
        """Re-score the leads matching ``where`` (SQL on alias ``lead``; all
        leads by default) in one statement, then bring back to sales the
        nurtured leads that warmed up.

        :returns: ids of the leads whose score changed"""
        # the signals live in other apps' tables (traces, shares, visits)
        self.env.flush_all()
        now = _scoring_now()
        if where is None:
            # every lead: the signals' joins and sums fit in memory instead of
            # sorting on disk (this transaction only)
            self.env.cr.execute("SET LOCAL work_mem = '64MB'")
        self.env.cr.execute(
            SQL(
                """WITH leads AS (
                       SELECT lead.id FROM crm_lead lead WHERE %(where)s
                   ), definition AS MATERIALIZED (%(definition)s),
                   signals AS MATERIALIZED (
                       SELECT source.lead_id, source.signal_type, source.signal_date
                         FROM (%(signals)s) source
                   ),
                   per_type AS (%(per_type)s),
                   scored AS (
                       -- rounded half up in double precision (the score is
                       -- never below 0): a numeric per lead costs a tenth of
                       -- the statement
                       SELECT d.lead_id, d.definition_id,
                              GREATEST(0, floor(COALESCE(t.value, 0) + 0.5))::int
                              AS score
                         FROM definition d
                    LEFT JOIN (SELECT lead_id, sum(value) AS value
                                 FROM per_type GROUP BY lead_id) t
                           ON t.lead_id = d.lead_id
                        WHERE d.definition_id IS NOT NULL
                   ), removed AS (
                       DELETE FROM crm_lead_engagement engagement
                        USING definition d
                        WHERE engagement.lead_id = d.lead_id
                          AND d.definition_id IS NULL
                    RETURNING engagement.lead_id
                   ), upserted AS (
                       INSERT INTO crm_lead_engagement AS engagement
                              (lead_id, definition_id, score, grade)
                       SELECT s.lead_id, s.definition_id, s.score,
                              CASE WHEN s.score >= def.grade_1_from THEN '1'
                                   WHEN s.score >= def.grade_2_from THEN '2'
                                   WHEN s.score >= def.grade_3_from THEN '3'
                                   ELSE '4' END
                         FROM scored s
                         JOIN crm_engagement_definition def ON def.id = s.definition_id
                       ON CONFLICT (lead_id) DO UPDATE
                          SET score = EXCLUDED.score, grade = EXCLUDED.grade,
                              definition_id = EXCLUDED.definition_id
                        WHERE (engagement.score, engagement.grade,
                               engagement.definition_id)
                              IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.grade,
                                                EXCLUDED.definition_id)
                    RETURNING engagement.lead_id
                   ), changed AS (
                       SELECT lead_id FROM removed
                       UNION ALL SELECT lead_id FROM upserted
                   )
                   -- with whether the lead may go back to sales: a nurtured
                   -- lead that fits (the program decides on the score)
                   SELECT changed.lead_id,
                          lead.active AND lead.bant_sales_ready
                          AND lead.lifecycle_stage = 'nurture'
                          AND lead.bant_profile_id IS NOT NULL
                     FROM changed JOIN crm_lead lead ON lead.id = changed.lead_id""",
                where=where or SQL("TRUE"),
                signals=signals_query(self.env, SQL("leads") if where else None),
                definition=_lead_definition_sql(self.env, filtered=bool(where)),
                per_type=_valued_signals_sql(now),
            )
        )
        rows = self.env.cr.fetchall()
        changed = [lead_id for lead_id, _warm in rows]
        if changed:
            self.invalidate_model(ENGAGEMENT_FIELDS)
        # only nurtured leads that fit may go back to sales: chosen in the
        # statement, not by loading every re-scored lead
        warm = [lead_id for lead_id, may_go_back in rows if may_go_back]
        if warm:
            self.browse(warm)._nurture_after_engagement()
        return changed

    @api.model
    def _cron_engagement_new_signals(self):
        """Website visits, event registrations and live chats come from apps
        this addon does not depend on, so nothing here hears them arrive:
        every few minutes, the leads with a signal since the job's last run
        are re-scored (one statement; the hourly job re-scores every lead
        for the decay). The window overlaps the last run (a signal dated
        during it is not lost; a lead scored twice scores the same)."""
        lastcall = self.env.context.get("lastcall")
        since = (lastcall or fields.Datetime.now()) - SIGNAL_WINDOW_OVERLAP
        changed = self._engagement_rescore(
            where=SQL(
                "lead.id IN (SELECT recent.lead_id FROM (%s) recent"
                " WHERE recent.signal_date >= %s)",
                signals_query(self.env, None),
                since,
            )
        )
        _logger.info("Engagement of new signals: %s leads changed score", len(changed))
        return True

    @api.model
    def _cron_engagement_rescore(self):
        """Signals fade every day: re-score every lead that has a definition
        or a score (one statement)."""
        changed = self._engagement_rescore()
        _logger.info("Engagement re-score: %s leads changed score", len(changed))
        return True


def _lead_definition_sql(env, filtered=True):
    """(lead_id, definition_id) of the leads of CTE ``leads``: the agreed
    definition of the lead's team, else its company's company-wide one."""
    return SQL(
        """SELECT lead.id AS lead_id,
                  COALESCE(team_def.id, company_def.id) AS definition_id
             FROM crm_lead lead
        LEFT JOIN crm_engagement_definition team_def
               ON team_def.team_id = lead.team_id AND team_def.active
              AND team_def.state = 'agreed'
        LEFT JOIN crm_engagement_definition company_def
               ON company_def.team_id IS NULL AND company_def.active
              AND company_def.state = 'agreed'
              AND company_def.company_id = COALESCE(lead.company_id, %(company)s)
            WHERE %(filter)s""",
        company=env.company.id,
        filter=SQL("lead.id IN (SELECT id FROM leads)") if filtered else SQL("TRUE"),
    )


def _scoring_now():
    """Now, to the microsecond: a signal recorded in this very transaction
    (its create_date is the transaction's start, with microseconds) counts.
    Odoo's Datetime.now() drops the microseconds, and left such a signal
    in the future until the next second."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _valued_signals_sql(now, per_signal=False):
    """Each signal's value today, points x 0.5^(age in days / half-life),
    capped per signal type (the cap shared by the signals of a type in
    proportion), from CTEs ``signals`` and ``definition``. ``per_signal``:
    one row per signal (the explanation); otherwise one per lead and type
    (the score)."""
    # date_part, not extract: a double, not a numeric (ten times faster)
    value = SQL(
        "r.points * power(0.5::float8, GREATEST(0::float8, date_part('epoch',"
        " %s::timestamp - s.signal_date)) / (86400.0::float8 * r.half_life_days))",
        now,
    )
    base = SQL(
        """SELECT s.lead_id, s.signal_type, s.signal_date, r.points,
                  r.half_life_days, r.cap, %(value)s AS value
             FROM signals s
             JOIN definition d ON d.lead_id = s.lead_id
             JOIN crm_engagement_rule r
               ON r.definition_id = d.definition_id AND r.signal_type = s.signal_type
            WHERE s.signal_date <= %(now)s""",
        value=value,
        now=now,
    )
    if per_signal:
        # a capped type's signals count in proportion, so that they add up
        # to the cap the score counts
        return SQL(
            """SELECT lead_id, signal_type, signal_date, points, half_life_days,
                      CASE WHEN cap > 0 AND abs(total) > cap
                           THEN value * cap / abs(total) ELSE value END AS value,
                      cap > 0 AND abs(total) > cap AS capped
                 FROM (SELECT b.*, sum(b.value) OVER (PARTITION BY b.lead_id,
                              b.signal_type) AS total FROM (%s) b) per_signal""",
            base,
        )
    return SQL(
        """SELECT lead_id, signal_type,
                  CASE WHEN max(cap) > 0
                       THEN LEAST(max(cap), GREATEST(-max(cap), sum(value)))
                       ELSE sum(value) END AS value
             FROM (%s) b GROUP BY lead_id, signal_type""",
        base,
    )
