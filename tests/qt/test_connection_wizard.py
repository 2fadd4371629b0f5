"""The connection wizard as a user meets it: the first run asks where the desk is; a shared
server's connection is tested (what failed, in words), an empty schema is created from there,
Finish saves the address without the password; a site configuration from the installer leaves
only the password to type; File > Change connection… opens it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWizard
from sqlalchemy.engine import make_url

from app.db.config import DatabaseConfig, user_config_file
from app.main import database_label
from app.views import connection_wizard
from app.views.connection_wizard import LOCAL_PAGE, SERVER_PAGE, ConnectionWizard
from tests.qt.test_start_and_crash import app_state  # noqa: F401  (run_gui's names put back)


@pytest.fixture
def wizard(qtbot, runner) -> Iterator[ConnectionWizard]:  # type: ignore[no-untyped-def]
    w = ConnectionWizard(runner)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    yield w
    runner.wait()


def _finish(w: ConnectionWizard):  # type: ignore[no-untyped-def]
    return w.button(QWizard.WizardButton.FinishButton)


def test_this_computer_only_saves_the_local_database(qtbot, wizard: ConnectionWizard) -> None:
    target = QApplication.focusWidget() or wizard
    qtbot.keyClick(target, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)  # &This computer only
    qtbot.waitUntil(wizard.kind.local.isChecked)  # a mnemonic clicks after an animation
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == LOCAL_PAGE
    assert "on this computer only" in wizard.currentPage().findChild(QLabel).text()
    assert _finish(wizard).isVisible() and _finish(wizard).isEnabled()
    qtbot.mouseClick(_finish(wizard), Qt.MouseButton.LeftButton)
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert wizard.chosen is not None and wizard.chosen.url.startswith("sqlite:///")
    assert wizard.chosen.url.endswith("incidentdesk.sqlite3")
    assert f"url = {wizard.chosen.url}" in user_config_file().read_text()


def _fill(qtbot, w: ConnectionWizard, url: str, port: int | None = None) -> None:  # type: ignore[no-untyped-def]
    u = make_url(url)
    page = w.server
    for line, value in ((page.host, u.host), (page.database, u.database), (page.user, u.username)):
        line.clear()
        qtbot.keyClicks(line, str(value))
    page.port.setValue(port or u.port or 5432)


def _test(qtbot, w: ConnectionWizard) -> str:  # type: ignore[no-untyped-def]
    before = w.server.last
    qtbot.mouseClick(w.server.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.server.last is not None and w.server.last is not before, timeout=15_000)
    return w.server.result.text()


@pytest.mark.pg
def test_a_shared_server_is_tested_its_schema_created_and_saved_without_password(
    qtbot, wizard: ConnectionWizard, pg_database: str
) -> None:
    assert wizard.kind.shared.isChecked()  # the default: a desk of workstations
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentId() == SERVER_PAGE
    _fill(qtbot, wizard, pg_database, port=1)
    qtbot.keyClicks(wizard.server.password, "s3cret")
    said = _test(qtbot, wizard)
    assert "127.0.0.1:1 does not answer" in said
    assert not _finish(wizard).isEnabled()
    wizard.server.port.setValue(5432)
    assert wizard.server.result.text() == "Changed: test the connection again."
    said = _test(qtbot, wizard)
    assert "the database is empty" in said
    assert wizard.server.schema_button.isVisible() and wizard.server.schema_button.text() == "&Create the schema"
    assert not _finish(wizard).isEnabled()
    tested = wizard.server.last
    qtbot.mouseClick(wizard.server.schema_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.server.last is not tested, timeout=60_000)
    assert wizard.server.result.text().startswith("Schema ready. Connected: the database is ready")
    assert _finish(wizard).isEnabled()
    qtbot.mouseClick(_finish(wizard), Qt.MouseButton.LeftButton)
    assert wizard.result() == QWizard.DialogCode.Accepted
    saved = user_config_file().read_text()
    assert f"/{make_url(pg_database).database}?sslmode=prefer" in saved
    assert "s3cret" not in saved  # no keyring on this machine: asked at each start
    assert not wizard.saved_password
    assert "password is asked at each start" in wizard.server.keyring_note.text()
    assert wizard.chosen is not None and make_url(wizard.chosen.url).password == "s3cret"


@pytest.mark.pg
def test_a_database_that_is_not_there_is_said_so(qtbot, wizard: ConnectionWizard, pg_database: str) -> None:
    wizard.next()
    _fill(qtbot, wizard, pg_database.rsplit("/", 1)[0] + "/no_such_desk")
    assert "no database “no_such_desk”" in _test(qtbot, wizard)
    assert not _finish(wizard).isEnabled()


def test_the_installers_site_leaves_only_the_password(qtbot, runner) -> None:  # type: ignore[no-untyped-def]
    site = "postgresql+psycopg://desk@db.example.com:5433/incidentdesk?sslmode=require"
    w = ConnectionWizard(runner, current=DatabaseConfig(site, "site"), site=site)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.currentId() == SERVER_PAGE
    assert w.server.host.text() == "db.example.com" and not w.server.host.isEnabled()
    assert w.server.port.value() == 5433 and not w.server.port.isEnabled()
    assert w.server.user.text() == "desk" and w.server.user.isEnabled()
    assert w.server.tls.currentData() == "require"
    assert "type your password" in w.server.subTitle()


def test_file_menu_change_connection_opens_the_wizard(qtbot, ana_window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    asked: list[str] = []

    def choose(_runner, *, current, site=None, parent=None):  # type: ignore[no-untyped-def]
        asked.append(current.url)

    monkeypatch.setattr(connection_wizard, "choose_connection", choose)
    file_menu = ana_window.menuBar().actions()[0].menu()
    action = next(a for a in file_menu.actions() if a.text() == "Change &connection…")
    action.trigger()
    assert asked and asked[0].startswith("sqlite:///")


def test_the_status_bar_names_the_database_without_its_password() -> None:
    label = database_label("postgresql+psycopg://ana:s3cret@db.example.com/incidentdesk")
    assert label == "postgresql+psycopg://ana:***@db.example.com/incidentdesk"


def test_the_first_run_asks_then_signs_in_on_the_chosen_database(qtbot, monkeypatch, app_state) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    """No database configured: the wizard comes first; this computer only, without the demo,
    creates the local database and goes on to the sign-in."""

    from app.db.config import default_sqlite_url, resolve
    from app.main import run_gui
    from app.views.signin import SignInDialog
    from tests.qt.test_start_and_crash import when_shown

    config = resolve(None)
    assert config.source == "built-in"
    signed: list[QWizard] = []

    def choose_local(w) -> None:  # type: ignore[no-untyped-def]
        w.kind.local.setChecked(True)
        w.next()
        w.local_page.demo.setChecked(False)
        signed.append(w)
        when_shown(SignInDialog, lambda dialog: dialog.reject())
        w.accept()

    when_shown(ConnectionWizard, choose_local)
    assert run_gui(config, first_run=True) == 0
    assert signed
    assert resolve(None).url == default_sqlite_url()  # saved: the next start asks nothing
    assert (user_config_file().parent).exists()
    from app.db.engine import sqlite_path

    path = sqlite_path(default_sqlite_url())
    assert path is not None and path.exists()  # created and migrated before the sign-in


def test_cancelling_the_first_run_starts_nothing(qtbot, monkeypatch, app_state) -> None:  # noqa: F811  # type: ignore[no-untyped-def]

    from app.db.config import resolve
    from app.main import run_gui
    from tests.qt.test_start_and_crash import when_shown

    when_shown(ConnectionWizard, lambda w: w.reject())
    assert run_gui(resolve(None), first_run=True) == 0
    assert not user_config_file().exists()


def test_a_server_wanting_a_password_the_workstation_lacks_opens_the_wizard(
    qtbot, runner, monkeypatch, tmp_path  # type: ignore[no-untyped-def]
) -> None:
    """The site's address (here from the installer's file) and no keyring: the wizard asks for
    the password; the user's own saved address opens it with every field free."""
    from app.db.config import save_user_database
    from app.services import connection

    monkeypatch.setattr(
        connection, "check",
        lambda url, shared=None: connection.Check(connection.Failure.PASSWORD_NEEDED, None, "asks"),
    )  # fmt: skip
    seen: list[str | None] = []

    def choose(_runner, *, current=None, site=None, parent=None):  # type: ignore[no-untyped-def]
        seen.append(site)

    monkeypatch.setattr(connection_wizard, "choose_connection", choose)
    url = "postgresql+psycopg://desk@db.example.com/incidentdesk"
    site = DatabaseConfig(url, str(tmp_path / "incidentdesk-site.ini"))
    assert connection_wizard.for_start(site, runner, first_run=False) is None
    own = DatabaseConfig(url, str(save_user_database(url)))
    assert connection_wizard.for_start(own, runner, first_run=False) is None
    assert seen == [url, None]
