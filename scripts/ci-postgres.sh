#!/usr/bin/env bash
# A private PostgreSQL on 127.0.0.1, with its data and socket in a temp dir outside the checkout.
# Usage: source scripts/ci-postgres.sh; pg_start  → exports DATABASE_URL; pg_stop when done.
pg_start() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  PG_TMP=$(mktemp -d /tmp/billing-pg.XXXXXX)
  chown postgres:postgres "$PG_TMP"
  PG_PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  su postgres -s /bin/sh -c "$PG_BIN/initdb -D $PG_TMP/data -U postgres --auth=trust -E UTF8 >/dev/null"
  su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D $PG_TMP/data -o '-h 127.0.0.1 -p $PG_PORT -k $PG_TMP -c max_connections=300 -c fsync=off' -l $PG_TMP/log -w start >/dev/null"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  export PG_TMP PG_BIN
}

pg_stop() {
  [ -n "${PG_TMP:-}" ] || return 0
  su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D $PG_TMP/data -m fast -w stop >/dev/null" || true
  rm -rf "$PG_TMP"
}
