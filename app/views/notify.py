"""Notifications: an incident assigned to me, a P1/P2 in my groups, my incident's clock past 75%.

The :class:`Notifier` turns change-feed entries into notices through
``app.services.notifications`` (off the GUI thread, one batch at a time, in order). The main
window shows each one in the system tray when there is one; where there is none (the offscreen
platform, some Linux desktops) it shows a non-modal notice in the status bar instead. Either way
every notice goes to the "Notifications" dock, from which Enter or a double click opens it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDockWidget,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSystemTrayIcon,
    QWidget,
)

from app.domain.errors import DeskError
from app.domain.records import Change
from app.domain.wording import compact_time
from app.services import notifications
from app.services.context import Actor, Desk
from app.services.notifications import Notice, Watch
from app.views.resources import app_icon
from app.views.tasks import TaskRunner

NOTICE_SHOWN_MS = 30_000  # how long the status-bar notice stays
TRAY_SHOWN_MS = 10_000

_TITLES = {
    "assigned": "Assigned to you",
    "urgent": "Urgent incident for your group",
    "sla_50": "SLA warning (50%)",
    "sla_75": "SLA at risk (75%)",
    "sla_100": "SLA breached",
    "response_50": "Response warning (50%)",
    "response_75": "Response at risk (75%)",
    "response_100": "Response breached",
    "escalated": "Escalated to you",
    "review": "Post-incident review",
}


class Notifier(QObject):
    """Change-feed entries in, notices out (``notified``), in the order the changes came."""

    notified = Signal(object)  # Notice

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._desk, self._actor, self._runner = desk, actor, runner
        self._watch: Watch | None = None
        self._pending: list[Change] = []
        self._busy = False
        self.notices: list[Notice] = []

    def start(self) -> None:
        desk, actor = self._desk, self._actor
        self._busy = True
        self._runner.run(
            lambda: notifications.watch(desk, actor), self._watching, self._watch_failed
        )

    def ready(self) -> bool:
        return self._watch is not None and not self._busy

    def feed(self, changes: list[Change]) -> None:
        self._pending.extend(changes)
        self._next()

    def _watching(self, watch: Watch) -> None:
        self._watch = watch
        self._busy = False
        self._next()

    def _watch_failed(self, _exc: DeskError) -> None:
        self._busy = False  # tried again with the next changes
        self._watch = None

    def _next(self) -> None:
        if self._busy or not self._pending:
            return
        if self._watch is None:
            self.start()
            return
        batch, self._pending = self._pending, []
        desk, watch = self._desk, self._watch
        self._busy = True

        def failed(_exc: DeskError) -> None:
            self._busy = False
            self._pending[:0] = batch  # kept for the next try (the feed's next wake-up)

        self._runner.run(lambda: notifications.notices(desk, watch, batch), self._done, failed)

    def _done(self, result: tuple[list[Notice], Watch]) -> None:
        found, self._watch = result
        self._busy = False
        for notice in found:
            self.notices.append(notice)
            self.notified.emit(notice)
        self._next()


class NotificationsDock(QDockWidget):
    """The list of notices, newest first; Enter or a double click opens the incident."""

    open_incident = Signal(int)

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__("Notifications", parent)
        self._desk = desk
        self.setObjectName("notifications-dock")
        self.list = QListWidget()
        self.list.setAccessibleName("Notifications")
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.itemActivated.connect(self._activated)
        self.setWidget(self.list)
        self.unread = 0
        self.visibilityChanged.connect(self._seen)

    def add(self, notice: Notice) -> None:
        item = QListWidgetItem(
            f"{compact_time(notice.at, self._desk.now(), self._desk.zone)}  {_TITLES.get(notice.kind, '')}\n{notice.text}"
        )
        item.setData(Qt.ItemDataRole.UserRole, notice.incident_id)
        item.setToolTip(notice.text)
        self.list.insertItem(0, item)
        if not self.isVisible():
            self.unread += 1
        self._title()

    def _seen(self, visible: bool) -> None:
        if visible:
            self.unread = 0
            self._title()

    def _title(self) -> None:
        self.setWindowTitle(
            f"Notifications ({self.unread} new)" if self.unread else "Notifications"
        )

    def _activated(self, item: QListWidgetItem) -> None:
        incident_id = item.data(Qt.ItemDataRole.UserRole)
        if incident_id is not None:
            self.open_incident.emit(int(incident_id))


class NoticeButton(QPushButton):
    """The status bar's notice where there is no system tray: non-modal, goes away by itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFlat(True)
        self.setAccessibleName("Latest notification")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setIcon(app_icon())
        self.incident_id: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(NOTICE_SHOWN_MS)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_notice(self, notice: Notice) -> None:
        self.incident_id = notice.incident_id
        text = notice.text if len(notice.text) <= 90 else notice.text[:89] + "…"
        self.setText(text)
        self.setToolTip(
            f"{_TITLES.get(notice.kind, '')}: {notice.text}\nClick to see the notifications"
        )
        self.show()
        self._timer.start()


def make_tray(icon: QIcon, parent: QObject) -> QSystemTrayIcon | None:
    """The system tray icon, or None where the platform has no tray."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    tray = QSystemTrayIcon(icon, parent)
    tray.setToolTip("Incident Desk")
    tray.show()
    return tray


def tray_message(tray: QSystemTrayIcon, notice: Notice) -> None:
    icon = (
        QSystemTrayIcon.MessageIcon.Warning
        if notice.kind.startswith(("sla", "response"))
        or notice.kind == "escalated"
        or notice.priority <= 2
        else QSystemTrayIcon.MessageIcon.Information
    )
    tray.showMessage(_TITLES.get(notice.kind, "Incident Desk"), notice.text, icon, TRAY_SHOWN_MS)
