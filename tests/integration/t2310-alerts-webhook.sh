#!/usr/bin/env bash
# Alert rules ([alert NAME] in the collector's configuration): an overdue task fires a webhook
# to a local receiver (which fails the first attempt, so the retry is exercised); an agent going
# silent runs a command with the event on its standard input; a rule whose receiver never
# answers is recorded as failed after its retries; min_interval holds back a second match; a
# filter keeps other agencies' events out. `tiendo alerts` lists every outcome. Bad rules are
# refused with FILE:LINE or the rule's name.
. "$(dirname "$0")/lib.sh"

DAY=2026-03-10
two_ministries "$T/reg"
cat >"$T/reg/tasks.csv" <<CSV
id,title,source,lead,deadline,assigned_on,group,difficulty
NV-1,Due today,71/NQ-CP,MOF,$DAY,2026-01-05,,normal
NV-2,Also due today,71/NQ-CP,MOF,$DAY,2026-01-05,,normal
NV-3,Done by BCA,71/NQ-CP,BCA,2026-12-31,2026-01-05,,hard
CSV
collector_init "$T/reg"

# The receiver: answers 500 to the first POST on /flaky, 200 otherwise, and keeps every body.
cat >"$T/receiver.py" <<'PY'
import http.server, json, sys
out, portfile = sys.argv[1], sys.argv[2]
seen = {}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        seen[self.path] = seen.get(self.path, 0) + 1
        status = 500 if self.path == "/flaky" and seen[self.path] == 1 else 200
        with open(out, "a") as f:
            f.write(json.dumps({"path": self.path, "status": status,
                                "type": self.headers["Content-Type"],
                                "body": json.loads(body)}) + "\n")
        self.send_response(status)
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_port))
import os; os.rename(portfile + ".tmp", portfile)
s.serve_forever()
PY
python3 "$T/receiver.py" "$T/hooks.jsonl" "$T/port" 2>"$T/receiver.log" &
PIDS+=($!)
wait_for 10 test -s "$T/port" || fail "receiver did not start"
PORT=$(cat "$T/port")
# A port nothing listens on, for the rule that must fail.
DEAD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# Bad rules: FILE:LINE for a bad key or value, the rule's name for a rule left incomplete.
bad() { # EXPECTED-MESSAGE INI-BODY
    printf '[collector]\ndata = %s\n%s\n' "$T/data" "$2" >"$T/bad.ini"
    set +e; "$COLLECTOR" run --config "$T/bad.ini" 2>"$T/err"; local rc=$?; set -e
    [ $rc -eq 1 ] && grep -qF "$1" "$T/err" || fail "bad rule: rc=$rc $(cat "$T/err"), expected $1"
}
bad "bad.ini:4: [alert x] event: event is not an event type" $'[alert x]\nevent = task.late'
bad "bad.ini:5: [alert x] webhook: webhook must be an http:// or https:// URL" \
    $'[alert x]\nevent = task\nwebhook = ftp://example'
bad "bad.ini:5: [alert x] min_interval: min_interval must be a whole number" \
    $'[alert x]\nevent = task\nmin_interval = soon'
bad "bad.ini:5: [alert x] filter: filter must be FIELD=VALUE" $'[alert x]\nevent = *\nfilter = MOF'
bad "bad.ini:5: [alert x] colour: unknown key" $'[alert x]\nevent = *\ncolour = red'
bad "bad.ini: [alert x] has neither a webhook nor a command" $'[alert x]\nevent = task.overdue'

cat >"$T/collector.ini" <<INI
[collector]
data = $T/data

[alert overdue]
event = task.overdue
filter = lead=MOF
min_interval = 3600
webhook = http://127.0.0.1:$PORT/flaky
retries = 2

[alert silent]
event = agent.silent
command = cat > "$T/cmd.\$TIENDO_EVENT_TYPE.json"

[alert completed]
event = task.completed
webhook = http://127.0.0.1:$DEAD/nobody
retries = 1
timeout = 2

[alert bca-only]
event = agent
filter = agency=BCA
webhook = http://127.0.0.1:$PORT/bca
INI
TIENDO_TEST_NOW="${DAY}T23:59:56+07:00" collector_start --config "$T/collector.ini"

# MOF reports every second, then dies; BCA completes NV-3 once.
AGENT_INTERVAL=1 agent_setup MOF "$T/agents/MOF/status.json"
printf '{"agency": "MOF", "as_of": "%sT10:00:00+07:00", "tasks": [{"id": "NV-1", "state": "in_progress", "progress": 60}]}\n' "$DAY" >"$T/agents/MOF/status.json"
"$AGENT" --config "$T/agents/MOF/agent.ini" 2>"$T/mof.log" &
mof=$!
PIDS+=($mof)
agent_setup BCA "$T/agents/BCA/status.json"
printf '{"agency": "BCA", "as_of": "%sT11:00:00+07:00", "tasks": [{"id": "NV-3", "state": "done", "progress": 100, "completed_on": "%s"}]}\n' "$DAY" "$DAY" >"$T/agents/BCA/status.json"
"$AGENT" --config "$T/agents/BCA/agent.ini" --once --timeout 20 >/dev/null

hooks() { [ -s "$T/hooks.jsonl" ] && [ "$(grep -c "\"$1\"" "$T/hooks.jsonl")" -ge "$2" ]; }
# Midnight: NV-1 and NV-2 become overdue at once; min_interval lets one webhook through. The
# first POST gets 500, the retry 200.
wait_for 20 hooks /flaky 2 || fail "no webhook for the overdue task: $(cat "$T/hooks.jsonl" 2>/dev/null)"
kill -9 $mof
wait_for 20 test -s "$T/cmd.agent.silent.json" || fail "the silent rule's command did not run"
alerts_done() { [ "$("$CLI" alerts --json | json_get count)" -ge 4 ]; }
wait_for 20 alerts_done || fail "alert log: $("$CLI" alerts --json)"
sleep 2 # anything further that might (wrongly) arrive

python3 - "$T/hooks.jsonl" "$T/cmd.agent.silent.json" <<'PY'
import json, sys
hooks = [json.loads(l) for l in open(sys.argv[1])]
flaky = [h for h in hooks if h["path"] == "/flaky"]
assert [h["status"] for h in flaky] == [500, 200], flaky        # one event, one retry
b = flaky[1]["body"]
assert flaky[1]["type"] == "application/json", flaky[1]
assert b["alert"] == "overdue" and b["event"]["type"] == "task.overdue", b
assert b["event"]["task"] in ("NV-1", "NV-2") and b["event"]["lead"] == "MOF", b
assert "is overdue" in b["text"], b
bca = [h["body"]["event"] for h in hooks if h["path"] == "/bca"]
assert bca and all(e["agency"] == "BCA" for e in bca), bca     # the filter kept MOF out
assert [e["type"] for e in bca] == ["agent.online"], bca
cmd = json.load(open(sys.argv[2]))
assert cmd["alert"] == "silent" and cmd["event"]["type"] == "agent.silent", cmd
assert cmd["event"]["agency"] == "MOF", cmd
PY
"$CLI" alerts --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
by = {}
for a in d["alerts"]:
    by.setdefault(a["rule"], []).append(a)
ids = [a["id"] for a in d["alerts"]]
assert ids == sorted(ids, reverse=True), ids                      # newest first
o = by["overdue"]
assert len(o) == 1 and o[0]["status"] == "delivered", o
assert o[0]["deliveries"][0]["attempts"] == 2 and o[0]["deliveries"][0]["ok"], o
s = by["silent"][0]
assert s["status"] == "delivered" and s["deliveries"][0]["to"] == "command", s
c = by["completed"][0]
assert c["status"] == "failed" and c["deliveries"][0]["attempts"] == 2, c
assert c["deliveries"][0]["error"], c
assert by["bca-only"][0]["status"] == "delivered", by
'
# The second overdue task matched the rule within min_interval: held back, counted later.
n=$("$CLI" alerts --json --rule overdue | json_get count)
[ "$n" = 1 ] || fail "min_interval: $n overdue alerts"
"$CLI" alerts --limit 2 --json | python3 -c '
import json, sys; assert json.load(sys.stdin)["count"] == 2'
"$CLI" alerts | head -1 | grep -q "RULE" || fail "alerts text table"
"$CLI" alerts --csv | head -1 | grep -qx "id,time,rule,event,status,suppressed_before,text" ||
    fail "alerts --csv header: $("$CLI" alerts --csv | head -1)"
set +e; "$CLI" alerts --limit 0 2>"$T/err"; rc=$?; set -e
[ $rc -eq 1 ] && grep -q "limit" "$T/err" || fail "alerts --limit 0: rc=$rc"
grep -q 'alert delivery failed.*rule=completed' "$T/collector.log" || fail "failed delivery not logged"
kill -0 "$COLLECTOR_PID" || fail "the collector died"
echo "t2310 passed"
