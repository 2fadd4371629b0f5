"""View > My group's tasks: the open tasks asked of the user's groups, soonest due first, beside
the incident queue. A task added or changed on any workstation shows here by itself (the change
feed); Return or a double click opens the task's incident."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError
from app.domain.tasks import TaskRecord
from app.services import tasks
from app.services.context import Actor, Desk
from app.views.incident.tasks_tab import TasksTableModel
from app.views.tasks import TaskRunner


class GroupTasksWindow(QWidget):
    open_incident = Signal(int)

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.setWindowTitle("My group's tasks")
        self.resize(980, 420)
        self.model = TasksTableModel(desk.zone, self, with_incident=True)
        self.table = QTableView()
        self.table.setAccessibleName("My group's tasks")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda index: self._open(index.row()))
        QShortcut(
            QKeySequence(Qt.Key.Key_Return),
            self.table,
            lambda: self._open(self.table.currentIndex().row()),
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Task count")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.refresh()

    def refresh(self) -> None:
        desk, groups = self.desk, self.actor.group_ids
        self.runner.run(
            lambda: tasks.group_tasks(desk, groups),
            self._loaded,
            self._failed,
            key=f"group-tasks-{id(self)}",
        )

    def others_changed(self, entities: set[str]) -> None:
        if "task" in entities:
            self.refresh()

    def _loaded(self, rows: list[TaskRecord]) -> None:
        self.model.set_rows(rows)
        if not self.actor.group_ids:
            self.count_label.setText("You are in no group: no tasks to show")
        else:
            self.count_label.setText(f"{len(rows)} open task{'s' if len(rows) != 1 else ''}")

    def _failed(self, exc: DeskError) -> None:
        self.count_label.setText(f"Could not load the tasks: {exc}")

    def _open(self, row: int) -> None:
        task = self.model.task_at(row)
        if task is not None:
            self.open_incident.emit(task.incident_id)
