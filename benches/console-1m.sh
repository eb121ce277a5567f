#!/usr/bin/env bash
# The console against a large catalog, as an operator meets it: seconds from starting the
# console (in a tmux window of COLS×ROWS) until each screen shows what it waits for.
#
#   benches/console-1m.sh BINARY DATABASE_URL [COLS ROWS]
#
# DATABASE_URL: a database holding the scale benchmark's 1,000,000-item catalog
# (benches/scale.sh leaves one in /tmp/batchops-scale/catalog-1000000.db; copy it first, the
# console migrates and writes nothing else). Needs tmux.
# FAILED_LINES=N: the newest run of the database failed N lines (import a file of N lines whose
# quantity is not a number first); the Failed tab is timed too: its first page, its last page
# (`G`), then 40 pages back up (PageUp), the pages read by key next to the rows held.
# HELD_GROUPS=1: the database holds groups of open held lines, among them "Held Thing 4999…"; the
# Review tab is timed too: its first screen (the groups counted) and a search typed key by key.
set -euo pipefail
bin=$1 url=$2 cols=${3:-120} rows=${4:-36}
now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
wait_for() {
  local t0
  t0=$(now)
  until tmux capture-pane -p -t bench 2>/dev/null | grep -q "$1"; do
    sleep 0.01
    if (($(echo "$(since "$t0") > 30" | bc))); then echo "timed out waiting for: $1" >&2; exit 1; fi
  done
}
grouped() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
tmux kill-session -t bench 2>/dev/null || true
trap 'tmux kill-session -t bench 2>/dev/null || true' EXIT
echo "console at ${cols}x${rows} · $("$bin" --version) · $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
s=$(now)
tmux new -d -s bench -x "$cols" -y "$rows" "$bin --database-url '$url' console; sleep 60"
wait_for "rtt [0-9]"; echo "first screen (header with the round trip)  $(since "$s") s"
if [[ -n ${FAILED_LINES:-} ]]; then
  n=$(grouped "$FAILED_LINES")
  s=$(now); tmux send-keys -t bench 3; wait_for "item 1 of $n"; echo "Failed: first page                     $(since "$s") s"
  s=$(now); tmux send-keys -t bench G; wait_for "item $n of $n"; echo "Failed: last page (G)                   $(since "$s") s"
  tmux send-keys -t bench PageUp; wait_for "item [0-9,]* of $n  *│"
  sleep 0.5
  at=$(tmux capture-pane -p -t bench | grep -o "item [0-9,]* of" | tr -dc 0-9)
  step=$((FAILED_LINES - at)) target=$((FAILED_LINES - 40 * (FAILED_LINES - at)))
  s=$(now)
  for _ in $(seq 39); do tmux send-keys -t bench PageUp; done
  # The selected row itself (line = position in a file of failed lines only) shows once read.
  wait_for "item $(grouped "$target") of $n"; wait_for "│ *$target SKU-"
  echo "Failed: 39 more pages up (PageUp)       $(since "$s") s ($step rows a page)"
  tmux send-keys -t bench 1
fi
if [[ -n ${HELD_GROUPS:-} ]]; then
  s=$(now); tmux send-keys -t bench 6; wait_for "Review · [1-9][0-9,]* groups"
  t=$(since "$s"); groups=$(tmux capture-pane -p -t bench | grep -o "Review · [1-9][0-9,]* groups" | head -1)
  echo "Review: first screen (groups counted)  $t s ($groups)"
  s=$(now); tmux send-keys -t bench / "thing 4999"; wait_for "Held Thing 4999 "
  echo "Review: search typed key by key        $(since "$s") s"
  # Leave by Tab (on Review the number keys pick candidates): to Inventory, then round to Batches.
  tmux send-keys -t bench Escape; tmux send-keys -t bench Tab; tmux send-keys -t bench Tab
fi
s=$(now); tmux send-keys -t bench 4; wait_for "catalog-1000000"; echo "Runs tab with the history              $(since "$s") s"
s=$(now); tmux send-keys -t bench 7; wait_for "SKU-0000001"; echo "Inventory: first page                  $(since "$s") s"
wait_for "[0-9],[0-9][0-9][0-9],[0-9][0-9][0-9] items"; echo "Inventory: counted                     $(since "$s") s"
s=$(now); tmux send-keys -t bench G; wait_for "row 1,0[0-9][0-9],[0-9]"; echo "Inventory: last page (G)               $(since "$s") s"
s=$(now); tmux send-keys -t bench / "Art 123457"; wait_for "SKU-0123457"
echo "Inventory: search typed key by key     $(since "$s") s (10 keys, until the last text's match shows)"
