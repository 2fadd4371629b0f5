"""The change feed between workstations (DESIGN.md, "Live updates").

Every write appends a row to ``change_log`` in its own transaction (:func:`append_change`); on
PostgreSQL the same transaction sends ``NOTIFY incidentdesk_changes`` with the new seq as payload,
delivered at commit. A client waits for a wake-up on a watcher (:func:`make_watcher`: a
``LISTEN`` connection on PostgreSQL, ``PRAGMA data_version`` polling on SQLite), then reads the
log past its position with a :class:`ChangeCursor`.

Sequence order is not commit order (two transactions take seq 10 and 11, 11 commits first), so a
read goes back ``overlap`` entries before the position and the cursor drops what it has seen.

Nothing here knows Qt: ``wait()`` blocks, so call it from a worker thread; ``close()`` may be
called from any thread and wakes a blocked ``wait()``, which then returns False.
"""

from __future__ import annotations

import contextlib
import select
import socket
import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Engine, Table, func, insert, text
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

from app.domain.errors import EnvironmentProblem
from app.domain.records import Change
from app.models import Base, utcnow

__all__ = [
    "CHANNEL",
    "ChangeCursor",
    "ChangeWatcher",
    "PgChangeListener",
    "SqliteChangeWatcher",
    "append_change",
    "append_changes",
    "changes_since",
    "direct_address",
    "latest_seq",
    "make_watcher",
]

CHANNEL = "incidentdesk_changes"
DEFAULT_OVERLAP = 50
POLL_INTERVAL = 0.1  # seconds between PRAGMA data_version reads

change_log: Table = Base.metadata.tables["change_log"]

_PG_APPEND = text(
    "WITH c AS (INSERT INTO change_log (entity, entity_id, kind, agent_id, at) "
    "VALUES (:entity, :entity_id, :kind, :agent_id, :at) RETURNING seq) "
    f"SELECT c.seq, pg_notify('{CHANNEL}', c.seq::text) FROM c"
)


def _dialect_name(session_or_conn: Session | Connection) -> str:
    if isinstance(session_or_conn, Session):
        return session_or_conn.get_bind().dialect.name
    return session_or_conn.dialect.name


def append_change(
    session_or_conn: Session | Connection,
    entity: str,
    entity_id: int,
    kind: str,
    agent_id: int | None,
) -> int:
    """Log one change in the caller's transaction (and notify on PostgreSQL); returns its seq."""
    at = utcnow()
    values: dict[str, Any] = {
        "entity": entity,
        "entity_id": entity_id,
        "kind": kind,
        "agent_id": agent_id,
        "at": at,
    }
    if _dialect_name(session_or_conn) == "postgresql":
        values["at"] = at.replace(tzinfo=None)  # naive UTC, as UTCDateTime stores it
        return int(session_or_conn.execute(_PG_APPEND, values).scalar_one())
    result = session_or_conn.execute(insert(change_log).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[attr-defined]


def append_changes(
    session_or_conn: Session | Connection,
    entity: str,
    entity_ids: Sequence[int],
    kind: str,
    agent_id: int | None,
) -> None:
    """Log many changes of one kind in the caller's transaction, in one statement (and one
    notification on PostgreSQL): a bulk change of thousands of incidents."""
    if not entity_ids:
        return
    at = utcnow()
    postgres = _dialect_name(session_or_conn) == "postgresql"
    rows = [
        {"entity": entity, "entity_id": i, "kind": kind, "agent_id": agent_id, "at": at}
        for i in entity_ids
    ]
    session_or_conn.execute(insert(change_log), rows)
    if postgres:
        session_or_conn.execute(
            text(f"SELECT pg_notify('{CHANNEL}', (SELECT max(seq) FROM change_log)::text)")
        )


def changes_since(
    conn: Connection | Session, seq: int, overlap: int = DEFAULT_OVERLAP, limit: int = 10_000
) -> list[Change]:
    """Change-log entries with seq > seq - overlap, oldest first (at most `limit`).

    The overlap re-reads entries the caller may already have seen: de-duplicate by seq
    (ChangeCursor does)."""
    c = change_log.c
    stmt = (
        sa_select(c.seq, c.entity, c.entity_id, c.kind, c.at)
        .where(c.seq > seq - max(0, overlap))
        .order_by(c.seq)
        .limit(limit)
    )
    return [Change(int(r[0]), r[1], r[2], r[3], r[4]) for r in conn.execute(stmt)]


def latest_seq(conn: Connection | Session) -> int:
    """The highest seq in the log (0 when empty): where a freshly loaded client starts."""
    return int(conn.execute(sa_select(func.coalesce(func.max(change_log.c.seq), 0))).scalar_one())


class ChangeCursor:
    """A client's position in the change feed; returns each change once.

    Keeps the seqs seen in the overlap window, so a change that committed late (a lower seq
    than one already read) is still reported, once."""

    def __init__(self, position: int = 0, overlap: int = DEFAULT_OVERLAP) -> None:
        self.position = position
        self.overlap = overlap
        self._seen: set[int] = set()

    @classmethod
    def at_latest(cls, conn: Connection | Session, overlap: int = DEFAULT_OVERLAP) -> ChangeCursor:
        """A cursor that reports only what changes from now on.

        The overlap window below the latest seq counts as seen: whatever the client loaded
        already reflects it (a change in that window committing later is reported)."""
        cur = cls(latest_seq(conn), overlap)
        for ch in changes_since(conn, cur.position, overlap):
            cur._seen.add(ch.seq)
        return cur

    def accept(self, changes: Sequence[Change]) -> list[Change]:
        """The entries of `changes` not seen before (and remembers them)."""
        new = []
        for ch in changes:
            if ch.seq in self._seen or ch.seq <= self.position - self.overlap:
                continue
            self._seen.add(ch.seq)
            new.append(ch)
            self.position = max(self.position, ch.seq)
        floor = self.position - self.overlap
        if len(self._seen) > 4 * max(self.overlap, 1):
            self._seen = {s for s in self._seen if s > floor}
        return new

    def read(self, conn: Connection | Session, limit: int = 10_000) -> list[Change]:
        """The new changes in the log since the last read, oldest first: all of them, in
        reads of `limit` (a bulk change writes more than one read returns)."""
        out: list[Change] = []
        while True:
            batch = changes_since(conn, self.position, self.overlap, limit)
            new = self.accept(batch)
            out.extend(new)
            if len(batch) < limit or not new:
                return out


# --- watchers ------------------------------------------------------------------------------


class ChangeWatcher(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True when the database may have changed."""
        ...

    def close(self) -> None: ...


class SqliteChangeWatcher:
    """Watches a SQLite file for commits by any other connection (PRAGMA data_version)."""

    def __init__(self, path: str, poll_interval: float = POLL_INTERVAL) -> None:
        if not path or path == ":memory:":
            raise ValueError("an in-memory SQLite database has no other writers to watch")
        self.poll_interval = poll_interval
        self._lock = threading.Lock()
        self._closed = threading.Event()
        try:
            self._db: sqlite3.Connection | None = sqlite3.connect(
                path, timeout=5.0, check_same_thread=False, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise EnvironmentProblem(f"Cannot watch {path} for changes: {exc}") from exc
        self._version = self._read()

    @classmethod
    def for_engine(
        cls, engine: Engine, poll_interval: float = POLL_INTERVAL
    ) -> SqliteChangeWatcher:
        return cls(engine.url.database or "", poll_interval)

    def _read(self) -> int:
        with self._lock:
            if self._db is None:
                return -1
            try:
                return int(self._db.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.OperationalError as exc:  # locked past the busy timeout, file gone
                raise EnvironmentProblem(
                    f"The database is not available: {exc}. Retry in a moment."
                ) from exc

    def poll(self) -> bool:
        """True when another connection committed since the last poll."""
        if self._closed.is_set():
            return False
        version = self._read()
        changed = version != self._version and version != -1
        self._version = version
        return changed

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + max(0.0, timeout)
        while not self._closed.is_set():
            if self.poll():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._closed.wait(min(self.poll_interval, remaining))
        return False

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> SqliteChangeWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def direct_address(engine: Engine, listen: str | None = None) -> str:
    """The libpq address of a session that must reach the server itself (the listener, the
    escalation lease's lock): the engine's, or `listen` (another host and port: the server
    when queries go through a pooler) with what it leaves out taken from the engine's (user,
    password, database, query such as sslmode)."""
    url = engine.url.set(drivername="postgresql")
    if listen:
        other = make_url(listen)
        url = url.set(
            host=other.host,
            port=other.port,  # none given: the server's default, not the pooler's
            username=other.username or url.username,
            password=other.password or url.password,
            database=other.database or url.database,
            query={**url.query, **other.query},
        )
    return url.render_as_string(hide_password=False)


class PgChangeListener:
    """LISTEN incidentdesk_changes on a connection of its own (autocommit)."""

    def __init__(self, conninfo: str, connect_timeout: int = 5) -> None:
        import psycopg

        self._psycopg = psycopg
        try:
            self._conn: Any = psycopg.connect(
                conninfo,
                autocommit=True,
                connect_timeout=connect_timeout,
                application_name="incidentdesk-listener",
            )
            self._conn.execute(f"LISTEN {CHANNEL}")
        except psycopg.OperationalError as exc:
            raise EnvironmentProblem(f"Cannot listen for changes: {exc}") from exc
        self._use = threading.Lock()  # held while wait() runs
        self._closed = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self.last_payloads: list[str] = []

    @classmethod
    def for_engine(cls, engine: Engine, listen: str | None = None) -> PgChangeListener:
        """Listening where `engine` connects, or on `listen` (see :func:`direct_address`)."""
        return cls(direct_address(engine, listen))

    def _drain(self) -> list[str]:
        return [n.payload for n in self._conn.notifies(timeout=0)]

    def wait(self, timeout: float) -> bool:
        """True as soon as a notification arrives (all pending ones are consumed)."""
        if self._closed.is_set():
            return False
        with self._use:
            if self._closed.is_set():
                return False
            try:
                got = self._drain()
                if not got:
                    sock = self._conn.fileno()
                    ready, _, _ = select.select([sock, self._wake_r], [], [], max(0.0, timeout))
                    if self._wake_r in ready or self._closed.is_set():
                        return False
                    if ready:
                        got = self._drain()
            except self._psycopg.OperationalError as exc:
                raise EnvironmentProblem(f"Lost the change-feed connection: {exc}") from exc
            self.last_payloads = got
            return bool(got)

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        with self._use, contextlib.suppress(Exception):
            self._conn.close()
        with contextlib.suppress(OSError):
            self._wake_r.close()
            self._wake_w.close()

    def __enter__(self) -> PgChangeListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_watcher(
    engine: Engine, listen: str | None = None
) -> SqliteChangeWatcher | PgChangeListener:
    """The right watcher for `engine`: LISTEN on PostgreSQL (on `listen`'s server when given,
    see :func:`direct_address`), data_version polling on SQLite (where `listen` means nothing)."""
    name = engine.dialect.name
    if name == "sqlite":
        return SqliteChangeWatcher.for_engine(engine)
    if name == "postgresql":
        return PgChangeListener.for_engine(engine, listen)
    raise ValueError(f"no change watcher for {name!r}")
