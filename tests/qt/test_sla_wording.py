"""One wording for an SLA clock: the queue cell and the incident header say the same thing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.sla import Threshold
from app.domain.wording import clock_sla, clock_text, row_sla
from app.services import incidents, queries
from app.services.context import Desk
from app.services.incidents import NewIncident

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_queue_cell_and_header_agree(world) -> None:
    rec = incidents.log_incident(
        world.desk,
        world.ana,
        NewIncident("VPN slow from home", impact=2, urgency=2, group_id=world.service_desk),
    )
    row = queries.queue_rows(world.desk, [rec.id])[0]
    assert row.resolution_due is not None and row.at_risk_at is not None
    # now, then past 75% of the business time, then past due: the same words and colour
    for when in (
        world.desk.now(),
        row.at_risk_at + timedelta(minutes=3),
        row.resolution_due + timedelta(days=3, hours=2),
    ):
        desk = Desk(world.desk.engine, clock=lambda when=when: when)
        record = queries.get_incident(desk, rec.id)
        cell, head = row_sla(row, when), clock_sla(record.resolution, when)
        assert cell.text == head.text
        assert cell.threshold == head.threshold
        header = clock_text(record.resolution, "Resolution", when, desk.zone)
        assert header.startswith(f"Resolution: {cell.text} · due ")
        assert header.endswith("% used")
    assert head.text.startswith("overdue 3d 2h") and head.threshold is Threshold.BREACHED
    # on hold: both say paused
    incidents.assign_to_me(world.desk, world.ana, rec.id, None)
    held = incidents.hold(world.desk, world.ana, rec.id, None, "awaiting_vendor", None)
    row = queries.queue_rows(world.desk, [rec.id])[0]
    assert row_sla(row, NOW).text == clock_sla(held.resolution, NOW).text == "paused"
