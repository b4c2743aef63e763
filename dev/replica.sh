#!/usr/bin/env bash
# make replica: a local PostgreSQL streaming replica of the cluster the
# project uses: a second cluster of the same version on REPLICA_PORT (5433),
# made with pg_basebackup, read-only (hot standby). Odoo started with
# --db_replica_port "$REPLICA_PORT" runs its read-only calls there: the
# dashboard's figures, reports, read / search_read / read_group. Odoo uses
# a replica only when given its host: an empty one is the local socket,
# i.e. --db_replica_host= --db_replica_port 5433.
#   dev/replica.sh [start]   create it if needed (again if it can no longer
#                            stream), start it, wait until it has caught up
#   dev/replica.sh status    primary's view of the replication, replica's lag
#   dev/replica.sh stop      stop it (kept for the next start)
#   dev/replica.sh drop      stop and delete it
# Debian's cluster tools, run as root (as ensure_postgres installs them).
source "$(dirname "$0")/lib.sh"

ACTION="${1:-start}"
REPLICA_PORT="${REPLICA_PORT:-5433}"
command -v pg_lsclusters >/dev/null || die "make replica needs Debian's postgresql-common (pg_createcluster)"
is_root || die "make replica creates a cluster: run it as root"
ensure_postgres
read -r VER PRIMARY PRIMARY_PORT _ < <(primary_cluster)
[ -n "$VER" ] || die "no primary PostgreSQL cluster found"
DATA="/var/lib/postgresql/$VER/$REPLICA_CLUSTER"

replica_exists() { pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$VER $REPLICA_CLUSTER"; }
as_postgres() { runuser -u postgres -- "$@"; }
replica_sql() { psql -p "$REPLICA_PORT" -d postgres -Atqc "$1"; }

create() {
    say "Creating replica cluster $VER/$REPLICA_CLUSTER on port $REPLICA_PORT from $VER/$PRIMARY (port $PRIMARY_PORT)"
    pg_createcluster "$VER" "$REPLICA_CLUSTER" -p "$REPLICA_PORT" >/dev/null
    # the new cluster's configuration stays; its data is the primary's
    find "$DATA" -mindepth 1 -delete
    # -R: standby.signal and primary_conninfo; -X stream: consistent copy
    as_postgres pg_basebackup -p "$PRIMARY_PORT" -D "$DATA" -R -X stream -c fast
}

primary_sql() { psql -p "$PRIMARY_PORT" -d postgres -Atqc "$1"; }

streaming() {  # the replica receives the primary's WAL (not only "in recovery")
    [ "$(replica_sql "select status from pg_stat_wal_receiver" 2>/dev/null)" = streaming ]
}

caught_up() {  # the replica has replayed what the primary had written when asked
    # (a replica stopped during a bench streams up to max_wal_size of backlog)
    local lsn
    lsn="$(primary_sql 'select pg_current_wal_lsn()')"
    for _ in $(seq 1 300); do
        [ "$(replica_sql "select pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" 2>/dev/null)" = t ] && return 0
        sleep 1
    done
    return 1
}

start_and_wait() {  # 0 once it streams, 1 if it does not within 15 s
    pg_ctlcluster "$VER" "$REPLICA_CLUSTER" start >/dev/null 2>&1 || true
    for _ in $(seq 1 15); do
        streaming && return 0
        sleep 1
    done
    return 1
}

case "$ACTION" in
start)
    replica_exists || create
    if ! start_and_wait; then
        # a replica stopped long ago waits for WAL the primary has recycled
        # (no replication slot keeps it): it would serve stale data forever
        say "The replica does not stream (see /var/log/postgresql/postgresql-$VER-$REPLICA_CLUSTER.log): making it again"
        pg_dropcluster --stop "$VER" "$REPLICA_CLUSTER"
        create
        start_and_wait || die "the replica on port $REPLICA_PORT does not stream from the primary (see /var/log/postgresql/postgresql-$VER-$REPLICA_CLUSTER.log)"
    fi
    caught_up || die "the replica on port $REPLICA_PORT streams but did not catch up with the primary within 5 minutes"
    say "Replica streaming on port $REPLICA_PORT: start Odoo with --db_replica_host= --db_replica_port $REPLICA_PORT"
    ;;
status)
    psql -p "$PRIMARY_PORT" -d postgres -c \
        "select application_name, state, sync_state, replay_lag from pg_stat_replication"
    replica_exists && replica_sql \
        "select 'replica in recovery: ' || pg_is_in_recovery() || ', replay lag: ' || coalesce((now() - pg_last_xact_replay_timestamp())::text, '-')" ||
        echo "no replica"
    ;;
stop)
    replica_exists && pg_ctlcluster "$VER" "$REPLICA_CLUSTER" stop 2>/dev/null || true
    ;;
drop)
    if replica_exists; then
        pg_dropcluster --stop "$VER" "$REPLICA_CLUSTER"
        say "Replica dropped"
    else
        say "No replica to drop"
    fi
    ;;
*) die "usage: dev/replica.sh [start|status|stop|drop]" ;;
esac
