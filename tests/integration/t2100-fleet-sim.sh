#!/usr/bin/env bash
# tiendo-sim fleet: 200 virtual agents, each with its own enrolled key, connection and outbox,
# report to a real collector on a compressed clock, with signal gaps and power cuts, while the
# collector is stopped for 7 s (so that agents resend and the collector sees duplicates). Every
# report the fleet made is stored exactly once, as the fleet says, and the run exits 0. Catch-up
# mode drains queued reports and prints catchup_s. Bad usage exits 2; a fleet whose collector
# never answers exits 1.
. "$(dirname "$0")/lib.sh"

"$SIM" generate --out "$T/gen" --seed 5 --communes 140 >/dev/null
n=$(($(wc -l <"$T/gen/agencies.csv") - 1))
[ "$n" = 200 ] || fail "$n agencies generated, want 200"
collector_init "$T/gen"
"$COLLECTOR" enroll --data "$T/data" --agencies-from "$T/gen/agencies.csv" --out-dir "$T/creds" \
    >/dev/null
collector_start
HTTP=$(sed -n 's/^http=//p' "$T/data/endpoints")
FLEET=("$SIM" fleet --registry "$T/gen" --creds "$T/creds" --endpoint "$AGENTS_EP")

# Reporting: every agent reports each simulated hour, two hours a second, for 10 s; offline
# periods last an hour on average. The collector is stopped from 2 s to 9 s: agents keep queueing,
# resend after their silence timer, and the collector then gets first sends and resends.
"${FLEET[@]}" --interval 3600 --clock-speed 7200 --change-rate 0.3 --offline 0.05 \
    --offline-for 3600 --duration 10 --seed 3 --summary "$T/summary" >"$T/fleet.out" \
    2>"$T/fleet.log" &
fleet=$!
PIDS+=($fleet)
sleep 2
kill -STOP "$COLLECTOR_PID"
sleep 7
kill -CONT "$COLLECTOR_PID"
wait $fleet || fail "fleet exited $?: $(cat "$T/fleet.out" "$T/fleet.log")"
cat "$T/fleet.out"

get_metrics() {
    python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())' \
        "http://$HTTP/metrics"
}
get_metrics >"$T/metrics"
"$CLI" agents --json >"$T/agents.json"
python3 - "$T/fleet.out" "$T/summary" "$T/agents.json" "$T/metrics" <<'PY' || fail "fleet and store disagree"
import json, re, sys
out = open(sys.argv[1]).read()
totals = re.search(r"^# fleet totals: (.*)$", out, re.M).group(1)
tot = {}
for name in ["sent", "acknowledged", "resent", "nacked", "duplicate acks", "items rejected",
             "refused", "still queued"]:
    tot[name] = int(re.search(r"\b%s (\d+)" % name, totals).group(1))
for name in ["signal gaps", "power cuts"]:
    tot[name] = int(re.search(r"(\d+) %s" % name, totals).group(1))
made = int(re.search(r"^fleet_reports (\d+) reports$", out, re.M).group(1))
assert int(re.search(r"^fleet_agents (\d+) agents$", out, re.M).group(1)) == 200, out
assert made > 2000, "only %d reports made" % made
assert tot["sent"] == tot["acknowledged"] == made, tot
assert tot["refused"] == 0 and tot["items rejected"] == 0 and tot["still queued"] == 0, tot
assert tot["signal gaps"] > 0 and tot["power cuts"] > 0, tot
assert tot["resent"] > 0 and tot["duplicate acks"] > 0, "the collector's stop caused no resend: %s" % tot

# The fleet's view, agent by agent, against the collector's agents records.
fleet = {}
for line in open(sys.argv[2]):
    code, _outbox, reports, acked, last, _first_s, _last_s = line.split()
    fleet[code] = (int(reports), int(acked), last)
assert len(fleet) == 200 and sum(r for r, _, _ in fleet.values()) == made
agents = {a["agency"]: a for a in json.load(open(sys.argv[3]))["agents"]}
assert set(agents) == set(fleet), set(fleet) ^ set(agents)
for code, (reports, acked, last) in fleet.items():
    a = agents[code]
    assert reports == acked, (code, reports, acked)
    # Stored exactly once: one reports row per seq, seqs 1..N of the fleet's outbox.
    assert a["reports"] == reports and a["last_seq"] == reports, (code, reports, a)
    assert a["last_report_as_of"] == last, (code, last, a)

metrics = dict(l.split() for l in open(sys.argv[4]) if l.startswith("tiendo_reports"))
assert int(metrics["tiendo_reports_accepted_total"]) == made, (metrics, made)
assert int(metrics["tiendo_reports_duplicate_total"]) >= tot["duplicate acks"], metrics
assert int(metrics["tiendo_reports_refused_total"]) == 0, metrics
PY

# One agency of each kind: its stored reports are seqs 1..N, in the order of their as_of.
for code in MOF HNI "$(awk -F, '$3 == "commune" { print $1; exit }' "$T/gen/agencies.csv")"; do
    "$CLI" reports --agency "$code" --json | python3 -c '
import json, sys
rows = sorted(json.load(sys.stdin)["reports"], key=lambda r: r["seq"])
want = int(sys.argv[1])
assert [r["seq"] for r in rows] == list(range(1, want + 1)), (sys.argv[2], [r["seq"] for r in rows])
assert all(a["as_of"] < b["as_of"] for a, b in zip(rows, rows[1:])), sys.argv[2]
assert all(r["rejected"] == 0 for r in rows), sys.argv[2]' \
        "$(awk -v c="$code" '$1 == c { print $3 }' "$T/summary")" "$code" ||
        fail "reports of $code"
done
# What they said was applied: every commune reported its infrastructure.
"$CLI" infra --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["communes_reporting"] == 140 and d["communes_total"] == 140, d' || fail "infra"

# Catch-up: 50 agents with 20 reports queued each connect at once; new outboxes, so all new.
"${FLEET[@]}" --agents 50 --queued 20 --start 2025-12-01 >"$T/catchup.out" 2>"$T/catchup.log" ||
    fail "catch-up exited $?: $(cat "$T/catchup.out" "$T/catchup.log")"
grep -qx 'fleet_agents 50 agents' "$T/catchup.out" || fail "$(cat "$T/catchup.out")"
grep -qx 'fleet_reports 1000 reports' "$T/catchup.out" || fail "$(cat "$T/catchup.out")"
grep -qE '^catchup_s [0-9]+\.[0-9]+ s$' "$T/catchup.out" || fail "no catchup_s: $(cat "$T/catchup.out")"
grep -q 'sent 1000, acknowledged 1000, resent 0' "$T/catchup.out" || fail "$(cat "$T/catchup.out")"
accepted=$(get_metrics | awk '$1 == "tiendo_reports_accepted_total" { print $2 }')
made=$(awk '$1 == "fleet_reports" { print $2 }' "$T/fleet.out")
[ "$accepted" = $((made + 1000)) ] || fail "accepted $accepted, want $((made + 1000))"

# Bad usage exits 2; a collector that never answers, 1.
set +e
"$SIM" fleet --registry "$T/gen" --creds "$T/creds" 2>"$T/usage.log"; rc=$?
[ $rc = 2 ] && grep -q 'endpoint EP' "$T/usage.log" || fail "missing --endpoint: $rc $(cat "$T/usage.log")"
"${FLEET[@]}" --queued 5 --duration 3 2>"$T/usage.log"; rc=$?
[ $rc = 2 ] && grep -q 'goes without --duration' "$T/usage.log" || fail "--queued with --duration: $rc"
"${FLEET[@]}" --change-rate 2 2>"$T/usage.log"; rc=$?
[ $rc = 2 ] && grep -q "change-rate wants 0..1: '2'" "$T/usage.log" || fail "--change-rate 2: $rc"
"${FLEET[@]}" --agents 201 2>"$T/usage.log"; rc=$?
[ $rc = 1 ] && grep -q '200 agencies .* have a credential file' "$T/usage.log" || fail "--agents 201: $rc"
read -r -a ports <<<"$(free_ports)"
"$SIM" fleet --registry "$T/gen" --creds "$T/creds" --endpoint "tcp://127.0.0.1:${ports[0]}" \
    --agents 3 --duration 1 --timeout 2 >"$T/out" 2>"$T/usage.log"; rc=$?
set -e
[ $rc = 1 ] && grep -q 'no acknowledgement for 2 s; 3 agents still have reports queued' "$T/usage.log" ||
    fail "unreachable collector: $rc $(cat "$T/usage.log")"
grep -q 'acknowledged 0,' "$T/out" || fail "$(cat "$T/out")"
echo "t2100 passed ($made reports from 200 agents)"
