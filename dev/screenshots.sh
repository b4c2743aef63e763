#!/usr/bin/env bash
# make screenshots: the pictures of the README / Apps page, from the demo
# database served by make run (started here when it is not running).
source "$(dirname "$0")/lib.sh"
setup_all
curl -fsS -o /dev/null "http://localhost:$RUN_PORT/web/login" 2>/dev/null || "$REPO_DIR/dev/run.sh"
say "Screenshots of $RUN_DB into static/description/"
"$VENV/bin/python" "$REPO_DIR/dev/screenshots.py" "http://localhost:$RUN_PORT" "$RUN_DB" \
    "$REPO_DIR/static/description"
