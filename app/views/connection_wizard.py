"""The connection wizard: on a workstation's first start (no database configured), when the
site's server asks a password this workstation does not have, and from File > Change
connection…

Two choices: this computer only (a SQLite file in the user's data folder) or a shared
PostgreSQL server (host, port, database, user, password, TLS mode). Test connection says what
failed and what to do (app.services.connection); an empty or older schema can be created or
upgraded from here (the server decides whether this user may). Finish saves the address
without its password in the user's incidentdesk.ini; the password goes to the system keyring,
or, where there is none, is asked at each start and never written anywhere.

A site configuration from the installer answers the server questions: the wizard then opens
on the server page with them filled in, and asks only what is missing (the password)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.db.config import DatabaseConfig
from app.domain.errors import DeskError
from app.services import connection
from app.services.connection import Check, Schema, Shared
from app.views.tasks import TaskRunner

KIND_PAGE, SERVER_PAGE, LOCAL_PAGE = 0, 1, 2
TLS_LABELS = {
    "prefer": "Prefer TLS (use it when the server has it)",
    "require": "Require TLS",
    "verify-full": "Require TLS and check the server's certificate",
    "disable": "No TLS",
}


class KindPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Where is the incident desk?")
        self.setSubTitle("Choose where this workstation keeps its incidents.")
        self.local = QRadioButton("&This computer only")
        self.local.setAccessibleName("This computer only")
        local_note = QLabel("For trying Incident Desk out, or a desk of one.")
        self.shared = QRadioButton("A &shared PostgreSQL server")
        self.shared.setAccessibleName("A shared PostgreSQL server")
        shared_note = QLabel("Every workstation of the desk works on the same database.")
        for note in (local_note, shared_note):
            note.setWordWrap(True)
            note.setIndent(24)
        self.shared.setChecked(True)
        layout = QVBoxLayout(self)
        for w in (self.shared, shared_note, self.local, local_note):
            layout.addWidget(w)
        layout.addStretch(1)

    def nextId(self) -> int:
        return LOCAL_PAGE if self.local.isChecked() else SERVER_PAGE


class LocalPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("This computer only")
        self.setSubTitle("Finish creates the database and opens it.")
        where = QLabel(
            "Your incidents are kept in this file, on this computer only (other workstations "
            f"cannot see them):\n\n{connection.local_url()[len('sqlite:///'):]}\n\n"
            "File > Change connection… moves to a shared server later."
        )
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo = QCheckBox("Fill it with the &demo desk (demo users and incidents to try)")
        self.demo.setChecked(True)
        demo_note = QLabel(
            "Without it the desk starts empty: its first admin is added with "
            "'incidentdesk users add NAME --name \"Full Name\" --role admin'."
        )
        demo_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(where)
        layout.addWidget(self.demo)
        layout.addWidget(demo_note)
        layout.addStretch(1)

    def nextId(self) -> int:
        return -1


class ServerPage(QWizardPage):
    def __init__(self, runner: TaskRunner) -> None:
        super().__init__()
        self._runner = runner
        self.setTitle("The shared PostgreSQL server")
        self.setSubTitle("Your administrator gives you these. Test the connection before you finish.")
        self.host = QLineEdit()
        self.host.setPlaceholderText("db.example.com")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.port.setMaximumWidth(110)
        self.database = QLineEdit("incidentdesk")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.tls = QComboBox()
        for mode in connection.SSL_MODES:
            self.tls.addItem(TLS_LABELS[mode], mode)
        for widget, name in (
            (self.host, "Host"), (self.port, "Port"), (self.database, "Database"),
            (self.user, "User"), (self.password, "Password"), (self.tls, "TLS mode"),
        ):  # fmt: skip
            widget.setAccessibleName(name)
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.test_button = QPushButton("&Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.schema_button = QPushButton()
        self.schema_button.clicked.connect(self.create_or_upgrade)
        self.schema_button.hide()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Connection test result")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setMinimumHeight(64)
        self.result.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        form = QFormLayout()
        form.addRow("&Host:", self.host)
        form.addRow("P&ort:", self.port)
        form.addRow("&Database:", self.database)
        form.addRow("&User:", self.user)
        form.addRow("&Password:", self.password)
        form.addRow("T&LS mode:", self.tls)
        buttons = QHBoxLayout()
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.schema_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.keyring_note)
        layout.addLayout(buttons)
        layout.addWidget(self.result, 1)

        self.last: Check | None = None
        self._tested: tuple[str, str] | None = None  # (url, password) the result is for
        for line in (self.host, self.database, self.user, self.password):
            line.textChanged.connect(self._changed)
        self.port.valueChanged.connect(self._changed)
        self.tls.currentIndexChanged.connect(self._changed)
        if connection.keyring_available():
            self.keyring_note.setText("The password is kept in this computer's keyring.")
        else:
            self.keyring_note.setText(
                "This computer has no keyring: the password is asked at each start, and never "
                "written to a file."
            )

    # -- the form ---------------------------------------------------------------------------
    def shared(self) -> Shared:
        return Shared(
            host=self.host.text().strip(),
            port=self.port.value(),
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            sslmode=str(self.tls.currentData()),
        )

    def fill(self, shared: Shared) -> None:
        self.host.setText(shared.host)
        self.port.setValue(shared.port)
        self.database.setText(shared.database)
        self.user.setText(shared.user)
        self.tls.setCurrentIndex(max(0, self.tls.findData(shared.sslmode)))

    def _changed(self, *_args: object) -> None:
        if self._tested is not None:
            self._tested = None
            self.last = None
            self.result.setText("Changed: test the connection again.")
            self.schema_button.hide()
            self.completeChanged.emit()

    def nextId(self) -> int:
        return -1

    def isComplete(self) -> bool:
        return self.last is not None and self.last.usable and self._tested is not None

    # -- testing ----------------------------------------------------------------------------
    def _url(self) -> str | None:
        try:
            return self.shared().url()
        except DeskError as exc:
            self.result.setText(str(exc))
            return None

    def test_connection(self) -> None:
        url = self._url()
        if url is None:
            return
        password = self.password.text()
        shared = self.shared()
        self.result.setText(f"Connecting to {shared.host}:{shared.port}…")
        self.test_button.setEnabled(False)
        self.schema_button.hide()
        full = connection.with_password(url, password)
        self._runner.run(
            lambda: connection.check(full, shared),
            lambda check: self._checked(url, password, check),
            self._failed,
            key="connection-test",
        )

    def _checked(self, url: str, password: str, check: Check) -> None:
        self.test_button.setEnabled(True)
        self.last = check
        self._tested = (url, password)
        self.result.setText(check.message)
        if check.connected and check.schema in (Schema.EMPTY, Schema.OLDER):
            self.schema_button.setText(
                "&Create the schema" if check.schema is Schema.EMPTY else "&Upgrade the schema"
            )
            self.schema_button.show()
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        self.result.setText(f"The connection test failed: {exc}")

    def create_or_upgrade(self) -> None:
        if self._tested is None:
            return
        url, password = self._tested
        full = connection.with_password(url, password)
        self.schema_button.setEnabled(False)
        self.result.setText("Creating or upgrading the schema… (this can take a minute)")
        self._runner.run(
            lambda: (connection.create_or_upgrade(full), connection.check(full, self.shared()))[1],
            lambda check: self._schema_done(url, password, check),
            self._schema_failed,
            key="connection-schema",
            write=True,
            what="the schema",
        )

    def _schema_done(self, url: str, password: str, check: Check) -> None:
        self.schema_button.setEnabled(True)
        self.schema_button.hide()
        self._checked(url, password, check)
        if check.usable:
            self.result.setText(f"Schema ready. {check.message}")

    def _schema_failed(self, exc: BaseException) -> None:
        self.schema_button.setEnabled(True)
        self.result.setText(
            f"The schema could not be created or upgraded: {exc}. The database user needs the "
            "right to create tables (ask your administrator, or run 'incidentdesk db upgrade' "
            "as the database's owner)."
        )


class ConnectionWizard(QWizard):
    """The wizard; after exec(), `chosen` is the DatabaseConfig to open (with the password
    for this session only), or None."""

    def __init__(
        self,
        runner: TaskRunner,
        *,
        current: DatabaseConfig | None = None,
        site: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect Incident Desk")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(620, 520)
        self.kind = KindPage()
        self.server = ServerPage(runner)
        self.setPage(KIND_PAGE, self.kind)
        self.setPage(SERVER_PAGE, self.server)
        self.local_page = LocalPage()
        self.setPage(LOCAL_PAGE, self.local_page)
        self.chosen: DatabaseConfig | None = None
        self.demo = False  # this computer only, with the demo desk
        self.saved_password = False
        self._site = site
        url = site or (current.url if current else None)
        if url and url.startswith("postgresql"):
            self.server.fill(Shared.from_url(url))
            if site:  # the installer answered where: only the password is asked
                self.setStartId(SERVER_PAGE)
                self.server.setSubTitle(
                    "Your site's server is set up already: type your password, then test the "
                    "connection."
                )
                for w in (self.server.host, self.server.port, self.server.database):
                    w.setEnabled(False)
                self.server.password.setFocus()
        elif current is not None and url and url.startswith("sqlite"):
            self.kind.local.setChecked(True)

    def accept(self) -> None:
        if self.kind.local.isChecked() and self._site is None:
            url = connection.local_url()
            connection.save(url)
            self.chosen = DatabaseConfig(url, "connection wizard")
            self.demo = self.local_page.demo.isChecked()
            super().accept()
            return
        if not self.server.isComplete() or self.server._tested is None:
            return
        url, password = self.server._tested
        if self._site is None:  # the site's own address stays the site's (an admin may move it)
            connection.save(url)
        if password:
            self.saved_password = connection.store_password(url, password)
        self.chosen = DatabaseConfig(connection.with_password(url, password), "connection wizard")
        super().accept()


def choose_connection(
    runner: TaskRunner,
    *,
    current: DatabaseConfig | None = None,
    site: str | None = None,
    parent: QWidget | None = None,
) -> DatabaseConfig | None:
    wizard = ConnectionWizard(runner, current=current, site=site, parent=parent)
    global last_wizard
    last_wizard = wizard
    if wizard.exec() != QWizard.DialogCode.Accepted:
        return None
    return wizard.chosen


last_wizard: ConnectionWizard | None = None  # for tests: the last wizard shown


def for_start(
    config: DatabaseConfig, runner: TaskRunner, *, first_run: bool
) -> tuple[DatabaseConfig, bool] | None:
    """(the database to open at start, whether to fill it with the demo desk), the wizard
    shown when it has to be: on the first run, and when the server asks a password this
    workstation does not have (no keyring, or one that no longer works). None: cancelled."""
    if first_run:
        chosen = choose_connection(runner)
        if chosen is None or last_wizard is None:
            return None
        return chosen, last_wizard.demo
    if not connection.needs_password(config.url):
        return config, False
    password = connection.stored_password(config.url)
    url = connection.with_password(config.url, password)
    check = connection.check(url)
    if check.failure not in (connection.Failure.PASSWORD_NEEDED, connection.Failure.WRONG_PASSWORD):
        return DatabaseConfig(url, config.source), False  # working, or what the start reports
    from app.db.config import user_config_file

    # the site's (installer's or machine's) address: only the password is asked; the user's own
    # address (saved by this wizard): every field can change
    site = None if config.source in ("connection wizard", str(user_config_file())) else config.url
    chosen = choose_connection(runner, current=config, site=site)
    return None if chosen is None else (chosen, False)


def change_connection(parent: QWidget, runner: TaskRunner, current_url: str) -> bool:
    """File > Change connection…: the wizard on the current address; True when a new one was
    saved (used from the next start, which it offers now)."""
    from PySide6.QtWidgets import QMessageBox

    chosen = choose_connection(runner, current=DatabaseConfig(current_url, "current"), parent=parent)
    if chosen is None:
        return False
    answer = QMessageBox.question(
        parent,
        "Connection changed",
        f"Incident Desk opens {connection.label(chosen.url)} from its next start. Restart now?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
    )
    if answer == QMessageBox.StandardButton.Yes:
        restart(parent)
    return True


def restart(window: QWidget) -> None:
    import sys

    from PySide6.QtCore import QProcess

    args = sys.argv[1:] if getattr(sys, "frozen", False) else sys.argv
    QProcess.startDetached(sys.executable, args)
    window.close()
