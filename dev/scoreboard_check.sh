#!/usr/bin/env bash
# make scoreboard-check DB=<database> [USERS=login,...]: the scoreboard's
# history against the live scan on a database that already exists (reads
# only; see dev/scoreboard_check.py).
source "$(dirname "$0")/lib.sh"
DB="${1:-}"
[ -n "$DB" ] || die "name the database: make scoreboard-check DB=<database>"
setup_all
db_exists "$DB" || die "no database $DB"
"$VENV/bin/python" "$REPO_DIR/dev/scoreboard_check.py" --db "$DB" \
    --addons-path "$ADDONS_PATH" --data-dir "$DATA_DIR" ${2:+--users "$2"}
