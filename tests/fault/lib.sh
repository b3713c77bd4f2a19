# Shared by the fault tests: a registry of N agencies each leading a few tasks, snapshots that
# change every time, and checks that every queued report is stored exactly once.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

TASKS_PER_AGENCY=${TASKS_PER_AGENCY:-4}

# fault_registry N: agencies A01..AN, tasks Axx-T1..; writes $T/reg/*.csv.
fault_registry() {
    mkdir -p "$T/reg"
    {
        echo "code,name,kind,parent,block"
        for i in $(seq -w 1 "$1"); do echo "A$i,Agency $i,agency,,government"; done
    } >"$T/reg/agencies.csv"
    {
        echo "id,title,source,lead,deadline,assigned_on,group,difficulty"
        for i in $(seq -w 1 "$1"); do
            for t in $(seq 1 "$TASKS_PER_AGENCY"); do
                echo "A$i-T$t,Task $t of A$i,71/NQ-CP,A$i,2026-12-31,2025-01-01,,normal"
            done
        done
    } >"$T/reg/tasks.csv"
}

# snapshot CODE K FILE: the K-th status of CODE (as_of K hours after a base; progress K).
snapshot() {
    local code=$1 k=$2 out=$3 items="" t pad=""
    # NOTE_BYTES makes reports large (for filling a store).
    [ -n "${NOTE_BYTES:-}" ] && pad=" $(head -c "$NOTE_BYTES" /dev/zero | tr '\0' x)"
    for t in $(seq 1 "$TASKS_PER_AGENCY"); do
        items="$items${items:+,}{\"id\": \"$code-T$t\", \"state\": \"in_progress\", \"progress\": $((k % 101)), \"note\": \"snapshot $k$pad\"}"
    done
    printf '{"agency": "%s", "as_of": "%s", "tasks": [%s]}\n' "$code" \
        "$(date -u -d "2025-06-01 00:00:00 UTC + $k hours" +%Y-%m-%dT%H:%M:%SZ)" "$items" >"$out.tmp"
    mv "$out.tmp" "$out"
}

# check_exactly_once CODE N: the collector stored seqs 1..N for CODE, each once, with the as_of
# of snapshots 1..N, the agent's counter says N, and the latest view is snapshot N.
check_exactly_once() {
    "$CLI" reports --agency "$1" --json >"$T/r.json"
    "$CLI" agents --agency "$1" --json >"$T/a.json"
    "$CLI" tasks --lead "$1" --json >"$T/t.json"
    python3 - "$1" "$2" "$T/r.json" "$T/a.json" "$T/t.json" <<'PY'
import datetime as dt, json, sys
code, n = sys.argv[1], int(sys.argv[2])
reports = json.load(open(sys.argv[3]))["reports"]
agents = json.load(open(sys.argv[4]))["agents"]
tasks = json.load(open(sys.argv[5]))["tasks"]
seqs = sorted(r["seq"] for r in reports)
if seqs != list(range(1, n + 1)):
    missing = sorted(set(range(1, n + 1)) - set(seqs))
    sys.exit(f"{code}: stored seqs {len(seqs)} (missing {missing[:10]}, extra {[s for s in seqs if s > n][:10]}), want 1..{n}")
base = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
want = {(base + dt.timedelta(hours=k)).astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat() for k in range(1, n + 1)}
got = {r["as_of"] for r in reports}
if got != want:
    sys.exit(f"{code}: as_of set differs: {sorted(want - got)[:3]} missing")
applied = sum(a["reports"] for a in agents)
if applied != n:
    sys.exit(f"{code}: applied {applied} reports, want {n} (a duplicate was applied twice?)")
bad = [t["id"] for t in tasks if t["progress"] != n % 101]
if bad:
    sys.exit(f"{code}: latest view is not snapshot {n} for {bad}")
PY
}
