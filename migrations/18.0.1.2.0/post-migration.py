"""18.0.1.2.0: the shared scoreboard.

- Journey dates of leads handed off before they existed, from the hand-off
  log (the funnel counts them in their cohort), and the working time of
  each step.
- The per-policy "sales-ready leads target" becomes a shared goal (one
  notion): a draft goal of the current period per team of the policy, for
  both managers to sign. The old columns go.

Plain SQL: this step does not change when the models do.
"""

import logging

_logger = logging.getLogger(__name__)

# (duration column, start date, end date) as they were in 18.0.1.2.0
STEPS = (
    ("hours_to_sales_ready", "create_date", "sales_ready_date"),
    ("hours_to_handoff", "sales_ready_date", "first_handoff_date"),
    ("hours_to_accept", "first_handoff_date", "accepted_date"),
    ("hours_to_opportunity", "accepted_date", "date_conversion"),
    ("hours_to_won", "date_conversion", "date_closed"),
)


def backfill_journeys(cr):
    """First sales-ready, hand-off and acceptance dates from the hand-off
    log, then the working hours of every step of those leads, in the team's
    calendar (else the company's). Returns how many leads were dated."""
    cr.execute(
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
    ids = [row[0] for row in cr.fetchall()]
    cr.execute(
        """
        UPDATE crm_lead SET sales_ready_date = COALESCE(write_date, create_date)
         WHERE lifecycle_stage = 'sales_ready' AND sales_ready_date IS NULL
     RETURNING id
        """
    )
    ids += [row[0] for row in cr.fetchall()]
    if not ids:
        return 0
    # the column names come from STEPS above, never from input
    assignments = ", ".join(
        f"{column} = round(crm_alignment_working_hours("
        "COALESCE(t.resource_calendar_id, c.resource_calendar_id),"
        f" src.{start}, src.{end})::numeric, 2)"
        for column, start, end in STEPS
    )
    cr.execute(
        f"""
        UPDATE crm_lead l SET {assignments}
          FROM crm_lead src
     LEFT JOIN crm_team t ON t.id = src.team_id
     LEFT JOIN res_company c ON c.id = src.company_id
         WHERE l.id = src.id AND l.id = ANY(%s)
        """,  # noqa: S608
        [ids],
    )
    return len(ids)


def policy_targets_to_goals(cr):
    """One draft goal per team of each policy that had a target (all teams
    when it had none), in the current month (or quarter), unless the team
    has one for that period already; a week's target counts four times."""
    cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'crm_sla_policy'"
        " AND column_name = 'marketing_target_count'"
    )
    if not cr.fetchone():
        _logger.info("crm_alignment: no per-policy marketing target to move")
        return 0
    cr.execute(
        """
        WITH targets AS (
            SELECT p.id AS policy_id,
                   COALESCE(p.name->>'en_US', (SELECT min(value)
                       FROM jsonb_each_text(p.name))) AS policy,
                   COALESCE(p.company_id, (SELECT min(id) FROM res_company))
                       AS company_id,
                   p.marketing_target_count
                     * CASE WHEN p.marketing_period = 'week' THEN 4 ELSE 1 END
                       AS target,
                   CASE WHEN p.marketing_period = 'quarter' THEN 'quarter'
                        ELSE 'month' END AS period,
                   CASE WHEN p.marketing_period = 'week' THEN 'week'
                        ELSE p.marketing_period END AS per,
                   p.marketing_target_count AS given,
                   r.crm_team_id AS team_id
              FROM crm_sla_policy p
         LEFT JOIN crm_sla_policy_crm_team_rel r ON r.crm_sla_policy_id = p.id
             WHERE p.active AND p.marketing_target_count > 0
        ), dated AS (
            SELECT t.*, date_trunc(t.period, now() AT TIME ZONE 'UTC')::date
                       AS date_start
              FROM targets t
        ), new_goals AS (
            INSERT INTO crm_alignment_goal (
                name, company_id, team_id, period, date_start, date_end,
                marketing_owner_id, sales_owner_id, state, note,
                create_uid, create_date, write_uid, write_date)
            SELECT CASE WHEN d.period = 'quarter'
                        THEN 'Q' || extract(quarter FROM d.date_start) || ' '
                             || extract(year FROM d.date_start)
                        ELSE to_char(d.date_start, 'YYYY-MM') END
                   || ' · ' || COALESCE(team.name->>'en_US', 'All teams'),
                   d.company_id, d.team_id, d.period, d.date_start,
                   (d.date_start + CASE WHEN d.period = 'quarter'
                        THEN interval '3 months' ELSE interval '1 month' END
                        - interval '1 day')::date,
                   COALESCE(team.marketing_user_id, 1),
                   COALESCE(team.user_id, 1),
                   'draft',
                   '<p>From the target of SLA policy ' || d.policy || ' ('
                       || d.given || ' per ' || d.per || ').</p>',
                   1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
              FROM dated d
         LEFT JOIN crm_team team ON team.id = d.team_id
             WHERE NOT EXISTS (
                   SELECT 1 FROM crm_alignment_goal g
                    WHERE g.company_id = d.company_id
                      AND g.team_id IS NOT DISTINCT FROM d.team_id
                      AND g.period = d.period AND g.date_start = d.date_start)
         RETURNING id, company_id, team_id, period, date_start
        )
        INSERT INTO crm_alignment_goal_line (
            goal_id, company_id, sequence, kpi, side, unit, has_quality, target,
            create_uid, create_date, write_uid, write_date)
        SELECT g.id, g.company_id, 10, 'sales_ready_delivered', 'marketing',
               'count', TRUE, d.target,
               1, now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM new_goals g
          JOIN dated d ON d.company_id = g.company_id
                      AND d.team_id IS NOT DISTINCT FROM g.team_id
                      AND d.period = g.period AND d.date_start = g.date_start
        RETURNING goal_id
        """
    )
    moved = len(cr.fetchall())
    cr.execute(
        "ALTER TABLE crm_sla_policy DROP COLUMN IF EXISTS marketing_target_count,"
        " DROP COLUMN IF EXISTS marketing_period"
    )
    return moved


def migrate(cr, version):
    if not version:
        return
    _logger.info("crm_alignment: journey dates of %s leads", backfill_journeys(cr))
    _logger.info("crm_alignment: %s policy targets moved", policy_targets_to_goals(cr))
