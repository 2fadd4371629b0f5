"""The database goes away while the agent works: a message and a retry, never a traceback, and
nothing typed is lost (DESIGN.md, qutebrowser's habit). Bad input names its field and keeps the rest.

The database is made unavailable for real: another connection holds an EXCLUSIVE lock on the
SQLite file while the desk's engine waits only BUSY_MS for it (the default is 5 s).

- WAL (the default journal): the lock stops writers; readers go on.
- The rollback journal (what a file on a network share gets): the lock stops readers too, so
  the whole database is out of reach.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import event

from app.db.engine import make_engine, sqlite_path
from app.services import incidents, queries
from app.services.context import Desk
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow
from app.views.main_window import MainWindow
from app.views.new_incident import NewIncidentDialog
from app.views.queue_model import ASSIGNEE
from tests.qt.conftest import DbLock, count_rows

CTRL = Qt.KeyboardModifier.ControlModifier
BUSY_MS = 300  # how long the desk's engine waits for a locked database
# how long a refused write may take to be said: BUSY_MS, then the task runner's turn, on a busy machine
FAILS_WITHIN_MS = 30_000
World = Any  # tests/qt/conftest.py's World (the desk, its users, groups and reference data)


def _short_wait(w: World) -> World:
    """The same database through an engine that gives up on a lock after BUSY_MS."""
    w.desk.engine.dispose()  # type: ignore[attr-defined]
    w.desk = Desk(make_engine(w.url, sqlite_busy_ms=BUSY_MS))
    w.desk.load_zone()  # as the application opens its desk, before any window paints a time
    return w


@pytest.fixture
def world(world: World) -> World:  # the shared fixture's world, with a short busy timeout
    return _short_wait(world)


@pytest.fixture
def lock(world: World) -> Iterator[DbLock]:
    path = sqlite_path(world.url)
    assert path is not None
    held = DbLock(path)
    yield held
    held.close()


def _open_form(qtbot, window: MainWindow) -> NewIncidentDialog:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window.table, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
    dialog = window.findChild(NewIncidentDialog)
    qtbot.waitUntil(lambda: dialog.category.count() > 1)
    return dialog


def _pick_caller(qtbot, dialog: NewIncidentDialog, typed: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(dialog.caller, typed)
    popup = dialog.completer.popup()
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() > 0)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.caller_id is not None)


def _fill_form(qtbot, world: World, dialog: NewIncidentDialog, title: str) -> None:  # type: ignore[no-untyped-def]
    _pick_caller(qtbot, dialog, "jo")
    qtbot.keyClicks(dialog.title, title)
    qtbot.keyClicks(dialog.category, "Softw")
    qtbot.keyClick(dialog.category, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: dialog.category.currentData() == world.email_category)
    qtbot.keyClicks(dialog.impact, "2")
    qtbot.keyClicks(dialog.urgency, "1")
    qtbot.keyClicks(dialog.description, "Crashes as soon as the shared calendar opens")
    qtbot.waitUntil(lambda: dialog.priority_info.text().startswith("2 - High"))
    # the side panel has answered: no read of the form is still on its way
    qtbot.waitUntil(lambda: any(h.kind == "known_error" for h in dialog.hits()))


def _form_values(dialog: NewIncidentDialog) -> tuple[object, ...]:
    return (
        dialog.caller.text(),
        dialog.caller_id,
        dialog.channel.currentData(),
        dialog.category.currentData(),
        dialog.impact.currentData(),
        dialog.urgency.currentData(),
        dialog.title.text(),
        dialog.description.toPlainText(),
    )


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


# -- 1. the new-incident form ------------------------------------------------------------------


def test_new_incident_survives_a_locked_database(qtbot, world, ana_window, lock, no_dialogs) -> None:
    window = ana_window
    window.select_view("All open")
    title = "Outlook crashes on the shared calendar"
    dialog = _open_form(qtbot, window)
    _fill_form(qtbot, world, dialog, title)
    typed = _form_values(dialog)

    lock.hold()
    qtbot.keyClick(dialog.description, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: dialog.error_text("general") != "", timeout=FAILS_WITHIN_MS)
    message = dialog.error_text("general")
    assert "database" in message.lower() and "not available" in message.lower()
    assert "Traceback" not in message and "sqlite3" not in message
    assert "Ctrl+Enter" in message  # says how to try again
    assert dialog.isVisible() and dialog.record is None
    assert _form_values(dialog) == typed  # everything typed is still there
    assert dialog.save_button.isEnabled()
    assert no_dialogs == []  # no crash report, no modal box

    lock.release()
    qtbot.keyClick(dialog.description, Qt.Key.Key_Return, CTRL)  # the retry
    qtbot.waitUntil(lambda: dialog.record is not None)
    record = dialog.record
    assert record.title == title and record.caller_id == world.john and record.priority == 2
    assert count_rows(world.desk, "SELECT count(*) FROM incidents WHERE title = :t", t=title) == 1
    qtbot.waitUntil(lambda: window.model.row_of(record.id) is not None)
    assert no_dialogs == []


def test_new_incident_retry_button(qtbot, world, ana_window, lock, no_dialogs) -> None:
    """The message carries a Retry button; it logs once when the database is back."""
    window = ana_window
    window.select_view("All open")
    title = "Cannot print to the third floor printer"
    dialog = _open_form(qtbot, window)
    qtbot.keyClicks(dialog.title, title)
    qtbot.keyClicks(dialog.description, "Jobs stay queued")
    qtbot.waitUntil(lambda: not dialog._similar_timer.isActive() and window.runner.pending() == 0)
    lock.hold()
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: dialog.retry_button.isVisible(), timeout=FAILS_WITHIN_MS)
    lock.release()
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.record is not None)
    assert count_rows(world.desk, "SELECT count(*) FROM incidents WHERE title = :t", t=title) == 1
    assert dialog.record.description == "Jobs stay queued"
    qtbot.waitUntil(lambda: window.model.row_of(dialog.record.id) is not None)
    assert no_dialogs == []


# -- 2. the incident window --------------------------------------------------------------------


def test_incident_edits_and_notes_survive_a_locked_database(qtbot, world, ana_window, lock, no_dialogs) -> None:
    window = ana_window
    window.select_view("All open")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("VPN drops every hour", impact=2, urgency=2))
    inc = _open_incident(qtbot, window, rec.id)
    description = "Drops at :00 every hour since the client update to 5.2"
    inc.description_edit.setFocus()
    inc.description_edit.selectAll()
    qtbot.keyClicks(inc.description_edit, description)
    note = "Asked the caller for the client log"
    inc.journal_edit.setFocus()
    qtbot.keyClicks(inc.journal_edit, note)

    lock.hold()
    qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)  # save the description
    qtbot.waitUntil(lambda: "Not saved" in inc.banner.text(), timeout=FAILS_WITHIN_MS)
    qtbot.waitUntil(lambda: not inc._saving, timeout=FAILS_WITHIN_MS)
    assert inc.description_edit.toPlainText() == description
    assert inc.dirty_fields() == {"description": description}
    assert inc.save_button.isEnabled() and inc.windowTitle().startswith("* ")
    qtbot.keyClick(inc.journal_edit, Qt.Key.Key_Return, CTRL)  # add the note
    qtbot.waitUntil(lambda: "Note not added" in inc.banner.text())
    # both are still said: the note's message does not hide that the edit is not saved
    assert "Not saved" in inc.banner.text() and "not available" in inc.banner.text()
    assert inc.retry_button.isVisible()
    assert inc.journal_edit.toPlainText() == note
    assert inc.description_edit.toPlainText() == description
    assert no_dialogs == []

    lock.release()
    qtbot.mouseClick(inc.retry_button, Qt.MouseButton.LeftButton)  # writes both
    qtbot.waitUntil(lambda: any(e.body == note for e in inc.journal_entries))
    qtbot.waitUntil(lambda: inc.record.description == description and not inc.dirty_fields())
    assert inc.journal_edit.toPlainText() == ""
    qtbot.waitUntil(lambda: not inc.banner.isVisible())  # the stale messages go away
    assert not inc.retry_button.isVisible()
    assert count_rows(world.desk, "SELECT count(*) FROM journal WHERE body = :b", b=note) == 1
    assert count_rows(
        world.desk, "SELECT count(*) FROM audit WHERE incident_id = :i AND field = 'description'", i=rec.id
    ) == 1
    assert no_dialogs == []
    inc.close()


def test_incident_note_retry_with_the_keyboard(qtbot, world, ana_window, lock, no_dialogs) -> None:
    window = ana_window
    window.select_view("All open")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Teams call quality", impact=3, urgency=3))
    inc = _open_incident(qtbot, window, rec.id)
    note = "Jitter on the office Wi-Fi only"
    inc.journal_edit.setFocus()
    qtbot.keyClicks(inc.journal_edit, note)
    lock.hold()
    qtbot.keyClick(inc.journal_edit, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: "Note not added" in inc.banner.text(), timeout=FAILS_WITHIN_MS)
    assert inc.journal_edit.toPlainText() == note
    lock.release()
    qtbot.keyClick(inc.journal_edit, Qt.Key.Key_Return, CTRL)
    qtbot.keyClick(inc.journal_edit, Qt.Key.Key_Return, CTRL)  # impatient: still added once
    qtbot.waitUntil(lambda: any(e.body == note for e in inc.journal_entries))
    qtbot.waitUntil(lambda: not inc.banner.isVisible())
    runner = window.runner
    qtbot.waitUntil(lambda: runner.pending() == 0)
    assert count_rows(world.desk, "SELECT count(*) FROM journal WHERE body = :b", b=note) == 1
    assert no_dialogs == []
    inc.close()


def test_incident_save_is_all_or_nothing_and_retried_once(
    qtbot, world, ana_window, no_dialogs
) -> None:
    """A save of text and impact is one transaction: the database fails in the middle of it
    (when the incident's impact is written, after its title was), nothing is written and
    every edit stays; the retry writes both, once, with no false conflict."""
    window = ana_window
    window.select_view("All open")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Mailbox full", impact=3, urgency=3))
    inc = _open_incident(qtbot, window, rec.id)
    failed: list[str] = []

    def fails_once_at_the_impact(cursor, statement, parameters, context):  # type: ignore[no-untyped-def]
        if not failed and statement.startswith("UPDATE incidents") and "impact" in statement:
            failed.append(statement)
            raise sqlite3.OperationalError("database is locked")
        return False

    engine = world.desk.engine
    event.listen(engine.dialect, "do_execute", fails_once_at_the_impact)
    try:
        inc.title_edit.setFocus()
        inc.title_edit.selectAll()
        qtbot.keyClicks(inc.title_edit, "Mailbox full, cannot send")
        inc.impact_edit.setFocus()
        qtbot.keyClicks(inc.impact_edit, "1")
        assert set(inc.dirty_fields()) == {"title", "impact"}
        qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
        qtbot.waitUntil(lambda: "Not saved" in inc.banner.text())
        assert failed, "the save never wrote the impact"
        # nothing was written: not the title either, which came first in the same save
        stored = queries.get_incident(world.desk, rec.id)
        assert (stored.version, stored.title, stored.impact) == (rec.version, "Mailbox full", 3)
        assert count_rows(world.desk, "SELECT count(*) FROM audit WHERE incident_id = :i AND field <> 'created'", i=rec.id) == 0
        assert set(inc.dirty_fields()) == {"title", "impact"}  # and nothing typed is lost
        assert inc.title_edit.text() == "Mailbox full, cannot send"
        qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
        qtbot.waitUntil(lambda: inc.record.impact == 1 and not inc.dirty_fields())
    finally:
        event.remove(engine.dialect, "do_execute", fails_once_at_the_impact)
    assert getattr(inc, "last_conflict_dialog", None) is None
    assert inc.record.title == "Mailbox full, cannot send"
    assert inc.record.version == rec.version + 1
    assert count_rows(world.desk, "SELECT count(*) FROM audit WHERE incident_id = :i AND field = 'title'", i=rec.id) == 1
    qtbot.waitUntil(lambda: not inc.banner.isVisible())
    assert no_dialogs == []
    inc.close()


# -- 3. the status bar -------------------------------------------------------------------------


@pytest.fixture
def share_world(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, isolated_config: Path) -> World:
    """A desk on the rollback journal (as on a network share): a lock stops readers too."""
    monkeypatch.setenv("INCIDENTDESK_SQLITE_JOURNAL", "delete")
    w: World = request.getfixturevalue("world")
    with w.desk.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "delete"
    return w


def _open_main(qtbot, world: World, runner, actor) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(world.desk, actor, runner, database="share.sqlite3")  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    assert window.feed.wait_ready()
    return window


def test_status_bar_says_offline_then_online(qtbot, share_world, runner, no_dialogs, monkeypatch) -> None:
    monkeypatch.setattr(MainWindow, "RETRY_MS", 200)
    window = _open_main(qtbot, share_world, runner, share_world.ana)
    try:
        window.select_view("All open")
        rec = incidents.log_incident(share_world.desk, share_world.ana, NewIncident("Share slow", impact=3, urgency=3))
        qtbot.waitUntil(lambda: window.model.row_of(rec.id) is not None)
        assert window.online_label.text() == "online"
        path = sqlite_path(share_world.url)
        assert path is not None
        lock = DbLock(path)
        probes: list[int] = []
        real_probe = queries.latest_change

        def probe(desk: Desk) -> int:
            probes.append(1)
            return real_probe(desk)

        monkeypatch.setattr(queries, "latest_change", probe)
        try:
            lock.hold()
            qtbot.keyClick(window.table, Qt.Key.Key_F5)  # every read of the refresh fails
            qtbot.waitUntil(lambda: window.online_label.text().startswith("OFFLINE"), timeout=FAILS_WITHIN_MS)
            assert "not available" in window.online_label.toolTip()
            qtbot.waitUntil(lambda: len(probes) >= 3)  # it asks again, and again...
            assert window.online_label.text().startswith("OFFLINE")  # ...and is still refused
            assert not window.model.showing_query()  # the refresh could not be read
            assert no_dialogs == []  # background reads failing: the status bar, no modal box
            lock.release()
            qtbot.waitUntil(lambda: window.online_label.text() == "online")
        finally:
            lock.close()
        # back online, the queue is read again, and live updates reach it
        qtbot.waitUntil(window.model.showing_query)
        other = incidents.log_incident(share_world.desk, share_world.ana, NewIncident("Share back", impact=3, urgency=3))
        qtbot.waitUntil(lambda: window.model.row_of(other.id) is not None)
        assert no_dialogs == []
    finally:
        window.shutdown()
        runner.wait()


def test_live_watcher_goes_offline_on_a_long_lock(qtbot, share_world, runner, other_desk, no_dialogs) -> None:
    """The rollback journal, a lock held longer than the watcher waits (5 s): the live watcher
    says offline and tries again; it never crashes, and live updates come back."""
    window = _open_main(qtbot, share_world, runner, share_world.ana)
    try:
        window.select_view("All open")
        qtbot.waitUntil(lambda: window.model.showing_query() and runner.pending() == 0)
        qtbot.waitUntil(lambda: window.background.pending() == 0)
        said: list[bool] = []
        window.feed.online.connect(said.append)  # what the watcher itself reports
        path = sqlite_path(share_world.url)
        assert path is not None
        lock = DbLock(path)
        try:
            lock.hold()
            qtbot.waitUntil(lambda: False in said, timeout=30_000)  # past the 5 s wait, however slow
            assert window.online_label.text().startswith("OFFLINE")
            lock.release()
            qtbot.waitUntil(lambda: said[-1] is True, timeout=30_000)
        finally:
            lock.close()
        rec = incidents.log_incident(other_desk, share_world.ben, NewIncident("Live again", impact=3, urgency=3))
        qtbot.waitUntil(lambda: window.model.row_of(rec.id) is not None)
        assert no_dialogs == []
    finally:
        window.shutdown()
        runner.wait()


def test_status_bar_goes_offline_when_a_write_fails(qtbot, world, ana_window, lock, no_dialogs, monkeypatch) -> None:
    """WAL: readers go on, the writer cannot. The failed write says so and sets offline; the
    next answer of the database sets online; the same action then works."""
    monkeypatch.setattr(MainWindow, "RETRY_MS", 200)
    window = ana_window
    window.select_view("All open")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Disk almost full", impact=3, urgency=3))
    qtbot.waitUntil(lambda: window.model.row_of(rec.id) is not None)
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(window.model.row_of(rec.id), 0))
    states: list[bool] = []
    window.online_changed.connect(states.append)
    lock.hold()
    qtbot.keyClick(window.table, Qt.Key.Key_M, CTRL)  # assign to me: a write
    qtbot.waitUntil(lambda: False in states)
    assert [m for m in no_dialogs if "not available" in m and "Traceback" not in m]
    lock.release()
    qtbot.waitUntil(window.is_online)
    assert states[-1] is True
    qtbot.keyClick(window.table, Qt.Key.Key_M, CTRL)  # again, by hand
    qtbot.waitUntil(lambda: window.model.index(window.model.row_of(rec.id), ASSIGNEE).data() == "Ana Agent")
    assert count_rows(world.desk, "SELECT count(*) FROM audit WHERE incident_id = :i AND field = 'assignee_id'", i=rec.id) == 1


def test_form_opened_while_offline_fills_in_when_back(qtbot, share_world, runner, no_dialogs, monkeypatch) -> None:
    """Ctrl+N with the database out of reach: the form opens and takes typing; its lists come
    when the database is back, and the incident is logged once."""
    monkeypatch.setattr(MainWindow, "RETRY_MS", 200)
    window = _open_main(qtbot, share_world, runner, share_world.ana)
    try:
        window.select_view("All open")
        qtbot.waitUntil(lambda: window.model.showing_query() and runner.pending() == 0)
        path = sqlite_path(share_world.url)
        assert path is not None
        lock = DbLock(path)
        try:
            lock.hold()
            qtbot.keyClick(window.table, Qt.Key.Key_N, CTRL)
            qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
            dialog = window.findChild(NewIncidentDialog)
            qtbot.keyClicks(dialog.title, "Shared drive S: gone")
            qtbot.keyClicks(dialog.description, "Since 9:00 for the whole floor")
            qtbot.waitUntil(lambda: not window.is_online())
            assert dialog.category.count() == 1  # only "(none)": the list could not be read
            assert no_dialogs == []
            lock.release()
        finally:
            lock.close()
        qtbot.waitUntil(window.is_online)
        qtbot.waitUntil(lambda: dialog.category.count() > 1)
        qtbot.waitUntil(lambda: dialog.priority_info.text().startswith("5 - Planning"))
        assert dialog.title.text() == "Shared drive S: gone"
        assert dialog.description.toPlainText() == "Since 9:00 for the whole floor"
        qtbot.keyClick(dialog.title, Qt.Key.Key_Return, CTRL)
        qtbot.waitUntil(lambda: dialog.record is not None)
        assert count_rows(share_world.desk, "SELECT count(*) FROM incidents WHERE title = 'Shared drive S: gone'") == 1
        qtbot.waitUntil(lambda: window.model.row_of(dialog.record.id) is not None)
        assert no_dialogs == []
    finally:
        window.shutdown()
        runner.wait()


# -- 4. bad input ------------------------------------------------------------------------------


def test_empty_title_names_the_field_and_keeps_the_rest(qtbot, world, ana_window, no_dialogs) -> None:
    window = ana_window
    dialog = _open_form(qtbot, window)
    _fill_form(qtbot, world, dialog, "   ")  # only spaces: no title
    typed = _form_values(dialog)
    qtbot.keyClick(dialog.description, Qt.Key.Key_Return, CTRL)
    message = dialog.error_text("title")
    assert "title" in message.lower() and "required" in message.lower()
    assert dialog.error_text("general") == ""
    qtbot.waitUntil(dialog.title.hasFocus)
    assert _form_values(dialog) == typed
    assert dialog.record is None and dialog.isVisible()
    # typing the title clears the message and logs
    qtbot.keyClicks(dialog.title, "Calendar crash")
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: dialog.record is not None)
    assert dialog.record.title == "Calendar crash"
    assert dialog.record.description == typed[7]
    assert no_dialogs == []
    assert QApplication.activeModalWidget() is None
