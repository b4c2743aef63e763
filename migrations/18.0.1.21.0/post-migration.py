"""18.0.1.21.0: the funnel's working hours leave out public holidays.

The working time of each step of the journey is stored on the lead when its
end is stamped; it counted the public holidays (the calendar's global time
off) as working time, which the follow-up SLAs did not. The update made the
PostgreSQL function leave them out (crm.lead's init); the steps that
overlap a holiday are counted again here, in the team's calendar (else the
company's), as the addon counts them.

Plain SQL: this step does not change when the models do.
"""

import logging

_logger = logging.getLogger(__name__)

# (duration column, start date, end date) as they are in 18.0.1.21.0
STEPS = (
    ("hours_to_sales_ready", "create_date", "sales_ready_date"),
    ("hours_to_handoff", "sales_ready_date", "first_handoff_date"),
    ("hours_to_accept", "first_handoff_date", "accepted_date"),
    ("hours_to_opportunity", "accepted_date", "date_conversion"),
    ("hours_to_won", "date_conversion", "won_date"),
)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """SELECT 1 FROM resource_calendar_leaves
            WHERE resource_id IS NULL AND time_type = 'leave' LIMIT 1"""
    )
    if not cr.rowcount:
        return
    recounted = 0
    # the column names come from STEPS above, never from input
    for column, start, end in STEPS:
        cr.execute(
            f"""
            UPDATE crm_lead l
               SET {column} = round(crm_alignment_working_hours(
                       COALESCE(t.resource_calendar_id, c.resource_calendar_id),
                       l.{start}, l.{end})::numeric, 2)
              FROM crm_lead src
         LEFT JOIN crm_team t ON t.id = src.team_id
         LEFT JOIN res_company c ON c.id = src.company_id
             WHERE l.id = src.id
               AND l.{column} IS NOT NULL
               AND l.{start} IS NOT NULL
               AND l.{end} IS NOT NULL
               AND COALESCE(t.resource_calendar_id, c.resource_calendar_id)
                   IS NOT NULL
               AND EXISTS (
                   SELECT 1 FROM resource_calendar_leaves h
                    WHERE h.resource_id IS NULL AND h.time_type = 'leave'
                      AND h.date_from < l.{end} AND h.date_to > l.{start})
            """  # noqa: S608
        )
        recounted += cr.rowcount
    _logger.info("Working hours of %s journey steps counted again", recounted)
