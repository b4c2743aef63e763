"""make bench, the shared scoreboard rows: the funnel, the marketing-sourced
share, speed to lead and the whole dashboard over 100,000 and 1,000,000
leads seeded in SQL (a year of cohorts, journey dates, SLAs; each lead with
a contact, company, e-mail, phone and a 400-character description, so its
row has a working CRM's width rather than a bare name's), beside plain
crm's own pipeline analysis (read_group by month and stage) over the same
leads. Run as an internal user, so record rules apply as in real use."""

import os
import time
from datetime import date

import psycopg2

from odoo.sql_db import Cursor, connection_info_for
from odoo.tools import SQL

SEED_SQL = """
INSERT INTO crm_lead (name, type, active, company_id, team_id, user_id,
       source_id, expected_revenue, prorated_revenue, probability, stage_id,
       date_conversion, date_closed, create_uid, write_uid, create_date,
       write_date, contact_name, partner_name, email_from, phone,
       description %(addon_columns)s)
SELECT 'Score lead ' || i, CASE WHEN j.step >= 4 THEN 'opportunity' ELSE 'lead' END,
       NOT (j.step = 4 AND mod(i, 5) = 0), %(company)s,
       (%(teams)s::int[])[1 + mod(i, %(team_count)s)],
       CASE WHEN j.step >= 2 THEN (%(users)s::int[])[1 + mod(i, %(user_count)s)] END,
       (%(sources)s::int[])[1 + mod(i, %(source_count)s)],
       j.revenue, j.revenue * j.probability / 100.0, j.probability, %(stage)s,
       CASE WHEN j.step >= 4 THEN j.created + interval '5 days' END,
       CASE WHEN j.step = 5 OR (j.step = 4 AND mod(i, 5) = 0)
            THEN j.created + interval '30 days' END,
       1, 1, j.created, j.created, 'Contact ' || i, 'Company ' || mod(i, 50000),
       'contact' || i || '@company' || mod(i, 50000) || '.example.com',
       '+32 470 ' || lpad(i::text, 6, '0'),
       '<p>' || repeat(md5(i::text) || ' ', 12) || '</p>' %(addon_values)s
  FROM generate_series(%(first)s, %(last)s) i
 CROSS JOIN LATERAL (
       SELECT timestamp '2026-01-01'
                  + (mod(i::bigint * 7919, 365 * 24) || ' hours')::interval AS created,
              CASE WHEN mod(i, 10) < 4 THEN 0 WHEN mod(i, 10) = 4 THEN 1
                   WHEN mod(i, 10) = 5 THEN 2 WHEN mod(i, 10) = 6 THEN 3
                   WHEN mod(i, 10) IN (7, 8) THEN 4 ELSE 5 END AS step,
              (ARRAY[1000, 5000, 20000, 80000])[1 + mod(i, 4)] AS revenue,
              CASE WHEN mod(i, 10) = 9 THEN 100
                   WHEN mod(i, 10) IN (7, 8) AND mod(i, 5) = 0 THEN 0
                   ELSE 10 + mod(i, 80) END AS probability
       ) j
"""
ADDON_COLUMNS = """, lifecycle_stage, sourced_by, sales_ready_date,
       first_handoff_date, accepted_date, hours_to_sales_ready, hours_to_handoff,
       hours_to_accept, recycle_count"""
ADDON_VALUES = """, CASE WHEN j.step = 0 THEN 'nurture'
            WHEN j.step = 1 THEN 'sales_ready'
            WHEN j.step = 2 THEN 'handed_off' ELSE 'accepted' END,
       CASE WHEN mod(i, 3) = 0 THEN 'sales' ELSE 'marketing' END,
       CASE WHEN j.step >= 1 THEN j.created + interval '2 days' END,
       CASE WHEN j.step >= 2 THEN j.created + interval '3 days' END,
       CASE WHEN j.step >= 3 THEN j.created + interval '3 days 2 hours' END,
       CASE WHEN j.step >= 1 THEN 16.0 END, CASE WHEN j.step >= 2 THEN 8.0 END,
       CASE WHEN j.step >= 3 THEN mod(i, 30) / 2.0 END,
       CASE WHEN mod(i, 17) = 0 THEN 1 ELSE 0 END"""
SLA_SQL = """
INSERT INTO crm_lead_sla (lead_id, company_id, policy_id, team_id, user_id, start_date,
       deadline, reached_date, state, response_hours, create_uid, write_uid,
       create_date, write_date)
SELECT l.id, l.company_id, %(policy)s, l.team_id, l.user_id, l.first_handoff_date,
       l.first_handoff_date + interval '8 hours',
       CASE WHEN mod(l.id, 9) = 0 THEN NULL
            ELSE l.first_handoff_date + (mod(l.id, 30) || ' hours')::interval END,
       CASE WHEN mod(l.id, 9) = 0 OR mod(l.id, 30) > 8 THEN 'failed' ELSE 'reached' END,
       CASE WHEN mod(l.id, 9) = 0 THEN 0 ELSE mod(l.id, 30) END,
       1, 1, l.create_date, l.create_date
  FROM crm_lead l
 WHERE l.name LIKE %(pattern)s AND l.first_handoff_date IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM crm_lead_sla s WHERE s.lead_id = l.id)
"""


def seed(env, first, last, teams, users, sources, with_addon):
    """Leads number ``first`` to ``last`` over 2026 (plus their SLAs with the
    addon), in SQL. Sizes grow by adding leads: deleting a million leads
    (and everything that references them) would cost more than the bench."""
    stage = env["crm.stage"].search([], limit=1).id
    env.cr.execute(
        SQL(
            SEED_SQL,
            addon_columns=SQL(ADDON_COLUMNS if with_addon else ""),
            addon_values=SQL(ADDON_VALUES if with_addon else ""),
            company=env.company.id,
            teams=teams.ids,
            team_count=len(teams),
            users=users.ids,
            user_count=len(users),
            sources=sources.ids,
            source_count=len(sources),
            stage=stage,
            first=first,
            last=last,
        )
    )
    if with_addon:
        policy = env["crm.sla.policy"].search([], limit=1).id
        env.cr.execute(SQL(SLA_SQL, policy=policy, pattern="Score lead %"))
    env.cr.commit()
    # what autovacuum does after a bulk insert (statistics, and the pages
    # marked all-visible, which index-only scans need), at once
    _db, info = connection_info_for(env.cr.dbname)
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            for table in ("crm_lead", "crm_lead_sla") if with_addon else ("crm_lead",):
                cursor.execute(f"VACUUM ANALYZE {table}")
    finally:
        connection.close()
    env.invalidate_all()


def _board(env, viewer):
    return env(user=viewer)["crm.alignment.scoreboard"]


def _open_dashboard(env, viewer):
    Dashboard = env(user=viewer)["crm.alignment.dashboard"]
    values = {"period": "custom", "date_from": "2026-01-01", "date_to": "2026-12-31"}
    spec = {
        name: {} for name, field in Dashboard._fields.items() if not field.relational
    }
    return Dashboard.onchange(values, [], spec)


def _profile_dashboard(env, viewer, top=6):
    """BENCH_PROFILE=1: the dashboard's slowest statements, once."""
    spent = []
    execute = Cursor.execute

    def timed(cr, query, params=None, log_exceptions=True):
        start = time.perf_counter()
        try:
            return execute(cr, query, params, log_exceptions)
        finally:
            spent.append((time.perf_counter() - start, " ".join(str(query).split())))

    Cursor.execute = timed
    try:
        env.invalidate_all()
        _open_dashboard(env, viewer)
    finally:
        Cursor.execute = execute
    print(f"  dashboard: {len(spent)} statements, {sum(s for s, _q in spent):.3f} s")
    for seconds, query in sorted(spent, reverse=True)[:top]:
        print(f"    {seconds:.3f} s {query[:160]}")


def bench_scoreboard(env, measure, sizes, teams, users, sources, with_addon):
    rows = {}
    viewer = env.ref("base.user_admin").id  # an internal user: rules apply
    scope = {
        "date_from": date(2026, 1, 1),
        "date_to": date(2026, 12, 31),
        "team_ids": None,
        "company_ids": env.company.ids,
    }
    seeded = 0
    for size in sorted(sizes):
        start = time.perf_counter()
        seed(env, seeded + 1, size, teams, users, sources, with_addon)
        seeded = size
        print(f"  seeded {size:,} leads in {time.perf_counter() - start:.1f} s")
        # plain crm's pipeline analysis over the same leads, both sides
        rows[("crm analysis", size)] = measure(
            env,
            lambda e: e(user=viewer)["crm.lead"].read_group(
                [("create_date", ">=", "2026-01-01")],
                ["expected_revenue:sum", "prorated_revenue:sum"],
                ["create_date:month", "stage_id"],
                lazy=False,
            ),
        )
        if not with_addon:
            continue
        rows[("funnel", size)] = measure(
            env, lambda e: _board(e, viewer)._funnel(scope)
        )
        rows[("share", size)] = measure(
            env, lambda e: _board(e, viewer)._sourced_share(scope)
        )
        rows[("speed", size)] = measure(
            env, lambda e: _board(e, viewer)._speed_to_lead(scope)
        )
        # as the web client opens it: a new record's figures computed by
        # onchange (a read-only call), nothing created
        rows[("dashboard", size)] = measure(env, lambda e: _open_dashboard(e, viewer))
        if os.environ.get("BENCH_PROFILE"):
            _profile_dashboard(env, viewer)
    return rows
