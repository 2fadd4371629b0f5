"""The composition root: Qt application, engine, schema upgrade, demo data, sign-in, main window.

Environment problems at start (database unreachable, locked, too new) are a message with
Retry/Quit; anything else is our bug and goes to the excepthook (a dialog and a crash report).

For benchmarks only (``bench/gui.py``, which calls ``run_gui`` from its own Python process):
``signed_in_as=<user name>`` skips the sign-in dialog, so a measured start is "process start
to the first painted queue" without a person typing a password, and ``on_window=callback``
hands the shown main window to the benchmark's driver. Neither is reachable from the command
line or the environment.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from app.domain.errors import DatabaseTooNew, DeskError, EnvironmentProblem


def database_label(url: Any) -> str:
    """The database address for people: the URL without its password."""
    from app.db.config import redact_url

    return redact_url(url)


def _demo_hint(desk: Any) -> str | None:
    """A hint on the sign-in dialog when the database holds the demo data (one small read)."""
    from app.services import settings

    try:
        names = settings.demo_users(desk)
    except DeskError:
        return None
    if not names:
        return None
    return (
        f"Demo data: sign in as {', '.join(names)} or any other demo user, "
        f"with the password “{settings.DEMO_PASSWORD}”."
    )


def _open_database(db_config: Any, demo_if_empty: bool) -> tuple[Any, Any]:
    """The engine and the desk, the schema ready. A current schema costs one query on the GUI
    thread (no Alembic); a migration or the first start's demo load runs on a worker thread
    behind a progress window (app.views.first_start)."""
    from app.db.config import listen_address
    from app.db.engine import make_engine
    from app.services import defaults
    from app.services.context import Desk, environment_problem

    listen = listen_address()  # a bad one is a message before anything connects
    engine = make_engine(db_config.url)
    try:
        desk = Desk(engine, listen_url=listen[0] if listen else None)
        current = defaults.schema_is_current(engine)
        demo_due = demo_if_empty and (not current or not defaults.has_incidents(desk))
        if current and not demo_due:
            defaults.ensure_defaults(desk)
        else:
            from app.views.first_start import run_with_progress

            run_with_progress(
                "Preparing the database…", lambda progress: _first_start(desk, demo_due, progress)
            )
        desk.load_zone()  # before any window paints a time
    except DeskError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        problem = environment_problem(exc)
        if problem is not None:
            raise problem from exc
        raise
    return engine, desk


def _first_start(desk: Any, demo: bool, progress: Callable[[str, int, int], None]) -> None:
    """On a worker thread: migrate (when due), then load the demo (when asked and empty)."""
    from app.services import defaults

    progress("Creating or upgrading the database schema…", 0, 0)
    defaults.prepare_database(desk.engine)
    if demo:
        from app.demo import FIRST_START_INCIDENTS
        from app.demo.loader import ensure_demo

        progress("Loading the demo desk…", 0, FIRST_START_INCIDENTS)
        ensure_demo(
            desk,
            FIRST_START_INCIDENTS,
            progress=lambda done, total: progress(
                f"Loading the demo desk: {done:,} of {total:,} incidents…", done, total
            ),
        )


def run_gui(
    db_config: Any,
    demo_if_empty: bool = False,
    *,
    on_window: Callable[[Any], None] | None = None,
    signed_in_as: str | None = None,
    first_run: bool = False,
) -> int:
    """Start the desktop client on `db_config` (app.db.config.DatabaseConfig); the exit code.

    Benchmarks only: `signed_in_as` skips the sign-in dialog; `on_window` receives the main
    window once it is shown."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from app.views import startup_probe
    from app.views.errors import ask_retry, install_excepthook
    from app.views.main_window import MainWindow
    from app.views.resources import app_icon
    from app.views.signin import SignInDialog
    from app.views.tasks import TaskRunner

    if QApplication.instance() is None:  # Qt takes the policy only before the application
        QApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Incident Desk")
    app.setOrganizationName("IncidentDesk")
    app.setApplicationDisplayName("Incident Desk")
    app.setDesktopFileName("incidentdesk")
    app.setWindowIcon(app_icon())
    install_excepthook()

    if first_run or db_config.url.startswith("postgresql"):
        from app.views.connection_wizard import for_start

        wizard_runner = TaskRunner()
        try:
            chosen = for_start(db_config, wizard_runner, first_run=first_run)
        finally:
            wizard_runner.shutdown()
        if chosen is None:
            return 0
        db_config, demo = chosen
        demo_if_empty = demo_if_empty or demo

    while True:
        try:
            engine, desk = _open_database(db_config, demo_if_empty)
            break
        except (EnvironmentProblem, DatabaseTooNew) as exc:
            if not ask_retry(None, exc):
                return 2
        except DeskError as exc:  # a bad address or config: nothing to retry
            ask_retry(None, exc)
            return 2

    runner = TaskRunner()
    label = database_label(engine.url)
    try:
        if signed_in_as:  # benchmarks only: no sign-in dialog (see the module docstring)
            actor = desk.actor(signed_in_as)
        else:
            dialog = SignInDialog(desk, runner, database=label, demo_hint=_demo_hint(desk))
            startup_probe.watch_sign_in(dialog)
            if dialog.exec() != SignInDialog.DialogCode.Accepted or dialog.actor is None:
                return 0
            actor = dialog.actor
            if dialog.desk is not desk:  # signed in as their own PostgreSQL role
                engine.dispose()  # the address's own connection is not needed any more
                desk = dialog.desk
                engine = desk.engine
                label = database_label(engine.url)
        window = MainWindow(desk, actor, runner, database=label)
        startup_probe.watch_main_window(window)
        window.show()
        if on_window is not None:
            on_window(window)
        code = int(app.exec())
        window.shutdown()
        return code
    finally:
        for unsaved in runner.shutdown():  # the window said so already, if it was closed
            print(f"Not saved: {unsaved}", file=sys.stderr)
        engine.dispose()
