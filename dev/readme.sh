#!/usr/bin/env bash
# make readme: static/description/index.html from readme/*.md
source "$(dirname "$0")/lib.sh"
ensure_venv
"$VENV/bin/python" "$REPO_DIR/dev/readme.py" "$@"
