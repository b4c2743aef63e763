#!/usr/bin/env bash
# make loadtest: Odoo in prefork mode (LOAD_WORKERS HTTP workers, a cron
# worker running the real jobs, follow-up SLAs short enough to fail during
# the run) on the local PostgreSQL, driven by Locust over JSON-RPC on the
# loopback only, bounded in users and time. The same workload's common part
# runs against a crm-only database, side by side. Prints throughput and
# p50/p95/p99 per operation for both, errors, then checks invariants in SQL
# and exits non-zero when one breaks or when a request failed.
source "$(dirname "$0")/lib.sh"
setup_all

USERS_N="${LOAD_CLIENTS:-8}"
DURATION="${LOAD_DURATION:-60s}"
WARMUP="${LOAD_WARMUP:-30s}"  # before the measured run; 0s: none
WORKERS="${LOAD_WORKERS:-4}"
SLA_HOURS="${LOAD_SLA_HOURS:-0.01}"  # 36 s: some fail during the run
LOCUST_VENV="$CACHE_DIR/locust-venv"
STAMP="$(date +%Y%m%d%H%M%S)_$$"
OUT="$CACHE_DIR/loadtest-$STAMP"
mkdir -p "$OUT"
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
SERVER_PID=""
# LOAD_REPLICA=1: the addon's server also reads from a local streaming
# replica (make replica); PostgreSQL's own statistics on both clusters then
# show where the dashboard's reads and the workload's writes ran.
# LOAD_KEEP=1: the databases stay after the run (make clean drops them).
REPLICA_PORT="${REPLICA_PORT:-5433}"
REPLICA_ARGS=()
if [ -n "${LOAD_REPLICA:-}" ]; then
    "$REPO_DIR/dev/replica.sh" start
    # an empty host is the local socket; Odoo opens its read-only pool only
    # when a replica host is given (the port alone is ignored)
    REPLICA_ARGS=(--db_replica_host= --db_replica_port "$REPLICA_PORT")
    PRIMARY_PORT="$(primary_cluster | awk '{print $3}')"
fi

if [ ! -x "$LOCUST_VENV/bin/locust" ]; then
    say "Installing Locust into $LOCUST_VENV (its own virtualenv: it pins its own gevent)"
    "$(find_python)" -m venv "$LOCUST_VENV"
    "$LOCUST_VENV/bin/python" -m pip install -q --disable-pip-version-check "locust==2.47.0"
fi

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
DBS=()
cleanup() {
    stop_server
    if [ -n "${LOAD_KEEP:-}" ]; then
        # LOAD_KEEP=1: left for whoever reads PostgreSQL's statistics
        # themselves (on the replica too); make clean drops them
        say "Kept the databases: ${DBS[*]}"
        return
    fi
    for db in "${DBS[@]}"; do db_exists "$db" && dropdb "$db"; rm -rf "$DATA_DIR/filestore/$db"; done
}
trap cleanup EXIT

shell() {  # database; script on stdin
    "$VENV/bin/python" "$ODOO_ROOT/odoo-bin" shell --addons-path="$ADDONS_PATH" \
        --data-dir="$DATA_DIR" -d "$1" --log-level warn --no-http 2>>"$OUT/shell.log"
}

prepare() {  # database, modules, mode -> writes $OUT/<mode>.env
    local db=$1 modules=$2 mode=$3
    DBS+=("$db")
    say "Creating $db ($modules) and its users"
    odoo_bin -d "$db" -i "$modules" --without-demo=all --stop-after-init --log-level warn \
        --max-cron-threads 0 --http-port 0 >>"$OUT/install.log" 2>&1 || { tail -n 30 "$OUT/install.log"; die "install failed"; }
    LOAD_MODE="$mode" SLA_HOURS="$SLA_HOURS" USERS_N="$USERS_N" shell "$db" >"$OUT/$mode.env" <<'PY'
import json, os
from odoo import Command
mode = os.environ["LOAD_MODE"]
def user(login, groups):
    return env["res.users"].create({
        "name": login.replace("_", " ").title(), "login": login, "password": login,
        "email": f"{login}@example.com",  # Odoo's own notes need the author's e-mail
        "groups_id": [Command.set([env.ref(g).id for g in groups])],
    })
# one person per simulated user (Locust's weights: marketing 3, sales 4,
# managers 1): two simulated users sharing a login would be one person
# acting in two browsers at once on the same records
clients = int(os.environ["USERS_N"])
def people(weight):
    return max(1, -(-clients * weight // 8))
sales = [user(f"load_sales_{n}", ["sales_team.group_sale_salesman"]) for n in range(people(4))]
marketing_group = "crm_alignment.group_marketing_user" if mode == "addon" else "sales_team.group_sale_salesman_all_leads"
marketing = [user(f"load_marketing_{n}", [marketing_group]) for n in range(people(3))]
managers = [user(f"load_manager_{n}", ["sales_team.group_sale_manager"]) for n in range(people(1))]
team = env["crm.team"].create({
    "name": "Load Team", "user_id": managers[0].id,
    "member_ids": [Command.set([u.id for u in sales])],
})
# each manager leads a team whose content they approve
content_teams = team + env["crm.team"].create([
    {"name": f"Load Content Team {n}", "user_id": manager.id}
    for n, manager in enumerate(managers[1:], 1)
])
# each salesperson's own pipeline, the same in both databases: their
# common part (reading and editing their own leads) then does the same work
# with crm alone as with the addon (without it a crm salesperson, who sees
# only their own leads, had none: nothing to read, no lead to edit)
for salesperson in sales:
    env["crm.lead"].with_user(salesperson).create([
        {"name": f"Load own lead {salesperson.login} {n}"} for n in range(20)
    ])
result = {"users": {
    "sales": [[u.login, u.id] for u in sales],
    "marketing": [[u.login, u.id] for u in marketing],
    "manager": [[u.login, u.id] for u in managers],
}}
if mode == "addon":
    env.company.bant_profile_id = False
    team.marketing_qualification = "on"
    always = env["resource.calendar"].create({
        "name": "Always", "tz": "UTC", "attendance_ids": [Command.create({
            "name": f"Day {d}", "dayofweek": str(d), "hour_from": 0, "hour_to": 24,
            "day_period": "morning"}) for d in range(7)],
    })
    env["crm.sla.policy"].create({
        "name": "Load SLA", "followup_hours": float(os.environ["SLA_HOURS"]),
        "calendar_id": always.id, "reminder_percent": 50,
    })
    contents = env["crm.marketing.content"].create([
        {"name": f"Load content {n}",
         "team_ids": [Command.set(content_teams[n % len(content_teams)].ids)]}
        for n in range(100 * len(content_teams))
    ])
    contents.action_submit()
    cron = env.ref("crm_alignment.ir_cron_sla_check")
    cron.write({"interval_number": 1, "interval_type": "minutes", "nextcall": env.cr.now()})
    result["need_id"] = env.ref("crm_alignment.bant_need_critical").id
    result["reason_id"] = env.ref("crm_alignment.crm_recycle_reason_timing").id
# steady state: every other job as if it had just run. A new database has
# them all due at once (the hourly and daily ones included), which the cron
# worker would run in the first seconds of the load, on the same 2 cores
from odoo.addons.base.models.ir_cron import _intervalTypes
sla_job = env.ref("crm_alignment.ir_cron_sla_check", raise_if_not_found=False)
for cron in env["ir.cron"].search([]) - (sla_job or env["ir.cron"]):
    cron.nextcall = env.cr.now() + _intervalTypes[cron.interval_type](cron.interval_number)
env.cr.commit()
print("LOADENV" + json.dumps(result))
PY
}

pg_snapshot() {  # database, port, file: crm_lead's scans and writes, the database's transactions
    sleep 2  # backends report their counters within a second of going idle
    psql -p "$2" -d "$1" -Atc "
        SELECT 'crm_lead scans', seq_scan + coalesce(idx_scan, 0),
               'crm_lead rows written', n_tup_ins + n_tup_upd + n_tup_del
          FROM pg_stat_user_tables WHERE relname = 'crm_lead'
        UNION ALL
        SELECT 'transactions', xact_commit + xact_rollback, 'in recovery',
               pg_is_in_recovery()::int
          FROM pg_stat_database WHERE datname = current_database()" >"$3"
}

SIGNALING="SELECT relname FROM pg_class WHERE relkind = 'S' AND relname ~ '^base_(registry|cache)_signaling'"

signaling() {  # database, port: Odoo's registry and cache signaling sequences, name=value
    local names
    names="$(psql -p "$2" -d "$1" -Atqc "$SIGNALING" | sort)"
    for name in $names; do
        printf '%s=%s ' "$name" "$(psql -p "$2" -d "$1" -Atqc "SELECT last_value FROM $name")"
    done
}

align_signaling() {  # database
    # PostgreSQL replicates a sequence as the value it logged ahead (up to 32
    # more than used): on the replica Odoo's signaling sequences read higher
    # than on the primary after any install, upgrade or cache invalidation.
    # An Odoo 18.0 before odoo/odoo#190407 reads them on the read-only
    # cursor, so a worker alternating between read-only and read/write
    # requests would reload its registry on every request. setval() logs
    # the exact value: both clusters agree until the next change, which
    # the report counts.
    psql -p "$PRIMARY_PORT" -d "$1" -Atqc "DO \$\$ DECLARE seq text; BEGIN
        FOR seq IN $SIGNALING LOOP
            EXECUTE format('SELECT setval(%L, last_value, is_called) FROM %I', seq, seq);
        END LOOP; END \$\$" >/dev/null
    for _ in $(seq 1 30); do
        [ "$(signaling "$1" "$PRIMARY_PORT")" = "$(signaling "$1" "$REPLICA_PORT")" ] && return 0
        sleep 1
    done
    die "the replica's signaling sequences of $1 did not reach the primary's within 30 s"
}

run_load() {  # database, seed, mode (addon: full workload, common/crm: common part)
    local db=$1 seed=$2 mode=$3 env_json
    local replica=()
    if [ "$mode" = addon ] && [ -n "${LOAD_REPLICA:-}" ]; then
        replica=("${REPLICA_ARGS[@]}" --log-handler odoo.modules.registry:INFO)
        align_signaling "$db"
        signaling "$db" "$PRIMARY_PORT" >"$OUT/signaling-before"
        pg_snapshot "$db" "$PRIMARY_PORT" "$OUT/stats-primary-before"
        pg_snapshot "$db" "$REPLICA_PORT" "$OUT/stats-replica-before"
    fi
    env_json="$(grep -o 'LOADENV.*' "$OUT/$seed.env" | sed 's/^LOADENV//')"
    [ -n "$env_json" ] || die "seeding $db failed (see $OUT/shell.log)"
    say "Serving $db in prefork mode ($WORKERS workers, 1 cron worker) on 127.0.0.1:$PORT"
    "$VENV/bin/python" "$ODOO_ROOT/odoo-bin" --addons-path="$ADDONS_PATH" --data-dir="$DATA_DIR" \
        -d "$db" --db-filter "^${db}\$" --workers "$WORKERS" --max-cron-threads 1 \
        --http-interface 127.0.0.1 --http-port "$PORT" --gevent-port $((PORT + 1)) \
        --limit-time-real 120 --limit-time-cpu 60 --log-level warn "${replica[@]}" \
        --log-handler werkzeug:INFO --log-handler odoo.addons.base.models.ir_cron:INFO \
        >"$OUT/server-$mode.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 60); do
        curl -fsS -o /dev/null "http://127.0.0.1:$PORT/web/login" 2>/dev/null && break
        sleep 1
    done
    : >"$OUT/actions-$mode.log"
    locust_run() {  # duration, name of its statistics
        LOAD_DB="$db" LOAD_MODE="$([ "$mode" = addon ] && echo addon || echo crm)" \
        LOAD_LOG="$OUT/actions-$mode.log" \
        LOAD_ENV="$env_json" \
            "$LOCUST_VENV/bin/locust" -f "$REPO_DIR/dev/locustfile.py" --headless \
            -u "$USERS_N" -r "$USERS_N" -t "$1" --stop-timeout 10 \
            --host "http://127.0.0.1:$PORT" --csv "$OUT/$2" --only-summary \
            >"$OUT/locust-$2.log" 2>&1 || true
    }
    if [ "$WARMUP" != 0s ]; then
        # a new worker's first requests load its caches (0.5-1 s each in
        # the first half minute): the same workload warms every worker up,
        # its actions count in the invariants, its figures are apart
        say "Locust: $USERS_N clients for $WARMUP (warm-up) against $db ($mode)"
        locust_run "$WARMUP" "warmup-$mode"
        date '+%Y-%m-%d %H:%M:%S,000' >"$OUT/measured-since-$mode"
    fi
    say "Locust: $USERS_N clients for $DURATION against $db ($mode)"
    locust_run "$DURATION" "$mode"
    stop_server
    if [ ${#replica[@]} -gt 0 ]; then
        signaling "$db" "$PRIMARY_PORT" >"$OUT/signaling-after"
        pg_snapshot "$db" "$PRIMARY_PORT" "$OUT/stats-primary-after"
        pg_snapshot "$db" "$REPLICA_PORT" "$OUT/stats-replica-after"
    fi
}

ADDON_DB="crm_alignment_load_addon_$STAMP"
CRM_DB="crm_alignment_load_crm_$STAMP"
prepare "$ADDON_DB" "$MODULE" addon
prepare "$CRM_DB" crm crm
# the full workload on the addon (invariants), then the common part
# (create, write, kanban and list reads) on both, for a fair comparison
run_load "$ADDON_DB" addon addon
run_load "$ADDON_DB" addon common
run_load "$CRM_DB" crm crm

say "Catching up the jobs the run left due, then the invariants"
shell "$ADDON_DB" <<'PY' >/dev/null
Sla = env["crm.lead.sla"]
while Sla._cron_check_deadlines():
    pass
env.cr.commit()
PY
"$VENV/bin/python" "$REPO_DIR/dev/loadtest_report.py" "$OUT" "$ADDON_DB"
