#!/usr/bin/env bash
# The console against a large catalog, as an operator meets it: seconds from starting the
# console (in a tmux window of COLS×ROWS) until each screen shows what it waits for.
#
#   benches/console-1m.sh BINARY DATABASE_URL [COLS ROWS]
#
# DATABASE_URL: a database holding the scale benchmark's 1,000,000-item catalog
# (benches/scale.sh leaves one in /tmp/batchops-scale/catalog-1000000.db; copy it first, the
# console migrates and writes nothing else). Needs tmux.
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
tmux kill-session -t bench 2>/dev/null || true
trap 'tmux kill-session -t bench 2>/dev/null || true' EXIT
echo "console at ${cols}x${rows} · $("$bin" --version) · $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
s=$(now)
tmux new -d -s bench -x "$cols" -y "$rows" "$bin --database-url '$url' console; sleep 60"
wait_for "rtt [0-9]"; echo "first screen (header with the round trip)  $(since "$s") s"
s=$(now); tmux send-keys -t bench 4; wait_for "catalog-1000000"; echo "Runs tab with the history              $(since "$s") s"
s=$(now); tmux send-keys -t bench 7; wait_for "SKU-0000001"; echo "Inventory: first page                  $(since "$s") s"
wait_for "[0-9],[0-9][0-9][0-9],[0-9][0-9][0-9] items"; echo "Inventory: counted                     $(since "$s") s"
s=$(now); tmux send-keys -t bench G; wait_for "row 1,0[0-9][0-9],[0-9]"; echo "Inventory: last page (G)               $(since "$s") s"
s=$(now); tmux send-keys -t bench / "Art 123457"; wait_for "SKU-0123457"
echo "Inventory: search typed key by key     $(since "$s") s (one query a key)"
