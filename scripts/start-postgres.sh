#!/usr/bin/env bash
# Start a throw-away PostgreSQL 15 on 127.0.0.1:$PGPORT (default 5432) with trust auth and a
# database "test": the server python-svc machines already run. No systemd needed (initdb + pg_ctl
# in a temp dir). Does nothing when a server already answers on that port.
# Env: PGPORT (5432), LIAISON_PGDIR (/tmp/liaison-test-pg). Stop: scripts/start-postgres.sh stop
set -euo pipefail
PGPORT=${PGPORT:-5432}
PGBIN=/usr/lib/postgresql/15/bin
DIR=${LIAISON_PGDIR:-${TMPDIR:-/tmp}/liaison-test-pg}
URL="postgresql://postgres@127.0.0.1:$PGPORT/test"

if [ "${1:-}" = stop ]; then
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop
  exit 0
fi
answers() {
  if [ -x "$PGBIN/pg_isready" ]; then "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"
  else (exec 3<>"/dev/tcp/127.0.0.1/$PGPORT") 2>/dev/null; fi
}
if answers; then echo "postgres: a server already answers on 127.0.0.1:$PGPORT; using it"; exit 0; fi
if [ ! -x "$PGBIN/postgres" ]; then
  echo "postgres: installing postgresql-15 (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql-15 >/dev/null
fi
mkdir -p "$DIR"
chown postgres:postgres "$DIR"
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  # initdb refuses to run as root, and the data directory must belong to postgres
  runuser -u postgres -- "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$DIR/initdb.log"
  cat >>"$DIR/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$DIR'
# a test cluster: speed, not durability
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/postgres.log" -w -t 30 start >/dev/null
psql() { "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres "$@"; }
psql -tAc "select 1 from pg_database where datname='test'" | grep -q 1 || psql -qc "create database test"
echo "postgres: up at $URL (pid $(head -1 "$DIR/data/postmaster.pid"), data in $DIR)"
