"""The incident window's Tasks tab: the incident's tasks (state, group, assignee, due), a dialog
to ask another group for one, Start and Close. Every write goes through app.services.tasks on
the task runner; the window reloads from the change feed, so another workstation's task shows
up here by itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDateTime,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimeZone,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError
from app.domain.permissions import IncidentFacts
from app.domain.records import GroupRecord, IncidentRecord
from app.domain.tasks import TaskAction, TaskRecord
from app.domain.wording import local_time
from app.services import queries, tasks
from app.services.context import Actor, Desk
from app.views.colors import error_look
from app.views.tasks import TaskRunner

COLUMNS = ("Task", "Title", "State", "Group", "Assignee", "Due")
WITH_INCIDENT = ("Task", "Incident", "Title", "State", "Group", "Assignee", "Due")
Index = QModelIndex | QPersistentModelIndex


class TasksTableModel(QAbstractTableModel):
    """The incident's tasks as rows (plain records; the tab fills it from what the window read)."""

    def __init__(
        self, zone: Any, parent: QWidget | None = None, *, with_incident: bool = False
    ) -> None:
        super().__init__(parent)
        self.zone = zone
        self.rows: list[TaskRecord] = []
        self.columns = WITH_INCIDENT if with_incident else COLUMNS

    def set_rows(self, rows: list[TaskRecord]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        t = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            cells: tuple[str, ...] = (
                t.number,
                t.incident_number,
                t.title,
                t.state.label,
                t.group_name or "—",
                t.assignee_name or "unassigned",
                local_time(t.due_at, self.zone) if t.due_at else "—",
            )
            if self.columns is COLUMNS:
                cells = cells[:1] + cells[2:]
            return cells[index.column()] if 0 <= index.column() < len(cells) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{t.number}: {t.title}"]
            if t.description:
                lines.append(t.description)
            if t.close_note:
                lines.append(f"{t.state.label}: {t.close_note}")
            return "\n".join(lines)
        return None

    def task_at(self, row: int) -> TaskRecord | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None


class _Form(QDialog):
    """A small dialog that runs one write; a refusal shows in it, nothing typed is lost."""

    acted = Signal(object)  # TaskRecord

    def __init__(self, title: str, runner: TaskRunner, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.runner = runner
        self.form = QFormLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Problem")
        error_look(self.message)
        self.message.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(title.rstrip("…"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def work(self) -> Callable[[], TaskRecord]:
        raise NotImplementedError

    def submit(self) -> None:
        if not self.buttons.isEnabled():
            return
        try:
            fn = self.work()
        except DeskError as exc:
            self._failed(exc)
            return
        self.buttons.setEnabled(False)
        self.message.hide()
        self.runner.run(fn, self._done, self._failed, write=True, what=self.windowTitle())

    def _done(self, task: TaskRecord) -> None:
        self.buttons.setEnabled(True)
        self.acted.emit(task)
        self.accept()

    def _failed(self, exc: DeskError) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(str(exc))
        self.message.show()


class AddTaskDialog(_Form):
    """Ask a group for a piece of work: title, description, group, assignee, due date."""

    def __init__(
        self,
        desk: Desk,
        actor: Actor,
        runner: TaskRunner,
        incident: IncidentRecord,
        groups: list[GroupRecord],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Add task…", runner, parent)
        self.desk, self.actor, self.incident = desk, actor, incident
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Task title")
        self.title_edit.setPlaceholderText("What the other group should do")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setAccessibleName("Task description")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setMinimumHeight(80)
        self.group_combo = QComboBox()
        self.group_combo.setAccessibleName("Task group")
        self.group_combo.addItem("(choose a group)", None)
        for g in groups:
            if g.active:  # a deactivated group is asked nothing new
                self.group_combo.addItem(g.name, g.id)
        self.assignee_combo = QComboBox()
        self.assignee_combo.setAccessibleName("Task assignee")
        self.assignee_combo.addItem("(anyone in the group)", None)
        self.group_combo.currentIndexChanged.connect(self._group_chosen)
        self.due_check = QCheckBox("&Due by")
        self.due_edit = QDateTimeEdit()
        self.due_edit.setAccessibleName("Task due")
        self.due_edit.setCalendarPopup(True)
        self.due_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.due_edit.setTimeZone(QTimeZone(str(desk.zone).encode()))
        tomorrow = desk.now().timestamp() + 24 * 3600
        self.due_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(tomorrow)))
        self.due_edit.setEnabled(False)
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        due_row = QHBoxLayout()
        due_row.addWidget(self.due_check)
        due_row.addWidget(self.due_edit, 1)
        self.form.addRow("&Title:", self.title_edit)
        self.form.addRow("&Description:", self.description_edit)
        self.form.addRow("&Group:", self.group_combo)
        self.form.addRow("&Assignee:", self.assignee_combo)
        self.form.addRow("Due:", due_row)

    def _group_chosen(self) -> None:
        group_id = self.group_combo.currentData()
        self.assignee_combo.clear()
        self.assignee_combo.addItem("(anyone in the group)", None)
        if group_id is None:
            return
        desk = self.desk
        self.runner.run(
            lambda: queries.agents(desk, group_id),
            lambda people: self._people(group_id, people),
            self._failed,
            key=f"task-members-{id(self)}",
        )

    def _people(self, group_id: int, people: list[Any]) -> None:
        if self.group_combo.currentData() != group_id:
            return  # a later choice's list comes instead
        for p in people:
            if p.active:
                self.assignee_combo.addItem(p.full_name, p.id)

    def due_at(self) -> datetime | None:
        if not self.due_check.isChecked():
            return None
        return datetime.fromtimestamp(self.due_edit.dateTime().toSecsSinceEpoch(), UTC)

    def work(self) -> Callable[[], TaskRecord]:
        desk, actor, iid = self.desk, self.actor, self.incident.id
        title, description = self.title_edit.text(), self.description_edit.toPlainText()
        group_id, assignee_id = self.group_combo.currentData(), self.assignee_combo.currentData()
        due = self.due_at()
        return lambda: tasks.add_task(
            desk,
            actor,
            iid,
            title,
            group_id=group_id,
            description=description,
            assignee_id=assignee_id,
            due_at=due,
        )


class CloseTaskDialog(_Form):
    """Closed complete, or Closed incomplete with a note; the time worked on it."""

    def __init__(
        self,
        desk: Desk,
        actor: Actor,
        runner: TaskRunner,
        task: TaskRecord,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Close {task.number}…", runner, parent)
        self.desk, self.actor, self.task = desk, actor, task
        self.complete = QRadioButton("C&omplete: done")
        self.complete.setChecked(True)
        self.incomplete = QRadioButton("&Incomplete: not done (say why)")
        self.note_edit = QPlainTextEdit()
        self.note_edit.setAccessibleName("Close note")
        self.note_edit.setTabChangesFocus(True)
        self.note_edit.setMinimumHeight(80)
        self.minutes = QSpinBox()
        self.minutes.setAccessibleName("Time worked")
        self.minutes.setRange(0, 7 * 24 * 60)
        self.minutes.setSuffix(" min")
        self.form.addRow(QLabel(f"<b>{task.number}</b> · {task.title}"))
        self.form.addRow(self.complete)
        self.form.addRow(self.incomplete)
        self.form.addRow("&Note:", self.note_edit)
        self.form.addRow("Time &worked:", self.minutes)

    def work(self) -> Callable[[], TaskRecord]:
        desk, actor, t = self.desk, self.actor, self.task
        complete, note = self.complete.isChecked(), self.note_edit.toPlainText()
        seconds = self.minutes.value() * 60
        return lambda: tasks.close_task(
            desk, actor, t.id, t.version, complete=complete, note=note, time_worked_s=seconds
        )


class TasksTab(QWidget):
    """The list, and Add task… / Start / Close… acting on the selected task."""

    changed = Signal()  # a task was written here: the window reloads

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.incident: IncidentRecord | None = None
        self.groups: list[GroupRecord] = []
        self.model = TasksTableModel(desk.zone, self)
        self.table = QTableView()
        self.table.setAccessibleName("Tasks")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.summary.setAccessibleName("Tasks summary")
        self.message = QLabel()
        self.message.setWordWrap(True)
        error_look(self.message)
        self.message.hide()
        self.add_button = QPushButton("&New task…")
        self.start_button = QPushButton("Start &work")
        self.close_button = QPushButton("Cl&ose task…")
        self.add_button.clicked.connect(self.add_task)
        self.start_button.clicked.connect(self.start_task)
        self.close_button.clicked.connect(self.close_task)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary, 1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.last_dialog: QDialog | None = None
        self._update_buttons()

    def fill(self, incident: IncidentRecord, rows: list[TaskRecord]) -> None:
        selected = self.selected()
        self.incident = incident
        self.model.set_rows(rows)
        if selected is not None:
            for n, t in enumerate(rows):
                if t.id == selected.id:
                    self.table.selectRow(n)
        open_count = sum(1 for t in rows if not t.state.closed)
        self.summary.setText(
            f"{open_count} open of {len(rows)}"
            if rows
            else "No tasks: New task… asks another group for a piece of work"
        )
        self._update_buttons()

    def selected(self) -> TaskRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.task_at(rows[0].row()) if rows else None

    def _why_not(self, action: TaskAction) -> str | None:
        t, inc = self.selected(), self.incident
        if t is None or inc is None:
            return "Select a task first"
        return tasks.task_why_not(self.actor, t, action, IncidentFacts.of(inc))

    def _why_not_add(self) -> str | None:
        from app.domain.incident_rights import IncidentAction
        from app.domain.permissions import why_not

        if self.incident is None:
            return "The incident is loading"
        return why_not(self.actor, IncidentFacts.of(self.incident), IncidentAction.EDIT)

    def _update_buttons(self) -> None:
        for button, why, tip in (
            (self.add_button, self._why_not_add(), "Ask another group for a piece of work"),
            (self.start_button, self._why_not(TaskAction.START), "Start work on the task"),
            (
                self.close_button,
                self._why_not(TaskAction.CLOSE_COMPLETE),
                "Close the task: complete, or incomplete with a note",
            ),
        ):
            button.setEnabled(why is None)
            button.setToolTip(tip if why is None else f"Unavailable: {why}")

    def _open(self, dialog: _Form) -> _Form:
        dialog.acted.connect(lambda _t: self._written())
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def add_task(self) -> _Form | None:
        if self.incident is None or self._why_not_add() is not None:
            return None
        return self._open(
            AddTaskDialog(self.desk, self.actor, self.runner, self.incident, self.groups, self)
        )

    def close_task(self) -> _Form | None:
        t = self.selected()
        if t is None or self._why_not(TaskAction.CLOSE_COMPLETE) is not None:
            return None
        return self._open(CloseTaskDialog(self.desk, self.actor, self.runner, t, self))

    def start_task(self) -> None:
        t = self.selected()
        if t is None or self._why_not(TaskAction.START) is not None:
            return
        desk, actor = self.desk, self.actor
        self.runner.run(
            lambda: tasks.start_task(desk, actor, t.id, t.version),
            lambda _t: self._written(),
            self._failed,
            write=True,
            what=f"starting {t.number}",
        )

    def _written(self) -> None:
        self.message.hide()
        self.changed.emit()

    def _failed(self, exc: DeskError) -> None:
        self.message.setText(str(exc))
        self.message.show()
        self.changed.emit()  # the task as it is now
