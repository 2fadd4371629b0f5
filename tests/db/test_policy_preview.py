"""The preview of an SLA policy change (SQLite and PostgreSQL): which open incidents under the
policy get new due times, how many per priority, both due times, paused time kept; nothing
written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.sla_config import PolicySpec, TargetSpec
from app.services import catalog, defaults, queries, sla_policies, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def desk(engine, clock):  # type: ignore[no-untyped-def]
    d = Desk(engine, clock=clock)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    catalog.add_group(d, d.actor("dev"), "Service Desk", 1)
    users.add_user(d, d.actor("dev"), "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    return d


def test_a_longer_p1_target_moves_its_open_incidents_and_keeps_the_paused_time(
    desk: Desk, clock: Clock
) -> None:
    ana = desk.actor("ana")
    p1 = inc.log_incident(desk, ana, inc.NewIncident("ERP down", impact=1, urgency=1))
    inc.start_work(desk, ana, p1.id, p1.version)
    clock.now = MONDAY_9 + timedelta(hours=1)
    inc.hold(desk, ana, p1.id, inc.get_version(desk, p1.id), "awaiting_vendor")
    clock.now = MONDAY_9 + timedelta(hours=3)
    inc.resume(desk, ana, p1.id, inc.get_version(desk, p1.id))
    other = inc.log_incident(desk, ana, inc.NewIncident("Printer jam", impact=3, urgency=3))
    before = queries.get_incident(desk, p1.id)
    # P1: 4 hours around the clock, plus the 2 hours on hold
    assert before.resolution_due == MONDAY_9 + timedelta(hours=6)
    policy = sla_policies.policies(desk)[0]
    spec = policy.spec()
    t1 = spec.targets[1]
    longer = PolicySpec(
        spec.name,
        spec.calendar_id,
        {**spec.targets, 1: TargetSpec(t1.response_s, 6 * 3600, t1.calendar_id)},
        spec.auto_close_days,
        spec.retroactive_start,
        spec.active,
    )
    got = sla_policies.preview_policy(desk, longer, policy.id)
    assert (got.count, got.per_priority) == (1, ((1, 1),))
    shift = got.shifts[0]
    assert (shift.number, shift.old_due) == (p1.number, MONDAY_9 + timedelta(hours=6))
    assert shift.new_due == MONDAY_9 + timedelta(hours=8)  # the 2 hours paused are still out
    # nothing written; the unchanged priorities are not listed
    assert queries.get_incident(desk, p1.id).resolution_due == before.resolution_due
    assert other.number not in {s.number for s in got.shifts}
    assert sla_policies.preview_policy(desk, spec, policy.id).count == 0
