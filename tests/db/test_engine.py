"""Engine settings and how environment failures reach the user."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import migrate
from app.db.engine import make_engine, on_network_share
from app.domain.errors import EnvironmentProblem, ValidationError
from app.services.context import Desk
from app.services.defaults import ensure_defaults


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    engine.dispose()


def test_sqlite_on_a_network_share_uses_the_rollback_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCIDENTDESK_SQLITE_JOURNAL", "delete")
    assert on_network_share(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'share.sqlite3'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "delete"
    engine.dispose()


def test_a_local_folder_is_not_a_share(tmp_path: Path) -> None:
    assert not on_network_share(tmp_path)


def test_a_bad_url_is_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="Unsupported database 'mysql'"):
        make_engine("mysql://root@localhost/x")
    with pytest.raises(ValidationError, match="Not a database address"):
        make_engine("::::")


def test_a_locked_sqlite_database_is_an_environment_problem(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    engine = make_engine(f"sqlite:///{path}", sqlite_busy_ms=100)
    migrate.upgrade(engine)
    desk = Desk(engine)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(EnvironmentProblem, match=r"database is locked.*Retry"):
            ensure_defaults(desk)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    ensure_defaults(desk)  # the retry works once the lock is gone
    engine.dispose()


def test_an_unreachable_postgresql_is_an_environment_problem() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:1/nothing")
    with pytest.raises(EnvironmentProblem, match="cannot be reached"), Desk(engine).read():
        pass
    engine.dispose()


def test_a_database_newer_than_the_app_is_refused(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    from app.domain.errors import DatabaseTooNew

    with pytest.raises(DatabaseTooNew, match="newer Incident Desk"):
        migrate.upgrade(engine)
