#!/usr/bin/env bash
# An agent whose state_dir (outbox and sequence numbers) was lost starts numbering again at 1,
# in a new outbox with a new identity. Its new reports must not be taken for resends of old ones
# and dropped: they are stored, and the latest view moves on.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/reg"
printf 'code,name,kind,parent,block\nMOF,Bộ Tài chính,ministry,,government\n' >"$T/reg/agencies.csv"
printf 'id,title,source,lead,deadline,assigned_on,group,difficulty\nNV-1,One,71/NQ-CP,MOF,2025-12-31,2025-01-01,,normal\n' >"$T/reg/tasks.csv"
collector_init "$T/reg"
collector_start
S="$T/agents/MOF/status.json"
agent_setup MOF "$S"
for d in 01 02; do
    printf '{"agency": "MOF", "as_of": "2025-12-%sT17:00:00+07:00", "tasks": [{"id": "NV-1", "state": "in_progress", "progress": %d}]}\n' $d $((10#$d * 10)) >"$S"
    "$AGENT" --config "$T/agents/MOF/agent.ini" --once --timeout 20 2>/dev/null
done
# The outbox is lost twice; each time the agent starts again at seq 1 and is still heard.
for d in 03 04; do
    rm -rf "$T/agents/MOF/state"
    printf '{"agency": "MOF", "as_of": "2025-12-%sT17:00:00+07:00", "tasks": [{"id": "NV-1", "state": "in_progress", "progress": %d}]}\n' $d $((10#$d * 10)) >"$S"
    "$AGENT" --config "$T/agents/MOF/agent.ini" --once --timeout 20 2>/dev/null || fail "report after reset exited $?"
    got=$("$CLI" tasks --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["progress"])')
    [ "$got" = $((10#$d * 10)) ] || fail "after a reset the latest progress is $got, want $((10#$d * 10))"
done
n=$("$CLI" reports --agency MOF --json | python3 -c 'import json,sys; r=json.load(sys.stdin)["reports"]; print(len(r), sorted(x["seq"] for x in r))')
[ "$n" = "4 [1, 1, 1, 2]" ] || fail "report log: $n"
echo "t1210 passed"
