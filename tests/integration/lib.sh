# Shared by the integration and fault tests: real binaries on loopback, ports chosen by the
# system, a temporary directory removed on exit. Every command is chained so that any failure
# fails the test (set -e plus explicit checks).
set -euo pipefail

: "${TD_BIN:?TD_BIN (the build directory) must be set}"
: "${TD_SRC:?TD_SRC (the source directory) must be set}"
COLLECTOR="$TD_BIN/collector/tiendo-collector"
AGENT="$TD_BIN/agent/tiendo-agent"
CLI="$TD_BIN/cli/tiendo"
SIM="$TD_BIN/sim/tiendo-sim"
PROBE="$TD_BIN/tests/td_probe"
EXPECTED="$TD_SRC/tests/tools/expected.py"

T=$(mktemp -d "${TMPDIR:-/tmp}/tiendo-test.XXXXXX")
PIDS=()
cleanup() {
    local rc=$?
    for p in "${PIDS[@]:-}"; do
        [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
    done
    pkill -9 -f -- "$T/" 2>/dev/null || true
    wait 2>/dev/null || true
    # A sanitizer report from any program of the test fails it, even if the program was killed.
    if grep -lE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$T"/*.log 2>/dev/null; then
        grep -hE -A15 "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$T"/*.log | head -60
        rc=1
    fi
    if [ $rc -ne 0 ] && [ -f "$T/collector.log" ]; then
        echo "--- collector log (last 30 lines)"; tail -n 30 "$T/collector.log"
    fi
    rm -rf "$T"
    exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

# Waits until a command succeeds, polling, up to $1 seconds.
wait_for() {
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.1
    done
}

# Creates a collector data directory at $T/data with the registry in $1 (agencies.csv, tasks.csv).
collector_init() {
    "$COLLECTOR" init --data "$T/data" >/dev/null
    if [ -n "${1:-}" ]; then
        "$COLLECTOR" import --data "$T/data" --agencies "$1/agencies.csv" --tasks "$1/tasks.csv" >/dev/null
    fi
}

# Writes $1/agencies.csv: two ministries, MOF and BCA (the smallest registry with two agencies).
two_ministries() {
    mkdir -p "$1"
    printf '%s\n' "code,name,kind,parent,block" "MOF,Bộ Tài chính,ministry,,government" \
        "BCA,Bộ Công an,ministry,,government" >"$1/agencies.csv"
}

# Starts the collector on system-chosen loopback ports; sets AGENTS_EP, QUERIES_EP, EVENTS_EP,
# COLLECTOR_PID.
# Three free loopback ports, chosen at random below the kernel's ephemeral range and below the
# ports ZeroMQ's wildcard scans from (49152): a test that restarts its collector on the same
# ports must not find them taken by another test's wildcard bind meanwhile.
free_ports() {
    python3 - <<'PY'
import random, socket
ports = []
while len(ports) < 3:
    p = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        if p not in ports:
            ports.append(p)
    except OSError:
        pass
    finally:
        s.close()
print(*ports)
PY
}

collector_start() {
    rm -f "$T/data/endpoints"
    local ports
    read -r -a ports <<<"$(free_ports)"
    "$COLLECTOR" run --data "$T/data" --agents "tcp://127.0.0.1:${ports[0]}" \
        --queries "tcp://127.0.0.1:${ports[1]}" --events "tcp://127.0.0.1:${ports[2]}" \
        --http 127.0.0.1:0 \
        "$@" >>"$T/collector.log" 2>&1 &
    COLLECTOR_PID=$!
    PIDS+=("$COLLECTOR_PID")
    wait_for 20 test -s "$T/data/endpoints" || fail "collector did not start"
    AGENTS_EP=$(sed -n 's/^agents=//p' "$T/data/endpoints")
    QUERIES_EP=$(sed -n 's/^queries=//p' "$T/data/endpoints")
    EVENTS_EP=$(sed -n 's/^events=//p' "$T/data/endpoints")
    export TIENDO_COLLECTOR="$QUERIES_EP" TIENDO_CREDENTIALS="$T/data/admin.cred" \
        TIENDO_EVENTS="$EVENTS_EP"
}

# Restarts the collector on the same ports.
collector_restart_same_ports() {
    "$COLLECTOR" run --data "$T/data" --agents "$AGENTS_EP" --queries "$QUERIES_EP" \
        --events "$EVENTS_EP" --http 127.0.0.1:0 "$@" \
        >>"$T/collector.log" 2>&1 &
    COLLECTOR_PID=$!
    PIDS+=("$COLLECTOR_PID")
}

collector_stop() {
    kill -TERM "$COLLECTOR_PID" 2>/dev/null || true
    wait "$COLLECTOR_PID" 2>/dev/null || true
}

# Enrolls agency $1 and writes an agent config at $T/agents/$1/agent.ini reading status file $2.
agent_setup() {
    local code=$1 status=$2 dir="$T/agents/$1"
    mkdir -p "$dir"
    "$COLLECTOR" enroll --data "$T/data" --agency "$code" --out "$dir/agent.cred" >/dev/null
    cat >"$dir/agent.ini" <<INI
[agent]
collector = $AGENTS_EP
credentials = $dir/agent.cred
status_file = $status
state_dir = $dir/state
interval = ${AGENT_INTERVAL:-60}
INI
    # The agent's probes (power, link, host) are on by default; they add reports of their own
    # when what they measure changes. Tests that count reports leave them off.
    if [ "${AGENT_PROBES:-no}" != yes ]; then
        printf '\n[probe %s]\nenabled = no\n' power link host >>"$dir/agent.ini"
    fi
}

# The agent of CODE (set up with agent_setup) delivers the generated snapshot $T/gen/status/DATE
# of CODE, if there is one, with --once; on failure prints its log and returns 1.
deliver_snapshot() {
    local code=$1 d=$2
    [ -f "$T/gen/status/$d/$code.json" ] || return 0
    cp "$T/gen/status/$d/$code.json" "$T/agents/$code/status.json"
    "$AGENT" --config "$T/agents/$code/agent.ini" --once --timeout 30 >>"$T/agent.$code.log" 2>&1 \
        || { echo "agent $code exited $? for $d:"; cat "$T/agent.$code.log"; return 1; }
}

# Runs FN 0 .. FN N-1 in the background and fails the test if any of them fails.
run_parallel() {
    local n=$1 fn=$2 i pids=()
    for ((i = 0; i < n; i++)); do
        "$fn" "$i" >"$T/parallel.$i.txt" 2>&1 &
        pids+=($!)
        PIDS+=($!)
    done
    for ((i = 0; i < n; i++)); do
        wait "${pids[$i]}" || fail "$fn $i: $(tail -n 20 "$T/parallel.$i.txt")"
    done
}

# Prints a key of a JSON document on stdin.
json_get() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]])' "$1"; }
