"""Signing in on PostgreSQL with login roles, through the real dialog, on a server that checks
passwords: the agent's own role authenticates, and the window they then work in logs an
incident as that role; a wrong password is the one message and no desk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from app.db import pg_roles
from app.db.engine import make_engine
from app.services.context import Desk
from app.views.main_window import MainWindow
from app.views.new_incident import NewIncidentDialog
from app.views.signin import SignInDialog
from tests.scram_pg import PASSWORDS, ScramDesk

pytestmark = pytest.mark.pg


@pytest.fixture
def desk(scram_server: ScramDesk) -> Iterator[Desk]:
    d = Desk(make_engine(scram_server.url))
    d.load_zone()
    yield d
    d.engine.dispose()


def _sign_in(qtbot, dialog: SignInDialog, name: str, password: str) -> None:  # type: ignore[no-untyped-def]
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, name)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_an_agent_signs_in_as_their_own_role_and_logs(qtbot, runner, scram_server, desk) -> None:  # type: ignore[no-untyped-def]
    dialog = SignInDialog(desk, runner, database="desk")
    qtbot.addWidget(dialog)
    dialog.show()
    _sign_in(qtbot, dialog, "ann", PASSWORDS["ann"])
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10000)
    own = dialog.desk
    role = pg_roles.login_role(scram_server.prefix, "ann")
    assert own is not desk and own.engine.url.username == role
    window = MainWindow(own, dialog.actor, runner, database="desk")  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.feed.wait_ready()
        window.select_view("All open")
        window.new_action.trigger()  # File > New incident…
        qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
        form = window.findChild(NewIncidentDialog)
        qtbot.waitUntil(lambda: form.impact.currentData() is not None)
        qtbot.keyClicks(form.title, "VPN refuses my token")
        qtbot.keyClick(form.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: form.record is not None, timeout=10000)
        record = form.record
        qtbot.waitUntil(lambda: window.model.row_of(record.id) is not None, timeout=10000)
        with desk.read() as conn:  # the window's listener and queries: ann's role, nobody else's
            names = set(
                conn.execute(
                    text(
                        "SELECT usename || ' ' || application_name FROM pg_stat_activity "
                        "WHERE datname = 'desk' AND pid <> pg_backend_pid() "
                        "AND application_name LIKE 'incidentdesk%'"
                    )
                ).scalars()
            )
        assert f"{role} incidentdesk-listener" in names
        assert {n.split(" ")[0] for n in names} <= {role, "postgres"}  # postgres: `desk`'s own
    finally:
        window.shutdown()
        runner.wait()
        own.engine.dispose()
    with desk.read() as conn:
        title = conn.execute(
            text("SELECT title FROM incidents WHERE id = :i"), {"i": record.id}
        ).scalar()
    assert title == "VPN refuses my token"


def test_a_wrong_password_through_the_dialog(qtbot, runner, desk) -> None:  # type: ignore[no-untyped-def]
    dialog = SignInDialog(desk, runner, database="desk")
    qtbot.addWidget(dialog)
    dialog.show()
    _sign_in(qtbot, dialog, "ann", "not-" + PASSWORDS["ann"])
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=10000)
    assert dialog.message.text() == "Wrong user name or password"
    assert dialog.actor is None and dialog.desk is desk
    assert dialog.buttons.isEnabled()
