"""The incident window's Tasks tab, driven like a user: ask Network for a task, see it on Ben's
workstation by itself, Ben starts and closes it; resolving is refused while a task is open."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from app.domain.lifecycle import State
from app.domain.tasks import TaskState
from app.services import incidents, queries, tasks
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow
from app.views.incident.tasks_tab import COLUMNS, TasksTableModel
from app.views.main_window import MainWindow
from tests.qt.conftest import BOTH_ENGINES

ALT = Qt.KeyboardModifier.AltModifier


def _window(qtbot, desk, runner, actor, incident_id: int) -> IncidentWindow:  # type: ignore[no-untyped-def]
    win = IncidentWindow(desk, actor, runner, incident_id)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.record is not None and win._lookups is not None)
    return win


def _ok(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)


def _tick(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    """A click on a check box's or radio button's indicator (its middle may be empty space)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def _cells(win: IncidentWindow) -> list[list[str]]:
    m = win.tasks_tab.model
    return [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]


@pytest.mark.parametrize("world", BOTH_ENGINES, indirect=True)
def test_a_task_for_network_shows_on_a_second_workstation(qtbot, world, runner, other_desk) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk, world.ana, NewIncident("VPN drops every hour", impact=2, urgency=2, group_id=world.service_desk)
    )
    ana = _window(qtbot, world.desk, runner, world.ana, rec.id)
    # workstation B: Ben of Network has the incident open
    ben_main = MainWindow(other_desk, other_desk.actor("ben"), runner, database="b.sqlite3")
    qtbot.addWidget(ben_main)
    ben_main.show()
    assert ben_main.feed.wait_ready()
    ben = ben_main.open_incident(rec.id)
    qtbot.waitUntil(lambda: ben.record is not None and ben._lookups is not None)
    ana.activateWindow()
    qtbot.waitUntil(ana.isActiveWindow)
    qtbot.keyClick(ana, Qt.Key.Key_K, ALT)
    assert ana.tabs.currentWidget() is ana.tasks_tab
    assert "No tasks" in ana.tasks_tab.summary.text()

    qtbot.mouseClick(ana.tasks_tab.add_button, Qt.MouseButton.LeftButton)
    dialog = ana.tasks_tab.last_dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.title_edit, "Check the firewall logs")
    qtbot.keyClicks(dialog.description_edit, "Drops at 10:00 and 11:00")
    dialog.group_combo.setCurrentIndex(dialog.group_combo.findText("Network"))
    qtbot.waitUntil(lambda: dialog.assignee_combo.findText("Ben Network") >= 0)
    dialog.assignee_combo.setCurrentIndex(dialog.assignee_combo.findText("Ben Network"))
    _tick(qtbot, dialog.due_check)
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(lambda: ana.tasks_tab.model.rowCount() == 1)
    number, title, state, group, assignee, due = _cells(ana)[0]
    assert (number, title, state, group, assignee) == (
        "TASK0000001", "Check the firewall logs", "Open", "Network", "Ben Network"
    )
    assert due != "—"
    assert ana.tasks_tab.summary.text() == "1 open of 1"

    # Ben's window shows it without anyone pressing anything (the change feed)
    qtbot.waitUntil(lambda: ben.tasks_tab.model.rowCount() == 1, timeout=5000)
    assert _cells(ben)[0][:3] == ["TASK0000001", "Check the firewall logs", "Open"]
    # and so does Network's list of tasks
    assert [t.number for t in tasks.group_tasks(other_desk, [world.network])] == ["TASK0000001"]

    # Ben starts it (the task is his group's)
    ben.tasks_tab.table.selectRow(0)
    assert ben.tasks_tab.start_button.isEnabled()
    qtbot.mouseClick(ben.tasks_tab.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _cells(ben) and _cells(ben)[0][2] == "Work in progress", timeout=5000)
    assert tasks.get_task(world.desk, "TASK0000001").state is TaskState.WORK_IN_PROGRESS

    ben.tabs.setCurrentWidget(ben.tasks_tab)
    ben.grab().save("/tmp/tasks_ben.png")
    for w in (ana, ben):
        w.discard_ok = True
        w.close()
    ben_main.shutdown()
    runner.wait()


def test_resolve_is_refused_while_a_task_is_open_then_closing_it_lets_it(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk, world.ana, NewIncident("Printer offline", impact=3, urgency=3, group_id=world.service_desk)
    )
    incidents.start_work(world.desk, world.ana, rec.id, None)
    t = tasks.add_task(world.desk, world.ana, rec.id, "Replace the fuser", group_id=world.network)
    win = _window(qtbot, world.desk, runner, world.ana, rec.id)
    qtbot.waitUntil(lambda: win.tasks_tab.model.rowCount() == 1)

    dialog = win.trigger("resolve")
    qtbot.waitUntil(dialog.isVisible)
    dialog.fields["resolution_code"].setCurrentIndex(1)
    qtbot.keyClicks(dialog.fields["resolution_notes"], "Printer back online")
    _ok(qtbot, dialog)
    qtbot.waitUntil(dialog.message.isVisible)
    assert f"1 open task ({t.number})" in dialog.message.text()
    assert dialog.isVisible()  # nothing typed is lost
    assert dialog.fields["resolution_notes"].toPlainText() == "Printer back online"
    assert queries.get_incident(world.desk, rec.id).state is State.IN_PROGRESS
    dialog.reject()

    # Ana (the incident's group) closes it incomplete: a note is required
    win.tasks_tab.table.selectRow(0)
    close = win.tasks_tab.close_task()
    qtbot.waitUntil(close.isVisible)
    _tick(qtbot, close.incomplete)
    assert close.incomplete.isChecked()
    _ok(qtbot, close)
    qtbot.waitUntil(close.message.isVisible)
    assert "a note is required" in close.message.text()
    qtbot.keyClicks(close.note_edit, "Printer replaced instead")
    close.minutes.setValue(20)
    win.tasks_tab.grab().save("/tmp/tasks_tab_close.png")
    close.grab().save("/tmp/tasks_close_dialog.png")
    _ok(qtbot, close)
    qtbot.waitUntil(lambda: not close.isVisible())
    qtbot.waitUntil(lambda: _cells(win)[0][2] == "Closed incomplete")
    assert tasks.get_task(world.desk, t.id).time_worked_s == 1200
    assert not win.tasks_tab.close_button.isEnabled()
    assert "closed task" in win.tasks_tab.close_button.toolTip()

    dialog = win.trigger("resolve")
    qtbot.waitUntil(dialog.isVisible)
    dialog.fields["resolution_code"].setCurrentIndex(1)
    qtbot.keyClicks(dialog.fields["resolution_notes"], "Printer back online")
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert queries.get_incident(world.desk, rec.id).state is State.RESOLVED
    win.tabs.setCurrentWidget(win.tasks_tab)
    win.resize(1040, 760)
    win.grab().save("/tmp/tasks_window.png")
    win.discard_ok = True
    win.close()
    runner.wait()


def test_resolve_closing_the_open_tasks_with_a_reason(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk, world.ana, NewIncident("Mail slow", impact=3, urgency=3, group_id=world.service_desk)
    )
    incidents.start_work(world.desk, world.ana, rec.id, None)
    t = tasks.add_task(world.desk, world.ana, rec.id, "Check the queue", group_id=world.messaging)
    win = _window(qtbot, world.desk, runner, world.ana, rec.id)
    dialog = win.trigger("resolve")
    qtbot.waitUntil(dialog.isVisible)
    dialog.fields["resolution_code"].setCurrentIndex(1)
    qtbot.keyClicks(dialog.fields["resolution_notes"], "Queue drained")
    qtbot.keyClicks(dialog.fields["tasks"], "the queue drained by itself")
    dialog.grab().save("/tmp/tasks_resolve_dialog.png")
    _ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    closed = tasks.get_task(world.desk, t.id)
    assert (closed.state, closed.close_note) == (TaskState.CLOSED_INCOMPLETE, "the queue drained by itself")
    qtbot.waitUntil(lambda: win.tasks_tab.model.rowCount() == 1 and _cells(win)[0][2] == "Closed incomplete")
    win.discard_ok = True
    win.close()
    runner.wait()


def test_the_tasks_model_passes_the_model_tester(qtmodeltester, world) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("x", impact=3, urgency=3))
    tasks.add_task(world.desk, world.ana, rec.id, "One", group_id=world.network)
    tasks.add_task(world.desk, world.ana, rec.id, "Two", group_id=world.messaging)
    model = TasksTableModel(world.desk.zone)
    model.set_rows(tasks.incident_tasks(world.desk, rec.id))
    qtmodeltester.check(model)
    assert model.columnCount() == len(COLUMNS) and model.rowCount() == 2
    wide = TasksTableModel(world.desk.zone, with_incident=True)
    wide.set_rows(tasks.group_tasks(world.desk, [world.network, world.messaging]))
    qtmodeltester.check(wide)
    assert wide.columnCount() == len(COLUMNS) + 1 and wide.index(0, 1).data() == rec.number


def test_time_worked_on_a_note_shows_in_the_totals(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk, world.ana, NewIncident("Laptop slow", impact=3, urgency=3, group_id=world.service_desk)
    )
    win = _window(qtbot, world.desk, runner, world.ana, rec.id)
    assert win.time_label.text() == ""
    qtbot.keyClicks(win.journal_edit, "Cleaned the startup items")
    win.journal_minutes.selectAll()
    qtbot.keyClicks(win.journal_minutes, "25")
    qtbot.mouseClick(win.add_note_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.time_label.text() != "")
    assert win.time_label.text() == "Worked 25 min: Ana Agent 25 min · Service Desk 25 min"
    assert "worked 25 min" in win.journal_view.toPlainText()
    assert win.journal_minutes.value() == 0 and win.journal_edit.toPlainText() == ""
    win.grab().save("/tmp/time_worked.png")
    win.discard_ok = True
    win.close()
    runner.wait()


@pytest.mark.parametrize("world", BOTH_ENGINES, indirect=True)
def test_my_groups_tasks_on_a_second_workstation(qtbot, world, runner, other_desk) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk, world.ana, NewIncident("VPN drops", impact=2, urgency=2, group_id=world.service_desk)
    )
    tasks.add_task(world.desk, world.ana, rec.id, "Check the firewall", group_id=world.network)
    tasks.add_task(world.desk, world.ana, rec.id, "Not Network's", group_id=world.messaging)
    ben_main = MainWindow(other_desk, other_desk.actor("ben"), runner, database="b.sqlite3")
    qtbot.addWidget(ben_main)
    ben_main.show()
    assert ben_main.feed.wait_ready()
    ben_main.group_tasks_action.trigger()
    view = ben_main.group_tasks_window
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    m = view.model
    assert [m.index(0, c).data() for c in range(3)] == ["TASK0000001", "INC0000001", "Check the firewall"]
    # Ana asks Network for another piece of work on her workstation: it shows here by itself
    tasks.add_task(world.desk, world.ana, rec.id, "Replace the switch", group_id=world.network)
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5000)
    assert view.count_label.text() == "2 open tasks"
    view.grab().save("/tmp/group_tasks.png")
    qtmodel_rows = [m.index(r, 0).data() for r in range(m.rowCount())]
    assert qtmodel_rows == ["TASK0000001", "TASK0000003"]
    view.table.selectRow(0)
    view._open(0)
    qtbot.waitUntil(lambda: rec.id in ben_main._windows)
    for w in list(ben_main._windows.values()):
        w.discard_ok = True  # type: ignore[attr-defined]
        w.close()
    ben_main.shutdown()
    runner.wait()
