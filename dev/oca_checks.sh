#!/usr/bin/env bash
# OCA's own module checks (oca-odoo-pre-commit-hooks) on the addon. They
# look for the manifest below the repository's top folder, and this
# repository IS the addon: the tracked files are checked in a copy named
# after the addon inside a scratch git folder. README.md stays (this
# project's convention), hence prefer-readme-rst is off.
source "$(dirname "$0")/lib.sh"
ensure_venv
SCRATCH="$CACHE_DIR/oca-checks"
rm -rf "$SCRATCH" && mkdir -p "$SCRATCH/$MODULE"
(cd "$REPO_DIR" && git ls-files -co --exclude-standard -z | xargs -0 tar -c) | tar -x -C "$SCRATCH/$MODULE"
git -C "$SCRATCH" init -q
cd "$SCRATCH"
"$VENV/bin/oca-checks-odoo-module" --disable=prefer-readme-rst "$MODULE" || exit 1
"$VENV/bin/oca-checks-po" "$MODULE"/i18n/*.pot || exit 1
