"""The admin's desk over a large database, timed; prints ONE JSON object (figures, never pass/fail).

    .venv/bin/python bench/admin.py --incidents 1000000 --db sqlite
    .venv/bin/python bench/admin.py --incidents 1000000 --db postgresql
    .venv/bin/python bench/admin.py --url sqlite:////tmp/big.sqlite3   # a bench/bigdb.py database

The database is built by ``bench/bigdb.py`` (every incident open; priority 1-5 for 1%, 5%, 50%,
34%, 10% of them, impact and urgency as the default matrix gives them): SQLite in a temporary
folder, PostgreSQL in a fresh database on INCIDENTDESK_TEST_PG (default
postgresql://postgres@127.0.0.1:5432/postgres), dropped afterwards unless ``--keep``, and
vacuumed as autovacuum would (``--cold`` measures straight after the bulk load). Then,
through the services the editor and the command line call:

- ``matrix_preview_ms``: a one-cell change previewed (``services.matrix.preview_matrix``: the
  count, the count per old -> new pair, the first 200 with their new due time): impact 1 x
  urgency 2 from 2 - High to 1 - Critical, which moves 5% of the incidents (50,000 of
  1,000,000); median of ``--runs`` after one warm-up. ``matrix_preview_big_cell_ms``: the same
  for the largest cell (impact 2 x urgency 2, half of the incidents);
- ``matrix_apply_s``: saving a change that moves 10,000 open incidents (impact 1 x urgency 1
  from 1 - Critical to 2 - High: 1% of 1,000,000), audited, in one transaction
  (``services.matrix.apply_matrix``), once; ``matrix_apply_moved``: how many it moved;
- ``policy_preview_ms``: the preview of an SLA policy change (``services.sla_policies.
  preview_policy``: the count per priority, the 200 soonest due with both due times): the default
  policy's P2 resolution target one hour longer (5% of the incidents); median of ``--runs``;
- ``calendar_preview_ms``: the preview of a calendar change (``services.sla_changes.
  preview_calendar``): the default calendar with a lunch break (every incident it measures:
  P2 to P5, 99%); median of ``--runs``;
- ``policy_apply_s``: saving the P2 change above and recomputing the due times of the incidents
  it re-measures, each audited, in one transaction (``services.sla_changes.apply_policy``), once
  (after the matrix apply: 50,000 P2s plus the 10,000 it moved there).
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# bench/queue.py is named like the standard library's `queue`: take this folder off the path
# before anything (psycopg, for one) imports `queue`, and put the project there instead.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from typing import Any


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _median_ms(fn: Any, runs: int) -> tuple[float, Any]:
    result = fn()  # warm-up (the policy book, the caches)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1), result


def measure(url: str, runs: int) -> dict[str, Any]:
    from app.db.engine import make_engine
    from app.services import matrix as matrix_service
    from app.services import queries
    from app.services.context import Desk

    engine = make_engine(url)
    try:
        desk = Desk(engine)
        desk.load_zone()
        admin = desk.actor("admin")
        active = queries.matrix(desk)
        figures: dict[str, Any] = {}

        one_cell = active.with_cell(1, 2, 1)
        ms, preview = _median_ms(lambda: matrix_service.preview_matrix(desk, one_cell), runs)
        figures["matrix_preview_ms"] = ms
        figures["matrix_preview_moves"] = preview.count
        figures["matrix_preview_listed"] = len(preview.shifts)
        log(f"one-cell preview: {preview.count:,} would move, {ms} ms")

        big = active.with_cell(2, 2, 2)
        ms, preview = _median_ms(lambda: matrix_service.preview_matrix(desk, big), runs)
        figures["matrix_preview_big_cell_ms"] = ms
        figures["matrix_preview_big_cell_moves"] = preview.count
        log(f"largest-cell preview: {preview.count:,} would move, {ms} ms")

        from app.domain.sla_config import PolicySpec, TargetSpec
        from app.services import sla_policies

        policy = sla_policies.policies(desk)[0]
        spec = policy.spec()
        t2 = spec.targets[2]
        longer = PolicySpec(
            spec.name,
            spec.calendar_id,
            {**spec.targets, 2: TargetSpec(t2.response_s, t2.resolution_s + 3600, t2.calendar_id)},
            spec.auto_close_days,
            spec.retroactive_start,
            spec.active,
        )
        ms, got = _median_ms(lambda: sla_policies.preview_policy(desk, longer, policy.id), runs)
        figures["policy_preview_ms"] = ms
        figures["policy_preview_moves"] = got.count
        log(f"policy preview: {got.count:,} would get new due times, {ms} ms")

        apply = active.with_cell(1, 1, 2)
        start = time.perf_counter()
        done = matrix_service.apply_matrix(
            desk, admin, apply, "bench: impact 1 x urgency 1 is 2 - High"
        )
        figures["matrix_apply_s"] = round(time.perf_counter() - start, 2)
        figures["matrix_apply_moved"] = done.count
        log(f"apply: moved {done.count:,} in {figures['matrix_apply_s']} s")

        import dataclasses
        from datetime import time as clock_time

        from app.services import calendars, sla_changes

        office = next(c for c in calendars.calendars(desk) if c.id == policy.calendar_id)
        split = ((clock_time(8), clock_time(12)), (clock_time(13), clock_time(17)))
        lunch = dataclasses.replace(office.spec(), week=(split,) * 5 + ((), ()))
        ms, got = _median_ms(lambda: sla_changes.preview_calendar(desk, lunch, office.id), runs)
        figures["calendar_preview_ms"] = ms
        figures["calendar_preview_measured"] = got.count
        log(f"calendar preview: {got.count:,} re-measured, {ms} ms")

        start = time.perf_counter()
        applied = sla_changes.apply_policy(desk, admin, longer, policy.id, reason="bench: P2 +1 h")
        figures["policy_apply_s"] = round(time.perf_counter() - start, 2)
        figures["policy_apply_moved"] = applied.moved
        log(f"policy apply: {applied.moved:,} new due times in {figures['policy_apply_s']} s")
        return figures
    finally:
        engine.dispose()


def vacuum(url: str) -> None:
    """VACUUM (ANALYZE) the incidents, as autovacuum leaves a table at rest: right after a bulk
    load the visibility map is empty and every index-only count visits the heap (``--cold``)."""
    import psycopg
    from sqlalchemy.engine import make_url

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    start = time.perf_counter()
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) incidents")
    log(f"vacuumed in {time.perf_counter() - start:.1f} s")


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--url", help="an existing database built by bench/bigdb.py (changed: apply writes)"
    )
    parser.add_argument("--runs", type=int, default=5, help="repetitions of each preview (median)")
    parser.add_argument("--keep", action="store_true", help="keep the database it builds")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="PostgreSQL: measure right after the bulk load, without VACUUM",
    )
    args = parser.parse_args()

    from bench.bigdb import PG_ADMIN_DEFAULT, create_pg_database, drop_pg_database, populate

    admin = os.environ.get("INCIDENTDESK_TEST_PG", PG_ADMIN_DEFAULT)
    tmp = Path(tempfile.mkdtemp(prefix="incidentdesk-admin-bench-"))
    url, made_pg = args.url, None
    figures: dict[str, Any] = {"db": args.db, "incidents": args.incidents}
    try:
        if url is None:
            if args.db == "sqlite":
                url = f"sqlite:///{tmp / 'bench.sqlite3'}"
            else:
                url = made_pg = create_pg_database(admin)
            log(f"populating {args.incidents:,} incidents ...")
            info = populate(url, args.incidents)
            figures["populate_s"] = round(info.timings["total_s"], 1)
            log(f"populated in {info.timings['total_s']:.1f} s")
            if args.db == "postgresql" and not args.cold:
                vacuum(url)
        else:
            figures["db"] = "postgresql" if url.startswith("postgresql") else "sqlite"
        figures["load_before"] = load_average()
        figures.update(measure(url, args.runs))
        figures["load_after"] = load_average()
        figures["machine"] = {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(terse=True),
        }
        print(json.dumps(figures))
        return 0
    finally:
        if made_pg and not args.keep:
            drop_pg_database(admin, made_pg)
        if args.keep:
            log(f"kept: {url}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
