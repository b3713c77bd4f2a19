#!/usr/bin/env bash
# tiendo agents: an agent is online while it keeps in touch, late after 2 missed intervals,
# silent after 6; the collector keeps last contact, last report as_of, seq, interval, outbox
# depth. tiendo reports lists each stored report.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/reg"
printf 'code,name,kind,parent,block\nMOF,Bộ Tài chính,ministry,,government\nBCA,Bộ Công an,ministry,,government\n' >"$T/reg/agencies.csv"
printf 'id,title,source,lead,deadline,assigned_on,group,difficulty\nNV-1,One,71/NQ-CP,MOF,2025-12-31,2025-01-01,,normal\nNV-2,Two,71/NQ-CP,BCA,2025-12-31,2025-01-01,,normal\n' >"$T/reg/tasks.csv"
collector_init "$T/reg"
collector_start
AGENT_INTERVAL=1 agent_setup MOF "$T/agents/MOF/status.json"
agent_setup BCA "$T/agents/BCA/status.json"
printf '{"agency": "MOF", "as_of": "2025-12-04T17:00:00+07:00", "tasks": [{"id": "NV-1", "state": "in_progress", "progress": 10}]}\n' >"$T/agents/MOF/status.json"
printf '{"agency": "BCA", "as_of": "2025-12-03T17:00:00+07:00", "tasks": [{"id": "NV-2", "state": "in_progress", "progress": 10}]}\n' >"$T/agents/BCA/status.json"
"$AGENT" --config "$T/agents/MOF/agent.ini" 2>"$T/mof.log" &
mof=$!
PIDS+=($mof)
"$AGENT" --config "$T/agents/BCA/agent.ini" --once --timeout 20

state_of() { "$CLI" agents --agency "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["agents"][0]["state"])'; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }
wait_for 20 is_state MOF online || fail "MOF never online"
"$CLI" agents --agency MOF --json | python3 -c '
import json, sys
a = json.load(sys.stdin)["agents"][0]
assert a["interval_s"] == 1 and a["last_seq"] == 1 and a["reports"] == 1, a
assert a["last_report_as_of"] == "2025-12-04T17:00:00+07:00", a
assert a["outbox_depth"] == 1 and a["thinned"] == 0, a'
# Still online 4 s later: the daemon keeps in touch every interval.
sleep 4
is_state MOF online || fail "MOF went $(state_of MOF) while its agent runs"
kill -9 $mof
wait_for 10 is_state MOF late || fail "MOF not late after 2 missed intervals: $(state_of MOF)"
wait_for 15 is_state MOF silent || fail "MOF not silent after 6 missed intervals: $(state_of MOF)"
"$CLI" agents --state silent --json | python3 -c '
import json, sys
assert [a["agency"] for a in json.load(sys.stdin)["agents"]] == ["MOF"]'
"$CLI" agents --state online | grep -q BCA || fail "BCA (interval 60) should be online"
"$CLI" agents --state sleeping >/dev/null 2>&1 && fail "a bad --state was accepted"

# reports: one row per stored report, with since.
"$CLI" reports --agency MOF --json | python3 -c '
import json, sys
r = json.load(sys.stdin)["reports"]
assert len(r) == 1 and r[0]["seq"] == 1 and r[0]["accepted"] == 1 and r[0]["rejected"] == 0, r'
"$CLI" reports --agency MOF --since 2099-01-01 --json | python3 -c '
import json, sys; assert json.load(sys.stdin)["reports"] == []'
"$CLI" reports --agency MOF --csv | head -1 | grep -qx "seq,as_of,received_at,accepted,rejected,key" || fail "reports --csv header"
set +e; "$CLI" reports --agency NOPE 2>"$T/err"; rc=$?; set -e
[ $rc -eq 1 ] && grep -q 'not a registered agency' "$T/err" || fail "unknown agency: rc=$rc $(cat "$T/err")"
echo "t1300 passed"
