#!/bin/sh
# deploy.sh: the ONE deploy script of every environment (sandbox, perf, production).
#
# Needs CDSH_ENVIRONMENT, CDSH_VERSION, CDSH_ARTIFACTS (holding dist/shop.tar.gz)
# and CDSH_CONFIG (the environment's KEY=VALUE file). Installs the artifact into
#   ${CDSH_DEPLOY_ROOT:-$HOME/.local/share/cdsh-shop}/$CDSH_ENVIRONMENT/releases/$CDSH_VERSION
# starts it on 127.0.0.1 (a free port the kernel picks), waits until /health
# reports $CDSH_VERSION, then points current/pid/port at it and stops the
# previous server. If the new server does not come up healthy it is stopped
# and the previous one keeps serving. Exit 0 only when the new version serves.
set -eu
. "$(dirname "$0")/lib.sh"

[ -n "${CDSH_ENVIRONMENT:-}" ] || die "CDSH_ENVIRONMENT is not set (sandbox, perf, production...)"
[ -n "${CDSH_VERSION:-}" ] || die "CDSH_VERSION is not set"
[ -n "${CDSH_ARTIFACTS:-}" ] || die "CDSH_ARTIFACTS is not set: no artifacts to deploy"
[ -n "${CDSH_CONFIG:-}" ] || die "CDSH_CONFIG is not set: no configuration for $CDSH_ENVIRONMENT"
env_name=$CDSH_ENVIRONMENT
version=$CDSH_VERSION
check_name environment "$env_name"
check_name version "$version"
artifact=$CDSH_ARTIFACTS/dist/shop.tar.gz
[ -f "$artifact" ] || die "artifact $artifact not found (did the commit stage produce dist/shop.tar.gz?)"
[ -f "$CDSH_CONFIG" ] || die "config file $CDSH_CONFIG not found"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found on PATH"
command -v ps >/dev/null 2>&1 || die "ps not found on PATH"

root=$(deploy_root)
mkdir -p "$root/$env_name/releases" "$root/$env_name/logs"
env_dir=$(cd "$root/$env_name" && pwd -P)
chmod 700 "$env_dir"  # it holds the configuration, secrets included

# -- one deploy at a time per environment ------------------------------------
lock=$env_dir/deploy.lock
if ! mkdir "$lock" 2>/dev/null; then
    holder=$(cat "$lock/pid" 2>/dev/null || true)
    if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then
        die "another deploy (pid $holder) is running for $env_name"
    fi
    say "removing the stale deploy lock of pid ${holder:-unknown}"
    rm -rf "$lock"
    mkdir "$lock" || die "cannot take the deploy lock $lock"
fi
echo $$ >"$lock/pid"

release=$env_dir/releases/$version
incoming=$env_dir/releases/.incoming.$$
replaced=$env_dir/releases/.replaced.$$
ready=$env_dir/ready.$$
new_pid=
committed=

cleanup() {
    if [ -z "$committed" ]; then
        if [ -n "$new_pid" ]; then
            stop_server "$new_pid" "$env_dir" || true
        fi
        if [ -d "$replaced" ]; then
            rm -rf "$release"
            mv "$replaced" "$release"
        fi
    fi
    rm -rf "$incoming" "$replaced" "$lock"
    rm -f "$ready"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# -- install ------------------------------------------------------------------
sha=$(sha256_of "$artifact")
if [ -f "$release/.artifact-sha256" ] && [ "$(cat "$release/.artifact-sha256")" = "$sha" ] \
    && [ -f "$release/shop/app.py" ]; then
    say "$version is already installed in $release (artifact sha256 $sha)"
else
    say "installing $artifact (sha256 $sha) into $release"
    rm -rf "$incoming"
    mkdir "$incoming"
    "$PYTHON" - "$artifact" "$incoming" <<'PY' || die "cannot unpack $artifact"
import sys, tarfile
with tarfile.open(sys.argv[1], "r:gz") as tar:
    # The "data" filter refuses absolute paths, "..", links out of the folder, devices.
    tar.extractall(sys.argv[2], filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(sys.argv[2])
PY
    for f in VERSION shop/__init__.py shop/app.py shop/pricing.py shop/catalog.py shop/config.py \
        shop/static/logo.svg shop/static/style.css; do
        [ -f "$incoming/$f" ] || die "the artifact is incomplete: $f is missing after unpacking"
    done
    built=$(sed -n 's/^VERSION=//p' "$incoming/VERSION")
    [ "$built" = "$version" ] || die "the artifact was built as version '$built', not $version"
    printf '%s\n' "$sha" >"$incoming/.artifact-sha256"
    if [ -e "$release" ]; then
        mv "$release" "$replaced"
    fi
    mv "$incoming" "$release"
fi

# The environment's configuration goes with the release it runs, checked by
# the release's own code before it replaces anything.
(umask 077 && cp "$CDSH_CONFIG" "$release/config.env.$$")
keys=$(cd "$release" && PYTHONPATH=$release "$PYTHON" -B -m shop.config "config.env.$$") || {
    rm -f "$release/config.env.$$"
    die "configuration $CDSH_CONFIG is not valid for $version"
}
mv "$release/config.env.$$" "$release/config.env"
say "configuration keys: $keys"

# -- start the new server ------------------------------------------------------
log=$env_dir/logs/$version.log
say "starting $version for $env_name (log $log)"
# Detached: --detach makes the server call setsid() (a new session, so it
# outlives this job's process group) and ignore SIGHUP like nohup; it holds
# none of this script's descriptors. The subshell execs, so $! is its pid.
(
    cd "$release"
    PYTHONPATH=$release
    export PYTHONPATH
    exec nohup "$PYTHON" -B -m shop.app --config "$release/config.env" \
        --environment "$env_name" --env-dir "$env_dir" --port 0 --ready-file "$ready" --detach \
        </dev/null >>"$log" 2>&1
) &
launcher=$!

i=0
# Until it execs, the launcher is still this script's subshell (not yet the server), so only its end
# (gone, or a zombie) means the server failed to start.
launcher_ended() {
    state=$(ps -o stat= -p "$launcher" 2>/dev/null) || return 0
    case $state in Z*) return 0 ;; *) return 1 ;; esac
}
while [ ! -s "$ready" ]; do
    if launcher_ended && [ ! -s "$ready" ]; then
        tail -n 20 "$log" >&2 || true
        die "the server of $version exited before listening (log above, $log)"
    fi
    i=$((i + 1))
    [ $i -le 100 ] || die "the server of $version did not listen within 10 s (log $log)"
    sleep 0.1
done
new_pid=$(sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' "$ready")
port=$(sed -n 's/.*"port": *\([0-9]*\).*/\1/p' "$ready")
[ -n "$new_pid" ] && [ -n "$port" ] || die "unreadable ready file: $(cat "$ready")"
is_our_server "$new_pid" "$env_dir" || die "process $new_pid is not the shop server of $env_dir"
say "server pid $new_pid listening on 127.0.0.1:$port; health check"

if ! "$PYTHON" "$SCRIPTS_DIR/shopcheck.py" wait-healthy --port "$port" --version "$version" \
    --environment "$env_name" --timeout 10; then
    tail -n 20 "$log" >&2 || true
    die "$version did not become healthy on 127.0.0.1:$port; the previous server keeps serving"
fi

# -- switch over ----------------------------------------------------------------
old_pid=$(cat "$env_dir/pid" 2>/dev/null || true)
printf '%s\n' "$port" >"$env_dir/port.tmp" && mv "$env_dir/port.tmp" "$env_dir/port"
printf '%s\n' "$new_pid" >"$env_dir/pid.tmp" && mv "$env_dir/pid.tmp" "$env_dir/pid"
ln -sfn "releases/$version" "$env_dir/current"
committed=1

if [ -n "$old_pid" ] && [ "$old_pid" != "$new_pid" ]; then
    if is_our_server "$old_pid" "$env_dir"; then
        stop_server "$old_pid" "$env_dir" || die "could not stop the previous server (pid $old_pid)"
        say "stopped the previous server (pid $old_pid)"
    else
        say "the previous pid $old_pid is not a running shop server of $env_name; nothing to stop"
    fi
fi
# Any other server of this environment (a lost pid file, an interrupted deploy).
for pid in $(servers_under "$env_dir "); do
    [ "$pid" = "$new_pid" ] && continue
    stop_server "$pid" "$env_dir" || die "could not stop a stray server (pid $pid)"
    say "stopped a stray server of $env_name (pid $pid)"
done

say "deployed $version to $env_name: http://127.0.0.1:$port/ (pid $new_pid)"
