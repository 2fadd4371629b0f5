"""Problems: the problem records (list and detail form), reached from the main window (View >
Problems…, Ctrl+Shift+P). The list filters by state and text; the form edits a problem's title,
owner group, known-error flag, description, root cause and workaround (Ctrl+S saves, a stale
version is refused with the other side's change named), moves it through its states, links and
unlinks incidents, and resolves it: the Resolve dialog offers to resolve its open incidents
("Resolved by problem", the fix in their notes) and says which it left open, and why.

Every read and write runs on the task runner through app.services.problems; a problem changed
on another workstation shows here by itself (the change feed)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError
from app.domain.problems import ProblemRecord, ProblemRow, ProblemState, Resolution, allowed_moves
from app.domain.wording import local_time
from app.services import problems, queries
from app.services.context import Actor, Desk
from app.services.problems import ProblemEdit
from app.views.colors import error_look, error_words
from app.views.tasks import TaskRunner

COLUMNS = ("Problem", "State", "Known error", "Owner group", "Incidents", "Title")
Index = QModelIndex | QPersistentModelIndex
FILTERS: tuple[tuple[str, tuple[ProblemState, ...] | None, bool], ...] = (
    ("Open", None, False),
    ("All", (), False),
    ("Known errors", (), True),
    *((s.label, (s,), False) for s in ProblemState),
)


class ProblemsTableModel(QAbstractTableModel):
    """The problems list: plain rows the window read, in the order the service gave."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ProblemRow] = []

    def set_rows(self, rows: list[ProblemRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_of(self, problem_id: int) -> int | None:
        return next((k for k, r in enumerate(self.rows) if r.id == problem_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        r = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            cells = (
                r.number,
                r.state.label,
                "Known error" if r.known_error else "",
                r.group_name or "—",
                f"{r.incidents} ({r.open_incidents} open)" if r.incidents else "none",
                r.title,
            )
            return cells[index.column()] if 0 <= index.column() < len(cells) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{r.number}: {r.title}"
        return None


class ResolveDialog(QDialog):
    """The fix in words, and the offer to resolve the problem's open incidents with it."""

    def __init__(self, record: ProblemRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Resolve {record.number}")
        self.fix = QPlainTextEdit(record.fix)
        self.fix.setAccessibleName("Fix")
        self.fix.setPlaceholderText(
            "How it was fixed" + (" (empty: its workaround)" if record.workaround else "")
        )
        self.fix.setTabChangesFocus(True)
        n = len(record.open_incidents)
        numbers = ", ".join(i.number for i in record.open_incidents[:6])
        more = f" and {n - 6} more" if n > 6 else ""
        self.cascade = QCheckBox(
            f"Also resolve its {n} open incident{'s' if n != 1 else ''} ({numbers}{more}) "
            "as “Resolved by problem”, the fix in their notes"
            if n
            else "It has no open incidents to resolve"
        )
        self.cascade.setChecked(n > 0)
        self.cascade.setEnabled(n > 0)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Resolve")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("&Fix:", self.fix)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.cascade)
        layout.addWidget(buttons)
        self.resize(520, 260)


class NewProblemDialog(QDialog):
    def __init__(self, title: str = "", what: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New problem")
        self.title = QLineEdit(title)
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("What goes wrong, in a line")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        if what:
            form.addRow(QLabel(what))
        form.addRow("&Title:", self.title)
        form.addRow(buttons)
        self.resize(520, 120)


class ProblemsWindow(QWidget):
    open_incident = Signal(int)

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.record: ProblemRecord | None = None
        self.wanted: int | None = None  # the problem to show once the list has it
        self.last_resolution: Resolution | None = None
        self.setWindowTitle("Problems")
        self.resize(1180, 640)

        # the list
        self.filter_box = QComboBox()
        self.filter_box.setAccessibleName("Show")
        for label, _states, _ke in FILTERS:
            self.filter_box.addItem(label)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search number or title")
        self.search.setAccessibleName("Search problems")
        self.search.setClearButtonEnabled(True)
        self.new_button = QPushButton("&New problem…")
        self.model = ProblemsTableModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Problems")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.count_label = QLabel()
        left = QWidget()
        top = QHBoxLayout()
        show_label = QLabel("Sho&w:")
        show_label.setBuddy(self.filter_box)
        top.addWidget(show_label)
        top.addWidget(self.filter_box)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(top)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)

        # the form
        self.heading = QLabel("Choose a problem")
        self.heading.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Title")
        self.group_box = QComboBox()
        self.group_box.setAccessibleName("Owner group")
        self.known_error = QCheckBox("&Known error: offer its workaround in initial diagnosis")
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.root_cause = QPlainTextEdit()
        self.root_cause.setAccessibleName("Root cause")
        self.workaround = QPlainTextEdit()
        self.workaround.setAccessibleName("Workaround")
        for edit in (self.description, self.root_cause, self.workaround):
            edit.setTabChangesFocus(True)
            edit.setMaximumHeight(80)
        self.fix_label = QLabel()
        self.fix_label.setWordWrap(True)
        self.state_label = QLabel()
        self.move_box = QComboBox()
        self.move_box.setAccessibleName("Move to")
        self.move_button = QPushButton("&Move")
        self.resolve_button = QPushButton("&Resolve…")
        self.save_button = QPushButton("&Save")
        self.save_button.setToolTip("Save the form (Ctrl+S)")
        self.incidents = QListWidget()
        self.incidents.setAccessibleName("Linked incidents")
        self.incidents.setMaximumHeight(120)
        self.history = QListWidget()
        self.history.setAccessibleName("History")
        self.history.setMaximumHeight(110)
        self.link_edit = QLineEdit()
        self.link_edit.setPlaceholderText("INC0000042")
        self.link_edit.setAccessibleName("Incident to link")
        self.link_button = QPushButton("&Link")
        self.unlink_button = QPushButton("&Unlink")
        self.open_button = QPushButton("&Open incident")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")

        form = QFormLayout()
        form.addRow("&Title:", self.title_edit)
        form.addRow("Owner &group:", self.group_box)
        form.addRow("", self.known_error)
        form.addRow("&Description:", self.description)
        form.addRow("Root &cause:", self.root_cause)
        form.addRow("Work&around:", self.workaround)
        form.addRow("Fix:", self.fix_label)
        states = QHBoxLayout()
        states.addWidget(self.state_label)
        states.addStretch(1)
        states.addWidget(self.move_box)
        states.addWidget(self.move_button)
        states.addWidget(self.resolve_button)
        form.addRow("State:", states)
        links = QHBoxLayout()
        links.addWidget(self.link_edit, 1)
        links.addWidget(self.link_button)
        links.addWidget(self.unlink_button)
        links.addWidget(self.open_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.heading)
        right_layout.addLayout(form)
        right_layout.addWidget(QLabel("Linked incidents:"))
        right_layout.addWidget(self.incidents)
        right_layout.addLayout(links)
        right_layout.addWidget(QLabel("History:"))
        right_layout.addWidget(self.history)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.save_button)
        right_layout.addLayout(buttons)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([600, 580])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self.filter_box.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _prev: self._chosen(current.row())
        )
        self.new_button.clicked.connect(self.new_problem)
        self.save_button.clicked.connect(self.save)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self.move_button.clicked.connect(self.move_state)
        self.resolve_button.clicked.connect(self.resolve)
        self.link_button.clicked.connect(lambda: self.link(unlink=False))
        self.link_edit.returnPressed.connect(lambda: self.link(unlink=False))
        self.unlink_button.clicked.connect(lambda: self.link(unlink=True))
        self.open_button.clicked.connect(self._open_incident)
        self.incidents.itemDoubleClicked.connect(lambda _item: self._open_incident())
        self._enable()
        self._load_groups()
        self.refresh()

    # -- reading ---------------------------------------------------------------------------
    def _load_groups(self) -> None:
        desk = self.desk
        self.runner.run(
            lambda: queries.groups(desk),
            self._groups_loaded,
            self._failed,
            key=f"problem-groups-{id(self)}",
        )

    def _groups_loaded(self, groups: list[Any]) -> None:
        current = self.group_box.currentData()
        self.group_box.blockSignals(True)
        self.group_box.clear()
        self.group_box.addItem("(none)", None)
        for g in groups:
            self.group_box.addItem(g.name, g.id)
        self.group_box.blockSignals(False)
        self._select_group(current if self.record is None else self.record.group_id)

    def _select_group(self, group_id: int | None) -> None:
        k = self.group_box.findData(group_id)
        self.group_box.setCurrentIndex(max(k, 0))

    def refresh(self) -> None:
        _label, states, known = FILTERS[max(self.filter_box.currentIndex(), 0)]
        desk, text = self.desk, self.search.text()
        open_only = states is None

        def read() -> list[ProblemRow]:
            return problems.list_problems(
                desk, states=states or (), open_only=open_only, known_errors_only=known, text=text
            )

        self.runner.run(read, self._listed, self._failed, key=f"problems-{id(self)}")

    def _listed(self, rows: list[ProblemRow]) -> None:
        keep = self.wanted or (self.record.id if self.record else None)
        self.model.set_rows(rows)
        n = len(rows)
        self.count_label.setText(f"{n} problem{'s' if n != 1 else ''}")
        row = self.model.row_of(keep) if keep is not None else None
        if row is not None:
            self.table.selectRow(row)
            self.wanted = None
        elif keep is not None and self.wanted is not None:
            self._load(keep)  # not in this filter: shown all the same
            self.wanted = None

    def show_problem(self, problem_id: int) -> None:
        """Select (or load) one problem: after creating it from the queue or an incident."""
        self.wanted = problem_id
        self._load(problem_id)
        self.refresh()

    def _chosen(self, row: int) -> None:
        if 0 <= row < len(self.model.rows):
            self._load(self.model.rows[row].id)

    def _load(self, problem_id: int) -> None:
        desk = self.desk

        def read() -> tuple[ProblemRecord, list[Any]]:
            return problems.get_problem(desk, problem_id), problems.problem_history(
                desk, problem_id
            )

        def shown(result: tuple[ProblemRecord, list[Any]]) -> None:
            self._show(result[0])
            self._show_history(result[1])

        self.runner.run(read, shown, self._failed, key=f"problem-{id(self)}")

    def _show_history(self, entries: list[Any]) -> None:
        self.history.clear()
        zone = self.desk.zone
        for h in entries:  # newest first
            why = f" ({h.reason})" if h.reason else ""
            self.history.addItem(
                f"{local_time(h.at, zone)}  {h.who or '-'}: {h.field} "
                f"{h.old or '—'} → {h.new or '—'}{why}"
            )

    def _show(self, rec: ProblemRecord) -> None:
        self.record = rec
        flag = " · Known error" if rec.known_error else ""
        self.heading.setText(f"{rec.number} · {rec.state.label}{flag}")
        self.title_edit.setText(rec.title)
        self._select_group(rec.group_id)
        self.known_error.setChecked(rec.known_error)
        self.description.setPlainText(rec.description)
        self.root_cause.setPlainText(rec.root_cause)
        self.workaround.setPlainText(rec.workaround)
        when = (
            f" (resolved {local_time(rec.resolved_at, self.desk.zone)})" if rec.resolved_at else ""
        )
        self.fix_label.setText((rec.fix or "—") + when)
        self.state_label.setText(rec.state.label)
        self.move_box.clear()
        for s in allowed_moves(rec.state):
            if s is not ProblemState.RESOLVED:
                self.move_box.addItem(s.label, s.value)
        self.incidents.clear()
        for i in rec.incidents:
            item = QListWidgetItem(
                f"{i.number}  {i.state_label}  P{i.priority}  {i.group_name or '—'}  {i.title}"
            )
            item.setData(Qt.ItemDataRole.UserRole, i.id)
            self.incidents.addItem(item)
        self._enable()

    def _enable(self) -> None:
        rec = self.record
        editable = rec is not None and rec.state is not ProblemState.CLOSED
        for w in (
            self.title_edit,
            self.group_box,
            self.known_error,
            self.description,
            self.root_cause,
            self.workaround,
            self.save_button,
            self.link_edit,
            self.link_button,
        ):
            w.setEnabled(editable)
        self.move_box.setEnabled(rec is not None and self.move_box.count() > 0)
        self.move_button.setEnabled(rec is not None and self.move_box.count() > 0)
        can_resolve = rec is not None and rec.state.open
        self.resolve_button.setEnabled(can_resolve)
        self.resolve_button.setToolTip(
            "" if can_resolve or rec is None else f"{rec.number} is {rec.state.label}"
        )
        self.unlink_button.setEnabled(rec is not None and bool(rec.incidents))
        self.open_button.setEnabled(rec is not None and bool(rec.incidents))

    # -- writing ---------------------------------------------------------------------------
    def _write(self, fn: Any, what: str, done: Any = None) -> None:
        def saved(result: Any) -> None:
            rec = result.problem if isinstance(result, Resolution) else result
            if isinstance(rec, ProblemRecord):
                self._show(rec)
                self._load(rec.id)  # and its history
            if done is not None:
                done(result)
            self.refresh()

        self.runner.run(fn, saved, self._failed, write=True, what=what)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(error_words(text) if error else text)
        if error:
            error_look(self.message)
        else:
            self.message.setPalette(self.palette())
            self.message.setFont(self.font())

    def _failed(self, exc: DeskError) -> None:
        self._say(str(exc), error=True)

    def save(self) -> None:
        rec = self.record
        if rec is None or not self.save_button.isEnabled():
            return
        desk, actor = self.desk, self.actor
        group = self.group_box.currentData()
        edit = ProblemEdit(
            title=self.title_edit.text(),
            description=self.description.toPlainText(),
            root_cause=self.root_cause.toPlainText(),
            workaround=self.workaround.toPlainText(),
            known_error=self.known_error.isChecked(),
            group_id=group,
            clear_group=group is None,
        )
        self._write(
            lambda: problems.update_problem(desk, actor, rec.id, rec.version, edit),
            f"the changes to {rec.number}",
            lambda r: self._say(f"Saved {r.number}"),
        )

    def move_state(self) -> None:
        rec = self.record
        to = self.move_box.currentData()
        if rec is None or to is None:
            return
        desk, actor = self.desk, self.actor
        self._write(
            lambda: problems.move_problem(desk, actor, rec.id, rec.version, to),
            f"the state of {rec.number}",
            lambda r: self._say(f"{r.number} is {r.state.label}"),
        )

    def resolve(self) -> None:
        rec = self.record
        if rec is None:
            return
        dialog = ResolveDialog(rec, self)
        self.resolve_dialog = dialog
        dialog.accepted.connect(
            lambda: self._resolve(rec, dialog.fix.toPlainText(), dialog.cascade.isChecked())
        )
        dialog.open()

    def _resolve(self, rec: ProblemRecord, fix: str, cascade: bool) -> None:
        desk, actor = self.desk, self.actor

        def done(result: Resolution) -> None:
            self.last_resolution = result
            parts = [f"{result.problem.number} is Resolved"]
            if result.resolved:
                parts.append(f"resolved {', '.join(result.resolved)}")
            if result.refused:
                parts.append("left open: " + "; ".join(f"{n} ({why})" for n, why in result.refused))
            self._say("; ".join(parts), error=bool(result.refused))

        self._write(
            lambda: problems.resolve_problem(
                desk, actor, rec.id, rec.version, fix, resolve_incidents=cascade
            ),
            f"the resolution of {rec.number}",
            done,
        )

    def link(self, *, unlink: bool) -> None:
        rec = self.record
        if rec is None:
            return
        desk, actor = self.desk, self.actor
        if unlink:
            item = self.incidents.currentItem()
            if item is None:
                self._say("Select the incident to unlink", error=True)
                return
            iid = int(item.data(Qt.ItemDataRole.UserRole))
            self._write(
                lambda: problems.unlink_incidents(desk, actor, rec.id, [iid]),
                f"the incidents of {rec.number}",
                lambda r: self._say(f"Unlinked from {r.number}"),
            )
            return
        number = self.link_edit.text().strip()
        if not number:
            self._say("Type the incident's number to link (INC0000042)", error=True)
            return

        def run() -> ProblemRecord:
            iid = queries.get_incident(desk, number).id
            return problems.link_incidents(desk, actor, rec.id, [iid])

        def linked(r: ProblemRecord) -> None:
            self.link_edit.clear()
            self._say(f"Linked {number.upper()} to {r.number}")

        self._write(run, f"the incidents of {rec.number}", linked)

    def new_problem(self) -> None:
        dialog = NewProblemDialog(parent=self)
        self.new_dialog = dialog
        desk, actor = self.desk, self.actor

        def created(r: ProblemRecord) -> None:
            self._say(f"Created {r.number}")
            self.show_problem(r.id)

        def create() -> None:
            title = dialog.title.text()
            self._write(
                lambda: problems.get_problem(desk, problems.add_problem(desk, actor, title)),
                "the new problem",
                created,
            )

        dialog.accepted.connect(create)
        dialog.open()

    def _open_incident(self) -> None:
        item = self.incidents.currentItem() or self.incidents.item(0)
        if item is not None:
            self.open_incident.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    def others_changed(self, entities: set[str]) -> None:
        if entities & {"problem", "known_error"}:
            self.refresh()
            if self.record is not None:
                self._load(self.record.id)

    def incidents_changed(self, _ids: object) -> None:
        if self.record is not None and self.record.incidents:
            self._load(self.record.id)


def create_problem(
    parent: QWidget,
    desk: Desk,
    actor: Actor,
    runner: TaskRunner,
    incident_ids: list[int],
    title: str,
    done: Any,
) -> NewProblemDialog:
    """Ask for the title (the first incident's offered), then create the problem with the
    incidents linked; `done(record)` after, the refusal shown otherwise."""
    n = len(incident_ids)
    dialog = NewProblemDialog(
        title, f"A problem for {n} incident{'s' if n != 1 else ''}, linked to it", parent
    )

    def create() -> None:
        text = dialog.title.text()
        runner.run(
            lambda: problems.create_from_incidents(desk, actor, incident_ids, title=text),
            done,
            lambda exc: _refused(parent, exc),
            write=True,
            what="the new problem",
        )

    dialog.accepted.connect(create)
    dialog.open()
    return dialog


def _refused(parent: QWidget, exc: DeskError) -> None:
    from app.views.errors import show_problem

    show_problem(parent, str(exc))
