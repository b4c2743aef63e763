#!/usr/bin/env bash
# make check-install: the addon installs without demo data on a fresh
# database, then uninstalls cleanly (no table, column or view of it left).
source "$(dirname "$0")/lib.sh"
setup_all
DB="${TEST_DB_PREFIX}install_$(date +%Y%m%d%H%M%S)_$$"
LOG="$CACHE_DIR/check-install-$DB.log"
trap 'db_exists "$DB" && dropdb "$DB"; rm -rf "$DATA_DIR/filestore/$DB"' EXIT
say "Installing $MODULE without demo data into $DB"
odoo_bin -d "$DB" -i "$MODULE" --without-demo=all --stop-after-init --log-level warn \
    --max-cron-threads 0 --http-port 0 >"$LOG" 2>&1 || { cat "$LOG"; die "install failed"; }
say "Uninstalling $MODULE"
"$VENV/bin/python" "$ODOO_ROOT/odoo-bin" shell --addons-path="$ADDONS_PATH" \
    --data-dir="$DATA_DIR" -d "$DB" --log-level warn --no-http >>"$LOG" 2>&1 <<'PY' || { cat "$LOG"; die "uninstall failed"; }
module = env["ir.module.module"].search([("name", "=", "crm_alignment")])
module.button_immediate_uninstall()
env.cr.commit()
PY
if grep -E " (ERROR|CRITICAL) " "$LOG"; then die "errors were logged (see $LOG)"; fi
state="$(psql -d "$DB" -Atc "select state from ir_module_module where name = '$MODULE'")"
leftovers="$(psql -d "$DB" -Atc "select string_agg(table_name, ', ') from information_schema.tables where table_name like 'crm_lead_handoff%' or table_name like 'crm_bant%' or table_name like 'crm_sla%' or table_name like 'crm_lead_sla%' or table_name like 'crm_recycle%'")"
columns="$(psql -d "$DB" -Atc "select string_agg(column_name, ', ') from information_schema.columns where table_name = 'crm_lead' and (column_name like 'bant_%' or column_name like 'sla_%' or column_name in ('lifecycle_stage', 'marketing_user_id', 'sourced_by', 'recycle_count'))")"
[ "$state" = "uninstalled" ] || die "module state after uninstall: $state"
[ -z "$leftovers" ] || die "tables left after uninstall: $leftovers"
[ -z "$columns" ] || die "crm_lead columns left after uninstall: $columns"
say "Installs without demo data and uninstalls cleanly"
