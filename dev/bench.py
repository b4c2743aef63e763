"""make bench: the cost of crm_alignment next to plain crm, on the same data.

Run by dev/bench.sh with the virtualenv's Python:
    bench.py --base DB --addon DB --n N --addons-path P --data-dir D
Both databases exist already (crm only, crm_alignment); this script fills them
with the same synthetic data (fixed seed) and prints one table.
"""

import argparse
import json
import os
import platform
import random
import statistics
import time

from bench_scoreboard import bench_scoreboard  # noqa: E402 (dev/ on sys.path)
from odoo_script import add_odoo_arguments, configure_odoo

import odoo
from odoo import api, sql_db
from odoo.modules.registry import Registry

SCOREBOARD_KEYS = ("crm analysis", "funnel", "share", "speed", "dashboard")
SCALE_KEYS = ("hand off", "hand off new team", "match")

SEED = 20261123
BATCH = 1000
PAGE = 80  # leads on one kanban / list page
NOT_BUILT = "feature not built yet"
# runs of a page read in each database (milliseconds each: the median of
# fewer moved by a few hundredths from one make bench to the next)
READ_RUNS = 15
MATCH_LEADS = 100_000  # target-account matching: leads ...
MATCH_ACCOUNTS = 1_000  # ... against accounts, whatever N is
ENGAGE_LEADS = 100_000  # engagement re-score: leads with two traces each
NURTURE_DUE = 10_000  # the nurture step job: e-mail steps due


def backend_cpu(cr):
    """CPU seconds PostgreSQL's backend of this cursor has used so far, read
    from /proc (the server runs on this machine), or None when unreadable."""
    try:
        cr.execute("SELECT pg_backend_pid()")
        with open(f"/proc/{cr.fetchone()[0]}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def settle(dbname):
    """Every run starts from the same database: the rows a rolled-back run
    left dead are vacuumed and the planner's statistics are current. Without
    it, a run after a rollback plans against a table PostgreSQL believes
    empty but full of dead rows (index scans that filter every row: 25 ms
    a query where 0.1 ms is normal), and the median measures that."""
    cr = sql_db.db_connect(dbname).cursor()
    try:
        cr._cnx.autocommit = True  # VACUUM cannot run inside a transaction
        cr.execute("VACUUM ANALYZE")
    finally:
        cr._cnx.autocommit = False  # the connection goes back to the pool
        cr.close()


class Measure:
    """Wall time and CPU time (Odoo's process plus its PostgreSQL backend:
    what the operation itself costs, whatever else runs on the machine),
    medians over the runs, and SQL queries of one operation."""

    def __init__(self, runs):
        self.runs = runs

    def __call__(self, env, func, runs=None, keep_last=False):
        """keep_last: commit the last run instead of rolling it back (the
        data the next rows need)."""
        times, queries, cpus = [], [], []
        runs = runs or self.runs
        for run in range(runs):
            rollback = not (keep_last and run == runs - 1)
            settle(env.cr.dbname)
            env.invalidate_all()
            cpu_before = backend_cpu(env.cr)
            before, start = sql_db.sql_counter, time.perf_counter()
            process_before = time.process_time()
            func(env)
            env.flush_all()
            # what runs at commit belongs to the operation too: chatter
            # tracking (one message per changed record) is written here
            env.cr.precommit.run()
            times.append(time.perf_counter() - start)
            queries.append(sql_db.sql_counter - before)
            cpu_after = backend_cpu(env.cr)
            if cpu_before is not None and cpu_after is not None:
                process = time.process_time() - process_before
                cpus.append(process + cpu_after - cpu_before)
            if rollback:
                env.cr.rollback()
            else:
                env.cr.commit()
            env.invalidate_all()
        cpu = statistics.median(cpus) if len(cpus) == runs else None
        result = statistics.median(times), int(statistics.median(queries)), cpu
        cpu_text = f", {cpu:.3f} s CPU" if cpu is not None else ""
        print(
            f"  {env.cr.dbname}: {result[0]:.3f} s{cpu_text}, {result[1]} queries",
            flush=True,
        )
        return result


def fixtures(env, n):
    """Users, teams, sources and partners; the same in both databases."""
    rng = random.Random(SEED)
    group_ids = [
        env.ref("base.group_user").id,
        env.ref("sales_team.group_sale_salesman_all_leads").id,
    ]
    users = env["res.users"].create(
        [
            {
                "name": f"Bench Seller {index}",
                "login": f"bench_seller_{index}",
                "email": f"seller{index}@bench.example.com",
                "groups_id": [(6, 0, group_ids)],
            }
            for index in range(20)
        ]
    )
    teams = env["crm.team"].create(
        [
            {
                "name": f"Bench Team {index}",
                "user_id": users[index].id,
                "member_ids": [(6, 0, users[index * 4 : index * 4 + 4].ids)],
            }
            for index in range(5)
        ]
    )
    sources = env["utm.source"].create(
        [{"name": f"Bench source {i}"} for i in range(10)]
    )
    partners = env["res.partner"].create(
        [
            {
                "name": f"Bench Company {index}",
                "is_company": True,
                "email": f"info@company{index}.example.com",
            }
            for index in range(max(n // 10, 1))
        ]
    )
    env.cr.commit()
    return rng, users, teams, sources, partners


def lead_values(rng, n, teams, sources, partners):
    return [
        {
            "name": f"Bench lead {index}",
            "type": "lead",
            "partner_id": partners[rng.randrange(len(partners))].id,
            "email_from": f"contact{index}@company{index % 997}.example.com",
            "source_id": sources[rng.randrange(len(sources))].id,
            "team_id": teams[rng.randrange(len(teams))].id if index % 3 else False,
            "user_id": False,
            "expected_revenue": rng.choice([1000, 5000, 20000, 80000]),
            "priority": rng.choice(["0", "1", "2"]),
        }
        for index in range(n)
    ]


def create_in_batches(vals_list):
    def run(env):
        Lead = env["crm.lead"].with_context(import_file=True)
        for start in range(0, len(vals_list), BATCH):
            Lead.create(vals_list[start : start + BATCH])

    return run


def view_fields(env, view_type):
    arch = env["crm.lead"].get_views([(False, view_type)])["views"][view_type]["arch"]
    from lxml import etree

    names = {node.get("name") for node in etree.fromstring(arch).iter("field")}
    spec = {}
    for name in sorted(names):
        field = env["crm.lead"]._fields.get(name)
        if field is None:
            continue
        if field.relational:
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    return spec


def bench_recycle(env, leads, team, measure):
    """Hand 1,000 leads off (not timed), then recycle them in one call."""
    leads.handoff_to_sales(team_id=team.id)
    env.cr.commit()
    reason = env.ref("crm_alignment.crm_recycle_reason_timing")
    return measure(
        env,
        lambda e: leads.with_env(e).recycle_to_nurture(reason.id, note="Bench"),
    )


def bench_sla_cron(env, leads, measure):
    """N ongoing SLAs, 1% of them overdue: time one run of the SLA job."""
    from odoo.tools import SQL

    policy = env["crm.sla.policy"].search([], limit=1)
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            INSERT INTO crm_lead_sla (lead_id, policy_id, team_id, user_id,
                   calendar_id, start_date, deadline, reminder_date, state,
                   create_uid, write_uid, create_date, write_date)
            SELECT lead.id, %(policy)s, lead.team_id, lead.user_id, %(calendar)s,
                   now() AT TIME ZONE 'UTC' - interval '1 day',
                   CASE WHEN mod(lead.id, 100) = 0
                        THEN now() AT TIME ZONE 'UTC' - interval '1 hour'
                        ELSE now() AT TIME ZONE 'UTC' + interval '1 day' END,
                   now() AT TIME ZONE 'UTC' + interval '12 hours', 'ongoing',
                   1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM crm_lead lead WHERE lead.id = ANY(%(ids)s)
            """,
            policy=policy.id,
            calendar=env.company.resource_calendar_id.id,
            ids=leads.ids,
        )
    )
    env.cr.commit()
    return measure(env, lambda e: e["crm.lead.sla"]._cron_check_deadlines())


def bench_bant_rescore(env, leads, measure):
    """Answer BANT on every lead (spread over the answers), then time one
    change of the company's lead definition, which re-scores all of them."""
    from odoo.tools import SQL

    profile = env.company.bant_profile_id or env.ref(
        "crm_alignment.crm_bant_profile_transactional"
    )
    env.company.bant_profile_id = profile
    env.flush_all()
    options = {
        criterion: env["crm.bant.option"].search([("criterion", "=", criterion)]).ids
        for criterion in ("budget", "authority", "need", "timeframe")
    }
    for criterion, ids in options.items():
        column = SQL.identifier(f"bant_{criterion}_id")
        env.cr.execute(
            SQL(
                "UPDATE crm_lead SET %s = (%s::int[])[1 + mod(id, %s)]"
                " WHERE id = ANY(%s)",
                column,
                ids,
                len(ids),
                leads.ids,
            )
        )
    env.cr.execute(
        SQL(
            "UPDATE crm_lead SET bant_profile_id = %s WHERE id = ANY(%s)",
            profile.id,
            leads.ids,
        )
    )
    env.invalidate_all()
    env["crm.lead"]._bant_rescore(SQL("lead.id = ANY(%s)", leads.ids))
    env.cr.commit()
    return measure(env, lambda e: profile.with_env(e).write({"threshold": 35}))


def bench_target_matching(env, measure):
    """100,000 leads (a third by contact, a third by e-mail domain, a third
    matching nothing or a free-mail address) against 1,000 target accounts
    of an active list: time re-linking all of them from scratch."""
    from odoo.tools import SQL

    companies = env["res.partner"].create(
        [
            {
                "name": f"Target Company {index}",
                "is_company": True,
                "website": f"https://www.target{index}."
                + ("co.uk" if index % 5 == 0 else "com"),
            }
            for index in range(MATCH_ACCOUNTS)
        ]
    )
    contacts = env["res.partner"].create(
        [{"name": f"Target Contact {c.id}", "parent_id": c.id} for c in companies]
    )
    target_list = env["crm.target.account.list"].create(
        {
            "name": "Bench targets",
            "account_ids": [
                (0, 0, {"partner_id": c.id, "tier": str(1 + c.id % 3)})
                for c in companies
            ],
        }
    )
    # the bench is trusted code: the list's own internal path, not a sign-off
    target_list._alignment_guarded_write({"state": "active"})
    env.flush_all()
    env.cr.execute(
        SQL(
            """
            INSERT INTO crm_lead (name, type, active, lifecycle_stage, sourced_by,
                   company_id, partner_id, email_from, email_company_domain,
                   create_uid, write_uid, create_date, write_date)
            SELECT 'Match lead ' || i, 'lead', TRUE, 'new', 'marketing', %(company)s,
                   CASE WHEN mod(i, 3) = 0
                        THEN (%(contacts)s::int[])[1 + mod(i, %(accounts)s)] END,
                   'x' || i || '@' || d.domain, d.domain,
                   1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
              FROM generate_series(1, %(leads)s) i
             CROSS JOIN LATERAL (SELECT CASE
                   WHEN mod(i, 3) = 1 THEN 'target' || mod(i, %(accounts)s)
                        || CASE WHEN mod(mod(i, %(accounts)s), 5) = 0
                                THEN '.co.uk' ELSE '.com' END
                   WHEN mod(i, 6) = 2 THEN 'gmail.com'
                   ELSE 'nobody' || i || '.com' END AS domain) d
            """,
            company=env.company.id,
            contacts=contacts.ids,
            accounts=MATCH_ACCOUNTS,
            leads=MATCH_LEADS,
        )
    )
    env.cr.execute("ANALYZE crm_lead")
    env.cr.commit()
    result = measure(
        env,
        lambda e: e["crm.lead"]._target_account_match(all_leads=True),
        keep_last=True,
    )
    env.cr.execute(
        "SELECT count(*) FROM crm_lead l JOIN crm_lead_target t ON t.lead_id = l.id"
        " WHERE l.name LIKE 'Match lead %%' AND t.account_id IS NOT NULL"
    )
    print(f"  (after the last run: {env.cr.fetchone()[0]} leads linked)", flush=True)
    return result


def _bench_sql_leads(env, prefix, count, stage, team_id):
    """``count`` leads inserted in one statement (the rows to score or
    nurture; how they were created is not what is measured)."""
    from odoo.tools import SQL

    env.flush_all()
    env.cr.execute(
        SQL(
            """INSERT INTO crm_lead (name, type, active, lifecycle_stage, sourced_by,
                      company_id, team_id, stage_id, email_from, email_normalized,
                      create_uid, write_uid, create_date, write_date)
               SELECT %(prefix)s || i, 'lead', TRUE, %(stage)s, 'marketing',
                      %(company)s, %(team)s, %(crm_stage)s,
                      'p' || i || '@bench.example.com',
                      'p' || i || '@bench.example.com', 1, 1,
                      now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                 FROM generate_series(1, %(count)s) i
            RETURNING id""",
            prefix=prefix,
            stage=stage,
            company=env.company.id,
            team=team_id,
            # as the ORM would have set it (crm looks a stage up per lead
            # that has none, on its next write)
            crm_stage=env["crm.stage"].search([], limit=1).id,
            count=count,
        )
    )
    return [row[0] for row in env.cr.fetchall()]


def bench_engagement(env, team, measure):
    """100,000 leads, each with two traced e-mails (opened, clicked, some
    replied or bounced over the last 60 days), under an agreed engagement
    definition: time re-scoring all of them (the hourly job)."""
    from odoo.tools import SQL

    env["crm.engagement.definition"].search([]).write({"active": False})
    definition = env["crm.engagement.definition"].create(
        {
            "name": "Bench engagement",
            "rule_ids": [
                (0, 0, {"signal_type": signal, "points": points, "half_life_days": hl})
                for signal, points, hl in (
                    ("mail_open", 5, 14),
                    ("mail_click", 12, 21),
                    ("mail_reply", 20, 30),
                    ("mail_bounce", -20, 60),
                )
            ],
        }
    )
    definition._alignment_guarded_write({"state": "agreed"})
    lead_ids = _bench_sql_leads(env, "Engaged lead ", ENGAGE_LEADS, "nurture", team.id)
    mailing = env["mailing.mailing"].create(
        {
            "subject": "Bench",
            "body_html": "<p>x</p>",
            "mailing_model_id": env["ir.model"]._get_id("crm.lead"),
        }
    )
    env.flush_all()
    env.cr.execute(
        SQL(
            """INSERT INTO mailing_trace (trace_type, model, res_id, mass_mailing_id,
                      email, trace_status, sent_datetime, open_datetime,
                      links_click_datetime, reply_datetime, create_date, write_date)
               SELECT 'mail', 'crm.lead', lead_id, %(mailing)s, 'x@bench.example.com',
                      CASE WHEN mod(lead_id + k, 11) = 0 THEN 'bounce'
                           WHEN mod(lead_id + k, 7) = 0 THEN 'reply'
                           WHEN mod(lead_id + k, 2) = 0 THEN 'open' ELSE 'sent' END,
                      sent,
                      CASE WHEN mod(lead_id + k, 2) = 0 THEN sent + '3 hours' END,
                      CASE WHEN mod(lead_id + k, 4) = 0 THEN sent + '4 hours' END,
                      CASE WHEN mod(lead_id + k, 7) = 0 THEN sent + '1 day' END,
                      sent, sent
                 FROM unnest(%(leads)s::int[]) lead_id
                CROSS JOIN generate_series(1, 2) k
                CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE 'UTC')
                      - make_interval(days => mod(lead_id * k, 60))
                      AS sent) d""",
            mailing=mailing.id,
            leads=lead_ids,
        )
    )
    env.cr.execute("ANALYZE crm_lead")
    env.cr.execute("ANALYZE mailing_trace")
    env.cr.commit()
    result = measure(env, lambda e: e["crm.lead"]._engagement_rescore())
    env.cr.execute(
        "SELECT count(*), round(avg(e.score), 1) FROM crm_lead lead"
        " JOIN crm_lead_engagement e ON e.lead_id = lead.id"
        " WHERE lead.name LIKE 'Engaged lead %%' AND e.score > 0"
    )
    print(f"  (scored, mean score: {env.cr.fetchone()})", flush=True)
    return result


def bench_nurture_job(env, team, measure):
    """10,000 nurtured leads whose first step, an e-mail, is due: time the
    step job until none remains (its batches of 500 through Email
    Marketing's queue; one run, the mails are what it makes)."""
    from odoo import fields
    from odoo.tools import SQL

    program = env["crm.nurture.program"].create(
        {
            "name": "Bench program",
            "team_id": team.id,
            "step_ids": [
                (
                    0,
                    0,
                    {
                        "name": "Bench e-mail",
                        "kind": "email",
                        "delay_days": 0,
                        "subject": "Bench",
                        "body_html": "<p>Hello</p>",
                    },
                )
            ],
        }
    )
    program._alignment_guarded_write({"state": "agreed"})
    lead_ids = _bench_sql_leads(env, "Nurtured lead ", NURTURE_DUE, "nurture", team.id)
    env.flush_all()
    env.cr.execute(
        SQL(
            """INSERT INTO crm_nurture_enrolment (lead_id, program_id, state, step_id,
                      next_date, enrolled_date, create_uid, write_uid,
                      create_date, write_date)
               SELECT lead_id, %(program)s, 'active', %(step)s, %(now)s, %(now)s,
                      1, 1, %(now)s, %(now)s
                 FROM unnest(%(leads)s::int[]) lead_id""",
            program=program.id,
            step=program.step_ids.id,
            now=fields.Datetime.now(),
            leads=lead_ids,
        )
    )
    env.cr.execute("ANALYZE crm_nurture_enrolment")
    env.cr.commit()

    def run_job(e):
        Enrolment = e["crm.nurture.enrolment"]
        while Enrolment._cron_run_steps():
            pass

    result = measure(env, run_job, runs=1)
    return result


def bench_read_page(env, seller, view_type, measure):
    """One page of the view as a salesperson opens it (one run of
    ``measure``)."""
    spec = view_fields(env, view_type)
    Lead = env["crm.lead"].with_user(seller)
    return measure(
        env,
        lambda e: Lead.with_env(e(user=seller.id)).web_search_read(
            [("type", "=", "lead")], spec, limit=PAGE
        ),
    )


def bench_read_group(env, with_addon, measure):
    group = ["team_id", "lifecycle_stage"] if with_addon else ["team_id", "stage_id"]
    return measure(
        env,
        lambda e: e["crm.lead"].read_group(
            [], ["expected_revenue:sum"], group, lazy=False
        ),
        runs=max(measure.runs, 5),
    )


def bench_handoff(env, leads, team, measure):
    def handoff(e):
        batch = leads.with_env(e)
        for start in range(0, len(batch), BATCH):
            batch[start : start + BATCH].handoff_to_sales(team_id=team.id)

    return measure(env, handoff)


def bench_scale(env, team, measure, sizes):
    """Hand-off and target matching at growing batch sizes (item: linear,
    query counts independent of the batch): ``size`` sales-ready leads made
    in SQL (how they were made is not measured), handed off to a team in
    batches of BATCH; and ``size`` leads matched to the target accounts of
    the matching row (their own re-link, as on create). 100,000: one run."""
    rows = {}
    accounts = bool(env["crm.target.account"].search_count([]))
    for size in sizes:
        ids = _bench_sql_leads(env, "Scale lead ", size, "sales_ready", team.id)
        env.cr.execute("ANALYZE crm_lead")
        env.cr.commit()
        leads = env["crm.lead"].browse(ids)
        scale = Measure(1 if size >= 100000 else measure.runs)
        rows[("hand off", size)] = bench_handoff(env, leads, team, scale)
        if accounts:
            rows[("match", size)] = scale(
                env, lambda e, leads=leads: leads.with_env(e)._target_account_match()
            )
        # leads of no team yet: the hand-off moves them (crm recomputes
        # each one's stage, probability and revenues for its new team)
        homeless = _bench_sql_leads(env, "Scale lead ", size, "sales_ready", None)
        env.cr.execute("ANALYZE crm_lead")
        env.cr.commit()
        rows[("hand off new team", size)] = bench_handoff(
            env, env["crm.lead"].browse(homeless), team, scale
        )
        ids += homeless
        env.cr.execute(
            "DELETE FROM crm_lead_target WHERE lead_id = ANY(%s);"
            " DELETE FROM crm_lead WHERE id = ANY(%s)",
            [ids, ids],
        )
        env.cr.commit()
    return rows


class BenchDatabase:
    """One database under bench: its fixtures and the leads' values, on a
    cursor that stays open while the other database is measured too."""

    def __init__(self, dbname, n, with_addon):
        self.with_addon = with_addon
        self.cr = Registry(dbname).cursor()
        self.env = api.Environment(self.cr, odoo.SUPERUSER_ID, {})
        rng, self.users, self.teams, self.sources, partners = fixtures(self.env, n)
        self.vals_list = lead_values(rng, n, self.teams, self.sources, partners)
        if with_addon:
            # hand-offs start follow-up SLAs: a policy covers every team
            self.env["crm.sla.policy"].create(
                {"name": "Bench SLA", "followup_hours": 8}
            )
            self.cr.commit()

    def leads(self):
        return self.env["crm.lead"].search([("name", "like", "Bench lead %")])

    def close(self):
        self.cr.rollback()
        self.cr.close()


def bench_common(databases, runs, only=(), create_runs=None):
    """create, write and the kanban and list pages, one run in each
    database in turn (crm, addon, crm, addon, ...): their ratio is what the
    target is about, and a machine whose speed drifts over the minutes
    weighs on both alike (a page takes milliseconds: its runs measured a
    database after the other compared two moments of the machine as much as
    two modules; READ_RUNS of them after one that warms the caches up). The
    last create stays (every other row needs the leads).

    :param create_runs: runs of create (default ``runs``): at 100,000 leads
        one run takes 11-13 minutes a database
    :returns: {database: {"create": row, "write": row}}"""
    one_run = Measure(1)
    samples = {database: {"create": [], "write": []} for database in databases}
    create_runs = create_runs or runs
    for run in range(create_runs):
        for database in databases:
            samples[database]["create"].append(
                one_run(
                    database.env,
                    create_in_batches(database.vals_list),
                    keep_last=run == create_runs - 1,
                )
            )
    for database in databases:
        database.bench_leads = database.leads()
    for _run in range(runs if not only or "write" in only else 0):
        for database in databases:
            leads = database.bench_leads
            samples[database]["write"].append(
                one_run(
                    database.env,
                    lambda e, leads=leads: leads.with_env(e).write({"priority": "3"}),
                )
            )
    for key, view_type in (("read kanban", "kanban"), ("read list", "list")):
        if only and key not in only:
            continue
        for database in databases:
            # a first page reads what later ones find cached (views, access
            # rules: 17 queries instead of 8): not what is compared
            bench_read_page(database.env, database.users[1], view_type, one_run)
        for _run in range(READ_RUNS):
            for database in databases:
                samples[database].setdefault(key, []).append(
                    bench_read_page(database.env, database.users[1], view_type, one_run)
                )
    return {
        database: {key: _median_row(rows) for key, rows in by_key.items() if rows}
        for database, by_key in samples.items()
    }


def _median_row(rows):
    """(wall s, queries, CPU s) medians of single runs' rows."""
    cpus = [row[2] for row in rows]
    return (
        statistics.median(row[0] for row in rows),
        int(statistics.median(row[1] for row in rows)),
        None if None in cpus else statistics.median(cpus),
    )


def bench_database(database, runs, common, sizes=(), only=(), scale_sizes=()):
    """The rows after create and write (``common``, measured already) in one
    database. only: the keys of the rows to measure (empty: all of them)."""
    rows = dict(common)
    measure = Measure(runs)
    env, teams, users = database.env, database.teams, database.users
    with_addon = database.with_addon
    leads = database.bench_leads
    steps = {
        "report read_group": lambda: bench_read_group(env, with_addon, measure),
    }
    if with_addon:
        team = teams[0]
        steps.update(
            {
                "hand off N": lambda: bench_handoff(env, leads, team, measure),
                "recycle": lambda: bench_recycle(env, leads[:1000], team, measure),
                "bant": lambda: bench_bant_rescore(env, leads, measure),
                "sla": lambda: bench_sla_cron(env, leads, measure),
                "target match": lambda: bench_target_matching(env, measure),
                "engagement": lambda: bench_engagement(env, team, measure),
                "nurture job": lambda: bench_nurture_job(env, team, measure),
            }
        )
    for key, step in steps.items():
        if not only or key in only:
            rows[key] = step()
    if with_addon and scale_sizes and (not only or "scale" in only):
        # after "target match": its accounts are the ones matched
        rows.update(bench_scale(env, teams[0], measure, scale_sizes))
    if sizes and (not only or "scoreboard" in only):
        rows.update(
            bench_scoreboard(
                env, measure, sizes, teams, users, database.sources, with_addon
            )
        )
    env.cr.rollback()
    return rows


def versions(dbname):
    registry = Registry(dbname)
    with registry.cursor() as cr:
        cr.execute("SHOW server_version")
        pg = cr.fetchone()[0]
    return odoo.release.version, pg


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--addon", required=True)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    add_odoo_arguments(parser)
    parser.add_argument(
        "--scoreboard-sizes",
        default="100000,1000000",
        help="lead counts for the scoreboard rows (empty: none)",
    )
    parser.add_argument(
        "--scale-sizes",
        default="1000,10000,100000",
        help="batch sizes for the hand-off and matching rows (empty: none)",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="only the addon's database (its own rows, when time is short)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated rows to measure (create always; scale and scoreboard:"
        " the rows by size)",
    )
    parser.add_argument(
        "--create-runs", type=int, help="runs of create (default: --runs)"
    )
    parser.add_argument("--rows-out", help="also write the addon's rows to this JSON")
    parser.add_argument(
        "--before-rows", help="rows of an earlier version (--rows-out of its run)"
    )
    parser.add_argument("--before-label", default="before")
    args = parser.parse_args()
    configure_odoo(args)
    odoo_version, pg_version = versions(args.addon)
    print(
        f"Odoo {odoo_version}, PostgreSQL {pg_version}, Python "
        f"{platform.python_version()}, {os.cpu_count()} cores, N={args.n}, "
        f"runs={args.runs} (create: {args.create_runs or args.runs}), seed={SEED}"
    )
    sizes = [int(size) for size in args.scoreboard_sizes.split(",") if size]
    scale_sizes = [int(size) for size in args.scale_sizes.split(",") if size]
    only = {key.strip() for key in args.only.split(",") if key.strip()}
    databases = [] if args.no_baseline else [BenchDatabase(args.base, args.n, False)]
    databases.append(BenchDatabase(args.addon, args.n, True))
    try:
        common = bench_common(databases, args.runs, only, args.create_runs)
        rows = [
            bench_database(
                database, args.runs, common[database], sizes, only, scale_sizes
            )
            for database in databases
        ]
    finally:
        for database in databases:
            database.close()
    base = {} if args.no_baseline else rows[0]
    addon = rows[-1]
    if args.rows_out:
        with open(args.rows_out, "w") as out:
            json.dump([[key, value] for key, value in addon.items()], out)
    before = {}
    if args.before_rows:
        with open(args.before_rows) as rows_in:
            before = {
                tuple(key) if isinstance(key, list) else key: tuple(value)
                for key, value in json.load(rows_in)
            }
    operations = [
        ("create", f"create N leads (batches of {BATCH})"),
        ("write", "write priority on N leads"),
        ("read kanban", f"read pipeline kanban page ({PAGE} leads)"),
        ("read list", f"read lead list page ({PAGE} leads)"),
        ("report read_group", "report read_group over N"),
        ("hand off N", "hand off N leads (to a team)"),
        ("bant", "BANT re-score after a profile change"),
        ("sla", "SLA cron over N ongoing SLAs"),
        ("recycle", "recycle 1,000 leads"),
        ("target match", f"match leads to {MATCH_ACCOUNTS:,} target accounts"),
        ("engagement", "engagement re-score of every lead"),
        ("nurture job", "nurture step job, e-mail steps due"),
    ]
    for size in scale_sizes:
        operations += [
            (("hand off", size), "hand off sales-ready leads (to their team)"),
            (("hand off new team", size), "hand off leads of no team (to a team)"),
            (("match", size), f"match leads to {MATCH_ACCOUNTS:,} accounts (own)"),
        ]
    for size in sizes:
        operations += [
            (("crm analysis", size), "crm pipeline analysis (month x stage)"),
            (("funnel", size), "scoreboard: funnel of a year's cohorts"),
            (("share", size), "scoreboard: marketing-sourced share"),
            (("speed", size), "scoreboard: speed to lead"),
            (("dashboard", size), "scoreboard: whole dashboard"),
        ]
    row_n = {
        "target match": MATCH_LEADS,
        "engagement": ENGAGE_LEADS,
        "nurture job": NURTURE_DUE,
    }
    row_n.update({(key, size): size for size in sizes for key in SCOREBOARD_KEYS})
    row_n.update({(key, size): size for size in scale_sizes for key in SCALE_KEYS})
    header = f"{'operation':<42} {'N':>7} {'crm s':>8} {'addon s':>8} {'ratio':>6} "
    header += f"{'cpu':>6} {'crm q':>7} {'addon q':>8} {'target':>22}"
    if before:
        header += f" | {args.before_label[:10]:>10} s {'ratio':>6} {'cpu':>6} {'q':>7}"
    print(header)
    print("-" * len(header))
    for key, label in operations:
        n = row_n.get(key, args.n)
        if key not in addon:
            if not only:
                print(f"{label:<42} {n:>7} {NOT_BUILT}")
            continue
        print(f"{label:<42} {n:>7} " + addon_columns(addon[key], base.get(key)), end="")
        print(f" {target_text(key, addon[key], base.get(key), n):>22}", end="")
        if key in before:
            print(" | " + before_columns(before[key], base.get(key)), end="")
        print()


# The target each row must meet (the issues' figures): ("ratio", r) against
# plain crm's wall time, ("seconds", s) for the whole operation, or
# ("per_lead", s) seconds per lead of the row's N.
TARGETS = {
    "create": ("ratio", 1.05),
    "write": ("ratio", 1.05),
    "read kanban": ("ratio", 1.05),
    "read list": ("ratio", 1.05),
    "hand off N": ("per_lead", 0.001),
    "hand off": ("per_lead", 0.001),
    "hand off new team": ("per_lead", 0.001),
    "target match": ("seconds", 2.0),
    "match": ("per_lead", 0.00002),
    "engagement": ("seconds", 2.0),
    "funnel": ("seconds", 0.5),
    "share": ("seconds", 0.5),
    "speed": ("seconds", 0.5),
    "dashboard": ("seconds", 1.0),
}


def target_text(key, measured, baseline, n):
    """The row's target and whether it is met ("-" when it has none, or
    when its crm baseline was not measured)."""
    target = TARGETS.get(key[0] if isinstance(key, tuple) else key)
    if target is None:
        return "-"
    kind, limit = target
    seconds = measured[0]
    if kind == "ratio":
        if not baseline or not baseline[0]:
            return f"<={limit:.2f}x ?"
        met = seconds / baseline[0] <= limit
        text = f"<={limit:.2f}x"
    elif kind == "per_lead":
        met = seconds <= limit * n
        text = f"<={limit * 1000:g} ms/lead"
    else:
        met = seconds <= limit
        text = f"<{limit:g} s"
    return f"{text} {'met' if met else 'MISSED'}"


def ratio_text(measured, baseline, index=0):
    """measured / baseline of the wall time (index 0) or the CPU time (2)."""
    if not baseline or len(measured) <= index or len(baseline) <= index:
        return "-"
    if not measured[index] or not baseline[index]:
        return "-"
    return f"{measured[index] / baseline[index]:.2f}"


def addon_columns(measured, baseline):
    """crm's seconds, the addon's, their wall and CPU ratios, then both
    query counts."""
    seconds, queries = measured[:2]
    base_seconds, base_queries = baseline[:2] if baseline else ("-", "-")
    if baseline:
        base_seconds = f"{base_seconds:.3f}"
    return (
        f"{base_seconds:>8} {seconds:>8.3f} {ratio_text(measured, baseline):>6} "
        f"{ratio_text(measured, baseline, 2):>6} {base_queries:>7} {queries:>8}"
    )


def before_columns(measured, baseline):
    """The earlier version's seconds, its wall and CPU ratios against the
    same crm run, queries."""
    seconds, queries = measured[:2]
    return (
        f"{seconds:>12.3f} {ratio_text(measured, baseline):>6} "
        f"{ratio_text(measured, baseline, 2):>6} {queries:>7}"
    )


if __name__ == "__main__":
    main()
