#!/usr/bin/env bash
# The agent's configuration: every bad key or value is refused with FILE:LINE and what is wrong,
# before anything is read or sent.
. "$(dirname "$0")/lib.sh"
check() { # $1 = ini text, $2 = expected message
    printf '%s\n' "$1" >"$T/a.ini"
    set +e; "$AGENT" --config "$T/a.ini" --once --timeout 1 2>"$T/err"; rc=$?; set -e
    [ $rc -eq 1 ] || fail "config accepted (exit $rc): $1"
    grep -qF "$2" "$T/err" || fail "for [$1] want \"$2\", got: $(cat "$T/err")"
}
base=$'[agent]\ncollector = tcp://127.0.0.1:9\ncredentials = /nonexistent\nstatus_file = /nonexistent\nstate_dir = '"$T/state"
check "$base"$'\nspeed = 3' "a.ini:6: unknown key \"speed\" in [agent]"
check "$base"$'\ninterval = often' "a.ini:6: interval \"often\" is not a whole number in range"
check "$base"$'\ninterval = 0' "a.ini:6: interval \"0\" is not a whole number in range"
check "$base"$'\noutbox_max_mb = -1' "a.ini:6: outbox_max_mb \"-1\" is not a whole number in range"
check $'[agent]\ncollector = tcp://x:1\ncredentials = /c\nstate_dir = /s' "[agent] status_file is required"
check $'[agent]\ncredentials = /c\nstatus_file = /s\nstate_dir = /s' "[agent] collector is required"
check $'[agnet]\ncollector = x' "a.ini:2: unknown section [agnet]"
check "$base"$'\nlog = screen' "a.ini:6: log \"screen\" is not one of stderr|syslog"
check $'[agent]\ncollector =' "a.ini:2: collector must be a non-empty value"
# A valid configuration gets past the file: the credential file is what is missing then.
set +e; printf '%s\n' "$base" >"$T/a.ini"; "$AGENT" --config "$T/a.ini" --once 2>"$T/err"; set -e
grep -q "/nonexistent" "$T/err" || fail "a valid config was not accepted: $(cat "$T/err")"
[ ! -e "$T/state" ] || fail "state_dir was created before the configuration was accepted whole"
echo "t1250 passed"
