"""Shared fixtures. Qt must run offscreen: set before anything can import PySide6."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
_pg_state: dict[str, str | None] = {}  # "error": why the server is unusable (checked once)


@pytest.fixture(autouse=True)
def isolated_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own data and config folders: nothing touches the real user's."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CONFIG_DIRS", "site-config"),
        ("XDG_DATA_DIRS", "site-data"),
        ("APPDATA", "appdata"),
        ("LOCALAPPDATA", "localappdata"),
    ):
        (home / sub).mkdir()
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.delenv("INCIDENTDESK_DB", raising=False)
    monkeypatch.delenv("INCIDENTDESK_SQLITE_JOURNAL", raising=False)
    return home


def pg_admin_url() -> str:
    return os.environ.get("INCIDENTDESK_TEST_PG", PG_ADMIN_DEFAULT)


def _pg_unavailable(reason: str) -> None:
    message = f"PostgreSQL not available at {pg_admin_url()} (INCIDENTDESK_TEST_PG): {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _pg_admin_connect():  # type: ignore[no-untyped-def]
    import psycopg

    if _pg_state.get("error"):
        _pg_unavailable(_pg_state["error"] or "")
    try:
        conn = psycopg.connect(pg_admin_url(), autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        _pg_state["error"] = str(exc).strip() or type(exc).__name__
        _pg_unavailable(_pg_state["error"] or "")
    return conn


def _db_url(url: str, dbname: str) -> str:
    from sqlalchemy.engine import make_url

    return (
        make_url(url)
        .set(drivername="postgresql+psycopg", database=dbname)
        .render_as_string(hide_password=False)
    )


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (its SQLAlchemy URL), dropped afterwards."""
    name = f"incidentdesk_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _pg_admin_connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _db_url(pg_admin_url(), name)
    finally:
        with _pg_admin_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'incidentdesk.sqlite3'}"
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    """A migrated engine on `db_url`."""
    from app.db.engine import make_engine
    from app.db.migrate import upgrade

    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()
