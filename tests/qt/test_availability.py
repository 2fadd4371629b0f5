"""The agent marks themselves away from the main window's toolbar (or the Incident menu), and
automatic assignment passes them over until they are back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolBar, QToolButton

from app.services import assignment, incidents, queries
from app.services.incidents import NewIncident


def test_away_from_the_toolbar_and_round_robin_passes_over(qtbot, world, ana_window) -> None:  # type: ignore[no-untyped-def]
    window = ana_window
    action = window.available_action
    qtbot.waitUntil(action.isEnabled)
    assert action.isChecked() and "Available" in action.toolTip()
    button = window.findChild(QToolBar, "main-toolbar").widgetForAction(action)
    assert isinstance(button, QToolButton) and button.text() == "Available"
    assignment.set_mode(world.desk, world.admin, world.service_desk, "round_robin")

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not action.isChecked()
    qtbot.waitUntil(lambda: not assignment.is_available(world.desk, world.ana))
    assert action.toolTip() == "Away: automatic assignment gives you nothing"
    # Service Desk has Ana and Carla: with Ana away every incident goes to Carla
    names = {
        queries.get_incident(
            world.desk,
            incidents.log_incident(
                world.desk,
                world.admin,
                NewIncident(f"Printer {i} jammed", group_id=world.service_desk),
            ).number,
        ).assignee_name
        for i in range(3)
    }
    assert names == {"Carla Supervisor"}

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: assignment.is_available(world.desk, world.ana))
    got = [
        incidents.log_incident(
            world.desk, world.admin, NewIncident(f"Scanner {i}", group_id=world.service_desk)
        ).assignee_name
        for i in range(2)
    ]
    assert sorted(got) == ["Ana Agent", "Carla Supervisor"]  # her turn comes again
    window.grab().save("/tmp/x/main_available.png")
