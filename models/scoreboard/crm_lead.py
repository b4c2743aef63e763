from odoo import fields, models
from odoo.tools import SQL, create_index

from ..common.sql_fingerprint import create_fingerprinted_index
from .crm_alignment_scoreboard import (
    FUNNEL,
    JOURNEY_HOURS_INCLUDE,
    journey_hours_reached,
)

# Working hours between two UTC timestamps under a calendar's weekly
# attendances (its time zone, two-week calendars, lunch breaks) less its
# public holidays (global time off: no resource, the calendar's or every
# calendar's, merged where they overlap), as Odoo's get_work_hours_count
# counts them for the follow-up SLAs; set-based so a batch of leads costs one
# query. No calendar: calendar hours.
WORKING_HOURS_FUNCTION = """
CREATE OR REPLACE FUNCTION crm_alignment_working_hours(
    cal integer, t_from timestamp, t_to timestamp
) RETURNS double precision LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN t_from IS NULL OR t_to IS NULL THEN NULL
    WHEN t_to <= t_from THEN 0.0
    WHEN cal IS NULL THEN EXTRACT(EPOCH FROM t_to - t_from) / 3600.0
    ELSE (
        SELECT COALESCE(SUM(EXTRACT(EPOCH FROM upper(worked) - lower(worked))),
                        0.0) / 3600.0
          FROM resource_calendar c
         CROSS JOIN LATERAL (
               SELECT timezone(COALESCE(c.tz, 'UTC'), timezone('UTC', t_from)) AS lf,
                      timezone(COALESCE(c.tz, 'UTC'), timezone('UTC', t_to)) AS lt
               ) b
         CROSS JOIN LATERAL (
               SELECT COALESCE(range_agg(tsrange(
                          timezone(COALESCE(c.tz, 'UTC'), timezone('UTC', l.date_from)),
                          timezone(COALESCE(c.tz, 'UTC'), timezone('UTC', l.date_to))
                      )), '{}'::tsmultirange) AS off
                 FROM resource_calendar_leaves l
                WHERE l.resource_id IS NULL
                  AND l.time_type = 'leave'
                  AND (l.calendar_id = c.id OR l.calendar_id IS NULL)
                  AND l.date_from < t_to
                  AND l.date_to > t_from
                  AND l.date_from < l.date_to
               ) holidays
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
         CROSS JOIN LATERAL (
               SELECT GREATEST(day + make_interval(secs => a.hour_from * 3600), b.lf)
                          AS starts,
                      LEAST(day + make_interval(secs => a.hour_to * 3600), b.lt)
                          AS ends
               ) slot
         -- an empty range where the attendance falls outside the period
         CROSS JOIN LATERAL unnest(
               tsmultirange(tsrange(slot.starts, GREATEST(slot.starts, slot.ends)))
               - holidays.off) AS worked
         WHERE c.id = cal)
END
$$;
"""

# indexes this addon adds to crm's table (dropped by its uninstall hook)
FUNNEL_INDEXES = (
    ("crm_lead_alignment_date_closed_index", "date_closed", "date_closed IS NOT NULL"),
)

# (columns and predicate: the scoreboard's, next to the query that reads it)
JOURNEY_HOURS_INDEX = "crm_lead_alignment_journey_hours_index"


# (duration field, start date, end date): each step of the funnel (FUNNEL)
# timed from the journey date of the step before
FUNNEL_STEPS = tuple(
    (hours, previous_date, date)
    for (*_previous, previous_date, _hours), (*_step, date, hours) in zip(
        FUNNEL[:-1], FUNNEL[1:], strict=True
    )
)
# lifecycle stage reached -> the journey dates it stamps (first time only)
STAGE_STAMPS = {
    "sales_ready": ("sales_ready_date",),
    "handed_off": ("sales_ready_date", "first_handoff_date"),
    "accepted": ("sales_ready_date", "accepted_date"),
}


# crm's own writes that may date a conversion, or a won closing
CONVERSION_TRIGGERS = frozenset(("type", "date_conversion"))
WON_TRIGGERS = frozenset(("stage_id", "probability", "active"))


def _steps_ending(date_fields):
    """The steps whose end is one of ``date_fields``."""
    return [fname for fname, _start, end in FUNNEL_STEPS if end in date_fields]


class CrmLead(models.Model):
    """The lead's own journey dates, the funnel's raw material: each is
    stamped the first time the lead reaches the step and never moves, so a
    recycled lead handed off again counts once per step in its cohort."""

    _inherit = "crm.lead"

    # The first sales-ready and hand-off dates have no index: no query picks
    # leads by them (the funnel's cohorts go by creation date, its medians
    # by the covering index), and an index would take an entry at each
    # write of every lead past those steps.
    sales_ready_date = fields.Datetime(
        prefetch="crm_alignment",
        string="First Sales-Ready On",
        readonly=True,
        copy=False,
    )
    first_handoff_date = fields.Datetime(
        prefetch="crm_alignment",
        string="First Handed Off On",
        readonly=True,
        copy=False,
    )
    accepted_date = fields.Datetime(
        prefetch="crm_alignment",
        string="First Accepted On",
        readonly=True,
        copy=False,
    )
    # crm's date_open and date_closed are the salesperson's to edit: the
    # scoreboard dates an assignment and a win by the addon's own stamps.
    sales_assigned_date = fields.Datetime(
        prefetch="crm_alignment",
        string="Assigned to Sales On",
        readonly=True,
        copy=False,
        help="When a sales-ready lead got its salesperson (a hand-off where "
        "leads go straight to sales).",
    )
    won_date = fields.Datetime(
        prefetch="crm_alignment",
        string="Won On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the lead was won (stamped by the addon; cleared if it is "
        "reopened or lost).",
    )
    hours_to_sales_ready = fields.Float(
        prefetch="crm_alignment",
        readonly=True,
        copy=False,
        aggregator="avg",
        string="Working Hours to Sales-Ready",
    )
    hours_to_handoff = fields.Float(
        prefetch="crm_alignment",
        readonly=True,
        copy=False,
        aggregator="avg",
        string="Working Hours Sales-Ready to Hand-off",
    )
    hours_to_accept = fields.Float(
        prefetch="crm_alignment",
        readonly=True,
        copy=False,
        aggregator="avg",
        string="Working Hours Hand-off to Acceptance",
    )
    hours_to_opportunity = fields.Float(
        prefetch="crm_alignment",
        readonly=True,
        copy=False,
        aggregator="avg",
        string="Working Hours Acceptance to Opportunity",
    )
    hours_to_won = fields.Float(
        prefetch="crm_alignment",
        readonly=True,
        copy=False,
        aggregator="avg",
        string="Working Hours Opportunity to Won",
    )

    def init(self):
        result = super().init()
        self.env.cr.execute(WORKING_HOURS_FUNCTION)
        # the scoreboard's revenue by closing (its cohorts by creation use
        # crm's own (create_date, team_id) index)
        for index, column, where in FUNNEL_INDEXES:
            create_index(self.env.cr, index, self._table, [column], where=where)
        self._create_journey_hours_index()
        return result

    def _create_journey_hours_index(self):
        """The medians' covering index, made again when its definition
        changed."""
        create_fingerprinted_index(
            self.env.cr,
            JOURNEY_HOURS_INDEX,
            SQL(
                "CREATE INDEX %s ON %s (create_date) INCLUDE (%s) WHERE %s",
                SQL.identifier(JOURNEY_HOURS_INDEX),
                SQL.identifier(self._table),
                SQL(", ").join(map(SQL.identifier, JOURNEY_HOURS_INCLUDE)),
                journey_hours_reached(SQL.identifier(self._table)),
            ),
        )

    def _funnel_update_hours(self, steps=None):
        """Set the working hours of the given steps (default all) on these
        leads, computed by PostgreSQL in one query from their dates as they
        are now (written or still pending), in the team's working hours
        (else the company's) at that moment: a later change of team or
        calendar does not rewrite them. A step not reached stays empty.
        Assigned as a compute assigns, the hours go in the same UPDATE of
        the lead as the dates they follow from: an UPDATE of their own
        would write every lead's row once more (a new row version, an entry
        in each of crm_lead's indexes)."""
        steps = [step for step in FUNNEL_STEPS if steps is None or step[0] in steps]
        if not self or not steps:
            return
        # read as the UPDATE it replaces read them: the callers wrote these
        # leads (their access checked), a rule may still hide a lead's team
        leads = self.sudo()
        dates = sorted({date for _hours, start, end in steps for date in (start, end)})
        columns = {
            date: SQL.identifier(f"date_{index}") for index, date in enumerate(dates)
        }
        self.env.cr.execute(
            SQL(
                """
                SELECT v.id, %(hours)s
                  FROM (VALUES %(rows)s) AS v(id, team_id, company_id, %(columns)s)
             LEFT JOIN crm_team team ON team.id = v.team_id
             LEFT JOIN res_company company ON company.id = v.company_id
                """,
                hours=SQL(", ").join(
                    SQL(
                        "round(crm_alignment_working_hours(COALESCE("
                        "team.resource_calendar_id, company.resource_calendar_id,"
                        " %s), v.%s, v.%s)::numeric, 2)::double precision",
                        self.env.company.resource_calendar_id.id,
                        columns[start],
                        columns[end],
                    )
                    for _hours, start, end in steps
                ),
                rows=SQL(", ").join(
                    SQL(
                        "(%s::integer, %s::integer, %s::integer, %s)",
                        lead.id,
                        lead.team_id.id or None,
                        lead.company_id.id or None,
                        SQL(", ").join(
                            SQL("%s::timestamp", lead[date] or None) for date in dates
                        ),
                    )
                    for lead in leads
                ),
                columns=SQL(", ").join(columns[date] for date in dates),
            )
        )
        rows = self.env.cr.fetchall()
        for index, (fname, _start, _end) in enumerate(steps, start=1):
            reached = [(row[0], row[index]) for row in rows if row[index] is not None]
            # made dirty whatever the cache holds, in one call rather than an
            # assignment per lead. A step not reached is left as it is (the
            # ORM would write an empty float as 0): the callers time the
            # steps whose end they just stamped, which were empty.
            self.env.cache.update(
                self.browse([lead_id for lead_id, _hours in reached]),
                self._fields[fname],
                [hours for _lead_id, hours in reached],
                dirty=True,
            )

    def _funnel_stamp(self, stage, date=None):
        """First time these leads reach ``stage``: stamp its journey dates
        (the ones already set stay) and the working time of those steps."""
        date = date or fields.Datetime.now()
        stamped = set()
        for fname in STAGE_STAMPS.get(stage, ()):
            unstamped = self.filtered(lambda lead, fname=fname: not lead[fname])
            if unstamped:
                unstamped._alignment_guarded_write({fname: date})
                stamped.add(fname)
        self._funnel_update_hours(_steps_ending(stamped))

    def _funnel_stamp_won(self, created=False):
        """Stamp the win of the leads that are won now, clear it on those
        that no longer are (reopened, lost, archived; a new lead has none)."""
        # The stage first: reading a lead's probability while crm still has
        # it to compute computes it for up to 1,000 other pending leads too
        # (crm marks every lead of a partner whose e-mail a new lead
        # changed), so each batch of a mass import would compute its
        # predecessors' again instead of once at the end.
        won = self.filtered(
            lambda lead: lead.active
            and lead.stage_id.is_won
            and lead.probability == 100
        )
        newly_won = won if created else won.filtered(lambda lead: not lead.won_date)
        if newly_won:
            newly_won._alignment_guarded_write({"won_date": fields.Datetime.now()})
        if created:
            return newly_won
        reopened = (self - won).filtered("won_date")
        if reopened:
            reopened._alignment_guarded_write({"won_date": False})
        return newly_won

    def _funnel_prepare_create(self, vals_list):
        """A lead created at a stage of the journey is stamped in its INSERT:
        a second UPDATE of each new row would leave a dead version of it
        behind, which every later write of the lead pays for until vacuum.
        Its steps from creation take no time (hours 0); a step whose start
        the lead never reached stays empty."""
        now = fields.Datetime.now()
        for vals in vals_list:
            stamps = [
                fname
                for fname in STAGE_STAMPS.get(vals.get("lifecycle_stage"), ())
                if not vals.get(fname)
            ]
            for fname in stamps:
                vals[fname] = now
            known = {"create_date", *stamps}
            for hours, start, end in FUNNEL_STEPS:
                if end in stamps and start in known:
                    vals[hours] = 0.0

    def _funnel_after_create(self):
        self._funnel_stamp_won(created=True)

    def _funnel_prepare_write(self, vals):
        """A stage reached by every written lead for the first time: its
        journey dates go in the same UPDATE (the common case: one batch)."""
        stage = vals.get("lifecycle_stage")
        if stage not in STAGE_STAMPS or not self:
            return vals
        date = vals.get("handoff_date") or fields.Datetime.now()
        extra = {
            fname: date
            for fname in STAGE_STAMPS[stage]
            if fname not in vals and not any(self.mapped(fname))
        }
        return dict(vals, **extra) if extra else vals

    def _funnel_after_write(self, vals):
        stage = vals.get("lifecycle_stage")
        ended = {name for name in STAGE_STAMPS.get(stage, ()) if vals.get(name)}
        self._funnel_update_hours(_steps_ending(ended))
        # crm dates a conversion and a closing itself: only the leads this
        # write converted or won get their time (a plain stage move of an
        # open opportunity costs nothing)
        keys = set(vals)
        if CONVERSION_TRIGGERS & keys:
            self.filtered("date_conversion")._funnel_update_hours(
                ["hours_to_opportunity"]
            )
        if WON_TRIGGERS & keys:
            self._funnel_stamp_won().filtered("date_conversion")._funnel_update_hours(
                ["hours_to_won"]
            )
        if stage in STAGE_STAMPS:
            self._funnel_stamp(stage, vals.get("handoff_date"))
        if vals.get("user_id"):
            # where leads go straight to sales, this is the hand-off's time
            assigned = self.filtered(lambda lead: lead.lifecycle_stage == "sales_ready")
            if assigned:
                assigned._alignment_guarded_write(
                    {"sales_assigned_date": fields.Datetime.now()}
                )
