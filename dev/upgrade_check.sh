#!/usr/bin/env bash
# make upgrade-check: a database that ran the previous release (with its demo
# data: SLA policies with a marketing target, hand-offs, acceptances) is
# upgraded to this one; the migration must move each policy's target into a
# draft shared goal, drop the old columns and date the journeys of the leads
# handed off before, from the hand-off log. The previous release is taken
# from this repository's history (UPGRADE_FROM, default the 18.0.1.1.0
# commit), in a temporary git worktree. The upgraded database must then have
# the schema an install of this checkout makes: Odoo keeps what a field no
# longer asks for (an index, a column), so a migration that forgets to drop
# it leaves every upgraded database paying for it.
source "$(dirname "$0")/lib.sh"
setup_all
FROM="${UPGRADE_FROM:-4ec0686c3db2f83045f12a8687fa1aa60cc93d96}"
DB="${TEST_DB_PREFIX}upgrade_$(date +%Y%m%d%H%M%S)_$$"
FRESH_DB="${TEST_DB_PREFIX}fresh_$(date +%Y%m%d%H%M%S)_$$"
OLD="$(mktemp -d)"
LOG="$CACHE_DIR/upgrade-check-$DB.log"
cleanup() {
    git -C "$REPO_DIR" worktree remove --force "$OLD/$MODULE" >/dev/null 2>&1 || true
    rm -rf "$OLD"
    for db in "$DB" "$FRESH_DB"; do
        db_exists "$db" && dropdb "$db"
        rm -rf "$DATA_DIR/filestore/$db"
    done
    return 0
}
trap cleanup EXIT
git -C "$REPO_DIR" worktree add --detach "$OLD/$MODULE" "$FROM" >/dev/null 2>&1 ||
    die "cannot check out $FROM (a clone with its history is needed)"
say "Installing the previous release ($FROM) with demo data into $DB"
"$VENV/bin/python" "$ODOO_ROOT/odoo-bin" --addons-path="$ODOO_ROOT/addons,$OLD" \
    --data-dir="$DATA_DIR" -d "$DB" -i "$MODULE" --stop-after-init --log-level warn \
    --max-cron-threads 0 --http-port 0 >"$LOG" 2>&1 || { cat "$LOG"; die "old install failed"; }
q() { psql -d "$DB" -Atc "$1"; }
old_version="$(q "select latest_version from ir_module_module where name = '$MODULE'")"
targets="$(q "select count(*) from crm_sla_policy where active and marketing_target_count > 0")"
handed="$(q "select count(distinct lead_id) from crm_lead_handoff where direction = 'to_sales'")"
accepted="$(q "select count(distinct lead_id) from crm_lead_handoff where direction = 'to_sales' and accepted_date is not null")"
say "Upgrading $old_version -> this checkout ($targets policy targets, $handed leads handed off, $accepted accepted)"
odoo_bin -d "$DB" -u "$MODULE" --stop-after-init --log-level info --max-cron-threads 0 \
    --http-port 0 >>"$LOG" 2>&1 || { cat "$LOG"; die "upgrade failed"; }
check_log "$LOG"
new_version="$(q "select latest_version from ir_module_module where name = '$MODULE'")"
goals="$(q "select count(*) from crm_alignment_goal g join crm_alignment_goal_line l on l.goal_id = g.id where g.state = 'draft' and l.kpi = 'sales_ready_delivered'")"
columns="$(q "select count(*) from information_schema.columns where table_name = 'crm_sla_policy' and column_name in ('marketing_target_count', 'marketing_period')")"
dated="$(q "select count(*) from crm_lead where first_handoff_date is not null and hours_to_handoff is not null")"
dated_accepted="$(q "select count(*) from crm_lead where accepted_date is not null")"
won="$(q "select count(*) from crm_lead l join crm_stage s on s.id = l.stage_id where s.is_won and l.active and l.probability = 100")"
won_dated="$(q "select count(*) from crm_lead where won_date is not null")"
say "Now $new_version: $goals draft delivery goals, $dated leads with a hand-off date and its working time, $dated_accepted accepted"
[ "$new_version" != "$old_version" ] || die "the version did not change"
[ "$goals" -ge "$targets" ] && [ "$targets" -gt 0 ] || die "policy targets not moved into goals ($goals for $targets)"
[ "$columns" = 0 ] || die "the old target columns are still there"
[ "$dated" = "$handed" ] || die "$dated of $handed handed-off leads dated"
[ "$dated_accepted" = "$accepted" ] || die "$dated_accepted of $accepted accepted leads dated"
[ "$won_dated" = "$won" ] || die "$won_dated of $won won leads carry the addon's won date"
say "Upgrade from $old_version: targets moved to goals, journeys and $won wins dated"
say "Installing this checkout with demo data into $FRESH_DB, to compare the schemas"
odoo_bin -d "$FRESH_DB" -i "$MODULE" --stop-after-init --log-level warn --max-cron-threads 0 \
    --http-port 0 >>"$LOG" 2>&1 || { cat "$LOG"; die "install failed"; }
upgraded_schema="$(db_schema "$DB")"
same_schema "$(db_schema "$FRESH_DB")" "$upgraded_schema" \
    "the upgraded database's schema is not the one an install makes (< install, > upgrade)"
say "Upgraded schema = installed schema ($(printf '%s\n' "$upgraded_schema" | wc -l) columns, indexes, constraints, triggers and functions)"
