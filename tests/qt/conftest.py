"""Fixtures for the Qt tests: a real migrated SQLite desk with a little reference data."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from tests import templates
from tests.conftest import database_template, new_pg_database

PASSWORD = "demo-pass"

# The offscreen platform says what it cannot do (raise a window, grab the keyboard); that is the
# test platform talking, not the application: every other Qt warning still fails the test.
OFFSCREEN_NOISE = (
    "This plugin does not support",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/qt/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@dataclass
class World:
    url: str
    desk: object
    admin: object
    ana: object  # agent, Service Desk
    ben: object  # specialist, Network
    carla: object  # supervisor, Service Desk
    service_desk: int
    network: int
    messaging: int
    email_category: int
    vpn_category: int
    john: int
    mary: int
    known_error: int


def build_world(url: str):  # type: ignore[no-untyped-def]
    from app.db.engine import make_engine
    from app.services import callers, catalog, defaults, problems, users
    from app.services.context import Desk

    engine = make_engine(url)
    defaults.upgrade_database(engine)
    desk = Desk(engine)
    desk.load_zone()  # as the application does before any window paints a time
    users.add_user(desk, None, "admin", "Dev Admin", "admin", password=PASSWORD)
    admin = desk.actor("admin")
    sd = catalog.add_group(desk, admin, "Service Desk", 1)
    net = catalog.add_group(desk, admin, "Network", 2)
    msg = catalog.add_group(desk, admin, "Messaging", 2)
    users.add_user(desk, admin, "ana", "Ana Agent", "agent", groups=["Service Desk"], password=PASSWORD)
    users.add_user(desk, admin, "ben", "Ben Network", "specialist", groups=["Network"], password=PASSWORD)
    carla = users.add_user(
        desk, admin, "carla", "Carla Supervisor", "supervisor", groups=["Service Desk", "Network"], password=PASSWORD
    )
    catalog.set_supervisor(desk, admin, sd, carla.id)
    catalog.set_supervisor(desk, admin, net, carla.id)
    software = catalog.add_category(desk, admin, "Software", default_group_id=sd)
    email = catalog.add_category(desk, admin, "Email", parent_id=software, default_group_id=msg)
    network = catalog.add_category(desk, admin, "Network", default_group_id=net)
    vpn = catalog.add_category(desk, admin, "VPN", parent_id=network, default_group_id=net)
    catalog.add_service(desk, admin, "E-mail")
    catalog.add_service(desk, admin, "VPN")
    john = callers.add_caller(desk, admin, "John Smith", email="john@example.com", department="Finance")
    mary = callers.add_caller(desk, admin, "Mary Jones", email="mary@example.com", department="Sales")
    ke = problems.add_known_error(
        desk,
        admin,
        "Outlook 365 shared calendar crash",
        "Outlook crashes when opening a shared calendar",
        "Remove and re-add the shared calendar in Outlook safe mode",
    )
    return World(
        url,
        desk,
        admin,
        desk.actor("ana"),
        desk.actor("ben"),
        desk.actor("carla"),
        sd,
        net,
        msg,
        email,
        vpn,
        john,
        mary,
        ke,
    )


# A test file whose behaviour differs by engine (the live feed: LISTEN/NOTIFY on PostgreSQL,
# data_version on SQLite; the conflict flow's row locks; how the database goes away) runs on both:
#     pytestmark = pytest.mark.parametrize("world", BOTH_ENGINES, indirect=True)
# Everything else runs on SQLite only: the suite's time stays for what differs.
BOTH_ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


def _world_template(url: str) -> World:
    w = build_world(url)
    w.desk.engine.dispose()  # type: ignore[attr-defined]
    return w


def world_on(url: str, like: World) -> World:
    """The world built on `like`'s template, opened on `url` (a copy of that template)."""
    from app.db.engine import make_engine
    from app.services.context import Desk

    desk = Desk(make_engine(url))
    desk.load_zone()  # as the application does before any window paints a time
    return replace(
        like, url=url, desk=desk, admin=desk.actor("admin"), ana=desk.actor("ana"),
        ben=desk.actor("ben"), carla=desk.actor("carla"),
    )


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The desk of the Qt tests (see build_world), on SQLite unless the test asks for both
    engines: each test its own copy of this process's world template (tests/templates.py)."""
    engine = getattr(request, "param", "sqlite")
    name, like = database_template(engine, "world", _world_template)
    if engine == "sqlite":
        w = world_on(templates.copy_sqlite(name, tmp_path / "desk.sqlite3"), like)
        yield w
        w.desk.engine.dispose()  # type: ignore[attr-defined]
        return
    for url in new_pg_database(name):
        w = world_on(url, like)
        try:
            yield w
        finally:
            w.desk.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def runner(qtbot):  # type: ignore[no-untyped-def]
    from app.views.tasks import TaskRunner

    r = TaskRunner()
    yield r
    r.shutdown()


@pytest.fixture
def other_desk(world: World):  # type: ignore[no-untyped-def]
    """A second workstation: its own engine on the same file."""
    from app.db.engine import make_engine
    from app.services.context import Desk

    engine = make_engine(world.url)
    yield Desk(engine)
    engine.dispose()


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path: Path) -> None:
    """QSettings in this test's own folder: nothing touches the real user's settings."""
    from PySide6.QtCore import QSettings

    folder = tmp_path / "qsettings"
    folder.mkdir(exist_ok=True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


def open_main(qtbot, world: World, runner, actor):  # type: ignore[no-untyped-def]
    from app.views.main_window import MainWindow

    window = MainWindow(world.desk, actor, runner, database="test.sqlite3")  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    assert window.feed.wait_ready()
    return window


@pytest.fixture
def ana_window(qtbot, world: World, runner):  # type: ignore[no-untyped-def]
    window = open_main(qtbot, world, runner, world.ana)
    yield window
    window.shutdown()
    runner.wait()


@pytest.fixture
def no_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message box and crash dialog, recorded instead of shown (they would block)."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []

    def record(kind: str):  # type: ignore[no-untyped-def]
        def box(_parent, title, message, *args, **kwargs):  # type: ignore[no-untyped-def]
            shown.append(f"{kind}: {title}: {message}")
            return QMessageBox.StandardButton.Ok

        return box

    for kind in ("warning", "critical", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(record(kind)))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(f"exec: {self.text()}") or 0)
    return shown


def count_rows(desk, sql: str, **params: object) -> int:  # type: ignore[no-untyped-def]
    """One number asked of the database in plain SQL (SELECT COUNT(*) ...)."""
    from sqlalchemy import text

    with desk.read() as conn:
        return int(conn.execute(text(sql), params).scalar_one())


class DbLock:
    """Another workstation's connection (sqlite3, not the desk's engine) holding the file EXCLUSIVE."""

    def __init__(self, path: Path) -> None:
        import sqlite3

        self._conn = sqlite3.connect(str(path), isolation_level=None, timeout=5.0)
        self.held = False

    def hold(self) -> None:
        self._conn.execute("BEGIN EXCLUSIVE")
        self.held = True

    def release(self) -> None:
        if self.held:
            self._conn.execute("ROLLBACK")
            self.held = False

    def close(self) -> None:
        self.release()
        self._conn.close()
