"""The main window as a user drives it: every built-in view shows what its name says, the filter
combos and the search box narrow it, a view is saved and deleted, F1 lists the keys, and the
window's size and columns come back at the next start."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QInputDialog, QMessageBox, QTableWidget

from app.domain.records import QueueFilter
from app.services import incidents, saved_views
from app.services.context import Desk
from app.services.incidents import NewIncident
from app.views.main_window import COUNT_ROLE, MainWindow
from app.views.queue_model import COLUMNS
from app.views.shortcuts import ShortcutsDialog
from tests.clocks import Clock
from tests.qt.test_start_and_crash import when_shown

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
World = Any


@pytest.fixture
def desk_with_incidents(world: World) -> tuple[Desk, dict[str, int]]:
    """One incident for each built-in view (and some for none), on a desk with its own clock:
    the one meant to breach was logged ten days before the others."""
    now = world.desk.now()
    clock = Clock(now - timedelta(days=10))
    desk = Desk(world.desk.engine, clock=clock)
    desk.load_zone()
    ana, carla = world.ana, world.carla
    sd, net = world.service_desk, world.network

    def log(title: str, group: int = sd, impact: int = 3, urgency: int = 3):  # type: ignore[no-untyped-def]
        return incidents.log_incident(desk, carla, NewIncident(title, impact=impact, urgency=urgency, group_id=group))

    ids: dict[str, int] = {}
    late = log("Payroll server down", impact=1, urgency=1)
    late = incidents.assign_to_me(desk, carla, late.id, late.version)
    ids["breaching"] = late.id
    clock.now = now
    mine = log("Printer on floor 2 jams")
    incidents.assign_to_me(desk, ana, mine.id, mine.version)
    ids["mine"] = mine.id
    ids["unassigned"] = log("Printer toner low").id
    ids["network"] = log("Wi-Fi drops in room 3.12", group=net).id
    held = log("Laptop battery swells")
    held = incidents.assign(desk, carla, held.id, held.version, group_id=sd, assignee_id=carla.id)
    incidents.hold(desk, carla, held.id, held.version, "awaiting_vendor", "Replacement ordered")
    ids["held"] = held.id
    major = log("E-mail down for everyone", impact=2, urgency=2)
    major = incidents.assign(desk, carla, major.id, major.version, group_id=sd, assignee_id=carla.id)
    incidents.mark_major(desk, carla, major.id, major.version)
    ids["major"] = major.id
    done = log("Password reset")
    done = incidents.assign(desk, carla, done.id, done.version, group_id=sd, assignee_id=carla.id)
    incidents.resolve(desk, carla, done.id, done.version, "solution_provided", "Reset it with the caller")
    ids["resolved"] = done.id
    return desk, ids


@pytest.fixture
def window(qtbot, world, runner, desk_with_incidents) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    desk, _ids = desk_with_incidents
    w = MainWindow(desk, world.ana, runner, database="desk.sqlite3")
    qtbot.addWidget(w)
    w.show()
    assert w.feed.wait_ready()
    yield w
    w.shutdown()
    runner.wait()


def _shown(window: MainWindow) -> set[int]:
    return {i for i in (window.model.incident_id(r) for r in range(window.model.rowCount())) if i is not None}


def _click_view(qtbot, window: MainWindow, name: str) -> None:  # type: ignore[no-untyped-def]
    items = window.views_list.findItems(name, Qt.MatchFlag.MatchExactly)
    assert len(items) == 1, name
    rect = window.views_list.visualItemRect(items[0])
    qtbot.mouseClick(window.views_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.title_label.text() == name)


def _showing(qtbot, window: MainWindow, expected: set[int]) -> None:  # type: ignore[no-untyped-def]
    n = len(expected)
    qtbot.waitUntil(lambda: window.model.showing_query() and _shown(window) == expected)
    qtbot.waitUntil(lambda: window.count_label.text().startswith(f"{n:,} incident"))


def test_each_built_in_view_shows_what_its_name_says(qtbot, world, window, desk_with_incidents) -> None:
    _desk, ids = desk_with_incidents
    expected = {
        "My incidents": {ids["mine"]},
        "My groups' unassigned": {ids["unassigned"]},
        "All open": {ids[k] for k in ("breaching", "mine", "unassigned", "network", "held", "major")},
        "Breaching soon": {ids["breaching"]},
        "On hold": {ids["held"]},
        "Major incidents": {ids["major"]},
        "Ping-pong": set(),
        "Awaiting confirmation": {ids["resolved"]},
    }
    assert [window.views_list.item(i).text() for i in range(window.views_list.count())] == list(expected)
    for name, shown in expected.items():
        _click_view(qtbot, window, name)
        _showing(qtbot, window, shown)
        # the count beside the view's name says the same
        item, n = window.views_list.findItems(name, Qt.MatchFlag.MatchExactly)[0], len(shown)
        qtbot.waitUntil(lambda item=item, n=n: item.data(COUNT_ROLE) == n)
    # "Awaiting confirmation" sorts the most recently updated first
    header = window.table.horizontalHeader()
    updated = next(i for i, c in enumerate(COLUMNS) if c.sort == "updated")
    assert header.sortIndicatorSection() == updated
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def _choose(qtbot, combo: QComboBox, text: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an entry as a user does: open the list (F4), click the entry."""
    qtbot.waitUntil(lambda: combo.findText(text) >= 0)
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_F4)
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    rect = view.visualRect(view.model().index(combo.findText(text), 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible())
    assert combo.currentText() == text


def test_filters_and_search_narrow_the_view(qtbot, world, window, desk_with_incidents) -> None:
    _desk, ids = desk_with_incidents
    all_open = {ids[k] for k in ("breaching", "mine", "unassigned", "network", "held", "major")}
    _click_view(qtbot, window, "All open")
    _showing(qtbot, window, all_open)
    _choose(qtbot, window.state_filter, "New")
    _showing(qtbot, window, {ids["unassigned"], ids["network"]})
    _choose(qtbot, window.group_filter, "Network (line 2)")
    _showing(qtbot, window, {ids["network"]})
    _choose(qtbot, window.state_filter, "Any state")
    _choose(qtbot, window.group_filter, "Any group")
    _showing(qtbot, window, all_open)
    _choose(qtbot, window.priority_filter, "1 - Critical")
    _showing(qtbot, window, {ids["breaching"]})
    _choose(qtbot, window.priority_filter, "Any priority")
    _choose(qtbot, window.assignee_filter, "Carla Supervisor")  # someone else
    _showing(qtbot, window, {ids["breaching"], ids["held"], ids["major"]})
    _choose(qtbot, window.assignee_filter, "Unassigned")
    _showing(qtbot, window, {ids["unassigned"], ids["network"]})
    _choose(qtbot, window.assignee_filter, "Me")
    _showing(qtbot, window, {ids["mine"]})
    _choose(qtbot, window.assignee_filter, "Anyone")
    _showing(qtbot, window, all_open)
    # the search box: Ctrl+F, type, the queue follows (after a pause, or at once on Enter)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F, CTRL)
    qtbot.waitUntil(window.search.hasFocus)
    qtbot.keyClicks(window.search, "printer")
    _showing(qtbot, window, {ids["mine"], ids["unassigned"]})
    qtbot.keyClicks(window.search, " toner")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    _showing(qtbot, window, {ids["unassigned"]})
    window.search.clear()
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    _showing(qtbot, window, all_open)


def test_save_a_view_then_delete_it(qtbot, world, window, desk_with_incidents, monkeypatch) -> None:
    _desk, ids = desk_with_incidents
    _click_view(qtbot, window, "All open")
    _choose(qtbot, window.group_filter, "Network (line 2)")
    _showing(qtbot, window, {ids["network"]})

    def name_it(dialog) -> None:  # type: ignore[no-untyped-def]
        assert isinstance(dialog, QInputDialog) and dialog.labelText() == "Name of the view:"
        dialog.setTextValue("Network's open")
        dialog.accept()

    when_shown(QInputDialog, name_it)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.table, Qt.Key.Key_S, CTRL | SHIFT)
    qtbot.waitUntil(lambda: bool(window.views_list.findItems("Network's open", Qt.MatchFlag.MatchExactly)))
    qtbot.waitUntil(lambda: window.title_label.text() == "Network's open")
    assert "Saved the view" in window.statusBar().currentMessage()
    saved = {v.name: v for v in saved_views.list_views(world.desk, world.ana)}
    assert saved["Network's open"].flt == QueueFilter(group_ids=(world.network,))
    # another view, then back: the saved one shows what was saved
    _choose(qtbot, window.group_filter, "Any group")
    _click_view(qtbot, window, "My incidents")
    _click_view(qtbot, window, "Network's open")
    _showing(qtbot, window, {ids["network"]})

    window.delete_view_action.trigger()  # View > Delete saved view
    qtbot.waitUntil(lambda: not window.views_list.findItems("Network's open", Qt.MatchFlag.MatchExactly))
    assert window.statusBar().currentMessage() == "Deleted the view “Network's open”"
    assert window.title_label.text() == "My incidents"
    assert saved_views.list_views(world.desk, world.ana) == []
    # a built-in view cannot be deleted: said, and nothing happens
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda _p, _t, text, *a: said.append(text)))
    window.delete_view_action.trigger()
    assert said == ["“My incidents” is built in and cannot be deleted."]
    assert window.views_list.count() == 8


def test_f1_lists_every_shortcut(qtbot, window) -> None:
    rows: list[tuple[str, str, str]] = []

    def read_and_close(dialog) -> None:  # type: ignore[no-untyped-def]
        table = dialog.findChild(QTableWidget)
        for r in range(table.rowCount()):
            rows.append(tuple(table.item(r, c).text() for c in range(3)))  # type: ignore[arg-type]
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    when_shown(ShortcutsDialog, read_and_close)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F1)  # returns when the dialog is closed
    assert ("Queue", "Ctrl+N", "New incident") in rows
    assert ("Incident", "Ctrl+Shift+E", "Escalate to the supervisor (hierarchical)") in rows
    assert ("Anywhere", "F1", "This list") in rows
    assert window.isVisible()


def test_size_columns_and_view_come_back_at_the_next_start(qtbot, world, runner, desk_with_incidents) -> None:
    desk, _ids = desk_with_incidents
    first = MainWindow(desk, world.ana, runner, database="desk.sqlite3")
    qtbot.addWidget(first)
    first.show()
    assert first.feed.wait_ready()
    first.resize(760, 560)  # within the offscreen screen (800 x 800): restoring fits a window to the screen
    qtbot.waitUntil(lambda: first.width() == 760)
    header = first.table.horizontalHeader()
    header.moveSection(header.visualIndex(7), 1)  # Assignee dragged next to Number
    header.resizeSection(7, 190)
    _click_view(qtbot, first, "On hold")
    first.activateWindow()
    qtbot.waitUntil(first.isActiveWindow)
    qtbot.keyClick(first.table, Qt.Key.Key_Q, CTRL)  # quit: the settings are kept
    qtbot.waitUntil(lambda: not first.isVisible())

    again = MainWindow(desk, world.ana, runner, database="desk.sqlite3")
    qtbot.addWidget(again)
    again.show()
    assert again.feed.wait_ready()
    try:
        assert (again.width(), again.height()) == (760, 560)
        h = again.table.horizontalHeader()
        assert h.visualIndex(7) == 1 and h.sectionSize(7) == 190
        assert again.title_label.text() == "On hold"
        # another user on this workstation has their own layout
        carla = MainWindow(desk, world.carla, runner, database="desk.sqlite3")
        qtbot.addWidget(carla)
        carla.show()
        assert carla.feed.wait_ready()
        assert carla.table.horizontalHeader().visualIndex(7) == 7
        assert carla.title_label.text() == "My incidents"
        carla.shutdown()
    finally:
        again.shutdown()
        runner.wait()

