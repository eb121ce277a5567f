#!/usr/bin/env bash
# What the database alone takes for a 20,000-line invoice's inventory update, without batchops:
# the floor under the scale benchmark's 20,000-line rows.
#
#   benches/inventory-update-floor.sh
#
# For each catalog the scale benchmark built (benches/scale.sh; SCALE_SIZES, default
# "10000 1000000"), four statements each give 5,000 distinct items spread over the catalog
# `quantity + 3` and a new `updated_at` (20,000 row updates), the shape of batchops's own
# statements:
#   - SQLite (a copy of the catalog's file, WAL, synchronous=NORMAL, as batchops opens it): four
#     transactions; the whole sqlite3 process is timed (its checkpoint at close included);
#   - PostgreSQL (the schema scale_cat_<size>): the four statements in one transaction, rolled
#     back so the schema is left as it was; psql is timed.
# Each as the schema is, then without the inventory tab's two sort indexes (stock and last
# movement), which every update must move an entry in. Three runs each, the best kept.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${SCALE_DIR:-/tmp/batchops-scale}
pg=${SCALE_PG:-postgres://root@127.0.0.1:5432/test}
sizes=${SCALE_SIZES:-"10000 1000000"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The ids of part K (0..3) of the update against N items: distinct, spread over the catalog.
ids() {
  awk -v n="$1" -v k="$2" 'BEGIN {
    for (i = k * 5000; i < (k + 1) * 5000; i++) { id = 1 + (i * 2654435761) % n; if (!(id in seen)) { seen[id]; print id } }
  }' | sort -n
}

# Seconds (3 decimals) the command takes.
seconds() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# The least of three runs of a command that prints its seconds.
best_of_3() {
  local best="" s
  for _ in 1 2 3; do
    s=$("$@")
    if [[ -z $best ]] || awk -v a="$s" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$s; fi
  done
  echo "$best"
}

sqlite_sql() {
  local n=$1
  echo "PRAGMA journal_mode = wal; PRAGMA synchronous = normal;"
  for k in 0 1 2 3; do
    echo "BEGIN IMMEDIATE;"
    echo "UPDATE inventory_items SET quantity = quantity + d.column2, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM (VALUES"
    ids "$n" "$k" | awk 'NR > 1 { printf "," } { printf "(%d,3)", $1 }'
    echo ") AS d WHERE inventory_items.id = d.column1;"
    echo "COMMIT;"
  done
}

sqlite_run() {
  local n=$1 variant=$2 db="$work/run.db"
  rm -f "$db" "$db"-wal "$db"-shm
  cp "$dir/catalog-$n.db" "$db"
  if [[ $variant == without ]]; then
    sqlite3 "$db" "DROP INDEX inventory_items_stock; DROP INDEX inventory_items_moved; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
  fi
  sync
  seconds sqlite3 "$db" ".read $work/sqlite-$n.sql"
}

pg_sql() {
  local n=$1 variant=$2
  echo "SET search_path = scale_cat_$n; BEGIN;"
  [[ $variant == without ]] && echo "DROP INDEX inventory_items_stock; DROP INDEX inventory_items_moved;"
  for k in 0 1 2 3; do
    echo "UPDATE inventory_items i SET quantity = i.quantity + 3, updated_at = now() FROM unnest(ARRAY["
    ids "$n" "$k" | paste -sd,
    echo "]::bigint[]) AS d(id) WHERE i.id = d.id;"
  done
  echo "ROLLBACK;"
}

echo "inventory update floor · $(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
label() { if [[ $1 == as-is ]]; then echo "every index"; else echo "without the two sort indexes"; fi; }
printf '%-9s %9s  %7s  %-30s %7s\n' backend catalog updates indexes best_s
for n in $sizes; do
  updates=$(for k in 0 1 2 3; do ids "$n" "$k"; done | wc -l)
  if [[ -s $dir/catalog-$n.db ]]; then
    sqlite_sql "$n" >"$work/sqlite-$n.sql"
    for variant in as-is without; do
      best=$(best_of_3 sqlite_run "$n" "$variant")
      printf '%-9s %9d  %7d  %-30s %7s\n' sqlite "$n" "$updates" "$(label "$variant")" "$best"
    done
  fi
  if psql -qAt "$pg" -c "SELECT 1 FROM scale_cat_$n.inventory_items LIMIT 1" >/dev/null 2>&1; then
    for variant in as-is without; do
      pg_sql "$n" "$variant" >"$work/pg-$n-$variant.sql"
      best=$(best_of_3 seconds psql -q "$pg" -f "$work/pg-$n-$variant.sql")
      printf '%-9s %9d  %7d  %-30s %7s\n' postgres "$n" "$updates" "$(label "$variant")" "$best"
    done
  fi
done
