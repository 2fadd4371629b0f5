"""Errors, as qutebrowser splits them: the environment (a clear message, Retry/Quit) or our bug
(a dialog with the traceback, and a crash report file in the user data folder)."""

from __future__ import annotations

import sys
import traceback
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.domain.errors import DatabaseTooNew, DeskError, EnvironmentProblem


def crash_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    folder = Path(base or Path.home() / ".incidentdesk") / "crash-reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_crash_report(text: str) -> Path | None:
    try:
        path = crash_folder() / f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}.txt"
        path.write_text(text, encoding="utf-8")
        return path
    except OSError:
        return None


_showing = False


def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Our bug: print it, write a report, and show it loudly. Never swallowed."""
    global _showing
    text = "".join(traceback.format_exception(kind, exc, tb))
    sys.stderr.write(text)
    if isinstance(exc, KeyboardInterrupt):
        QApplication.quit()
        return
    if isinstance(exc, DeskError):  # an expected problem that escaped a handler
        show_problem(None, str(exc))
        return
    report = write_crash_report(text)
    if _showing or QApplication.instance() is None:
        return
    _showing = True
    try:
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "Incident Desk: internal error",
            "Something went wrong inside Incident Desk. This is a bug, not something you did.",
        )
        where = f"A crash report was saved to:\n{report}" if report else "No report could be saved."
        box.setInformativeText(
            f"{kind.__name__}: {exc}\n\n{where}\n\nYour unsaved work is still in the open windows."
        )
        box.setDetailedText(text)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.exec()
    finally:
        _showing = False


def install_excepthook() -> None:
    sys.excepthook = excepthook


def show_problem(parent: QWidget | None, message: str, title: str = "Incident Desk") -> None:
    QMessageBox.warning(parent, title, message)


def ask_yes(parent: QWidget | None, title: str, text: str) -> bool:
    """Yes or Cancel, Cancel the default: whether the user goes ahead."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_retry(parent: QWidget | None, exc: BaseException) -> bool:
    """An environment problem at start: True to retry, False to quit."""
    if isinstance(exc, DatabaseTooNew):
        title = "Database too new"
        text = str(exc)
    elif isinstance(exc, EnvironmentProblem):
        title = "Database not available"
        text = str(exc)
    else:  # a bad address or configuration: trying again cannot help, so no Retry
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Cannot open the database", str(exc), parent=parent
        )
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.button(QMessageBox.StandardButton.Close).setText("Quit")
        box.exec()
        return False
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setStandardButtons(QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Close)
    box.button(QMessageBox.StandardButton.Close).setText("Quit")
    box.setDefaultButton(QMessageBox.StandardButton.Retry)
    return box.exec() == QMessageBox.StandardButton.Retry
