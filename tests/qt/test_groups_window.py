"""Admin > Groups, driven as an admin: a group's line, supervisor, e-mail, assignment mode and
members changed with the keyboard and the mouse and saved, the History tab showing each change;
a new group added and deactivated; deactivating and deleting refused with the referrers named;
a change on another workstation reaching the open window (a draft being typed kept); an agent
refused."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.services import catalog, incidents
from app.services.incidents import NewIncident
from app.views.admin.groups_window import GroupsWindow, open_groups_window
from tests.qt.conftest import BOTH_ENGINES, open_main


def _window(qtbot, world, runner) -> GroupsWindow:  # type: ignore[no-untyped-def]
    window = GroupsWindow(world.desk, world.admin, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.list_model.rowCount() == 3 and window.current is not None)
    return window


def _pick(qtbot, window: GroupsWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    row = next(i for i, g in enumerate(window.groups) if g.name == name)
    window.table.setFocus()
    window.table.selectRow(row)
    qtbot.waitUntil(lambda: window.current is not None and window.current.name == name)


def _row(window: GroupsWindow, name: str) -> tuple[str, ...]:
    return next(r for r in window.list_model.rows if r[0] == name)


def _member(window: GroupsWindow, username: str):  # type: ignore[no-untyped-def]
    return next(
        window.member_list.item(i)
        for i in range(window.member_list.count())
        if window.member_list.item(i).data(Qt.ItemDataRole.UserRole) == username
    )


def test_line_supervisor_email_assignment_members_saved_and_in_history(
    qtbot, world, runner, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, world, runner)
    qtmodeltester.check(window.list_model)
    assert [r[0] for r in window.list_model.rows] == ["Service Desk", "Messaging", "Network"]
    assert _row(window, "Service Desk")[1:] == (
        "1st line", "Carla Supervisor", "Manual", "2", "0", "Active",
    )  # fmt: skip
    _pick(qtbot, window, "Messaging")
    window.line.setFocus()
    qtbot.keyClick(window.line, Qt.Key.Key_Down)  # 2nd -> 3rd line
    window.supervisor.setCurrentIndex(window.supervisor.findData("ben"))
    window.supervisor.activated.emit(window.supervisor.currentIndex())
    qtbot.keyClicks(window.email, "messaging@example.com")
    window.assignment.setFocus()
    qtbot.keyClick(window.assignment, Qt.Key.Key_Down)  # Manual -> Round robin
    ben = _member(window, "ben")
    window.member_list.setCurrentItem(ben)
    qtbot.keyClick(window.member_list, Qt.Key.Key_Space)
    assert ben.checkState() == Qt.CheckState.Checked
    assert window.dirty
    qtbot.keyClicks(window.reason, "Mail moves to the vendor team")
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.message.text() == "Saved Messaging")
    qtbot.waitUntil(lambda: _row(window, "Messaging")[1] == "3rd line")
    assert _row(window, "Messaging")[1:] == (
        "3rd line", "Ben Network", "Round robin", "1", "0", "Active",
    )  # fmt: skip
    got = catalog.group_detail(world.desk, "Messaging")
    assert (got.line, got.email, got.assignment, got.members) == (
        3, "messaging@example.com", "round_robin", (("ben", "Ben Network"),),
    )  # fmt: skip
    qtbot.waitUntil(lambda: len(window.history_model.rows) >= 5)
    changes = {r[2:5] for r in window.history_model.rows}
    assert {
        ("Support line", "Line 2", "Line 3"),
        ("Supervisor", "", "Ben Network"),
        ("E-mail", "", "messaging@example.com"),
        ("Assignment", "Manual", "Round robin"),
        ("Members", "", "Ben Network"),
    } <= changes
    assert window.history_model.rows[0][1] == "Dev Admin"
    assert window.history_model.rows[0][5] == "Mail moves to the vendor team"
    assert window.reason.text() == ""  # a reason is for one change
    qtmodeltester.check(window.history_model)

    # removing a member with the mouse
    _pick(qtbot, window, "Service Desk")
    ana = _member(window, "ana")
    ana.setCheckState(Qt.CheckState.Unchecked)
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _row(window, "Service Desk")[4] == "1")
    assert catalog.group_detail(world.desk, "Service Desk").members == (
        ("carla", "Carla Supervisor"),
    )


def test_a_new_group_added_then_deactivated(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, world, runner)
    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)
    assert window.save_button.text() == "&Add group" and window.name.hasFocus()
    qtbot.keyClicks(window.name, "Desktop")
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.list_model.rowCount() == 4)
    qtbot.waitUntil(lambda: window.current is not None and window.current.name == "Desktop")
    assert window.message.text() == "Added the group Desktop"
    qtbot.mouseClick(window.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _row(window, "Desktop")[6] == "Deactivated")
    assert window.active_button.text() == "&Activate"
    assert window.status_label.text() == "Deactivated: not offered for new incidents"
    # a name taken: said in words, the field gets the focus, the typing stays
    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(window.name, "Network")
    qtbot.mouseClick(window.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.message.error)
    assert window.message.text() == "A group named 'Network' exists already"
    assert window.name.text() == "Network" and window.name.hasFocus()
    # an incident's Assign dialog no longer offers it
    from tests.qt.test_incident_actions import CTRL, SHIFT, _action, _close
    from tests.qt.test_incident_actions import _window as incident_window

    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Printer jam"))
    inc = incident_window(qtbot, world, runner, world.carla, rec.id)
    dialog = _action(qtbot, inc, Qt.Key.Key_A, CTRL | SHIFT)
    group = dialog.fields["group"]
    offered = [group.itemText(i) for i in range(group.count())]
    assert "Network" in offered and "Desktop" not in offered
    dialog.reject()
    _close(inc)


def test_deactivate_and_delete_refused_naming_what_refers_to_the_group(
    qtbot, world, runner, no_dialogs
) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk,
        world.ana,
        NewIncident("VPN drops", impact=2, urgency=2, category_id=world.vpn_category),
    )
    assert rec.group_name == "Network"
    window = _window(qtbot, world, runner)
    _pick(qtbot, window, "Network")
    assert window.status_label.text() == "Active: 1 open incident"
    qtbot.mouseClick(window.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.message.error)
    assert window.message.text() == (
        "The group Network cannot be deactivated while something routes to it: "
        f"1 open incident ({rec.number}); 2 active categories (Network, VPN). Move them to "
        "another group first"
    )
    qtbot.mouseClick(window.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot be deleted" in window.message.text())
    assert window.message.text() == (
        f"The group Network cannot be deleted, referred to by 1 incident (1 open: {rec.number}); "
        "2 categories (Network, VPN). Rename it or move what refers to it first"
    )
    assert any("cannot be deleted" in m for m in no_dialogs)
    assert _row(window, "Network")[6] == "Active"


@pytest.mark.parametrize("world", BOTH_ENGINES, indirect=True)
def test_a_change_on_another_workstation_reaches_the_open_window(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    main = open_main(qtbot, world, runner, world.admin)
    try:
        window = main.open_groups_window()
        assert isinstance(window, GroupsWindow)
        qtbot.addWidget(window)
        qtbot.waitUntil(lambda: window.current is not None)
        _pick(qtbot, window, "Network")
        catalog.edit_group(
            other_desk, other_desk.actor("admin"), "Messaging", assignment="least_loaded"
        )
        qtbot.waitUntil(lambda: _row(window, "Messaging")[3] == "Least loaded", timeout=10_000)
        # a draft being typed is kept when another change arrives
        qtbot.keyClicks(window.email, "net@example.com")
        catalog.edit_group(other_desk, other_desk.actor("admin"), "Messaging", line=3)
        qtbot.waitUntil(lambda: _row(window, "Messaging")[1] == "3rd line", timeout=10_000)
        assert window.email.text() == "net@example.com"
        assert window.message.text().startswith("Changed on another workstation")
        assert window.current is not None and window.current.name == "Network"
    finally:
        main.shutdown()
        runner.wait()


def test_an_agent_is_refused(qtbot, world, runner, no_dialogs) -> None:  # type: ignore[no-untyped-def]
    window = open_main(qtbot, world, runner, world.ana)
    try:
        assert not window.groups_action.isEnabled()
        assert window.groups_action.toolTip().startswith("Only an admin may configure")
        assert window.open_groups_window() is None
        assert open_groups_window(world.desk, world.ana, runner) is None
        assert len(no_dialogs) == 2 and "ana is an agent" in no_dialogs[0]
    finally:
        window.shutdown()
        runner.wait()


def _letters(widget) -> list[str]:  # type: ignore[no-untyped-def]
    """The Alt+letter of every visible label, button and tab in `widget`."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QTabBar

    texts = [w.text() for w in widget.findChildren(QLabel) + widget.findChildren(QAbstractButton)
             if w.isVisibleTo(widget)]  # fmt: skip
    for bar in (b for b in widget.findChildren(QTabBar) if b.isVisibleTo(widget)):
        texts += [bar.tabText(i) for i in range(bar.count())]
    out = []
    for text in texts:
        i = text.replace("&&", "").find("&")
        if i >= 0:
            out.append(text.replace("&&", "")[i + 1].lower())
    return out


def test_every_alt_letter_is_unique_for_a_new_and_a_deactivated_group(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, world, runner)
    qtbot.mouseClick(window.new_button, Qt.MouseButton.LeftButton)  # Add group
    letters = _letters(window)
    assert len(letters) == len(set(letters)), letters
    catalog.add_group(world.desk, world.admin, "Old", 3)
    catalog.set_group_active(world.desk, world.admin, "Old", False)
    window.load()
    qtbot.waitUntil(lambda: window.list_model.rowCount() == 4)
    _pick(qtbot, window, "Old")
    assert window.active_button.text() == "&Activate"
    letters = _letters(window)
    assert len(letters) == len(set(letters)), letters
