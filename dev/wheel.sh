#!/usr/bin/env bash
# make wheel: build odoo-addon-crm_alignment with OCA's whool, then check it
# as an integrator would: pip-install it into a new virtualenv next to Odoo
# and install the addon from site-packages, without this repository on the
# addons path.
source "$(dirname "$0")/lib.sh"
setup_all
DIST="$CACHE_DIR/dist"
SCRATCH="$CACHE_DIR/wheel-src"
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH/$MODULE" "$DIST"
# whool names the wheel after the addon's folder: build from a copy of the
# tracked files in a folder named crm_alignment
# tracked files, less the development tooling (dev/, CI, lint settings): the
# wheel ships the addon, not how it is built, benchmarked and tested
(cd "$REPO_DIR" && git ls-files -co --exclude-standard -z -- . \
    ':!dev' ':!.ci' ':!Makefile' ':!.pre-commit-config.yaml' ':!.pylintrc' \
    | xargs -0 tar -c) | tar -x -C "$SCRATCH/$MODULE"
say "Building the wheel"
WHOOL_POST_VERSION_STRATEGY_OVERRIDE=none "$VENV/bin/python" -m pip wheel -q \
    --no-deps --no-build-isolation -w "$DIST" "$SCRATCH/$MODULE"
WHEEL="$(ls -t "$DIST"/odoo_addon_crm_alignment-*.whl | head -n 1)"
say "Built $WHEEL"
LISTING="$("$VENV/bin/python" -m zipfile -l "$WHEEL")"
[[ "$LISTING" == *"odoo/addons/crm_alignment/__manifest__.py"* ]] ||
    die "the wheel does not hold odoo/addons/crm_alignment"
[[ "$LISTING" != *"odoo/addons/crm_alignment/dev/"* ]] ||
    die "the wheel ships the development tooling (dev/)"
[ "${1:-}" = "--check" ] || exit 0

# A new virtualenv with Odoo's dependencies and Odoo itself as a package
CHECK_VENV="$CACHE_DIR/wheel-venv"
DB="crm_alignment_wheel_$(date +%s)_$$"
trap 'db_exists "$DB" && dropdb "$DB"; rm -rf "$DATA_DIR/filestore/$DB"' EXIT
rm -rf "$CHECK_VENV"
"$(find_python)" -m venv "$CHECK_VENV"
say "Installing Odoo and the wheel into $CHECK_VENV"
"$CHECK_VENV/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$REPO_DIR/dev/requirements-odoo.txt" whool
"$CHECK_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
    --no-build-isolation "$ODOO_ROOT"
"$CHECK_VENV/bin/python" -m pip install -q --disable-pip-version-check "$WHEEL"
"$CHECK_VENV/bin/python" -m pip show odoo-addon-crm_alignment | grep -E "^(Name|Version|Requires)"
say "Installing crm_alignment from site-packages into $DB"
"$CHECK_VENV/bin/odoo" -d "$DB" -i "$MODULE" --without-demo=all --stop-after-init \
    --log-level warn --http-port 0 --data-dir "$DATA_DIR" --addons-path "$ODOO_ROOT/addons"
[ "$(psql -d "$DB" -Atqc "select state from ir_module_module where name = '$MODULE'")" = installed ] ||
    die "crm_alignment did not install from the wheel"
say "The wheel installs: odoo-addon-crm_alignment from site-packages is installed in $DB"
