"""Scenarios 3, 4 and 7: escalate, hold (the clock pauses), resume, resolve and close, driven
through the incident window's shortcuts and dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.domain.lifecycle import State
from app.services import incidents, queries
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow
from app.views.queue_model import SLA

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _open(qtbot, window, record) -> IncidentWindow:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.model.row_of(record.id) is not None)
    row = window.model.row_of(record.id)
    window.table.setFocus()
    window.table.setCurrentIndex(window.model.index(row, 0))
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.incident_window(record.id) is not None)
    inc = window.incident_window(record.id)
    qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    return inc


def _key(qtbot, inc: IncidentWindow, key, mods) -> None:  # type: ignore[no-untyped-def]
    """A shortcut typed in the incident window (made active first, as the user's click would)."""
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    qtbot.keyClick(inc, key, mods)


def _action(qtbot, inc: IncidentWindow, key, mods):  # type: ignore[no-untyped-def]
    before = getattr(inc, "last_dialog", None)
    _key(qtbot, inc, key, mods)
    qtbot.waitUntil(lambda: getattr(inc, "last_dialog", None) is not before)
    dialog = inc.last_dialog
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def _wait_state(qtbot, inc: IncidentWindow, state: State) -> None:
    qtbot.waitUntil(lambda: inc.record is not None and inc.record.state is state)


def test_escalate_functional(qtbot, world, ana_window) -> None:
    window = ana_window
    window.select_view("All open")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("VPN down in office B", impact=1, urgency=1))
    assert rec.group_name == "Service Desk" and rec.priority == 1
    inc = _open(qtbot, window, rec)
    assert "Critical" in inc.priority_label.text()
    dialog = _action(qtbot, inc, Qt.Key.Key_E, CTRL)
    qtbot.keyClicks(dialog.fields["group"], "Netw")
    assert dialog.fields["group"].currentText().startswith("Network")
    qtbot.keyClicks(dialog.fields["reason"], "VPN concentrator unreachable from office B")
    qtbot.keyClick(dialog.fields["reason"], Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: inc.record.group_name == "Network")
    assert inc.record.reassignment_count == 1
    qtbot.waitUntil(lambda: any(a.field == "group_id" for a in inc.history_rows))
    moved = next(a for a in inc.history_rows if a.field == "group_id")
    assert moved.by == "Ana Agent" and moved.reason == "VPN concentrator unreachable from office B"
    # the queue row shows the new group without a reload
    row = window.model.row_of(rec.id)
    qtbot.waitUntil(lambda: window.model.index(window.model.row_of(rec.id), 6).data() == "Network")
    assert row is not None
    inc.close()


def test_hold_pauses_clock_then_resolve_and_close(qtbot, world, ana_window) -> None:
    window = ana_window
    window.select_view("All open")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Screen flickers", impact=2, urgency=2))
    inc = _open(qtbot, window, rec)
    # an action the state forbids is disabled and says why
    hold = inc.actions_by_name["hold"]
    assert not hold.isEnabled() and "New" in hold.toolTip()
    _key(qtbot, inc, Qt.Key.Key_M, CTRL)  # assign to me
    _wait_state(qtbot, inc, State.IN_PROGRESS)
    qtbot.waitUntil(lambda: inc.actions_by_name["hold"].isEnabled())
    dialog = _action(qtbot, inc, Qt.Key.Key_H, CTRL)
    assert dialog.fields["hold_reason"].currentData() == "awaiting_caller"
    # awaiting caller needs a comment: refused, the dialog stays with the message
    qtbot.keyClick(dialog.fields["comment"], Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: dialog.message.isVisible())
    assert "comment" in dialog.message.text().lower() and dialog.isVisible()
    qtbot.keyClicks(dialog.fields["comment"], "Please send a screenshot of the error")
    qtbot.keyClick(dialog.fields["comment"], Qt.Key.Key_Return, CTRL)
    _wait_state(qtbot, inc, State.ON_HOLD)
    assert "paused" in inc.resolution_label.text()

    def sla_cell() -> str:
        row = window.model.row_of(rec.id)
        return "" if row is None else str(window.model.index(row, SLA).data())

    qtbot.waitUntil(lambda: sla_cell() == "paused")
    assert not inc.actions_by_name["resolve"].isEnabled()
    _key(qtbot, inc, Qt.Key.Key_U, CTRL)  # resume
    _wait_state(qtbot, inc, State.IN_PROGRESS)
    qtbot.waitUntil(lambda: sla_cell() not in ("paused", ""))
    assert queries.pauses(world.desk, rec.id)[0].end is not None

    dialog = _action(qtbot, inc, Qt.Key.Key_R, CTRL)
    qtbot.keyClicks(dialog.fields["resolution_code"], "Sol")
    qtbot.keyClicks(dialog.fields["resolution_notes"], "Replaced the display cable")
    qtbot.keyClick(dialog.fields["resolution_notes"], Qt.Key.Key_Return, CTRL)
    _wait_state(qtbot, inc, State.RESOLVED)
    assert inc.record.resolution_code == "solution_provided"
    # resolved leaves the open queue (row removed, not a reset)
    qtbot.waitUntil(lambda: window.model.row_of(rec.id) is None)

    dialog = _action(qtbot, inc, Qt.Key.Key_L, CTRL | SHIFT)
    qtbot.keyClick(dialog, Qt.Key.Key_Return, CTRL)
    _wait_state(qtbot, inc, State.CLOSED)
    qtbot.waitUntil(lambda: not inc.title_edit.isEnabled())
    assert all(not a.isEnabled() for n, a in inc.actions_by_name.items() if n != "major")


def test_role_forbids_mark_major_for_agent(qtbot, world, ana_window) -> None:
    window = ana_window
    window.select_view("All open")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Mail slow", impact=3, urgency=3))
    inc = _open(qtbot, window, rec)
    major = inc.actions_by_name["major"]
    assert not major.isEnabled()
    assert "Only a supervisor or an admin may mark an incident major" in major.toolTip()
    inc.close()


def test_journal_note_with_ctrl_enter(qtbot, world, ana_window) -> None:
    window = ana_window
    window.select_view("All open")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Printer offline", impact=3, urgency=3))
    inc = _open(qtbot, window, rec)
    inc.journal_edit.setFocus()
    qtbot.keyClicks(inc.journal_edit, "Checked the cable")
    qtbot.keyClick(inc.journal_edit, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: any(e.body == "Checked the cable" for e in inc.journal_entries))
    assert inc.journal_edit.toPlainText() == ""
    inc.close()
