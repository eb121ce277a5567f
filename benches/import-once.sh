#!/usr/bin/env bash
# One whole import into a fresh database, for timing whole processes:
#   benches/import-once.sh BINARY sqlite|postgres FILE
# SQLite: a new file under $TMPDIR each time. PostgreSQL: a fresh schema `bench_import` in the
# database of $BATCHOPS_BENCH_PG (default postgres://root@127.0.0.1:5432/test), dropped first.
set -euo pipefail
bin=$1 backend=$2 file=$3
case $backend in
  sqlite)
    db="${TMPDIR:-/tmp}/bench-import-$$.db"
    rm -f "$db" "$db"-wal "$db"-shm "$db".lock
    "$bin" import "$file" --database-url "sqlite:$db" >/dev/null 2>&1 || true
    rm -f "$db" "$db"-wal "$db"-shm "$db".lock
    ;;
  postgres)
    base=${BATCHOPS_BENCH_PG:-postgres://root@127.0.0.1:5432/test}
    psql -q "$base" -c 'DROP SCHEMA IF EXISTS bench_import CASCADE; CREATE SCHEMA bench_import' >/dev/null
    "$bin" import "$file" --database-url "$base?options=-c%20search_path%3Dbench_import" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 BINARY sqlite|postgres FILE" >&2; exit 64 ;;
esac
