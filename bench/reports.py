"""The desk's reports over a large desk; prints ONE JSON object.

    .venv/bin/python bench/reports.py --incidents 1000000 --db sqlite
    .venv/bin/python bench/reports.py --incidents 1000000 --db postgresql   # INCIDENTDESK_TEST_PG

The database is built by ``bench/bigdb.py``; then, as ``bench/supervisor.py`` does, the openings
are spread over a year and 80% resolved. A history is added by plain SQL so that every report
has its data: one incident in 5 handed from the Service Desk to Network (reassigned once), one
in 10 of those sent back and returned (ping-pong, down a line, three reassignments), one in 9
held an hour awaiting the caller, one in 20 reopened.

Figures, never pass/fail: one key per report (``services.reports.report`` with no period and
no group, median of 3 after a warm-up), in seconds; ``timeline_ms`` is ``bench/reviews.py``'s
(the generated timeline of an incident with 500 history rows, on a database of its own).
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import statistics
import tempfile
import time
from typing import Any

from sqlalchemy import Engine, text

from bench.bigdb import PG_ADMIN_DEFAULT, create_pg_database, drop_pg_database, populate
from bench.supervisor import spread_and_resolve


def log(message: str) -> None:
    print(f"reports bench: {message}", file=sys.stderr, flush=True)


def add_history(engine: Engine, sd: int, net: int) -> None:
    sqlite = engine.dialect.name == "sqlite"
    hour = "datetime(opened_at, '+1 hour')" if sqlite else "opened_at + interval '1 hour'"
    two = "datetime(opened_at, '+2 hour')" if sqlite else "opened_at + interval '2 hour'"
    rows = [
        # to Network
        f"SELECT id, 'group_id', '{sd}', '{net}', opened_at, 2 FROM incidents WHERE id % 5 = 0",
        # back to the Service Desk (down a line), and to Network again (a return)
        f"SELECT id, 'group_id', '{net}', '{sd}', {hour}, 3 FROM incidents WHERE id % 10 = 0",
        f"SELECT id, 'group_id', '{sd}', '{net}', {two}, 4 FROM incidents WHERE id % 10 = 0",
        # on hold awaiting the caller
        "SELECT id, 'hold_reason', NULL, 'awaiting_caller', opened_at, 5 FROM incidents "
        "WHERE id % 9 = 0",
    ]
    with engine.begin() as conn:
        for select in rows:
            conn.execute(
                text(
                    "INSERT INTO audit (incident_id, field, old_value, new_value, at, "
                    f"incident_version) {select}"
                )
            )
        conn.execute(
            text(
                "INSERT INTO sla_pauses (incident_id, started_at, ended_at, reason) "
                f"SELECT id, opened_at, {hour}, 'awaiting_caller' FROM incidents WHERE id % 9 = 0"
            )
        )
        conn.execute(
            text(
                "UPDATE incidents SET "
                "reassignment_count = CASE WHEN id % 10 = 0 THEN 3 WHEN id % 5 = 0 THEN 1 ELSE 0 END, "
                "group_returns = CASE WHEN id % 10 = 0 THEN 1 ELSE 0 END, "
                f"group_id = CASE WHEN id % 5 = 0 THEN {net} ELSE group_id END, "
                "reopen_count = CASE WHEN id % 20 = 0 THEN 1 ELSE 0 END "
            )
        )
        if not sqlite:
            conn.execute(text("ANALYZE"))


def run(url: str, n: int) -> dict[str, Any]:
    from app.db.engine import make_engine
    from app.services import reports
    from app.services.context import Desk

    log(f"building {n:,} incidents")
    info = populate(url, n)
    out: dict[str, Any] = {"build_s": round(info.timings["total_s"], 1)}
    engine = make_engine(url)
    try:
        t = time.perf_counter()
        spread_and_resolve(conn_engine=engine, now=info.now)
        add_history(engine, info.group_ids["Service Desk"], info.group_ids["Network"])
        out["prepare_s"] = round(time.perf_counter() - t, 1)
        desk = Desk(engine, clock=lambda: info.now, zone="UTC")
        flt = reports.ReportFilter()
        for name in reports.REPORTS:
            log(name)
            reports.report(desk, name, flt)
            times = []
            for _ in range(3):
                t = time.perf_counter()
                rep = reports.report(desk, name, flt)
                times.append(time.perf_counter() - t)
            out[name] = round(statistics.median(times), 3)
            out.setdefault("totals", {})[name] = rep.totals
    finally:
        engine.dispose()
    return out


def timeline_ms(db: str, admin: str) -> float:
    from bench import reviews

    if db == "postgresql":
        url = create_pg_database(admin)
        try:
            return float(reviews.run(url, 500)["timeline_ms"])
        finally:
            drop_pg_database(admin, url)
    with tempfile.TemporaryDirectory(prefix="incidentdesk-bench-") as tmp:
        return float(reviews.run(f"sqlite:///{Path(tmp) / 'review.sqlite3'}", 500)["timeline_ms"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args(argv)
    admin = os.environ.get("INCIDENTDESK_TEST_PG", PG_ADMIN_DEFAULT)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if args.db == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="incidentdesk-bench-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    else:
        url = create_pg_database(admin)
    try:
        result = {"incidents": args.incidents, "db": args.db} | run(url, args.incidents)
    finally:
        if tmp is not None:
            tmp.cleanup()
        else:
            drop_pg_database(admin, url)
    result["timeline_ms"] = timeline_ms(args.db, admin)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
