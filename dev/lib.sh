# shellcheck shell=bash
# Shared settings and helpers of the project's commands (make run/test/...).
# Everything that is built lives OUTSIDE the repository, in $CACHE_DIR.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE=crm_alignment
CACHE_DIR="${CRM_ALIGNMENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/crm_alignment}"
VENV="${VENV:-$CACHE_DIR/venv}"
ODOO_CACHE="$CACHE_DIR/odoo-18.0"        # Odoo source cached by an earlier run
DATA_DIR="$CACHE_DIR/data"                # Odoo filestore and sessions
ADDONS_LINK_DIR="$CACHE_DIR/addons"       # holds a symlink named crm_alignment
RUN_DB="${RUN_DB:-crm_alignment_demo}"
RUN_PORT="${RUN_PORT:-8069}"
TEST_DB_PREFIX="crm_alignment_test_"
ODOO_GIT_URL="${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }
is_debian() { [ -f /etc/debian_version ]; }

# --------------------------------------------------------------- python/venv
find_python() {
    local py
    for py in "${PYTHON:-}" python3.11 python3.12 python3; do
        [ -n "$py" ] || continue
        command -v "$py" >/dev/null 2>&1 || continue
        if "$py" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))'; then
            echo "$py"; return 0
        fi
    done
    return 1
}

ensure_venv() {
    local py stamp want
    if [ ! -x "$VENV/bin/python" ]; then
        py="$(find_python)" || die "Odoo 18.0 needs Python 3.10 to 3.12; set PYTHON=/path/to/python3.11"
        say "Creating the virtualenv $VENV with $py"
        "$py" -m venv "$VENV"
    fi
    stamp="$VENV/.requirements.sha"
    want="$(cat "$REPO_DIR/requirements.txt" "$REPO_DIR/dev/requirements-odoo.txt" "$REPO_DIR/dev/requirements-dev.txt" | sha1sum | cut -d' ' -f1)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "Installing Odoo's Python dependencies into $VENV"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
            -r "$REPO_DIR/requirements.txt" \
            -r "$REPO_DIR/dev/requirements-odoo.txt" \
            -r "$REPO_DIR/dev/requirements-dev.txt"
        echo "$want" > "$stamp"
    fi
}

# ----------------------------------------------------------------------- odoo
# Prints the root of an Odoo 18.0 source tree (the folder holding odoo-bin).
is_odoo18_tree() {
    [ -f "$1/odoo-bin" ] && [ -f "$1/odoo/release.py" ] && [ -d "$1/addons/crm" ] &&
        grep -q "^version_info = (18, 0," "$1/odoo/release.py"
}

venv_odoo_root() {
    "$VENV/bin/python" - <<'PY' 2>/dev/null
import os, odoo.release as r
assert r.version_info[:2] == (18, 0)
root = os.path.dirname(os.path.dirname(os.path.abspath(r.__file__)))
print(root)
PY
}

link_odoo_into_venv() {
    local site
    site="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
    echo "$1" > "$site/odoo-src.pth"
}

ensure_odoo() {
    local root
    if root="$(venv_odoo_root)" && is_odoo18_tree "$root"; then
        ODOO_ROOT="$root"
    elif [ -n "${ODOO_SRC:-}" ]; then
        ODOO_SRC="$(cd "$ODOO_SRC" 2>/dev/null && pwd)" || die "ODOO_SRC=$ODOO_SRC does not exist"
        is_odoo18_tree "$ODOO_SRC" || die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 source tree (no odoo-bin, odoo/release.py 18.0 and addons/crm)"
        ODOO_ROOT="$ODOO_SRC"
        if [ "$ODOO_SRC" != "$ODOO_CACHE" ] && ! is_odoo18_tree "$ODOO_CACHE"; then
            say "Caching the Odoo source in $ODOO_CACHE for later runs"
            rm -rf "$ODOO_CACHE.tmp" && mkdir -p "$ODOO_CACHE.tmp"
            (cd "$ODOO_SRC" && tar -c --exclude=.git --exclude='*.pyc' .) | tar -x -C "$ODOO_CACHE.tmp"
            rm -rf "$ODOO_CACHE" && mv "$ODOO_CACHE.tmp" "$ODOO_CACHE"
        fi
    elif is_odoo18_tree "$ODOO_CACHE"; then
        ODOO_ROOT="$ODOO_CACHE"
    else
        say "No Odoo found: cloning the official 18.0 branch (shallow) into $ODOO_CACHE"
        rm -rf "$ODOO_CACHE.tmp"
        if git clone -q --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ODOO_CACHE.tmp" 2>/dev/null \
            && is_odoo18_tree "$ODOO_CACHE.tmp"; then
            rm -rf "$ODOO_CACHE" && mv "$ODOO_CACHE.tmp" "$ODOO_CACHE"
            ODOO_ROOT="$ODOO_CACHE"
        else
            rm -rf "$ODOO_CACHE.tmp"
            die "Odoo 18.0 not found. Set ODOO_SRC=/path/to/odoo (a checkout of the 18.0 branch of Odoo Community) and run again; it is cached in $ODOO_CACHE afterwards."
        fi
    fi
    link_odoo_into_venv "$ODOO_ROOT"
    # The addon is the repository root; Odoo wants its parent folder in the
    # addons path, so a symlink gives it one whatever the clone is called.
    mkdir -p "$ADDONS_LINK_DIR" "$DATA_DIR"
    ln -sfn "$REPO_DIR" "$ADDONS_LINK_DIR/$MODULE"
    ADDONS_PATH="$ODOO_ROOT/addons,$ADDONS_LINK_DIR"
    export ODOO_ROOT ADDONS_PATH
}

odoo_rc() {  # an Odoo configuration file for the click-odoo tools; prints its path
    local rc="$CACHE_DIR/odoo.cfg"
    printf '[options]\naddons_path = %s\ndata_dir = %s\n' "$ADDONS_PATH" "$DATA_DIR" >"$rc"
    echo "$rc"
}

check_log() {  # fail on any WARNING/ERROR record dev/checklog-odoo.cfg does not expect
    "$VENV/bin/checklog-odoo" -c "$REPO_DIR/dev/checklog-odoo.cfg" "$1" ||
        die "unexpected warnings or errors were logged (see $1)"
}

odoo_bin() {
    "$VENV/bin/python" "$ODOO_ROOT/odoo-bin" --addons-path="$ADDONS_PATH" \
        --data-dir="$DATA_DIR" "$@"
}

# ----------------------------------------------------------------- postgresql
pg_reachable() { psql -d postgres -Atqc 'select 1' >/dev/null 2>&1; }

pg_role_for_me() {
    # Odoo connects as the OS user over the local socket; give it a role.
    local me
    me="$(id -un)"
    if is_root && command -v runuser >/dev/null; then
        runuser -u postgres -- psql -d postgres -Atqc \
            "select 1 from pg_roles where rolname = '$me'" | grep -q 1 ||
            runuser -u postgres -- createuser --superuser "$me"
    fi
}

# The streaming replica made by make replica (dev/replica.sh): never the
# cluster the project writes to.
REPLICA_CLUSTER="crm_alignment_replica"

primary_cluster() {  # prints "version name port" of the newest cluster that is not the replica
    pg_lsclusters -h 2>/dev/null | awk -v replica="$REPLICA_CLUSTER" '$2 != replica' |
        sort -k1,1nr | head -n 1
}

ensure_postgres() {
    command -v psql >/dev/null 2>&1 || true
    if pg_reachable; then return 0; fi
    if command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(primary_cluster)" ]; then
        local ver name
        read -r ver name _ < <(primary_cluster)
        say "Starting the local PostgreSQL cluster $ver/$name"
        if is_root; then
            pg_ctlcluster "$ver" "$name" start || true
        else
            pg_ctlcluster "$ver" "$name" start 2>/dev/null || sudo -n pg_ctlcluster "$ver" "$name" start || true
        fi
    elif is_root && is_debian; then
        say "Installing PostgreSQL from Debian's packages"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        pg_lsclusters -h | grep -q . || pg_createcluster 15 main
        local ver name
        read -r ver name _ < <(primary_cluster)
        pg_ctlcluster "$ver" "$name" start || true
    fi
    for _ in $(seq 1 30); do
        if runuser -u postgres -- psql -d postgres -Atqc 'select 1' >/dev/null 2>&1 || pg_reachable; then break; fi
        sleep 1
    done
    pg_role_for_me
    pg_reachable || die "PostgreSQL is not reachable. Start a server and set PGHOST/PGPORT/PGUSER (or run as root on Debian so it can be installed and started)."
}

db_exists() { [ "$(psql -d postgres -Atqc "select 1 from pg_database where datname = '$1'")" = 1 ]; }

# The schema of database $1, one sorted line per object: columns, indexes (by
# name: Odoo finds its own by name), constraints and triggers (by definition:
# PostgreSQL numbers a clashing constraint name), functions. Two databases
# that should hold the same objects are compared with diff.
db_schema() {
    psql -d "$1" -Atc "
        SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
          FROM information_schema.columns WHERE table_schema = 'public'
        UNION ALL SELECT 'index ' || tablename || ' ' || indexdef
          FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL SELECT 'trigger ' || tgrelid::regclass || ' ' || pg_get_triggerdef(oid)
          FROM pg_trigger WHERE NOT tgisinternal
        UNION ALL SELECT 'function ' || proname || ' ' || md5(pg_get_functiondef(oid))
          FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND prokind = 'f'
        ORDER BY 1"
}

# Dies with the first differences unless schemas $1 and $2 (db_schema's
# output) are the same; $3 says what differs (< $1, > $2).
same_schema() {
    local differences
    if ! differences="$(diff <(printf '%s\n' "$1") <(printf '%s\n' "$2"))"; then
        printf '%s\n' "$differences" | head -40
        die "$3"
    fi
}

# ------------------------------------------------------------------- chromium
find_chromium() {
    local b
    for b in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$b" >/dev/null 2>&1 && { command -v "$b"; return 0; }
    done
    return 1
}

ensure_chromium() {
    find_chromium >/dev/null && return 0
    if is_root && is_debian; then
        say "Installing Debian's chromium for the browser tours"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    find_chromium >/dev/null || die "Browser tours need Chrome or Chromium on the PATH (Debian: apt-get install chromium)."
}

ensure_wkhtmltopdf() {
    # Odoo prints PDF reports (the weekly alignment review) with wkhtmltopdf
    command -v wkhtmltopdf >/dev/null 2>&1 && return 0
    if is_root && is_debian; then
        say "Installing Debian's wkhtmltopdf for the PDF reports"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wkhtmltopdf >/dev/null
    fi
    command -v wkhtmltopdf >/dev/null 2>&1 ||
        die "PDF reports need wkhtmltopdf on the PATH (Debian: apt-get install wkhtmltopdf)."
}

setup_all() {
    ensure_venv
    ensure_odoo
    ensure_postgres
}
