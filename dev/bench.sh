#!/usr/bin/env bash
# make bench: crm_alignment against plain crm, same Odoo, same data.
source "$(dirname "$0")/lib.sh"
setup_all
N="${BENCH_N:-10000}"
RUNS="${BENCH_RUNS:-3}"
STAMP="$(date +%Y%m%d%H%M%S)_$$"
BASE_DB="crm_alignment_bench_base_$STAMP"
ADDON_DB="crm_alignment_bench_addon_$STAMP"
cleanup() {
    for db in "$BASE_DB" "$ADDON_DB"; do
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
say "Benchmarking N=$N ($RUNS runs each)"
"$VENV/bin/python" "$REPO_DIR/dev/bench.py" --base "$BASE_DB" --addon "$ADDON_DB" \
    --n "$N" --runs "$RUNS" --addons-path "$ADDONS_PATH" --data-dir "$DATA_DIR" \
    --scoreboard-sizes "${BENCH_SCOREBOARD_SIZES-100000,1000000}" \
    ${BENCH_NO_BASELINE:+--no-baseline}
