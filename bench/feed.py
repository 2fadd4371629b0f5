"""The change feed between workstations, timed; prints ONE JSON object (figures, never pass/fail).

    .venv/bin/python -m bench.feed              # SQLite, and PostgreSQL when it answers
    .venv/bin/python -m bench.feed --runs 50 --db sqlite

What the tests check happens (a commit wakes a watcher, close() ends a blocked wait, an
unreachable server is one line), this measures how soon, on this machine:

- ``wake_ms``: from the start of a commit on a second engine to the return of a watcher waiting
  in another thread (median and max of ``--runs``; the commit is in it): SQLite polls
  ``PRAGMA data_version`` every 100 ms, PostgreSQL is woken by NOTIFY;
- ``close_ms``: from ``close()`` to the return of a wait blocked in another thread;
- ``unreachable_pg_s``: the command line against a PostgreSQL port nobody listens on, to its
  one-line error.

PostgreSQL from INCIDENTDESK_TEST_PG (default postgresql://postgres@127.0.0.1:5432/postgres), in a
fresh database dropped afterwards; SQLite in a temporary folder.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app import cli
from app.db.changes import append_change, make_watcher
from app.db.engine import make_engine
from app.db.migrate import upgrade

PG_ADMIN_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'feed.sqlite3'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    admin = os.environ.get("INCIDENTDESK_TEST_PG", PG_ADMIN_DEFAULT)
    name = f"incidentdesk_bench_feed_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(admin)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "max": round(max(values), 2)}


def measure(url: str, runs: int) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    other = make_engine(url)
    watcher = make_watcher(engine)
    wake: list[float] = []
    try:
        for i in range(runs):
            woke: list[float] = []

            def waiting(woke: list[float] = woke) -> None:
                if watcher.wait(30.0):
                    woke.append(time.perf_counter())

            thread = threading.Thread(target=waiting, daemon=True)
            thread.start()
            time.sleep(0.15)  # the watcher is waiting (somewhere in its poll interval on SQLite)
            t0 = time.perf_counter()
            with other.begin() as c:
                append_change(c, "incident", i, "updated", None)
            thread.join(60.0)
            if not woke:
                raise RuntimeError("the watcher did not wake within 30 s")
            wake.append((woke[0] - t0) * 1000)
    finally:
        watcher.close()
    close: list[float] = []
    for _ in range(max(3, runs // 5)):
        watcher = make_watcher(engine)
        started = threading.Event()
        returned = threading.Event()

        def blocked(
            w: Any = watcher, s: threading.Event = started, r: threading.Event = returned
        ) -> None:
            s.set()
            w.wait(60.0)
            r.set()

        thread = threading.Thread(target=blocked, daemon=True)
        thread.start()
        started.wait()
        time.sleep(0.2)  # let it block (a measurement, not a test)
        t0 = time.perf_counter()
        watcher.close()
        returned.wait(60.0)
        close.append((time.perf_counter() - t0) * 1000)
        thread.join()
    other.dispose()
    engine.dispose()
    return {"wake_ms": _stats(wake), "close_ms": _stats(close)}


def unreachable_pg_s() -> float:
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        cli.main(["--db", "postgresql://postgres@127.0.0.1:1/x", "--as", "a", "incident", "list"])
    return round(time.perf_counter() - t0, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "runs": args.runs,
    }
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        log(f"{kind}: {args.runs} commits")
        try:
            with database(kind) as url:
                out[kind] = measure(url, args.runs)
        except Exception as exc:  # no server here: say so in the figures
            if kind == "postgresql" and args.db == "both":
                out[kind] = {"skipped": f"{type(exc).__name__}: {exc}".strip()}
                continue
            raise
    out["unreachable_pg_s"] = unreachable_pg_s()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
