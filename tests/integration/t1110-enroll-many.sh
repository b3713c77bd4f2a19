#!/usr/bin/env bash
# Bulk enrollment: one agent credential per agency of an agencies CSV, all or none.
. "$(dirname "$0")/lib.sh"
"$SIM" generate --out "$T/gen" --seed 4 --communes 200 >/dev/null
collector_init "$T/gen"
n=$(($(wc -l <"$T/gen/agencies.csv") - 1))
"$COLLECTOR" enroll --data "$T/data" --agencies-from "$T/gen/agencies.csv" --out-dir "$T/creds" \
    >"$T/out" 2>"$T/err"
grep -q "enrolled $n agencies" "$T/out" || fail "$(cat "$T/out" "$T/err")"
! grep -q $'\r' "$T/err" || fail "a progress bar was drawn on a non-terminal"
[ "$(ls "$T/creds" | wc -l)" = "$n" ] || fail "$(ls "$T/creds" | wc -l) credential files, want $n"
[ "$(stat -c %a "$T/creds")" = 700 ] || fail "out-dir mode $(stat -c %a "$T/creds")"
bad=$(find "$T/creds" -type f ! -perm 600 | head -3)
[ -z "$bad" ] || fail "credential files not 0600: $bad"
keys=$("$COLLECTOR" keys --data "$T/data" --json | python3 -c 'import json,sys; print(sum(k["role"] == "agent" for k in json.load(sys.stdin)["keys"]))')
[ "$keys" = "$n" ] || fail "$keys agent keys enrolled, want $n"
# A credential from the batch works.
collector_start
code=$(ls "$T/gen/status/2025-12-04" | head -1 | sed 's/\.json$//')
mkdir -p "$T/agents/$code"
cp "$T/gen/status/2025-12-04/$code.json" "$T/agents/$code/status.json"
printf '[agent]\ncollector = %s\ncredentials = %s\nstatus_file = %s\nstate_dir = %s\n' "$AGENTS_EP" \
    "$T/creds/$code.cred" "$T/agents/$code/status.json" "$T/agents/$code/state" >"$T/agents/$code/agent.ini"
"$AGENT" --config "$T/agents/$code/agent.ini" --once --timeout 20 2>/dev/null || fail "a bulk credential was refused"
# All or none: a file naming an unregistered agency enrolls nothing and writes nothing.
{ head -3 "$T/gen/agencies.csv"; echo "NOPE,Not registered,ministry,,government"; } >"$T/bad.csv"
set +e; "$COLLECTOR" enroll --data "$T/data" --agencies-from "$T/bad.csv" --out-dir "$T/creds2" 2>"$T/err"; rc=$?; set -e
[ $rc -eq 1 ] || fail "an unregistered agency was accepted (exit $rc)"
grep -q 'agency "NOPE" is not registered; nothing written' "$T/err" || fail "$(cat "$T/err")"
[ ! -e "$T/creds2" ] || [ -z "$(ls -A "$T/creds2")" ] || fail "files were written"
keys2=$("$COLLECTOR" keys --data "$T/data" --json | python3 -c 'import json,sys; print(sum(k["role"] == "agent" for k in json.load(sys.stdin)["keys"]))')
[ "$keys2" = "$n" ] || fail "keys changed by a refused batch: $keys2"
set +e; "$COLLECTOR" enroll --data "$T/data" --agencies-from "$T/bad.csv" 2>"$T/err"; rc=$?; set -e
[ $rc -eq 1 ] && grep -q "goes with --out-dir" "$T/err" || fail "--agencies-from without --out-dir"
echo "t1110 passed ($n agencies)"
