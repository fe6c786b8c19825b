#!/usr/bin/env bash
# Run one command against a throwaway PostgreSQL cluster on 127.0.0.1, then stop and remove the cluster.
#
#   scripts/with-postgres.sh .venv/bin/pytest -q
#
# * Installs Debian's `postgresql` package when the server binaries are missing (needs root).
# * As root: a new cluster made with pg_createcluster, started with pg_ctlcluster, role and database
#   made with `su postgres -c psql`. As another user: initdb/pg_ctl in a temporary folder.
# * The cluster listens on 127.0.0.1 only, on a free port; it is tuned for tests (no fsync).
# * Exports for the command:
#     TEST_DATABASE_URL   postgresql+psycopg://hyperapi:hyperapi@127.0.0.1:PORT/hyperapi_test
#     TEST_PG_STOP        shell command that stops the cluster (used by the outage test)
#     TEST_PG_START       shell command that starts it again
# * Exits with the command's status; the cluster is stopped and dropped on every exit path.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG]..." >&2
    exit 2
fi

log() { echo "with-postgres: $*" >&2; }

server_bin_dir() {
    # newest installed server version's bin folder
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/postgres" ]; then
        echo "$dir"
    fi
}

if [ -z "$(server_bin_dir)" ] || { [ "$(id -u)" = 0 ] && ! command -v pg_ctlcluster >/dev/null; }; then
    if [ "$(id -u)" != 0 ]; then
        log "PostgreSQL server binaries are missing; install Debian's postgresql package (as root: apt-get install postgresql)"
        exit 1
    fi
    before=$(pg_lsclusters -h 2>/dev/null | awk '$4 == "online" {print $1 " " $2}' || true)
    log "installing Debian's postgresql package"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    # the package may create and start a "main" cluster; stop whatever the install started
    pg_lsclusters -h 2>/dev/null | awk '$4 == "online" {print $1 " " $2}' | while read -r ver name; do
        if ! grep -qx "$ver $name" <<<"$before"; then
            log "stopping cluster $ver/$name started by the package install"
            pg_ctlcluster "$ver" "$name" stop || true
        fi
    done
fi

BIN_DIR=$(server_bin_dir)
VERSION=$(basename "$(dirname "$BIN_DIR")")
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NAME="hyperapi-test-$$"
DB_USER=hyperapi
DB_PASSWORD=hyperapi
DB_NAME=hyperapi_test
SETTINGS=("listen_addresses='127.0.0.1'" fsync=off synchronous_commit=off full_page_writes=off max_connections=300)
# CREATEDB: parallel test processes each make a database of their own (tests/conftest.py)
ROLE_SQL="CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
DB_SQL="CREATE DATABASE $DB_NAME OWNER $DB_USER"

if [ "$(id -u)" = 0 ]; then
    cleanup() {
        pg_ctlcluster "$VERSION" "$NAME" stop -m fast >/dev/null 2>&1 || true
        pg_dropcluster "$VERSION" "$NAME" >/dev/null 2>&1 || true
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    log "creating cluster $VERSION/$NAME on 127.0.0.1:$PORT"
    pg_createcluster --start-conf=manual -p "$PORT" "$VERSION" "$NAME" >/dev/null
    printf '%s\n' "${SETTINGS[@]}" >"/etc/postgresql/$VERSION/$NAME/conf.d/hyperapi-test.conf"
    pg_ctlcluster "$VERSION" "$NAME" start
    su postgres -c "psql -q -p $PORT -v ON_ERROR_STOP=1 -c \"$ROLE_SQL\" -c \"$DB_SQL\"" >/dev/null
    export TEST_PG_STOP="pg_ctlcluster $VERSION $NAME stop -m fast"
    export TEST_PG_START="pg_ctlcluster $VERSION $NAME start"
else
    DATA=$(mktemp -d "${TMPDIR:-/tmp}/hyperapi-pg.XXXXXX")
    cleanup() {
        "$BIN_DIR/pg_ctl" -D "$DATA/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$DATA"
    }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    log "creating a cluster in $DATA on 127.0.0.1:$PORT"
    "$BIN_DIR/initdb" -D "$DATA/data" -U postgres -A trust >/dev/null
    for setting in "${SETTINGS[@]}" "port=$PORT" "unix_socket_directories='$DATA'"; do
        echo "$setting" >>"$DATA/data/postgresql.conf"
    done
    "$BIN_DIR/pg_ctl" -D "$DATA/data" -l "$DATA/server.log" -w start >/dev/null
    "$BIN_DIR/psql" -q -h "$DATA" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "$ROLE_SQL" -c "$DB_SQL" >/dev/null
    export TEST_PG_STOP="'$BIN_DIR/pg_ctl' -D '$DATA/data' -m fast -w stop"
    export TEST_PG_START="'$BIN_DIR/pg_ctl' -D '$DATA/data' -l '$DATA/server.log' -w start"
fi

export TEST_DATABASE_URL="postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"
log "TEST_DATABASE_URL=$TEST_DATABASE_URL"
status=0
"$@" || status=$?
exit "$status"
