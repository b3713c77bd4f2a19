#!/usr/bin/env bash
# The agent's --once exit codes: 1 for an invalid status file (FILE:LINE:COLUMN, nothing sent),
# 2 for rejected items (each printed), 3 for a report for another agency, 75 when unreached;
# none of them changes what is stored.
. "$(dirname "$0")/lib.sh"

two_ministries "$T/reg"
cat >"$T/reg/tasks.csv" <<'CSV'
id,title,source,lead,deadline,assigned_on,group,difficulty
NV-0001,One,71/NQ-CP,MOF,2025-12-31,2025-01-01,,normal
NV-0002,Two,71/NQ-CP,MOF,2025-10-31,2025-01-01,,normal
NV-0009,Police task,71/NQ-CP,BCA,2025-12-31,2025-01-01,,normal
CSV
collector_init "$T/reg"
collector_start
S="$T/agents/MOF/status.json"
agent_setup MOF "$S"
run_agent() { set +e; "$AGENT" --config "$T/agents/MOF/agent.ini" --once --timeout "${1:-20}" >"$T/out" 2>"$T/err"; rc=$?; set -e; }
stored() { "$CLI" reports --agency MOF --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["reports"]))'; }

# 1: invalid status file.
printf '{"agency": "MOF", "as_of": "2025-12-04T17:00:00+07:00",\n "tasks": [{"id": "NV-0001", "state": "in_progress", "progress": 120}]}\n' >"$S"
run_agent
cat "$T/err"
[ $rc -eq 1 ] || fail "invalid status exited $rc, want 1"
grep -Eq "status.json:2:[0-9]+: .*progress" "$T/err" || fail "no FILE:LINE:COLUMN error"
[ "$(stored)" = 0 ] || fail "an invalid file was sent"

# 2: an item for another agency's task and an unknown task are rejected; the rest is stored.
cat >"$S" <<'JSON'
{"agency": "MOF", "as_of": "2025-12-04T17:00:00+07:00",
 "tasks": [{"id": "NV-0001", "state": "done", "progress": 100, "completed_on": "2025-11-20"},
           {"id": "NV-0009", "state": "done", "progress": 100, "completed_on": "2025-11-20"},
           {"id": "NV-4040", "state": "in_progress", "progress": 10}]}
JSON
run_agent
cat "$T/out"
[ $rc -eq 2 ] || fail "rejected items exited $rc, want 2"
grep -q "rejected NV-0009: task NV-0009 is led by BCA, not MOF" "$T/out" || fail "NV-0009 reason"
grep -q "rejected NV-4040: task NV-4040 is not registered" "$T/out" || fail "NV-4040 reason"
"$CLI" tasks --as-of 2025-12-04 --json >"$T/t.json"
python3 - "$T/t.json" <<'PY'
import json, sys
rows = {r["id"]: r for r in json.load(open(sys.argv[1]))["tasks"]}
assert rows["NV-0001"]["class"] == "completed", rows["NV-0001"]
assert rows["NV-0009"]["state"] is None, "another agency's item was stored"
PY

# 3: a report that names another agency is refused whole.
sed -e 's/"MOF"/"BCA"/' -e 's/NV-0001/NV-0009/' "$S" | python3 -c '
import json,sys; d=json.load(sys.stdin); d["tasks"]=d["tasks"][:1]; d["as_of"]="2025-12-05T17:00:00+07:00"; print(json.dumps(d))' >"$S.new"
mv "$S.new" "$S"
run_agent
cat "$T/err"
[ $rc -eq 3 ] || fail "report for another agency exited $rc, want 3"
grep -q "report names agency BCA but this key is enrolled for MOF" "$T/err" || fail "reason missing"
"$CLI" tasks --as-of 2025-12-06 --json | python3 -c '
import json,sys; rows={r["id"]: r for r in json.load(sys.stdin)["tasks"]}; assert rows["NV-0009"]["state"] is None, rows["NV-0009"]'
[ "$(stored)" = 1 ] || fail "stored reports: $(stored), want 1"

# 75: the collector is down; the report stays queued and is delivered on the next run.
printf '{"agency": "MOF", "as_of": "2025-12-06T17:00:00+07:00", "tasks": [{"id": "NV-0002", "state": "in_progress", "progress": 50}]}\n' >"$S"
collector_stop
run_agent 2
[ $rc -eq 75 ] || fail "unreached collector exited $rc, want 75"
collector_restart_same_ports
run_agent 20
[ $rc -eq 0 ] || fail "delivery after restart exited $rc: $(cat "$T/err")"
[ "$(stored)" = 2 ] || fail "stored reports after restart: $(stored), want 2"
echo "t1200 passed"
