#!/usr/bin/env bash
# make lint (or make format with --fix): ruff and pylint-odoo on the addon.
source "$(dirname "$0")/lib.sh"
ensure_venv
cd "$REPO_DIR"
if [ "${1:-}" = "--fix" ]; then
    "$VENV/bin/ruff" format .
    "$VENV/bin/ruff" check --fix . || true
    "$VENV/bin/ruff" format .
    exit 0
fi
# pylint-odoo reads the module by its technical name, whatever the clone is called.
mkdir -p "$ADDONS_LINK_DIR" && ln -sfn "$REPO_DIR" "$ADDONS_LINK_DIR/$MODULE"
rc=0
say "ruff check"; "$VENV/bin/ruff" check . || rc=1
say "ruff format --check"; "$VENV/bin/ruff" format --check . || rc=1
say "pylint-odoo"; "$VENV/bin/pylint" --rcfile=.pylintrc "$ADDONS_LINK_DIR/$MODULE" || rc=1
say "OCA module checks"; "$REPO_DIR/dev/oca_checks.sh" || rc=1
say "Apps page up to date with readme/"; "$VENV/bin/python" dev/readme.py --check || rc=1
[ "$rc" = 0 ] || die "lint found problems"
say "lint clean"
