#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server on 127.0.0.1 (fsync off: tests only).
set -euo pipefail
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
PGPORT=${PGPORT:-55432}
PGD=$(mktemp -d)
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$1"; else bash -c "$1"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$PGD"
stop() { as_pg "$PGBIN/pg_ctl -D $PGD/data -m fast -w stop" >/dev/null 2>&1 || true; rm -rf "$PGD"; }
trap stop EXIT
as_pg "$PGBIN/initdb -D $PGD/data -U postgres -A trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_pg "$PGBIN/pg_ctl -D $PGD/data -l $PGD/log -w start -o '-p $PGPORT -k $PGD -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200'" >/dev/null
psql -q -h 127.0.0.1 -p "$PGPORT" -U postgres -c "CREATE DATABASE coop_test" >/dev/null
export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/coop_test"
"$@"
