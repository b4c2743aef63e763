#!/usr/bin/env bash
# make test: install the addon into a throwaway database, run its whole suite
# (Python tests and browser tours) and fail on any failure, error, skip, or
# when no test ran. Odoo only counts failures and errors, so the log is read.
source "$(dirname "$0")/lib.sh"

setup_all
ensure_chromium
ensure_wkhtmltopdf
"$VENV/bin/python" -c 'import websocket' 2>/dev/null ||
    die "websocket-client is missing from $VENV: Odoo would skip every tour"

TEST_TAGS="${TEST_TAGS:-/$MODULE}"
DB="${TEST_DB_PREFIX}$(date +%Y%m%d%H%M%S)_$$"
db_exists "$DB" && die "database $DB already exists; refusing to reuse it"
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
[ "$PORT" != "$RUN_PORT" ] || PORT=$((PORT + 1))
LOG="$CACHE_DIR/test-$DB.log"
WITHOUT_DEMO="${WITHOUT_DEMO:-}"

cleanup() {
    # Only the database (and filestore) this command created is dropped.
    if db_exists "$DB"; then dropdb --if-exists "$DB" || true; fi
    rm -rf "$DATA_DIR/filestore/$DB"
}
trap cleanup EXIT

say "Testing $MODULE in database $DB on port $PORT (tags $TEST_TAGS)"
set +e
odoo_bin -d "$DB" -i "$MODULE" ${WITHOUT_DEMO:+--without-demo=all} \
    --test-enable --test-tags "$TEST_TAGS" --stop-after-init \
    --http-port "$PORT" --gevent-port $((PORT + 1)) --http-interface 127.0.0.1 \
    --log-level test --max-cron-threads 0 --db-filter "^${DB}\$" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e
log_rc=0
"$VENV/bin/checklog-odoo" -c "$REPO_DIR/dev/checklog-odoo.cfg" "$LOG" >"$LOG.checklog" 2>&1 ||
    log_rc=$?
[ "$log_rc" = 0 ] || cat "$LOG.checklog"
"$VENV/bin/python" "$REPO_DIR/dev/test_summary.py" "$LOG" "$rc" "$log_rc"
