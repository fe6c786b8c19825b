#!/usr/bin/env bash
# Run one command with a throwaway Redis server on 127.0.0.1, then stop it.
#
#   scripts/with-redis.sh .venv/bin/pytest -q tests/test_jobs.py
#
# * Installs Debian's `redis-server` package when redis-server is missing (needs root).
# * The server listens on 127.0.0.1 only, on a free port, keeps nothing on disk, and runs in the foreground
#   of this script's background job (no daemon left behind).
# * Exports for the command:
#     TEST_REDIS_URL   redis://127.0.0.1:PORT/0
# * Exits with the command's status; the server is stopped on every exit path.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG]..." >&2
    exit 2
fi

log() { echo "with-redis: $*" >&2; }

if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        log "redis-server is missing; install Debian's redis-server package (as root: apt-get install redis-server)"
        exit 1
    fi
    log "installing Debian's redis-server package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DIR=$(mktemp -d "${TMPDIR:-/tmp}/hyperapi-redis.XXXXXX")
redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR" --save "" --appendonly no --daemonize no \
    --logfile "$DIR/redis.log" &
REDIS_PID=$!
cleanup() {
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 100); do
    if redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; then
        break
    fi
    if ! kill -0 "$REDIS_PID" 2>/dev/null; then
        log "redis-server exited:"; cat "$DIR/redis.log" >&2; exit 1
    fi
    sleep 0.05
done

export TEST_REDIS_URL="redis://127.0.0.1:$PORT/0"
log "TEST_REDIS_URL=$TEST_REDIS_URL"
status=0
"$@" || status=$?
exit "$status"
