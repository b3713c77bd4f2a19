#!/usr/bin/env bash
# Fault 5: power cuts at the agent, simulated by SIGKILL (the process gets no chance to flush).
# (a) Between enqueue and send: the agent is killed right after it logs that it queued a report
#     while the collector is unreachable; the next run delivers it.
# (b) During the LMDB commit: agents are killed at random instants while queueing many
#     snapshots; the outbox always reopens, and what was queued is delivered exactly once.
. "$(dirname "$0")/lib.sh"
ROUNDS=${ROUNDS:-60}

fault_registry 2
collector_init "$T/reg"
collector_start
agent_setup A1 "$T/agents/A1/status.json"
agent_setup A2 "$T/agents/A2/status.json"

# (a) The collector is stopped, so the report can only be in the outbox when the agent dies.
collector_stop
snapshot A1 1 "$T/agents/A1/status.json"
"$AGENT" --config "$T/agents/A1/agent.ini" 2>"$T/a1.log" &
pid=$!
PIDS+=($pid)
wait_for 20 grep -q "queued a report" "$T/a1.log" || fail "the agent did not queue"
kill -9 $pid
collector_restart_same_ports
"$AGENT" --config "$T/agents/A1/agent.ini" --once --timeout 30 2>>"$T/agents.log" || fail "delivery after the cut exited $?"
check_exactly_once A1 1
note "(a) queued, killed before sending, delivered on restart"

# (b) Random kills during queueing and commits: a fresh status each time, killed after 0-30 ms.
for k in $(seq 1 "$ROUNDS"); do
    snapshot A2 "$k" "$T/agents/A2/status.json"
    timeout -s KILL "0.0$((RANDOM % 4))" "$AGENT" --config "$T/agents/A2/agent.ini" --once --timeout 5 \
        >/dev/null 2>>"$T/agents.log" || true
done
"$AGENT" --config "$T/agents/A2/agent.ini" --once --timeout 60 2>>"$T/agents.log" || fail "final A2 run exited $?"
n=$("$CLI" reports --agency A2 --json | python3 -c 'import json,sys; print(max(r["seq"] for r in json.load(sys.stdin)["reports"]))')
"$CLI" reports --agency A2 --json | python3 -c '
import json, sys
seqs = sorted(r["seq"] for r in json.load(sys.stdin)["reports"])
assert seqs == list(range(1, len(seqs) + 1)), f"gaps or repeats: {seqs}"'
echo "figures: kills=$ROUNDS reports_queued=$n stored=$n lost=0 duplicates_applied=0"
echo "f500 passed"
