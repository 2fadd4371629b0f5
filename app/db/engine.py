"""One engine per process, for SQLite or PostgreSQL, with the right connection settings."""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.db.config import redact_url
from app.db.private_files import is_builtin, make_private
from app.domain.errors import ValidationError

NETWORK_FS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "ncpfs", "davfs"}
BUSY_TIMEOUT_MS = 5000
# PostgreSQL: how long a statement waits for a lock another transaction holds (a workstation's
# transaction left open must not hang every writer behind it): then a "busy, retry" message
LOCK_TIMEOUT_MS = 5000
# PostgreSQL (app.db.pool.RestingPool): up to PG_POOL_SIZE connections kept while a burst of
# reads uses them (more, up to PG_MAX_OVERFLOW, closed as soon as each is returned), and all but
# PG_POOL_KEEP closed once unused for PG_POOL_REST_S. With the change feed's listener, an idle
# workstation holds two server connections.
PG_POOL_SIZE = 2
PG_MAX_OVERFLOW = 9
PG_POOL_KEEP = 1
PG_POOL_REST_S = 10.0


def sqlite_path(url: str) -> Path | None:
    try:
        u = make_url(url)
    except (ValueError, ArgumentError):  # not an address at all: make_engine says so
        return None
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def on_network_share(path: Path) -> bool:
    """True when the file sits on a network file system, where WAL's shared memory fails."""
    if os.environ.get("INCIDENTDESK_SQLITE_JOURNAL", "").lower() == "delete":
        return True
    text = str(path)
    if sys.platform == "win32":
        return text.startswith(("\\\\", "//"))
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    best, fstype = "", ""
    resolved = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3 and resolved.startswith(parts[1]) and len(parts[1]) > len(best):
            best, fstype = parts[1], parts[2]
    return fstype in NETWORK_FS


class _Median:
    """SQLite's missing median(x) aggregate (PostgreSQL has percentile_cont): the middle value of
    the group's non-null values, the mean of the two middle ones for an even count. The values
    are held by the database connection while the group is read (as PostgreSQL sorts them)."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self) -> float | None:
        return statistics.median(self.values) if self.values else None


class _Measures:
    """SQLite's measures(a, b, x): count, mean and median of the group's non-null x by a, by b
    and over all of them, in one pass (PostgreSQL's GROUP BY GROUPING SETS ((a), (b), ()),
    which SQLite lacks). The result is JSON text: {"a": [[a, count, mean, median], ...], "b":
    [...], "all": [count, mean, median] or null}, NULL over no row. Each mean is avg()'s: the values added up in
    the order read, divided by their count; each median is median()'s."""

    def __init__(self) -> None:
        self.by_a: dict[Any, list[float]] = {}
        self.by_b: dict[Any, list[float]] = {}
        self.every: list[float] = []

    def step(self, a: Any, b: Any, value: float | None) -> None:
        if value is None:
            return
        self.every.append(value)
        values = self.by_a.get(a)
        if values is None:
            self.by_a[a] = [value]
        else:
            values.append(value)
        values = self.by_b.get(b)
        if values is None:
            self.by_b[b] = [value]
        else:
            values.append(value)

    @staticmethod
    def _figures(values: list[float]) -> list[Any]:
        total = 0.0
        for v in values:  # in the order read, as avg() adds them (sum() may compensate)
            total += v
        return [len(values), total / len(values), statistics.median(values)]

    def finalize(self) -> str:
        return json.dumps(
            {
                "a": [[k, *self._figures(v)] for k, v in self.by_a.items()],
                "b": [[k, *self._figures(v)] for k, v in self.by_b.items()],
                "all": self._figures(self.every) if self.every else None,
            }
        )


def _sqlite_engine(url: str, busy_ms: int = BUSY_TIMEOUT_MS, **kw: Any) -> Engine:
    path = sqlite_path(url)
    journal = "WAL"
    if path is not None:
        if is_builtin(path):
            make_private(path)  # its -wal and -shm take the database file's mode from SQLite
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        if on_network_share(path.parent):
            journal = "DELETE"
    engine = create_engine(
        url,
        connect_args={"timeout": busy_ms / 1000, "check_same_thread": False},
        **kw,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # let SQLAlchemy's BEGIN below own transactions (pysqlite's own is broken)
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA journal_mode={journal}")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()
        dbapi_conn.create_aggregate("median", 1, _Median)  # type: ignore[arg-type]
        dbapi_conn.create_aggregate("measures", 3, _Measures)  # type: ignore[arg-type]

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # writers take the lock up front so a busy database waits instead of deadlocking
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engine(
    url: str,
    *,
    sqlite_busy_ms: int = BUSY_TIMEOUT_MS,
    pg_lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    application_name: str = "incidentdesk",
    **kw: Any,
) -> Engine:
    """The engine for `url` (sqlite:///... or postgresql+psycopg://...).

    SQLite: WAL (the rollback journal on a network share), a busy timeout, foreign keys.
    PostgreSQL: psycopg 3, pre-ping, a connect timeout, a lock timeout, the pool that keeps one
    connection once the others have rested (`poolclass`, `pool_size`, `pool_rest_s` and the
    like in `kw` win).
    """
    try:
        u = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError
        raise ValidationError(
            f"Not a database address: {redact_url(url)!r} ({redact_url(exc)})", field="db"
        ) from exc
    backend = u.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, sqlite_busy_ms, **kw)
    if backend == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        args = {
            "connect_timeout": 5,
            "application_name": application_name,  # what pg_stat_activity names it
        }
        if "options" not in u.query:  # an address's own server options win
            args["options"] = f"-c lock_timeout={int(pg_lock_timeout_ms)}"
        kw.setdefault("pool_pre_ping", True)
        if "poolclass" not in kw:
            from app.db.pool import RestingPool

            kw["poolclass"] = RestingPool
            kw.setdefault("pool_size", PG_POOL_SIZE)
            kw.setdefault("max_overflow", PG_MAX_OVERFLOW)
            kw.setdefault("pool_keep", PG_POOL_KEEP)
            kw.setdefault("pool_rest_s", PG_POOL_REST_S)
        return create_engine(u, connect_args=args, **kw)
    raise ValidationError(f"Unsupported database {backend!r}: use SQLite or PostgreSQL", field="db")
