# Shared helpers for the shop scripts (POSIX sh). Source it; do not run it.
#
# Deploy layout, one folder per environment:
#   ${CDSH_DEPLOY_ROOT:-$HOME/.local/share/cdsh-shop}/ENV/
#     releases/VERSION/   an unpacked dist/shop.tar.gz (+ the config it runs with)
#     current -> releases/VERSION
#     pid, port           the running server
#     logs/VERSION.log    the server's output
#     data/               the SQLite database (outlives releases)

PYTHON=${PYTHON:-python3}
SCRIPTS_DIR=$(cd "$(dirname "$0")" && pwd)
PROG=$(basename "$0")

die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}

say() {
    printf '%s: %s\n' "$PROG" "$*" >&2
}

deploy_root() {
    if [ -n "${CDSH_DEPLOY_ROOT:-}" ]; then
        case $CDSH_DEPLOY_ROOT in
            /*) ;;
            *) die "CDSH_DEPLOY_ROOT must be an absolute path (every job runs in its own folder)" ;;
        esac
        printf '%s\n' "$CDSH_DEPLOY_ROOT"
    elif [ -n "${HOME:-}" ]; then
        printf '%s\n' "$HOME/.local/share/cdsh-shop"
    else
        die "neither CDSH_DEPLOY_ROOT nor HOME is set: cannot find the deploy root"
    fi
}

# A name safe to use as one path segment.
check_name() { # what value
    case $2 in
        '' | . | .. | *[!A-Za-z0-9._-]*) die "$1 '$2' is not a plain name (letters, digits, . _ -)" ;;
    esac
}

# The environment the test scripts talk to: the job's own, else sandbox.
target_environment() {
    env_name=${CDSH_ENVIRONMENT:-sandbox}
    check_name environment "$env_name"
    printf '%s\n' "$env_name"
}

# The command line of a live process, or nothing.
process_args() { # pid
    ps -ww -o args= -p "$1" 2>/dev/null || true
}

# True when PID is alive and is the shop server of environment folder ENV_DIR.
is_our_server() { # pid env_dir
    case $1 in '' | *[!0-9]*) return 1 ;; esac
    args=$(process_args "$1")
    case $args in
        *"-m shop.app "*"--env-dir $2 "*) return 0 ;;
        *) return 1 ;;
    esac
}

# Stops PID if it is our server for ENV_DIR: TERM, up to 5 s, then KILL.
stop_server() { # pid env_dir
    if ! is_our_server "$1" "$2"; then
        return 0
    fi
    kill -TERM "$1" 2>/dev/null || return 0
    i=0
    while [ $i -lt 50 ]; do
        is_our_server "$1" "$2" || return 0
        sleep 0.1
        i=$((i + 1))
    done
    say "server $1 ignored SIGTERM for 5 s; sending SIGKILL"
    kill -KILL "$1" 2>/dev/null || true
    sleep 0.2
    ! is_our_server "$1" "$2"
}

# PIDs of every shop server whose environment folder is under ROOT (or is DIR).
servers_under() { # prefix
    ps -ww -e -o pid= -o args= 2>/dev/null | while read -r pid args; do
        case $args in
            *"-m shop.app "*"--env-dir $1"*) printf '%s\n' "$pid" ;;
        esac
    done
}

# The port of ENV's running server, checked to be a number.
read_port() { # env_dir
    [ -f "$1/port" ] || die "no server recorded in $1 (no port file): was the environment deployed?"
    port=$(cat "$1/port")
    case $port in '' | *[!0-9]*) die "$1/port does not hold a port number" ;; esac
    printf '%s\n' "$port"
}
