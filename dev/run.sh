#!/usr/bin/env bash
# make run / stop / clean / distclean
source "$(dirname "$0")/lib.sh"

PIDFILE="$CACHE_DIR/run.pid"
RUN_LOG="$CACHE_DIR/run.log"
STAMP="$CACHE_DIR/run.$RUN_DB.sha"

server_running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

stop_server() {
    if server_running; then
        say "Stopping the Odoo server (pid $(cat "$PIDFILE"))"
        kill "$(cat "$PIDFILE")"
        for _ in $(seq 1 20); do server_running || break; sleep 0.5; done
    fi
    rm -f "$PIDFILE"
}

addon_checksum() {
    (cd "$REPO_DIR" && git ls-files -co --exclude-standard -- . ':!tests' ':!*.md' 2>/dev/null |
        sort | xargs -d '\n' cat 2>/dev/null | sha1sum | cut -d' ' -f1)
}

case "${1:-run}" in
stop) stop_server; exit 0 ;;
clean|distclean)
    stop_server
    if pg_reachable; then
        for db in "$RUN_DB" $(psql -d postgres -Atqc "select datname from pg_database where datname like '${TEST_DB_PREFIX}%' or datname like 'crm_alignment_bench_%' or datname like 'crm_alignment_load_%'"); do
            if db_exists "$db"; then say "Dropping database $db"; dropdb "$db"; fi
            rm -rf "$DATA_DIR/filestore/$db"
        done
    fi
    rm -f "$STAMP" "$RUN_LOG" "$CACHE_DIR"/test-*.log
    if [ "$1" = distclean ]; then say "Removing $VENV"; rm -rf "$VENV"; fi
    exit 0 ;;
esac

setup_all
stop_server
if ! db_exists "$RUN_DB"; then
    say "Creating the demo database $RUN_DB (crm_alignment with demo data)"
    odoo_bin -d "$RUN_DB" -i "$MODULE" --stop-after-init --log-level warn \
        --max-cron-threads 0 --http-port "$RUN_PORT"
    addon_checksum > "$STAMP"
elif [ "$(cat "$STAMP" 2>/dev/null)" != "$(addon_checksum)" ]; then
    say "The addon changed since the last run: updating it in $RUN_DB"
    odoo_bin -d "$RUN_DB" -u "$MODULE" --stop-after-init --log-level warn \
        --max-cron-threads 0 --http-port "$RUN_PORT"
    addon_checksum > "$STAMP"
fi
say "Starting Odoo on http://localhost:$RUN_PORT (log: $RUN_LOG)"
nohup "$VENV/bin/python" "$ODOO_ROOT/odoo-bin" --addons-path="$ADDONS_PATH" \
    --data-dir="$DATA_DIR" -d "$RUN_DB" --db-filter "^${RUN_DB}\$" \
    --http-port "$RUN_PORT" --gevent-port $((RUN_PORT + 3)) >"$RUN_LOG" 2>&1 &
echo $! > "$PIDFILE"
for _ in $(seq 1 60); do
    if curl -fsS -o /dev/null "http://localhost:$RUN_PORT/web/login" 2>/dev/null; then
        say "Odoo is up: http://localhost:$RUN_PORT  (login admin / password admin); 'make stop' stops it"
        exit 0
    fi
    server_running || { tail -n 30 "$RUN_LOG"; die "Odoo did not start (see $RUN_LOG)"; }
    sleep 1
done
die "Odoo did not answer on port $RUN_PORT within 60 s (see $RUN_LOG)"
