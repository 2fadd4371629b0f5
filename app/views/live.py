"""The change feed, watched from the GUI: which incidents changed on another workstation.

A watcher thread blocks on the services' feed (``services.live.open_feed``: LISTEN/NOTIFY on
PostgreSQL, ``PRAGMA data_version`` on SQLite), reads what changed and hands it to the GUI thread
as a signal. An environment problem (server gone) is reported as offline and retried; any other
exception is our bug and goes to the excepthook on the GUI thread.
"""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.domain.errors import DeskError
from app.domain.records import Change
from app.services import live
from app.services.context import Desk

WAIT_S = 0.25
RETRY_S = 2.0


class _Watcher(QThread):
    arrived = Signal(object)  # list[Change]
    online = Signal(bool)
    crashed = Signal(object)  # BaseException

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._stop = threading.Event()
        self._feed: live.ChangeFeed | None = None
        self._cursor: object | None = None  # kept across reconnects: replay what was missed
        self._lock = threading.Lock()
        self.ready = threading.Event()
        self._missed = False

    def run(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    self._watch()
                except DeskError:
                    self._missed = True  # read the log once connected again
                    self.online.emit(False)
                    self._close_feed()
                    self._stop.wait(RETRY_S)
        except BaseException as exc:  # our bug: shown on the GUI thread
            self.crashed.emit(exc)
        finally:
            self._close_feed()

    def _watch(self) -> None:
        feed = live.open_feed(self._desk, self._cursor)  # type: ignore[arg-type]
        self._cursor = feed.cursor
        with self._lock:
            if self._stop.is_set():
                feed.close()
                return
            self._feed = feed
        self.online.emit(True)
        self.ready.set()
        while not self._stop.is_set():
            woke = feed.wait(WAIT_S)
            if self._stop.is_set():
                return
            if woke or self._missed:
                self._missed = False
                changes = feed.read()
                if changes:
                    self.arrived.emit(changes)

    def _close_feed(self) -> None:
        with self._lock:
            feed, self._feed = self._feed, None
        if feed is not None:
            feed.close()

    def stop(self) -> None:
        self._stop.set()
        self._close_feed()  # wakes a blocked wait()


class ChangeFeed(QObject):
    changes_arrived = Signal(object)  # list[Change], as read (for notifications)
    incidents_changed = Signal(object)  # set[int] of incident ids
    other_changed = Signal(object)  # set[str] of entity names (groups, callers, matrix...)
    online = Signal(bool)

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._thread: _Watcher | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = _Watcher(self._desk)
        self._thread.arrived.connect(self._arrived)
        self._thread.online.connect(self.online)
        self._thread.crashed.connect(self._crashed)
        self._thread.start()

    def wait_ready(self, timeout: float = 10.0) -> bool:
        return self._thread is not None and self._thread.ready.wait(timeout)

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.stop()
            thread.wait(10_000)

    @Slot(object)
    def _crashed(self, exc: BaseException) -> None:
        sys.excepthook(type(exc), exc, exc.__traceback__)

    @Slot(object)
    def _arrived(self, changes: list[Change]) -> None:
        self.changes_arrived.emit(changes)
        incidents: set[int] = set()
        others: set[str] = set()
        for change in changes:
            if change.entity == "incident":
                incidents.add(change.entity_id)
            else:
                others.add(change.entity)
        if incidents:
            self.incidents_changed.emit(incidents)
        if others:
            self.other_changed.emit(others)
