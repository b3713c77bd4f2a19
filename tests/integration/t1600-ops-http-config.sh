#!/usr/bin/env bash
# Operations: the collector reads run's options from an INI file (flags override it; bad keys
# and values are errors naming FILE:LINE); its HTTP listener serves /healthz, /metrics in
# Prometheus text format (promtool check metrics passes under load) and /api/v1/ queries equal
# to the CLI's answers.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool is missing (scripts/deps.sh installs prometheus)"

"$SIM" generate --out "$T/gen" --seed 3 >/dev/null
collector_init "$T/gen"
cat >"$T/collector.ini" <<INI
; every key of [collector]
[collector]
data = $T/data
agents = tcp://127.0.0.1:*
queries = tcp://127.0.0.1:*
events = tcp://127.0.0.1:*
http = 127.0.0.1:0
map_max_mb = 1024
max_msg_bytes = 4194304
rate_limit = 500
log_level = debug
INI
bad() { # $1 = ini text, $2 = expected message
    printf '%s\n' "$1" >"$T/bad.ini"
    set +e; "$COLLECTOR" run --config "$T/bad.ini" 2>"$T/err"; rc=$?; set -e
    [ $rc -eq 1 ] || fail "bad config accepted: $1"
    grep -qF "$2" "$T/err" || fail "for [$1] want \"$2\", got: $(cat "$T/err")"
}
bad $'[collector]\ndata = /x\nspeed = 3' "bad.ini:3: unknown key \"speed\" in [collector]"
bad $'[collector]\nrate_limit = fast' "bad.ini:2: rate_limit \"fast\" is not a whole number in range"
bad $'[collector]\nmap_max_mb = 0' "bad.ini:2: map_max_mb \"0\" is not a whole number in range"
bad $'[collector]\nmax_msg_bytes = 12' "bad.ini:2: max_msg_bytes \"12\""
bad $'[collector]\nlog_level = loud' "bad.ini:2: log_level \"loud\" is not one of error|warning|info|debug"
bad $'[agent]\ndata = /x' "bad.ini:2: unknown section [agent]"
bad $'[collector]\nlog = screen' "bad.ini:2: log \"screen\" is not one of stderr|syslog"
bad $'[collector]\nhttp = localhost:80\ndata = '"$T/data" 'localhost is not an IPv4 address'

# Flags override the file: --rate-limit 2 beats rate_limit = 500.
rm -f "$T/data/endpoints"
"$COLLECTOR" run --config "$T/collector.ini" --rate-limit 2 >>"$T/collector.log" 2>&1 &
COLLECTOR_PID=$!
PIDS+=($COLLECTOR_PID)
wait_for 20 test -s "$T/data/endpoints" || fail "collector did not start from its config"
AGENTS_EP=$(sed -n 's/^agents=//p' "$T/data/endpoints")
export TIENDO_COLLECTOR=$(sed -n 's/^queries=//p' "$T/data/endpoints") TIENDO_CREDENTIALS="$T/data/admin.cred"
HTTP=$(sed -n 's/^http=//p' "$T/data/endpoints")
[ -n "$HTTP" ] || fail "no http endpoint written"
grep -q 'level=debug' "$T/collector.log" || true
agent_setup MOF "$T/agents/MOF/status.json"
"$PROBE" "$AGENTS_EP" --cred "$T/agents/MOF/agent.cred" --random 20 --count 200 --wait-ms 2000 >"$T/p"
grep -q "at most 2 per second" "$T/p" || fail "--rate-limit did not override the file"

get() { python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://" + sys.argv[1], timeout=10)
    sys.stdout.write(f"{r.status}\n"); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write(f"{e.code}\n"); sys.stdout.write(e.read().decode())
PY
}
get "$HTTP/healthz" | sed -n 1p | grep -qx 200 || fail "/healthz is not 200"
get "$HTTP/nowhere" | sed -n 1p | grep -qx 404 || fail "unknown path is not 404"

# Load: agents deliver while /metrics is scraped; promtool accepts every scrape.
n=0
for f in "$T"/gen/status/2025-12-04/*.json; do
    c=$(basename "$f" .json)
    agent_setup "$c" "$f"
    n=$((n + 1)); [ $n -le 12 ] || break
done
loaders=()
for c in $(ls "$T/agents"); do
    [ "$c" = MOF ] && continue
    ( "$AGENT" --config "$T/agents/$c/agent.ini" --once --timeout 30 2>/dev/null || true ) &
    loaders+=($!)
done
for i in 1 2 3; do
    get "$HTTP/metrics" | tail -n +2 >"$T/metrics.txt"
    promtool check metrics <"$T/metrics.txt" || fail "promtool rejected /metrics: $(promtool check metrics <"$T/metrics.txt" 2>&1 | head)"
    sleep 0.5
done
for p in "${loaders[@]}"; do wait "$p"; done
get "$HTTP/metrics" | tail -n +2 >"$T/metrics.txt"
promtool check metrics <"$T/metrics.txt"
for m in tiendo_reports_received_total tiendo_reports_accepted_total tiendo_commit_duration_seconds_bucket \
         tiendo_agents tiendo_tasks tiendo_obstacles_open tiendo_store_used_bytes tiendo_agent_outbox_depth; do
    grep -q "^$m" "$T/metrics.txt" || fail "/metrics lacks $m"
done
accepted=$(sed -n 's/^tiendo_reports_accepted_total //p' "$T/metrics.txt")
[ "$accepted" -ge 10 ] || fail "accepted reports counted: $accepted"

# /api/v1 answers equal the CLI's.
for q in "summary?as-of=2025-12-04" "tasks?as-of=2025-12-04&class=overdue" "agents"; do
    cmd=${q%%\?*}
    args=$(python3 -c 'import sys,urllib.parse; q=sys.argv[1].partition("?")[2]; print(" ".join(f"--{k} {v}" for k,v in urllib.parse.parse_qsl(q)))' "$q")
    get "$HTTP/api/v1/$q" | tail -n +2 >"$T/api.json"
    "$CLI" $cmd $args --json >"$T/cli.json"
    python3 - "$T/api.json" "$T/cli.json" "$cmd" <<'PY'
import json, sys
a, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("now",):  # the clock moves between the two calls
    a.pop(k, None); c.pop(k, None)
if sys.argv[3] == "agents":
    for r in a["agents"] + c["agents"]:
        r.pop("state", None); r.pop("last_contact", None)
assert a == c, f"{sys.argv[3]}: api and CLI differ"
PY
done
get "$HTTP/api/v1/summary?as-of=yesterday" | sed -n 1p | grep -qx 400 || fail "bad query is not 400"
echo "t1600 passed"
