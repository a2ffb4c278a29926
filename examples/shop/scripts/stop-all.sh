#!/bin/sh
# stop-all.sh [DEPLOY_ROOT]: stops every shop server under a deploy root
# (default ${CDSH_DEPLOY_ROOT:-$HOME/.local/share/cdsh-shop}): those named by
# ENV/pid files and any other shop server whose environment folder is there.
set -eu
. "$(dirname "$0")/lib.sh"

root=${1:-$(deploy_root)}
if [ ! -d "$root" ]; then
    say "no deploy root at $root: nothing to stop"
    exit 0
fi
root=$(cd "$root" && pwd -P)
stopped=0
failed=0

for pidfile in "$root"/*/pid; do
    [ -f "$pidfile" ] || continue
    env_dir=$(dirname "$pidfile")
    pid=$(cat "$pidfile")
    if is_our_server "$pid" "$env_dir"; then
        if stop_server "$pid" "$env_dir"; then
            say "stopped $(basename "$env_dir") server (pid $pid)"
            stopped=$((stopped + 1))
        else
            say "could not stop $(basename "$env_dir") server (pid $pid)"
            failed=$((failed + 1))
            continue
        fi
    fi
    rm -f "$pidfile" "$env_dir/port"
done

# Servers whose pid file was lost or overwritten.
for pid in $(servers_under "$root/"); do
    args=$(process_args "$pid")
    env_dir=${args#*--env-dir }
    env_dir=${env_dir%% --*}
    if stop_server "$pid" "$env_dir"; then
        say "stopped stray server pid $pid ($env_dir)"
        stopped=$((stopped + 1))
    else
        say "could not stop stray server pid $pid"
        failed=$((failed + 1))
    fi
done

say "$stopped server(s) stopped under $root"
[ "$failed" -eq 0 ] || die "$failed server(s) would not stop"
