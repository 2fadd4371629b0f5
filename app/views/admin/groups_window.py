"""Groups, as an admin shapes them: the list (deactivated ones too), and for the selected one (or
a new one) its name, support line, supervisor, e-mail address, how its incidents get an
assignee (manual, round robin, least loaded) and its members; deactivate or activate, delete
(refused with what refers to the group named); a History tab with the admin audit.

Every action is a service call on the task runner (``services.catalog``): the same rules and the
same audit as ``incidentdesk groups ...``. A change made on another workstation arrives through
the change feed: the list is read again, and a draft being typed is kept."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.assignment import AssignmentMode
from app.domain.errors import DeskError, PermissionDenied, ValidationError
from app.domain.records import AgentRecord, GroupDetail
from app.domain.roles import Role
from app.domain.sla_config import AdminAuditRecord
from app.domain.wording import plural
from app.services import admin_audit, catalog, users
from app.services.context import Actor, Desk
from app.views.admin.models import RowsTableModel
from app.views.admin.parts import HISTORY_HEADERS, Message, history_rows, list_table, may_configure
from app.views.errors import show_problem
from app.views.tasks import TaskRunner

LIST_KEY = "groups-list"
HISTORY_KEY = "groups-history"
ENTITIES = frozenset({"group", "agent"})
LINES = {1: "1st line", 2: "2nd line", 3: "3rd line"}


class GroupsWindow(QMainWindow):
    changed = Signal()

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        refusal = may_configure(actor)
        if refusal is not None:
            raise PermissionDenied(refusal)
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.setWindowTitle("Groups — Incident Desk")
        self.groups: list[GroupDetail] = []
        self.people: list[AgentRecord] = []
        self.current: GroupDetail | None = None
        self.dirty = False  # the admin typed something not saved yet
        self._filling = False

        self.list_model = RowsTableModel(
            ("Group", "Line", "Supervisor", "Assignment", "Members", "Open", "Status"), self
        )
        self.table = list_table(self.list_model, "Groups")
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._select(cur.row())
        )

        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.line = QComboBox()
        self.line.setAccessibleName("Support line")
        for n, label in LINES.items():
            self.line.addItem(label, n)
        self.supervisor = QComboBox()
        self.supervisor.setAccessibleName("Supervisor")
        self.email = QLineEdit()
        self.email.setAccessibleName("E-mail")
        self.email.setPlaceholderText("network@example.com")
        self.assignment = QComboBox()
        self.assignment.setAccessibleName("Assignment")
        for mode in AssignmentMode:
            self.assignment.addItem(mode.label, mode.value)
        self.assignment.setToolTip(
            "How an incident routed to the group gets its assignee: nobody named (someone takes "
            "it), the next available member in turn, or the available member with the least "
            "open work"
        )
        self.member_list = QListWidget()
        self.member_list.setAccessibleName("Members")
        self.member_list.setToolTip("Space ticks or unticks a member")
        self.member_list.setSpacing(2)
        self.member_list.setMinimumHeight(self.fontMetrics().height() * 10)
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Status")
        self.status_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("Su&pport line:", self.line)
        form.addRow("Super&visor:", self.supervisor)
        form.addRow("&E-mail:", self.email)
        form.addRow("Assi&gnment:", self.assignment)
        form.addRow("&Members:", self.member_list)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("Why (optional): kept in the History tab")
        form.addRow("Status:", self.status_label)
        form.addRow("&Reason:", self.reason)
        self._fields = {
            "name": self.name,
            "line": self.line,
            "supervisor": self.supervisor,
            "email": self.email,
            "assignment": self.assignment,
            "members": self.member_list,
            "active": self.status_label,
        }
        for edit in (self.name, self.email):
            edit.textEdited.connect(self._edited)
        for combo in (self.line, self.supervisor, self.assignment):
            combo.activated.connect(self._edited)
        self.member_list.itemChanged.connect(self._edited)

        self.new_button = QPushButton("Ne&w group")
        self.new_button.clicked.connect(self.new_group)
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.active_button = QPushButton("&Deactivate")
        self.active_button.clicked.connect(self.toggle_active)
        self.delete_button = QPushButton("De&lete…")
        self.delete_button.clicked.connect(self.delete)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.save_button, self.active_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = Message()
        self.message.setAccessibleName("Message")

        details = QWidget()
        dl = QVBoxLayout(details)
        dl.addLayout(form)
        dl.addLayout(buttons)
        dl.addWidget(self.message)
        dl.addStretch(1)
        self.history_model = RowsTableModel(HISTORY_HEADERS, self)
        self.history = list_table(self.history_model, "History of the group")
        self.history.setSelectionMode(self.history.SelectionMode.NoSelection)
        self.tabs = QTabWidget()
        self.tabs.addTab(details, "De&tails")
        self.tabs.addTab(self.history, "&History")

        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        split.setSizes([640, 560])
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(10, 10, 10, 10)
        cl.addWidget(split)
        self.setCentralWidget(central)
        self.resize(1200, 640)
        self._fill_form(None)
        self.load()

    # -- reading -------------------------------------------------------------------------
    def load(self, select: str | None = None) -> None:
        desk = self.desk
        keep = select or (self.current.name if self.current is not None else None)
        self.runner.run(
            lambda: (catalog.group_details(desk), users.list_users(desk)),
            lambda data: self._loaded(data, keep, select is not None),
            self._failed,
            key=LIST_KEY,
        )

    def _loaded(
        self, data: tuple[list[GroupDetail], list[AgentRecord]], keep: str | None, moved: bool
    ) -> None:
        self.groups, self.people = data
        self.list_model.set_rows(
            [
                (
                    g.name,
                    LINES.get(g.line, str(g.line)),
                    g.supervisor_name or "",
                    AssignmentMode(g.assignment).label,
                    str(len(g.members)),
                    str(g.open_incidents),
                    "Active" if g.active else "Deactivated",
                )
                for g in self.groups
            ],
            [", ".join(n for _u, n in g.members) or "No members" for g in self.groups],
        )
        row = next((i for i, g in enumerate(self.groups) if g.name == keep), None)
        if row is None and self.groups and self.current is None and not self.dirty:
            row = 0
        if self.dirty and not moved:
            # a change from elsewhere while the admin types: the list shows it, the draft stays
            self._fill_people(self._draft_supervisor(), self._checked_members())
            if row is not None:
                self._set_current_row(row)
                self.current = self.groups[row]
            return
        if row is not None:
            self._set_current_row(row)
            self._select(row)
        else:
            self._fill_people(self._draft_supervisor(), self._checked_members())

    def _set_current_row(self, row: int) -> None:
        sel = self.table.selectionModel()
        sel.blockSignals(True)
        sel.setCurrentIndex(
            self.list_model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        sel.blockSignals(False)
        self.table.viewport().update()

    def _failed(self, exc: DeskError) -> None:
        self.message.say(str(exc), error=True)
        field = exc.field if isinstance(exc, ValidationError) else None
        widget = self._fields.get(field or "")
        if widget is not None and widget.isEnabled():
            widget.setFocus()

    def _select(self, row: int) -> None:
        if 0 <= row < len(self.groups):
            self._fill_form(self.groups[row])

    def _fill_people(self, supervisor: str | None, members: set[str]) -> None:
        self._filling = True
        try:
            self.supervisor.clear()
            self.supervisor.addItem("(none)", "")
            for p in self.people:
                if p.active or p.username == supervisor:
                    self.supervisor.addItem(f"{p.full_name} ({p.username})", p.username)
            self.supervisor.setCurrentIndex(max(self.supervisor.findData(supervisor or ""), 0))
            self.member_list.clear()
            # its members first (by name), then everyone else who could join
            ordered = sorted(self.people, key=lambda p: p.username not in members)
            for p in ordered:
                if not p.active and p.username not in members:
                    continue
                away = "" if p.active else ", deactivated"
                item = QListWidgetItem(f"{p.full_name} ({Role(p.role).label}{away})")
                item.setData(Qt.ItemDataRole.UserRole, p.username)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    Qt.CheckState.Checked if p.username in members else Qt.CheckState.Unchecked
                )
                self.member_list.addItem(item)
        finally:
            self._filling = False

    def _checked_members(self) -> set[str]:
        out = set()
        for i in range(self.member_list.count()):
            item = self.member_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.add(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def _draft_supervisor(self) -> str | None:
        return str(self.supervisor.currentData() or "") or None

    def _fill_form(self, group: GroupDetail | None) -> None:
        self._filling = True
        try:
            self.current = group
            self.dirty = False
            self.name.setText(group.name if group else "")
            self.line.setCurrentIndex(max(self.line.findData(group.line if group else 1), 0))
            self.email.setText((group.email or "") if group else "")
            self.assignment.setCurrentIndex(
                max(self.assignment.findData(group.assignment if group else "manual"), 0)
            )
            self._fill_people(
                group.supervisor_username if group else None,
                {u for u, _n in group.members} if group else set(),
            )
        finally:
            self._filling = False
        if group is None:
            self.status_label.setText("New: not saved yet")
        elif group.active:
            self.status_label.setText(f"Active: {plural(group.open_incidents, 'open incident')}")
        else:
            self.status_label.setText("Deactivated: not offered for new incidents")
        self.active_button.setText(
            "&Activate" if group is not None and not group.active else "&Deactivate"
        )
        for b in (self.active_button, self.delete_button):
            b.setEnabled(group is not None)
        self.save_button.setText("&Save" if group is not None else "&Add group")
        self.history_model.set_rows([])
        if group is not None:
            desk, gid = self.desk, group.id
            self.runner.run(
                lambda: admin_audit.admin_history(desk, "group", gid),
                self._history,
                self._failed,
                key=HISTORY_KEY,
            )

    def _history(self, entries: list[AdminAuditRecord]) -> None:
        self.history_model.set_rows(history_rows(entries, self.desk.zone))

    def _edited(self, *_args: object) -> None:
        if not self._filling:
            self.dirty = True

    # -- writing -------------------------------------------------------------------------
    def new_group(self) -> None:
        self.table.clearSelection()
        self._fill_form(None)
        self.name.setFocus()

    def _write(self, fn: object, done_text: str, select: str | None = None) -> None:
        def finished(_result: object) -> None:
            self.dirty = False
            self.reason.clear()
            self.message.say(done_text)
            self.changed.emit()
            self.load(select)

        self.runner.run(fn, finished, self._failed, write=True, what="the change to the group")  # type: ignore[arg-type]

    def save(self) -> None:
        desk, actor, group = self.desk, self.actor, self.current
        name, email = self.name.text().strip(), self.email.text()
        line, mode = int(self.line.currentData()), str(self.assignment.currentData())
        supervisor = str(self.supervisor.currentData() or "")
        members = sorted(self._checked_members())
        reason = self.reason.text().strip() or None
        if group is None:
            self._write(
                lambda: catalog.add_group(
                    desk,
                    actor,
                    name,
                    line,
                    supervisor=supervisor or None,
                    email=email or None,
                    assignment=mode,
                    members=members,
                ),
                f"Added the group {name}",
                name,
            )
            return
        self._write(
            lambda: catalog.edit_group(
                desk,
                actor,
                group.name,
                new_name=name,
                line=line,
                supervisor=supervisor,
                email=email,
                assignment=mode,
                members=members,
                reason=reason,
            ),
            f"Saved {name}",
            name,
        )

    def toggle_active(self) -> None:
        group, desk, actor = self.current, self.desk, self.actor
        if group is None:
            return
        active = not group.active
        reason = self.reason.text().strip() or None
        self._write(
            lambda: catalog.set_group_active(desk, actor, group.name, active, reason=reason),
            f"{group.name} is {'active again' if active else 'deactivated: not offered for new incidents'}",
            group.name,
        )

    def delete(self) -> None:
        group, desk, actor = self.current, self.desk, self.actor
        if group is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete a group",
            f"Delete the group {group.name}? A group something refers to cannot be deleted: "
            "deactivate it instead.",
        )
        if answer not in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Ok):
            return

        def failed(exc: DeskError) -> None:
            self.message.say(str(exc), error=True)
            show_problem(self, str(exc), "Delete a group")

        def deleted(_r: object) -> None:
            self.message.say(f"Deleted the group {group.name}")
            self.current = None
            self.dirty = False
            self.changed.emit()
            self.load()

        self.runner.run(
            lambda: catalog.delete_group(desk, actor, group.name),
            deleted,
            failed,
            write=True,
            what="the deletion",
        )

    # -- the live feed -------------------------------------------------------------------
    def others_changed(self, entities: set[str]) -> None:
        if entities & ENTITIES:
            if self.dirty:
                self.message.say(
                    "Changed on another workstation: the list shows it; your draft is kept"
                )
            self.load()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.runner.cancel(LIST_KEY)
        self.runner.cancel(HISTORY_KEY)
        super().closeEvent(event)


def open_groups_window(
    desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
) -> GroupsWindow | None:
    refusal = may_configure(actor)
    if refusal is not None:
        show_problem(parent, refusal, "Groups")
        return None
    window = GroupsWindow(desk, actor, runner)
    window.show()
    return window
