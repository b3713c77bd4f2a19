#!/usr/bin/env bash
# The agent's probes end to end: power cuts from the journal's heartbeat and the boot time
# (TIENDO_TEST_BOOT_TIME stands in for /proc/stat), told apart from a crash and a clean stop;
# a link outage while the collector is down; an exec probe that hangs (killed at its timeout,
# reported failed, never holding back the report) or fails; a ups probe (a fake upsc); host
# readings. Checked through `tiendo outages` (per commune and rolled up to the province) and
# `tiendo agency CODE --json`; bad [probe] sections are refused at FILE:LINE.
. "$(dirname "$0")/lib.sh"

NOW=$(date +%s)
AS_OF=$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%SZ) # outages may not be later than as_of + 5 min

mkdir -p "$T/reg" "$T/bin"
cat >"$T/reg/agencies.csv" <<'CSV'
code,name,kind,parent,block
MOF,Bộ Tài chính,ministry,,government
HNI,Thành phố Hà Nội,province,,government
HNI-X01,Xã Một,commune,HNI,government
HNI-X02,Xã Hai,commune,HNI,government
CSV
cat >"$T/reg/tasks.csv" <<'CSV'
id,title,source,lead,deadline,assigned_on,group,difficulty
NV-X01,One,71/NQ-CP,HNI-X01,2026-12-31,2025-01-01,,normal
NV-X02,Two,71/NQ-CP,HNI-X02,2026-12-31,2025-01-01,,normal
CSV
collector_init "$T/reg"
collector_start
for c in X01 X02; do
    mkdir -p "$T/agents/HNI-$c"
    printf '{"agency": "HNI-%s", "as_of": "%s", "tasks": [{"id": "NV-%s", "state": "in_progress", "progress": 10}]}\n' \
        "$c" "$AS_OF" "$c" >"$T/agents/HNI-$c/status.json"
done

# Enrolls agency $1 and writes its own agent.ini (whatever agent_setup writes): interval $2,
# reconnection attempts every second (so that a link outage's end is seen within a second of
# the collector's return), and the [probe] sections on stdin.
probe_agent() {
    local dir="$T/agents/$1"
    agent_setup "$1" "$dir/status.json"
    { printf '[agent]\ncollector = %s\ncredentials = %s\nstatus_file = %s\nstate_dir = %s\n' \
        "$AGENTS_EP" "$dir/agent.cred" "$dir/status.json" "$dir/state"
      printf 'interval = %s\nreconnect_max = 1\n\n' "$2"; cat; } >"$dir/agent.ini"
}

# X01: a daemon with a 1 s power heartbeat and a probe that hangs (killed after 8 s).
probe_agent HNI-X01 2 <<'INI'
[probe power]
interval = 1

[probe slow]
type = exec
command = sleep 60
timeout = 8
interval = 3600
INI
X01="$T/agents/HNI-X01"

json() { "$CLI" "$@" --json; }
start_x01() { # $1: the boot time the agent sees
    TIENDO_TEST_BOOT_TIME=$1 "$AGENT" --config "$X01/agent.ini" 2>>"$T/x01.log" &
    X01_PID=$!
    PIDS+=("$X01_PID")
}
readings_of() { # readings of agency $1 as "probe/name value error" lines
    json agency "$1" | python3 -c '
import json, sys
for r in json.load(sys.stdin)["probes"]["readings"]:
    print("%s/%s %r %s" % (r["probe"], r["name"], r["value"], r["error"]))'
}
has_reading() { readings_of "$1" | grep -q -- "$2"; }

# A probe that hangs does not hold the report back: it is delivered well before the probe's
# 8 s timeout, and the probe's failure follows in a later report.
T0=$((NOW - 86400))
start_x01 $T0
started=$SECONDS
wait_for 20 has_reading HNI-X01 'host/disk_free_bytes' || fail "X01's first report never arrived"
[ $((SECONDS - started)) -lt 6 ] || fail "X01's first report took $((SECONDS - started)) s: held back by the hanging probe?"
has_reading HNI-X01 'slow/error' && fail "the hanging probe was reported failed before its timeout"
wait_for 20 has_reading HNI-X01 'slow/error 0.0 timed out after 8 s' ||
    fail "the hanging probe was not reported as timed out: $(readings_of HNI-X01)"

# (1) Power cut: kill -9, then the system "boots" again at T1; the outage runs from the last
# heartbeat (at most 1 s before the kill) to T1.
sleep 1.5
KILLED_AT=$(date +%s)
kill -9 "$X01_PID"
wait "$X01_PID" 2>/dev/null || true
sleep 2
T1=$(date +%s)
start_x01 $T1
power_listed() { json outages --kind power | grep -q HNI-X01; }
wait_for 20 power_listed || fail "no power outage for HNI-X01: $(json outages --kind power)"
check_power() { # $@: tiendo outages options
    json outages --kind power "$@" | python3 -c '
import json, sys
from datetime import datetime
killed, t1 = int(sys.argv[1]), int(sys.argv[2])
d = json.load(sys.stdin)
ts = lambda s: int(datetime.fromisoformat(s).timestamp())
assert d["kind"] == "power" and d["from"].endswith("+07:00"), d
rows = {a["agency"]: a for a in d["agencies"]}
assert list(rows) == ["HNI-X01"], d
a = rows["HNI-X01"]
assert a["outages"] == 1 and not a["currently_out"] and len(a["list"]) == 1, a
o = a["list"][0]
start, end = ts(o["start"]), ts(o["end"])
assert o["kind"] == "power" and killed - 3 <= start <= killed, (o, killed)
assert end == t1, (o, t1)
assert abs(o["hours"] - (end - start) / 3600) < 1e-6, o
assert abs(a["total_hours"] - o["hours"]) < 1e-6 and abs(a["longest_hours"] - o["hours"]) < 1e-6, a
t = d["total"]
assert t["outages"] == 1 and abs(t["total_hours"] - o["hours"]) < 1e-6, t
assert t["agencies_currently_out"] == 0, t
' "$KILLED_AT" "$T1"
}
check_power || fail "power outage (all agencies)"
check_power --province HNI || fail "power outage rolled up to HNI"
check_power --agency HNI-X01 || fail "power outage of HNI-X01"
# The same measured hours appear in tiendo infra, beside the typed-in counts.
pw=$(json outages --kind power --province HNI | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["total_hours"])')
json infra --province HNI | python3 -c '
import json, sys
m = json.load(sys.stdin)["measured"]
assert m["outage_hours_30d"] >= float(sys.argv[1]) - 1e-9 and m["agencies_without_power"] == 0, m' "$pw" ||
    fail "tiendo infra does not show the measured outage hours"
json outages --kind power --agency HNI-X02 | python3 -c '
import json, sys; d = json.load(sys.stdin); assert d["agencies"] == [] and d["total"]["outages"] == 0, d' ||
    fail "HNI-X02 has a power outage it never had"

# A crash (kill -9, same boot time) and a clean stop before a reboot are not power cuts.
grep -q "msg=\"power outage\"" "$T/x01.log" || fail "the power outage was not logged"
grep -q "not a power cut" "$T/x01.log" && fail "the reboot was taken for a crash"
sleep 1.5
kill -9 "$X01_PID"
wait "$X01_PID" 2>/dev/null || true
start_x01 $T1
wait_for 20 grep -q "not a power cut" "$T/x01.log" || fail "a crash without a reboot was not told apart"
kill -TERM "$X01_PID"
wait "$X01_PID" 2>/dev/null || true
grep -q "^clean yes$" "$X01/state/probes.journal" || fail "a clean stop was not journaled: $(cat "$X01/state/probes.journal")"
start_x01 $((T1 + 60))
wait_for 20 grep -q "^boot $((T1 + 60))$" "$X01/state/probes.journal" || fail "the new boot time was not journaled"
[ "$(grep -c '^outage power' "$X01/state/probes.journal")" = 1 ] ||
    fail "a crash or a clean stop was journaled as a power outage: $(cat "$X01/state/probes.journal")"

# (2) Link cut: the collector stops for 8 s; the agent records one link outage from the stop to
# the collector's return.
wait_for 20 has_reading HNI-X01 'link/rtt_ms' || fail "no link readings: $(readings_of HNI-X01)"
STOPPED_AT=$(date +%s)
collector_stop
sleep 8
BACK_AT=$(date +%s)
collector_restart_same_ports
link_ended() {
    json outages --kind link --agency HNI-X01 | python3 -c '
import json, sys
a = json.load(sys.stdin)["agencies"]
assert a and all(o["end"] for o in a[0]["list"])'
}
wait_for 30 link_ended || fail "no ended link outage: $(json outages --kind link 2>&1)"
json outages --kind link | python3 -c '
import json, sys
from datetime import datetime
stopped, back = int(sys.argv[1]), int(sys.argv[2])
ts = lambda s: int(datetime.fromisoformat(s).timestamp())
d = json.load(sys.stdin)
assert [a["agency"] for a in d["agencies"]] == ["HNI-X01"], d
(o,) = d["agencies"][0]["list"]
start, end = ts(o["start"]), ts(o["end"])
assert o["kind"] == "link" and abs(start - stopped) <= 2, (o, stopped)
assert back - 1 <= end <= back + 4, (o, back)
assert abs(o["hours"] * 3600 - (end - start)) < 0.01, o
assert d["total"]["agencies_currently_out"] == 0, d
' "$STOPPED_AT" "$BACK_AT" || fail "link outage"
wait_for 10 has_reading HNI-X01 'link/reconnects 1.0 None' || fail "reconnects: $(readings_of HNI-X01)"
readings_of HNI-X01 | python3 -c '
import sys
r = {l.split()[0]: float(l.split()[1]) for l in sys.stdin}
assert r["host/disk_free_bytes"] > 0 and r["host/disk_free_bytes"] % (1 << 20) == 0, r
assert abs(r["host/clock_offset_s"]) <= 2, r
assert r["link/rtt_ms"] % 10 == 0 and 0 <= r["link/rtt_ms"] < 2000, r
assert r["host/outbox_depth"] in (0, 1, 2, 4, 8), r' || fail "host readings: $(readings_of HNI-X01)"

# (3), (4) X02 --once: a hanging exec probe (timeout 2 s), a failing one, a working one, and a
# ups probe reading a fake upsc (the host probe off). The run is bounded by the timeout and the
# report delivered.
probe_agent HNI-X02 60 <<'INI'
[probe slow]
type = exec
command = sleep 60
timeout = 2

[probe bad]
type = exec
command = echo "modem not found" >&2; exit 3

[probe modem]
type = exec
command = printf 'signal_dbm -71.5\nbytes_in 1200\n'

[probe ups]
type = ups
ups = myups@localhost

[probe host]
enabled = no
INI
cat >"$T/bin/upsc" <<'SH'
#!/bin/sh
[ "$1" = "myups@localhost" ] || { echo "Error: Unknown UPS" >&2; exit 1; }
printf 'battery.charge: 100\nbattery.runtime: 1800\nbattery.voltage: 13.5\nups.status: OB DISCHRG\n'
SH
chmod +x "$T/bin/upsc"
started=$SECONDS
PATH="$T/bin:$PATH" "$AGENT" --config "$T/agents/HNI-X02/agent.ini" --once --timeout 20 \
    2>"$T/x02.log" || fail "X02 --once: exit $? $(cat "$T/x02.log")"
[ $((SECONDS - started)) -le 10 ] || fail "X02 --once took $((SECONDS - started)) s"
json reports --agency HNI-X02 | python3 -c '
import json, sys; r = json.load(sys.stdin)["reports"]; assert len(r) == 1 and r[0]["accepted"] == 1, r' ||
    fail "X02's report was not delivered whole"
readings_of HNI-X02 >"$T/x02.readings"
python3 - "$T/x02.readings" <<'PY' || fail "X02 readings: $(cat "$T/x02.readings")"
import sys
lines = open(sys.argv[1]).read().splitlines()
r = {l.split(" ", 2)[0]: (float(l.split(" ", 2)[1]), l.split(" ", 2)[2]) for l in lines}
assert r["slow/error"] == (0.0, "timed out after 2 s"), r
assert r["bad/error"] == (0.0, "exited with status 3: modem not found"), r
assert r["modem/signal_dbm"] == (-71.5, "None") and r["modem/bytes_in"] == (1200.0, "None"), r
assert r["ups/battery.charge"] == (100.0, "None"), r
assert r["ups/battery.runtime"] == (1800.0, "None") and r["ups/on_battery"] == (1.0, "None"), r
assert "ups/battery.voltage" not in r, r
assert not any(k.startswith(("link/", "host/")) for k in r), r  # --once has no link to watch
PY
# Run again with nothing changed: the probes run again, measure the same, and no report is
# added (their readings and measured_at are kept in state_dir/probes-once.journal).
PATH="$T/bin:$PATH" "$AGENT" --config "$T/agents/HNI-X02/agent.ini" --once --timeout 20 \
    2>"$T/x02.log" || fail "X02 --once again: exit $? $(cat "$T/x02.log")"
grep -q "^reading slow error 0 [0-9]* timed out after 2 s$" "$T/agents/HNI-X02/state/probes-once.journal" ||
    fail "--once's readings not kept: $(cat "$T/agents/HNI-X02/state/probes-once.journal")"
json reports --agency HNI-X02 | python3 -c '
import json, sys; r = json.load(sys.stdin)["reports"]; assert len(r) == 1, r' ||
    fail "an unchanged --once run queued another report"

# Bad [probe] sections stop the agent at FILE:LINE.
bad_config() { # $1: expected message, stdin: the probe sections
    { sed -n '1,/^interval/p' "$T/agents/HNI-X02/agent.ini"; cat; } >"$T/bad.ini"
    set +e
    "$AGENT" --config "$T/bad.ini" --once --timeout 1 2>"$T/bad.err"
    local rc=$?
    set -e
    [ $rc -eq 1 ] && grep -qF -- "$1" "$T/bad.err" || fail "bad config ($1): rc=$rc $(cat "$T/bad.err")"
}
printf '[probe modem]\ntype = exec\ncolour = blue\n' | bad_config "bad.ini:9: unknown key \"colour\" in [probe modem]"
printf '[probe modem]\ntype = radio\n' | bad_config 'bad.ini:8: type "radio" is not one of power|link|host|exec|ups'
printf '[probe power]\ninterval = 0\n' | bad_config 'bad.ini:8: interval "0" is not a whole number in range (1..86400 seconds)'
printf '[probe modem]\ncommand = true\n' | bad_config "[probe modem] needs a type"
printf '[probe modem]\ntype = exec\n' | bad_config "an exec probe needs a command"
printf '[probe power]\ninterval = 5\n[probe mains]\ntype = power\n' | bad_config "[probe mains]: [probe power] is already the power probe"
printf '[probe ups]\ntype = ups\nups = -x\n' | bad_config 'bad.ini:9: ups "-x" is not NAME@HOST[:PORT]'
echo "t2000 passed"
