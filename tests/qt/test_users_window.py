"""Admin > Users, driven as an admin: add a user, change the role and groups, reset the password
(generated and shown once, or typed twice), deactivate, a delete refused with the referrers
named; the History tab shows the admin audit; other roles are refused."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services import incidents, users
from app.services.incidents import NewIncident
from app.views.admin.users_window import PasswordDialog, UsersWindow
from tests.qt.conftest import open_main


def _window(qtbot, world, runner) -> UsersWindow:  # type: ignore[no-untyped-def]
    window = UsersWindow(world.desk, world.admin, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.list_model.rowCount() == 4)
    return window


def _row_of(window: UsersWindow, username: str) -> int:
    return next(i for i, p in enumerate(window.people) if p.username == username)


def _pick(qtbot, window: UsersWindow, username: str) -> None:  # type: ignore[no-untyped-def]
    window.table.setFocus()
    window.table.selectRow(_row_of(window, username))
    qtbot.waitUntil(lambda: window.current is not None and window.current.username == username)


def test_add_edit_reset_deactivate_and_the_history(
    qtbot, world, runner, no_dialogs, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, world, runner)
    qtmodeltester.check(window.list_model)
    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(window.username, "dora")
    qtbot.keyClicks(window.full_name, "Dora Desk")
    window.role.setCurrentIndex(window.role.findData("specialist"))
    network = next(
        i
        for i in range(window.group_list.count())
        if window.group_list.item(i).text().startswith("Network")
    )
    window.group_list.item(network).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.list_model.rowCount() == 5)
    qtbot.waitUntil(lambda: window.current is not None and window.current.username == "dora")
    assert window.list_model.rows[_row_of(window, "dora")][1:4] == (
        "Dora Desk",
        "Specialist",
        "Network",
    )

    # change the role; the History tab says so
    window.role.setCurrentIndex(window.role.findData("supervisor"))
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.message.text() == "Saved dora")
    qtbot.waitUntil(
        lambda: ("Role", "Specialist", "Supervisor") in [r[2:5] for r in window.history_model.rows]
    )
    assert window.history_model.rows[0][1] == "Dev Admin"

    # a generated password, shown once, works
    window.ask_password = lambda _u: (True, None)
    qtbot.mouseClick(window.password_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.message.text() == "The password of dora is reset")
    shown = [m for m in no_dialogs if "The new password of dora is" in m]
    assert len(shown) == 1
    new = shown[0].split("is:\n\n")[1].split("\n")[0]
    assert users.authenticate(world.desk, "dora", new).username == "dora"

    # deactivate
    qtbot.mouseClick(window.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.list_model.rows[_row_of(window, "dora")][4] == "Deactivated")
    assert window.active_button.text() == "&Activate"
    assert window.status_label.text() == "Deactivated: cannot sign in"


def test_the_password_dialog_wants_the_same_password_twice(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = PasswordDialog("ana")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.first, "correct-horse")
    qtbot.keyClicks(dialog.second, "correct-hors")
    qtbot.keyClick(dialog.second, Qt.Key.Key_Return)
    assert (
        dialog.isVisible()
        and dialog.error.text() == "The two passwords differ: type the same one twice"
    )
    qtbot.keyClicks(dialog.second, "e")
    qtbot.keyClick(dialog.second, Qt.Key.Key_Return)
    assert not dialog.isVisible() and dialog.password() == "correct-horse"


def test_delete_refused_names_the_incidents(qtbot, world, runner, no_dialogs) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk, world.ana, NewIncident("Printer jam", impact=3, urgency=3)
    )
    window = _window(qtbot, world, runner)
    _pick(qtbot, window, "ana")
    qtbot.mouseClick(window.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.message.text().startswith("Ana Agent cannot be deleted"))
    assert f"1 incident (1 open: {rec.number})" in window.message.text()
    assert any("Deactivate the user instead" in m for m in no_dialogs)
    assert "ana" in {u.username for u in users.list_users(world.desk)}


def test_other_roles_are_refused(qtbot, world, runner, no_dialogs) -> None:  # type: ignore[no-untyped-def]
    window = open_main(qtbot, world, runner, world.carla)
    try:
        assert not window.users_action.isEnabled()
        assert window.users_action.toolTip().startswith("Only an admin may manage users")
        assert window.open_users_window() is None
        assert len(no_dialogs) == 1 and "carla is a supervisor" in no_dialogs[0]
    finally:
        window.shutdown()
        runner.wait()
