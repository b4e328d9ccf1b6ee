#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the gateway's PostgreSQL connector test, idempotently,
# and prints its connection URL on stdout (the last line). Installs Debian's postgresql package
# when it is missing (root only). Everything else goes to stderr.
#
#   GOVCHAIN_TEST_PG_URL=$(scripts/ci-postgres.sh | tail -1) npm test -- gateway-postgres
#
# Environment: GOVCHAIN_PG_DIR (default /tmp/govchain-pg), GOVCHAIN_PG_PORT (default 55432).
set -euo pipefail
DIR="${GOVCHAIN_PG_DIR:-/tmp/govchain-pg}"
PORT="${GOVCHAIN_PG_PORT:-55432}"
DB=govchain_test
USER_NAME=govchain
PASSWORD=govchain

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BIN="$(find_bin || true)"
if [ -z "$BIN" ]; then
  if [ "$(id -u)" != 0 ]; then echo "postgresql is not installed and this is not root: apt-get install -y postgresql" >&2; exit 1; fi
  echo "installing postgresql from Debian packages" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; }
  BIN="$(find_bin)"
fi

# The server refuses to run as root: run it as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$DIR"
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DIR"; fi
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  echo "initdb in $DIR/data" >&2
  as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2
fi
if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  echo "starting postgres on 127.0.0.1:$PORT" >&2
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" start >&2
fi

psql_pg() { as_pg "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -tAq "$@"; }
if [ "$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname='$USER_NAME'")" != 1 ]; then
  psql_pg -c "CREATE ROLE $USER_NAME LOGIN PASSWORD '$PASSWORD'" >&2
fi
if [ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname='$DB'")" != 1 ]; then
  psql_pg -c "CREATE DATABASE $DB OWNER $USER_NAME" >&2
fi
echo "postgres://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/$DB"
