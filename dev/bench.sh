#!/usr/bin/env bash
# make bench: crm_alignment against plain crm, same Odoo, same data.
source "$(dirname "$0")/lib.sh"
setup_all
N="${BENCH_N:-10000}"
RUNS="${BENCH_RUNS:-3}"
STAMP="$(date +%Y%m%d%H%M%S)_$$"
BASE_DB="crm_alignment_bench_base_$STAMP"
ADDON_DB="crm_alignment_bench_addon_$STAMP"
BEFORE_DB="crm_alignment_bench_before_$STAMP"
BEFORE_DIR="$CACHE_DIR/bench_before_$STAMP"
cleanup() {
    rm -rf "$BEFORE_DIR"
    for db in "$BASE_DB" "$ADDON_DB" "$BEFORE_DB"; do
        db_exists "$db" && dropdb "$db"
        rm -rf "$DATA_DIR/filestore/$db"
    done
    return 0
}
trap cleanup EXIT
if [ -n "${BENCH_NO_BASELINE:-}" ]; then
    say "Creating $ADDON_DB (crm_alignment) without demo data; no baseline"
else
    say "Creating $BASE_DB (crm) and $ADDON_DB (crm_alignment), without demo data"
    odoo_bin -d "$BASE_DB" -i crm --without-demo=all --stop-after-init --log-level warn \
        --max-cron-threads 0 --http-port 0
fi
odoo_bin -d "$ADDON_DB" -i "$MODULE" --without-demo=all --stop-after-init --log-level warn \
    --max-cron-threads 0 --http-port 0
BEFORE_ARGS=()
if [ -n "${BENCH_BEFORE:-}" ]; then
    # an earlier version of the addon (any git ref), exported outside the
    # repository and benched in its own process: a column of the same table
    say "Creating $BEFORE_DB (crm_alignment at $BENCH_BEFORE)"
    mkdir -p "$BEFORE_DIR/addons/$MODULE"
    git -C "$REPO_DIR" archive "$BENCH_BEFORE" | tar -x -C "$BEFORE_DIR/addons/$MODULE"
    BEFORE_PATH="$ODOO_ROOT/addons,$BEFORE_DIR/addons"
    "$VENV/bin/python" "$ODOO_ROOT/odoo-bin" --addons-path="$BEFORE_PATH" \
        --data-dir="$DATA_DIR" -d "$BEFORE_DB" -i "$MODULE" --without-demo=all \
        --stop-after-init --log-level warn --max-cron-threads 0 --http-port 0
    say "Benchmarking $BENCH_BEFORE, N=$N ($RUNS runs each)"
    "$VENV/bin/python" "$REPO_DIR/dev/bench.py" --base "$BASE_DB" --addon "$BEFORE_DB" \
        --n "$N" --runs "$RUNS" --addons-path "$BEFORE_PATH" --data-dir "$DATA_DIR" \
        --scoreboard-sizes "${BENCH_SCOREBOARD_SIZES-100000,1000000}" \
        --scale-sizes "${BENCH_SCALE_SIZES-1000,10000,100000}" \
        ${BENCH_CREATE_RUNS:+--create-runs "$BENCH_CREATE_RUNS"} \
        --no-baseline --rows-out "$BEFORE_DIR/rows.json" ${BENCH_ONLY:+--only "$BENCH_ONLY"}
    BEFORE_ARGS=(--before-rows "$BEFORE_DIR/rows.json" --before-label "$BENCH_BEFORE")
fi
say "Benchmarking N=$N ($RUNS runs each)"
"$VENV/bin/python" "$REPO_DIR/dev/bench.py" --base "$BASE_DB" --addon "$ADDON_DB" \
    --n "$N" --runs "$RUNS" --addons-path "$ADDONS_PATH" --data-dir "$DATA_DIR" \
    --scoreboard-sizes "${BENCH_SCOREBOARD_SIZES-100000,1000000}" \
    --scale-sizes "${BENCH_SCALE_SIZES-1000,10000,100000}" \
    ${BENCH_CREATE_RUNS:+--create-runs "$BENCH_CREATE_RUNS"} \
    ${BENCH_NO_BASELINE:+--no-baseline} ${BENCH_ONLY:+--only "$BENCH_ONLY"} "${BEFORE_ARGS[@]}"
