"""For bench/startup.py only: when INCIDENTDESK_STARTUP_PROBE names a file, the application
writes there the wall-clock time at which the sign-in dialog and then the main window finished
their first paint, and quits after the main window's. With INCIDENTDESK_STARTUP_PROBE_LOGIN
("user:password") the sign-in dialog is filled and submitted as a person would (the password
is checked as usual: nothing is skipped). Unset, nothing of this runs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV_FILE = "INCIDENTDESK_STARTUP_PROBE"
ENV_LOGIN = "INCIDENTDESK_STARTUP_PROBE_LOGIN"


def enabled() -> bool:
    return bool(os.environ.get(ENV_FILE))


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, name: str, after: object = None) -> None:
        super().__init__(widget)
        self._name = name
        self._after = after
        self._done = False
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self._done:
            self._done = True
            QTimer.singleShot(0, self._painted)  # after this paint has ended
        return False

    def _painted(self) -> None:
        with open(os.environ[ENV_FILE], "a", encoding="utf-8") as f:
            f.write(f"{self._name} {time.time():.6f}\n")
        if callable(self._after):
            self._after()


def watch_sign_in(dialog: QWidget) -> None:
    if not enabled():
        return

    def sign_in() -> None:
        login = os.environ.get(ENV_LOGIN, "")
        if ":" not in login:
            return
        user, password = login.split(":", 1)
        dialog.username.setText(user)  # type: ignore[attr-defined]
        dialog.password.setText(password)  # type: ignore[attr-defined]
        dialog._sign_in()  # type: ignore[attr-defined]

    _FirstPaint(dialog, "signin", sign_in)


def watch_main_window(window: QWidget, quit_: Callable[[], None] = QApplication.quit) -> None:
    if not enabled():
        return
    _FirstPaint(window, "main", quit_)
