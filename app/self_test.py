"""``incidentdesk --self-test``: does this installation work? Offscreen, on a temporary SQLite
database (nothing of the user's is read or written), it creates the schema and an agent, opens
the main window, logs an incident through the services the form uses, waits for the queue to
show it, opens it in its window, resolves it and waits for that window to say Resolved. Exit 0
and one line ``self-test: ok ...``; else exit 1 and ``self-test: FAILED at <step>: <why>``.

Run by the packaging test on the built bundle and on the installed .deb's launcher, and by an
admin on a workstation where the application does not start (it needs no display).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEP_TIMEOUT_S = 30.0


class SelfTestFailed(Exception):
    pass


def _wait(app: Any, what: str, done: Callable[[], bool], timeout: float = STEP_TIMEOUT_S) -> None:
    """Process Qt events until `done()`, or fail naming `what`."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SelfTestFailed(f"{what}: not seen within {timeout:.0f} s")
        app.processEvents()
        time.sleep(0.01)


def _qt_message(stream: Any) -> Callable[[Any, Any, str], None]:
    """Qt's messages on `stream`, less what the offscreen platform says of window hints."""

    def handle(_kind: Any, _context: Any, message: str) -> None:
        if "This plugin does not support" not in message:
            print(f"self-test: Qt: {message}", file=stream)

    return handle


def run_self_test(out: Any = None) -> int:
    """The self-test; its exit code. Messages go to `out` (default stderr)."""
    stream = out if out is not None else sys.stderr
    os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no display needed, none touched
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="incidentdesk-self-test-"))
    step = "starting"
    previous_handler: Any = None
    try:
        step = "loading Qt"
        from PySide6.QtCore import QSettings, qInstallMessageHandler
        from PySide6.QtWidgets import QApplication

        previous_handler = qInstallMessageHandler(_qt_message(stream))

        qapp = QApplication.instance() or QApplication(sys.argv[:1])
        # the window's settings (column widths, splitter) go to the scratch folder, not the user's
        QSettings.setDefaultFormat(QSettings.Format.IniFormat)
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))

        step = "creating the database"
        from app.db.engine import make_engine
        from app.domain.lifecycle import ResolutionCode, State
        from app.services import catalog, defaults, users
        from app.services import incidents as incident_service
        from app.services.context import Desk
        from app.services.incidents import NewIncident

        engine = make_engine(f"sqlite:///{folder / 'self-test.sqlite3'}")
        desk = Desk(engine)
        revision = defaults.upgrade_database(engine)
        desk.load_zone()
        users.add_user(desk, None, "selftest-admin", "Self-test Admin", "admin")
        admin = desk.actor("selftest-admin")
        catalog.add_group(desk, admin, "Self-test Desk", 1)
        users.add_user(
            desk, admin, "selftest", "Self-test Agent", "agent", groups=["Self-test Desk"]
        )
        agent = desk.actor("selftest")

        step = "opening the main window"
        from app.views.main_window import MainWindow
        from app.views.tasks import TaskRunner

        runner = TaskRunner()
        window = MainWindow(desk, agent, runner, database="self-test")
        window.show()
        _wait(qapp, "the main window shown", window.isVisible)
        if not window.feed.wait_ready(STEP_TIMEOUT_S):
            raise SelfTestFailed("the live feed did not start")
        window.select_view("All open")
        opened: list[Any] = [window]
        try:
            step = "logging an incident"
            record = incident_service.log_incident(
                desk, agent, NewIncident("Self-test: the printer on floor 2 is offline")
            )
            _wait(
                qapp,
                f"{record.number} in the queue",
                lambda: window.model.row_of(record.id) is not None,
            )

            step = "opening the incident"
            inc: Any = window.open_incident(record.id)
            opened.append(inc)
            _wait(qapp, f"{record.number} in its window", lambda: inc.record is not None)

            step = "resolving the incident"
            incident_service.resolve(
                desk,
                agent,
                record.id,
                inc.record.version,
                ResolutionCode.SOLUTION_PROVIDED.value,
                "Self-test: printer restarted",
            )
            _wait(
                qapp,
                f"{record.number} shown as Resolved",
                lambda: inc.record is not None and inc.record.state is State.RESOLVED,
            )
        finally:
            for shown in reversed(opened):  # also after a failure: nothing stays on screen
                shown.close()
                shown.deleteLater()
            window.shutdown()
            for unsaved in runner.shutdown():
                print(f"self-test: not saved: {unsaved}", file=stream)
            engine.dispose()
    except SelfTestFailed as exc:
        print(f"self-test: FAILED at {step}: {exc}", file=stream)
        return 1
    except Exception as exc:
        print(f"self-test: FAILED at {step}: {type(exc).__name__}: {exc}", file=stream)
        traceback.print_exc(file=stream)
        return 1
    finally:
        if previous_handler is not None:
            from PySide6.QtCore import qInstallMessageHandler

            qInstallMessageHandler(previous_handler)
        shutil.rmtree(folder, ignore_errors=True)
    elapsed = time.monotonic() - started
    print(
        f"self-test: ok (schema {revision}, {record.number} logged and resolved, "
        f"Qt platform {QApplication.platformName()}, {elapsed:.1f} s)",
        file=stream,
    )
    return 0
