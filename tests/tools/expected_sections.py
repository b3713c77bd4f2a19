#!/usr/bin/env python3
"""Independent oracle for the section queries of `tiendo`: infra, services, databases,
funding, obstacles, agency and history (of a section).

Reads a data directory as `tiendo-sim generate` writes it (agencies.csv, status/*/*.json) and
prints, as JSON, what the collector must answer as of the end of a day in Vietnam (UTC+7). It
shares no code with tiendo: the rules are restated here from the specification.

Usage:
  expected_sections.py DIR --query infra     --as-of D [--province P]
  expected_sections.py DIR --query services  --as-of D [--province P]
  expected_sections.py DIR --query databases --as-of D [--agency A] [--stage S]
  expected_sections.py DIR --query funding   --as-of D [--agency A]
  expected_sections.py DIR --query obstacles --as-of D [--state S] [--category C]
  expected_sections.py DIR --query agency    --as-of D --agency A
  expected_sections.py DIR --query history   --agency A --section NAME
  expected_sections.py DIR --query trend     --from D --to D --every day|week|month
                       --metric infrastructure|services|funding|databases|obstacles
                       [--province P]
  expected_sections.py DIR --check          (every file keeps the section invariants)

Rules:
- T is the end of day D in UTC+7; a file counts when its as_of <= T.
- infrastructure, services, funding: an agency's value is the section of its file with the
  greatest as_of <= T that has the section; a file without the section leaves the earlier value.
- databases, obstacles: each (agency, id) takes the item from the latest file <= T listing it.
- infra: only communes count (--province: the communes whose parent is P). communes_total is the
  number of registered communes in scope, communes_reporting those with a value; sums of each
  count; communes_short_of_terminals: available < required; population_db_connected: how many
  are true.
- services: localities are provinces and communes (--province: P itself and its communes).
  Sums; rates are ratios of sums (null when the denominator is 0); localities_fully_announced:
  announced == total; fully_online_target is 0.8.
- databases: every agency (or --agency); counts by stage after the --stage filter.
- funding: every agency of any kind (or --agency); unallocated = requested - allocated;
  disbursement_rate = disbursed / allocated (null when allocated is 0).
- obstacles: every agency; counts by state and by category after the filters.
- trend: a point at --from and at every step after it (a day, a week, or the same day of the
  next month, the last day of the month when shorter) while not after --to; each point is the
  metric's query at the end of its date, without lists, plus "date".
- history: the versions of a section in as_of order; a file that repeats the value in effect at
  its as_of adds no version.
"""
import argparse
import csv
import datetime as dt
import glob
import json
import os
import sys

VN = dt.timezone(dt.timedelta(hours=7))
AGENCY_LEVEL = ("infrastructure", "services", "funding")
PER_ITEM = ("databases", "obstacles")
STAGES = ("not_started", "deploying", "foundation_centralized")
STATES = ("open", "resolved")
CATEGORIES = ("funding", "procedures", "online_services", "infrastructure", "data", "staffing",
              "other")
INFRA_COUNTS = ("terminals_required", "terminals_available", "villages_total",
                "villages_signal_gap", "villages_no_power")
SERVICE_COUNTS = ("procedures_total", "procedures_announced", "procedures_online",
                  "files_received", "files_fully_online", "records_total", "records_digitized")
FUNDING_COUNTS = ("requested_vnd", "allocated_vnd", "disbursed_vnd")


def parse_instant(text):
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    t = dt.datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=VN)


def end_of_day(text):
    return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59, 59), tzinfo=VN)


def vn_text(instant):
    return instant.astimezone(VN).isoformat()


def read_agencies(data_dir):
    with open(os.path.join(data_dir, "agencies.csv"), newline="", encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


def read_reports(data_dir):
    """Every status file as (as_of, path, report), oldest first."""
    out = []
    for path in glob.glob(os.path.join(data_dir, "status", "*", "*.json")):
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        out.append((parse_instant(report["as_of"]), path, report))
    out.sort(key=lambda r: (r[0], r[1]))
    return out


def state_at(reports, agencies, until):
    """({(section, agency): (as_of, value)}, {(section, agency, id): (as_of, item)}) at until."""
    level, items = {}, {}
    for as_of, _, report in reports:
        code = report["agency"]
        if as_of > until or code not in agencies:
            continue
        for name in AGENCY_LEVEL:
            if name in report:
                level[(name, code)] = (as_of, report[name])
        for name in PER_ITEM:
            for item in report.get(name, []):
                items[(name, code, item["id"])] = (as_of, item)
    return level, items


def rate(num, den):
    return num / den if den else None


def q_infra(agencies, level, _items, args):
    out = {"communes_reporting": 0, "communes_total": 0, "communes_short_of_terminals": 0,
           "population_db_connected": 0}
    out.update({k: 0 for k in INFRA_COUNTS})
    for code, a in agencies.items():
        if a["kind"] != "commune" or (args.province and a["parent"] != args.province):
            continue
        out["communes_total"] += 1
        found = level.get(("infrastructure", code))
        if not found:
            continue
        v = found[1]
        out["communes_reporting"] += 1
        for k in INFRA_COUNTS:
            out[k] += v[k]
        out["communes_short_of_terminals"] += v["terminals_available"] < v["terminals_required"]
        out["population_db_connected"] += v["population_db_connected"] is True
    return out


def q_services(agencies, level, _items, args):
    out = {"localities_reporting": 0, "localities_fully_announced": 0}
    out.update({k: 0 for k in SERVICE_COUNTS})
    for code, a in agencies.items():
        if a["kind"] not in ("province", "commune"):
            continue
        if args.province and code != args.province and a["parent"] != args.province:
            continue
        found = level.get(("services", code))
        if not found:
            continue
        v = found[1]
        out["localities_reporting"] += 1
        out["localities_fully_announced"] += v["procedures_announced"] == v["procedures_total"]
        for k in SERVICE_COUNTS:
            out[k] += v[k]
    out["online_rate"] = rate(out["procedures_online"], out["procedures_total"])
    out["fully_online_rate"] = rate(out["files_fully_online"], out["files_received"])
    out["fully_online_target"] = 0.8
    out["digitized_rate"] = rate(out["records_digitized"], out["records_total"])
    return out


def q_funding(agencies, level, _items, args):
    out = {"agencies_reporting": 0}
    out.update({k: 0 for k in FUNDING_COUNTS})
    for code in agencies:
        found = level.get(("funding", code))
        if not found or (args.agency and code != args.agency):
            continue
        out["agencies_reporting"] += 1
        for k in FUNDING_COUNTS:
            out[k] += found[1][k]
    out["unallocated_vnd"] = out["requested_vnd"] - out["allocated_vnd"]
    out["disbursement_rate"] = rate(out["disbursed_vnd"], out["allocated_vnd"])
    return out


def item_rows(items, section, keep):
    rows = []
    for (name, code, _), (as_of, item) in sorted(items.items()):
        if name != section or not keep(code, item):
            continue
        row = dict(item, agency=code, as_of=vn_text(as_of))
        rows.append(row)
    return rows


def q_databases(_agencies, _level, items, args):
    rows = item_rows(items, "databases", lambda code, d: (
        (not args.agency or code == args.agency) and (not args.stage or d["stage"] == args.stage)))
    out = {s: sum(r["stage"] == s for r in rows) for s in STAGES}
    out["total"] = len(rows)
    out["databases"] = rows
    return out


def q_obstacles(_agencies, _level, items, args):
    rows = item_rows(items, "obstacles", lambda code, o: (
        (not args.agency or code == args.agency) and (not args.state or o["state"] == args.state)
        and (not args.category or o["category"] == args.category)))
    out = {s: sum(r["state"] == s for r in rows) for s in STATES}
    out["total"] = len(rows)
    out["by_category"] = {c: sum(r["category"] == c for r in rows) for c in CATEGORIES}
    out["by_category"] = {c: n for c, n in out["by_category"].items() if n}
    out["obstacles"] = rows
    return out


def q_agency(agencies, level, items, args):
    code = args.agency
    if code not in agencies:
        raise ValueError(f"agency {code} is not registered")
    a = agencies[code]
    out = {"agency": {"code": code, "name": a["name"], "kind": a["kind"],
                      "parent": a["parent"] or None, "block": a["block"]}}
    for name in AGENCY_LEVEL:
        found = level.get((name, code))
        out[name] = dict(found[1], as_of=vn_text(found[0])) if found else None
    for name in PER_ITEM:
        out[name] = item_rows(items, name, lambda c, _: c == code)
    return out


def q_history(agencies, reports, args):
    """Versions of one section of one agency (per item for databases and obstacles)."""
    if args.agency not in agencies:
        raise ValueError(f"agency {args.agency} is not registered")
    versions, in_effect = [], {}
    for as_of, _, report in reports:
        if report["agency"] != args.agency or args.section not in report:
            continue
        values = report[args.section]
        keyed = [(v["id"], v) for v in values] if args.section in PER_ITEM else [("", values)]
        for key, value in keyed:
            if in_effect.get(key) == value:
                continue
            in_effect[key] = value
            row = dict(value, as_of=vn_text(as_of))
            if key:
                row["agency"] = args.agency
            versions.append(row)
    versions.sort(key=lambda r: (r.get("id", ""), r["as_of"]))
    return {"agency": args.agency, "section": args.section, "versions": versions}


def check_file(path, report):
    """Problems with the sections of one file, against the invariants."""
    probs = []
    day = parse_instant(report["as_of"]).astimezone(VN).date()

    def nonneg(section, keys):
        for k in keys:
            v = report[section][k]
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                probs.append(f"{section}.{k} = {v!r} is not a count")

    def at_most(section, part, whole):
        s = report[section]
        if s[part] > s[whole]:
            probs.append(f"{section}.{part} {s[part]} > {whole} {s[whole]}")

    if "infrastructure" in report:
        nonneg("infrastructure", INFRA_COUNTS)
        at_most("infrastructure", "villages_signal_gap", "villages_total")
        at_most("infrastructure", "villages_no_power", "villages_total")
        if not isinstance(report["infrastructure"]["population_db_connected"], bool):
            probs.append("infrastructure.population_db_connected is not a boolean")
    if "services" in report:
        nonneg("services", SERVICE_COUNTS)
        at_most("services", "procedures_online", "procedures_total")
        at_most("services", "procedures_announced", "procedures_total")
        at_most("services", "files_fully_online", "files_received")
        at_most("services", "records_digitized", "records_total")
    if "funding" in report:
        nonneg("funding", FUNDING_COUNTS)
        at_most("funding", "disbursed_vnd", "allocated_vnd")
    ids = [d["id"] for d in report.get("databases", [])]
    if len(ids) != len(set(ids)):
        probs.append("a database id repeats")
    for d in report.get("databases", []):
        if d["stage"] not in STAGES or not d.get("name"):
            probs.append(f"database {d['id']}: stage {d['stage']!r} or name")
    ids = [o["id"] for o in report.get("obstacles", [])]
    if len(ids) != len(set(ids)):
        probs.append("an obstacle id repeats")
    for o in report.get("obstacles", []):
        reported = dt.date.fromisoformat(o["reported_on"])
        resolved = o.get("resolved_on")
        if o["category"] not in CATEGORIES or o["state"] not in STATES or reported > day:
            probs.append(f"obstacle {o['id']}: category, state or reported_on after {day}")
        if resolved is not None and o["state"] != "resolved":
            probs.append(f"obstacle {o['id']}: resolved_on while not resolved")
        elif resolved and not reported <= dt.date.fromisoformat(resolved) <= day:
            probs.append(f"obstacle {o['id']}: resolved_on {resolved} outside {reported}..{day}")
    return [f"{path}: {p}" for p in probs]


def next_step(day, every):
    if every == "day":
        return day + dt.timedelta(days=1)
    if every == "week":
        return day + dt.timedelta(days=7)
    y, m = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    for d in range(day.day, 0, -1):
        try:
            return dt.date(y, m, d)
        except ValueError:
            continue
    raise ValueError(f"no next month for {day}")


def q_trend(agencies, reports, args):
    query = QUERIES[{"infrastructure": "infra"}.get(args.metric, args.metric)]
    day, last = dt.date.fromisoformat(args.from_), dt.date.fromisoformat(args.to)
    points = []
    while day <= last:
        until = end_of_day(day.isoformat())
        level, items = state_at(reports, agencies, until)
        point = {"as_of": vn_text(until), "date": day.isoformat()}
        point.update(query(agencies, level, items, args))
        point.pop("databases", None)
        point.pop("obstacles", None)
        points.append(point)
        day = next_step(day, args.every)
    return {"metric": args.metric, "every": args.every, "points": points}


QUERIES = {"infra": q_infra, "services": q_services, "databases": q_databases,
           "funding": q_funding, "obstacles": q_obstacles, "agency": q_agency}


def main(argv):
    p = argparse.ArgumentParser(description="Expected section query results.")
    p.add_argument("dir")
    p.add_argument("--query", choices=sorted(QUERIES) + ["history", "trend"])
    p.add_argument("--check", action="store_true")
    p.add_argument("--as-of", metavar="YYYY-MM-DD")
    p.add_argument("--province")
    p.add_argument("--agency")
    p.add_argument("--stage", choices=STAGES)
    p.add_argument("--state", choices=STATES)
    p.add_argument("--category", choices=CATEGORIES)
    p.add_argument("--section", choices=AGENCY_LEVEL + PER_ITEM)
    p.add_argument("--from", dest="from_", metavar="YYYY-MM-DD")
    p.add_argument("--to", metavar="YYYY-MM-DD")
    p.add_argument("--every", choices=("day", "week", "month"))
    p.add_argument("--metric", choices=("infrastructure", "services", "funding", "databases",
                                        "obstacles"))
    args = p.parse_args(argv)
    try:
        agencies = read_agencies(args.dir)
        reports = read_reports(args.dir)
        if args.check:
            probs = [m for _, path, r in reports for m in check_file(path, r)]
            print("\n".join(probs) if probs else f"{len(reports)} files keep the invariants")
            return 1 if probs else 0
        if args.query == "history":
            if not args.agency or not args.section:
                p.error("history needs --agency and --section")
            out = q_history(agencies, reports, args)
        elif args.query == "trend":
            if not (args.from_ and args.to and args.every and args.metric):
                p.error("trend needs --from, --to, --every and --metric")
            out = q_trend(agencies, reports, args)
        else:
            if not args.query or not args.as_of:
                p.error("give --query and --as-of, or --check")
            until = end_of_day(args.as_of)
            level, items = state_at(reports, agencies, until)
            out = {"as_of": vn_text(until)}
            out.update(QUERIES[args.query](agencies, level, items, args))
    except (OSError, ValueError, KeyError) as e:
        print(f"expected_sections.py: {e}", file=sys.stderr)
        return 1
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
