#!/usr/bin/env bash
# The tiendo demo: a collector on loopback with a generated national registry (26 central
# agencies, 34 provinces, 1,287 tasks), one real tiendo-agent daemon per reporting agency, two
# snapshots delivered, then the national summary and the overdue list as of the second date.
# Usage: examples/demo.sh [BUILD_DIR]   (default: build)
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
W=$(mktemp -d /tmp/tiendo-demo.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
D1=2025-09-30 D2=2025-12-04

echo "== generating a national registry and two status snapshots per agency"
"$B/sim/tiendo-sim" generate --out "$W/gen" --seed 2025
echo "== collector: init, import, run on loopback"
"$B/collector/tiendo-collector" init --data "$W/data"
"$B/collector/tiendo-collector" import --data "$W/data" --agencies "$W/gen/agencies.csv" --tasks "$W/gen/tasks.csv"
"$B/collector/tiendo-collector" run --data "$W/data" --agents 'tcp://127.0.0.1:*' \
    --queries 'tcp://127.0.0.1:*' --events 'tcp://127.0.0.1:*' --http 127.0.0.1:0 \
    2>"$W/collector.log" &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$W/data/endpoints" ] && break; sleep 0.1; done
AGENTS_EP=$(sed -n 's/^agents=//p' "$W/data/endpoints")
export TIENDO_COLLECTOR=$(sed -n 's/^queries=//p' "$W/data/endpoints")
export TIENDO_CREDENTIALS="$W/data/admin.cred"

echo "== one tiendo-agent daemon per agency, first snapshot ($D1)"
codes=$(ls "$W/gen/status/$D2" | sed 's/\.json$//')
for c in $codes; do
    mkdir -p "$W/agents/$c"
    "$B/collector/tiendo-collector" enroll --data "$W/data" --agency "$c" --out "$W/agents/$c/agent.cred" >/dev/null
    [ -f "$W/gen/status/$D1/$c.json" ] && cp "$W/gen/status/$D1/$c.json" "$W/agents/$c/status.json"
    printf '[agent]\ncollector = %s\ncredentials = %s\nstatus_file = %s\nstate_dir = %s\ninterval = 60\n' \
        "$AGENTS_EP" "$W/agents/$c/agent.cred" "$W/agents/$c/status.json" "$W/agents/$c/state" >"$W/agents/$c/agent.ini"
    "$B/agent/tiendo-agent" --config "$W/agents/$c/agent.ini" 2>>"$W/agents.log" &
    PIDS+=($!)
done
# Agents whose latest stored report is of date $1 (their probes also report, so counting
# reports would not tell when every snapshot has arrived).
at_date() { "$B/cli/tiendo" agents --json | python3 -c 'import json,sys; print(sum((a["last_report_as_of"] or "").startswith(sys.argv[1]) for a in json.load(sys.stdin)["agents"]))' "$1"; }
wait_date() { for _ in $(seq 300); do [ "$(at_date "$1")" -ge "$2" ] && return 0; sleep 0.2; done; echo "timed out" >&2; return 1; }
n1=$(ls "$W/gen/status/$D1" | wc -l)
wait_date $D1 "$n1"
echo "   $n1 agencies reported their $D1 status"
echo "== agencies update their status files ($D2); the agents notice and report"
for c in $codes; do cp "$W/gen/status/$D2/$c.json" "$W/agents/$c/status.json.new"; mv "$W/agents/$c/status.json.new" "$W/agents/$c/status.json"; done
n2=$(echo "$codes" | wc -w)
wait_date $D2 "$n2"
echo "   $n2 agencies reported their $D2 status"
echo
"$B/cli/tiendo" summary --as-of $D1
echo
"$B/cli/tiendo" summary --as-of $D2
echo
echo "== overdue tasks as of $D2 (first 15)"
"$B/cli/tiendo" tasks --as-of $D2 --class overdue >"$W/overdue.txt"
head -16 "$W/overdue.txt"
echo
"$B/cli/tiendo" agents --state online >"$W/online.txt"
echo "agents online: $(($(wc -l <"$W/online.txt") - 2))"
