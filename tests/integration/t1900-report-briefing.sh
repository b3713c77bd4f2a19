#!/usr/bin/env bash
# tiendo report, the steering-committee briefing: a national registry with 40 communes, every
# agency's real agent delivering both snapshots (two of them then falling silent). The Markdown
# and the HTML briefing must show, in Vietnamese notation, the very figures the CLI's JSON
# queries answer (every class, the year's remainder, the change since, the top overdue agencies,
# the hard tasks at risk, infrastructure, services, databases, funding, open obstacles, silent
# agents); the HTML must be one self-contained, well-formed file that Chromium renders and
# prints to A4. Bad options and failing queries must exit with a reason and write nothing.
# TD_BRIEFING_OUT=DIR keeps the rendered briefing (b.md, b.html, b.png, b.pdf, page-1.png).
. "$(dirname "$0")/lib.sh"

D1=2025-09-30 D2=2025-12-04
LOOPS=6

command -v chromium >/dev/null || fail "chromium is not installed (scripts/deps.sh installs it)"

"$SIM" generate --out "$T/gen" --seed 9 --communes 40 --dates "$D1,$D2" >/dev/null
# Every agency with a status file, and two that will fall silent: a ministry and a commune.
python3 - "$T/gen" "$D1" "$D2" "$LOOPS" >"$T/codes" <<'PY'
import csv, os, sys
gen, d1, d2, loops = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
kinds = {r["code"]: r["kind"] for r in csv.DictReader(open(os.path.join(gen, "agencies.csv")))}
codes = sorted({n[:-5] for d in (d1, d2) for n in os.listdir(os.path.join(gen, "status", d))})
silent = {next(c for c in codes if kinds[c] == k) for k in ("ministry", "commune")}
for i, c in enumerate(codes):
    print(i % loops, c, "silent" if c in silent else "live")
PY
SILENT=$(awk '$3 == "silent" {print $2}' "$T/codes" | sort | tr '\n' ' ')
note "$(wc -l <"$T/codes") agencies; falling silent: $SILENT"

collector_init "$T/gen"
collector_start

# One loop delivers its agencies in turn. A silent one reports with a 1 s interval, so that six
# intervals without contact (silent) pass during the test; the others with an hour.
deliver() {
    local loop=$1 l code kind d
    while read -r l code kind; do
        [ "$l" = "$loop" ] || continue
        if [ "$kind" = silent ]; then AGENT_INTERVAL=1; else AGENT_INTERVAL=3600; fi
        agent_setup "$code" "$T/agents/$code/status.json"
        for d in $D1 $D2; do
            deliver_snapshot "$code" "$d" || return 1
        done
    done <"$T/codes"
}
started=$SECONDS
run_parallel "$LOOPS" deliver
note "delivered in $((SECONDS - started)) s"

# An obstacle whose description would break Markdown and HTML unless escaped; the briefing must
# show it verbatim (check.py compares every description with the CLI's).
HOSTILE='<script>alert("x")</script> & '"'"'y'"'"' | *z* _w_ [a](b) `c` <b>đậm</b>'
H=$(awk '$3 == "live" {print $2}' "$T/codes" | head -n 1)
python3 - "$H" "$HOSTILE" >"$T/agents/$H/status.json" <<'PY'
import json, sys
print(json.dumps({"agency": sys.argv[1], "as_of": "2025-12-04T18:00:00+07:00", "obstacles": [
    {"id": "VM-99", "category": "other", "description": sys.argv[2], "state": "open",
     "reported_on": "2025-12-01"}]}, ensure_ascii=False))
PY
"$AGENT" --config "$T/agents/$H/agent.ini" --once --timeout 30 >>"$T/agent.$H.log" 2>&1 \
    || fail "agent $H exited $? for the hostile obstacle: $(tail -n 5 "$T/agent.$H.log")"

silent_now() {
    [ "$("$CLI" agents --state silent --json | python3 -c '
import json, sys
print(" ".join(sorted(a["agency"] for a in json.load(sys.stdin)["agents"])) + " ")')" = "$SILENT" ]
}
wait_for 60 silent_now || fail "agents silent: want exactly $SILENT"

# The CLI's own answers, which the briefing must repeat.
J="$T/json"
mkdir -p "$J"
"$CLI" summary --as-of $D2 --json >"$J/summary.json"
"$CLI" summary --as-of $D2 --due-by 2025-12-31 --json >"$J/due.json"
"$CLI" summary --as-of $D1 --json >"$J/since.json"
"$CLI" summary --as-of 2025-11-27 --json >"$J/week.json"
"$CLI" tasks --as-of $D2 --class overdue --json >"$J/overdue.json"
"$CLI" tasks --as-of $D2 --difficulty hard --json >"$J/hard.json"
"$CLI" infra --as-of $D2 --json >"$J/infra.json"
"$CLI" services --as-of $D2 --json >"$J/services.json"
"$CLI" databases --as-of $D2 --json >"$J/databases.json"
"$CLI" funding --as-of $D2 --json >"$J/funding.json"
"$CLI" obstacles --as-of $D2 --state open --json >"$J/obstacles.json"
grep -Fq 'alert(\"x\")' "$J/obstacles.json" || fail "the hostile obstacle was not stored"
top=$(python3 -c '
import collections, json, sys
n = collections.Counter(t["lead"] for t in json.load(open(sys.argv[1]))["tasks"])
print(n.most_common(1)[0][0])' "$J/overdue.json")
"$CLI" agency "$top" --json >"$J/top-agency.json"

started=$SECONDS
"$CLI" report --as-of $D2 --since $D1 --format md >"$T/b.md" || fail "report --format md exited $?"
"$CLI" report --as-of $D2 --since $D1 --format html --out "$T/b.html" \
    >"$T/html.stdout" || fail "report --format html exited $?"
"$CLI" report --as-of $D2 >"$T/week.md" || fail "report without --since exited $?"
note "three briefings in $((SECONDS - started)) s"
[ ! -s "$T/html.stdout" ] || fail "report --out also wrote to the standard output"

cat >"$T/check.py" <<'PY'
"""Reads the briefing's tables (Markdown or HTML) and compares them with the CLI's JSON."""
import collections, datetime, html.parser, json, os, re, sys

J, SILENT = sys.argv[1], sys.argv[2].split()
js = {n[:-5]: json.load(open(os.path.join(J, n))) for n in os.listdir(J)}

def vn_int(n):
    return f"{abs(n):,}".replace(",", ".") if n >= 0 else "-" + vn_int(-n)

def vn_dec(x, suffix=""):  # as the C code rounds: half up, one decimal
    t = int(abs(x) * 10.0 + 0.5)
    return ("-" if x < 0 and t else "") + vn_int(t // 10) + f",{t % 10}" + suffix

def vn_pct(part, whole):
    return vn_dec(100.0 * part / whole, "%") if whole else "–"

def vn_signed(n):
    return ("+" if n > 0 else "−" if n < 0 else "") + vn_int(abs(n))

def ws(text):  # whitespace as a reader sees it: runs of it are one space
    return re.sub(r"\s+", " ", text).strip()

def parse_md(text):
    """{section number: {"paras": [...], "tables": [[cells per row]]}} from the Markdown."""
    secs, cur, table = {}, None, None
    for line in text.splitlines():
        m = re.match(r"## (\d+)\. ", line)
        if m:
            cur = secs.setdefault(int(m.group(1)), {"paras": [], "tables": [], "title": line[3:]})
            table = None
        elif cur is None:
            continue
        elif line.startswith("|"):
            cells = [ws(re.sub(r"\\(.)", r"\1", c).replace("**", ""))
                     for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if all(re.fullmatch(r"-+:?", c) for c in cells):
                continue
            if table is None:
                table = []
                cur["tables"].append(table)
            table.append(cells)
        else:
            table = None
            if line.strip() and not line.startswith("#"):
                cur["paras"].append(re.sub(r"\\(.)", r"\1", line))
    return secs

class HtmlReader(html.parser.HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "line", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.secs, self.cur = [], [], {}, None
        self.text, self.row, self.table, self.tags = None, None, None, collections.Counter()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        for k, v in attrs:
            if k in ("src", "href") or (v and re.search(r"url\(|@import|javascript:", v)):
                self.errors.append(f"external reference <{tag} {k}={v!r}>")
        if tag in ("script", "iframe", "object", "embed", "img", "link"):
            self.errors.append(f"<{tag}> in a self-contained briefing")
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag in ("h2", "p", "td", "th"):
            self.text = ""
        elif tag == "table" and self.cur:
            self.table = []
            self.cur["tables"].append(self.table)
        elif tag == "tr":
            self.row = []

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "h2":
            n = int(self.text.split(".")[0])
            self.cur = self.secs.setdefault(n, {"paras": [], "tables": [], "title": self.text})
        elif tag == "p" and self.cur:
            self.cur["paras"].append(self.text)
        elif tag in ("td", "th") and self.row is not None:
            self.row.append(ws(self.text))
        elif tag == "tr" and self.table is not None:
            self.table.append(self.row)
        if tag in ("h2", "p", "td", "th"):
            self.text = None

    def handle_data(self, data):
        if self.text is not None:
            self.text += data

def parse_html(text):
    p = HtmlReader()
    p.feed(text)
    p.close()
    if p.stack:
        p.errors.append(f"unclosed {p.stack}")
    for need in ("html", "head", "body", "style", "svg", "table"):
        if not p.tags[need]:
            p.errors.append(f"no <{need}>")
    if p.tags["svg"] < 2:
        p.errors.append("want at least the class and top-10 charts")
    if p.errors:
        sys.exit("HTML: " + "; ".join(p.errors[:8]))
    return p.secs

def rows(sec, t=0):
    return {r[0]: r[1:] for r in sec["tables"][t][1:]}

bad = []
def want(what, got, expect):
    if got != expect:
        bad.append(f"{what}: briefing says {got!r}, the CLI {expect!r}")

CLASSES = [("total", "Tổng số nhiệm vụ"), ("completed", "Đã hoàn thành"),
           ("completed_on_time", "Trong đó: đúng hạn"), ("completed_late", "Trong đó: trễ hạn"),
           ("on_schedule", "Đang thực hiện, trong hạn"), ("overdue", "Quá hạn, chưa hoàn thành"),
           ("regular", "Nhiệm vụ thường xuyên"), ("unreported", "Chưa có báo cáo")]

def check_tasks(s, since):
    now = js["summary"]
    total = now["total"]
    t1 = rows(s[1])
    for key, label in CLASSES:
        want(f"1 {label}", t1.get(label), [vn_int(now[key]), vn_pct(now[key], total)])
    due = js["due"]["open_due_by"]
    t2 = s[2]["tables"][0]
    want("2 open_due_by", t2[1][1], vn_int(due))
    want("2 overdue of them", t2[2][1], vn_int(now["overdue"]))
    t3 = rows(s[3])
    for key, label in CLASSES:
        want(f"3 {label}", t3.get(label), [vn_int(since[key]), vn_int(now[key]),
                                            vn_signed(now[key] - since[key])])
    return total

def check_top(s):
    tasks = js["overdue"]["tasks"]
    count = collections.Counter(t["lead"] for t in tasks)
    longest = {}
    for t in tasks:
        longest[t["lead"]] = max(longest.get(t["lead"], 0), t["days_overdue"])
    got = s[4]["tables"][0][1:]
    want("4 rows", len(got), min(10, len(count)))
    want("4 counts, most first", [r[3] for r in got],
         [vn_int(n) for _, n in count.most_common(10)])
    for r in got:
        want(f"4 {r[1]} count and longest", r[3:], [vn_int(count[r[1]]), vn_int(longest[r[1]])])
    want("4 top agency", got[0][1], js["top-agency"]["agency"]["code"])
    want("4 top agency name", got[0][2], js["top-agency"]["agency"]["name"])
    return got[0][1], got[0][3]

def check_risk(s):
    today = datetime.date.fromisoformat(js["summary"]["as_of"][:10])
    expect = {t["id"] for t in js["hard"]["tasks"] if t["class"] == "overdue" or (
        t["class"] == "on_schedule" and
        (datetime.date.fromisoformat(t["deadline"]) - today).days <= 30)}
    got = [r[0] for r in s[5]["tables"][0][1:]]
    want("5 hard tasks at risk", sorted(got), sorted(expect))
    if not any(r[4].startswith("Còn") for r in s[5]["tables"][0][1:]):
        bad.append("5: no hard task due soon, the filter is not exercised")

def check_sections(s):
    i, sv, db, f, ob = (js[k] for k in ("infra", "services", "databases", "funding", "obstacles"))
    t6 = rows(s[6])
    want("6 villages_signal_gap", t6["Thôn, bản còn lõm sóng di động"],
         [vn_int(i["villages_signal_gap"]), vn_int(i["villages_total"]),
          vn_pct(i["villages_signal_gap"], i["villages_total"])])
    want("6 villages_no_power", t6["Thôn, bản chưa có điện lưới"][0], vn_int(i["villages_no_power"]))
    want("6 communes reporting", t6["Xã có báo cáo"][:2],
         [vn_int(i["communes_reporting"]), vn_int(i["communes_total"])])
    want("6 communes short", t6["Xã thiếu thiết bị đầu cuối"][0],
         vn_int(i["communes_short_of_terminals"]))
    t7 = rows(s[7])
    want("7 online_rate", t7["Thủ tục hành chính cung cấp trực tuyến"][2],
         vn_dec(100.0 * sv["online_rate"], "%"))
    want("7 fully_online_rate", t7["Hồ sơ xử lý trực tuyến toàn trình"][2],
         vn_dec(100.0 * sv["fully_online_rate"], "%"))
    want("7 target", s[7]["title"].split()[-1], vn_dec(100.0 * sv["fully_online_target"], "%"))
    want("7 localities fully announced", t7["Địa phương đã công bố đầy đủ thủ tục"][:2],
         [vn_int(sv["localities_fully_announced"]), vn_int(sv["localities_reporting"])])
    t8 = rows(s[8])
    for key, label in (("not_started", "Chưa triển khai"), ("deploying", "Đang triển khai"),
                       ("foundation_centralized", "Đã hoàn thành, tập trung thống nhất"),
                       ("total", "Tổng số")):
        want(f"8 {key}", t8[label][0], vn_int(db[key]))
    want("8 unfinished listed", len(s[8]["tables"][1]) - 1, db["not_started"] + db["deploying"])
    t9 = rows(s[9])
    want("9 requested", t9["Kinh phí đề xuất"][0], vn_dec(f["requested_vnd"] / 1e9))
    want("9 disbursed", t9["Đã giải ngân"], [vn_dec(f["disbursed_vnd"] / 1e9),
                                             vn_dec(100.0 * f["disbursement_rate"], "%")])
    t10 = s[10]["tables"]
    want("10 open obstacles", rows(s[10])["Tổng số"][0], vn_int(ob["open"]))
    want("10 by category", sorted(r[1] for r in t10[0][1:-1]),
         sorted(vn_int(n) for n in ob["by_category"].values() if n))
    want("10 listed", sorted((r[1], r[2]) for r in t10[1][1:]),
         sorted((o["id"], ws(o["description"])) for o in ob["obstacles"]))
    want("11 silent agents", sorted(r[0] for r in s[11]["tables"][0][1:]), sorted(SILENT))
    return ob["open"], i["villages_signal_gap"], sv["online_rate"], db

def check(secs, since):
    want("sections", sorted(secs), list(range(1, 12)))
    if bad:
        return
    total = check_tasks(secs, since)
    top = check_top(secs)
    check_risk(secs)
    extra = check_sections(secs)
    return total, top, extra

mode, path = sys.argv[3], sys.argv[4]
text = open(path, encoding="utf-8").read()
if mode == "week":  # no --since: seven days before as-of
    secs = parse_md(text)
    want("3 title", secs[3]["title"], "3. Thay đổi so với ngày 27/11/2025")
    t3 = rows(secs[3])
    for key, label in CLASSES:
        want(f"3 {label} at 27/11", t3[label][0], vn_int(js["week"][key]))
else:
    secs = parse_md(text) if mode == "md" else parse_html(text)
    got = check(secs, js["since"])
    if got and not bad:
        total, (agency, n), (obst, gap, rate, db) = got
        print(f"ok {mode}: total={total} overdue={js['summary']['overdue']} "
              f"open_due_by={js['due']['open_due_by']} top={agency}:{n} "
              f"villages_signal_gap={gap} online_rate={vn_dec(100 * rate, '%')} "
              f"databases={db['not_started']}/{db['deploying']}/{db['foundation_centralized']} "
              f"open_obstacles={obst}")
    json.dump(secs, open(path + ".json", "w"), ensure_ascii=False)
if bad:
    sys.exit(f"{path}:\n  " + "\n  ".join(bad[:20]))
PY
python3 "$T/check.py" "$J" "$SILENT" md "$T/b.md" || fail "the Markdown briefing"
python3 "$T/check.py" "$J" "$SILENT" html "$T/b.html" || fail "the HTML briefing"
python3 "$T/check.py" "$J" "$SILENT" week "$T/week.md" || fail "the briefing with the default since"
# Both layouts hold the same tables, cell for cell.
python3 - "$T/b.md.json" "$T/b.html.json" <<'PY' || fail "the Markdown and HTML tables differ"
import json, sys
md, html = (json.load(open(p)) for p in sys.argv[1:])
for n in md:
    if md[n]["tables"] != html[n]["tables"]:
        sys.exit(f"section {n}: {md[n]['tables']} != {html[n]['tables']}"[:800])
PY
grep -q '@page *{ *size: *A4' "$T/b.html" || grep -q '@page{size:A4' "$T/b.html" \
    || fail "no A4 print rule in the HTML"
grep -q 'break-before:page' "$T/b.html" || fail "no page breaks for printing"

# Rendered: a screenshot to look at, and a print to PDF (A4).
CH=(chromium --headless --no-sandbox --disable-gpu --disable-background-networking
    --no-first-run --user-data-dir="$T/ch")
timeout 120 "${CH[@]}" --screenshot="$T/b.png" --window-size=1200,3000 "file://$T/b.html" \
    >"$T/chromium.out" 2>&1 || fail "chromium --screenshot: $(tail -n 5 "$T/chromium.out")"
timeout 120 "${CH[@]}" --no-pdf-header-footer --print-to-pdf="$T/b.pdf" "file://$T/b.html" \
    >>"$T/chromium.out" 2>&1 || fail "chromium --print-to-pdf: $(tail -n 5 "$T/chromium.out")"
python3 - "$T/b.png" "$T/b.pdf" <<'PY' || fail "rendering the briefing"
import struct, sys
png, pdf = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
if png[:8] != b"\x89PNG\r\n\x1a\n" or struct.unpack(">II", png[16:24]) != (1200, 3000):
    sys.exit("the screenshot is not a 1200x3000 PNG")
if len(png) < 100_000:
    sys.exit(f"the screenshot is nearly blank ({len(png)} bytes)")
pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
if not pdf.startswith(b"%PDF") or pages < 4:
    sys.exit(f"the PDF has {pages} pages, want the briefing over at least 4")
print(f"ok rendered: {len(png)} byte screenshot, {pages} A4 pages")
PY
if command -v pdftoppm >/dev/null; then
    pdftoppm -r 80 -png -f 1 -l 1 "$T/b.pdf" "$T/page" || fail "pdftoppm"
    [ -s "$T/page-01.png" ] || [ -s "$T/page-1.png" ] || fail "pdftoppm wrote no page"
    pdfinfo "$T/b.pdf" | grep -q "pts (A4)" || fail "the PDF pages are not A4"
fi
if [ -n "${TD_BRIEFING_OUT:-}" ]; then
    mkdir -p "$TD_BRIEFING_OUT"
    cp "$T"/b.md "$T"/b.html "$T"/b.png "$T"/b.pdf "$T"/page-*.png "$TD_BRIEFING_OUT"/ 2>/dev/null || true
fi

# Refusals: a reason, the exit code, and no file.
expect_exit() { # $1 = code, $2 = text the message holds, rest = tiendo's arguments
    local code=$1 text=$2 rc=0
    shift 2
    "$CLI" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ $rc -eq "$code" ] || fail "tiendo $* exited $rc, want $code ($(cat "$T/err"))"
    grep -Fq -- "$text" "$T/err" || fail "tiendo $*: no \"$text\" in: $(cat "$T/err")"
    [ ! -s "$T/out" ] || fail "tiendo $* wrote to the standard output"
}
expect_exit 2 'is not md or html' report --format pdf --out "$T/x.html"
expect_exit 2 'not --lead' report --lead MOF --out "$T/x.html"
expect_exit 1 '2025-13-45' report --as-of 2025-13-45 --out "$T/x.html"
expect_exit 1 'nonsense' report --as-of $D2 --since nonsense --out "$T/x.html"
expect_exit 73 "$T/no/such/dir" report --as-of $D2 --out "$T/no/such/dir/b.html"
[ ! -e "$T/x.html" ] || fail "a refused report left $T/x.html"
expect_exit 75 'no answer' --collector tcp://127.0.0.1:9 --timeout 1 report --out "$T/x.html"
[ ! -e "$T/x.html" ] || fail "an unanswered report left $T/x.html"
echo "t1900 passed"
