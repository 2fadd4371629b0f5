"""Running service calls off the GUI thread (Anki's QueryOp and CollectionOp, git-cola's generations).

``runner.run(fn, done, failed=..., key=...)`` calls ``fn()`` on a worker thread and hands the
result to ``done`` on the GUI thread. A ``key`` names a stream of requests (the queue, the
similar-incidents panel...): each new request on a key bumps its generation, and a result of an
older generation is dropped, so a slow stale answer never overwrites a newer one.

Reads and writes take separate lanes. Reads run on a small pool; writes (``write=True``) run on
their own single thread, one at a time and in the order they were asked for, so a burst of saves
never holds every thread while the queue waits for its rows, and two saves of one user never
overtake each other. Nothing the user asked to save is dropped: :meth:`TaskRunner.shutdown`
forgets queued reads but waits for every queued write (telling the user, through ``note``, when
that takes more than a moment), and returns what could not be saved, in words.

Failures split as in qutebrowser: a :class:`~app.domain.errors.DeskError` (validation, conflict,
environment) goes to ``failed``; any other exception is our bug and is re-raised on the GUI
thread, where the excepthook shows it (or handed to ``bug``, for a periodic job that reports
its failure once instead of at every tick). ``after()`` runs on the GUI thread once the task is
over, however it ended: the place to clear a busy flag. With no ``failed``, a validation or conflict error goes
to the runner's ``problem`` signal (a message box); an environment problem does not: a
background read that fails because the database is away is the status bar's news (``online``
and ``environment``), not a modal box per read.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from app.domain.errors import DeskError, EnvironmentProblem

Done = Callable[[Any], None]
Failed = Callable[[DeskError], None]
Note = Callable[[int], None]  # how many writes are still being saved
Bug = Callable[[BaseException], None]
After = Callable[[], None]

NOTE_AFTER_MS = 1000  # quitting: a note when the queued writes take longer than this
SHUTDOWN_WAIT_MS = 120_000  # quitting: how long the queued writes may take before we give up


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
    """A small pool of worker threads for reads and one thread for writes, with generations
    per key."""

    problem = Signal(str)  # a user problem (validation, conflict...) no caller handled
    online = Signal(bool)  # the database answered / did not answer
    environment = Signal(str)  # why the database did not answer (EnvironmentProblem's message)
    busy = Signal(bool)

    def __init__(self, parent: QObject | None = None, threads: int = 3) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)  # reads
        self._pool.setMaxThreadCount(threads)
        self._writes = QThreadPool(self)  # writes: one thread, first asked first done
        self._writes.setMaxThreadCount(1)
        self._relay = _Relay()
        self._relay.finished.connect(self._finished)
        self._ids = itertools.count(1)
        self._pending: dict[
            int, tuple[Done | None, Failed | None, str | None, int, After | None, Bug | None]
        ] = {}
        self._generations: dict[str, int] = {}
        # writes not finished yet, and writes that failed and were not handed to their caller:
        # both filled on the worker thread, read by shutdown (no event loop needed)
        self._lock = threading.Lock()
        self._unwritten: dict[int, str] = {}
        self._write_failures: dict[int, str] = {}
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
        what: str = "",
        after: After | None = None,
        bug: Bug | None = None,
    ) -> int:
        """Run ``fn`` on a worker; ``done(result)`` / ``failed(error)`` on the GUI thread.

        ``write=True`` puts it on the write lane; ``what`` names the change for the user, should
        it not be saved ("the changes to INC0000042")."""
        if self._closed:
            if write:  # too late to save: never silently
                self._write_failures[-next(self._ids)] = (
                    f"{what or 'a change'}: the application was closing"
                )
            return 0
        task_id = next(self._ids)
        generation = 0
        if key is not None:
            generation = self._generations.get(key, 0) + 1
            self._generations[key] = generation
        self._pending[task_id] = (done, failed, key, generation, after, bug)
        self.busy.emit(True)
        if not write:
            self._pool.start(_Job(task_id, fn, self._relay))
            return task_id
        label = what or "a change"
        with self._lock:
            self._unwritten[task_id] = label

        def call() -> Any:
            try:
                return fn()
            except BaseException as exc:
                with self._lock:
                    self._write_failures[task_id] = f"{label}: {exc}"
                raise
            finally:
                with self._lock:
                    self._unwritten.pop(task_id, None)

        self._writes.start(_Job(task_id, call, self._relay))
        return task_id

    def cancel(self, key: str) -> None:
        """Forget what is running on ``key``: its result will be dropped."""
        self._generations[key] = self._generations.get(key, 0) + 1

    def pending(self) -> int:
        return len(self._pending)

    def writes_pending(self) -> int:
        with self._lock:
            return len(self._unwritten)

    def wait(self, msecs: int = 10_000) -> bool:
        deadline = time.monotonic() + msecs / 1000
        writes = self._writes.waitForDone(msecs)
        left = max(0, int((deadline - time.monotonic()) * 1000))
        return self._pool.waitForDone(left) and writes

    def shutdown(
        self, note: Note | None = None, *, timeout_ms: int = SHUTDOWN_WAIT_MS
    ) -> list[str]:
        """Stop taking work; forget the reads not started yet; wait for every queued write.

        If the writes take more than NOTE_AFTER_MS, ``note(n)`` is called with how many are still
        being saved (while the application keeps painting). Returns, in words, what could not be
        saved: writes that failed and whose caller never heard of it, and writes still unsaved
        after ``timeout_ms``. A second call returns what the first one did not."""
        self._closed = True
        self._pool.clear()  # queued reads: nobody is waiting for their answer any more
        if not self._writes.waitForDone(NOTE_AFTER_MS):
            if note is not None:
                note(self.writes_pending())
            self._wait_writes(timeout_ms)
        self._pool.waitForDone(30_000)
        self._pending.clear()
        with self._lock:
            lost = [
                *self._write_failures.values(),
                *(
                    f"{what}: still being saved when the application quit"
                    for what in self._unwritten.values()
                ),
            ]
            self._write_failures.clear()
            self._unwritten.clear()
        return lost

    def _wait_writes(self, timeout_ms: int) -> None:
        """Wait for the write lane with the event loop running (windows keep painting the note)."""
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(20)
        deadline = time.monotonic() + timeout_ms / 1000

        def check() -> None:
            if self.writes_pending() == 0 or time.monotonic() > deadline:
                loop.quit()

        timer.timeout.connect(check)
        timer.start()
        if self.writes_pending():
            loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        timer.stop()
        if self.writes_pending() == 0:
            self._writes.waitForDone(1000)  # the last one returns from its job

    # -- delivery ---------------------------------------------------------------------
    @Slot(int, object, object)
    def _finished(self, task_id: int, result: object, error: object) -> None:
        entry = self._pending.pop(task_id, None)
        if not self._pending:
            self.busy.emit(False)
        if entry is None or self._closed:
            return
        with self._lock:  # the caller hears of it now: not one of shutdown's losses
            self._write_failures.pop(task_id, None)
        done, failed, key, generation, after, bug = entry
        try:
            self._deliver(
                result,
                error,
                done,
                failed,
                bug,
                key is not None and self._generations.get(key) != generation,
            )
        finally:
            if after is not None:
                after()

    def _deliver(
        self,
        result: object,
        error: object,
        done: Done | None,
        failed: Failed | None,
        bug: Bug | None,
        stale: bool,
    ) -> None:
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
            if bug is not None:
                bug(error)
            else:
                sys.excepthook(type(error), error, error.__traceback__)
            return
        self.online.emit(True)
        if stale or done is None:
            return
        done(result)
