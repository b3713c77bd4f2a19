#!/usr/bin/env bash
# store.near_full: a collector whose store may grow to 1 MiB (256 pages) starts at about 68% with
# a 4,000-task registry; agents' reports fill it (a report's copy-on-write pages can take it from
# below 90% to a failed commit at once), and `tiendo watch` must show one store.near_full event
# with the figures, published once however many reports follow. The watch's first agent.online
# shows it was subscribed before (PUB drops what no subscriber asked for yet).
. "$(dirname "$0")/lib.sh"

"$SIM" generate --out "$T/gen" --tasks 4000 --dates 2025-12-04 >/dev/null
collector_init "$T/gen"
collector_start --map-max-mb 1
"$CLI" watch --json --filter store,agent.online >"$T/events.jsonl" 2>"$T/watch.err" &
PIDS+=($!)
sleep 1
near_full() { grep -q '"store.near_full"' "$T/events.jsonl"; }
online() { grep -q '"agent.online"' "$T/events.jsonl"; }
n=0
for f in "$T"/gen/status/2025-12-04/*.json; do
    code=$(basename "$f" .json)
    agent_setup "$code" "$T/agents/$code/status.json"
    cp "$f" "$T/agents/$code/status.json"
    # 0 stored; 75 when the store is full (the report stays queued): both are fine here.
    set +e; "$AGENT" --config "$T/agents/$code/agent.ini" --once --timeout 3 >>"$T/agents.log" 2>&1
    rc=$?; set -e
    [ $rc -eq 0 ] || [ $rc -eq 75 ] || fail "agent $code exited $rc"
    n=$((n + 1))
    [ $n -gt 1 ] || wait_for 5 online || fail "the watch saw no agent.online for the first report"
    if [ $rc -eq 75 ]; then wait_for 5 near_full || fail "store full, no store.near_full"; fi
    near_full && break
done
near_full || fail "no store.near_full after $n agencies' reports"
note "store.near_full after $n agencies' reports: $(cat "$T/events.jsonl")"
# More reports do not repeat it: the event is published once, until the store goes back under 85%.
for f in $(ls "$T"/gen/status/2025-12-04/*.json | tail -n 3); do
    code=$(basename "$f" .json)
    [ -d "$T/agents/$code" ] && continue
    agent_setup "$code" "$T/agents/$code/status.json"
    cp "$f" "$T/agents/$code/status.json"
    "$AGENT" --config "$T/agents/$code/agent.ini" --once --timeout 3 >>"$T/agents.log" 2>&1 || true
done
sleep 2
python3 - "$T/events.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev[0]["type"] == "agent.online", ev                   # subscribed before the store filled
ev = [e for e in ev if e["type"] != "agent.online"]
assert [e["type"] for e in ev] == ["store.near_full"], ev
e = ev[0]
assert e["max_bytes"] == 1 << 20 and 80 <= e["used_pct"] <= 100, e
assert e["full"] or e["used_pct"] >= 90, e
assert e["used_bytes"] * 100 // e["max_bytes"] == e["used_pct"], e
assert "of its limit" in e["text"], e
PY
kill -0 "$COLLECTOR_PID" || fail "the collector died"
echo "t2320 passed"
