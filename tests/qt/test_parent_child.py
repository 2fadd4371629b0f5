"""A child incident's Close waits for its parent: greyed in the incident window with the reason,
and available once the parent has closed (the window follows the parent's change)."""

from __future__ import annotations

from app.services import incidents
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow


def test_close_is_greyed_until_the_parent_closes(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    desk, ana = world.desk, world.ana
    parent = incidents.log_incident(
        desk, ana, NewIncident("Mail down", group_id=world.service_desk)
    )
    child = incidents.log_incident(
        desk, ana, NewIncident("Mail down in HR", group_id=world.service_desk)
    )
    incidents.link_parent(desk, ana, child.id, None, parent.id)
    incidents.resolve(desk, ana, parent.id, None, "solution_provided", "Restarted the transport")
    window = IncidentWindow(desk, ana, runner, child.id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.record is not None and window.record.resolution_code is not None)
    close = window.actions_by_name["close"]
    assert not close.isEnabled()
    assert f"cannot close before its parent {parent.number} (Resolved)" in close.toolTip()
    incidents.close(desk, ana, parent.id, None)
    window.reload()
    qtbot.waitUntil(close.isEnabled)
