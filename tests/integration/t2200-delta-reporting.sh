#!/usr/bin/env bash
# Delta reporting end to end. Real agents of 20 agencies deliver their snapshots (four dates of
# generated status files, for half of them the second again after the third, so that as_of goes
# back, and last a copy of the fourth with only a later as_of), first as delta reports to one
# collector, then with
# `delta_reports = no` to a fresh one. Every answer (summary, tasks, sections, agency, reports,
# history, agents) at every date must be the same, and the summaries must equal the oracle's.
# The unchanged status must have cost at most 200 bytes. Then the collector loses the base (its
# store is restored from a backup) and the agent recovers by sending the report whole.
. "$(dirname "$0")/lib.sh"

D1=2025-10-02 D2=2025-10-30 D3=2025-11-20 D4=2025-12-04
D5=2025-12-05 # the copy of D4 with a later as_of: nothing changed but the date
D6=2025-12-08 D7=2025-12-11 # the lost base
LOOPS=4

"$SIM" generate --out "$T/gen" --seed 11 --communes 24 --commune-provinces 2 \
    --dates "$D1,$D2,$D3,$D4" >/dev/null
# Twenty agencies of every kind deliver; the others' files go, so that the oracle agrees. Each
# line of codes: loop, code, order of dates.
python3 - "$T/gen" "$D4" "$D5" "$LOOPS" >"$T/codes" <<'PY'
import csv, json, os, sys
gen, d4, d5, loops = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
kinds = {r["code"]: r["kind"] for r in csv.DictReader(open(os.path.join(gen, "agencies.csv")))}
have = sorted(f[:-5] for f in os.listdir(os.path.join(gen, "status", d4)))
keep = ([c for c in have if kinds[c] in ("ministry", "agency")][:9] +
        [c for c in have if kinds[c] == "province"][:3] +
        [c for c in have if kinds[c] == "commune"][:8])
for d in os.listdir(os.path.join(gen, "status")):
    for f in os.listdir(os.path.join(gen, "status", d)):
        if f[:-5] not in keep:
            os.remove(os.path.join(gen, "status", d, f))
os.makedirs(os.path.join(gen, "status", d5))
for c in keep:
    doc = json.load(open(os.path.join(gen, "status", d4, c + ".json"), encoding="utf-8"))
    doc["as_of"] = doc["as_of"].replace(d4, d5)
    with open(os.path.join(gen, "status", d5, c + ".json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
for i, c in enumerate(keep):
    # Every other agency delivers D2 again after D3: a report whose as_of goes back.
    order = "D1 D2 D3 D4 D5" if i % 2 == 0 else "D1 D2 D3 D2 D4 D5"
    print(i % loops, c, order)
PY
# The tasks these agencies report on, for their histories.
python3 - "$T/gen" >"$T/tasks" <<'PY'
import glob, json, sys
ids = {t["id"] for p in glob.glob(sys.argv[1] + "/status/*/*.json")
       for t in json.load(open(p, encoding="utf-8")).get("tasks", [])}
print(" ".join(sorted(ids)[:80]))
PY
note "$(wc -l <"$T/codes") agencies, histories of $(wc -w <"$T/tasks") tasks"

# One loop delivers its agencies' snapshots in order, each with --once and a debug log.
deliver() {
    local loop=$1 l code order d
    while read -r l code order; do
        [ "$l" = "$loop" ] || continue
        agent_setup "$code" "$T/agents/$code/status.json"
        # In [agent], the first line; probe sections follow.
        if [ "$DELTA" = no ]; then sed -i '1a delta_reports = no' "$T/agents/$code/agent.ini"; fi
        for d in $order; do
            d=${!d}
            [ -f "$T/gen/status/$d/$code.json" ] || continue
            cp "$T/gen/status/$d/$code.json" "$T/agents/$code/status.json"
            "$AGENT" --config "$T/agents/$code/agent.ini" --once --timeout 30 -v \
                >>"$T/agent.$code.log" 2>&1 ||
                { echo "agent $code exited $? for $d"; tail -n 20 "$T/agent.$code.log"; return 1; }
        done
    done <"$T/codes"
}

DATES="2025-09-30 $D1 2025-10-15 $D2 $D3 2025-11-25 $D4 $D5 2025-12-31"
# Every answer the store gives, into directory $1, without what differs between two runs
# (received_at, last contact, keys, liveness).
answers() {
    local out=$1 d q code
    mkdir -p "$out"
    for d in $DATES; do
        for q in summary tasks infra services databases funding obstacles; do
            "$CLI" "$q" --as-of "$d" --json >"$out/$q.$d.json"
        done
    done
    while read -r _ code _; do
        "$CLI" agency "$code" --as-of "$D5" --json >"$out/agency.$code.json"
        "$CLI" agency "$code" --as-of "$D2" --json >"$out/agency.$code.$D2.json"
        "$CLI" reports --agency "$code" --json >"$out/reports.$code.json"
        for q in services databases obstacles funding infrastructure; do
            "$CLI" history --agency "$code" --section "$q" --json >"$out/history.$code.$q.json"
        done
    done <"$T/codes"
    for task in $(cat "$T/tasks"); do
        "$CLI" history --task "$task" --json
    done >"$out/history.tasks.json"
    "$CLI" agents --json >"$out/agents.json"
    python3 - "$out" <<'PY'
import json, os, sys
VOLATILE = {"received_at", "last_contact", "now", "key"}
def strip(v, parent=""):
    if isinstance(v, dict):
        return {k: strip(x, k) for k, x in v.items()
                if k not in VOLATILE and not (parent == "agents" and k == "state")}
    if isinstance(v, list):
        rows = [strip(x, parent) for x in v]
        # Agents are listed by key, and keys differ between two runs.
        return sorted(rows, key=lambda r: r.get("agency", "")) if parent == "agents" else rows
    return v
d = sys.argv[1]
for name in os.listdir(d):
    p = os.path.join(d, name)
    text = open(p, encoding="utf-8").read()
    docs = []
    dec = json.JSONDecoder()
    i = 0
    while i < len(text):
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            break
        doc, i = dec.raw_decode(text, i)
        docs.append(strip(doc))
    json.dump(docs, open(p, "w", encoding="utf-8"), ensure_ascii=False, sort_keys=True, indent=1)
PY
}

# ---- delta reports ----
collector_init "$T/gen"
collector_start
DELTA=yes
started=$SECONDS
run_parallel "$LOOPS" deliver
note "delta reports delivered in $((SECONDS - started)) s"
answers "$T/delta"

# Deltas were sent (a report goes whole when that is smaller), and the unchanged status cost
# at most 200 bytes; reports whose as_of went back went whole.
python3 - "$T" "$D5" "$D2" <<'PY' || fail "delta reports"
import glob, re, sys
t, d5, d2 = sys.argv[1], sys.argv[2], sys.argv[3]
LINE = re.compile(r'msg="sent a report" seq=(\d+) as_of=(\S+) bytes=(\d+) items=(\d+) '
                  r'removed=(\d+) delta=(yes|no) base=(\d+)')
deltas = changed = unchanged = back = 0
biggest = 0
for log in sorted(glob.glob(f"{t}/agent.*.log")):
    code = log.split("agent.")[1][:-4]
    sent = [m.groups() for m in map(LINE.search, open(log, encoding="utf-8")) if m]
    if not sent:
        sys.exit(f"{code}: no 'sent a report' line at debug level")
    if sent[0][5] != "no":
        sys.exit(f"{code}: the first report went as a delta: {sent[0]}")
    deltas += sum(1 for s in sent if s[5] == "yes")
    changed += sum(1 for s in sent if s[5] == "yes" and s[3] != "0")
    last = [s for s in sent if s[1].startswith(d5)]
    if not last or last[0][5] != "yes" or last[0][3] != "0" or last[0][4] != "0":
        sys.exit(f"{code}: the unchanged status did not go as an empty delta: {last}")
    if int(last[0][2]) > 200:
        sys.exit(f"{code}: the unchanged status took {last[0][2]} bytes, more than 200")
    biggest = max(biggest, int(last[0][2]))
    unchanged += 1
    seqs = [s[0] for s in sent]
    if len(set(seqs)) == 6:  # D2 again after D3: seq 4 went whole, as_of going back
        if sent[3][5] != "no" or not sent[3][1].startswith(d2):
            sys.exit(f"{code}: the report whose as_of went back: {sent[3]}")
        back += 1
# The generated snapshots are weeks apart and most items move between them: a delta is often no
# smaller than the whole report, which then goes whole.
if back == 0 or changed < 5:
    sys.exit(f"too few cases: {changed} deltas with changes, {back} reports going back")
print(f"ok: {deltas} delta reports, {changed} with changes; unchanged status at most "
      f"{biggest} bytes ({unchanged} agencies); {back} reports whose as_of went back went whole")
PY

# The summaries are the oracle's at every date.
for d in $DATES; do
    python3 "$EXPECTED" "$T/gen" --as-of "$d" >"$T/want.json"
    python3 - "$T/delta/summary.$d.json" "$T/want.json" "$d" <<'PY' || exit 1
import json, sys
got, want = json.load(open(sys.argv[1]))[0], json.load(open(sys.argv[2]))
bad = {k: (got.get(k), v) for k, v in want.items() if k != "as_of" and got.get(k) != v}
if bad:
    sys.exit(f"summary {sys.argv[3]}: got != want for {bad}")
print(f"ok summary {sys.argv[3]} = oracle: total={want['total']} unreported={want['unreported']}")
PY
done
collector_stop
mv "$T/data" "$T/data.delta"
mv "$T/agents" "$T/agents.delta"
mkdir "$T/logs.delta"
mv "$T"/agent.*.log "$T/logs.delta/"

# ---- the same snapshots, whole, to a fresh collector ----
collector_init "$T/gen"
collector_start
DELTA=no
run_parallel "$LOOPS" deliver
answers "$T/whole"
if grep -h 'msg="sent a report"' "$T"/agent.*.log | grep -q 'delta=yes'; then
    fail "an agent with delta_reports = no sent a delta report"
fi
collector_stop
python3 - "$T/delta" "$T/whole" <<'PY' || fail "answers differ between delta and whole reports"
import filecmp, os, sys
a, b = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(a))
assert names == sorted(os.listdir(b)), "different sets of answers"
bad = [n for n in names if not filecmp.cmp(os.path.join(a, n), os.path.join(b, n), shallow=False)]
for n in bad[:5]:
    os.system(f"diff {os.path.join(a, n)} {os.path.join(b, n)} | head -20")
if bad:
    sys.exit(f"{len(bad)} of {len(names)} answers differ: {bad[:10]}")
print(f"ok: {len(names)} answers identical")
PY

# ---- the collector loses the base ----
rm -rf "$T/data" "$T/agents"
mv "$T/data.delta" "$T/data"
mv "$T/agents.delta" "$T/agents"
# The first agency delivering in date order whose status has tasks; its agent is pointed at the
# collector's ports of now.
CODE=$(python3 - "$T/gen/status/$D5" "$T/codes" <<'PY'
import json, sys
for line in open(sys.argv[2]):
    _, code, order = line.split(maxsplit=2)
    doc = json.load(open(f"{sys.argv[1]}/{code}.json", encoding="utf-8"))
    if doc.get("tasks") and order.split() == ["D1", "D2", "D3", "D4", "D5"]:
        print(code)
        break
PY
)
[ -n "$CODE" ] || fail "no agency with tasks delivering in order"
S="$T/agents/$CODE/status.json"
sed -i "s|^collector = .*|collector = $AGENTS_EP|" "$T/agents/$CODE/agent.ini"
# Snapshots D6 and D7: the D5 file, later, with the first task moving each time.
snapshot() { # DATE PROGRESS
    python3 - "$T/gen/status/$D5/$CODE.json" "$D5" "$1" "$2" >"$S.tmp" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
doc["as_of"] = doc["as_of"].replace(sys.argv[2], sys.argv[3])
doc["tasks"][0].update(state="in_progress", progress=int(sys.argv[4]))
doc["tasks"][0].pop("completed_on", None)
print(json.dumps(doc, ensure_ascii=False))
PY
    mv "$S.tmp" "$S"
}
once() {
    "$AGENT" --config "$T/agents/$CODE/agent.ini" --once --timeout 30 -v >>"$T/lost.log" 2>&1 ||
        fail "agent $CODE exited $? ($(tail -n 5 "$T/lost.log"))"
}
restart() {
    rm -f "$T/data/endpoints"
    collector_restart_same_ports
    wait_for 20 test -s "$T/data/endpoints" || fail "collector did not restart"
}
cp -a "$T/data" "$T/backup" # the store now, with the agent's D5 report
restart
snapshot "$D6" 31
once
collector_stop
rm -rf "$T/data"
mv "$T/backup" "$T/data" # restored: the D6 report, the base of the next delta, is gone
restart
snapshot "$D7" 47
once
python3 - "$T/lost.log" "$D7" <<'PY' || fail "recovery from a lost base"
import re, sys
log, d7 = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
sent = re.findall(r'msg="sent a report" seq=(\d+) as_of=(\S+) bytes=\d+ items=\d+ removed=\d+ '
                  r'delta=(yes|no) base=(\d+)', log)
mine = [s for s in sent if s[1].startswith(d7)]
if len(mine) != 2 or mine[0][2] != "yes" or mine[1][2] != "no" or mine[0][0] != mine[1][0]:
    sys.exit(f"want the D7 report sent as a delta, then whole under the same seq: {mine}")
if "does not hold the base of a delta report" not in log:
    sys.exit("the agent did not log the collector's NEED_FULL")
print(f"ok: report {mine[0][0]} sent as a delta against {mine[0][3]}, refused, then whole")
PY
got=$("$CLI" tasks --lead "$CODE" --as-of "$D7" --json | python3 -c '
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
ids = {t["id"] for t in doc["tasks"]}
rows = json.load(sys.stdin)["tasks"]
print(sorted((r["id"], r["progress"], (r["reported_as_of"] or "")[:10]) for r in rows
             if r["id"] in ids))' "$S")
want=$(python3 -c '
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
print(sorted((t["id"], t["progress"], sys.argv[2]) for t in doc["tasks"]))' "$S" "$D7")
[ "$got" = "$want" ] || fail "after the recovery, $CODE at $D7: $got, want $want"
seqs=$("$CLI" reports --agency "$CODE" --json | python3 -c '
import json, sys
print(" ".join(str(r["seq"]) for r in json.load(sys.stdin)["reports"]))')
note "$CODE's reports after the restore: $seqs"
python3 - "$seqs" <<'PY' || fail "report log after the restore: $seqs"
import sys
seqs = [int(s) for s in sys.argv[1].split()]
# Every report before the backup, the D7 report, and not the D6 report the restore lost.
assert seqs == list(range(1, seqs[-2] + 1)) + [seqs[-2] + 2], seqs
PY
echo "t2200 passed"
