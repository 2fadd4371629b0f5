"""Running service calls off the GUI thread (Anki's QueryOp, git-cola's generations).

``runner.run(fn, done, failed=..., key=...)`` calls ``fn()`` on a worker thread and hands the
result to ``done`` on the GUI thread. A ``key`` names a stream of requests (the queue, the
similar-incidents panel...): each new request on a key bumps its generation, and a result of an
older generation is dropped, so a slow stale answer never overwrites a newer one.

Failures split as in qutebrowser: a :class:`~app.domain.errors.DeskError` (validation, conflict,
environment) goes to ``failed``; any other exception is our bug and is re-raised on the GUI
thread, where the excepthook shows it. With no ``failed``, a validation or conflict error goes
to the runner's ``problem`` signal (a message box); an environment problem does not: a
background read that fails because the database is away is the status bar's news (``online``
and ``environment``), not a modal box per read.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from app.domain.errors import DeskError, EnvironmentProblem

Done = Callable[[Any], None]
Failed = Callable[[DeskError], None]


class _Relay(QObject):
    """Carries a finished task back to the GUI thread (queued connection)."""

    finished = Signal(int, object, object)  # task id, result, exception


class _Job(QRunnable):
    def __init__(self, task_id: int, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task_id = task_id
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # handed to the GUI thread, never swallowed
            self._relay.finished.emit(self._task_id, None, exc)
        else:
            self._relay.finished.emit(self._task_id, result, None)


class TaskRunner(QObject):
    """A small pool of worker threads for service calls, with generations per key."""

    problem = Signal(str)  # a user problem (validation, conflict...) no caller handled
    online = Signal(bool)  # the database answered / did not answer
    environment = Signal(str)  # why the database did not answer (EnvironmentProblem's message)
    busy = Signal(bool)

    def __init__(self, parent: QObject | None = None, threads: int = 3) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relay = _Relay()
        self._relay.finished.connect(self._finished)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[Done | None, Failed | None, str | None, int]] = {}
        self._generations: dict[str, int] = {}
        self._write_lock = threading.Lock()
        self._closed = False

    # -- API --------------------------------------------------------------------------
    def run(
        self,
        fn: Callable[[], Any],
        done: Done | None = None,
        failed: Failed | None = None,
        *,
        key: str | None = None,
        write: bool = False,
    ) -> int:
        """Run ``fn`` on a worker; ``done(result)`` / ``failed(error)`` on the GUI thread."""
        if self._closed:
            return 0
        task_id = next(self._ids)
        generation = 0
        if key is not None:
            generation = self._generations.get(key, 0) + 1
            self._generations[key] = generation
        self._pending[task_id] = (done, failed, key, generation)
        call = fn
        if write:  # writes go one at a time, in the order they were asked for
            lock = self._write_lock

            def call() -> Any:
                with lock:
                    return fn()

        self.busy.emit(True)
        self._pool.start(_Job(task_id, call, self._relay))
        return task_id

    def cancel(self, key: str) -> None:
        """Forget what is running on ``key``: its result will be dropped."""
        self._generations[key] = self._generations.get(key, 0) + 1

    def pending(self) -> int:
        return len(self._pending)

    def wait(self, msecs: int = 10_000) -> bool:
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        """Stop taking work and wait for what runs (before the engine goes away)."""
        self._closed = True
        self._pool.clear()
        self._pool.waitForDone(30_000)
        self._pending.clear()

    # -- delivery ---------------------------------------------------------------------
    @Slot(int, object, object)
    def _finished(self, task_id: int, result: object, error: object) -> None:
        entry = self._pending.pop(task_id, None)
        if not self._pending:
            self.busy.emit(False)
        if entry is None or self._closed:
            return
        done, failed, key, generation = entry
        stale = key is not None and self._generations.get(key) != generation
        if isinstance(error, BaseException):
            if isinstance(error, DeskError):
                environment = isinstance(error, EnvironmentProblem)
                if environment:
                    self.environment.emit(str(error))
                    self.online.emit(False)
                if stale:
                    return
                if failed is not None:
                    failed(error)
                elif not environment:
                    self.problem.emit(str(error))
                return
            # our bug: loud, through the excepthook (a dialog and a crash report)
            sys.excepthook(type(error), error, error.__traceback__)
            return
        self.online.emit(True)
        if stale or done is None:
            return
        done(result)
