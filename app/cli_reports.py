"""The command line's reports: ``incidentdesk report NAME [--from D --to D --group G]
[--json|--csv]`` (what Supervisor > Reports shows; the same SQL aggregates).

``--from`` and ``--to`` are days in the site's time zone (``--to`` included); ``--group`` is
repeatable and names a group. ``--json`` prints ``{"report", "title", "from", "to", "groups",
"columns", "rows", "totals", "note"}``; ``--csv`` the table with its header."""

from __future__ import annotations

import argparse
import json
import sys

from app.domain.errors import ValidationError
from app.services import queries, reports
from app.services.context import Desk

NOUN = "report"


def add_command(sub: argparse._SubParsersAction, plain: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    lines = "; ".join(f"{k}: {v[0]}" for k, v in reports.REPORTS.items())
    p = sub.add_parser(
        NOUN,
        help="the desk's reports (resolve-time, sla, first-contact, push-to-front, ...)",
        description=f"Reports: {lines}.",
        parents=[plain],
    )
    p.add_argument(
        "name", metavar="NAME", choices=list(reports.REPORTS), help=", ".join(reports.REPORTS)
    )
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (site's zone)")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day, included")
    p.add_argument("--group", action="append", default=[], metavar="G", help="repeatable")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the table and its totals as JSON")
    out.add_argument("--csv", action="store_true", help="the table as CSV")


def _groups(desk: Desk, names: list[str]) -> tuple[tuple[int, ...], list[str]]:
    known = {g.name.lower(): g for g in queries.groups(desk)}
    ids, shown = [], []
    for name in names:
        g = known.get(name.strip().lower())
        if g is None:
            every = sorted(x.name for x in known.values())
            listed = ", ".join(every[:12]) or "none yet"
            if len(every) > 12:
                listed += f", ... ({len(every)} in all: 'incidentdesk groups list')"
            raise ValidationError(f"No group named {name!r} (groups: {listed})", field="group")
        ids.append(g.id)
        shown.append(g.name)
    return tuple(ids), shown


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def run(args: argparse.Namespace, desk: Desk) -> int:
    zone = desk.zone
    group_ids, names = _groups(desk, args.group)
    flt = reports.ReportFilter(
        reports.day_bound(args.start, zone) if args.start else None,
        reports.day_bound(args.end, zone, end=True) if args.end else None,
        group_ids,
    )
    rep = reports.report(desk, args.name, flt)
    if args.json:
        json.dump(reports.as_json(rep, flt, names), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if args.csv:
        reports.write_csv(sys.stdout, rep)
        return 0
    print(rep.title)
    print(rep.note)
    print()
    table = [list(rep.columns), *[[_cell(v) for v in row] for row in rep.rows]]
    if len(table) == 1:
        print("(no incidents)")
    else:
        widths = [max(len(r[k]) for r in table) for k in range(len(rep.columns))]
        for row in table:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    print()
    for key, value in rep.totals.items():
        print(f"{key}: {_cell(value)}")
    return 0
