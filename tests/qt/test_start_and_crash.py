"""Start-up as a user meets it (the database unreachable: Retry/Quit; reachable: sign in, the
queue, quit) and the crash report of our own bugs (a dialog that says so, and a saved report)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.db.config import DatabaseConfig
from app.main import run_gui
from app.services import queries
from app.views import errors
from app.views.main_window import MainWindow
from app.views.signin import SignInDialog
from tests.qt.conftest import PASSWORD


def when_shown(kind: type, act: Callable[[QWidget], None], timeout_ms: int = 15_000) -> list[QWidget]:
    """Once a visible modal `kind` is up (it runs its own event loop), do `act` to it; the
    widgets acted on are returned (a list that fills as it happens)."""
    acted: list[QWidget] = []
    waited = [0]

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible() and widget not in acted:
            acted.append(widget)
            act(widget)
            return
        waited[0] += 20
        if waited[0] < timeout_ms:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return acted


@pytest.fixture
def app_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """run_gui names the application and installs its excepthook: put both back afterwards."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    names = (app.applicationName(), app.organizationName(), app.applicationDisplayName(), app.desktopFileName())
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    yield
    app.setApplicationName(names[0])
    app.setOrganizationName(names[1])
    app.setApplicationDisplayName(names[2])
    app.setDesktopFileName(names[3])


def test_unreachable_database_asks_retry_or_quit(qtbot, app_state) -> None:
    """The server is not there: a message names the problem with Retry and Quit; Retry tries
    again (and says so again while it is still not there); Quit ends with exit code 2."""
    config = DatabaseConfig("postgresql+psycopg://postgres@127.0.0.1:1/incidentdesk", "--db")
    seen: list[tuple[str, str]] = []

    def answer(button: QMessageBox.StandardButton) -> Callable[[QWidget], None]:
        def act(box: QWidget) -> None:
            assert isinstance(box, QMessageBox)
            seen.append((box.windowTitle(), box.text()))
            box.button(button).click()

        return act

    def first(box: QWidget) -> None:
        answer(QMessageBox.StandardButton.Retry)(box)
        when_shown(QMessageBox, answer(QMessageBox.StandardButton.Close))  # the second time: Quit

    when_shown(QMessageBox, first)
    assert run_gui(config) == 2
    assert len(seen) == 2
    for title, message in seen:
        assert title == "Database not available"
        assert message.startswith("The database cannot be reached:") and "Retry in a moment" in message
        assert "127.0.0.1" in message and "Traceback" not in message


def test_a_bad_address_offers_only_quit(qtbot, app_state) -> None:
    """An address no retry can fix (an unsupported database): the message says why, and its
    only button is Quit (a Retry that quits anyway would be a lie)."""
    config = DatabaseConfig("mysql://desk.example/incidentdesk", "--db")
    seen: list[tuple[str, str, list[str]]] = []

    def read_and_quit(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        seen.append((box.windowTitle(), box.text(), [b.text() for b in box.buttons()]))
        box.buttons()[0].click()

    when_shown(QMessageBox, read_and_quit)
    assert run_gui(config) == 2
    assert seen == [("Cannot open the database", "Unsupported database 'mysql': use SQLite or PostgreSQL", ["Quit"])]


def test_start_sign_in_work_and_quit(qtbot, world, app_state) -> None:
    """A reachable database: the sign-in dialog, then the queue with the user's name and the
    database in the status bar; Ctrl+Q quits with exit code 0 and keeps the window's settings."""
    config = DatabaseConfig(world.url, "--db")
    windows: list[MainWindow] = []

    def sign_in(dialog: QWidget) -> None:
        assert isinstance(dialog, SignInDialog)
        dialog.username.setFocus()
        qtbot.keyClicks(dialog.username, "carla")
        qtbot.keyClicks(dialog.password, PASSWORD)
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

    def on_window(window: MainWindow) -> None:
        windows.append(window)

        def quit_when_ready() -> None:
            if window.model.showing_query() and window.count_label.text():
                qtbot.keyClick(window.table, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
            else:
                QTimer.singleShot(20, quit_when_ready)

        QTimer.singleShot(0, quit_when_ready)

    when_shown(SignInDialog, sign_in)
    assert run_gui(config, on_window=on_window) == 0
    window = windows[0]
    assert window.windowTitle() == "Incident Desk — Carla Supervisor (Supervisor)"
    assert window.db_label.text() == f"Database: {world.url}"
    assert window.count_label.text() == "0 incidents"
    from app.views.settings import settings, user_key

    assert settings().value(user_key("carla", "main_geometry"))  # saved on the way out
    assert queries.agents(world.desk)  # the desk's database is still fine


def test_wrong_password_then_cancel_starts_nothing(qtbot, world, app_state) -> None:
    config = DatabaseConfig(world.url, "--db")
    said: list[str] = []

    def try_then_cancel(dialog: QWidget) -> None:
        assert isinstance(dialog, SignInDialog)
        qtbot.keyClicks(dialog.username, "ana")
        qtbot.keyClicks(dialog.password, "not-the-password")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)

        def then() -> None:
            if dialog.message.isVisible():
                said.append(dialog.message.text())
                qtbot.keyClick(dialog.password, Qt.Key.Key_Escape)
            else:
                QTimer.singleShot(20, then)

        QTimer.singleShot(0, then)

    when_shown(SignInDialog, try_then_cancel)
    assert run_gui(config) == 0
    assert said == ["Wrong user name or password"]


def test_our_bug_shows_a_report_and_saves_it(qtbot, world, ana_window, monkeypatch, isolated_config) -> None:
    """An unexpected exception in a background read (our bug, not the environment): a dialog
    says it is a bug and where the report was saved; the report holds the traceback; the
    window keeps working."""
    monkeypatch.setattr(sys, "excepthook", errors.excepthook)
    monkeypatch.setattr(errors, "_showing", False)

    def broken(desk):  # type: ignore[no-untyped-def]
        raise RuntimeError("lookups exploded")

    real_groups = queries.groups
    monkeypatch.setattr(queries, "groups", broken)
    shown: list[dict[str, str]] = []

    def read_and_close(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        shown.append({"title": box.windowTitle(), "text": box.text(), "info": box.informativeText(),
                      "details": box.detailedText()})
        box.button(QMessageBox.StandardButton.Ok).click()

    when_shown(QMessageBox, read_and_close)
    qtbot.keyClick(ana_window.table, Qt.Key.Key_F5)  # the refresh reads the lookups again
    qtbot.waitUntil(lambda: len(shown) == 1)
    box = shown[0]
    assert box["title"] == "Incident Desk: internal error"
    assert "This is a bug, not something you did" in box["text"]
    assert "RuntimeError: lookups exploded" in box["info"]
    assert "Your unsaved work is still in the open windows" in box["info"]
    folder = errors.crash_folder()
    assert str(isolated_config) in str(folder)  # the test's own data folder
    reports = list(folder.glob("crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in box["info"]
    text = Path(reports[0]).read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: lookups exploded" in text and text == box["details"]
    # the window still answers
    monkeypatch.setattr(queries, "groups", real_groups)
    ana_window.group_filter.clear()
    ana_window.activateWindow()  # the report had the focus
    qtbot.waitUntil(ana_window.isActiveWindow)
    qtbot.keyClick(ana_window.table, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: ana_window.group_filter.count() > 1)
