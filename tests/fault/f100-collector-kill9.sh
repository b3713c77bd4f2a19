#!/usr/bin/env bash
# Fault 1: the collector is killed with SIGKILL about every second while AGENTS agents each
# deliver SNAPSHOTS changing snapshots. Afterwards every report is stored exactly once and the
# latest view is each agency's last snapshot.
. "$(dirname "$0")/lib.sh"
AGENTS=${AGENTS:-20} SNAPSHOTS=${SNAPSHOTS:-25}

fault_registry "$AGENTS"
collector_init "$T/reg"
collector_start
codes=$(cut -d, -f1 "$T/reg/agencies.csv" | tail -n +2)
for c in $codes; do agent_setup "$c" "$T/agents/$c/status.json"; done

# The killer: SIGKILL the collector at random 0.5-1.5 s intervals, restart it on the same ports.
(
    while [ ! -f "$T/stop" ]; do
        sleep "$(awk -v r=$RANDOM 'BEGIN { print 0.5 + r / 32768 }')"
        pkill -9 -f "tiendo-collector run --data $T/data" || true
        echo kill >>"$T/kills"
        ("$COLLECTOR" run --data "$T/data" --agents "$AGENTS_EP" --queries "$QUERIES_EP" --events "$EVENTS_EP" --http 127.0.0.1:0 >>"$T/collector.log" 2>&1 &)
    done
) &
killer=$!
PIDS+=($killer)

start=$SECONDS
loops=()
for c in $codes; do
    (
        for k in $(seq 1 "$SNAPSHOTS"); do
            snapshot "$c" "$k" "$T/agents/$c/status.json"
            rc=0; "$AGENT" --config "$T/agents/$c/agent.ini" --once --timeout 3 2>>"$T/agents.log" || rc=$?
            [ $rc -eq 0 ] || [ $rc -eq 75 ] || { echo "agent $c exited $rc" >>"$T/errors"; }
        done
    ) &
    loops+=($!)
    PIDS+=($!)
done
for p in "${loops[@]}"; do wait "$p"; done
touch "$T/stop"
wait "$killer" 2>/dev/null || true
[ ! -s "$T/errors" ] || fail "$(cat "$T/errors")"
kills=$(wc -l <"$T/kills")

# Drain what is still queued with the collector left alone.
pkill -9 -f "tiendo-collector run --data $T/data" || true
collector_restart_same_ports
drain_start=$SECONDS
for c in $codes; do
    "$AGENT" --config "$T/agents/$c/agent.ini" --once --timeout 60 2>>"$T/agents.log" || fail "drain $c exited $?"
done
drain=$((SECONDS - drain_start))
export TIENDO_COLLECTOR="$QUERIES_EP"
for c in $codes; do check_exactly_once "$c" "$SNAPSHOTS"; done
sent=$((AGENTS * SNAPSHOTS))
echo "figures: agents=$AGENTS reports_sent=$sent stored=$sent duplicates_applied=0 lost=0 collector_kills=$kills run_s=$((drain_start - start)) drain_s=$drain"
echo "f100 passed"
