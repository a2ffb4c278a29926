#!/bin/sh
# smoke.sh: quick checks of the running server of $CDSH_ENVIRONMENT (default
# sandbox): /health (and, inside a cdsh job bound to that environment, that it
# runs $CDSH_VERSION), the HTML page, two known prices and an unknown item.
set -eu
. "$(dirname "$0")/lib.sh"

env_name=$(target_environment)
env_dir=$(deploy_root)/$env_name
port=$(read_port "$env_dir")
# Only a job bound to this environment knows the version that must be there.
expect=
if [ -n "${CDSH_ENVIRONMENT:-}" ] && [ -n "${CDSH_VERSION:-}" ]; then
    expect=$CDSH_VERSION
fi
say "smoke testing $env_name on 127.0.0.1:$port${expect:+ (expecting $expect)}"
exec "$PYTHON" "$SCRIPTS_DIR/shopcheck.py" smoke --port "$port" --environment "$env_name" \
    ${expect:+--version "$expect"}
