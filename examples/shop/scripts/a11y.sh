#!/bin/sh
# a11y.sh: accessibility checks of the HTML page of $CDSH_ENVIRONMENT's server
# (default sandbox), parsed with Python's html.parser: lang attribute, title,
# alt text on images, labels on form fields, named buttons, one h1, no
# skipped heading levels, unique ids, zoom not disabled.
set -eu
. "$(dirname "$0")/lib.sh"

env_name=$(target_environment)
port=$(read_port "$(deploy_root)/$env_name")
say "checking the page of $env_name on 127.0.0.1:$port"
exec "$PYTHON" "$SCRIPTS_DIR/shopcheck.py" a11y --port "$port"
