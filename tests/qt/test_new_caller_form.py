"""'New caller…' in the new-incident form writes nothing by itself: the caller is written with
the incident (or found by e-mail), a cancelled form leaves nobody behind, a double click names
one caller."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from app.models import Caller
from app.views.new_incident import NewIncidentDialog


def callers_named(world, name: str) -> int:  # type: ignore[no-untyped-def]
    with world.desk.read() as conn:
        return int(conn.execute(select(func.count()).select_from(Caller).where(Caller.name == name)).scalar_one())


def form(qtbot, window) -> NewIncidentDialog:  # type: ignore[no-untyped-def]
    dialog = window.new_incident()
    qtbot.waitUntil(lambda: dialog.category.count() > 1 and dialog.impact.currentData() is not None)
    return dialog


def new_caller(qtbot, dialog: NewIncidentDialog, name: str, email: str, clicks: int = 1) -> None:
    qtbot.keyClicks(dialog.caller, name)
    qtbot.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(dialog.new_caller_box.isVisible)
    assert dialog.new_caller_name.text() == name
    qtbot.keyClicks(dialog.new_caller_email, email)
    qtbot.keyClicks(dialog.new_caller_department, "Legal")
    for _ in range(clicks):
        dialog.add_caller_button.click()


def test_a_cancelled_form_leaves_no_caller_behind(qtbot, world, ana_window, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = ana_window
    dialog = form(qtbot, window)
    new_caller(qtbot, dialog, "Zoe Quinn", "zoe@example.com")
    assert dialog.caller.text() == "Zoe Quinn (Legal)"
    assert "added with the incident" in dialog.caller_info.text()
    qtbot.keyClicks(dialog.title, "Cannot print contracts")
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
    dialog.reject()  # Escape, then "Discard this incident?" Yes
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(lambda: window.runner.pending() == 0)
    assert callers_named(world, "Zoe Quinn") == 0


def test_a_double_click_on_add_names_one_caller_written_with_the_incident(qtbot, world, ana_window) -> None:  # type: ignore[no-untyped-def]
    dialog = form(qtbot, ana_window)
    new_caller(qtbot, dialog, "Zoe Quinn", "zoe@example.com", clicks=2)
    qtbot.waitUntil(lambda: ana_window.runner.pending() == 0)
    assert callers_named(world, "Zoe Quinn") == 0  # nothing written before the incident
    qtbot.keyClicks(dialog.title, "Cannot print contracts")
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.record is not None)
    assert dialog.record.caller_name == "Zoe Quinn"
    assert callers_named(world, "Zoe Quinn") == 1


def test_a_new_caller_with_a_known_address_is_the_caller_that_exists(qtbot, world, ana_window) -> None:  # type: ignore[no-untyped-def]
    dialog = form(qtbot, ana_window)
    new_caller(qtbot, dialog, "Johnny Smith", "john@example.com")
    qtbot.keyClicks(dialog.title, "Laptop will not start")
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.record is not None)
    assert dialog.record.caller_id == world.john
    assert callers_named(world, "Johnny Smith") == 0


def test_a_caller_is_found_by_employee_id_and_a_new_one_keeps_the_id_typed(qtbot, world, ana_window) -> None:  # type: ignore[no-untyped-def]
    from app.services import callers

    callers.add_caller(world.desk, world.admin, "Kim Lee", employee_id="E10442", department="Audit")
    dialog = form(qtbot, ana_window)
    assert "employee id" in dialog.caller.placeholderText()
    qtbot.keyClicks(dialog.caller, "e1044")
    popup = dialog.completer.popup()
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() == 1)
    assert popup.model().index(0, 0).data() == "Kim Lee · Audit · E10442 · no open incident"
    dialog.caller.clear()
    qtbot.keyClicks(dialog.caller, "Zoe Quinn")
    qtbot.waitUntil(lambda: dialog.caller_info.text() == "No such caller: Ctrl+Shift+N adds one")
    qtbot.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(dialog.new_caller_box.isVisible)
    dialog.grab().save("/tmp/new-caller-employee-id.png")
    qtbot.keyClicks(dialog.new_caller_employee_id, "e20001")
    qtbot.keyClick(dialog.new_caller_employee_id, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.new_caller_box.isVisible())
    qtbot.keyClicks(dialog.title, "Cannot print contracts")
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.record is not None)
    assert callers.search_callers(world.desk, world.ana, "E20001").matches[0].caller.name == "Zoe Quinn"
