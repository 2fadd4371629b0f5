"""Shared fixtures. Qt must run offscreen: set before anything can import PySide6."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from hypothesis import HealthCheck, settings

from tests import templates

# Hypothesis: on CI the examples are derived from each test (derandomised, no example database),
# so a red run replays as it was; elsewhere a fresh random search each run, with the blob to
# reproduce a failure printed. Neither judges the machine's speed (no deadline, no too_slow).
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")

# The time-sensitive tests, marked `clock`, are listed in tests/clock.txt (why those: there).
CLOCK_TESTS = tuple(
    line.strip()
    for line in (Path(__file__).parent / "clock.txt").read_text("utf-8").splitlines()
    if line.strip() and not line.lstrip().startswith("#")
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        nodeid = item.nodeid.replace("\\", "/")
        if any(nodeid == t or nodeid.startswith((f"{t}::", f"{t}[")) for t in CLOCK_TESTS):
            item.add_marker(pytest.mark.clock)


TRAVEL_ENV = "INCIDENTDESK_TEST_TRAVEL"
_travel: dict[str, object] = {}  # "target": the aware datetime, "traveller": time_machine.travel


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--travel",
        default=os.environ.get(TRAVEL_ENV) or None,
        metavar="'YYYY-MM-DD HH:MM ZONE'",
        help=(
            "run the session as if started then (e.g. '2026-12-05 23:30 Europe/Brussels'), the "
            f"clock ticking from there; default: ${TRAVEL_ENV}"
        ),
    )


def travel_target(text: str) -> datetime:
    """'2026-12-05 23:30 Europe/Brussels' (or an ISO instant with its offset) as an aware
    datetime; a target without a zone or offset is refused, not read in the machine's zone."""
    words = text.strip().split()
    zone = None
    if len(words) > 1:
        try:
            zone = ZoneInfo(words[-1])
            words = words[:-1]
        except (ZoneInfoNotFoundError, ValueError):
            zone = None
    try:
        at = datetime.fromisoformat(" ".join(words))
    except ValueError:
        raise pytest.UsageError(f"--travel {text!r}: expected 'YYYY-MM-DD HH:MM ZONE'") from None
    if zone is not None:
        if at.tzinfo is not None:
            raise pytest.UsageError(f"--travel {text!r}: an offset and a zone; give one")
        at = at.replace(tzinfo=zone)
    if at.tzinfo is None:
        raise pytest.UsageError(f"--travel {text!r}: say where (a zone such as Europe/Brussels)")
    return at


def pytest_configure(config: pytest.Config) -> None:
    """Start the time machine for the whole session (before the test modules are imported, so
    that what they compute at import sees the travelled date too). Only Python's wall clock
    travels: monotonic clocks (timeouts, Qt timers) and the database server's now() do not."""
    text = config.getoption("--travel")
    if not text or "traveller" in _travel:
        return
    import time_machine

    target = travel_target(str(text))
    # as an instant: with a zone (even UTC), time-machine would also set the process's TZ to the target's
    # zone, and the machine's zone is TZ's to say (the site's zone is the desk's, not the machine's)
    traveller = time_machine.travel(target.timestamp(), tick=True)
    traveller.start()
    _travel.update(target=target, traveller=traveller)


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = _travel.pop("traveller", None)
    if traveller is not None:
        traveller.stop()  # type: ignore[attr-defined]
    _travel.clear()


def pytest_report_header(config: pytest.Config) -> list[str]:
    target = _travel.get("target")
    travel = (
        f"travelled to {target:%A %Y-%m-%d %H:%M} {target.tzinfo} "
        f"({target.astimezone(UTC):%Y-%m-%d %H:%M} UTC), ticking"
        if isinstance(target, datetime)
        else f"real time (--travel or ${TRAVEL_ENV} to travel)"
    )
    zone = os.environ.get("TZ") or "the machine's"
    profile = settings.get_current_profile_name()
    return [
        f"incidentdesk clock: {travel}; TZ={zone}",
        f"incidentdesk hypothesis: profile {profile!r}, derandomize={settings.default.derandomize}",
    ]


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


def new_pg_database(template_name: str | None = None) -> Iterator[str]:
    """A fresh PostgreSQL database (its SQLAlchemy URL; a copy of `template_name` when given),
    dropped afterwards."""
    name = f"incidentdesk_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _pg_admin_connect() as admin:
        admin.execute(templates.pg_create_sql(name, template_name))
    try:
        yield _db_url(pg_admin_url(), name)
    finally:
        with _pg_admin_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate_database(url: str) -> None:
    from app.db.engine import make_engine
    from app.db.migrate import upgrade

    eng = make_engine(url)
    upgrade(eng)
    eng.dispose()


def database_template(kind: str, key: str, build: Callable[[str], Any]) -> tuple[str, Any]:
    """The template `key` of this process on `kind` (see tests/templates.py)."""
    return templates.template(
        kind, key, build, pg_admin=_pg_admin_connect, pg_url=lambda n: _db_url(pg_admin_url(), n)
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    templates.drop_templates(_pg_admin_connect_quiet)


def _pg_admin_connect_quiet():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(pg_admin_url(), autocommit=True, connect_timeout=3)


@pytest.fixture
def pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database (its SQLAlchemy URL), dropped afterwards: empty, or already
    migrated when the test asks for `engine` too (a copy of the migrated template)."""
    template_name = None
    if "engine" in request.fixturenames:
        template_name, _ = database_template("postgresql", "schema", migrate_database)
    yield from new_pg_database(template_name)


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database on each engine: a SQLite file, or a new PostgreSQL database. Empty, unless
    the test asks for `engine` too: then migrated (a copy of this process's migrated template)."""
    if request.param == "sqlite":
        path = tmp_path / "incidentdesk.sqlite3"
        if "engine" in request.fixturenames:
            template_path, _ = database_template("sqlite", "schema", migrate_database)
            return templates.copy_sqlite(template_path, path)
        return f"sqlite:///{path}"
    return str(request.getfixturevalue("pg_database"))


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    """A migrated engine on `db_url` (db_url is a migrated copy when a test asks for engine)."""
    from app.db.engine import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    """The same lines at the end, where a quiet (-q) run that went red shows them too."""
    if exitstatus != 0 or "target" in _travel:
        for line in pytest_report_header(config):
            terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def scram_server():  # type: ignore[no-untyped-def]
    """A PostgreSQL of the module's own that checks passwords, with a desk (tests/scram_pg.py)."""
    from tests.scram_pg import scram_desk

    with scram_desk() as server:
        yield server
