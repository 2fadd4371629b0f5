"""The supervisor's desk over a large queue; prints ONE JSON object.

    .venv/bin/python bench/supervisor.py --incidents 1000000 --db sqlite
    .venv/bin/python bench/supervisor.py --incidents 1000000 --db postgresql   # INCIDENTDESK_TEST_PG

The database is built by ``bench/bigdb.py`` (every incident open, the SLA stages already
announced), on a temporary SQLite file or a fresh PostgreSQL database dropped afterwards.
Figures, never pass/fail:

- ``escalation_sweep_s``: one escalation round (``services.escalation.run_once``: the SLA sweep
  with the default policy's rules, then auto-close) over every open incident, after
  ``escalation_due`` of them were set back to announce their 75% again (so the round announces
  them and fires their rules); ``escalation_quiet_s``: the next round (only what came due in
  between, on the real clock).
- ``bulk_reassign_s``: 1,000 selected incidents reassigned to another group, one transaction
  each, through ``services.bulk.apply_one`` (what the bulk dialog sends).
- ``board_ms``: the workload board (``services.workload.board``), median of 5 after a warm-up.
- ``dashboard_s``: every chart of the dashboard (``services.dashboard.dashboard``) over the last
  12 months, which then hold every incident, median of 3 after a warm-up; ``dashboard_30d_s``
  over the last 30 days. Before it, the incidents' openings are spread over the year (a
  deterministic function of the id) and 80% of them resolved (6 in 10 closed) some hours later,
  1 in 7 late, so that every chart has its data.

``--only PART`` (repeatable: escalation, bulk, board, dashboard) times those parts alone, on the
same database (``--only bulk``: the bulk figure without the sweep's and the dashboard's time).
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py is named like the standard library's `queue` (psycopg imports it): take this
# folder off the path and put the project there instead
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
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update

from bench.bigdb import PG_ADMIN_DEFAULT, create_pg_database, drop_pg_database, populate

BULK = 1000
DUE = 100


def log(message: str) -> None:
    print(f"supervisor bench: {message}", file=sys.stderr, flush=True)


def spread_and_resolve(conn_engine: Any, now: datetime) -> None:
    """Openings over the year before `now`; 80% resolved (by id) some hours after."""
    epoch = int(now.timestamp())
    back = "((CAST(id AS BIGINT) * 7919) % 31536000)"  # past int4 on PostgreSQL
    if conn_engine.dialect.name == "sqlite":

        def ts(expr: str) -> str:
            return f"(datetime({expr}, 'unixepoch') || '.000000')"
    else:

        def ts(expr: str) -> str:
            return f"(to_timestamp({expr}) AT TIME ZONE 'UTC')"

    opened = f"({epoch} - {back})"
    resolved = f"({opened} + ((id % 200) + 1) * 1800)"
    done = f"(id % 10 < 8 AND {back} > 432000)"
    with conn_engine.begin() as conn:
        conn.execute(
            text(
                f"UPDATE incidents SET opened_at = {ts(opened)}, "
                f"responded_at = CASE WHEN {done} THEN {ts(opened + ' + 600')} ELSE responded_at END, "
                f"response_due = {ts(opened + ' + 3600')}, "
                f"resolved_at = CASE WHEN {done} THEN {ts(resolved)} ELSE NULL END, "
                f"state = CASE WHEN {done} THEN (CASE WHEN id % 10 < 6 THEN 'closed' ELSE 'resolved' END) ELSE state END, "
                f"active = CASE WHEN {done} THEN {'0' if conn_engine.dialect.name == 'sqlite' else 'false'} ELSE active END, "
                f"sla_breached = CASE WHEN {done} THEN (id % 7 = 0) ELSE sla_breached END"
            )
        )
        if conn_engine.dialect.name == "postgresql":  # as autovacuum would, after such a change
            conn.execute(text("ANALYZE incidents"))


PARTS = ("escalation", "bulk", "board", "dashboard")


def run(url: str, n: int, parts: tuple[str, ...] = PARTS) -> dict[str, Any]:
    from app.db.engine import make_engine
    from app.models import Incident
    from app.services import dashboard, escalation, workload
    from app.services.bulk import BulkAction, BulkKind, Item, apply_one
    from app.services.context import Desk
    from app.services.dashboard import DashboardFilter

    log(f"building {n:,} open incidents")
    info = populate(url, n)
    out: dict[str, Any] = {"build_s": round(info.timings["total_s"], 1)}
    engine = make_engine(url)
    try:
        desk = Desk(engine)
        if "escalation" in parts:
            with engine.begin() as conn:
                # every stage as a sweep at `now` would have left it (bigdb announces the resolution
                # clock's only), then DUE incidents past 75% whose crossing is to announce again
                for stage, at in (
                    ("response_stage", ("response_warn_at", "response_at_risk_at", "response_due")),
                    ("sla_stage", ("warn_at", "at_risk_at", "resolution_due")),
                ):
                    for value, column in zip((50, 75, 100), at, strict=True):
                        conn.execute(
                            update(Incident)
                            .where(
                                getattr(Incident, column) <= info.now,
                                getattr(Incident, stage) < value,
                            )
                            .values({stage: value})
                        )
                ids = (
                    conn.execute(
                        select(Incident.id)
                        .where(
                            Incident.active,
                            Incident.at_risk_at <= info.now,
                            Incident.resolution_due > info.now,
                        )
                        .order_by(Incident.id)
                        .limit(DUE)
                    )
                    .scalars()
                    .all()
                )
                conn.execute(update(Incident).where(Incident.id.in_(ids)).values(sla_stage=50))
            log("escalation round")
            t = time.perf_counter()
            result = escalation.run_once(desk)
            out["escalation_sweep_s"] = round(time.perf_counter() - t, 3)
            out["escalation_per_crossing_ms"] = round(
                out["escalation_sweep_s"] * 1000 / max(len(result.crossed), 1), 1
            )
            out["escalation_due"] = len(ids)
            out["escalation_announced"] = len(result.crossed)
            out["escalation_rule_actions"] = len(result.fired)
            t = time.perf_counter()
            quiet = escalation.run_once(desk)
            out["escalation_quiet_s"] = round(time.perf_counter() - t, 3)
            # the clock is the real one: crossings that came due meanwhile are announced too
            out["escalation_quiet_announced"] = len(quiet.crossed)

        if "bulk" in parts:
            log("bulk reassign")
            supervisor = desk.actor("admin")
            target = info.group_ids["Desktop Support"]
            with desk.read() as conn:
                rows = conn.execute(
                    select(Incident.id, Incident.number, Incident.version)
                    .where(Incident.active, Incident.group_id != target)
                    .order_by(Incident.id.desc())
                    .limit(BULK)
                ).all()
            action = BulkAction(BulkKind.REASSIGN, group_id=target)
            t = time.perf_counter()
            outcomes = [
                apply_one(desk, supervisor, action, Item(r.id, r.number, r.version)) for r in rows
            ]
            out["bulk_reassign_s"] = round(time.perf_counter() - t, 3)
            out["bulk_reassigned"] = sum(1 for o in outcomes if o.outcome.value == "done")

        if "board" in parts:
            log("workload board")
            workload.board(desk)
            times = []
            for _ in range(5):
                t = time.perf_counter()
                rows_ = workload.board(desk)
                times.append((time.perf_counter() - t) * 1000)
            out["board_ms"] = round(statistics.median(times), 1)
            out["board_rows"] = len(rows_)
        with desk.read() as conn:
            out["open_incidents"] = conn.execute(
                text("SELECT count(*) FROM incidents WHERE active")
            ).scalar_one()
        if "dashboard" in parts:
            log("dashboard: spreading the incidents over a year, resolving 80%")
            t = time.perf_counter()
            spread_and_resolve(conn_engine=engine, now=info.now)
            out["dashboard_prepare_s"] = round(time.perf_counter() - t, 1)
            year = DashboardFilter(info.now - timedelta(days=365), info.now + timedelta(seconds=1))
            month = DashboardFilter(info.now - timedelta(days=30), info.now + timedelta(seconds=1))
            fixed = Desk(engine, clock=lambda: info.now, zone="UTC")
            for key, flt in (("dashboard_s", year), ("dashboard_30d_s", month)):
                dashboard.dashboard(fixed, flt)
                times = []
                for _ in range(3):
                    t = time.perf_counter()
                    dashboard.dashboard(fixed, flt)
                    times.append(time.perf_counter() - t)
                out[key] = round(statistics.median(times), 3)
            with desk.read() as conn:
                out["dashboard_resolved"] = conn.execute(
                    text("SELECT count(*) FROM incidents WHERE resolved_at IS NOT NULL")
                ).scalar_one()
    finally:
        engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--only",
        choices=PARTS,
        action="append",
        help="time only this part (repeatable); every part when not given",
    )
    args = parser.parse_args(argv)
    admin = os.environ.get("INCIDENTDESK_TEST_PG", PG_ADMIN_DEFAULT)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if args.db == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="incidentdesk-bench-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    else:
        url = create_pg_database(admin)
    try:
        result = {"incidents": args.incidents, "db": args.db} | run(
            url, args.incidents, tuple(args.only or PARTS)
        )
    finally:
        if tmp is not None:
            tmp.cleanup()
        else:
            drop_pg_database(admin, url)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
