"""The change feed, watched from the GUI: which incidents changed on another workstation.

The services have no watcher wrapper yet, so this polls ``queries.changes_since`` every 500 ms
off the GUI thread (one cheap indexed read). The feed re-reads a small overlap (sequence order is
not commit order), so entries already seen are dropped by seq.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, QTimer, Signal

from app.domain.errors import DeskError
from app.domain.records import Change
from app.services import queries
from app.services.context import Desk
from app.views.tasks import TaskRunner

POLL_MS = 500


class ChangeFeed(QObject):
    incidents_changed = Signal(object)  # set[int] of incident ids
    other_changed = Signal(object)  # set[str] of entity names (groups, callers, matrix...)

    def __init__(self, desk: Desk, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._runner = runner
        self._position: int | None = None
        self._seen: deque[int] = deque(maxlen=2000)
        self._seen_set: set[int] = set()
        self._busy = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        desk = self._desk
        self._busy = True
        self._runner.run(lambda: queries.latest_change(desk), self._started, self._failed)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _started(self, seq: int) -> None:
        self._busy = False
        self._position = seq

    def _failed(self, _exc: DeskError) -> None:
        self._busy = False

    def poll(self) -> None:
        if self._busy:
            return
        if self._position is None:
            self.start()
            return
        self._busy = True
        desk, since = self._desk, self._position
        self._runner.run(lambda: queries.changes_since(desk, since), self._arrived, self._failed)

    def _arrived(self, changes: list[Change]) -> None:
        self._busy = False
        incidents: set[int] = set()
        others: set[str] = set()
        for change in changes:
            if change.seq in self._seen_set:
                continue
            if len(self._seen) == self._seen.maxlen:
                self._seen_set.discard(self._seen[0])
            self._seen.append(change.seq)
            self._seen_set.add(change.seq)
            self._position = max(self._position or 0, change.seq)
            if change.entity == "incident":
                incidents.add(change.entity_id)
            else:
                others.add(change.entity)
        if incidents:
            self.incidents_changed.emit(incidents)
        if others:
            self.other_changed.emit(others)
