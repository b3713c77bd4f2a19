#!/usr/bin/env bash
# A flooding agent is refused with a clear reason once over its rate; the collector stays up and
# the agent is served again once it slows down.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/reg"
printf 'code,name,kind,parent,block\nMOF,Bộ Tài chính,ministry,,government\n' >"$T/reg/agencies.csv"
printf 'id,title,source,lead,deadline,assigned_on,group,difficulty\nNV-1,One,71/NQ-CP,MOF,2025-12-31,2025-01-01,,normal\n' >"$T/reg/tasks.csv"
collector_init "$T/reg"
collector_start --rate-limit 10
agent_setup MOF "$T/agents/MOF/status.json"
"$PROBE" "$AGENTS_EP" --cred "$T/agents/MOF/agent.cred" --random 50 --count 600 --wait-ms 3000 >"$T/p"
limited=$(grep -c "^reply nack code=4 reason=too many messages: at most 10 per second" "$T/p" || true)
[ "$limited" -ge 300 ] || fail "only $limited of 600 refused for rate"
note "$limited of 600 messages refused for rate"
sleep 2
printf '{"agency": "MOF", "as_of": "2025-12-04T17:00:00+07:00", "tasks": [{"id": "NV-1", "state": "in_progress", "progress": 10}]}\n' >"$T/agents/MOF/status.json"
"$AGENT" --config "$T/agents/MOF/agent.ini" --once --timeout 20 || fail "not served again after slowing down"
echo "t1420 passed"
