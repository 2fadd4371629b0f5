"""Notifications: assigned to me from another workstation, a P1 for my group, my clock past 75%
(announced by the SLA sweep the window runs); nothing for what I did myself. Offscreen there is
no system tray: the notice shows in the status bar and the Notifications dock keeps the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from app.services import incidents, queries
from app.services.context import Desk
from app.services.incidents import NewIncident
from app.views.main_window import MainWindow
from tests.qt.conftest import BOTH_ENGINES

# what another workstation does reaches this one through the live feed: LISTEN/NOTIFY on
# PostgreSQL, data_version on SQLite
live = pytest.mark.parametrize("world", BOTH_ENGINES, indirect=True)


def _kinds(window, incident_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.kind for n in window.notifier.notices if n.incident_id == incident_id]


@live
def test_assigned_elsewhere_notifies_me(qtbot, world, ana_window, other_desk) -> None:
    window = ana_window
    assert window.tray is None  # offscreen: no system tray, the status bar takes over
    qtbot.waitUntil(window.notifier.ready)
    carla = other_desk.actor("carla")
    rec = incidents.log_incident(
        other_desk, carla, NewIncident("Printer on floor 2 jams", group_id=world.service_desk)
    )
    # workstation B: Carla hands it to Ana
    incidents.assign(
        other_desk, carla, rec.id, None, group_id=world.service_desk, assignee_id=world.ana.id
    )
    qtbot.waitUntil(lambda: _kinds(window, rec.id) == ["assigned"], timeout=5000)
    assert window.notice_button.isVisible()
    assert (
        rec.number in window.notice_button.text()
        and "assigned to you" in window.notice_button.text()
    )
    assert window.notifications.list.count() == 1
    assert "(1 new)" in window.notifications.windowTitle()
    # the dock opens the incident
    window.show_notifications()
    assert (
        window.notifications.isVisible() and window.notifications.windowTitle() == "Notifications"
    )
    item = window.notifications.list.item(0)
    assert item.data(Qt.ItemDataRole.UserRole) == rec.id
    window.notifications.list.itemActivated.emit(item)
    qtbot.waitUntil(lambda: window.incident_window(rec.id) is not None)
    inc = window.incident_window(rec.id)
    qtbot.waitUntil(lambda: inc.record is not None)
    inc.close()

    # what Ana does herself is not announced to her
    mine = incidents.log_incident(
        world.desk, world.ana, NewIncident("Scanner offline", group_id=world.service_desk)
    )
    incidents.assign_to_me(world.desk, world.ana, mine.id, None)
    # a later change on B shows the feed went past both of Ana's changes
    marker = incidents.log_incident(
        other_desk, carla, NewIncident("Marker", group_id=world.network)
    )
    incidents.assign(
        other_desk, carla, marker.id, None, group_id=world.service_desk, assignee_id=world.ana.id
    )
    qtbot.waitUntil(lambda: _kinds(window, marker.id) == ["assigned"], timeout=5000)
    assert _kinds(window, mine.id) == []
    # assigned again (it was already hers): no second notice
    incidents.update_fields(
        other_desk, carla, rec.id, None, {"title": "Printer on floor 2 jams again"}
    )
    incidents.assign(other_desk, carla, marker.id, None, group_id=world.network, assignee_id=None)
    qtbot.waitUntil(lambda: window.model.cached_row(rec.id) is not None
                    and "again" in window.model.cached_row(rec.id).title, timeout=5000)  # fmt: skip
    qtbot.waitUntil(window.notifier.ready)
    assert _kinds(window, rec.id) == ["assigned"]


@live
def test_p1_for_my_group_notifies(qtbot, world, ana_window, other_desk) -> None:
    window = ana_window
    qtbot.waitUntil(window.notifier.ready)
    ben = other_desk.actor("ben")
    # a P1 for Network (not Ana's group), then one for the Service Desk
    other = incidents.log_incident(
        other_desk,
        ben,
        NewIncident("Core switch down", impact=1, urgency=1, group_id=world.network),
    )
    p1 = incidents.log_incident(
        other_desk,
        ben,
        NewIncident("E-mail down for everyone", impact=1, urgency=1, group_id=world.service_desk),
    )
    qtbot.waitUntil(lambda: _kinds(window, p1.id) == ["urgent"], timeout=5000)
    assert _kinds(window, other.id) == []
    notice = next(n for n in window.notifier.notices if n.incident_id == p1.id)
    assert notice.text.startswith("P1 for Service Desk")
    # a P3 escalated into P2 in the group is news too
    p3 = incidents.log_incident(
        other_desk, ben, NewIncident("Teams slow", impact=2, urgency=2, group_id=world.service_desk)
    )
    incidents.set_impact_urgency(other_desk, other_desk.actor("carla"), p3.id, None, 1, 2)
    qtbot.waitUntil(lambda: _kinds(window, p3.id) == ["urgent"], timeout=5000)


def test_sweep_at_a_later_clock_notifies_75_percent(qtbot, world, runner) -> None:
    """The window's own SLA sweep, run at a later clock, announces my incident passing 75%."""
    clock = [world.desk.now()]
    desk = Desk(world.desk.engine, clock=lambda: clock[0])
    rec = incidents.log_incident(
        world.desk,
        world.carla,
        NewIncident(
            "VPN slow from home",
            impact=2,
            urgency=2,
            group_id=world.service_desk,
            assignee_id=world.ana.id,
        ),
    )
    window = MainWindow(desk, world.ana, runner, database="test.sqlite3")
    qtbot.addWidget(window)
    window.show()
    assert window.feed.wait_ready()
    qtbot.waitUntil(window.notifier.ready)
    row = queries.queue_rows(world.desk, [rec.id])[0]
    assert row.at_risk_at is not None and row.resolution_due is not None
    clock[0] = row.at_risk_at + timedelta(minutes=1)
    window.run_sweep()
    qtbot.waitUntil(lambda: _kinds(window, rec.id) == ["sla_75"], timeout=5000)
    assert "passed 75%" in window.notice_button.text()
    # idempotent: a second sweep (any workstation) announces nothing new; the breach later does
    window.run_sweep()
    qtbot.waitUntil(lambda: not window._sweeping)
    clock[0] = row.resolution_due + timedelta(minutes=1)
    window.run_sweep()
    qtbot.waitUntil(lambda: _kinds(window, rec.id) == ["sla_75", "sla_100"], timeout=5000)
    window.shutdown()
    runner.wait()
