#!/usr/bin/env bash
# Hostile clients: plaintext clients and garbage frames on both sockets get nothing and harm
# nothing; an unenrolled key gets nothing; an enrolled agent's garbage is refused with a reason;
# an agent key cannot query; credential files are 0600; the collector refuses a readable secret
# key; no secret appears in any log.
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/reg"
printf 'code,name,kind,parent,block\nMOF,Bộ Tài chính,ministry,,government\nHNI,Hà Nội,province,,government\nHNI-X01,Phường Ba Đình,commune,HNI,government\n' >"$T/reg/agencies.csv"
printf 'id,title,source,lead,deadline,assigned_on,group,difficulty\nNV-1,One,71/NQ-CP,MOF,2025-12-31,2025-01-01,,normal\nNV-2,Province task,71/NQ-CP,HNI,2025-12-31,2025-01-01,,normal\n' >"$T/reg/tasks.csv"
collector_init "$T/reg"
collector_start
agent_setup MOF "$T/agents/MOF/status.json"
agent_setup HNI-X01 "$T/agents/HNI-X01/status.json"
printf '{"agency": "MOF", "as_of": "2025-12-04T17:00:00+07:00", "tasks": [{"id": "NV-1", "state": "in_progress", "progress": 10}]}\n' >"$T/agents/MOF/status.json"
"$AGENT" --config "$T/agents/MOF/agent.ini" --once --timeout 20 2>>"$T/agents.log"
snapshot_state() { "$CLI" reports --agency MOF --json; "$CLI" tasks --json --as-of 2025-12-31; }
snapshot_state >"$T/before"

# Plaintext clients: no reply on either socket, whatever they send.
for ep in "$AGENTS_EP" "$QUERIES_EP"; do
    "$PROBE" "$ep" --random 300 --count 50 --wait-ms 1500 >"$T/p" 2>&1
    grep -qx "replies 0" "$T/p" || fail "plaintext client got a reply from $ep: $(cat "$T/p")"
done
# A CURVE client whose key is not enrolled: no reply either.
"$COLLECTOR" init --data "$T/other" >/dev/null
python3 - "$T/other/admin.cred" "$T/data/collector.key" "$T/stranger.cred" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
collector = re.search(r'public-key = "(.+)"', open(sys.argv[2]).read()).group(1)
text = re.sub(r'collector-key = ".*"', f'collector-key = "{collector}"', text)
open(sys.argv[3], "w").write(text)
PY
chmod 600 "$T/stranger.cred"
for ep in "$AGENTS_EP" "$QUERIES_EP"; do
    "$PROBE" "$ep" --cred "$T/stranger.cred" --random 300 --count 20 --wait-ms 1500 >"$T/p" 2>&1
    grep -qx "replies 0" "$T/p" || fail "unenrolled key got a reply from $ep: $(cat "$T/p")"
done
TIENDO_CREDENTIALS="$T/stranger.cred" "$CLI" --timeout 2 summary >/dev/null 2>&1 && fail "unenrolled key got an answer"

# An enrolled agent sending garbage: each frame refused with a reason, nothing stored.
"$PROBE" "$AGENTS_EP" --cred "$T/agents/MOF/agent.cred" --random 2000 --count 200 --seed 7 --wait-ms 3000 >"$T/p"
n=$(grep -c "^reply nack code=1 " "$T/p" || true)
[ "$n" -ge 150 ] || fail "garbage from an enrolled agent: $n refusals of 200: $(tail -3 "$T/p")"
# ... and on the query socket, garbage from an admin key gets refusals too.
"$PROBE" "$QUERIES_EP" --cred "$T/data/admin.cred" --random 500 --count 50 --wait-ms 2000 >"$T/p"
grep -q "^reply nack code=1 " "$T/p" || fail "garbage query got no refusal"
# The collector survived all of it, and nothing changed.
kill -0 "$COLLECTOR_PID" || fail "the collector died"
snapshot_state >"$T/after"
cmp -s "$T/before" "$T/after" || fail "hostile input changed what is stored"

# A commune's agent cannot report a province's task (item rejected, exit 2, nothing stored).
printf '{"agency": "HNI-X01", "as_of": "2025-12-04T17:00:00+07:00", "tasks": [{"id": "NV-2", "state": "done", "progress": 100, "completed_on": "2025-12-01"}]}\n' >"$T/agents/HNI-X01/status.json"
set +e; "$AGENT" --config "$T/agents/HNI-X01/agent.ini" --once --timeout 20 >"$T/out" 2>>"$T/agents.log"; rc=$?; set -e
[ $rc -eq 2 ] || fail "commune reporting a province's task exited $rc, want 2"
grep -q "rejected NV-2: task NV-2 is led by HNI, not HNI-X01" "$T/out" || fail "reason: $(cat "$T/out")"
"$CLI" tasks --json | python3 -c 'import json,sys; r={t["id"]: t for t in json.load(sys.stdin)["tasks"]}; assert r["NV-2"]["state"] is None'

# An agent key cannot query.
set +e; TIENDO_CREDENTIALS="$T/agents/MOF/agent.cred" "$CLI" summary 2>"$T/err"; rc=$?; set -e
[ $rc -eq 3 ] || fail "agent key querying exited $rc, want 3"
grep -q "agent keys cannot query" "$T/err" || fail "no clear refusal: $(cat "$T/err")"

# Operators: an operator key can query, is listed with its role; revoked, it gets nothing.
"$COLLECTOR" enroll --data "$T/data" --operator alice --out "$T/alice.cred" >/dev/null
TIENDO_CREDENTIALS="$T/alice.cred" "$CLI" summary --json >/dev/null
"$COLLECTOR" keys --data "$T/data" --json | python3 -c '
import json, sys
k = json.load(sys.stdin)["keys"]
roles = sorted((x["role"], x.get("agency") or x.get("operator")) for x in k)
assert ("operator", "alice") in roles and ("admin", "admin") in roles and ("agent", "MOF") in roles, roles'
"$COLLECTOR" revoke --data "$T/data" --operator alice >/dev/null
sleep 1.5
TIENDO_CREDENTIALS="$T/alice.cred" "$CLI" --timeout 2 summary >/dev/null 2>&1 && fail "revoked operator still answered"

# Credential files are 0600.
for f in "$T/data/admin.cred" "$T/data/collector.key" "$T/alice.cred" "$T/agents/MOF/agent.cred"; do
    [ "$(stat -c %a "$f")" = 600 ] || fail "$f has mode $(stat -c %a "$f")"
done
# The collector refuses to start with a secret key others may read, without printing it.
collector_stop
chmod 644 "$T/data/collector.key"
set +e; "$COLLECTOR" run --data "$T/data" --agents 'tcp://127.0.0.1:*' --queries 'tcp://127.0.0.1:*' --events off --http off 2>"$T/refuse.log"; rc=$?; set -e
chmod 600 "$T/data/collector.key"
[ $rc -ne 0 ] || fail "the collector started with a readable secret key"
grep -q "readable by others" "$T/refuse.log" || fail "no reason given: $(cat "$T/refuse.log")"

# No secret key text appears in any log.
for f in "$T/data/admin.cred" "$T/data/collector.key" "$T/alice.cred" "$T/agents/MOF/agent.cred"; do
    secret=$(sed -n 's/.*secret-key = "\(.*\)"/\1/p' "$f")
    [ -n "$secret" ] || fail "no secret found in $f"
    ! grep -qF -- "$secret" "$T"/*.log || fail "a secret key appears in a log"
done
echo "t1400 passed"
