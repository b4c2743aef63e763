from odoo import api, fields, models
from odoo.tools import SQL

# Working hours between two UTC timestamps under a calendar's weekly
# attendances (its time zone, two-week calendars, lunch breaks), set-based so
# a batch of leads costs one query. Public holidays are not subtracted; no
# calendar: calendar hours.
WORKING_HOURS_FUNCTION = """
CREATE OR REPLACE FUNCTION crm_alignment_working_hours(
    cal integer, t_from timestamp, t_to timestamp
) RETURNS double precision LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN t_from IS NULL OR t_to IS NULL THEN NULL
    WHEN t_to <= t_from THEN 0.0
    WHEN cal IS NULL THEN EXTRACT(EPOCH FROM t_to - t_from) / 3600.0
    ELSE (
        SELECT COALESCE(SUM(GREATEST(0.0, EXTRACT(EPOCH FROM
                   LEAST(day + make_interval(secs => a.hour_to * 3600), b.lt)
                 - GREATEST(day + make_interval(secs => a.hour_from * 3600), b.lf)
               ))), 0.0) / 3600.0
          FROM resource_calendar c
         CROSS JOIN LATERAL (
               SELECT timezone(COALESCE(c.tz, 'UTC'), timezone('UTC', t_from)) AS lf,
                      timezone(COALESCE(c.tz, 'UTC'), timezone('UTC', t_to)) AS lt
               ) b
         CROSS JOIN LATERAL generate_series(
               date_trunc('day', b.lf), b.lt, interval '1 day') AS day
          JOIN resource_calendar_attendance a
            ON a.calendar_id = c.id
           AND a.resource_id IS NULL
           AND a.display_type IS NULL
           AND a.day_period IS DISTINCT FROM 'lunch'
           AND a.dayofweek::int = EXTRACT(ISODOW FROM day)::int - 1
           AND (NOT COALESCE(c.two_weeks_calendar, FALSE)
                OR a.week_type::int = mod((day::date - date '0001-01-01') / 7, 2))
         WHERE c.id = cal)
END
$$;
"""

# (duration field, start date, end date): the funnel's steps
FUNNEL_STEPS = (
    ("hours_to_sales_ready", "create_date", "sales_ready_date"),
    ("hours_to_handoff", "sales_ready_date", "first_handoff_date"),
    ("hours_to_accept", "first_handoff_date", "accepted_date"),
    ("hours_to_opportunity", "accepted_date", "date_conversion"),
    ("hours_to_won", "date_conversion", "date_closed"),
)
# lifecycle stage reached -> the journey dates it stamps (first time only)
STAGE_STAMPS = {
    "sales_ready": ("sales_ready_date",),
    "handed_off": ("sales_ready_date", "first_handoff_date"),
    "accepted": ("sales_ready_date", "accepted_date"),
}


class CrmLead(models.Model):
    """The lead's own journey dates, the funnel's raw material: each is
    stamped the first time the lead reaches the step and never moves, so a
    recycled lead handed off again counts once per step in its cohort."""

    _inherit = "crm.lead"

    sales_ready_date = fields.Datetime(
        prefetch="crm_alignment",
        string="First Sales-Ready On",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    first_handoff_date = fields.Datetime(
        prefetch="crm_alignment",
        string="First Handed Off On",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    accepted_date = fields.Datetime(
        prefetch="crm_alignment",
        string="First Accepted On",
        readonly=True,
        copy=False,
    )
    hours_to_sales_ready = fields.Float(
        prefetch="crm_alignment",
        compute="_compute_funnel_hours",
        store=True,
        aggregator="avg",
        string="Working Hours to Sales-Ready",
    )
    hours_to_handoff = fields.Float(
        prefetch="crm_alignment",
        compute="_compute_funnel_hours",
        store=True,
        aggregator="avg",
        string="Working Hours Sales-Ready to Hand-off",
    )
    hours_to_accept = fields.Float(
        prefetch="crm_alignment",
        compute="_compute_funnel_hours",
        store=True,
        aggregator="avg",
        string="Working Hours Hand-off to Acceptance",
    )
    hours_to_opportunity = fields.Float(
        prefetch="crm_alignment",
        compute="_compute_funnel_hours",
        store=True,
        aggregator="avg",
        string="Working Hours Acceptance to Opportunity",
    )
    hours_to_won = fields.Float(
        prefetch="crm_alignment",
        compute="_compute_funnel_hours",
        store=True,
        aggregator="avg",
        string="Working Hours Opportunity to Won",
    )

    def init(self):
        super().init()
        self.env.cr.execute(WORKING_HOURS_FUNCTION)

    @api.depends(
        "create_date",
        "sales_ready_date",
        "first_handoff_date",
        "accepted_date",
        "date_conversion",
        "date_closed",
        "team_id",
    )
    def _compute_funnel_hours(self):
        """All steps of the batch in one query (values from the cache: the
        dates may not be flushed yet). A step not reached stays empty."""
        pairs = []  # (lead, field, calendar id, start, end)
        default_calendar = self.env.company.resource_calendar_id.id
        for lead in self:
            calendar = (
                lead.team_id.resource_calendar_id.id
                or lead.company_id.resource_calendar_id.id
                or default_calendar
            )
            for fname, start, end in FUNNEL_STEPS:
                lead[fname] = False
                if lead[start] and lead[end] and isinstance(lead.id, int):
                    pairs.append((lead, fname, calendar, lead[start], lead[end]))
        if not pairs:
            return
        self.env.cr.execute(
            SQL(
                "SELECT crm_alignment_working_hours(c, a, b)"
                "  FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[])"
                "  WITH ORDINALITY AS t(c, a, b, n) ORDER BY n",
                [pair[2] or None for pair in pairs],
                [pair[3] for pair in pairs],
                [pair[4] for pair in pairs],
            )
        )
        for (lead, fname, *_rest), (hours,) in zip(
            pairs, self.env.cr.fetchall(), strict=True
        ):
            lead[fname] = round(hours or 0.0, 2)

    def _funnel_stamp(self, stage, date=None):
        """First time these leads reach ``stage``: stamp its journey dates
        (the ones already set stay)."""
        date = date or fields.Datetime.now()
        for fname in STAGE_STAMPS.get(stage, ()):
            unstamped = self.filtered(lambda lead, fname=fname: not lead[fname])
            if unstamped:
                unstamped._alignment_guarded_write({fname: date})

    def _funnel_after_create(self):
        by_stage = {}
        for lead in self:
            if lead.lifecycle_stage in STAGE_STAMPS:
                by_stage.setdefault(lead.lifecycle_stage, self.browse())
                by_stage[lead.lifecycle_stage] |= lead
        for stage, leads in by_stage.items():
            leads._funnel_stamp(stage)

    def _funnel_after_write(self, vals):
        stage = vals.get("lifecycle_stage")
        if stage in STAGE_STAMPS:
            self._funnel_stamp(stage, vals.get("handoff_date"))

    @api.model
    def _funnel_backfill(self):
        """Journey dates of leads handed off before these dates existed
        (upgrade from 18.0.1.1.0): from the hand-off log."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            WITH journey AS (
                SELECT lead_id, min(date) AS first_handoff,
                       min(accepted_date) AS first_accepted
                  FROM crm_lead_handoff
                 WHERE direction = 'to_sales'
              GROUP BY lead_id
            )
            UPDATE crm_lead l
               SET first_handoff_date = COALESCE(l.first_handoff_date, j.first_handoff),
                   accepted_date = COALESCE(l.accepted_date, j.first_accepted),
                   sales_ready_date = COALESCE(l.sales_ready_date, j.first_handoff)
              FROM journey j
             WHERE j.lead_id = l.id
         RETURNING l.id
            """
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.env.cr.execute(
            """
            UPDATE crm_lead SET sales_ready_date = COALESCE(write_date, create_date)
             WHERE lifecycle_stage = 'sales_ready' AND sales_ready_date IS NULL
         RETURNING id
            """
        )
        ids += [row[0] for row in self.env.cr.fetchall()]
        leads = self.with_context(active_test=False).browse(ids)
        self.invalidate_model(
            ["sales_ready_date", "first_handoff_date", "accepted_date"]
        )
        for fname, _start, _end in FUNNEL_STEPS:
            self.env.add_to_compute(self._fields[fname], leads)
        leads.flush_recordset()
        return len(ids)
