#!/usr/bin/env bash
# Fault 4: the store is full (a 1 MiB map maximum). The collector stops acknowledging (nothing
# is acknowledged that was not committed), keeps answering queries, says why once, and when it
# has room again (restarted with a larger maximum) everything queued is stored exactly once.
. "$(dirname "$0")/lib.sh"
AGENTS=${AGENTS:-4}
export NOTE_BYTES=3500

fault_registry "$AGENTS"
collector_init "$T/reg"
collector_start --map-max-mb 1
codes=$(cut -d, -f1 "$T/reg/agencies.csv" | tail -n +2)
for c in $codes; do agent_setup "$c" "$T/agents/$c/status.json"; done

# Deliver growing history until the store refuses: --once then exits 75 (kept queued).
declare -A queued
full=""
for k in $(seq 1 200); do
    for c in $codes; do
        snapshot "$c" "$k" "$T/agents/$c/status.json"
        rc=0; "$AGENT" --config "$T/agents/$c/agent.ini" --once --timeout 3 2>>"$T/agents.log" || rc=$?
        queued[$c]=$k
        case $rc in
        0) ;;
        75) full="$c:$k"; break 2 ;;
        *) fail "$c snapshot $k exited $rc" ;;
        esac
    done
done
[ -n "$full" ] || fail "the store never filled"
c=${full%%:*} k=${full##*:}
note "store full at $full"
# Not acknowledged means not stored: the collector has seqs 1..k-1 of $c and not k.
stored=$("$CLI" reports --agency "$c" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["reports"]))')
[ "$stored" = $((k - 1)) ] || fail "$c: $stored stored while full, want $((k - 1))"
# Queries still answer; the cause was logged once.
"$CLI" summary --json >/dev/null || fail "queries stopped while full"
n=$(grep -c "cannot commit a batch of reports" "$T/collector.log")
[ "$n" = 1 ] || fail "the cause was logged $n times, want 1"
"$AGENT" --config "$T/agents/$c/agent.ini" --once --timeout 2 2>>"$T/agents.log" && fail "acknowledged while full"

# Room again: restart with a larger maximum; drain every agent.
collector_stop
collector_restart_same_ports --map-max-mb 64
for a in $codes; do
    "$AGENT" --config "$T/agents/$a/agent.ini" --once --timeout 60 2>>"$T/agents.log" || fail "drain of $a exited $?"
done
export TIENDO_COLLECTOR="$QUERIES_EP"
total=0
for a in $codes; do check_exactly_once "$a" "${queued[$a]}"; total=$((total + queued[$a])); done
echo "figures: reports_queued=$total stored=$total lost=0 duplicates_applied=0 full_at=$full map_max_mb=1"
echo "f400 passed"
