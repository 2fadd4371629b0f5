"""Bulk actions on the queue's selection (a supervisor's): choose what to do, watch it go one
incident at a time (a progress dialog that can be cancelled, for a large selection), read what
each came to (done, refused with the reason, conflicted with who).

Every item is its own write on the task runner's write lane, from the version the supervisor saw
when they opened the dialog (app.services.bulk); the next is sent when the last has answered,
so Cancel stops between two incidents and nothing is half done.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressDialog,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.lifecycle import HoldReason, ResolutionCode
from app.domain.matrix import PriorityMatrix
from app.domain.records import AgentRecord, GroupRecord
from app.services import queries
from app.services.bulk import BulkAction, BulkKind, BulkOutcome, Item, Outcome, apply_one
from app.services.context import Actor, Desk
from app.views.errors import show_problem
from app.views.tasks import TaskRunner

PROGRESS_FROM = 10  # a selection at least this large shows a progress dialog
_OUTCOME_WORDS = {
    Outcome.DONE: "Done",
    Outcome.REFUSED: "Refused",
    Outcome.CONFLICTED: "Conflicted",
    Outcome.NOT_DONE: "Not done",
}


class BulkResultTableModel(QAbstractTableModel):
    """What each incident of a bulk action came to: Incident, Result, Detail."""

    HEADERS = ("Incident", "Result", "Detail")

    def __init__(self, outcomes: Sequence[BulkOutcome] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows = list(outcomes)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return (row.number, _OUTCOME_WORDS[row.outcome], row.detail)[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return row.incident_id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def add(self, outcome: BulkOutcome) -> None:
        n = len(self._rows)
        self.beginInsertRows(QModelIndex(), n, n)
        self._rows.append(outcome)
        self.endInsertRows()

    def outcomes(self) -> list[BulkOutcome]:
        return list(self._rows)


class BulkDialog(QDialog):
    """Choose the action and its fields for `items`; Apply runs it (see the module)."""

    finished_all = Signal(list)  # the BulkOutcomes, when every item has answered or was cancelled

    def __init__(
        self,
        desk: Desk,
        actor: Actor,
        runner: TaskRunner,
        items: Sequence[Item],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.items = list(items)
        n = len(self.items)
        self.setWindowTitle(f"Bulk change: {n} incident{'s' if n != 1 else ''}")
        self.kind = QComboBox()
        self.kind.setAccessibleName("Action")
        for k in BulkKind:
            self.kind.addItem(k.label, k)
        self.pages = QStackedWidget()
        # the fields of each action, one page each
        self.group = self._combo("Group")
        self.assignee = self._combo("Assignee")
        self.escalate_group = self._combo("Escalate to")
        self.escalate_reason = self._line("Reason for the escalation")
        self.priority = self._combo("Priority")
        self.priority_reason = self._line("Reason for the override (required)")
        self.hold_reason = self._combo("On-hold reason")
        for r in HoldReason:
            self.hold_reason.addItem(r.label, r.value)
        self.hold_comment = self._line("Comment (required when awaiting the caller)")
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("A work note added to every incident")
        self.code = self._combo("Resolution code")
        for c in ResolutionCode:
            self.code.addItem(c.label, c.value)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Resolution notes")
        self.notes.setPlaceholderText("What restored the service")
        pages: dict[BulkKind, list[tuple[str, QWidget]]] = {
            BulkKind.REASSIGN: [("&Group:", self.group), ("Ass&ignee:", self.assignee)],
            BulkKind.ESCALATE: [("&To:", self.escalate_group), ("&Reason:", self.escalate_reason)],
            BulkKind.PRIORITY: [("&Priority:", self.priority), ("&Reason:", self.priority_reason)],
            BulkKind.HOLD: [("&Reason:", self.hold_reason), ("&Comment:", self.hold_comment)],
            BulkKind.NOTE: [("&Note:", self.note)],
            BulkKind.RESOLVE: [("&Code:", self.code), ("&Notes:", self.notes)],
            BulkKind.CLOSE: [("", QLabel("Each incident is closed as confirmed by the caller."))],
        }
        for k in BulkKind:
            page = QWidget()
            form = QFormLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            for label, widget in pages[k]:
                if label:
                    form.addRow(label, widget)
                else:
                    form.addRow(widget)
            self.pages.addWidget(page)
        self.kind.currentIndexChanged.connect(self.pages.setCurrentIndex)
        self.group.currentIndexChanged.connect(self._fill_assignees)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = self.buttons.addButton(
            "&Apply to all", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.apply_button.setEnabled(False)  # until the lookups are read
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        top = QFormLayout()
        top.addRow("&Action:", self.kind)
        layout = QVBoxLayout(self)
        shown = ", ".join(i.number for i in self.items[:6]) + (
            f" and {n - 6} more" if n > 6 else ""
        )
        intro = QLabel(
            f"{shown}. Each incident is changed on its own: a refusal or a conflict leaves the others done."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.pages)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(560, 340)
        self._agents: list[AgentRecord] = []
        self._cancelled = False
        self._todo: list[Item] = []
        self.results = BulkResultTableModel(parent=self)
        self.progress: QProgressDialog | None = None
        runner.run(
            lambda: (queries.groups(desk), queries.agents(desk), queries.matrix(desk)),
            self._lookups,
            key="bulk-lookups",
        )

    def _combo(self, name: str) -> QComboBox:
        c = QComboBox()
        c.setAccessibleName(name)
        return c

    def _line(self, name: str) -> QLineEdit:
        e = QLineEdit()
        e.setAccessibleName(name)
        e.setPlaceholderText(name)
        return e

    def _lookups(self, data: tuple[list[GroupRecord], list[AgentRecord], PriorityMatrix]) -> None:
        groups, self._agents, matrix = data
        groups = [g for g in groups if g.active]  # a deactivated group takes nothing new
        for g in groups:
            self.group.addItem(f"{g.name} (line {g.line})", g.id)
        self.escalate_group.addItem("The group's supervisor (hierarchical)", None)
        for g in groups:
            self.escalate_group.addItem(f"{g.name} (line {g.line})", g.id)
        for p in range(1, matrix.priorities + 1):
            self.priority.addItem(matrix.priority_label(p), p)
        self._fill_assignees()
        self.apply_button.setEnabled(True)

    def _fill_assignees(self, *_args: object) -> None:
        group = self.group.currentData()
        self.assignee.clear()
        self.assignee.addItem("Nobody (the group's own assignment)", None)
        for a in self._agents:
            if a.active and group in a.group_ids:
                self.assignee.addItem(a.full_name, a.id)

    def action(self) -> BulkAction:
        kind = BulkKind(self.kind.currentData())
        match kind:
            case BulkKind.REASSIGN:
                return BulkAction(
                    kind, group_id=self.group.currentData(), assignee_id=self.assignee.currentData()
                )
            case BulkKind.ESCALATE:
                return BulkAction(
                    kind,
                    group_id=self.escalate_group.currentData(),
                    reason=self.escalate_reason.text(),
                )
            case BulkKind.PRIORITY:
                return BulkAction(
                    kind, priority=self.priority.currentData(), reason=self.priority_reason.text()
                )
            case BulkKind.HOLD:
                return BulkAction(
                    kind, reason=self.hold_reason.currentData(), text=self.hold_comment.text()
                )
            case BulkKind.NOTE:
                return BulkAction(kind, text=self.note.toPlainText())
            case BulkKind.RESOLVE:
                return BulkAction(kind, code=self.code.currentData(), text=self.notes.toPlainText())
            case BulkKind.CLOSE:
                return BulkAction(kind)

    def _missing(self, action: BulkAction) -> tuple[str, QWidget] | None:
        """A field the action cannot go without, said before anything is sent."""
        if action.kind is BulkKind.ESCALATE and not action.reason.strip():
            return "A reason is required to escalate", self.escalate_reason
        if action.kind is BulkKind.PRIORITY and not action.reason.strip():
            return "A reason is required to override the priority", self.priority_reason
        if action.kind is BulkKind.NOTE and not action.text.strip():
            return "The note is empty", self.note
        if action.kind is BulkKind.RESOLVE and not action.text.strip():
            return "Resolution notes are required: say what restored the service", self.notes
        return None

    def apply(self) -> None:
        action = self.action()
        missing = self._missing(action)
        if missing is not None:
            text, widget = missing
            self.message.setText(f"\u26a0 {text}")
            widget.setFocus()
            return
        self.message.clear()
        self.apply_button.setEnabled(False)
        self.kind.setEnabled(False)
        self.pages.setEnabled(False)
        self._action = action
        self._todo = list(self.items)
        if len(self.items) >= PROGRESS_FROM:
            self.progress = QProgressDialog(
                f"{action.kind.label}…", "&Cancel", 0, len(self.items), self
            )
            self.progress.setWindowTitle(self.windowTitle())
            self.progress.setWindowModality(Qt.WindowModality.WindowModal)
            self.progress.setMinimumDuration(0)
            self.progress.canceled.connect(self.cancel)
            self.progress.setValue(0)
        self._next()

    def cancel(self) -> None:
        """Stop after the incident under way; the rest are listed as not done."""
        self._cancelled = True

    def _next(self) -> None:
        if self._cancelled:
            for item in self._todo:
                self.results.add(
                    BulkOutcome(
                        item.incident_id, item.number, Outcome.NOT_DONE, "Cancelled before its turn"
                    )
                )
            self._todo = []
        if not self._todo:
            self._finish()
            return
        item = self._todo.pop(0)
        desk, actor, action = self.desk, self.actor, self._action

        def failed(
            exc: BaseException,
        ) -> None:  # our bug or the permission: said, and the rest stop
            show_problem(self, f"{item.number}: {exc}")
            self.results.add(BulkOutcome(item.incident_id, item.number, Outcome.REFUSED, str(exc)))
            self._cancelled = True
            self._next()

        self.runner.run(
            lambda: apply_one(desk, actor, action, item),
            self._answered,
            failed,
            write=True,
            what=f"{action.kind.label.lower()} of {item.number}",
        )

    def _answered(self, outcome: BulkOutcome) -> None:
        self.results.add(outcome)
        if self.progress is not None:
            self.progress.setValue(self.results.rowCount())
        self._next()

    def _finish(self) -> None:
        if self.progress is not None:
            self.progress.reset()
            self.progress.hide()
        outcomes = self.results.outcomes()
        self.finished_all.emit(outcomes)
        self.accept()
        self.result_dialog = BulkResultDialog(self.results, self.parentWidget())
        self.result_dialog.open()


class BulkResultDialog(QDialog):
    """The list at the end: each incident with what it came to."""

    def __init__(self, model: BulkResultTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outcomes = model.outcomes()
        counts = {o: sum(1 for r in outcomes if r.outcome is o) for o in Outcome}
        said = ", ".join(f"{n} {_OUTCOME_WORDS[o].lower()}" for o, n in counts.items() if n)
        self.setWindowTitle("Bulk change: results")
        self.summary = QLabel(said.capitalize() + ".")
        self.summary.setAccessibleName("Summary")
        self.table = QTableView()
        self.table.setAccessibleName("Results")
        model.setParent(self)
        self.table.setModel(model)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(720, 380)
