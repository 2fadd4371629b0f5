"""Sign in: the last user name is remembered (QSettings); the password never is.

On PostgreSQL with login roles the database authenticates the person (their own role): the
dialog's `desk` is then the desk on that role's engine, the one the main window must use."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError
from app.services import users
from app.services.context import Actor, Desk
from app.views.settings import settings
from app.views.tasks import TaskRunner

LAST_USER = "signin/last_user"


class SignInDialog(QDialog):
    def __init__(
        self,
        desk: Desk,
        runner: TaskRunner,
        *,
        database: str = "",
        demo_hint: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Incident Desk")
        self.setMinimumWidth(380)
        self._desk = desk
        self._runner = runner
        self.actor: Actor | None = None
        self.desk: Desk = desk  # the desk to work on once signed in (users.sign_in)

        self.username = QLineEdit()
        self.username.setAccessibleName("User name")
        self.username.setText(str(settings().value(LAST_USER, "") or ""))
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Sign-in message")
        self.message.hide()

        form = QFormLayout()
        form.addRow("&User name:", self.username)
        form.addRow("&Password:", self.password)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Sign in")
        self.buttons.accepted.connect(self._sign_in)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        if database:
            where = QLabel(f"Database: {database}")
            where.setWordWrap(True)
            where.setEnabled(False)
            layout.addWidget(where)
        layout.addLayout(form)
        if demo_hint:
            hint = QLabel(demo_hint)
            hint.setWordWrap(True)
            hint.setAccessibleName("Demo hint")
            layout.addWidget(hint)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        (self.password if self.username.text() else self.username).setFocus()

    def _sign_in(self) -> None:
        name, password = self.username.text().strip(), self.password.text()
        if not name:
            self._show("Type your user name.")
            self.username.setFocus()
            return
        self.buttons.setEnabled(False)
        desk = self._desk
        self._runner.run(
            lambda: users.sign_in(desk, name, password),
            self._signed_in,
            self._failed,
            key="signin",
        )

    def _signed_in(self, signed_in: users.SignedIn) -> None:
        self.actor = signed_in.actor
        self.desk = signed_in.desk
        settings().setValue(LAST_USER, signed_in.actor.username)
        self.password.clear()
        self.accept()

    def _failed(self, exc: DeskError) -> None:
        self.buttons.setEnabled(True)
        self._show(str(exc))
        self.password.selectAll()
        self.password.setFocus()

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
