#!/usr/bin/env bash
# make doctor: say what was found, fail if make test cannot run here.
# It only looks: it installs and starts nothing.
source "$(dirname "$0")/lib.sh"
set +e
problems=0
check() { # label, command...
    local label="$1"; shift
    local out
    if out="$("$@" 2>&1)"; then printf '  %-12s %s\n' "$label" "$out"
    else printf '  %-12s MISSING: %s\n' "$label" "$out"; problems=$((problems + 1)); fi
}
python_info() { local py; py="$(find_python)" || { echo "no Python 3.10-3.12"; return 1; }; "$py" --version; }
venv_info() {
    [ -x "$VENV/bin/python" ] || { echo "$VENV not created yet (make test creates it)"; return 0; }
    echo "$VENV ($("$VENV/bin/python" --version))"
}
odoo_info() {
    local root=""
    root="$(venv_odoo_root)" && is_odoo18_tree "$root" && { echo "$root (importable in the venv)"; return 0; }
    [ -n "${ODOO_SRC:-}" ] && is_odoo18_tree "$ODOO_SRC" && { echo "$ODOO_SRC (ODOO_SRC)"; return 0; }
    is_odoo18_tree "$ODOO_CACHE" && { echo "$ODOO_CACHE (cached)"; return 0; }
    echo "no Odoo 18.0 source: set ODOO_SRC=/path/to/odoo-18.0 (or let make test clone it, which needs the network)"
    return 1
}
postgres_info() {
    if pg_reachable; then psql -d postgres -Atqc 'show server_version' | sed 's/^/server /'; return 0; fi
    if command -v pg_lsclusters >/dev/null && [ -n "$(pg_lsclusters -h)" ]; then
        echo "cluster $(pg_lsclusters -h | head -n1 | awk '{print $1"/"$2" "$4}') (make test starts it)"; return 0; fi
    if is_root && is_debian; then echo "not installed (make test installs it)"; return 0; fi
    echo "no server reachable and none can be started"; return 1
}
chromium_info() {
    local b; b="$(find_chromium)" && { echo "$b ($("$b" --version 2>/dev/null | head -n1))"; return 0; }
    if is_root && is_debian; then echo "not installed (make test installs it)"; return 0; fi
    echo "no chrome/chromium: tours cannot run"; return 1
}
wkhtmltopdf_info() {
    command -v wkhtmltopdf >/dev/null 2>&1 && { echo "$(wkhtmltopdf --version 2>/dev/null | head -n1)"; return 0; }
    if is_root && is_debian; then echo "not installed (make test installs it)"; return 0; fi
    echo "no wkhtmltopdf: the weekly review cannot be a PDF"; return 1
}
websocket_info() {
    [ -x "$VENV/bin/python" ] || { echo "installed with the venv by make test"; return 0; }
    "$VENV/bin/python" -c 'import websocket; print("websocket-client", websocket.__version__)' 2>/dev/null ||
        { echo "websocket-client missing from the venv: Odoo would skip every tour (rm $VENV/.requirements.sha and run make test)"; return 1; }
}
psl_info() {
    [ -x "$VENV/bin/python" ] || { echo "installed with the venv by make test"; return 0; }
    "$VENV/bin/python" -c 'import publicsuffixlist; print("publicsuffixlist", publicsuffixlist.__version__ if hasattr(publicsuffixlist, "__version__") else "")' 2>/dev/null ||
        { echo "publicsuffixlist missing from the venv: the addon cannot install (rm $VENV/.requirements.sha and run make test)"; return 1; }
}
echo "crm_alignment doctor"
check python python_info
check venv venv_info
check odoo odoo_info
check postgresql postgres_info
check chromium chromium_info
check pdf wkhtmltopdf_info
check tours websocket_info
check domains psl_info
check cache echo "$CACHE_DIR"
if [ "$problems" -gt 0 ]; then echo "make test cannot run here: $problems problem(s) above"; exit 1; fi
echo "make test can run here"
