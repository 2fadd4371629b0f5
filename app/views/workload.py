"""The workload board: per group and per agent, open incidents by priority, at risk (past 75%),
breached, on hold and the oldest one's age. It follows the change feed (and the clock, every
minute); a click on a row opens that slice as the queue (a priority's column: that priority;
On hold: the On Hold state; At risk and Breached: the "Breaching soon" view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.matrix import PriorityMatrix
from app.services import queries, workload
from app.services.context import Desk
from app.services.workload import TOTAL, WorkloadRow
from app.views.colors import priority_color
from app.views.tasks import TaskRunner

LIVE_THROTTLE_MS = 1000  # changes arriving within a second make one reload
CLOCK_MS = 60_000  # at risk and breached move with the clock too


def age_words(delta: timedelta) -> str:
    """'3 d 4 h', '5 h 10 min', '12 min' (an incident's age, for the board)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


@dataclass(frozen=True)
class Slice:
    """What a click on the board asks the queue to show."""

    group_id: int | None
    agent_id: int  # workload.TOTAL, workload.UNASSIGNED or an agent's id
    priority: int | None = None
    on_hold: bool = False
    breaching: bool = False


class WorkloadTableModel(QAbstractTableModel):
    """Rows of the board; columns Group, Agent, one per priority, Open, At risk, Breached,
    On hold, Oldest."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[WorkloadRow] = []
        self._priorities = 5
        self._labels: list[str] = [f"P{p}" for p in range(1, 6)]
        self._now = datetime.min

    def set_rows(
        self, rows: list[WorkloadRow], matrix: PriorityMatrix | None, now: datetime
    ) -> None:
        self.beginResetModel()  # the board is a few dozen rows, read whole
        self._rows = rows
        if matrix is not None:
            self._priorities = matrix.priorities
            self._labels = [f"P{p}" for p in range(1, matrix.priorities + 1)]
        self._now = now
        self.endResetModel()

    def headers(self) -> list[str]:
        return ["Group", "Agent", *self._labels, "Open", "At risk", "Breached", "On hold", "Oldest"]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers())

    def row(self, index: int) -> WorkloadRow:
        return self._rows[index]

    def rows(self) -> list[WorkloadRow]:
        return list(self._rows)

    def column_priority(self, column: int) -> int | None:
        return column - 1 if 2 <= column < 2 + self._priorities else None

    def column_name(self, column: int) -> str:
        h = self.headers()
        return h[column] if 0 <= column < len(h) else ""

    def _value(self, r: WorkloadRow, column: int) -> object:
        p = self.column_priority(column)
        if p is not None:
            return r.by_priority.get(p, 0)
        name = self.column_name(column)
        return {
            "Group": r.group_name if r.agent_id == TOTAL else "",
            "Agent": r.agent_name,
            "Open": r.open,
            "At risk": r.at_risk,
            "Breached": r.breached,
            "On hold": r.on_hold,
            "Oldest": age_words(self._now - r.oldest) if r.oldest is not None else "",
        }.get(name)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._value(r, col)
            return "" if value == 0 and col >= 2 and self.column_name(col) != "Open" else value
        if role == Qt.ItemDataRole.EditRole:
            return self._value(r, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and r.agent_id == TOTAL:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            p = self.column_priority(col)
            if p is not None and r.by_priority.get(p):
                return priority_color(p, self._priorities)
        if role == Qt.ItemDataRole.ToolTipRole:
            who = "everyone" if r.agent_id == TOTAL else r.agent_name
            return f"{r.group_name}, {who}: click to open these incidents as the queue"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            h = self.headers()
            return h[section] if 0 <= section < len(h) else None
        return None


class WorkloadWindow(QWidget):
    """The board as a window of its own (Supervisor > Workload board)."""

    slice_requested = Signal(object)  # a Slice

    def __init__(self, desk: Desk, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.runner = desk, runner
        self.setWindowTitle("Workload board — Incident Desk")
        self.model = WorkloadTableModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Workload")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        self.updated = QLabel("Reading…")
        self.updated.setMinimumWidth(
            self.updated.fontMetrics().horizontalAdvance("Updated 00:00:00") + 8
        )
        self.updated.setAccessibleName("Updated")
        refresh = QPushButton("&Refresh")
        refresh.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(
            QLabel("Open incidents per group and agent. Click a row to open it as the queue."), 1
        )
        top.addWidget(self.updated)
        top.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(LIVE_THROTTLE_MS)
        self._throttle.timeout.connect(self.reload)
        self._clock = QTimer(self)
        self._clock.setInterval(CLOCK_MS)
        self._clock.timeout.connect(self.reload)
        self._clock.start()
        self._matrix: PriorityMatrix | None = None
        self.loads = 0  # how many times the board was read (tests wait on it)
        self.resize(860, 460)
        self.reload()

    def changed(self, *_args: object) -> None:
        """Incidents changed (the change feed): read the board again, at most once a second."""
        if not self._throttle.isActive():
            self._throttle.start()

    def reload(self) -> None:
        desk = self.desk
        need_matrix = self._matrix is None

        def read() -> tuple[list[WorkloadRow], PriorityMatrix | None, datetime]:
            return workload.board(desk), queries.matrix(desk) if need_matrix else None, desk.now()

        self.runner.run(read, self._read, key="workload-board")

    def _read(self, data: tuple[list[WorkloadRow], PriorityMatrix | None, datetime]) -> None:
        rows, matrix, now = data
        if matrix is not None:
            self._matrix = matrix
        self.model.set_rows(rows, self._matrix, now)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.updated.setText(f"Updated {now.astimezone(self.desk.zone):%H:%M:%S}")
        self.loads += 1

    def _clicked(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        r = self.model.row(index.row())
        name = self.model.column_name(index.column())
        self.slice_requested.emit(
            Slice(
                r.group_id,
                r.agent_id,
                priority=self.model.column_priority(index.column()),
                on_hold=name == "On hold",
                breaching=name in ("At risk", "Breached"),
            )
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        self._clock.stop()
        self._throttle.stop()
        super().closeEvent(event)
