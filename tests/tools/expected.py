#!/usr/bin/env python3
"""Independent oracle for `tiendo summary --json`.

Reads a data directory as `tiendo-sim generate` writes it (agencies.csv, tasks.csv,
status/*/*.json) and prints the counts the collector must report as of the end of a day in
Vietnam (UTC+7). It shares no code with tiendo: the rules are restated here from the spec.

Usage: expected.py DIR --as-of YYYY-MM-DD [--lead CODE] [--source S] [--block B]
                   [--group G] [--difficulty D] [--due-by YYYY-MM-DD]

Rules:
- a task counts at D only when assigned_on <= D;
- its state is the one in the latest report with as_of <= T (T = D 23:59:59+07:00), from the
  status files of its lead agency; later reports are ignored;
- classes partition the counted tasks: regular (no deadline), completed (done; on time when
  completed_on <= deadline, else late), overdue (not done, deadline < D), on_schedule (not done,
  deadline >= D);
- unreported: no report for the task as of T (it is classified as not started);
- open_due_by (with --due-by): overdue + on_schedule tasks whose deadline <= DATE;
- --block filters on the lead agency's block; the other filters on the task's own field.
"""
import argparse
import csv
import datetime as dt
import glob
import json
import os
import sys

VN = dt.timezone(dt.timedelta(hours=7))


def parse_day(text):
    return dt.date.fromisoformat(text)


def parse_instant(text):
    """ISO-8601 date-time; without a zone it is read as Vietnam time."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    t = dt.datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=VN)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_agencies(data_dir):
    return {row["code"]: row for row in read_csv(os.path.join(data_dir, "agencies.csv"))}


def read_tasks(data_dir):
    tasks = {}
    for row in read_csv(os.path.join(data_dir, "tasks.csv")):
        row["deadline"] = parse_day(row["deadline"]) if row["deadline"] else None
        row["assigned_on"] = parse_day(row["assigned_on"])
        tasks[row["id"]] = row
    return tasks


def latest_reports(data_dir, tasks, until):
    """{task id: item} from the report with the greatest as_of <= until, lead's files only."""
    best = {}
    for path in sorted(glob.glob(os.path.join(data_dir, "status", "*", "*.json"))):
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        as_of = parse_instant(report["as_of"])
        if as_of > until:
            continue
        for item in report.get("tasks", []):  # a commune's file may have none
            task = tasks.get(item["id"])
            if task is None or task["lead"] != report["agency"]:
                continue
            seen = best.get(item["id"])
            if seen is None or as_of > seen[0]:
                best[item["id"]] = (as_of, item)
    return {tid: item for tid, (_, item) in best.items()}


def selected(task, agencies, args):
    lead = agencies.get(task["lead"], {})
    return (
        (args.lead is None or task["lead"] == args.lead)
        and (args.source is None or task["source"] == args.source)
        and (args.block is None or lead.get("block") == args.block)
        and (args.group is None or task["group"] == args.group)
        and (args.difficulty is None or task["difficulty"] == args.difficulty)
    )


def classify(task, item, today):
    """(class, on_time) for a task given its latest item (None: unreported)."""
    state = item["state"] if item else "not_started"
    if task["deadline"] is None:
        return "regular", None
    if state == "done":
        return "completed", parse_day(item["completed_on"]) <= task["deadline"]
    if task["deadline"] < today:
        return "overdue", None
    return "on_schedule", None


def summarize(data_dir, args):
    today = parse_day(args.as_of)
    until = dt.datetime.combine(today, dt.time(23, 59, 59), tzinfo=VN)
    agencies = read_agencies(data_dir)
    tasks = read_tasks(data_dir)
    items = latest_reports(data_dir, tasks, until)
    keys = ["total", "completed", "completed_on_time", "completed_late", "on_schedule",
            "overdue", "regular", "unreported"]
    out = {"as_of": until.isoformat()}
    out.update({k: 0 for k in keys})
    due_by = parse_day(args.due_by) if args.due_by else None
    if due_by:
        out["open_due_by"] = 0
    for tid, task in tasks.items():
        if task["assigned_on"] > today or not selected(task, agencies, args):
            continue
        item = items.get(tid)
        cls, on_time = classify(task, item, today)
        out["total"] += 1
        out[cls] += 1
        if cls == "completed":
            out["completed_on_time" if on_time else "completed_late"] += 1
        if item is None:
            out["unreported"] += 1
        if due_by and cls in ("overdue", "on_schedule") and task["deadline"] <= due_by:
            out["open_due_by"] += 1
    return out


def main(argv):
    p = argparse.ArgumentParser(description="Expected `tiendo summary --json` counts.")
    p.add_argument("dir")
    p.add_argument("--as-of", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--lead")
    p.add_argument("--source")
    p.add_argument("--block")
    p.add_argument("--group")
    p.add_argument("--difficulty")
    p.add_argument("--due-by", metavar="YYYY-MM-DD")
    args = p.parse_args(argv)
    try:
        out = summarize(args.dir, args)
    except (OSError, ValueError, KeyError) as e:
        print(f"expected.py: {e}", file=sys.stderr)
        return 1
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
