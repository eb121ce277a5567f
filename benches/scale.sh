#!/usr/bin/env bash
# The scale benchmark: what a run costs as the catalog grows (whole processes, release build).
#
#   benches/scale.sh [BINARY]          (default: target/release/batchops, built first if missing)
#
# For each catalog size (SCALE_SIZES, default "10000 100000 1000000") and each backend
# (SCALE_BACKENDS, default "sqlite postgres"):
#   - the catalog's first import (every line creates its item; the median of SCALE_FIRST_RUNS,
#     default 3, each into a new database or schema) and the same lines imported again once the
#     items exist (another import key, --as-new-invoice): items/s of each, and the ratio;
#   - a 100-line invoice against the catalog, three times (best wall time, its peak RSS);
#   - a 20,000-line invoice against the 10k and 1M catalogs;
#   - a 100-line invoice whose every line carries a known SKU, three times (best);
#   - 100 lines of the catalog's file re-sent under a new key, 10 of them with another quantity:
#     refused by the re-sent invoice check (nothing written), which compares them with the two
#     catalog runs (N rows each); the process's cost is that check's.
#   - a 100-line invoice with the catalog kept between runs (--catalog-cache): the run that reads
#     the catalog whole and keeps it, then three runs that read the kept catalog (best of them),
#     one after another on one database (each adds the few items its new lines create); then three
#     20,000-line invoices the same way against the 10k and 1M catalogs (best of them, and the
#     first of the three, which finds the database's pages colder); then an item merged into
#     another and one renamed (changed_since_kept) and three 100-line invoices more, which apply
#     the changes to the kept catalog (best of them, and the first).
# Every other run keeps no catalog (BATCHOPS_CATALOG_CACHE=off): it reads the catalog whole.
# Wall seconds and peak RSS are those of the whole process (/usr/bin/time -v); the invoice runs
# also print the run's own seconds (its report) so time spent outside the phases shows.
#
# Files are generated once under SCALE_DIR (default /tmp/batchops-scale) with sqlite3 and reused;
# so is each catalog: a template SQLite file, and a PostgreSQL schema `scale_cat_<size>` in
# SCALE_PG (default postgres://root@127.0.0.1:5432/test). The invoices are imported into a copy of
# the SQLite template and straight into the PostgreSQL schema (each under its own import key; the
# few items their new lines create stay). SCALE_FRESH=1 rebuilds the catalogs.
# SCALE_FILES_ONLY=1 writes the files and stops. SCALE_ONLY (default "invoice 20k sku resent")
# names the invoice rows to run ("kept" adds the kept-catalog rows); SCALE_NO_AGAIN=1 imports a catalog once (its "again" row left out). The table goes to stdout and to benches/results/scale.txt (SCALE_OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-${CARGO_TARGET_DIR:-target}/release/batchops}
if [[ -z ${SCALE_FILES_ONLY:-} && ! -x $bin ]]; then cargo build --release --locked; fi
dir=${SCALE_DIR:-/tmp/batchops-scale}
pg=${SCALE_PG:-postgres://root@127.0.0.1:5432/test}
sizes=${SCALE_SIZES:-"10000 100000 1000000"}
backends=${SCALE_BACKENDS:-"sqlite postgres"}
out=${SCALE_OUT:-benches/results/scale.txt}
only=${SCALE_ONLY:-"invoice 20k sku resent kept"}
# Runs read the catalog whole unless a row keeps it (KEEP: the directory).
export BATCHOPS_CATALOG_CACHE=off
mkdir -p "$dir"
runs() { [[ " $only " == *" $1 "* ]]; }

# The catalog: N distinct products, SKU-0000001… Names are built from a few hardware families
# with sizes, lengths, finishes and an article number (so a million names stay distinct).
catalog_csv() {
  local n=$1 f="$dir/catalog-$1.csv"
  [[ -s $f ]] && { echo "$f"; return; }
  sqlite3 -csv -header :memory: "
    WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < $n)
    SELECT printf('SKU-%07d', n) AS sku,
      CASE n % 8
        WHEN 0 THEN printf('Hex Bolt M%d x %dmm %s Art %d', 4 + n % 9 * 2, 10 + n / 7 % 12 * 10,
                    CASE n / 3 % 4 WHEN 0 THEN 'Zinc Plated' WHEN 1 THEN 'Stainless A2'
                    WHEN 2 THEN 'Black Oxide' ELSE 'Hot Dip Galvanized' END, n)
        WHEN 1 THEN printf('Wood Screw %d x %dmm %s Pack of %d Art %d', 3 + n % 4, 16 + n / 5 % 10 * 8,
                    CASE n / 11 % 3 WHEN 0 THEN 'Pozi' WHEN 1 THEN 'Torx' ELSE 'Slotted' END,
                    CASE n / 13 % 3 WHEN 0 THEN 100 WHEN 1 THEN 200 ELSE 500 END, n)
        WHEN 2 THEN printf('Copper Elbow %dmm %s Art %d', 8 + n % 5 * 7,
                    CASE n / 17 % 3 WHEN 0 THEN 'Compression' WHEN 1 THEN 'Solder Ring' ELSE 'Push Fit' END, n)
        WHEN 3 THEN printf('Nitrile Gloves %s %s Box of %d Art %d',
                    CASE n % 4 WHEN 0 THEN 'S' WHEN 1 THEN 'M' WHEN 2 THEN 'L' ELSE 'XL' END,
                    CASE n / 19 % 3 WHEN 0 THEN 'Blue' WHEN 1 THEN 'Black' ELSE 'White' END,
                    CASE n / 23 % 2 WHEN 0 THEN 100 ELSE 200 END, n)
        WHEN 4 THEN printf('Cable Tie %dmm x %dmm %s Art %d', 100 + n % 6 * 50, 2 + n / 29 % 4,
                    CASE n / 31 % 2 WHEN 0 THEN 'Natural' ELSE 'Black' END, n)
        WHEN 5 THEN printf('LED Bulb %dW %s %dK Art %d', 4 + n % 8 * 2,
                    CASE n / 37 % 3 WHEN 0 THEN 'E27' WHEN 1 THEN 'B22' ELSE 'GU10' END,
                    CASE n / 41 % 2 WHEN 0 THEN 2700 ELSE 4000 END, n)
        WHEN 6 THEN printf('Sanding Disc %dmm P%d %s Art %d', 115 + n % 3 * 10, 40 + n / 43 % 6 * 20,
                    CASE n / 47 % 2 WHEN 0 THEN 'Velcro' ELSE 'Plain' END, n)
        ELSE printf('Masking Tape %dmm x %dm %s Art %d', 19 + n % 4 * 6, 25 + n / 53 % 2 * 25,
                    CASE n / 59 % 2 WHEN 0 THEN 'Cream' ELSE 'Blue' END, n)
      END AS description,
      1 + n % 50 AS quantity,
      printf('%d.%02d', 1 + n % 90, n % 100) AS unit_price
    FROM i" > "$f.tmp"
  mv "$f.tmp" "$f"
  echo "$f"
}

# An invoice of L lines drawn from a catalog of N items (seed S): 80% by SKU, 15% without SKU
# with the catalog name as invoices write it (lower case), 5% products the catalog lacks. Its
# quantities (100 to 106) are none of the catalog import's (1 to 50), so no line repeats one of
# that import's lines and the re-sent invoice check has nothing to compare.
invoice_csv() {
  local n=$1 l=$2 s=$3 f="$dir/invoice-$1-$2-$3.csv"
  [[ -s $f ]] && { echo "$f"; return; }
  local cat
  cat=$(catalog_csv "$n")
  sqlite3 -csv -header :memory: > "$f.tmp" <<SQL
.import $cat c
WITH RECURSIVE i(k, r) AS (SELECT 1, abs(random()) UNION ALL
                            SELECT k + 1, abs(random()) FROM i WHERE k < $l)
SELECT CASE WHEN k % 20 < 16 THEN c.sku ELSE '' END AS sku,
       CASE WHEN k % 20 < 16 THEN c.description
            WHEN k % 20 < 19 THEN lower(c.description)
            ELSE printf('Scale Bench Gadget %d Model %d', $s, k) END AS description,
       100 + k % 7 AS quantity, c.unit_price
FROM i JOIN c ON c.rowid = 1 + (i.r + $s) % $n;
SQL
  mv "$f.tmp" "$f"
  echo "$f"
}

# An invoice of 100 lines every one of which carries a SKU of the catalog of N items (spread over
# it, quantities 100 to 106 as the other invoices'): mapped against the items its SKUs name.
sku_invoice_csv() {
  local n=$1 f="$dir/sku-invoice-$1.csv"
  [[ -s $f ]] && { echo "$f"; return; }
  awk -F, -v OFS=, -v step=$(($1 / 100)) \
    'NR == 1 { print; next } (NR - 2) % step == 0 { $(NF - 1) = 100 + NR % 7; print }' \
    "$(catalog_csv "$n")" > "$f.tmp"
  mv "$f.tmp" "$f"
  echo "$f"
}

# 100 lines of the catalog's file (its lines 1-100), every tenth with another quantity: lines
# two earlier runs of N rows each landed, 90 as they are and 10 changed.
resent_csv() {
  local n=$1 f="$dir/resent-$1.csv"
  [[ -s $f ]] && { echo "$f"; return; }
  head -n 101 "$(catalog_csv "$n")" |
    awk -F, -v OFS=, 'NR > 1 && (NR - 2) % 10 == 0 { $(NF - 1) = $(NF - 1) + 1000 } { print }' > "$f.tmp"
  mv "$f.tmp" "$f"
  echo "$f"
}

pg_url() { echo "$pg?options=-c%20search_path%3D$1"; }

# Run the binary under /usr/bin/time; sets WALL (s), RSS (MiB) and REPORT (the JSON report).
timed() {
  local t="$dir/time.$$"
  REPORT=$(/usr/bin/time -v -o "$t" "$bin" "$@" --format json 2>"$dir/stderr.$$") || true
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {
      n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$t")
  RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$t")
  rm -f "$t"
}

# Before a catalog import: the writes of the rows before it on disk, and (PostgreSQL) a
# checkpoint taken, so that an import is not timed while the one before it is still written out.
settled() {
  sync
  if [[ $1 == postgres ]]; then psql -q "$pg" -c CHECKPOINT >/dev/null; fi
}

# The statistics of a schema's tables brought up to date, as autovacuum would have done after
# the first import (this server runs with autovacuum off).
analyzed() {
  psql -q "$pg" >/dev/null <<SQL
SELECT format('ANALYZE %I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = '$1' \gexec
SQL
}

# The catalogs are imported once and reused: each import's figures are kept with RUN_STAMP (which
# binary measured them, and when), so their rows say so when an earlier run measured them.
earlier() { [[ ${1:-} == "$RUN_STAMP" ]] || echo "  [measured by an earlier run: ${1:-unknown}]"; }

# A field of the JSON report (a number), without jq.
field() { grep -o "\"$1\":[0-9.e+-]*" <<<"$REPORT" | head -1 | cut -d: -f2; }

# The catalog's first import, SCALE_FIRST_RUNS times (default 3), each into a new database or
# schema (FRESH: the command that empties it), the median's figures kept in FILE as
# "wall rss items/s stamp" and every run's wall seconds after them. The last run's catalog stays.
first_imports() {
  local file=$1 fresh=$2 csv=$3 url=$4 k runs=()
  for ((k = 1; k <= ${SCALE_FIRST_RUNS:-3}; k++)); do
    eval "$fresh"
    settled "$5"
    timed import "$csv" --database-url "$url"
    runs+=("$WALL $RSS $(field items_per_second)")
  done
  local median walls
  median=$(printf '%s\n' "${runs[@]}" | sort -n -k1,1 | awk '{ r[NR] = $0 } END { print r[int((NR + 1) / 2)] }')
  walls=$(printf '%s\n' "${runs[@]}" | awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 }')
  echo "$median $RUN_STAMP $walls" > "$file"
}

# The catalog of N items on a backend, imported once: sets FIRST_S, FIRST_RSS, AGAIN_S.
CATALOG_NOTE=""
catalog_db() {
  local n=$1 backend=$2 csv
  csv=$(catalog_csv "$n")
  case $backend in
    sqlite)
      local t="$dir/catalog-$n.db"
      if [[ -n ${SCALE_FRESH:-} || ! -s $t || ! -s $t.first ]]; then
        first_imports "$t.first" "rm -f '$t' '$t'-wal '$t'-shm '$t'.lock" "$csv" "sqlite:$t" sqlite
        if [[ -z ${SCALE_NO_AGAIN:-} ]]; then
          settled sqlite
          timed import "$csv" --database-url "sqlite:$t" --import-key "again-$n" --as-new-invoice
          echo "$WALL $RSS $(field items_per_second) $RUN_STAMP" > "$t.again"
        fi
      fi
      ;;
    postgres)
      local s="scale_cat_$n" t="$dir/catalog-$n.pg"
      if [[ -n ${SCALE_FRESH:-} || ! -s $t.first ]]; then
        first_imports "$t.first" \
          "PGOPTIONS=--client-min-messages=warning psql -q '$pg' -c 'DROP SCHEMA IF EXISTS $s CASCADE; CREATE SCHEMA $s' >/dev/null" \
          "$csv" "$(pg_url "$s")" postgres
        if [[ -z ${SCALE_NO_AGAIN:-} ]]; then
          analyzed "$s"
          settled postgres
          timed import "$csv" --database-url "$(pg_url "$s")" --import-key "again-$n" --as-new-invoice
          echo "$WALL $RSS $(field items_per_second) $RUN_STAMP" > "$t.again"
        fi
      fi
      ;;
  esac
}

# Import an invoice against the catalog of N items; best of R runs: sets BEST_WALL, BEST_RSS,
# BEST_RUN (the run's own seconds, from its report) and FIRST_WALL (the first run's wall seconds).
invoice_run() {
  local n=$1 backend=$2 lines=$3 repeats=$4 k
  BEST_WALL="" BEST_RSS="" BEST_RUN="" FIRST_WALL=""
  for ((k = 1; k <= repeats; k++)); do
    local f
    if [[ $lines == sku ]]; then f=$(sku_invoice_csv "$n"); else f=$(invoice_csv "$n" "$lines" "$((k + 100 * lines))"); fi
    case $backend in
      sqlite)
        if [[ -n ${KEEP:-} ]]; then
          # One database for the kept rows (copied when they start): a fresh copy per run would
          # be a database restored from a copy, whose kept catalog is rightly not used.
          BATCHOPS_CATALOG_CACHE=$KEEP timed import "$f" --database-url "sqlite:$dir/kept.db" \
            --import-key "kept-$lines-$k-$(date +%s%N)" --as-new-invoice
        else
          local db="$dir/run.db"
          rm -f "$db" "$db"-wal "$db"-shm "$db".lock
          cp "$dir/catalog-$n.db" "$db"
          timed import "$f" --database-url "sqlite:$db"
          rm -f "$db" "$db"-wal "$db"-shm "$db".lock
        fi
        ;;
      postgres)
        BATCHOPS_CATALOG_CACHE=${KEEP:-off} timed import "$f" --database-url "$(pg_url "scale_cat_$n")" \
          --import-key "invoice-$lines-$k-$(date +%s%N)" --as-new-invoice
        ;;
    esac
    local run
    run=$(printf '%.3f' "$(field processing_time_seconds)")
    [[ -n $FIRST_WALL ]] || FIRST_WALL=$WALL
    if [[ -z $BEST_WALL ]] || awk "BEGIN { exit !($WALL < $BEST_WALL) }"; then
      BEST_WALL=$WALL BEST_RSS=$RSS BEST_RUN=$run
    fi
  done
}

# Since the catalog of N items was kept: an operator merges one of its last items into another
# (`batchops items merge`), and another program renames a third (its colour swapped for another
# the catalog names). The kept catalog applies both instead of reading the catalog whole.
changed_since_kept() {
  local n=$1 backend=$2 url
  case $backend in
    sqlite) url="sqlite:$dir/kept.db" ;;
    postgres) url="$(pg_url "scale_cat_$n")" ;;
  esac
  # A PostgreSQL catalog stays from run to run: each run merges and renames items of its own.
  local count="$dir/changed-$backend-$n.count" k=0 from into renamed
  [[ -s $count ]] && k=$(cat "$count")
  echo $((k + 1)) > "$count"
  from=$(printf 'SKU-%07d' "$((n - 2 - 16 * k))") into=$(printf 'SKU-%07d' "$((n - 10 - 16 * k))")
  renamed=$(printf 'SKU-%07d' "$((n - 4 - 16 * k))")
  "$bin" items merge "$from" --into "$into" --database-url "$url" --quiet >/dev/null
  local rename="UPDATE inventory_items SET name = CASE WHEN name LIKE '%Natural%'
      THEN replace(name, 'Natural', 'Black') ELSE replace(name, 'Black', 'Natural') END
    WHERE sku = '$renamed'"
  case $backend in
    sqlite) sqlite3 "$dir/kept.db" "$rename" ;;
    postgres) psql -q "$pg" -c "SET search_path = scale_cat_$n" -c "$rename" >/dev/null ;;
  esac
}

# The re-sent 100 lines against the catalog of N items (refused): sets WALL, RSS and OUTCOME.
resent_run() {
  local n=$1 backend=$2 f
  f=$(resent_csv "$n")
  case $backend in
    sqlite)
      local db="$dir/run.db"
      rm -f "$db" "$db"-wal "$db"-shm "$db".lock
      cp "$dir/catalog-$n.db" "$db"
      timed import "$f" --database-url "sqlite:$db"
      rm -f "$db" "$db"-wal "$db"-shm "$db".lock
      ;;
    postgres)
      timed import "$f" --database-url "$(pg_url "scale_cat_$n")" --import-key "resent-$(date +%s%N)"
      ;;
  esac
  OUTCOME=$({ cat "$dir/stderr.$$"; echo "$REPORT"; } |
    grep -o '[0-9]* lines: [0-9]* identical, [0-9]* changed, [0-9]* new; [0-9]* missing' | head -1 || true)
  [[ -n $OUTCOME ]] || OUTCOME="not refused: $(head -c 200 "$dir/stderr.$$")"
}

if [[ -n ${SCALE_FILES_ONLY:-} ]]; then
  for n in $sizes; do
    catalog_csv "$n"
    resent_csv "$n"
    sku_invoice_csv "$n"
    for k in 1 2 3; do invoice_csv "$n" 100 $((k + 10000)); done
    if [[ $n == 10000 || $n == 1000000 ]]; then invoice_csv "$n" 20000 2000001; fi
  done
  exit 0
fi

declare -A W100 R100 W20K WK RK W20KK WKC RKC
RUN_STAMP="$("$bin" --version | tr ' ' '-')@$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)"
{
  echo "scale benchmark: $(git rev-parse --short HEAD 2>/dev/null || echo '?') · $(date -u +%Y-%m-%dT%H:%MZ) · $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "binary: $bin ($("$bin" --version))"
  echo "whole processes (release build), /usr/bin/time -v: wall seconds and peak RSS; run_s: the run's own total (its report)"
  echo
  printf '%-9s %9s  %-34s %9s %9s %10s  %s\n' backend catalog work wall_s rss_MiB run_s items/s
  for backend in $backends; do
    for n in $sizes; do
      catalog_db "$n" "$backend"
      ext=$([[ $backend == sqlite ]] && echo db || echo pg)
      read -r fw fr _ fs walls < "$dir/catalog-$n.$ext.first"
      printf '%-9s %9d  %-34s %9s %9s %10s  %s  (median of %s s)%s\n' "$backend" "$n" "first import ($n new items)" "$fw" "$fr" "" \
        "$(awk "BEGIN { printf \"%.0f\", $n / $fw }")" "${walls:-$fw}" "$(earlier "$fs")"
      if [[ -s $dir/catalog-$n.$ext.again ]]; then
      read -r aw ar _ as < "$dir/catalog-$n.$ext.again"
      printf '%-9s %9d  %-34s %9s %9s %10s  %s  (first/again %s)%s\n' "$backend" "$n" "same lines again (items exist)" "$aw" "$ar" "" \
        "$(awk "BEGIN { printf \"%.0f\", $n / $aw }")" "$(awk "BEGIN { printf \"%.2f×\", $fw / $aw }")" "$(earlier "$as")"
      fi
      if runs invoice; then
      invoice_run "$n" "$backend" 100 3
      W100[$backend.$n]=$BEST_WALL R100[$backend.$n]=$BEST_RSS
      printf '%-9s %9d  %-34s %9s %9s %10s\n' "$backend" "$n" "100-line invoice (best of 3)" "$BEST_WALL" "$BEST_RSS" "$BEST_RUN"
      fi
      if runs 20k && [[ $n == 10000 || $n == 1000000 ]]; then
        invoice_run "$n" "$backend" 20000 1
        W20K[$backend.$n]=$BEST_WALL
        printf '%-9s %9d  %-34s %9s %9s %10s\n' "$backend" "$n" "20,000-line invoice" "$BEST_WALL" "$BEST_RSS" "$BEST_RUN"
      fi
      if runs sku; then
        invoice_run "$n" "$backend" sku 3
        printf '%-9s %9d  %-34s %9s %9s %10s\n' "$backend" "$n" "100 known-SKU lines (best of 3)" "$BEST_WALL" "$BEST_RSS" "$BEST_RUN"
      fi
      if runs kept; then
        KEEP="$dir/kept-$backend-$n"
        rm -rf "$KEEP" "$dir/kept.db" "$dir/kept.db"-wal "$dir/kept.db"-shm "$dir/kept.db".lock
        [[ $backend == sqlite ]] && cp "$dir/catalog-$n.db" "$dir/kept.db"
        invoice_run "$n" "$backend" 100 1
        printf '%-9s %9d  %-34s %9s %9s %10s\n' "$backend" "$n" "100-line invoice, read whole + kept" "$BEST_WALL" "$BEST_RSS" "$BEST_RUN"
        invoice_run "$n" "$backend" 100 3
        WK[$backend.$n]=$BEST_WALL RK[$backend.$n]=$BEST_RSS
        printf '%-9s %9d  %-34s %9s %9s %10s\n' "$backend" "$n" "100-line invoice, kept (best of 3)" "$BEST_WALL" "$BEST_RSS" "$BEST_RUN"
        if [[ $n == 10000 || $n == 1000000 ]]; then
          invoice_run "$n" "$backend" 20000 3
          W20KK[$backend.$n]=$BEST_WALL
          printf '%-9s %9d  %-34s %9s %9s %10s  (first of the three %s s)\n' "$backend" "$n" "20,000 lines, kept (best of 3)" "$BEST_WALL" "$BEST_RSS" "$BEST_RUN" "$FIRST_WALL"
        fi
        changed_since_kept "$n" "$backend"
        invoice_run "$n" "$backend" 100 3
        WKC[$backend.$n]=$BEST_WALL RKC[$backend.$n]=$BEST_RSS
        printf '%-9s %9d  %-34s %9s %9s %10s  (first of the three %s s)\n' "$backend" "$n" "100 lines, kept, merge+rename since" "$BEST_WALL" "$BEST_RSS" "$BEST_RUN" "$FIRST_WALL"
        KEEP=""
        rm -rf "$dir/kept-$backend-$n" "$dir/kept.db" "$dir/kept.db"-wal "$dir/kept.db"-shm "$dir/kept.db".lock
      fi
      if runs resent; then
        resent_run "$n" "$backend"
        printf '%-9s %9d  %-34s %9s %9s %10s  %s\n' "$backend" "$n" "100 lines re-sent (refused)" "$WALL" "$RSS" "" "$OUTCOME"
      fi
    done
  done
  echo
  echo "targets (issue 19)"
  for backend in $backends; do
    if [[ -n ${W100[$backend.1000000]:-} ]]; then
      w=${W100[$backend.1000000]} r=${R100[$backend.1000000]}
      printf '  %-9s 100 lines vs 1M catalog: %s s (target ≤ 0.5) %s; %s MiB (target ≤ 64) %s\n' "$backend" \
        "$w" "$(awk "BEGIN { print ($w <= 0.5) ? \"met\" : \"NOT met\" }")" \
        "$r" "$(awk "BEGIN { print ($r <= 64) ? \"met\" : \"NOT met\" }")"
    fi
    if [[ -n ${WK[$backend.1000000]:-} ]]; then
      w=${WK[$backend.1000000]} r=${RK[$backend.1000000]}
      printf '  %-9s 100 lines vs 1M catalog, kept: %s s (target ≤ 0.5) %s; %s MiB (target ≤ 64) %s\n' "$backend" \
        "$w" "$(awk "BEGIN { print ($w <= 0.5) ? \"met\" : \"NOT met\" }")" \
        "$r" "$(awk "BEGIN { print ($r <= 64) ? \"met\" : \"NOT met\" }")"
    fi
    if [[ -n ${WKC[$backend.1000000]:-} ]]; then
      w=${WKC[$backend.1000000]} r=${RKC[$backend.1000000]}
      printf '  %-9s 100 lines vs 1M catalog, kept, merge+rename since: %s s (target ≤ 0.5) %s; %s MiB (target ≤ 64) %s\n' "$backend" \
        "$w" "$(awk "BEGIN { print ($w <= 0.5) ? \"met\" : \"NOT met\" }")" \
        "$r" "$(awk "BEGIN { print ($r <= 64) ? \"met\" : \"NOT met\" }")"
    fi
    if [[ -n ${W20K[$backend.1000000]:-} && -n ${W20K[$backend.10000]:-} ]]; then
      a=${W20K[$backend.1000000]} b=${W20K[$backend.10000]}
      printf '  %-9s 20k lines, 1M vs 10k catalog: %s (target ≤ 1.5×) %s\n' "$backend" \
        "$(awk "BEGIN { printf \"%.2f×\", $a / $b }")" "$(awk "BEGIN { print ($a / $b <= 1.5) ? \"met\" : \"NOT met\" }")"
    fi
    if [[ -n ${W20KK[$backend.1000000]:-} && -n ${W20KK[$backend.10000]:-} ]]; then
      a=${W20KK[$backend.1000000]} b=${W20KK[$backend.10000]}
      printf '  %-9s 20k lines, 1M vs 10k catalog, kept: %s (target ≤ 1.5×) %s\n' "$backend" \
        "$(awk "BEGIN { printf \"%.2f×\", $a / $b }")" "$(awk "BEGIN { print ($a / $b <= 1.5) ? \"met\" : \"NOT met\" }")"
    fi
    if [[ $backend == postgres && -s $dir/catalog-1000000.pg.first ]]; then
      read -r fw _ _ fs _ < "$dir/catalog-1000000.pg.first"
      ips=$(awk "BEGIN { printf \"%.0f\", 1000000 / $fw }")
      printf '  %-9s first import of 1M new items: %s items/s (target ≥ 45,000) %s%s\n' "$backend" "$ips" \
        "$(awk "BEGIN { print ($ips >= 45000) ? \"met\" : \"NOT met\" }")" "$(earlier "$fs")"
    fi
  done
} | tee "$out"
