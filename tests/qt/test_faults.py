"""Faults of the environment, injected for real: each shows the user a message with a way to try
again, and nothing typed is lost (DESIGN.md: "the environment" is a clear message, never a crash).

PostgreSQL: the server drops the session (pg_terminate_backend) and refuses the database for a
while (ALLOW_CONNECTIONS false), another workstation holds the incident's row lock longer than
the lock timeout, a connection is killed while it waits for that lock.
SQLite: the disk is full (PRAGMA max_page_count), the database file is read-only (chmod; as root,
whom the file mode does not stop, PRAGMA query_only), a row changed under the update
(StaleDataError).
Either engine's pool: every connection is in use (TimeoutError), the connection is refused by
the pool's own check (DisconnectionError).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

from app.db.engine import make_engine, sqlite_path
from app.services import incidents, queries
from app.services.context import Desk
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow
from app.views.main_window import MainWindow
from app.views.new_incident import NewIncidentDialog
from app.views.queue_model import COLUMNS
from tests.conftest import pg_admin_url
from tests.qt.conftest import DbLock, count_rows

CTRL = Qt.KeyboardModifier.ControlModifier
World = Any  # tests/qt/conftest.py's World
LOCK_TIMEOUT_MS = 300

on_postgresql = pytest.mark.parametrize("world", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True)


def _main(qtbot, world: World, runner, monkeypatch) -> MainWindow:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(MainWindow, "RETRY_MS", 200)
    window = MainWindow(world.desk, world.ana, runner, database="faults")  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    assert window.feed.wait_ready()
    window.select_view("All open")
    return window


@pytest.fixture
def main(qtbot, world, runner, monkeypatch) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    window = _main(qtbot, world, runner, monkeypatch)
    yield window
    window.shutdown()
    runner.wait()


def _open_incident(qtbot, window: MainWindow, incident_id: int) -> IncidentWindow:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.model.row_of(incident_id) is not None)
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(window.model.row_of(incident_id), 0))
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.incident_window(incident_id) is not None)
    inc = window.incident_window(incident_id)
    assert isinstance(inc, IncidentWindow)
    qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    return inc


def _type_edit_and_note(qtbot, inc: IncidentWindow, description: str, note: str) -> None:  # type: ignore[no-untyped-def]
    inc.description_edit.setFocus()
    inc.description_edit.selectAll()
    qtbot.keyClicks(inc.description_edit, description)
    inc.journal_edit.setFocus()
    qtbot.keyClicks(inc.journal_edit, note)


def _save_fails_and_keeps(qtbot, inc: IncidentWindow, description: str, says: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: "Not saved" in inc.banner.text(), timeout=10_000)
    qtbot.waitUntil(lambda: not inc._saving)
    assert says in inc.banner.text(), inc.banner.text()
    assert "Traceback" not in inc.banner.text() and "psycopg" not in inc.banner.text()
    assert inc.retry_button.isVisible()
    assert inc.description_edit.toPlainText() == description
    assert inc.dirty_fields() == {"description": description}
    assert inc.windowTitle().startswith("* ")


def _retry_writes_once(qtbot, world: World, inc: IncidentWindow, rec_id: int, description: str, note: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(inc.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: inc.record.description == description and not inc.dirty_fields(), timeout=10_000)
    if note:
        qtbot.waitUntil(lambda: any(e.body == note for e in inc.journal_entries))
        assert inc.journal_edit.toPlainText() == ""
        assert count_rows(world.desk, "SELECT count(*) FROM journal WHERE body = :b", b=note) == 1
    qtbot.waitUntil(lambda: not inc.banner.isVisible())
    assert not inc.retry_button.isVisible()
    assert count_rows(
        world.desk, "SELECT count(*) FROM audit WHERE incident_id = :i AND field = 'description'", i=rec_id
    ) == 1


# -- PostgreSQL: the server goes away ----------------------------------------------------------


class PgServer:
    """The PostgreSQL server as its administrator sees the test's database."""

    def __init__(self, url: str) -> None:
        self.database = make_url(url).database
        self.url = url
        self._admin = psycopg.connect(pg_admin_url(), autocommit=True)
        self.refusing = False

    def drop_connections(self, where: str = "TRUE") -> int:
        """Terminate the database's sessions (as a restart or a network cut does); how many."""
        rows = self._admin.execute(
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
            f"WHERE datname = %s AND pid <> pg_backend_pid() AND ({where})",
            (self.database,),
        ).fetchall()
        return len(rows)

    def refuse(self) -> None:
        """The database refuses new connections, and the open ones are dropped."""
        self._admin.execute(f'ALTER DATABASE "{self.database}" WITH ALLOW_CONNECTIONS false')
        self.refusing = True
        self.drop_connections()

    def allow(self) -> None:
        self._admin.execute(f'ALTER DATABASE "{self.database}" WITH ALLOW_CONNECTIONS true')
        self.refusing = False

    def waiting_for_a_lock(self) -> int:
        return len(
            self._admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = 'incidentdesk' "
                "AND wait_event_type = 'Lock'",
                (self.database,),
            ).fetchall()
        )

    def close(self) -> None:
        if self.refusing:
            self.allow()
        self._admin.close()


class RowLock:
    """Another workstation's transaction holding an incident's row lock (SELECT ... FOR UPDATE)."""

    def __init__(self, url: str) -> None:
        u = make_url(url).set(drivername="postgresql")
        self._conn = psycopg.connect(u.render_as_string(hide_password=False))

    def hold(self, incident_id: int) -> None:
        self._conn.execute("SELECT id FROM incidents WHERE id = %s FOR UPDATE", (incident_id,))

    def release(self) -> None:
        self._conn.rollback()

    def close(self) -> None:
        self._conn.close()


@pytest.fixture
def server(world: World) -> Iterator[PgServer]:
    s = PgServer(world.url)
    yield s
    s.close()


@pytest.fixture
def row_lock(world: World) -> Iterator[RowLock]:
    lock = RowLock(world.url)
    yield lock
    lock.close()


@on_postgresql
def test_pg_server_drops_the_session_then_refuses_then_comes_back(
    qtbot, world, main, server, other_desk, no_dialogs
) -> None:
    """Mid-session the server drops every connection (the listener's too) and refuses new ones:
    the save and the note say so and keep what was typed, the status bar says offline; when the
    server is back, Retry writes both once and the live feed shows changes again."""
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("VPN drops every hour", impact=2, urgency=2))
    inc = _open_incident(qtbot, main, rec.id)
    description = "Drops at :00 since the client update"
    note = "Asked the caller for the client log"
    _type_edit_and_note(qtbot, inc, description, note)

    server.refuse()
    _save_fails_and_keeps(qtbot, inc, description, "cannot be reached")
    qtbot.keyClick(inc.journal_edit, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: "Note not added" in inc.banner.text())
    assert inc.journal_edit.toPlainText() == note
    qtbot.waitUntil(lambda: main.online_label.text().startswith("OFFLINE"))
    assert "not currently accepting connections" in main.online_label.toolTip()
    assert no_dialogs == []

    server.allow()
    qtbot.waitUntil(lambda: main.online_label.text() == "online", timeout=10_000)
    _retry_writes_once(qtbot, world, inc, rec.id, description, note)
    # the listener is back: another workstation's incident shows up without a refresh
    other = incidents.log_incident(other_desk, world.ben, NewIncident("Printer offline", impact=3, urgency=3))
    qtbot.waitUntil(lambda: main.model.row_of(other.id) is not None, timeout=10_000)
    assert no_dialogs == []
    inc.discard_ok = True
    inc.close()


@on_postgresql
def test_pg_new_incident_survives_the_server_going_away(qtbot, world, main, server, no_dialogs) -> None:
    """The new-incident form on PostgreSQL: the server refuses the database as Ctrl+Enter is
    pressed; the form says so and keeps every field; Retry logs it once when it is back."""
    dialog = _open_form(qtbot, main)
    title = "Cannot print to the third floor printer"
    qtbot.keyClicks(dialog.title, title)
    qtbot.keyClicks(dialog.description, "Jobs stay queued")
    qtbot.waitUntil(lambda: not dialog._similar_timer.isActive() and main.runner.pending() == 0)
    server.refuse()
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: dialog.error_text("general") != "", timeout=10_000)
    message = dialog.error_text("general")
    assert "cannot be reached" in message and "Ctrl+Enter" in message and "psycopg" not in message
    assert dialog.retry_button.isVisible() and dialog.record is None
    assert dialog.title.text() == title and dialog.description.toPlainText() == "Jobs stay queued"
    server.allow()
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.record is not None, timeout=10_000)
    assert count_rows(world.desk, "SELECT count(*) FROM incidents WHERE title = :t", t=title) == 1
    qtbot.waitUntil(lambda: main.model.row_of(dialog.record.id) is not None, timeout=10_000)
    assert no_dialogs == []


@on_postgresql
def test_pg_dropped_connections_are_replaced_without_a_word(
    qtbot, world, main, server, other_desk, no_dialogs
) -> None:
    """The server drops the sessions (a restart) and takes new ones at once: the next save just
    works (the pool checks a connection before use), and the live feed reconnects and shows what
    another workstation did meanwhile."""
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Teams call quality", impact=3, urgency=3))
    inc = _open_incident(qtbot, main, rec.id)
    description = "Jitter on the office Wi-Fi only"
    inc.description_edit.setFocus()
    inc.description_edit.selectAll()
    qtbot.keyClicks(inc.description_edit, description)
    qtbot.waitUntil(lambda: main.runner.pending() == 0 and main.background.pending() == 0)
    assert server.drop_connections() >= 2  # the pool's and the listener's
    meanwhile = incidents.log_incident(other_desk, world.ben, NewIncident("Share S: slow", impact=3, urgency=3))
    qtbot.waitUntil(lambda: main.model.row_of(meanwhile.id) is not None, timeout=10_000)
    qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: inc.record.description == description and not inc.dirty_fields())
    assert not inc.banner.text().startswith("Not saved")
    assert main.online_label.text() == "online"
    assert no_dialogs == []
    inc.close()


@pytest.fixture
def short_lock_world(world: World) -> World:
    """The same PostgreSQL database through an engine that waits LOCK_TIMEOUT_MS for a row lock."""
    world.desk.engine.dispose()  # type: ignore[attr-defined]
    world.desk = Desk(make_engine(world.url, pg_lock_timeout_ms=LOCK_TIMEOUT_MS))
    world.desk.load_zone()  # as the application opens its desk
    return world


@on_postgresql
def test_pg_row_locked_elsewhere_is_a_retry_not_a_hang(
    qtbot, short_lock_world, runner, row_lock, no_dialogs, monkeypatch
) -> None:
    """Another workstation holds the incident's row lock (a transaction left open): the save
    waits the lock timeout, then says the incident is busy and keeps the edit; Retry saves it."""
    world = short_lock_world
    window = _main(qtbot, world, runner, monkeypatch)
    try:
        rec = incidents.log_incident(world.desk, world.ana, NewIncident("Mailbox full", impact=3, urgency=3))
        inc = _open_incident(qtbot, window, rec.id)
        description = "Cannot send since 9:00"
        inc.description_edit.setFocus()
        inc.description_edit.selectAll()
        qtbot.keyClicks(inc.description_edit, description)
        row_lock.hold(rec.id)
        _save_fails_and_keeps(qtbot, inc, description, "busy")
        assert no_dialogs == []
        row_lock.release()
        _retry_writes_once(qtbot, world, inc, rec.id, description, "")
        assert no_dialogs == []
        inc.close()
    finally:
        window.shutdown()
        runner.wait()


@on_postgresql
def test_pg_connection_killed_while_it_waits_for_a_lock(
    qtbot, world, main, server, row_lock, no_dialogs
) -> None:
    """The save waits for a row lock and its connection is killed meanwhile (mid-transaction):
    a message and the edit kept; Retry saves once."""
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Wi-Fi drops", impact=3, urgency=3))
    inc = _open_incident(qtbot, main, rec.id)
    description = "Only on the second floor"
    inc.description_edit.setFocus()
    inc.description_edit.selectAll()
    qtbot.keyClicks(inc.description_edit, description)
    row_lock.hold(rec.id)
    qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: server.waiting_for_a_lock() == 1)
    assert server.drop_connections("wait_event_type = 'Lock'") == 1
    qtbot.waitUntil(lambda: "Not saved" in inc.banner.text())
    assert "cannot be reached" in inc.banner.text()
    assert inc.description_edit.toPlainText() == description and inc.retry_button.isVisible()
    row_lock.release()
    _retry_writes_once(qtbot, world, inc, rec.id, description, "")
    assert no_dialogs == []
    inc.close()


# -- SQLite: the disk is full, the database is read-only, the row changed under the update ------


class Pragma:
    """A PRAGMA set on every connection of `desk`'s engine while `on` (the pool is emptied so
    that no connection opened before escapes it)."""

    def __init__(self, desk: Desk, pragma: str) -> None:
        self.desk, self.pragma = desk, pragma
        self.on = False
        event.listen(desk.engine, "connect", self._connect)

    def _connect(self, dbapi_conn: Any, _record: Any) -> None:
        if self.on:
            dbapi_conn.execute(self.pragma)

    def set(self) -> None:
        self.on = True
        self.desk.engine.dispose()

    def clear(self) -> None:
        self.on = False
        self.desk.engine.dispose()


def _pagecount_rows(desk: Desk) -> int:
    with desk.read() as conn:
        return int(conn.exec_driver_sql("PRAGMA page_count").scalar_one())


def _open_form(qtbot, window: MainWindow) -> NewIncidentDialog:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window.table, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
    dialog = window.findChild(NewIncidentDialog)
    qtbot.waitUntil(lambda: dialog.category.count() > 1)
    return dialog


def test_disk_full_keeps_the_new_incident(qtbot, world, main, no_dialogs) -> None:
    """The database cannot grow (the disk is full): the form says so, keeps every word, and logs
    once when there is room again."""
    dialog = _open_form(qtbot, main)
    title = "Outlook crashes on the shared calendar"
    description = "Crashes when the shared calendar opens. " * 200  # needs new pages
    qtbot.keyClicks(dialog.title, title)
    dialog.description.setPlainText(description)
    qtbot.waitUntil(lambda: not dialog._similar_timer.isActive() and main.runner.pending() == 0)
    pages = _pagecount_rows(world.desk)
    full = Pragma(world.desk, f"PRAGMA max_page_count = {pages}")
    full.set()
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: dialog.error_text("general") != "")
    message = dialog.error_text("general")
    assert "full" in message and "not available" in message and "Ctrl+Enter" in message
    assert dialog.retry_button.isVisible() and dialog.record is None
    assert dialog.title.text() == title and dialog.description.toPlainText() == description
    assert count_rows(world.desk, "SELECT count(*) FROM incidents WHERE title = :t", t=title) == 0
    full.clear()
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.record is not None)
    assert count_rows(world.desk, "SELECT count(*) FROM incidents WHERE title = :t", t=title) == 1
    assert no_dialogs == []


class ReadOnly:
    """The database file made read-only (chmod 444) for the connections opened from now on; as
    root, whom the file mode does not stop, the same refusal from PRAGMA query_only."""

    def __init__(self, desk: Desk, url: str) -> None:
        self.desk = desk
        path = sqlite_path(url)
        assert path is not None
        self.path = path
        self.by_mode = hasattr(os, "geteuid") and os.geteuid() != 0
        self._pragma = Pragma(desk, "PRAGMA query_only = ON")

    def set(self) -> None:
        if self.by_mode:
            self.path.chmod(0o444)
            self.desk.engine.dispose()
        else:
            self._pragma.set()

    def clear(self) -> None:
        if self.by_mode:
            self.path.chmod(0o644)
            self.desk.engine.dispose()
        else:
            self._pragma.clear()


def test_read_only_database_keeps_the_edit_and_the_note(qtbot, world, main, no_dialogs) -> None:
    """The database file became read-only: reading goes on, writing says why and keeps the work."""
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Laptop slow", impact=3, urgency=3))
    inc = _open_incident(qtbot, main, rec.id)
    description = "Slow since the last update"
    note = "Asked for the update's KB number"
    _type_edit_and_note(qtbot, inc, description, note)
    read_only = ReadOnly(world.desk, world.url)
    read_only.set()
    _save_fails_and_keeps(qtbot, inc, description, "readonly database")
    qtbot.keyClick(inc.journal_edit, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: "Note not added" in inc.banner.text())
    assert inc.journal_edit.toPlainText() == note
    assert no_dialogs == []
    read_only.clear()
    _retry_writes_once(qtbot, world, inc, rec.id, description, note)
    assert no_dialogs == []
    inc.close()


def test_row_changed_under_the_update_shows_the_conflict(qtbot, world, main, no_dialogs) -> None:
    """The UPDATE finds the row at another version than it read (StaleDataError): nothing is
    written, the conflict dialog opens, and saving the merge writes the edit."""
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Keyboard dead", impact=3, urgency=3))
    inc = _open_incident(qtbot, main, rec.id)
    title = "Keyboard dead after the dock update"
    inc.title_edit.setFocus()
    inc.title_edit.selectAll()
    qtbot.keyClicks(inc.title_edit, title)
    bumped: list[bool] = []
    armed = [True]

    def bump(_conn, cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if armed[0] and not bumped and statement.startswith("UPDATE incidents SET"):
            bumped.append(True)  # the row moves on under the update, once
            cursor.execute("UPDATE incidents SET version = version + 1 WHERE id = ?", (rec.id,))

    event.listen(world.desk.engine, "before_cursor_execute", bump)
    try:
        qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
        qtbot.waitUntil(lambda: getattr(inc, "last_conflict_dialog", None) is not None)
    finally:
        armed[0] = False  # disarmed, not removed: removing races a worker thread's statement
    assert bumped
    dialog = inc.last_conflict_dialog
    assert dialog.isVisible()
    assert queries.get_incident(world.desk, rec.id).title == "Keyboard dead"  # nothing written
    assert inc.title_edit.text() == title
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: queries.get_incident(world.desk, rec.id).title == title)
    qtbot.waitUntil(lambda: not inc.dirty_fields())
    assert no_dialogs == []
    inc.close()


# -- the pool: every connection in use, a connection refused by the pool's check ---------------


@pytest.fixture
def small_pool_world(world: World) -> World:
    """Two connections at most, and a short wait for one (pool_timeout)."""
    world.desk.engine.dispose()  # type: ignore[attr-defined]
    world.desk = Desk(
        make_engine(world.url, poolclass=QueuePool, pool_size=2, max_overflow=0, pool_timeout=0.3)
    )
    world.desk.load_zone()  # as the application opens its desk
    return world


def test_every_connection_in_use_is_a_retry(qtbot, small_pool_world, runner, no_dialogs, monkeypatch) -> None:
    """The pool has no connection to give within its timeout (sqlalchemy's TimeoutError): the
    save says the database is busy and keeps the edit; Retry saves when connections are free."""
    world = small_pool_world
    window = _main(qtbot, world, runner, monkeypatch)
    held: list[Any] = []
    try:
        rec = incidents.log_incident(world.desk, world.ana, NewIncident("Dock not charging", impact=3, urgency=3))
        inc = _open_incident(qtbot, window, rec.id)
        description = "Since the firmware update"
        inc.description_edit.setFocus()
        inc.description_edit.selectAll()
        qtbot.keyClicks(inc.description_edit, description)
        qtbot.waitUntil(lambda: runner.pending() == 0 and window.background.pending() == 0)
        held.extend(world.desk.engine.connect() for _ in range(2))
        _save_fails_and_keeps(qtbot, inc, description, "busy")
        assert no_dialogs == []
        for conn in held:
            conn.close()
        held.clear()
        _retry_writes_once(qtbot, world, inc, rec.id, description, "")
        assert no_dialogs == []
        inc.close()
    finally:
        for conn in held:
            conn.close()
        window.shutdown()
        runner.wait()


def test_connection_refused_by_the_pool_check_is_a_retry(qtbot, world, main, no_dialogs) -> None:
    """A new connection fails the pool's own check (DisconnectionError, as a connect hook raises
    it): the save says the database cannot be reached; Retry saves once it passes again."""
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Badge reader", impact=3, urgency=3))
    inc = _open_incident(qtbot, main, rec.id)
    description = "Door 3 refuses every badge"
    inc.description_edit.setFocus()
    inc.description_edit.selectAll()
    qtbot.keyClicks(inc.description_edit, description)
    qtbot.waitUntil(lambda: main.runner.pending() == 0 and main.background.pending() == 0)
    broken = [True]

    def refuse(_dbapi_conn, _record):  # type: ignore[no-untyped-def]
        if broken[0]:
            raise sa_exc.DisconnectionError("the connection check failed")

    event.listen(world.desk.engine, "connect", refuse)
    world.desk.engine.dispose()
    try:
        _save_fails_and_keeps(qtbot, inc, description, "cannot be reached")
        broken[0] = False
        _retry_writes_once(qtbot, world, inc, rec.id, description, "")
    finally:
        # the hook stays, harmless: removing it races a worker thread connecting (SQLAlchemy's
        # listener deque is not for changing while another thread iterates it)
        broken[0] = False
    assert no_dialogs == []
    inc.close()


# -- the database locked while the configuration is reread ------------------------------------


def test_queue_paints_while_the_configuration_cannot_be_reread(
    qtbot, world, runner, no_dialogs, monkeypatch, isolated_config
) -> None:
    """The rollback journal (a network share), another workstation holds the file locked, and
    the cached configuration was just dropped (another workstation saved the site, the matrix
    or a policy): the queue still paints its times in the site's zone, and nothing crashes."""
    monkeypatch.setenv("INCIDENTDESK_SQLITE_JOURNAL", "delete")
    world.desk.engine.dispose()
    world.desk = Desk(make_engine(world.url, sqlite_busy_ms=200))
    world.desk.load_zone()  # as the application opens its desk
    window = _main(qtbot, world, runner, monkeypatch)
    path = sqlite_path(world.url)
    assert path is not None
    lock = DbLock(path)
    try:
        rec = incidents.log_incident(world.desk, world.ana, NewIncident("Share slow", impact=3, urgency=3))
        qtbot.waitUntil(lambda: window.model.row_of(rec.id) is not None)
        index = window.model.index(window.model.row_of(rec.id), len(COLUMNS) - 1)
        shown = index.data()
        assert shown
        lock.hold()
        world.desk.invalidate()
        window.table.viewport().grab()  # a paint: every visible cell is asked for its text
        assert index.data() == shown
        lock.release()
        world.desk.invalidate()
        assert index.data() == shown
        assert no_dialogs == []
    finally:
        lock.close()
        window.shutdown()
        runner.wait()
