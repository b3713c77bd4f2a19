#!/usr/bin/env bash
# Status sections end to end: a national registry with 300 communes under four provinces; every
# agency's real agent delivers its two snapshots (a third of the non-provinces in reverse date
# order); infra, services, databases, funding, obstacles, agency, history and trend must equal an
# independent calculation (tests/tools/expected_sections.py) at both dates, for the country and
# for one province. Sections left out of a later file must leave the earlier value standing, and
# a file with bad section values must be refused by the agent at the exact place.
. "$(dirname "$0")/lib.sh"

ORACLE="$TD_SRC/tests/tools/expected_sections.py"
D1=2025-10-02 D2=2025-12-04 # nine weeks apart: a weekly trend from D1 lands on D2
P=HCM                       # one of the four provinces the communes are in
LOOPS=8                     # parallel delivery loops

"$SIM" generate --out "$T/gen" --seed 7 --communes 300 --commune-provinces 4 \
    --dates "$D1,$D2" >/dev/null
python3 "$ORACLE" "$T/gen" --check >"$T/check.txt" || fail "generated files: $(head "$T/check.txt")"

# The data must hold every case the rules distinguish, or comparing with the oracle proves little;
# this also picks the agencies the checks below look at, and which ones deliver in reverse.
python3 - "$T/gen" "$D1" "$D2" "$LOOPS" "$T/codes" >"$T/picks.sh" <<'PY'
import csv, json, os, sys
gen, d1, d2, loops, codes_file = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
rows = {r["code"]: r for r in csv.DictReader(open(os.path.join(gen, "agencies.csv")))}
kinds = {c: r["kind"] for c, r in rows.items()}
def files(d):
    out = {}
    for name in os.listdir(os.path.join(gen, "status", d)):
        out[name[:-5]] = json.load(open(os.path.join(gen, "status", d, name)))
    return out
f1, f2 = files(d1), files(d2)
codes = sorted(set(f1) | set(f2))
# Provinces deliver in date order, a third of the others in reverse. The agencies whose history
# is checked deliver in order: with equal values, which versions are kept depends on arrival.
order = {c: "rev" if kinds[c] != "province" and i % 3 == 2 else "fwd" for i, c in enumerate(codes)}
with open(codes_file, "w") as out:
    for i, c in enumerate(codes):
        out.write(f"{i % loops} {c} {order[c]}\n")
def need(ok, what):
    if not ok:
        sys.exit(f"generated data lacks {what}")
communes = [c for c in codes if kinds[c] == "commune"]
need(any("tasks" not in f2[c] for c in communes) and any("tasks" in f2[c] for c in communes),
     "communes both with and without a tasks key")
need(sum(1 for c in communes if "infrastructure" not in f1.get(c, {})) >= 10,
     "communes without infrastructure at the first date")
omitted = {s: [c for c in codes if s in f1.get(c, {}) and c in f2 and s not in f2[c]]
           for s in ("infrastructure", "services", "funding", "databases", "obstacles")}
need(all(omitted.values()), f"sections left out of the second snapshot: {omitted}")
need(any("infrastructure" in f2.get(c, {}) for c in codes if kinds[c] == "province"),
     "a province's infrastructure section (which infra must not count)")
stage = lambda f, c: {d["id"]: d["stage"] for d in f.get(c, {}).get("databases", [])}
moved = [c for c in codes if kinds[c] != "province" and order[c] == "fwd" and
         any(stage(f1, c).get(i, s) != s for i, s in stage(f2, c).items())]
need(moved, "a database changing stage between the dates")
state = lambda f, c: {o["id"]: o["state"] for o in f.get(c, {}).get("obstacles", [])}
resolved = [c for c in codes if kinds[c] == "province" and
            any(state(f1, c).get(i) == "open" and s == "resolved" for i, s in state(f2, c).items())]
need(resolved, "a province's obstacle resolved between the dates")
funded = [c for c in codes if kinds[c] == "province" and "funding" in f1.get(c, {})
          and "funding" in f2.get(c, {})]
need(funded, "a province reporting funding at both dates")
both = [c for c in codes if kinds[c] == "province" and "services" in f1.get(c, {})
        and "services" in f2.get(c, {})]
need(both and omitted["services"], "provinces with services at both dates")
gone = [c for c in omitted["services"] if kinds[c] == "province"]
need(gone, "a province leaving services out of the second snapshot")
opened = lambda f: {o["category"] for c in f for o in f[c].get("obstacles", [])
                   if o["state"] == "open"}
cats = sorted(opened(f1) & opened(f2))
need(cats, "a category with open obstacles at both dates")
bad = next(c for c in communes if order[c] == "fwd" and "infrastructure" in f2.get(c, {}))
print(f"DB_AGENCY={moved[0]} OBST_AGENCY={resolved[0]} FUND_AGENCY={funded[0]} CAT={cats[0]}")
print(f"HIST={both[0]} GONE={gone[0]} BAD={bad} BAD_PROVINCE={rows[bad]['parent']}")
PY
. "$T/picks.sh"
note "databases of $DB_AGENCY, obstacles of $OBST_AGENCY, funding of $FUND_AGENCY," \
    "history of $HIST, services left out by $GONE, bad file from $BAD"

collector_init "$T/gen"
collector_start

# One loop delivers its agencies one after the other: enroll, then each snapshot with --once.
deliver() {
    local loop=$1 code order d dates
    while read -r l code order; do
        [ "$l" = "$loop" ] || continue
        agent_setup "$code" "$T/agents/$code/status.json"
        if [ "$order" = rev ]; then dates="$D2 $D1"; else dates="$D1 $D2"; fi
        for d in $dates; do
            deliver_snapshot "$code" "$d" || return 1
        done
    done <"$T/codes"
}
started=$SECONDS
run_parallel "$LOOPS" deliver
note "$(wc -l <"$T/codes") agencies delivered in $((SECONDS - started)) s"

# Compares a query's JSON with the oracle's: counts exactly, rates within 1e-9, lists as sets.
cat >"$T/compare.py" <<'PY'
import json, sys
label, got, want = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
ROWS = {"databases": ("agency", "id", "name", "stage"),
        "obstacles": ("agency", "id", "category", "description", "state", "reported_on",
                      "resolved_on")}
MAIN = {"infra": "communes_reporting", "services": "localities_reporting",
        "databases": "total", "funding": "agencies_reporting", "obstacles": "total"}

def same(g, w):
    if isinstance(w, float) or isinstance(g, float):
        return g is not None and w is not None and abs(g - w) <= 1e-9
    return type(g) is type(w) and g == w

def diff(got, want, where=""):
    bad = []
    for k, w in want.items():
        g = got.get(k, "<missing>")
        if k in ROWS:
            rows = lambda rs: sorted(tuple(r.get(f) for f in ROWS[k]) for r in rs)
            gs, ws = rows(g if isinstance(g, list) else []), rows(w)
            if gs != ws:
                bad.append(f"{where}{k}: only got {sorted(set(gs) - set(ws))[:5]}, "
                           f"only wanted {sorted(set(ws) - set(gs))[:5]} ({len(gs)} vs {len(ws)})")
        elif k == "by_category":
            gz = {c: n for c, n in (g if isinstance(g, dict) else {}).items() if n}
            if gz != w:
                bad.append(f"{where}{k}: got {g}, want {w}")
        elif isinstance(w, dict):
            bad += diff(g if isinstance(g, dict) else {}, w, f"{where}{k}.")
        elif not same(g, w):
            bad.append(f"{where}{k}: got {g!r}, want {w!r}")
    return bad

query = label.split()[0]
bad = diff(got, want)
if bad:
    sys.exit(f"{label}:\n  " + "\n  ".join(bad))
if query in MAIN and want[MAIN[query]] == 0:
    sys.exit(f"{label}: empty selection proves nothing")
counts = " ".join(f"{k}={v}" for k, v in want.items() if type(v) is int)
print(f"ok {label}: {counts[:120] or 'every section and list'}")
PY

# $1 = query, rest = its options; the oracle gets the same options (agency: --agency CODE).
compare() {
    local q=$1; shift
    "$CLI" "$q" "$@" --json >"$T/got.json" || fail "tiendo $q $* exited $?"
    if [ "$q" = agency ]; then
        python3 "$ORACLE" "$T/gen" --query agency --agency "$@" >"$T/want.json"
    else
        python3 "$ORACLE" "$T/gen" --query "$q" "$@" >"$T/want.json"
    fi
    python3 "$T/compare.py" "$q $*" "$T/got.json" "$T/want.json" || exit 1
}

for d in $D1 $D2; do
    for q in infra services; do
        compare $q --as-of $d
        compare $q --as-of $d --province $P
    done
    compare databases --as-of $d
    compare databases --as-of $d --agency "$DB_AGENCY"
    compare databases --as-of $d --stage deploying
    compare funding --as-of $d
    compare funding --as-of $d --agency "$FUND_AGENCY"
    compare obstacles --as-of $d
    compare obstacles --as-of $d --state resolved
    compare obstacles --as-of $d --state open --category "$CAT"
done
# Files without tasks (communes) leave the task figures as they were.
for d in $D1 $D2; do
    "$CLI" summary --as-of $d --json >"$T/got.json"
    python3 "$EXPECTED" "$T/gen" --as-of $d >"$T/want.json"
    python3 - "$T/got.json" "$T/want.json" "$d" <<'PY' || exit 1
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = {k: (got.get(k), v) for k, v in want.items() if k != "as_of" and got.get(k) != v}
if bad or want["total"] == 0:
    sys.exit(f"summary {sys.argv[3]}: got != want for {bad} (total {want['total']})")
print(f"ok summary --as-of {sys.argv[3]}: total={want['total']} overdue={want['overdue']}")
PY
done
for a in "$P" "$BAD" "$DB_AGENCY" "$GONE"; do
    compare agency "$a" --as-of $D2
done

# A section left out of the second snapshot: the first date's value stands after it.
"$CLI" agency "$GONE" --as-of $D2 --json >"$T/gone.json"
python3 - "$T/gone.json" "$D1" <<'PY' || fail "services of $GONE at $D2"
import json, sys
s = json.load(open(sys.argv[1]))["services"]
assert s and s["as_of"].startswith(sys.argv[2]), s
PY

# History of a section: the versions of both dates; trend: the figures move between them.
for h in "$HIST services" "$GONE services" "$OBST_AGENCY obstacles" "$DB_AGENCY databases"; do
    set -- $h
    "$CLI" history --agency "$1" --section "$2" --json >"$T/got.json"
    python3 "$ORACLE" "$T/gen" --query history --agency "$1" --section "$2" >"$T/want.json"
    python3 - "$T/got.json" "$T/want.json" "$h" <<'PY' || exit 1
import json, sys
got, want = json.load(open(sys.argv[1]))["versions"], json.load(open(sys.argv[2]))["versions"]
def key(v):
    return tuple(sorted((k, json.dumps(x, ensure_ascii=False)) for k, x in v.items()
                        if k not in ("received_at", "seq") and x is not None))
g, w = sorted(map(key, got)), sorted(map(key, want))
if g != w:
    sys.exit(f"history {sys.argv[3]}: got {g}\nwant {w}")
print(f"ok history {sys.argv[3]}: {len(w)} versions, as_of " +
      " ".join(sorted({v['as_of'][:10] for v in want})))
PY
done
[ "$("$CLI" history --agency "$HIST" --section services --json \
    | python3 -c 'import json,sys; print(" ".join(v["as_of"][:10] for v in json.load(sys.stdin)["versions"]))')" \
    = "$D1 $D2" ] || fail "history of $HIST services does not hold the versions of $D1 and $D2"

for m in services infrastructure funding databases obstacles; do
    for scope in "" "--province $P"; do
        case "$m" in services | infrastructure) ;; *) [ -z "$scope" ] || continue ;; esac
        "$CLI" trend --from $D1 --to $D2 --every week --metric $m $scope --json >"$T/got.json"
        python3 "$ORACLE" "$T/gen" --query trend --from $D1 --to $D2 --every week --metric $m \
            $scope >"$T/want.json"
        python3 - "$T/got.json" "$T/want.json" "$m $scope" <<'PY' || exit 1
import json, sys
got, want = json.load(open(sys.argv[1]))["points"], json.load(open(sys.argv[2]))["points"]
label = f"trend {sys.argv[3]}"
if [p["date"] for p in got] != [p["date"] for p in want]:
    sys.exit(f"{label}: dates {[p['date'] for p in got]}, want {[p['date'] for p in want]}")
nonzero = lambda d: {k: n for k, n in (d or {}).items() if n}
for g, w in zip(got, want):
    if "by_category" in w:
        g["by_category"] = nonzero(g.get("by_category"))
    bad = [k for k, v in w.items() if not (
        abs(g[k] - v) <= 1e-9 if isinstance(v, float) and isinstance(g.get(k), float)
        else g.get(k, "<missing>") == v)]
    if bad:
        sys.exit(f"{label} at {w['date']}: " + ", ".join(f"{k} got {g.get(k)!r} want {w[k]!r}"
                                                            for k in bad))
strip = lambda p: {k: v for k, v in p.items() if k not in ("date", "as_of")}
if strip(got[0]) == strip(got[-1]):
    sys.exit(f"{label}: no movement between the first and the last point")
print(f"ok {label}: {len(got)} points, first != last")
PY
    done
done

# A file with bad section values is refused by the agent at the exact place: nothing is sent.
S="$T/agents/$BAD/status.json"
reports_of() { "$CLI" reports --agency "$1" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["reports"]))'; }
before=$(reports_of "$BAD")
cat >"$S" <<JSON
{
  "agency": "$BAD",
  "as_of": "2025-12-05T17:00:00+07:00",
  "infrastructure": {
    "terminals_required": 12,
    "terminals_available": 9,
    "villages_total": 14,
    "villages_signal_gap": 15,
    "villages_no_power": 1,
    "population_db_connected": true
  },
  "services": {"procedures_total": 82, "procedures_announced": 80, "procedures_online": 83,
               "files_received": 10000, "files_fully_online": 5200, "records_total": 90000,
               "records_digitized": 43000},
  "obstacles": [
    {"id": "VM-09", "category": "data", "description": "x", "state": "resolved",
     "reported_on": "2025-11-01", "resolved_on": "2025-12-06"}
  ]
}
JSON
set +e
"$AGENT" --config "$T/agents/$BAD/agent.ini" --once --timeout 20 >"$T/out" 2>"$T/err"
rc=$?
set -e
cat "$T/err"
[ $rc -eq 1 ] || fail "a file with bad sections exited $rc, want 1"
grep -Fq "status.json:8:28: villages_signal_gap 15 is more than villages_total 14" "$T/err" \
    || fail "villages_signal_gap not refused at status.json:8:28"
grep -Fq "status.json:12:89: procedures_online 83 is more than procedures_total 82" "$T/err" \
    || fail "procedures_online not refused at status.json:12:89"
grep -Fq "status.json:17:50: resolved_on 2025-12-06 is after the report's date 2025-12-05" "$T/err" \
    || fail "resolved_on after the report's date not refused at status.json:17:50"
[ "$(grep -c "status.json:" "$T/err")" = 3 ] || fail "want exactly three problems reported"
[ "$(reports_of "$BAD")" = "$before" ] || fail "the agent sent a file it refused"
compare infra --as-of 2025-12-05 --province "$BAD_PROVINCE"
echo "t1500 passed"
