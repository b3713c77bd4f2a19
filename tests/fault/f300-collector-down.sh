#!/usr/bin/env bash
# Fault 3: the collector is down for a while. Agents keep queuing (--once exits 75 and keeps the
# report); daemons keep running. When the collector returns, everything drains in order.
. "$(dirname "$0")/lib.sh"
AGENTS=${AGENTS:-10} SNAPSHOTS=${SNAPSHOTS:-4}

fault_registry "$AGENTS"
collector_init "$T/reg"
collector_start
codes=$(cut -d, -f1 "$T/reg/agencies.csv" | tail -n +2)
for c in $codes; do agent_setup "$c" "$T/agents/$c/status.json"; done
collector_stop

# --once agents while the collector is down: each snapshot is queued, exit 75.
for c in $codes; do
    (
        for k in $(seq 1 "$SNAPSHOTS"); do
            snapshot "$c" "$k" "$T/agents/$c/status.json"
            rc=0; "$AGENT" --config "$T/agents/$c/agent.ini" --once --timeout 1 2>>"$T/agents.log" || rc=$?
            [ $rc -eq 75 ] || echo "$c snapshot $k: exit $rc while the collector is down, want 75" >>"$T/errors"
        done
    ) &
done
wait
[ ! -s "$T/errors" ] || fail "$(cat "$T/errors")"
# One daemon agent as well, started while the collector is down, with a further snapshot.
d=$(echo "$codes" | head -1)
snapshot "$d" $((SNAPSHOTS + 1)) "$T/agents/$d/status.json"
"$AGENT" --config "$T/agents/$d/agent.ini" 2>>"$T/daemon.log" &
PIDS+=($!)
sleep 2

collector_restart_same_ports
start=$(date +%s.%N)
for c in $codes; do
    [ "$c" = "$d" ] && continue
    "$AGENT" --config "$T/agents/$c/agent.ini" --once --timeout 60 2>>"$T/agents.log" || fail "drain of $c exited $?"
done
export TIENDO_COLLECTOR="$QUERIES_EP"
wait_for 90 bash -c "'$CLI' reports --agency $d --json | grep -q '\"seq\": $((SNAPSHOTS + 1))'" || fail "the daemon did not drain"
drain=$(python3 -c "import time; print(round(time.time() - $start, 2))")
for c in $codes; do
    n=$SNAPSHOTS; [ "$c" = "$d" ] && n=$((SNAPSHOTS + 1))
    check_exactly_once "$c" "$n"
    # In order: a later seq never has an earlier receipt than the seq before it.
    "$CLI" reports --agency "$c" --json | python3 -c '
import json, sys
r = sorted(json.load(sys.stdin)["reports"], key=lambda r: r["seq"])
assert all(a["received_at"] <= b["received_at"] for a, b in zip(r, r[1:])), "drained out of order"'
done
echo "figures: agents=$AGENTS reports_queued=$((AGENTS * SNAPSHOTS + 1)) stored=$((AGENTS * SNAPSHOTS + 1)) lost=0 duplicates_applied=0 drain_s=$drain"
echo "f300 passed"
