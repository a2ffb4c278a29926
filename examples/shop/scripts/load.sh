#!/bin/sh
# load.sh: a short, bounded load run against $CDSH_ENVIRONMENT (default sandbox;
# the pipeline binds it to perf). LOAD_REQUESTS (200) requests from
# LOAD_THREADS (4) threads; fails on any error or a p95 latency over
# LOAD_P95_MS (250) milliseconds. Reports requests per second.
set -eu
. "$(dirname "$0")/lib.sh"

env_name=$(target_environment)
port=$(read_port "$(deploy_root)/$env_name")
requests=${LOAD_REQUESTS:-200}
threads=${LOAD_THREADS:-4}
p95=${LOAD_P95_MS:-250}
case $requests$threads in *[!0-9]*) die "LOAD_REQUESTS and LOAD_THREADS must be whole numbers" ;; esac
say "load testing $env_name on 127.0.0.1:$port"
exec "$PYTHON" "$SCRIPTS_DIR/shopcheck.py" load --port "$port" --requests "$requests" \
    --threads "$threads" --p95-ms "$p95"
