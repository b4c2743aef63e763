#!/usr/bin/env bash
# make faults: the jobs under the faults a deployment meets, scripted.
#  1. kill -9 of the process running the SLA deadline job in the middle of
#     its batches (it commits after each, as ir.cron does);
#  2. kill -9 in the middle of a batch hand-off (one call, all or nothing);
#  3. PostgreSQL restarted while the SLA job runs;
#  4. two users doing the same thing at once;
#  5. kill -9 in the middle of the nurture step job;
#  6. the SLA, assignment hand-off and nurture step jobs run twice at once
#     (two processes calling them, then two servers running the crons).
# After each: nothing half-written (every failed SLA escalated, with exactly
# one breach note; no lead handed off without its journey row), nothing done
# twice, and the next run catches up. (Webhook endpoints that are dead,
# slow, answer 500 or redirect: tests/test_sla.py, with local servers.)
source "$(dirname "$0")/lib.sh"
setup_all
N="${FAULTS_LEADS:-3000}"
DB="crm_alignment_faults_$(date +%Y%m%d%H%M%S)_$$"
OUT="$CACHE_DIR/faults-$DB"
mkdir -p "$OUT"
trap 'db_exists "$DB" && dropdb "$DB"; rm -rf "$DATA_DIR/filestore/$DB"' EXIT

shell() {
    "$VENV/bin/python" "$ODOO_ROOT/odoo-bin" shell --addons-path="$ADDONS_PATH" \
        --data-dir="$DATA_DIR" -d "$DB" --log-level warn --no-http "$@"
}
# In the background, the python process itself must be the job ($! is what
# kill -9 hits): `exec` replaces the background subshell with it.
shell_bg() {
    exec "$VENV/bin/python" "$ODOO_ROOT/odoo-bin" shell --addons-path="$ADDONS_PATH" \
        --data-dir="$DATA_DIR" -d "$DB" --log-level warn --no-http "$@"
}
check() {  # label, SQL returning 0 when it holds
    local got
    got="$(psql -d "$DB" -Atc "$2")"
    if [ "$got" = 0 ]; then echo "  ok   $1"; else echo "  BROKEN $1: $got"; BROKEN=$((BROKEN + 1)); fi
}
BROKEN=0
# the funnel's history (kept by triggers) and the live report it sums, per
# key: the rows where they differ, both ways
history_differs() {
    local keys="date_trunc('day', create_date), date_trunc('day', won_date), company_id, team_id, user_id, source_id, medium_id, campaign_id, sourced_by, won_status"
    local sums="" nonzero="" measure
    for measure in created_count sales_ready_count handed_off_count accepted_count \
        opportunity_count won_count recycled_count lost_count never_followed_up_count \
        pipeline_revenue weighted_pipeline_revenue sourced_pipeline_revenue \
        sourced_weighted_pipeline_revenue won_revenue sourced_won_revenue; do
        sums+=", coalesce(sum($measure), 0)::numeric(16,2)"
        nonzero+=" or coalesce(sum($measure), 0) <> 0"
    done
    local history="select $keys$sums from crm_alignment_pipeline_history group by $keys having false$nonzero"
    local report="select $keys$sums from crm_alignment_pipeline_report group by $keys having false$nonzero"
    echo "select count(*) from (($history except all $report) union all ($report except all $history)) d"
}
invariants() {
    check "the funnel's history sums what the leads hold now" "$(history_differs)"
    check "every failed SLA escalated" \
        "select count(*) from crm_lead_sla where state = 'failed' and escalated_date is null"
    check "exactly one breach note per escalated SLA" \
        "select count(*) from crm_lead l where (select count(*) from crm_lead_sla s where s.lead_id = l.id and s.escalated_date is not null) != (select count(*) from mail_message m where m.model = 'crm.lead' and m.res_id = l.id and m.body like '%SLA%breached%')"
    check "no lead handed off without its journey row" \
        "select count(*) from crm_lead l where l.lifecycle_stage = 'handed_off' and not exists (select 1 from crm_lead_handoff h where h.lead_id = l.id and h.direction = 'to_sales')"
    check "at most one to-sales journey row per lead" \
        "select count(*) from (select lead_id from crm_lead_handoff where direction = 'to_sales' group by lead_id having count(*) > 1) s"
}
reap() {  # the backend of a killed client ends when PostgreSQL notices
    for _ in $(seq 1 30); do
        [ "$(psql -d postgres -Atc "select count(*) from pg_stat_activity where datname = '$DB'")" = 0 ] && return
        sleep 1
    done
    psql -d postgres -Atqc "select pg_terminate_backend(pid) from pg_stat_activity where datname = '$DB'" >/dev/null
}
sla_job() {  # runs the deadline job as ir.cron does: a commit after each call
    ${RUNNER:-shell} >>"$OUT/job.log" 2>&1 <<'PY'
import time
Sla = env["crm.lead.sla"]
while Sla._cron_check_deadlines():
    env.cr.commit()
    time.sleep(float(__import__("os").environ.get("FAULTS_PAUSE", "0")))
env.cr.commit()
PY
}

say "Database $DB: $N handed-off leads whose SLAs are overdue, $N sales-ready ones"
odoo_bin -d "$DB" -i "$MODULE" --without-demo=all --stop-after-init --log-level warn \
    --max-cron-threads 0 --http-port 0 >"$OUT/install.log" 2>&1 || die "install failed"
FAULTS_LEADS="$N" shell >"$OUT/seed.log" 2>&1 <<'PY' || { cat "$OUT/seed.log"; die "seeding failed"; }
import os
from odoo import Command
n = int(os.environ["FAULTS_LEADS"])
env.company.marketing_qualifies_leads = True
env.company.bant_profile_id = False
sales = env["res.users"].create({"name": "Fault Sales", "login": "fault_sales",
    "email": "fault_sales@example.com",
    "groups_id": [Command.set([env.ref("sales_team.group_sale_salesman").id])]})
team = env["crm.team"].create({"name": "Fault Team", "member_ids": [Command.set(sales.ids)]})
always = env["resource.calendar"].create({"name": "Always", "tz": "UTC", "attendance_ids": [
    Command.create({"name": f"D{d}", "dayofweek": str(d), "hour_from": 0, "hour_to": 24,
                    "day_period": "morning"}) for d in range(7)]})
env["crm.sla.policy"].create({"name": "Fault SLA", "followup_hours": 1, "calendar_id": always.id})
Lead = env["crm.lead"]
overdue = Lead.create([{"name": f"Overdue {i}", "type": "lead", "team_id": team.id,
                        "user_id": False, "lifecycle_stage": "sales_ready"} for i in range(n)])
overdue.handoff_to_sales(user_id=sales.id)
past = env.cr.now().replace(year=env.cr.now().year - 1)
overdue.sla_ids._alignment_guarded_write({"deadline": past, "reminder_date": False})
Lead.create([{"name": f"Ready {i}", "type": "lead", "team_id": team.id,
              "user_id": False, "lifecycle_stage": "sales_ready"} for i in range(n)])
env.cr.commit()
PY

say "1. kill -9 in the middle of the SLA job"
# batches of 1,000, a pause after each commit: the kill lands between two
FAULTS_PAUSE=2 RUNNER=shell_bg sla_job & pid=$!
for _ in $(seq 1 100); do
    [ "$(psql -d "$DB" -Atc "select count(*) from crm_lead_sla where state = 'failed'")" -gt 0 ] && break
    sleep 0.2
done
kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
reap
echo "  failed before the kill: $(psql -d "$DB" -Atc "select count(*) from crm_lead_sla where state = 'failed'") of $N"
invariants
sla_job
echo "  after the next run: $(psql -d "$DB" -Atc "select count(*) from crm_lead_sla where state = 'failed'") of $N"
check "the next run caught up" "select count(*) from crm_lead_sla where state = 'ongoing'"
invariants

say "2. kill -9 in the middle of a batch hand-off ($N leads in one call)"
shell_bg >>"$OUT/handoff.log" 2>&1 <<'PY' & pid=$!
leads = env["crm.lead"].search([("name", "like", "Ready %")])
leads.handoff_to_sales(user_id=env["res.users"].search([("login", "=", "fault_sales")]).id)
env.cr.commit()
print("HANDOFF COMMITTED")
PY
sleep "${FAULTS_KILL_AFTER:-1.5}"
kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
reap
grep -q "HANDOFF COMMITTED" "$OUT/handoff.log" &&
    echo "  (the kill came after the commit: raise FAULTS_LEADS or lower FAULTS_KILL_AFTER)"
echo "  handed off after the kill: $(psql -d "$DB" -Atc "select count(*) from crm_lead where name like 'Ready %' and lifecycle_stage = 'handed_off'") of $N (all or nothing)"
check "all or nothing" \
    "select count(*) from (select count(*) filter (where lifecycle_stage = 'handed_off') h, count(*) t from crm_lead where name like 'Ready %') s where h not in (0, t)"
invariants
shell >>"$OUT/handoff.log" 2>&1 <<'PY'
leads = env["crm.lead"].search([("name", "like", "Ready %"), ("lifecycle_stage", "=", "sales_ready")])
leads.handoff_to_sales(user_id=env["res.users"].search([("login", "=", "fault_sales")]).id)
env.cr.commit()
PY
check "the next run handed them all off, once" \
    "select count(*) from crm_lead where name like 'Ready %' and lifecycle_stage != 'handed_off'"
invariants

say "3. PostgreSQL restarted while the SLA job runs"
psql -d "$DB" -qc "update crm_lead_sla set deadline = now() - interval '1 day' where state = 'ongoing'"
FAULTS_PAUSE=2 RUNNER=shell_bg sla_job & pid=$!
sleep 3
if is_root && command -v pg_ctlcluster >/dev/null; then
    read -r ver name _ < <(pg_lsclusters -h | sort -k1,1nr | head -n 1)
    pg_ctlcluster "$ver" "$name" restart
else
    echo "  (cannot restart PostgreSQL here: not root on Debian)"
fi
wait "$pid" 2>/dev/null || true
for _ in $(seq 1 30); do pg_reachable && break; sleep 1; done
invariants
sla_job
check "the next run caught up" "select count(*) from crm_lead_sla where state = 'ongoing'"
invariants
say "4. Two users doing the same thing at the same moment (a 2-worker server)"
shell >"$OUT/race-seed.log" 2>&1 <<'PY' || { cat "$OUT/race-seed.log"; die "race seeding failed"; }
import json
from odoo import Command
def user(login, group):
    return env["res.users"].create({"name": login, "login": login, "password": login,
        "email": f"{login}@example.com", "groups_id": [Command.set([env.ref(group).id])]})
sales = [user(f"race_sales_{n}", "sales_team.group_sale_salesman") for n in range(2)]
approvers = [user(f"race_approver_{n}", "sales_team.group_sale_manager") for n in range(2)]
team = env["crm.team"].create({"name": "Race Team", "member_ids": [Command.set([u.id for u in sales])]})
env["crm.marketing.content.approval.rule"].create({"team_id": team.id, "mode": "all",
    "approver_ids": [Command.set([u.id for u in approvers])]})
leads = env["crm.lead"].create([{"name": f"Race {i}", "type": "lead", "team_id": team.id,
    "user_id": False, "lifecycle_stage": "sales_ready"} for i in range(10)])
leads.handoff_to_sales(team_id=team.id)
contents = env["crm.marketing.content"].create([{"name": f"Race content {i}",
    "team_ids": [Command.set(team.ids)]} for i in range(5)])
contents.action_submit()
marketers = [user(f"race_marketer_{n}", "crm_alignment.group_marketing_user") for n in range(2)]
manager = user("race_manager", "sales_team.group_sale_manager")
ready = env["crm.lead"].create([{"name": f"Race ready {i}", "type": "lead", "team_id": team.id,
    "user_id": False, "lifecycle_stage": "sales_ready"} for i in range(5)])
accepted = env["crm.lead"].create([{"name": f"Race accepted {i}", "type": "lead",
    "team_id": team.id, "user_id": False, "lifecycle_stage": "sales_ready"} for i in range(5)])
accepted.handoff_to_sales(user_id=sales[0].id)
company = env["res.partner"].create({"name": "Race Co", "is_company": True})
lists = env["crm.target.account.list"].create([{"name": f"Race list {i}",
    "account_ids": [Command.create({"partner_id": company.id})]} for i in range(5)])
env.cr.commit()
print("RACE" + json.dumps({"sales": [[u.login, u.id] for u in sales],
    "approvers": [[u.login, u.id] for u in approvers],
    "marketers": [[u.login, u.id] for u in marketers],
    "manager": [manager.login, manager.id],
    "reason": env.ref("crm_alignment.crm_recycle_reason_timing").id,
    "leads": leads.ids, "contents": contents.ids, "ready": ready.ids,
    "accepted": accepted.ids, "lists": lists.ids}))
PY
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$VENV/bin/python" "$ODOO_ROOT/odoo-bin" --addons-path="$ADDONS_PATH" --data-dir="$DATA_DIR" \
    -d "$DB" --db-filter "^${DB}\$" --workers 2 --max-cron-threads 0 \
    --http-interface 127.0.0.1 --http-port "$PORT" --gevent-port $((PORT + 1)) \
    --log-level warn >"$OUT/race-server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/web/login" 2>/dev/null && break; sleep 1; done
python3 "$REPO_DIR/dev/concurrency.py" "http://127.0.0.1:$PORT" "$DB" \
    "$(grep -o 'RACE.*' "$OUT/race-seed.log" | sed 's/^RACE//')" || BROKEN=$((BROKEN + 1))
kill "$server"; wait "$server" 2>/dev/null || true
check "one acceptance per raced lead" \
    "select count(*) from crm_lead l where l.name ~ '^Race [0-9]+$' and (select count(*) from crm_lead_handoff h where h.lead_id = l.id and h.accepted_date is not null) != 1"
check "one acceptance note per raced lead" \
    "select count(*) from crm_lead l where l.name ~ '^Race [0-9]+$' and (select count(*) from mail_message m where m.model = 'crm.lead' and m.res_id = l.id and m.body like '%Hand-off accepted%') != 1"
check "one to-sales journey row per raced hand-off" \
    "select count(*) from crm_lead l where l.name like 'Race ready %' and (select count(*) from crm_lead_handoff h where h.lead_id = l.id and h.direction = 'to_sales') != 1"
check "one to-marketing journey row per raced recycle" \
    "select count(*) from crm_lead l where l.name like 'Race accepted %' and (select count(*) from crm_lead_handoff h where h.lead_id = l.id and h.direction = 'to_marketing') != 1"
check "one sales sign-off per raced list" \
    "select count(*) from crm_target_account_list where name like 'Race list %' and sales_agreed_user_id is null"
check "all-approvers content approved by both, not stuck in review" \
    "select count(*) from crm_marketing_content c where c.name like 'Race content %' and (c.state != 'approved' or (select count(*) from crm_marketing_content_review r where r.content_id = c.id) != 2)"
invariants

say "5. kill -9 in the middle of the nurture step job (e-mails through Email Marketing)"
FAULTS_LEADS="$N" shell >"$OUT/nurture-seed.log" 2>&1 <<'PY' || { cat "$OUT/nurture-seed.log"; die "nurture seeding failed"; }
import os
from odoo import Command
n = min(int(os.environ["FAULTS_LEADS"]), 1000)
team = env["crm.team"].search([("name", "=", "Fault Team")])
program = env["crm.nurture.program"].create({"name": "Fault program", "team_id": team.id,
    "step_ids": [Command.create({"sequence": 1, "name": "Mail", "kind": "email", "delay_days": 0,
                                 "subject": "Hello", "body_html": "<p>Hello</p>"}),
                 Command.create({"sequence": 2, "name": "Call", "kind": "activity", "delay_days": 0,
                                 "activity_type_id": env.ref("mail.mail_activity_data_call").id})]})
program._agree("sales", env.ref("base.user_admin"))
marketing = env["res.users"].create({"name": "Fault Marketing", "login": "fault_marketing",
    "groups_id": [Command.set([env.ref("crm_alignment.group_marketing_manager").id])]})
program._agree("marketing", marketing)
leads = env["crm.lead"].create([{"name": f"Nurtured {i}", "type": "lead", "team_id": team.id,
    "email_from": f"prospect{i}@example.com"} for i in range(n)])
# nurtured, as every path that enrols makes them (the job runs nurtured leads only)
leads._alignment_guarded_write({"lifecycle_stage": "nurture"})
env["crm.nurture.enrolment"]._enrol(leads, program, "faults")
env.cr.commit()
PY
nurture_job() {
    ${RUNNER:-shell} >>"$OUT/nurture.log" 2>&1 <<'PY'
import time
Enrolment = env["crm.nurture.enrolment"]
while Enrolment._cron_run_steps(batch_size=100):
    env.cr.commit()
    time.sleep(float(__import__("os").environ.get("FAULTS_PAUSE", "0")))
env.cr.commit()
PY
}
FAULTS_PAUSE=1 RUNNER=shell_bg nurture_job & pid=$!
for _ in $(seq 1 150); do
    [ "$(psql -d "$DB" -Atc "select count(*) from crm_nurture_touch")" -gt 0 ] && break
    sleep 0.2
done
sleep 0.5
kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
reap
echo "  steps recorded before the kill: $(psql -d "$DB" -Atc "select count(*) from crm_nurture_touch"), mails traced: $(psql -d "$DB" -Atc "select count(*) from mailing_trace")"
nurture_invariants() {
    check "no nurture step recorded twice" \
        "select count(*) from (select enrolment_id, step_id from crm_nurture_touch group by 1, 2 having count(*) > 1) s"
    check "no prospect mailed twice by a step" \
        "select count(*) from (select mass_mailing_id, res_id from mailing_trace group by 1, 2 having count(*) > 1) s"
}
nurture_invariants
nurture_job
nurture_invariants
check "the next run caught up: every enrolment past both steps" \
    "select count(*) from crm_nurture_enrolment where state != 'done'"
check "every prospect mailed once, each mail recorded on its step" \
    "select count(*) from crm_nurture_enrolment e where (select count(*) from mailing_trace t join crm_nurture_touch h on h.mailing_trace_id = t.id where h.enrolment_id = e.id) != 1"
invariants
say "6. Two servers' jobs on the same records: the SLA job, the assignment hand-off job, the nurture step job"
# Odoo's own lock keeps one cron job to one server at a time; the jobs'
# claims are what hold when the same job still runs twice at once (a manual
# run, a shell, a server that lost its lock): two processes call each job
# method at the same moment (a), then two real servers run the crons (b).
seed_jobs() {  # prefix: overdue SLAs, assigned sales-ready leads, due nurture steps
    FAULTS_LEADS="$N" PREFIX="$1" shell >>"$OUT/jobs-seed.log" 2>&1 <<'PY' || { cat "$OUT/jobs-seed.log"; die "jobs seeding failed"; }
import os
n, prefix = int(os.environ["FAULTS_LEADS"]), os.environ["PREFIX"]
Lead = env["crm.lead"]
team = env["crm.team"].search([("name", "=", "Fault Team")])
sales = env["res.users"].search([("login", "=", "fault_sales")])
overdue = Lead.create([{"name": f"{prefix} overdue {i}", "type": "lead", "team_id": team.id,
                        "user_id": False, "lifecycle_stage": "sales_ready"} for i in range(n)])
overdue.handoff_to_sales(user_id=sales.id)
past = env.cr.now().replace(year=env.cr.now().year - 1)
overdue.sla_ids._alignment_guarded_write({"deadline": past, "reminder_date": False})
straight = env["crm.team"].search([("name", "=", "Straight Team")]) or env["crm.team"].create(
    {"name": "Straight Team", "marketing_qualification": "off",
     "member_ids": [(6, 0, sales.ids)]})
# assigned by Odoo's assignment (or a manager): the job logs their hand-off
Lead.create([{"name": f"{prefix} assigned {i}", "type": "lead", "team_id": straight.id,
              "user_id": sales.id, "lifecycle_stage": "sales_ready"} for i in range(n)])
program = env["crm.nurture.program"].search([("name", "=", "Fault program")])
nurtured = Lead.create([{"name": f"{prefix} nurtured {i}", "type": "lead", "team_id": team.id,
                         "email_from": f"{prefix.lower()}{i}@example.com"} for i in range(min(n, 1000))])
nurtured._alignment_guarded_write({"lifecycle_stage": "nurture"})
env["crm.nurture.enrolment"]._enrol(nurtured, program, "faults")
env.cr.commit()
PY
}
jobs_invariants() {  # prefix
    check "$1: every overdue SLA failed and escalated" \
        "select count(*) from crm_lead_sla s join crm_lead l on l.id = s.lead_id where l.name like '$1 overdue %' and (s.state != 'failed' or s.escalated_date is null)"
    check "$1: one SLA per hand-off" \
        "select count(*) from (select handoff_id from crm_lead_sla where handoff_id is not null group by 1 having count(*) > 1) s"
    check "$1: every assigned lead handed off, with one journey row" \
        "select count(*) from crm_lead l where l.name like '$1 assigned %' and (l.lifecycle_stage != 'handed_off' or (select count(*) from crm_lead_handoff h where h.lead_id = l.id and h.direction = 'to_sales') != 1)"
    check "$1: one hand-off note per assigned lead" \
        "select count(*) from crm_lead l where l.name like '$1 assigned %' and (select count(*) from mail_message m where m.model = 'crm.lead' and m.res_id = l.id and m.body like '%Handed off to sales%') != 1"
    check "$1: every nurtured lead past both steps" \
        "select count(*) from crm_nurture_enrolment e join crm_lead l on l.id = e.lead_id where l.name like '$1 nurtured %' and e.state != 'done'"
    invariants
    nurture_invariants
}
jobs_run() {  # every job until nothing remains; a concurrency error is retried, as ir.cron does
    # both processes start each job together (a barrier of files), so the
    # same job really runs twice at once
    ME="$1" OTHER="$2" BARRIER="$OUT/barrier" ${RUNNER:-shell} >>"$OUT/jobs-$1.log" 2>&1 <<'PY'
import os
import time
def barrier(name):
    open(os.path.join(os.environ["BARRIER"], f"{name}.{os.environ['ME']}"), "w").close()
    theirs = os.path.join(os.environ["BARRIER"], f"{name}.{os.environ['OTHER']}")
    for _ in range(1200):
        if os.path.exists(theirs):
            return
        time.sleep(0.05)
from psycopg2 import OperationalError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
jobs = [("crm.lead.sla", "_cron_check_deadlines", {}),
        ("crm.lead", "_cron_assignment_handoff", {}),
        ("crm.nurture.enrolment", "_cron_run_steps", {"batch_size": 100})]
retried = 0
# what this process did: each job reports its batch to ir.cron
did = {}
Cron = type(env["ir.cron"])
notify = Cron._notify_progress
def counted(self, *, done, remaining, **kwargs):
    did[current] = did.get(current, 0) + done
    return notify(self, done=done, remaining=remaining, **kwargs)
Cron._notify_progress = counted
for model, method, kwargs in jobs:
    current = method
    env.cr.rollback()  # a fresh snapshot once both are at the start line
    barrier(method)
    while True:
        try:
            remaining = getattr(env[model], method)(**kwargs)
            env.cr.commit()
        except OperationalError as error:
            if error.pgcode not in PG_CONCURRENCY_ERRORS_TO_RETRY:
                raise
            env.cr.rollback()
            env.invalidate_all()
            retried += 1
            time.sleep(0.05)
            continue
        if not remaining:
            break
env.cr.commit()
print("JOBS DONE, retried", retried, "did", did)
PY
}
seed_jobs "Twin"
echo "  (a) two processes run each job at once"
mkdir -p "$OUT/barrier"
jobs_run a b & first=$!
jobs_run b a & second=$!
wait "$first" "$second"
grep -h "JOBS DONE" "$OUT"/jobs-a.log "$OUT"/jobs-b.log | sed 's/^/  /'
[ "$(cat "$OUT"/jobs-a.log "$OUT"/jobs-b.log | grep -c "JOBS DONE")" = 2 ] ||
    { echo "  BROKEN a job runner failed (see $OUT/jobs-*.log)"; BROKEN=$((BROKEN + 1)); }
jobs_invariants "Twin"

seed_jobs "Cron"
echo "  (b) two servers, each with a cron thread, the three jobs due"
psql -d "$DB" -qc "update ir_cron set active = true, nextcall = now() at time zone 'UTC' - interval '1 minute'
    where id in (select res_id from ir_model_data where module = 'crm_alignment' and model = 'ir.cron'
                 and name in ('ir_cron_sla_check', 'ir_cron_assignment_handoff', 'ir_cron_nurture_steps'))"
servers=()
for _ in 1 2; do
    port="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "$VENV/bin/python" "$ODOO_ROOT/odoo-bin" --addons-path="$ADDONS_PATH" --data-dir="$DATA_DIR" \
        -d "$DB" --db-filter "^${DB}\$" --max-cron-threads 1 --http-interface 127.0.0.1 \
        --http-port "$port" --log-level info >>"$OUT/cron-servers.log" 2>&1 &
    servers+=($!)
done
sleep 5
psql -d "$DB" -qc "NOTIFY cron_trigger, '$DB'"
pending_sql="select (select count(*) from crm_lead_sla where state = 'ongoing' and deadline < now() at time zone 'UTC')
    + (select count(*) from crm_lead l join crm_team t on t.id = l.team_id where l.name like 'Cron assigned %' and l.lifecycle_stage = 'sales_ready')
    + (select count(*) from crm_nurture_enrolment e join crm_lead l on l.id = e.lead_id where l.name like 'Cron nurtured %' and e.state != 'done')"
for second in $(seq 1 "${FAULTS_CRON_WAIT:-300}"); do
    [ "$(psql -d "$DB" -Atc "$pending_sql")" = 0 ] && break
    # a cron thread listens once its registry is loaded: tell it again
    [ $((second % 10)) = 0 ] && psql -d "$DB" -qc "NOTIFY cron_trigger, '$DB'"
    sleep 1
done
kill "${servers[@]}" 2>/dev/null; wait "${servers[@]}" 2>/dev/null || true
for job in "fail, escalate" "log assignments" "nurture steps"; do
    echo "  batches of '$job' by server (pid: batches; Odoo's cron lock gives a job to one server at a time): $(grep "Job '.*$job.*' (.*) processed" "$OUT/cron-servers.log" | awk '{print $3}' | sort | uniq -c | awk '{print $2 ": " $1}' | paste -sd, -)"
done
check "Cron: nothing left for the jobs" "$pending_sql"
jobs_invariants "Cron"

echo "faults: $BROKEN invariants broken"
[ "$BROKEN" = 0 ] || die "an invariant broke"
say "Nothing lost, nothing done twice, the next runs caught up"
