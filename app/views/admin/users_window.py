"""Users, as an admin manages them: the list, and for the selected one (or a new one) name,
e-mail, role, groups; deactivate or activate, reset the password (typed twice, or generated and
shown once), delete (refused with what refers to the user); a History tab with the admin audit.

Every action is a service call on the task runner (``services.users``): the same rules and the
same audit as ``incidentdesk users ...``. A change made on another workstation arrives through
the change feed and the list is read again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
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
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError, PermissionDenied
from app.domain.records import AgentRecord, GroupRecord
from app.domain.roles import Permission, Role
from app.domain.sla_config import AdminAuditRecord
from app.domain.wording import local_time
from app.services import admin_audit, queries, users
from app.services.context import Actor, Desk
from app.views.admin.models import RowsTableModel
from app.views.colors import error_look
from app.views.errors import show_problem
from app.views.tasks import TaskRunner

LIST_KEY = "users-list"
HISTORY_KEY = "users-history"


def may_manage_users(actor: Actor) -> str | None:
    try:
        actor.require(Permission.MANAGE_USERS)
    except PermissionDenied as exc:
        return str(exc)
    return None


class PasswordDialog(QDialog):
    """A new password typed twice; both empty: the desk generates one (shown once after)."""

    def __init__(self, username: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Reset the password of {username}")
        self.first = QLineEdit()
        self.first.setEchoMode(QLineEdit.EchoMode.Password)
        self.first.setAccessibleName("New password")
        self.second = QLineEdit()
        self.second.setEchoMode(QLineEdit.EchoMode.Password)
        self.second.setAccessibleName("New password again")
        self.error = QLabel()
        self.error.setWordWrap(True)
        error_look(self.error)
        note = QLabel("Leave both empty and the desk makes one up, shown once after the reset.")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&New password:", self.first)
        form.addRow("&Again:", self.second)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Reset password")
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.setMinimumWidth(420)

    def password(self) -> str | None:
        return self.first.text() or None

    def _check(self) -> None:
        if self.first.text() != self.second.text():
            self.error.setText("The two passwords differ: type the same one twice")
            self.second.setFocus()
            return
        if self.first.text() and len(self.first.text()) < 8:
            self.error.setText("A password needs at least 8 characters")
            self.first.setFocus()
            return
        self.accept()


class UsersWindow(QMainWindow):
    changed = Signal()

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        refusal = may_manage_users(actor)
        if refusal is not None:
            raise PermissionDenied(refusal)
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.setWindowTitle("Users — Incident Desk")
        self.people: list[AgentRecord] = []
        self.groups: list[GroupRecord] = []
        self.current: AgentRecord | None = None
        # asks for the new password (the dialog); a test puts its own answer here
        self.ask_password: Callable[[str], tuple[bool, str | None]] = self._ask_password

        self.list_model = RowsTableModel(("User name", "Name", "Role", "Groups", "Status"), self)
        self.table = QTableView()
        self.table.setAccessibleName("Users")
        self.table.setModel(self.list_model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._select(cur.row())
        )

        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.full_name = QLineEdit()
        self.full_name.setAccessibleName("Full name")
        self.email = QLineEdit()
        self.email.setAccessibleName("E-mail")
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for r in Role:
            self.role.addItem(r.label, r.value)
        self.group_list = QListWidget()
        self.group_list.setAccessibleName("Groups")
        self.group_list.setSpacing(2)
        self.group_list.setMinimumHeight(self.fontMetrics().height() * 12)
        self.group_list.setMaximumHeight(self.fontMetrics().height() * 20)
        self.status_label = QLabel()
        form = QFormLayout()
        form.addRow("User &name:", self.username)
        form.addRow("&Full name:", self.full_name)
        form.addRow("&E-mail:", self.email)
        form.addRow("&Role:", self.role)
        form.addRow("&Groups:", self.group_list)
        form.addRow("Status:", self.status_label)

        self.new_button = QPushButton("N&ew user")
        self.new_button.clicked.connect(self.new_user)
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.password_button = QPushButton("Reset &password…")
        self.password_button.clicked.connect(self.reset_password)
        self.active_button = QPushButton("&Deactivate")
        self.active_button.clicked.connect(self.toggle_active)
        self.delete_button = QPushButton("De&lete…")
        self.delete_button.clicked.connect(self.delete)
        buttons = QHBoxLayout()
        for b in (
            self.new_button,
            self.save_button,
            self.password_button,
            self.active_button,
            self.delete_button,
        ):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = QLabel(" ")
        self.message.setWordWrap(True)

        details = QWidget()
        dl = QVBoxLayout(details)
        dl.addLayout(form)
        dl.addLayout(buttons)
        dl.addWidget(self.message)
        dl.addStretch(1)
        self.history_model = RowsTableModel(("When", "Who", "What", "Was", "Now"), self)
        self.history = QTableView()
        self.history.setAccessibleName("History of the user")
        self.history.setModel(self.history_model)
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.history.horizontalHeader().setStretchLastSection(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(details, "&Details")
        self.tabs.addTab(self.history, "&History")

        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        split.setSizes([680, 480])
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(10, 10, 10, 10)
        cl.addWidget(split)
        self.setCentralWidget(central)
        self.resize(1240, 680)
        self._fill_form(None)
        self.load()

    # -- reading -------------------------------------------------------------------------
    def load(self, select: str | None = None) -> None:
        desk = self.desk
        keep = select or (self.current.username if self.current is not None else None)
        self.runner.run(
            lambda: (users.list_users(desk), queries.groups(desk)),
            lambda data: self._loaded(data, keep),
            self._failed,
            key=LIST_KEY,
        )

    def _loaded(self, data: tuple[list[AgentRecord], list[GroupRecord]], keep: str | None) -> None:
        self.people, self.groups = data
        self.list_model.set_rows(
            [
                (
                    p.username,
                    p.full_name,
                    Role(p.role).label,
                    ", ".join(p.group_names),
                    "Active" if p.active else "Deactivated",
                )
                for p in self.people
            ]
        )
        row = next((i for i, p in enumerate(self.people) if p.username == keep), None)
        if row is None and self.people and self.current is None and not self.username.isEnabled():
            row = 0
        if row is not None:
            self.table.selectionModel().setCurrentIndex(
                self.list_model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
            self._select(row)
        else:
            self._fill_groups(self._checked_groups())

    def _failed(self, exc: DeskError) -> None:
        self._say(str(exc), error=True)

    def _select(self, row: int) -> None:
        if 0 <= row < len(self.people):
            self._fill_form(self.people[row])

    def _fill_groups(self, checked: set[str]) -> None:
        self.group_list.clear()
        for g in self.groups:
            off = "" if g.active else ", deactivated"
            item = QListWidgetItem(f"{g.name} (line {g.line}{off})")
            item.setData(Qt.ItemDataRole.UserRole, g.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if g.name in checked else Qt.CheckState.Unchecked
            )
            self.group_list.addItem(item)

    def _checked_groups(self) -> set[str]:
        out = set()
        for i in range(self.group_list.count()):
            item = self.group_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.add(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def _fill_form(self, person: AgentRecord | None) -> None:
        self.current = person
        self.username.setText(person.username if person else "")
        self.username.setEnabled(person is None)
        self.full_name.setText(person.full_name if person else "")
        self.email.setText((person.email or "") if person else "")
        self.role.setCurrentIndex(
            max(self.role.findData(person.role if person else Role.AGENT.value), 0)
        )
        self._fill_groups(set(person.group_names) if person else set())
        if person is None:
            self.status_label.setText("New: not saved yet")
        else:
            self.status_label.setText("Active" if person.active else "Deactivated: cannot sign in")
        self.active_button.setText(
            "&Activate" if person is not None and not person.active else "&Deactivate"
        )
        for b in (self.password_button, self.active_button, self.delete_button):
            b.setEnabled(person is not None)
        self.save_button.setText("&Save" if person is not None else "&Add user")
        self.history_model.set_rows([])
        if person is not None:
            desk, pid = self.desk, person.id
            self.runner.run(
                lambda: admin_audit.admin_history(desk, "user", pid),
                self._history,
                self._failed,
                key=HISTORY_KEY,
            )

    def _history(self, entries: list[AdminAuditRecord]) -> None:
        zone = self.desk.zone
        self.history_model.set_rows(
            [
                (local_time(e.at, zone), e.who or "", e.field, e.old or "", e.new or "")
                for e in entries
            ],
            [e.reason for e in entries],
        )

    # -- writing -------------------------------------------------------------------------
    def new_user(self) -> None:
        self.table.clearSelection()
        self._fill_form(None)
        self.username.setFocus()

    def _write(self, fn: object, done_text: str, select: str | None = None) -> None:
        def finished(_result: object) -> None:
            self._say(done_text)
            self.changed.emit()
            self.load(select)

        self.runner.run(fn, finished, self._failed, write=True, what="the change to the user")  # type: ignore[arg-type]

    def save(self) -> None:
        desk, actor = self.desk, self.actor
        name, email, role = self.full_name.text(), self.email.text(), str(self.role.currentData())
        groups = sorted(self._checked_groups())
        person = self.current
        if person is None:
            username = self.username.text()

            def add() -> AgentRecord:
                return users.add_user(
                    desk, actor, username, name, role, groups=groups, email=email or None
                )

            self._write(
                add,
                f"Added {username.strip().lower()}: set a password with Reset password",
                username.strip().lower(),
            )
            return
        self._write(
            lambda: users.edit_user(
                desk, actor, person.username, full_name=name, email=email, role=role, groups=groups
            ),
            f"Saved {person.username}",
        )

    def toggle_active(self) -> None:
        person, desk, actor = self.current, self.desk, self.actor
        if person is None:
            return
        active = not person.active
        self._write(
            lambda: users.set_active(desk, actor, person.username, active),
            f"{person.full_name} is {'active again' if active else 'deactivated: they cannot sign in'}",
        )

    def _ask_password(self, username: str) -> tuple[bool, str | None]:
        dialog = PasswordDialog(username, self)
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        return ok, dialog.password()

    def reset_password(self) -> None:
        person, desk, actor = self.current, self.desk, self.actor
        if person is None:
            return
        ok, typed = self.ask_password(person.username)
        if not ok:
            return

        def shown(new: str) -> None:
            if typed is None:
                QMessageBox.information(
                    self,
                    "New password",
                    f"The new password of {person.username} is:\n\n{new}\n\nIt is shown only this once.",
                )
            self._say(f"The password of {person.username} is reset")

        self.runner.run(
            lambda: users.reset_password(desk, actor, person.username, typed),
            shown,
            self._failed,
            write=True,
            what="the new password",
        )

    def delete(self) -> None:
        person, desk, actor = self.current, self.desk, self.actor
        if person is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete a user",
            f"Delete {person.full_name} ({person.username})? A user something refers to cannot be "
            "deleted: deactivate them instead.",
        )
        if answer not in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Ok):
            return

        def failed(exc: DeskError) -> None:
            self._say(str(exc), error=True)
            show_problem(self, str(exc), "Delete a user")

        def deleted(_r: object) -> None:
            self._say(f"Deleted {person.username}")
            self.current = None
            self.load()

        self.runner.run(
            lambda: users.delete_user(desk, actor, person.username),
            deleted,
            failed,
            write=True,
            what="the deletion",
        )

    # -- the live feed -------------------------------------------------------------------
    def others_changed(self, entities: set[str]) -> None:
        if entities & {"agent", "group"}:
            self.load()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        if error:
            error_look(self.message)
        else:
            self.message.setStyleSheet("")
            self.message.setPalette(self.palette())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.runner.cancel(LIST_KEY)
        self.runner.cancel(HISTORY_KEY)
        super().closeEvent(event)


def open_users_window(
    desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
) -> UsersWindow | None:
    refusal = may_manage_users(actor)
    if refusal is not None:
        show_problem(parent, refusal, "Users")
        return None
    window = UsersWindow(desk, actor, runner)
    window.show()
    return window
