"""The desk's own round: the SLA sweep with its escalation rules, and auto-close. One runner at
a time does it, whoever holds the escalation lease: a running desktop client (every TICK_S
seconds), or ``incidentdesk escalate --once`` from cron or a systemd timer.

The lease on PostgreSQL is a session advisory lock, held on a connection of its own: a holder
that dies loses its connection, and with it the lock, at once. When queries go through a pooler
(the desk's `listen_url`, app.db.config.listen_address) that session connects straight to the
server, as the change feed's listener does: a pooler in transaction mode would lend the
session, and its lock, to other workstations. On SQLite it is a row in
``leases`` with an expiry (LEASE_TTL) that the holder renews at every tick, read and written in
one IMMEDIATE transaction; a holder that stops renewing is replaced at the first tick of another
runner after the expiry, within TICK_S + LEASE_TTL (under a minute). The lease saves the others
the work: the sweep's guarded updates and the rules' keys (app.services.escalation_rules) are
what make every action happen once, whoever runs.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool

from app.db.changes import direct_address
from app.db.engine import make_engine
from app.domain.errors import EnvironmentProblem
from app.models import Lease as LeaseRow
from app.services import outbox, sla_sweep
from app.services.context import Desk, translated_errors
from app.services.sla_sweep import SweepResult

ESCALATION = "escalation"
TICK_S = 15  # how often a client tries the lease and, holding it, sweeps
LEASE_TTL = timedelta(seconds=40)  # a SQLite holder that stopped renewing is replaced after
PG_LOCK_KEY = 0x1D5E5C  # pg_try_advisory_lock's key for the escalation lease


def runner_name() -> str:
    """Who holds a lease, for people: "host:pid:abcd"."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:4]}"


@dataclass(frozen=True)
class LeaseInfo:
    holder: str
    acquired_at: datetime
    expires_at: datetime


class Lease:
    """The right to run a job alone. `hold()` takes it or renews it: True while this runner
    holds it. Thread-safe; call it from a worker thread (it talks to the database)."""

    def __init__(
        self,
        desk: Desk,
        name: str = ESCALATION,
        holder: str | None = None,
        ttl: timedelta = LEASE_TTL,
    ) -> None:
        self.desk = desk
        self.name = name
        self.holder = holder or runner_name()
        self.ttl = ttl
        self._lock = threading.Lock()
        self._conn: Connection | None = None  # PostgreSQL: the connection holding the lock
        self._direct: Engine | None = None  # ... made straight to the server (listen_url)

    def hold(self) -> bool:
        with self._lock:
            return self._hold_pg() if self.desk.dialect == "postgresql" else self._hold_row()

    def release(self) -> None:
        """Give the lease up (the next runner takes it at its next tick)."""
        with self._lock:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                    conn.commit()
                except sa_exc.SQLAlchemyError:
                    pass  # closing the connection gives the lock up all the same
                finally:
                    conn.close()
            try:
                with self.desk.write() as s:
                    row = s.get(LeaseRow, self.name)
                    if row is not None and row.holder == self.holder:
                        s.delete(row)
            except EnvironmentProblem:
                pass  # it expires by itself

    # -- SQLite: a row with an expiry -----------------------------------------------------
    def _hold_row(self) -> bool:
        now = self.desk.now()
        with self.desk.write() as s:  # IMMEDIATE: one runner at a time reads and writes it
            row = s.get(LeaseRow, self.name)
            if row is None:
                s.add(
                    LeaseRow(
                        name=self.name,
                        holder=self.holder,
                        acquired_at=now,
                        expires_at=now + self.ttl,
                    )
                )
                return True
            if row.holder != self.holder and row.expires_at > now:
                return False
            if row.holder != self.holder:
                row.holder, row.acquired_at = self.holder, now
            row.expires_at = now + self.ttl
            return True

    # -- PostgreSQL: an advisory lock on a connection of our own ----------------------------
    def _hold_pg(self) -> bool:
        if self._conn is not None:
            try:
                with translated_errors():
                    self._conn.execute(text("SELECT 1"))
                    self._conn.commit()
            except EnvironmentProblem:  # the connection went (and the lock with it): try anew
                self._drop_conn()
        if self._conn is None:
            with translated_errors():
                conn = self._connect()
                try:
                    got = bool(
                        conn.execute(
                            text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}
                        ).scalar()
                    )
                    conn.commit()  # the lock is the session's: it outlives the transaction
                except Exception:
                    conn.close()
                    raise
            if not got:
                conn.close()
                return False
            self._conn = conn
        self._note_holder()
        return True

    def _connect(self) -> Connection:
        """A session for the lock: from the desk's pool, or straight to the server when the
        desk's queries go through a pooler (one session a try: a NullPool)."""
        if not self.desk.listen_url:
            return self.desk.engine.connect()
        if self._direct is None:
            self._direct = make_engine(
                direct_address(self.desk.engine, self.desk.listen_url),
                poolclass=NullPool,
                application_name="incidentdesk-lease",
            )
        return self._direct.connect()

    def _drop_conn(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except sa_exc.SQLAlchemyError:
                pass  # it is gone already

    def _note_holder(self) -> None:
        """Who holds it, for `holder_of` (the lock decides; the row only tells)."""
        now = self.desk.now()
        with self.desk.write() as s:
            row = s.get(LeaseRow, self.name)
            if row is None:
                s.add(
                    LeaseRow(
                        name=self.name,
                        holder=self.holder,
                        acquired_at=now,
                        expires_at=now + self.ttl,
                    )
                )
                return
            if row.holder != self.holder:
                row.holder, row.acquired_at = self.holder, now
            row.expires_at = now + self.ttl


def holder_of(desk: Desk, name: str = ESCALATION) -> LeaseInfo | None:
    """Who holds (or last held) a lease, and until when it runs without renewal."""
    with desk.read() as conn:
        row = conn.execute(
            select(LeaseRow.holder, LeaseRow.acquired_at, LeaseRow.expires_at).where(
                LeaseRow.name == name
            )
        ).first()
    return None if row is None else LeaseInfo(row.holder, row.acquired_at, row.expires_at)


def run_once(desk: Desk) -> SweepResult:
    """One round: the SLA sweep with the escalation rules, auto-close, then the mail to callers
    that is due (app.services.outbox)."""
    result = sla_sweep.sweep_all(desk)
    return dataclasses.replace(result, mail=outbox.deliver(desk))


def tick(desk: Desk, lease: Lease) -> SweepResult | None:
    """A client's periodic round: take or renew the lease; holding it, run once (None: another
    runner holds it)."""
    if not lease.hold():
        return None
    return run_once(desk)
