"""The change feed: the log, cursors with overlap, and the watchers, on both engines."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from app.db.changes import (
    ChangeCursor,
    PgChangeListener,
    SqliteChangeWatcher,
    append_change,
    change_log,
    changes_since,
    latest_seq,
    make_watcher,
)
from app.db.engine import make_engine

# how long a test waits for what must happen (a wake, a thread's end): a bound for a slow machine,
# never a figure (bench/feed.py measures those)
WAKE_S = 20.0
BLOCKED_S = 120.0  # a wait that only close() may end within WAKE_S


def _append(engine: Engine, n: int, entity: str = "incident") -> list[int]:
    with engine.begin() as c:
        return [append_change(c, entity, 100 + i, "updated", None) for i in range(n)]


def test_append_and_read(engine: Engine) -> None:
    with engine.connect() as c:
        assert latest_seq(c) == 0
        assert changes_since(c, 0) == []
    before = datetime.now(UTC)
    seqs = _append(engine, 3)
    after = datetime.now(UTC)
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    with engine.connect() as c:
        got = changes_since(c, 0)
        assert [ch.seq for ch in got] == seqs
        assert (got[0].entity, got[0].entity_id, got[0].kind) == ("incident", 100, "updated")
        assert got[0].at.tzinfo is not None
        assert before <= got[0].at <= after  # stamped when it was written
        assert latest_seq(c) == seqs[-1]
        # the overlap re-reads what came before the position
        assert [ch.seq for ch in changes_since(c, seqs[-1], overlap=0)] == []
        assert [ch.seq for ch in changes_since(c, seqs[-1], overlap=2)] == seqs[1:]
        assert [ch.seq for ch in changes_since(c, seqs[-1])] == seqs


def test_append_through_a_session(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        seq = append_change(s, "matrix", 1, "created", None)
    with engine.connect() as c:
        assert [(ch.seq, ch.entity) for ch in changes_since(c, 0)] == [(seq, "matrix")]


def test_rolled_back_change_is_not_in_the_log(engine: Engine) -> None:
    with engine.connect() as c:
        tx = c.begin()
        append_change(c, "incident", 1, "updated", None)
        tx.rollback()
        assert changes_since(c, 0) == []


def test_cursor_reports_each_change_once(engine: Engine) -> None:
    with engine.connect() as c:
        cursor = ChangeCursor.at_latest(c)
        assert cursor.read(c) == []
    first = _append(engine, 3)
    with engine.connect() as c:
        assert [ch.seq for ch in cursor.read(c)] == first
        assert cursor.read(c) == []  # the overlap re-read is de-duplicated
        assert cursor.position == first[-1]
    second = _append(engine, 2)
    with engine.connect() as c:
        assert [ch.seq for ch in cursor.read(c)] == second
        late = ChangeCursor.at_latest(c)  # a client started now sees nothing old
        assert late.read(c) == []


def _log_rows(engine: Engine, seqs: list[int]) -> None:
    now = datetime.now(UTC)
    with engine.begin() as c:
        c.execute(
            insert(change_log),
            [
                {"seq": s, "entity": "incident", "entity_id": s, "kind": "updated", "at": now}
                for s in seqs
            ],
        )


def test_late_commit_within_the_overlap_is_reported(engine: Engine) -> None:
    """seq 3 commits after 4 and 5 were read: the overlap re-read finds it, once."""
    cursor = ChangeCursor(0, overlap=3)
    _log_rows(engine, [1, 2, 4, 5])
    with engine.connect() as c:
        assert [ch.seq for ch in cursor.read(c)] == [1, 2, 4, 5]
    _log_rows(engine, [3, 6])
    with engine.connect() as c:
        assert [ch.seq for ch in cursor.read(c)] == [3, 6]
        assert cursor.read(c) == []
    # older than the overlap: lost to this cursor (the overlap is the bound)
    _log_rows(engine, [20])
    with engine.connect() as c:
        assert [ch.seq for ch in cursor.read(c)] == [20]
    _log_rows(engine, [7])
    with engine.connect() as c:
        assert cursor.read(c) == []


def test_cursor_forgets_old_seqs() -> None:
    cursor = ChangeCursor(0, overlap=5)
    from app.domain.records import Change

    at = datetime.now(UTC)
    for s in range(1, 1000):
        assert len(cursor.accept([Change(s, "incident", s, "updated", at)])) == 1
    assert len(cursor._seen) <= 4 * 5 + 1
    assert cursor.accept([Change(998, "incident", 1, "updated", at)]) == []


@pytest.mark.pg
def test_interleaved_transactions_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: seq order is commit order")
    cursor = ChangeCursor(0)
    with engine.connect() as a, engine.connect() as b, engine.connect() as reader:
        ta = a.begin()
        seq_a = append_change(a, "incident", 1, "updated", None)
        with b.begin():
            seq_b = append_change(b, "incident", 2, "updated", None)
        assert seq_a < seq_b
        assert [ch.seq for ch in cursor.read(reader)] == [seq_b]
        reader.rollback()
        ta.commit()
        assert [ch.seq for ch in cursor.read(reader)] == [seq_a]
        reader.rollback()
        assert cursor.read(reader) == []


# --- watchers -----------------------------------------------------------------------------


def test_watcher_sees_a_commit_from_another_engine(engine: Engine, db_url: str) -> None:
    other = make_engine(db_url)
    watcher = make_watcher(engine)
    try:
        expected = SqliteChangeWatcher if engine.dialect.name == "sqlite" else PgChangeListener
        assert isinstance(watcher, expected)
        assert watcher.wait(0.15) is False
        _append(other, 2)
        assert watcher.wait(WAKE_S) is True  # returns as soon as it sees the commit
        assert watcher.wait(0.15) is False  # nothing new since
    finally:
        watcher.close()
        other.dispose()


def test_watcher_ignores_a_rolled_back_write(engine: Engine, db_url: str) -> None:
    other = make_engine(db_url)
    watcher = make_watcher(engine)
    try:
        with other.connect() as c:
            tx = c.begin()
            append_change(c, "incident", 1, "updated", None)
            tx.rollback()
        assert watcher.wait(0.3) is False
    finally:
        watcher.close()
        other.dispose()


def test_watcher_wakes_in_a_worker_thread_and_closes(engine: Engine) -> None:
    watcher = make_watcher(engine)
    results: list[bool] = []
    woke = threading.Event()

    def worker() -> None:
        results.append(watcher.wait(WAKE_S))  # a commit before or during the wait wakes it
        woke.set()
        results.append(watcher.wait(BLOCKED_S))  # blocked until close()

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    _append(engine, 1)
    assert woke.wait(WAKE_S)
    watcher.close()  # (a close before that wait begins makes it return False at once, too)
    thread.join(WAKE_S)
    assert not thread.is_alive()  # the wait of BLOCKED_S was cut short by close()
    assert results == [True, False]
    assert watcher.wait(0.01) is False  # closed: never blocks, never wakes
    watcher.close()  # twice is fine


def test_sqlite_watcher_poll(engine: Engine, db_url: str) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("data_version is SQLite's")
    watcher = SqliteChangeWatcher.for_engine(engine)
    other = make_engine(db_url)
    try:
        assert watcher.poll() is False
        _append(other, 1)
        assert watcher.poll() is True
        assert watcher.poll() is False
    finally:
        watcher.close()
        other.dispose()
    with pytest.raises(ValueError, match="in-memory"):
        SqliteChangeWatcher(":memory:")


@pytest.mark.pg
def test_pg_listener_gets_the_seqs_of_the_commits(engine: Engine, db_url: str) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    listener = PgChangeListener.for_engine(engine)
    other = make_engine(db_url)
    try:
        (seq,) = _append(other, 1)
        assert listener.wait(WAKE_S) is True
        assert listener.last_payloads == [str(seq)]
        seqs = _append(other, 3)  # several notifies in one commit: each one once, in order
        got: list[str] = []
        while len(got) < len(seqs) and listener.wait(WAKE_S):
            got += listener.last_payloads
        assert got == [str(s) for s in seqs]
        assert listener.wait(0.1) is False
    finally:
        listener.close()
        other.dispose()
