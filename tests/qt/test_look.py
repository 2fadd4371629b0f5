"""One wording for an SLA clock: the queue cell and the incident header say the same thing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.sla import Threshold
from app.services import incidents, queries
from app.services.context import Desk
from app.services.incidents import NewIncident
from app.views.look import clock_sla, clock_text, compact_time, row_sla, sla_look

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=2, minutes=5, seconds=30), "due in 2h 05m"),
        (timedelta(minutes=45, seconds=10), "due in 45m"),
        (timedelta(seconds=20), "due now"),
        (timedelta(seconds=-20), "due now"),
        (-timedelta(days=3, hours=4, minutes=10), "overdue 3d 4h"),
        (-timedelta(minutes=7, seconds=1), "overdue 7m"),
    ],
)
def test_wall_clock_wording(delta: timedelta, text: str) -> None:
    assert sla_look(NOW + delta, NOW, threshold=Threshold.OK).text == text


def test_colour_and_states() -> None:
    assert (
        sla_look(NOW + timedelta(hours=1), NOW, threshold=Threshold.AT_RISK).threshold
        is Threshold.AT_RISK
    )
    # past the due instant it is breached, whatever was stored
    assert (
        sla_look(NOW - timedelta(hours=1), NOW, threshold=Threshold.AT_RISK).threshold
        is Threshold.BREACHED
    )
    paused = sla_look(None, NOW, threshold=Threshold.WARNING, paused=True)
    assert (paused.text, paused.threshold) == ("paused", None)
    assert sla_look(NOW, NOW, threshold=Threshold.OK, stopped=True).text == "met"
    assert (
        sla_look(NOW, NOW, threshold=Threshold.BREACHED, stopped=True, breached=True).text
        == "breached"
    )


def test_compact_time() -> None:
    now = datetime.now(UTC)
    today = now.replace(hour=12, minute=0)
    assert compact_time(today, now) == today.astimezone().strftime("%H:%M")
    long_ago = now.replace(year=now.year - 1)
    assert str(now.year - 1) in compact_time(long_ago, now)


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
        header = clock_text(record.resolution, "Resolution", when)
        assert header.startswith(f"Resolution: {cell.text} · due ")
        assert header.endswith("% used")
    assert head.text.startswith("overdue 3d 2h") and head.threshold is Threshold.BREACHED
    # on hold: both say paused
    incidents.assign_to_me(world.desk, world.ana, rec.id, None)
    held = incidents.hold(world.desk, world.ana, rec.id, None, "awaiting_vendor", None)
    row = queries.queue_rows(world.desk, [rec.id])[0]
    assert row_sla(row, NOW).text == clock_sla(held.resolution, NOW).text == "paused"
