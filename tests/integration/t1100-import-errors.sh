#!/usr/bin/env bash
# Bad registry rows: every error printed as FILE:LINE: reason, exit 1, nothing imported; a good
# import afterwards works and re-importing updates existing rows.
. "$(dirname "$0")/lib.sh"

collector_init
mkdir -p "$T/csv"
cat >"$T/csv/agencies.csv" <<'CSV'
code,name,kind,parent,block
MOF,Bộ Tài chính,ministry,,government
HNI,"Thành phố Hà Nội",province,,government
HNI-X01,"Phường ""Ba Đình""",commune,HNI,government
BAD,Bad kind,ministy,,government
X02,Orphan commune,commune,NOPE,government
CSV
cat >"$T/csv/tasks.csv" <<'CSV'
id,title,source,lead,deadline,assigned_on,group,difficulty
NV-0001,"Số hóa hồ sơ, giai đoạn 1",71/NQ-CP,MOF,2025-12-31,2025-02-01,du-lieu,normal
NV-0002,Task with bad date,57-NQ/TW,MOF,2025-13-01,2025-02-01,,normal
NV-0003,Unknown lead,57-NQ/TW,MOFF,2025-12-01,2025-02-01,,hard
CSV
set +e
"$COLLECTOR" import --data "$T/data" --agencies "$T/csv/agencies.csv" --tasks "$T/csv/tasks.csv" \
    >"$T/out" 2>"$T/err"
rc=$?
set -e
cat "$T/err"
[ $rc -eq 1 ] || fail "import with bad rows exited $rc, want 1"
grep -q "agencies.csv:5: kind \"ministy\"" "$T/err" || fail "no error for agencies.csv:5"
grep -q "tasks.csv:3: deadline \"2025-13-01\"" "$T/err" || fail "no error for tasks.csv:3"
grep -q "nothing imported" "$T/err" || fail "no 'nothing imported'"

# Row-level errors stop before cross-checks; fix them and the cross-row errors show, with lines.
sed -i '/^BAD,/d' "$T/csv/agencies.csv"
sed -i '/^NV-0002,/d' "$T/csv/tasks.csv"
set +e
"$COLLECTOR" import --data "$T/data" --agencies "$T/csv/agencies.csv" --tasks "$T/csv/tasks.csv" 2>"$T/err"
rc=$?
set -e
cat "$T/err"
[ $rc -eq 1 ] || fail "import with bad references exited $rc"
grep -q "agencies.csv:5: parent \"NOPE\" is not a registered agency" "$T/err" || fail "parent error"
grep -q "tasks.csv:3: lead \"MOFF\" is not a registered agency" "$T/err" || fail "lead error"

# Nothing was stored by the failed imports.
collector_start
"$CLI" summary --json >"$T/s.json"
[ "$(json_get total <"$T/s.json")" = 0 ] || fail "a failed import stored tasks"

sed -i '/^X02,/d' "$T/csv/agencies.csv"
sed -i 's/,MOFF,/,MOF,/' "$T/csv/tasks.csv"
"$COLLECTOR" import --data "$T/data" --agencies "$T/csv/agencies.csv" --tasks "$T/csv/tasks.csv"
# Import while the collector runs: the running collector sees it.
"$CLI" summary --as-of 2025-06-01 --json >"$T/s.json"
[ "$(json_get total <"$T/s.json")" = 2 ] || fail "import not visible: $(cat "$T/s.json")"
# Re-import updates an existing id.
sed -i 's/NV-0003,Unknown lead/NV-0003,Renamed task/' "$T/csv/tasks.csv"
"$COLLECTOR" import --data "$T/data" --tasks "$T/csv/tasks.csv" >/dev/null
"$CLI" tasks --as-of 2025-06-01 --csv | grep -q "^NV-0003,Renamed task," || fail "update not applied"
"$CLI" tasks --as-of 2025-06-01 --csv | grep -q '^NV-0001,"Số hóa hồ sơ, giai đoạn 1",' || fail "UTF-8/quoting"
echo "t1100 passed"
