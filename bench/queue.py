"""Queue, search and update timings over a large demo database; prints ONE JSON object.

    .venv/bin/python bench/queue.py --incidents 1000000 --db sqlite
    .venv/bin/python bench/queue.py --incidents 200000 --db postgresql [--keep NAME]

SQLite runs on a temporary file (``--keep PATH`` keeps it there instead); PostgreSQL on a fresh,
uniquely named database on INCIDENTDESK_TEST_PG (default postgresql://postgres@127.0.0.1:5432/
postgres), dropped afterwards unless ``--keep NAME`` names it. Progress goes to stderr, the
figures to stdout. Figures, never pass/fail: the machine decides how fast it is.

Every timing is the median of ``--runs`` repetitions after one warm-up, in milliseconds, except
``generate_s`` (the whole demo load through ``app.demo.loader.load_demo``) and
``attachment_ms`` (store a new 5 MB file on an incident and read it back through the services,
at most 10 runs; its parts: ``attachment_store_ms``, ``attachment_read_ms``, and of the store
``attachment_hash_ms`` (SHA-256), ``attachment_sniff_ms`` (the type from the bytes); the bytes
are made before the clock starts).

``--attachments N`` puts N attachments (N distinct 1 KB files on random incidents, one
statement a batch) into the database before the queue is timed: the queue's figures with and
without them say whether the queue reads touch the attachments (they must not).
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `queue`: take its folder off the path before
# anything (psycopg, for one) imports `queue`, and put the project there instead.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy

from app.db.engine import make_engine
from app.demo.loader import load_demo
from app.domain.records import QueueFilter
from app.services import incidents as incident_service
from app.services import queries
from app.services.context import Desk
from app.services.defaults import upgrade_database

PG_ADMIN_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
PAGE = 200
DEPTH = 100_000
SEARCH = "outlook calendar"
ACTOR = "carla.rossi"  # a demo supervisor

RAW_FIRST_PAGE = """
SELECT i.id, i.number, i.priority, i.state, i.title, c.name, g.name, a.full_name, i.updated_at,
       i.resolution_due, i.warn_at, i.at_risk_at, i.sla_paused, i.sla_breached, i.major,
       i.version, i.priority, i.due_sort, i.id
FROM incidents i
LEFT JOIN callers c ON c.id = i.caller_id
LEFT JOIN groups g ON g.id = i.group_id
LEFT JOIN agents a ON a.id = i.assignee_id
WHERE i.active {active}
ORDER BY i.priority, i.due_sort, i.id
LIMIT {limit}
"""


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def median_ms(fn: Callable[[], Any], runs: int) -> float:
    fn()  # warm-up: caches, prepared statements
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 3)


def pg_admin_url() -> str:
    return os.environ.get("INCIDENTDESK_TEST_PG", PG_ADMIN_DEFAULT)


def pg_url(dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return (
        make_url(pg_admin_url())
        .set(drivername="postgresql+psycopg", database=dbname)
        .render_as_string(hide_password=False)
    )


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_admin_url(), autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def add_attachments(desk: Desk, n: int, batch: int = 5000) -> float:
    """N attachments of 1 KB, each its own blob, on random incidents; seconds taken."""
    import hashlib
    import random

    from app.models import Attachment, AttachmentBlob, Incident

    t0 = time.perf_counter()
    rng = random.Random(12)
    now = desk.now()
    with desk.engine.connect() as conn:
        ids = conn.execute(sqlalchemy.select(Incident.id)).scalars().all()
    for start in range(0, n, batch):
        blobs, rows = [], []
        for i in range(start, min(n, start + batch)):
            data = rng.randbytes(1024)
            digest = hashlib.sha256(data).hexdigest()
            blobs.append({"sha256": digest, "size": len(data), "data": data})
            rows.append(
                {
                    "incident_id": rng.choice(ids),
                    "sha256": digest,
                    "journal_id": None,
                    "filename": f"log-{i}.txt",
                    "content_type": "application/octet-stream",
                    "size": len(data),
                    "added_by_id": None,
                    "added_at": now,
                }
            )
        with desk.engine.begin() as conn:
            conn.execute(sqlalchemy.insert(AttachmentBlob.__table__), blobs)
            conn.execute(sqlalchemy.insert(Attachment.__table__), rows)
    return round(time.perf_counter() - t0, 2)


def run(desk: Desk, incidents: int, runs: int, attachments_n: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    shown = [0]

    def progress(done: int, total: int) -> None:
        if done * 10 // total != shown[0] or done == total:
            shown[0] = done * 10 // total
            log(f"loaded {done:,}/{total:,}")

    log(f"loading {incidents:,} demo incidents")
    t0 = time.perf_counter()
    summary = load_demo(desk, incidents, progress=progress)
    out["generate_s"] = round(time.perf_counter() - t0, 2)
    out["generate_parts_s"] = {k: round(v, 2) for k, v in summary.timings.items()}
    out["open_incidents"] = summary.open
    if attachments_n:
        log(f"adding {attachments_n:,} attachments")
        out["attachments_load_s"] = add_attachments(desk, attachments_n)
    out["attachments_in_db"] = attachments_n

    log("first page")
    open_queue = QueueFilter()
    out["first_page_ms"] = median_ms(lambda: queries.queue_page(desk, open_queue, limit=PAGE), runs)

    sql = RAW_FIRST_PAGE.format(active="= 1" if desk.dialect == "sqlite" else "", limit=PAGE)
    raw = desk.engine.raw_connection()
    try:

        def raw_page() -> None:
            cur = raw.cursor()
            cur.execute(sql)
            cur.fetchall()
            cur.close()

        out["first_page_raw_ms"] = median_ms(raw_page, runs)
        raw.rollback()
    finally:
        raw.close()

    log("deep page")
    open_count = queries.queue_count(desk, open_queue)
    deep = open_queue if open_count > DEPTH else QueueFilter(active_only=False)
    out["deep_page_queue"] = "open" if deep is open_queue else "all incidents"
    keys: list[tuple[object, ...]] = []
    after: tuple[object, ...] | None = None
    while len(keys) < DEPTH:
        chunk = queries.queue_keys(desk, deep, after=after, limit=min(50_000, DEPTH - len(keys)))
        if not chunk:
            break
        keys += chunk
        after = chunk[-1]
    out["deep_page_depth"] = len(keys)
    cursor = keys[-1] if keys else None
    out["deep_page_ms"] = median_ms(
        lambda: queries.queue_page(desk, deep, after=cursor, limit=PAGE), runs
    )

    log("count, search")
    out["open_count"] = open_count
    out["open_count_ms"] = median_ms(lambda: queries.queue_count(desk, open_queue), runs)
    out["search_terms"] = SEARCH
    out["search_hits"] = len(queries.search(desk, SEARCH, 50))
    out["search_ms"] = median_ms(lambda: queries.search(desk, SEARCH, 50), runs)

    log("update + commit")
    actor = desk.actor(ACTOR)
    target = queries.queue_page(desk, open_queue, limit=1).rows[0]
    channels = ["email", "phone"]
    turn = [0]

    def update() -> None:
        turn[0] += 1
        incident_service.update_fields(
            desk, actor, target.id, None, {"channel": channels[turn[0] % 2]}
        )

    out["update_commit_ms"] = median_ms(update, runs)

    log("attachment: store and read back 5 MB")
    import hashlib

    from app.services import attachments

    base = os.urandom(5 * 1024 * 1024)
    turn_a = [0]
    parts: dict[str, list[float]] = {"store": [], "read": []}

    def attach() -> None:
        turn_a[0] += 1  # new bytes each time (nothing to deduplicate), made off the clock
        data = turn_a[0].to_bytes(8, "big") + base[8:]
        t0 = time.perf_counter()
        record = attachments.add_attachment(desk, actor, target.id, "capture.bin", data)
        t1 = time.perf_counter()
        _record, back = attachments.content(desk, record.id)
        t2 = time.perf_counter()
        parts["store"].append((t1 - t0) * 1000)
        parts["read"].append((t2 - t1) * 1000)
        assert back == data

    n = min(runs, 10)  # 5 MB a run stays in the file
    attach()  # warm-up
    parts = {"store": [], "read": []}
    for _ in range(n):
        attach()
    total = [a + b for a, b in zip(parts["store"], parts["read"], strict=True)]
    out["attachment_ms"] = round(statistics.median(total), 2)
    out["attachment_store_ms"] = round(statistics.median(parts["store"]), 2)
    out["attachment_read_ms"] = round(statistics.median(parts["read"]), 2)
    out["attachment_hash_ms"] = median_ms(lambda: hashlib.sha256(base).hexdigest(), n)
    out["attachment_sniff_ms"] = median_ms(lambda: attachments.detect_type(base, "c.bin"), n)
    return out


def environment(desk: Desk) -> dict[str, Any]:
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    with desk.engine.connect() as conn:
        if desk.dialect == "sqlite":
            env["sqlite"] = conn.exec_driver_sql("SELECT sqlite_version()").scalar()
        else:
            env["postgresql"] = conn.exec_driver_sql("SHOW server_version").scalar()
            import psycopg

            env["psycopg"] = psycopg.__version__
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--keep", metavar="PATH-or-NAME", help="keep the database there")
    parser.add_argument("--runs", type=int, default=50, help="repetitions per timing")
    parser.add_argument(
        "--attachments", type=int, default=0, help="attachments in the database before timing"
    )
    args = parser.parse_args(argv)

    tmp: tempfile.TemporaryDirectory[str] | None = None
    dbname: str | None = None
    if args.db == "sqlite":
        if args.keep:
            path = Path(args.keep).resolve()
            if path.exists():
                parser.error(f"{path} exists; --keep needs a new file")
        else:
            tmp = tempfile.TemporaryDirectory(prefix="incidentdesk-bench-")
            path = Path(tmp.name) / "bench.sqlite3"
        url = f"sqlite:///{path}"
    else:
        dbname = args.keep or f"incidentdesk_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        pg_admin(f'CREATE DATABASE "{dbname}"')
        url = pg_url(dbname)

    engine = make_engine(url)
    try:
        upgrade_database(engine)
        desk = Desk(engine)
        result: dict[str, Any] = {"incidents": args.incidents, "db": args.db}
        result |= run(desk, args.incidents, args.runs, args.attachments)
        result["runs"] = args.runs
        result["environment"] = environment(desk)
        if args.db == "sqlite":
            result["database_mb"] = round(path.stat().st_size / 1e6, 1)
    finally:
        engine.dispose()
        if tmp is not None:
            tmp.cleanup()
        if dbname is not None and not args.keep:
            pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
