"""The incident window's actions no test drove before: assign to someone else, escalate to the
supervisor, reopen, cancel; Revert, the prompt before unsaved changes are discarded, "keep mine"
in the conflict dialog, the title limit, and a user deactivated while signed in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QRadioButton
from sqlalchemy import update

from app.domain.lifecycle import State
from app.models import Agent
from app.services import incidents, queries
from app.services.incidents import NewIncident
from app.views.dialogs import ConflictDialog
from app.views.incident import IncidentWindow
from tests.qt.test_start_and_crash import when_shown

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _window(qtbot, world, runner, actor, incident_id: int) -> IncidentWindow:  # type: ignore[no-untyped-def]
    inc = IncidentWindow(world.desk, actor, runner, incident_id)
    qtbot.addWidget(inc)
    inc.show()
    qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    return inc


def _action(qtbot, inc: IncidentWindow, key, mods):  # type: ignore[no-untyped-def]
    before = getattr(inc, "last_dialog", None)
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    qtbot.keyClick(inc, key, mods)
    qtbot.waitUntil(lambda: getattr(inc, "last_dialog", None) is not before)
    dialog = inc.last_dialog
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _done(qtbot, inc: IncidentWindow, dialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(lambda: inc.runner.pending() == 0)


def _close(inc: IncidentWindow) -> None:
    inc.discard_ok = True
    inc.close()


def test_a_supervisor_assigns_to_someone_else_an_agent_only_to_herself(qtbot, world, runner) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("VPN slow from home", impact=3, urgency=3))
    inc = _window(qtbot, world, runner, world.carla, rec.id)
    dialog = _action(qtbot, inc, Qt.Key.Key_A, CTRL | SHIFT)
    group, assignee = dialog.fields["group"], dialog.fields["assignee"]
    group.setFocus()
    qtbot.keyClicks(group, "Netw")
    qtbot.waitUntil(lambda: [assignee.itemText(i) for i in range(assignee.count())]
                    == ["(group only)", "Ben Network", "Carla Supervisor"])
    assignee.setFocus()
    qtbot.keyClicks(assignee, "Ben")
    qtbot.keyClicks(dialog.fields["reason"], "The concentrator is Network's")
    qtbot.keyClick(dialog.fields["reason"], Qt.Key.Key_Return, CTRL)
    _done(qtbot, inc, dialog)
    qtbot.waitUntil(lambda: inc.owner_label.text() == "Network (line 2) · Ben Network")
    assert inc.state_label.text().startswith("In Progress")
    qtbot.waitUntil(lambda: any(a.field == "assignee_id" for a in inc.history_rows))
    moved = next(a for a in inc.history_rows if a.field == "assignee_id")
    assert moved.by == "Carla Supervisor" and moved.reason == "The concentrator is Network's"
    _close(inc)
    # an agent may route to a group, and name only herself: nobody else is offered
    other = incidents.log_incident(world.desk, world.ana, NewIncident("Teams crashes", impact=3, urgency=3))
    mine = _window(qtbot, world, runner, world.ana, other.id)
    dialog = _action(qtbot, mine, Qt.Key.Key_A, CTRL | SHIFT)
    assignee = dialog.fields["assignee"]
    qtbot.waitUntil(lambda: assignee.count() == 2)
    assert [assignee.itemText(i) for i in range(2)] == ["(group only)", "Ana Agent"]
    assert assignee.toolTip() == "Only a specialist, a supervisor or an admin may assign an incident to someone else"
    dialog.reject()
    _close(mine)


def test_escalate_to_the_supervisor_once(qtbot, world, runner) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("CFO's laptop dead", impact=2, urgency=1))
    inc = _window(qtbot, world, runner, world.ana, rec.id)
    action = inc.actions_by_name["escalate_up"]
    assert action.isEnabled()
    dialog = _action(qtbot, inc, Qt.Key.Key_E, CTRL | SHIFT)
    qtbot.keyClick(dialog.fields["reason"], Qt.Key.Key_Return, CTRL)  # no reason: refused in the dialog
    qtbot.waitUntil(dialog.message.isVisible)
    assert "reason" in dialog.message.text().lower() and dialog.isVisible()
    qtbot.keyClicks(dialog.fields["reason"], "The CFO presents to the board at 10:00")
    qtbot.keyClick(dialog.fields["reason"], Qt.Key.Key_Return, CTRL)
    _done(qtbot, inc, dialog)
    qtbot.waitUntil(lambda: any("Escalated to supervisor Carla Supervisor" in e.body for e in inc.journal_entries))
    assert "The CFO presents to the board at 10:00" in inc.journal_view.toPlainText()
    qtbot.waitUntil(lambda: not action.isEnabled())
    assert "Unavailable:" in action.toolTip()
    assert queries.get_incident(world.desk, rec.id).escalated_to_supervisor
    _close(inc)


def test_reopen_needs_what_the_caller_said(qtbot, world, runner) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Mail rule lost", impact=3, urgency=3))
    rec = incidents.assign_to_me(world.desk, world.ana, rec.id, rec.version)
    incidents.resolve(world.desk, world.ana, rec.id, rec.version, "solution_provided", "Recreated the rule")
    inc = _window(qtbot, world, runner, world.ana, rec.id)
    assert inc.state_label.text().startswith("Resolved")
    assert not inc.title_edit.isEnabled()  # read-only until reopened
    dialog = _action(qtbot, inc, Qt.Key.Key_O, CTRL | SHIFT)
    qtbot.keyClick(dialog.fields["reopen_reason"], Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(dialog.message.isVisible)
    assert dialog.isVisible() and inc.record.state is State.RESOLVED
    qtbot.keyClicks(dialog.fields["reopen_reason"], "The rule is gone again after the restart")
    qtbot.keyClick(dialog.fields["reopen_reason"], Qt.Key.Key_Return, CTRL)
    _done(qtbot, inc, dialog)
    qtbot.waitUntil(lambda: inc.state_label.text().startswith("In Progress"))
    qtbot.waitUntil(inc.title_edit.isEnabled)
    assert not inc.actions_by_name["reopen"].isEnabled()
    _close(inc)


def test_cancel_makes_it_read_only(qtbot, world, runner) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Same as INC0000001", impact=3, urgency=3))
    mine = _window(qtbot, world, runner, world.ana, rec.id)  # an agent may not cancel: says why
    assert not mine.actions_by_name["cancel"].isEnabled()
    assert "Unavailable: Only a supervisor or an admin may cancel" in mine.actions_by_name["cancel"].toolTip()
    _close(mine)
    inc = _window(qtbot, world, runner, world.carla, rec.id)
    dialog = _action(qtbot, inc, Qt.Key.Key_X, CTRL | SHIFT)
    reason = dialog.fields["cancel_reason"]
    assert [reason.itemText(i) for i in range(reason.count())] == ["Duplicate", "Not an incident", "Logged in error"]
    reason.setFocus()
    reason.lineEdit().selectAll()
    qtbot.keyClicks(reason, "Duplicate")
    qtbot.keyClick(reason, Qt.Key.Key_Return, CTRL)
    _done(qtbot, inc, dialog)
    qtbot.waitUntil(lambda: inc.state_label.text().startswith("Cancelled"))
    qtbot.waitUntil(lambda: not inc.title_edit.isEnabled())
    assert inc.title_edit.toolTip().startswith(f"Read-only: {rec.number} is Cancelled")
    assert not inc.add_note_button.isEnabled()
    assert not any(a.isEnabled() for a in inc.actions_by_name.values())
    _close(inc)


def test_revert_then_the_prompt_before_discarding(qtbot, world, runner) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Scanner offline", impact=3, urgency=3))
    inc = _window(qtbot, world, runner, world.ana, rec.id)
    inc.title_edit.setFocus()
    inc.title_edit.selectAll()
    qtbot.keyClicks(inc.title_edit, "Scanner offline on floor 4")
    assert inc.windowTitle().startswith("* ") and inc.revert_button.isEnabled()
    qtbot.mouseClick(inc.revert_button, Qt.MouseButton.LeftButton)
    assert inc.title_edit.text() == "Scanner offline"
    assert not inc.dirty_fields() and not inc.windowTitle().startswith("* ")
    assert not inc.revert_button.isEnabled() and not inc.save_button.isEnabled()
    # typed again, Ctrl+W: asked first; No keeps the window and the text
    qtbot.keyClicks(inc.title_edit, " again")
    asked: list[str] = []

    def answer(button: QMessageBox.StandardButton):  # type: ignore[no-untyped-def]
        def act(box) -> None:  # type: ignore[no-untyped-def]
            asked.append(box.text())
            box.button(button).click()

        return act

    when_shown(QMessageBox, answer(QMessageBox.StandardButton.No))
    qtbot.keyClick(inc, Qt.Key.Key_W, CTRL)
    assert asked == ["This incident has changes that are not saved. Close anyway?"]
    assert inc.isVisible() and inc.title_edit.text() == "Scanner offline again"
    when_shown(QMessageBox, answer(QMessageBox.StandardButton.Yes))
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    qtbot.keyClick(inc, Qt.Key.Key_W, CTRL)
    assert len(asked) == 2
    qtbot.waitUntil(lambda: not inc.isVisible())
    assert queries.get_incident(world.desk, rec.id).title == "Scanner offline"  # discarded
    assert QApplication.activeModalWidget() is None


def test_keep_mine_in_the_conflict_dialog(qtbot, world, runner, other_desk) -> None:
    rec = incidents.log_incident(
        world.desk, world.ana, NewIncident("VPN drops every hour", impact=2, urgency=2, group_id=world.network)
    )
    inc = _window(qtbot, world, runner, world.ben, rec.id)
    inc.urgency_edit.setFocus()
    qtbot.keyClicks(inc.urgency_edit, "3")
    assert inc.dirty_fields() == {"urgency": 3}
    carla = other_desk.actor("carla")
    incidents.set_impact_urgency(other_desk, carla, rec.id, None, 2, 1)  # meanwhile: urgency 1
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: getattr(inc, "last_conflict_dialog", None) is not None)
    dialog: ConflictDialog = inc.last_conflict_dialog
    assert dialog.contested() == {"urgency"}
    mine = next(b for b in dialog.findChildren(QRadioButton) if b.accessibleName() == "Keep my Urgency")
    theirs = next(b for b in dialog.findChildren(QRadioButton) if b.accessibleName() == "Take their Urgency")
    qtbot.mouseClick(theirs, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(mine, Qt.MouseButton.LeftButton)  # changed my mind: mine
    assert dialog.keep_mine() == {"urgency"}
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: queries.get_incident(world.desk, rec.id).urgency == 3)
    qtbot.waitUntil(lambda: not inc.dirty_fields())
    assert inc.urgency_edit.currentData() == 3
    urgency = [a for a in queries.history(world.desk, rec.id) if a.field == "urgency"]
    assert [(a.by, a.new) for a in urgency][-2:] == [("Carla Supervisor", "1"), ("Ben Network", "3")]
    _close(inc)


def test_title_over_the_limit_is_named_and_kept(qtbot, world, runner) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Long title", impact=3, urgency=3))
    inc = _window(qtbot, world, runner, world.ana, rec.id)
    long = "x" * (incidents.MAX_TITLE + 1)
    inc.title_edit.setFocus()
    inc.title_edit.selectAll()
    qtbot.keyClicks(inc.title_edit, long)
    qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: f"over {incidents.MAX_TITLE} characters" in inc.banner.text())
    assert inc.title_edit.text() == long and inc.title_edit.hasFocus()
    assert queries.get_incident(world.desk, rec.id).title == "Long title"
    _close(inc)


def test_a_user_deactivated_while_signed_in_is_told_and_keeps_the_note(qtbot, world, runner) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Badge reader", impact=3, urgency=3))
    inc = _window(qtbot, world, runner, world.ana, rec.id)
    with world.desk.write() as s:  # an admin deactivates Ana meanwhile
        s.execute(update(Agent).where(Agent.username == "ana").values(active=False))
    inc.journal_edit.setFocus()
    qtbot.keyClicks(inc.journal_edit, "Door 3 refuses every badge")
    qtbot.keyClick(inc.journal_edit, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: "account is deactivated" in inc.banner.text())
    assert inc.banner.text() == "Ana Agent's account is deactivated: ask an admin"
    assert inc.journal_edit.toPlainText() == "Door 3 refuses every badge"
    assert [e.body for e in queries.journal(world.desk, rec.id)] == ["Logged by Ana Agent via phone"]
    _close(inc)
