"""Scenario 1-2: log an incident during a call, keyboard only; first-contact fix."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.domain.lifecycle import State
from app.services import incidents, queries
from app.views.new_incident import NewIncidentDialog
from app.views.queue_model import ID_ROLE, PRIORITY


def _open_form(qtbot, window) -> NewIncidentDialog:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
    dialog = window.findChild(NewIncidentDialog)
    qtbot.waitUntil(lambda: dialog.category.count() > 1)
    return dialog


def _pick_caller(qtbot, dialog: NewIncidentDialog, text: str) -> None:
    qtbot.keyClicks(dialog.caller, text)
    popup = dialog.completer.popup()
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() > 0)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.caller_id is not None)


def test_log_by_keyboard_and_see_it_in_the_queue(qtbot, world, ana_window) -> None:
    window = ana_window
    window.select_view("All open")
    dialog = _open_form(qtbot, window)
    # the agent types the caller's name first: the form opens with the cursor there
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.caller)
    _pick_caller(qtbot, dialog, "jo")
    assert dialog.caller_id == world.john
    assert dialog.caller.text() == "John Smith (Finance)"
    assert dialog.channel.currentData() == "phone"
    qtbot.keyClicks(dialog.title, "Outlook crashes when opening shared calendar")
    qtbot.keyClicks(dialog.category, "Softw")
    qtbot.keyClick(dialog.category, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: dialog.category.currentData() == world.email_category)
    assert "Messaging" in dialog.route_info.text()
    qtbot.keyClicks(dialog.impact, "3")
    qtbot.keyClicks(dialog.urgency, "2")
    qtbot.waitUntil(
        lambda: dialog.priority_info.text()
        == "4 - Low, respond in 8 business hours, resolve in 3 business days"
    )
    qtbot.keyClicks(dialog.description, "Crashes as soon as the calendar opens")
    # the side panel finds the known error while typing
    qtbot.waitUntil(lambda: any(h.kind == "known_error" for h in dialog.hits()))
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.record is not None)
    record = dialog.record
    assert record.priority == 4 and record.group_name == "Messaging" and record.caller_id == world.john

    def shown() -> bool:
        row = window.model.row_of(record.id)
        return row is not None and window.model.index(row, PRIORITY).data() == "4 - Low"

    qtbot.waitUntil(shown)


def test_first_contact_fix_with_known_error(qtbot, world, ana_window) -> None:
    window = ana_window
    window.select_view("All open")
    dialog = _open_form(qtbot, window)
    _pick_caller(qtbot, dialog, "jo")
    qtbot.keyClicks(dialog.title, "Outlook shared calendar crash")
    qtbot.waitUntil(lambda: any(h.kind == "known_error" for h in dialog.hits()))
    n = next(i for i, h in enumerate(dialog.hits()) if h.kind == "known_error")
    qtbot.keyClick(dialog.title, Qt.Key.Key_1 + n, Qt.KeyboardModifier.AltModifier)
    assert dialog.known_error_id == world.known_error
    assert "safe mode" in dialog.resolution_notes.toPlainText()
    qtbot.keyClick(dialog.title, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # &Resolve on first contact
    qtbot.waitUntil(dialog.first_contact.isChecked)  # a mnemonic clicks with a short animation
    assert dialog.resolution_code.currentData() == "workaround_provided"
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.record is not None)
    rec = queries.get_incident(world.desk, dialog.record.id)
    assert rec.state is State.RESOLVED and rec.known_error_id == world.known_error
    # never shown as open: once the queue shows an incident logged after it, it has read
    # the table past the first-contact fix, and the fix is not among its rows
    later = incidents.log_incident(
        world.desk, world.carla, incidents.NewIncident("Printer offline", group_id=world.service_desk)
    )
    qtbot.waitUntil(lambda: window.model.row_of(later.id) is not None)
    ids = [window.model.index(r, 0).data(ID_ROLE) for r in range(window.model.rowCount())]
    assert later.id in ids and rec.id not in ids


def test_validation_keeps_what_was_typed(qtbot, world, ana_window) -> None:
    dialog = _open_form(qtbot, ana_window)
    qtbot.keyClicks(dialog.description, "Some long description")
    qtbot.keyClick(dialog.description, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "title is required" in dialog.error_text("title")
    assert dialog.description.toPlainText() == "Some long description"
    # first contact without notes: the service refuses, the message sits by the notes
    qtbot.keyClicks(dialog.title, "Mouse broken")
    dialog.first_contact.setChecked(True)
    dialog.resolution_code.setCurrentIndex(1)
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: "notes" in dialog.error_text("resolution_notes").lower())
    assert dialog.title.text() == "Mouse broken" and dialog.record is None
    dialog._dirty_ok = True
    dialog.close()
