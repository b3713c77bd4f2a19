#!/usr/bin/env bash
# The web dashboard (web/) served by the collector, in headless Chromium: a national registry
# with sections and 60 communes; every agency's real agent delivers both snapshots (two of them
# with a 1 s interval, so that they are silent by the time the page is read). For each date the
# page is loaded with ?as_of=D and its DOM dumped: every figure carries data-query (a query, that
# is a CLI command) and data-metric (an expression over that query's JSON), and each must equal
# what `tiendo CMD ... --json` answers, read back from its vi-VN text (1.287, 41,1%, —). The
# overdue list must hold summary.overdue rows, longest overdue first; every view must have
# rendered (data-state="ok", nothing of class "error"); leads, provinces and the per-province
# infrastructure and services must cover the registry. Driving the page over the DevTools
# protocol, changing the date picker re-renders every view for the new date (checked the same
# way) and clicking a column header sorts the table. Screenshots must be non-trivial PNGs.
. "$(dirname "$0")/lib.sh"

command -v chromium >/dev/null || fail "chromium is missing (scripts/deps.sh installs it)"
D1=2025-09-30 D2=2025-12-04
LOOPS=8
SILENT="AGG-X001 BNH-X001" # agents with a 1 s interval: silent after 6 s

"$SIM" generate --out "$T/gen" --seed 5 --communes 60 >/dev/null
[ -d "$T/gen/status/$D1" ] && [ -d "$T/gen/status/$D2" ] || fail "tiendo-sim wrote no snapshots for $D1 and $D2"
collector_init "$T/gen"
collector_start --web "$TD_SRC/web"
HTTP=$(sed -n 's/^http=//p' "$T/data/endpoints")
[ -n "$HTTP" ] || fail "no http endpoint written"
for s in $SILENT; do [ -f "$T/gen/status/$D2/$s.json" ] || fail "no status file for $s"; done

# Every agency with a status file: enroll it, then deliver its snapshots in date order.
ls "$T/gen/status/$D1" "$T/gen/status/$D2" | grep '\.json$' | sed 's/\.json$//' | sort -u \
    | awk -v n=$LOOPS '{ print NR % n, $1 }' >"$T/codes"
deliver() {
    local loop=$1 l code d
    while read -r l code; do
        [ "$l" = "$loop" ] || continue
        case " $SILENT " in *" $code "*) AGENT_INTERVAL=1 ;; *) AGENT_INTERVAL=3600 ;; esac
        AGENT_INTERVAL=$AGENT_INTERVAL agent_setup "$code" "$T/agents/$code/status.json"
        for d in $D1 $D2; do
            deliver_snapshot "$code" "$d" || return 1
        done
    done <"$T/codes"
}
started=$SECONDS
run_parallel "$LOOPS" deliver
note "$(wc -l <"$T/codes") agencies delivered in $((SECONDS - started)) s"
silent_count() { "$CLI" agents --state silent --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["agents"]))'; }
two_silent() { [ "$(silent_count)" = 2 ]; }
wait_for 20 two_silent || fail "the 1 s agents did not turn silent: $(silent_count)"

CHROME=(chromium --headless --no-sandbox --disable-gpu --disable-background-networking
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars --lang=vi-VN
    --user-data-dir="$T/chrome")

# Reads a dumped DOM and checks every figure against the CLI's answer to its query.
cat >"$T/check.py" <<'PY'
import csv, json, os, re, subprocess, sys, urllib.parse
from html.parser import HTMLParser

dom_file, day, gen, cli = sys.argv[1:5]
VIEWS = {"overview", "trend", "leads", "provinces", "overdue", "infra", "services", "databases",
         "funding", "obstacles", "agents"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
problems = []
def bad(msg):
    problems.append(msg)

class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.figs, self.errors, self.sections = [], [], [], {}
        self.body, self.picker, self.lists, self.list = {}, {}, {}, None
    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "error" in a.get("class", "").split():
            self.errors.append(tag)
        if tag == "section" and "data-view" in a:
            self.sections[a["data-view"]] = a.get("data-state")
        if tag == "body":
            self.body = a
        if tag == "input" and a.get("id") == "as-of":
            self.picker = a
        if tag == "tbody" and "data-list" in a:
            self.list = a["data-list"]
            self.lists[self.list] = []
        if tag == "tr" and self.list:
            self.lists[self.list].append(a)
        if tag in VOID:
            return
        self.stack.append((tag, {"attrs": a, "text": []} if "data-metric" in a else None))
    def handle_endtag(self, tag):
        if tag == "tbody":
            self.list = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                self.figs += [f for _, f in self.stack[i:] if f]
                del self.stack[i:]
                return
    def handle_data(self, data):
        for _, f in self.stack:
            if f:
                f["text"].append(data)

page = Page()
page.feed(open(dom_file, encoding="utf-8").read())

# The CLI's answer to a query "CMD?name=value&...", once each.
answers = {}
def ask(query):
    if query not in answers:
        cmd, _, q = query.partition("?")
        args = [cli, cmd]
        for k, v in urllib.parse.parse_qsl(q, keep_blank_values=True):
            args += [v] if (cmd, k) == ("agency", "code") else [f"--{k}", v]
        r = subprocess.run(args + ["--json"], capture_output=True, text=True, timeout=60)
        if r.returncode:
            sys.exit(f"{' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
        answers[query] = json.loads(r.stdout)
    return answers[query]

class J:  # attribute and index access into a JSON document, for the expressions
    __slots__ = ("v",)
    def __init__(self, v): self.v = v
    def __getattr__(self, k):
        try:
            return wrap(self.v[k])
        except (KeyError, TypeError, IndexError):
            raise AttributeError(k) from None
    def __getitem__(self, i): return wrap(self.v[i])
    def __len__(self): return len(self.v)
    def __iter__(self): return (wrap(x) for x in self.v)
def wrap(v):
    return J(v) if isinstance(v, (dict, list)) else v
def find(rows, id=None, **kw):
    if id is not None:
        kw["id"] = id
    hits = [r for r in rows.v if all(r.get(k) == v for k, v in kw.items())]
    if len(hits) != 1:
        raise LookupError(f"{len(hits)} rows with {kw}")
    return wrap(hits[0])

NUMBER = re.compile(r"(-?\d{1,3}(?:\.\d{3})*)(?:,(\d+))?(%)?(?: tỷ)?")
def read(text, scale):  # vi-VN text -> (value, tolerance); None for "—"
    t = " ".join(text.split())
    if t == "—":
        return None, 0
    m = NUMBER.fullmatch(t)
    if not m:
        raise ValueError(f"{t!r} is not a vi-VN number")
    whole, frac, percent = m.groups()
    value = float(whole.replace(".", "") + ("." + frac if frac else ""))
    tol = 0.5 * 10 ** -(len(frac) if frac else 0)
    if percent:
        value, tol = value / 100, tol / 100
    return value * scale, tol * scale

checked = 0
for f in page.figs:
    a, text = f["attrs"], "".join(f["text"]).strip()
    expr, query = a.get("data-metric", ""), a.get("data-query", "")
    where = f"{expr} [{query}] = {text!r}"
    if not query:
        bad(f"{where}: no data-query")
        continue
    root = query.partition("?")[0]
    if not re.search(rf"\b{root}\.", expr):
        bad(f"{where}: the expression does not read {root}")
        continue
    try:
        want = eval(expr, {"__builtins__": {}, "len": len, "max": max, "find": find},
                    {root: wrap(ask(query))})
    except ZeroDivisionError:
        want = None
    except (AttributeError, LookupError, TypeError) as e:
        bad(f"{where}: {type(e).__name__} {e}")
        continue
    if isinstance(want, J):
        bad(f"{where}: names a list or object, not a figure")
        continue
    checked += 1
    if isinstance(want, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}\+07:00)?", want):  # shown dd/mm/yyyy hh:mm
            want = f"{want[8:10]}/{want[5:7]}/{want[:4]}" + (f" {want[11:16]}" if len(want) > 10 else "")
        if text != want:
            bad(f"{where}: want {want!r}")
        continue
    try:
        got, tol = read(text, float(a.get("data-scale") or 1))
    except ValueError as e:
        bad(f"{where}: {e}")
        continue
    if want is None or got is None:
        if want is not got:
            bad(f"{where}: want {want!r}")
    elif abs(got - want) > tol + 1e-9:
        bad(f"{where}: want {want!r}")

# The page is complete, for the right date, without errors.
if page.body.get("data-ready") != day:
    bad(f"body data-ready={page.body.get('data-ready')!r}, want {day} (page not finished?)")
if page.body.get("data-errors") != "0":
    bad(f"body data-errors={page.body.get('data-errors')!r}")
if page.picker.get("value") != day:
    bad(f"date picker value={page.picker.get('value')!r}, want {day}")
if page.errors:
    bad(f"{len(page.errors)} elements of class error")
if set(page.sections) != VIEWS or any(s != "ok" for s in page.sections.values()):
    bad(f"views not all rendered: {page.sections}")

# Coverage: every query kind, every lead, every province.
queries = {f["attrs"].get("data-query", "") for f in page.figs}
params = lambda q: dict(urllib.parse.parse_qsl(q.partition("?")[2]))
cmds = {q.partition("?")[0] for q in queries}
for c in ("summary", "tasks", "trend", "agents", "infra", "services", "databases", "funding", "obstacles"):
    if c not in cmds:
        bad(f"no figure from {c}")
for q in queries:
    p = params(q)
    if q.startswith("trend?"):
        if p.get("to") != day or p.get("every") != "week" or p.get("metric") != "tasks":
            bad(f"trend query {q} is not weekly tasks up to {day}")
    elif not q.startswith("agents") and p.get("as-of") != day:
        bad(f"query {q} is not as of {day}")
kinds = {r["code"]: r for r in csv.DictReader(open(os.path.join(gen, "agencies.csv"), encoding="utf-8"))}
provinces = {c for c, r in kinds.items() if r["kind"] == "province"}
tasks = ask(f"tasks?as-of={day}")["tasks"]
central = {t["lead"] for t in tasks if kinds[t["lead"]]["kind"] not in ("province", "commune")}
shown = lambda cmd, key: {params(q)[key] for q in queries if q.startswith(cmd + "?") and key in params(q)}
if shown("summary", "lead") != central:
    bad(f"leads shown {sorted(shown('summary', 'lead'))}, want {sorted(central)}")
for cmd in ("summary", "infra", "services"):
    if shown(cmd, "province") != provinces:
        bad(f"{cmd} by province covers {len(shown(cmd, 'province'))} of {len(provinces)} provinces")

# The overdue list: one row per overdue task, longest overdue first.
want_overdue = ask(f"summary?as-of={day}")["overdue"]
rows = page.lists.get("overdue", [])
days = {t["id"]: t["days_overdue"] for t in ask(f"tasks?as-of={day}&class=overdue")["tasks"]}
if len(rows) != want_overdue:
    bad(f"overdue list has {len(rows)} rows, summary.overdue is {want_overdue}")
ids = [r.get("data-id") for r in rows]
if set(ids) != set(days):
    bad(f"overdue list ids differ from tasks --class overdue: {sorted(set(ids) ^ set(days))[:5]}")
elif [days[i] for i in ids] != sorted(days.values(), reverse=True):
    bad("overdue list is not sorted by days overdue, longest first")
# Obstacles: all of them, open first. Agents: every late or silent one.
ob = ask(f"obstacles?as-of={day}")
states = [r.get("data-state") for r in page.lists.get("obstacles", [])]
if len(states) != ob["total"] or states != sorted(states, key=lambda s: s != "open"):
    bad(f"obstacles list: {len(states)} rows (want {ob['total']}), open first: {states[:8]}...")
not_online = len(ask("agents?state=late")["agents"]) + len(ask("agents?state=silent")["agents"])
if len(page.lists.get("agents-not-online", [])) != not_online or not_online < 2:
    bad(f"agents list has {len(page.lists.get('agents-not-online', []))} rows, want {not_online} (>= 2)")

if checked < 800:
    bad(f"only {checked} figures checked")
if problems:
    print(f"{dom_file}: {len(problems)} problems", file=sys.stderr)
    for p in problems[:40]:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
print(f"ok {day}: {checked} figures equal the CLI's answers ({len(answers)} queries); "
      f"{len(rows)} overdue rows; {len(states)} obstacles; {not_online} agents not online")
PY

# Drives the page over the DevTools protocol (--remote-debugging-pipe): loads ?as_of=$1, sets the
# date picker to $2, waits for the re-render and writes the DOM; clicks a column header.
cat >"$T/drive.py" <<'PY'
import fcntl, json, os, subprocess, sys, time
url, first, second, out, *chrome = sys.argv[1:]
high = lambda fd: fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)  # out of the way of 3 and 4
r_cmd, w_cmd = map(high, os.pipe())  # chromium reads commands on fd 3
r_res, w_res = map(high, os.pipe())  # and writes results on fd 4
def child():
    os.dup2(r_cmd, 3); os.dup2(w_res, 4)  # dup2 makes them inheritable
proc = subprocess.Popen(chrome + ["--remote-debugging-pipe", "about:blank"], close_fds=False,
                        preexec_fn=child, stdout=subprocess.DEVNULL, stderr=open(out + ".err", "w"))
os.close(r_cmd); os.close(w_res)
buf, ids = b"", iter(range(1, 10**6))
def call(method, session=None, **params):
    global buf
    n = next(ids)
    msg = {"id": n, "method": method, "params": params}
    if session:
        msg["sessionId"] = session
    os.write(w_cmd, json.dumps(msg).encode() + b"\0")
    while True:
        while b"\0" not in buf:
            chunk = os.read(r_res, 1 << 20)
            if not chunk:
                sys.exit(f"chromium closed the pipe during {method}")
            buf += chunk
        raw, buf = buf.split(b"\0", 1)
        m = json.loads(raw)
        if m.get("id") == n:
            if "error" in m:
                sys.exit(f"{method}: {m['error']}")
            return m["result"]
def js(session, expr):
    r = call("Runtime.evaluate", session, expression=expr, returnByValue=True, awaitPromise=True)
    if "exceptionDetails" in r:
        sys.exit(f"{expr[:60]}: {r['exceptionDetails']}")
    return r["result"].get("value")
def wait_ready(session, day):
    deadline = time.time() + 30
    while js(session, "document.body && document.body.getAttribute('data-ready')") != day:
        if time.time() > deadline:
            sys.exit(f"page not ready for {day} within 30 s")
        time.sleep(0.1)
try:
    target = call("Target.createTarget", url=f"{url}/?as_of={first}")["targetId"]
    s = call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    wait_ready(s, first)
    js(s, f"(() => {{ const i = document.getElementById('as-of'); i.value = '{second}';"
          " i.dispatchEvent(new Event('change', {bubbles: true})); })()")
    wait_ready(s, second)
    if js(s, "location.search") != f"?as_of={second}":
        sys.exit(f"the URL did not follow the picker: {js(s, 'location.search')}")
    open(out, "w", encoding="utf-8").write(js(s, "'<!DOCTYPE html>' + document.documentElement.outerHTML"))
    # Sorting: the first click on a numeric header sorts descending, the second ascending.
    col = """(() => [...document.querySelectorAll('#leads tbody tr')].map(tr =>
        Number(tr.children[1].textContent.replace(/\\./g, ''))))()"""
    for want in ("descending", "ascending"):
        js(s, "document.querySelectorAll('#leads thead th button')[1].click()")
        got = js(s, col)
        if not got or got != sorted(got, reverse=want == "descending"):
            sys.exit(f"leads not sorted {want} by total after a click: {got}")
        if js(s, "document.querySelectorAll('#leads thead th')[1].getAttribute('aria-sort')") != want:
            sys.exit(f"aria-sort is not {want}")
    print(f"ok picker {first} -> {second}: re-rendered, URL updated; sorting by a header works")
finally:
    try:
        call("Browser.close")
    except (SystemExit, OSError):
        pass
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
PY

for d in $D1 $D2; do
    timeout 90 "${CHROME[@]}" --virtual-time-budget=15000 --dump-dom "http://$HTTP/?as_of=$d" \
        >"$T/dom.$d.html" 2>"$T/chrome.$d.err" || fail "chromium --dump-dom exited $?: $(tail -5 "$T/chrome.$d.err")"
    python3 "$T/check.py" "$T/dom.$d.html" "$d" "$T/gen" "$CLI" || fail "dashboard at $d"
    timeout 90 "${CHROME[@]}" --virtual-time-budget=15000 --screenshot="$T/d.$d.png" --window-size=1400,2400 \
        "http://$HTTP/?as_of=$d" >/dev/null 2>>"$T/chrome.$d.err" || fail "chromium --screenshot exited $?"
    size=$(stat -c %s "$T/d.$d.png" 2>/dev/null || echo 0)
    [ "$size" -gt 20000 ] || fail "screenshot at $d is $size bytes"
    [ "$(head -c 8 "$T/d.$d.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "screenshot at $d is not a PNG"
    note "screenshot at $d: $size bytes"
done
cp "$T/d.$D2.png" /tmp/tiendo-dashboard.png

timeout 90 python3 "$T/drive.py" "http://$HTTP" $D1 $D2 "$T/dom.picker.html" "${CHROME[@]}" \
    || fail "driving the page: $(tail -5 "$T/dom.picker.html.err" 2>/dev/null)"
python3 "$T/check.py" "$T/dom.picker.html" $D2 "$T/gen" "$CLI" || fail "dashboard after the picker moved to $D2"
echo "t1800 passed"
