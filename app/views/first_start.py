"""The first start: migrating the schema and loading the demo take seconds; they run on a worker
thread while a window with a progress bar says what is happening (the GUI thread only paints).
An exception in the work is raised again on the GUI thread, where the start-up handles it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog

T = TypeVar("T")
Progress = Callable[[str, int, int], None]  # what, done, total (total 0: no measure yet)


class _Relay(QObject):
    progress = Signal(str, int, int)
    finished = Signal()


def run_with_progress(title: str, work: Callable[[Progress], T]) -> T:
    """Run `work(progress)` on a worker thread, a progress window on screen until it ends."""
    dialog = QProgressDialog(title, "", 0, 0)
    dialog.setWindowTitle("Incident Desk")
    dialog.setCancelButton(None)
    dialog.setMinimumDuration(0)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumWidth(420)
    relay = _Relay()
    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def show(what: str, done: int, total: int) -> None:
        dialog.setLabelText(what)
        dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total) if total else 0)

    relay.progress.connect(show)
    relay.finished.connect(loop.quit)

    def run() -> None:
        try:
            outcome["result"] = work(
                lambda what, done, total: relay.progress.emit(what, done, total)
            )
        except BaseException as exc:  # raised again on the GUI thread below
            outcome["error"] = exc
        finally:
            relay.finished.emit()

    global last_dialog
    last_dialog = dialog
    dialog.show()
    worker = threading.Thread(target=run, name="first-start", daemon=True)
    worker.start()
    if "result" not in outcome and "error" not in outcome:
        loop.exec()
    worker.join()
    dialog.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]  # type: ignore[no-any-return]


last_dialog: QProgressDialog | None = None  # for tests: the window of the last first start
