#!/usr/bin/env bash
# Revocation takes effect without a restart: a running agent daemon is cut off (its live
# connection closed), its next report is not stored, and --once can no longer deliver; the
# collector process is the same throughout, and other agents carry on.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/reg"
printf 'code,name,kind,parent,block\nMOF,Bộ Tài chính,ministry,,government\nBCA,Bộ Công an,ministry,,government\n' >"$T/reg/agencies.csv"
printf 'id,title,source,lead,deadline,assigned_on,group,difficulty\nNV-1,One,71/NQ-CP,MOF,2025-12-31,2025-01-01,,normal\nNV-2,Two,71/NQ-CP,BCA,2025-12-31,2025-01-01,,normal\n' >"$T/reg/tasks.csv"
collector_init "$T/reg"
collector_start
pid=$COLLECTOR_PID
status() { printf '{"agency": "%s", "as_of": "2025-12-%02dT17:00:00+07:00", "tasks": [{"id": "%s", "state": "in_progress", "progress": %d}]}\n' "$1" "$2" "$3" "$2" >"$4.tmp"; mv "$4.tmp" "$4"; }
count() { "$CLI" reports --agency "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["reports"]))'; }
has_count() { [ "$(count "$1")" = "$2" ]; }
agent_setup MOF "$T/agents/MOF/status.json"
agent_setup BCA "$T/agents/BCA/status.json"
status MOF 1 NV-1 "$T/agents/MOF/status.json"
"$AGENT" --config "$T/agents/MOF/agent.ini" 2>"$T/mof.log" &
PIDS+=($!)
wait_for 20 has_count MOF 1 || fail "first report not stored"

"$COLLECTOR" revoke --data "$T/data" --agency MOF >/dev/null
sleep 2 # the collector checks keys every second
status MOF 2 NV-1 "$T/agents/MOF/status.json"
sleep 4
[ "$(count MOF)" = 1 ] || fail "a revoked agent's report was stored"
set +e; "$AGENT" --config "$T/agents/MOF/agent.ini" --once --timeout 3 2>/dev/null; rc=$?; set -e
[ $rc -eq 75 ] || fail "revoked --once exited $rc, want 75 (no service, no reply)"
[ "$(count MOF)" = 1 ] || fail "a revoked agent's report was stored"
grep -q "a key was revoked: closing all connections" "$T/collector.log" || fail "connections were not closed"
[ "$COLLECTOR_PID" = "$pid" ] && kill -0 "$pid" || fail "the collector restarted"

# Other agents carry on after the sockets were reopened.
status BCA 3 NV-2 "$T/agents/BCA/status.json"
"$AGENT" --config "$T/agents/BCA/agent.ini" --once --timeout 20 || fail "another agent was cut off"
# Re-enrolled with a new key, MOF reports again.
"$COLLECTOR" enroll --data "$T/data" --agency MOF --out "$T/agents/MOF/agent.cred" >/dev/null
"$AGENT" --config "$T/agents/MOF/agent.ini" --once --timeout 20 || fail "re-enrolled MOF could not report"
[ "$(count MOF)" = 2 ] || fail "re-enrolled MOF's report: count $(count MOF)"
"$COLLECTOR" keys --data "$T/data" | grep -c "agent" | grep -qx 3 || fail "keys should list 3 agent keys"
echo "t1410 passed"
