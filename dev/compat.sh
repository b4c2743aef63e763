#!/usr/bin/env bash
# make compat: Odoo's own tests of crm and its satellites, in a database
# without crm_alignment and in one with it (installed the same way, its
# default settings: marketing qualification off). Prints the tests that fail
# only with the addon and fails when there is one. Failures that happen
# without the addon too (this machine's environment) are listed, not counted.
source "$(dirname "$0")/lib.sh"

setup_all
ensure_chromium

WANTED="crm sale_crm website_crm event_crm mass_mailing_crm crm_livechat crm_sms crm_mail_plugin iap_crm website_crm_partner_assign"
MODULES=()
for module in ${COMPAT_MODULES:-$WANTED}; do
    [ -d "$ODOO_ROOT/addons/$module" ] && MODULES+=("$module")
done
LIST="$(IFS=,; echo "${MODULES[*]}")"
TAGS="$(printf '/%s,' "${MODULES[@]}")"
TAGS="${TAGS%,}"
STAMP="$(date +%Y%m%d%H%M%S)_$$"
BASE_DB="crm_alignment_compat_base_$STAMP"
ADDON_DB="crm_alignment_compat_addon_$STAMP"
PORT="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

cleanup() {
    for db in "$BASE_DB" "$ADDON_DB"; do
        db_exists "$db" && dropdb "$db"
        rm -rf "$DATA_DIR/filestore/$db"
    done
}
trap cleanup EXIT

run_suite() {  # database, extra module, log
    local db=$1 extra=$2 log=$3
    say "Installing $LIST${extra:+,$extra} into $db"
    odoo_bin -d "$db" -i "$LIST${extra:+,$extra}" --stop-after-init --log-level warn \
        --max-cron-threads 0 --http-port "$PORT" >/dev/null
    say "Running the tests of $LIST in $db (every module loaded)"
    odoo_bin -d "$db" --test-enable --test-tags "$TAGS" --stop-after-init \
        --log-level test --max-cron-threads 0 --http-port "$PORT" \
        --gevent-port $((PORT + 1)) --http-interface 127.0.0.1 >"$log" 2>&1 || true
}

BASE_LOG="$CACHE_DIR/compat-base.log"
ADDON_LOG="$CACHE_DIR/compat-addon.log"
run_suite "$BASE_DB" "" "$BASE_LOG"
run_suite "$ADDON_DB" "$MODULE" "$ADDON_LOG"
rc=0
say "Every inbound channel, with the satellites installed (nothing committed)"
"$VENV/bin/python" "$ODOO_ROOT/odoo-bin" shell --addons-path="$ADDONS_PATH" \
    --data-dir="$DATA_DIR" -d "$ADDON_DB" --log-level warn --no-http \
    <"$REPO_DIR/dev/compat_channels.py" || rc=1
"$VENV/bin/python" "$REPO_DIR/dev/compat_diff.py" "$BASE_LOG" "$ADDON_LOG" || rc=1
exit $rc
