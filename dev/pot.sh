#!/usr/bin/env bash
# make pot: regenerate i18n/crm_alignment.pot from a throwaway install
# (click-odoo-makepot).
source "$(dirname "$0")/lib.sh"
setup_all
DB="crm_alignment_pot_$(date +%s)_$$"
trap 'db_exists "$DB" && dropdb "$DB"; rm -rf "$DATA_DIR/filestore/$DB"' EXIT
say "Installing $MODULE into $DB to export its terms"
odoo_bin -d "$DB" -i "$MODULE" --without-demo=all --stop-after-init --log-level warn \
    --max-cron-threads 0 --http-port 0
# click-odoo-makepot (click-odoo-contrib) exports the addons of --addons-dir
# installed in the database: the cache's folder holds the repository's link
"$VENV/bin/click-odoo-makepot" -c "$(odoo_rc)" -d "$DB" --addons-dir "$ADDONS_LINK_DIR" \
    -m "$MODULE" --log-level warn
# The creation date changes on every export; keep diffs to real changes.
sed -i '/^"POT-Creation-Date: /d; /^"PO-Revision-Date: /d' "$REPO_DIR/i18n/$MODULE.pot"
say "Wrote i18n/$MODULE.pot ($(grep -c '^msgid' "$REPO_DIR/i18n/$MODULE.pot") terms)"
