#!/usr/bin/env bash
# tiendo watch: live events from a real collector. The collector's clock starts 6 s before
# midnight (TIENDO_TEST_NOW), so that a task due that day becomes overdue while the test
# watches: the scan by the clock must publish task.overdue within seconds of midnight with no
# report arriving. An agent with a 1 s interval that is killed must show agent.late and then
# agent.silent within seconds. A completed task, a rejected item and an obstacle opened and
# resolved are published too; --filter keeps only the types asked for; only operator keys may
# watch.
. "$(dirname "$0")/lib.sh"

DAY=2026-03-10
two_ministries "$T/reg"
cat >"$T/reg/tasks.csv" <<CSV
id,title,source,lead,deadline,assigned_on,group,difficulty
NV-1,Due today,71/NQ-CP,MOF,$DAY,2026-01-05,,normal
NV-2,Due later,71/NQ-CP,MOF,2026-12-31,2026-01-05,,normal
NV-3,Done by BCA,71/NQ-CP,BCA,2026-12-31,2026-01-05,,hard
CSV
collector_init "$T/reg"
TIENDO_TEST_NOW="${DAY}T23:59:54+07:00" collector_start
[ -n "$EVENTS_EP" ] || fail "DATA/endpoints has no events= line"
# Midnight by the collector's clock, in this machine's clock (the offset is fixed at start).
midnight=$(($(date +%s) + 6))

"$CLI" watch --json --events "$EVENTS_EP" >"$T/all.jsonl" 2>"$T/watch-all.err" &
PIDS+=($!)
export TIENDO_EVENTS="$EVENTS_EP" # the endpoint of the watches below
"$CLI" watch --json --filter agent.silent,task.overdue >"$T/some.jsonl" 2>"$T/watch-some.err" &
PIDS+=($!)
"$CLI" watch >"$T/text.txt" 2>"$T/watch-text.err" &
PIDS+=($!)
sleep 1 # subscriptions reach the collector (PUB drops what no one has subscribed to yet)

has() { # FILE TYPE [FIELD VALUE]: the file holds an event of TYPE (with FIELD == VALUE)
    python3 - "$@" <<'PY'
import json, sys
f, t = sys.argv[1], sys.argv[2]
for line in open(f):
    e = json.loads(line)
    if e["type"] == t and (len(sys.argv) < 5 or str(e.get(sys.argv[3])) == sys.argv[4]):
        sys.exit(0)
sys.exit(1)
PY
}

# MOF's agent reports every second: NV-1 in progress, an obstacle open.
AGENT_INTERVAL=1 agent_setup MOF "$T/agents/MOF/status.json"
cat >"$T/agents/MOF/status.json" <<JSON
{"agency": "MOF", "as_of": "${DAY}T10:00:00+07:00",
 "tasks": [{"id": "NV-1", "state": "in_progress", "progress": 60},
           {"id": "NV-2", "state": "in_progress", "progress": 10}],
 "obstacles": [{"id": "OB-1", "category": "funding", "description": "Vốn chưa được giao",
                "state": "open", "reported_on": "$DAY"}]}
JSON
"$AGENT" --config "$T/agents/MOF/agent.ini" 2>"$T/mof.log" &
mof=$!
PIDS+=($mof)
wait_for 10 has "$T/all.jsonl" agent.online agency MOF || fail "no agent.online for MOF"
wait_for 10 has "$T/all.jsonl" obstacle.opened obstacle OB-1 || fail "no obstacle.opened"

# BCA reports NV-3 done, and an item for a task it does not lead (rejected).
agent_setup BCA "$T/agents/BCA/status.json"
cat >"$T/agents/BCA/status.json" <<JSON
{"agency": "BCA", "as_of": "${DAY}T11:00:00+07:00",
 "tasks": [{"id": "NV-3", "state": "done", "progress": 100, "completed_on": "$DAY"},
           {"id": "NV-2", "state": "done", "progress": 100, "completed_on": "$DAY"}]}
JSON
set +e; "$AGENT" --config "$T/agents/BCA/agent.ini" --once --timeout 20 >"$T/bca.log" 2>&1; rc=$?; set -e
[ $rc -eq 2 ] || fail "BCA's report with another agency's task: exit $rc, expected 2"
wait_for 5 has "$T/all.jsonl" task.completed task NV-3 || fail "no task.completed for NV-3"
wait_for 5 has "$T/all.jsonl" report.rejected agency BCA || fail "no report.rejected for BCA"
python3 - "$T/all.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
c = [e for e in ev if e["type"] == "task.completed"][0]
assert c["task"] == "NV-3" and c["lead"] == "BCA" and c["on_time"] is True, c
r = [e for e in ev if e["type"] == "report.rejected"][0]
assert r["items_rejected"] == 1 and r["code"] == "items" and "NV-2" in r["reason"] + r["text"], r
assert not [e for e in ev if e["type"] == "task.completed" and e["task"] == "NV-2"], ev
seqs = [e["seq"] for e in ev]
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
PY

# Midnight passes by the clock: NV-1 (in progress, due that day) becomes overdue with no report.
wait_for 15 has "$T/all.jsonl" task.overdue task NV-1 || fail "no task.overdue for NV-1"
seen=$(date +%s)
[ $((seen - midnight)) -le 4 ] || fail "task.overdue came $((seen - midnight)) s after midnight"
python3 - "$T/all.jsonl" "$DAY" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["type"] == "task.overdue"]
assert [e["task"] for e in ev] == ["NV-1"], ev            # NV-2 (due later) is not overdue
e = ev[0]
assert e["lead"] == "MOF" and e["deadline"] == sys.argv[2] and e["days_overdue"] == 1, e
assert e["time"] >= sys.argv[2] and "T00:00:0" in e["time"], e  # published at midnight (+7)
PY
note "task.overdue seen $((seen - midnight)) s after midnight"

# The obstacle is resolved in a later report.
sed -i 's/"state": "open", "reported_on": "'$DAY'"/"state": "resolved", "reported_on": "'$DAY'", "resolved_on": "'$DAY'"/; s/T10:00:00/T12:00:00/' \
    "$T/agents/MOF/status.json"
wait_for 10 has "$T/all.jsonl" obstacle.resolved obstacle OB-1 || fail "no obstacle.resolved"

# MOF's agent dies: late after 2 missed intervals, silent after 6.
kill -9 $mof
killed=$(date +%s)
wait_for 10 has "$T/all.jsonl" agent.late agency MOF || fail "no agent.late for MOF"
wait_for 15 has "$T/all.jsonl" agent.silent agency MOF || fail "no agent.silent for MOF"
silent=$(date +%s)
[ $((silent - killed)) -le 10 ] || fail "agent.silent came $((silent - killed)) s after the kill"
note "agent.silent seen $((silent - killed)) s after the kill (interval 1 s: silent after 6)"

# --filter: only what was asked for, in the same order as the full stream.
wait_for 5 has "$T/some.jsonl" agent.silent || fail "the filtered watch missed agent.silent"
python3 - "$T/all.jsonl" "$T/some.jsonl" <<'PY'
import json, sys
full = [json.loads(l) for l in open(sys.argv[1])]
some = [json.loads(l) for l in open(sys.argv[2])]
want = [e for e in full if e["type"] in ("agent.silent", "task.overdue")]
assert some == want, (some, want)
PY
# Text form: one line per event with its time, type and a sentence.
grep -q "task.overdue  *task NV-1 (lead MOF) is overdue: due $DAY" "$T/text.txt" ||
    fail "text watch: $(cat "$T/text.txt")"

# Who may watch: not an agent key (refused locally), not a revoked operator (refused by the
# collector's ZAP handler), not a bad filter.
set +e
timeout 10 "$CLI" --credentials "$T/agents/BCA/agent.cred" watch 2>"$T/err"; rc=$?
set -e
[ $rc -eq 3 ] && grep -q "agent keys cannot watch" "$T/err" || fail "agent key: rc=$rc $(cat "$T/err")"
"$COLLECTOR" enroll --data "$T/data" --operator gone --out "$T/gone.cred" >/dev/null
"$COLLECTOR" revoke --data "$T/data" --operator gone >/dev/null
sleep 1.5
set +e
timeout 10 "$CLI" --credentials "$T/gone.cred" watch 2>"$T/err"; rc=$?
set -e
[ $rc -eq 3 ] && grep -q "refused this credential" "$T/err" || fail "revoked operator: rc=$rc $(cat "$T/err")"
set +e; "$CLI" watch --filter task.late 2>"$T/err"; rc=$?; set -e
[ $rc -eq 2 ] && grep -q 'not an event type' "$T/err" || fail "bad filter: rc=$rc $(cat "$T/err")"
kill -0 "$COLLECTOR_PID" || fail "the collector died"
echo "t2300 passed"
