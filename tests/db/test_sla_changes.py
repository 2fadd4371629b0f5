"""Saving a calendar or an SLA policy recomputes, on purpose and in one transaction, the open
incidents it re-measures (SQLite and PostgreSQL): the preview's count, the new due times worked
out by hand (a split shift, a site closure, paused time kept), each move in the incident's
history with the reason, the admin audit, the change feed; an agent is refused."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, select

from app.domain.errors import PermissionDenied, ValidationError
from app.domain.sla_config import CalendarRecord, CalendarSpec
from app.models import ChangeLogEntry
from app.services import calendars, defaults, queries, sla_changes, sla_policies, users
from app.services import incidents as inc
from app.services.admin_audit import admin_history
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock

# Monday 2 March 2026, 09:00 in Brussels (CET, UTC+1)
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SPLIT = ((time(8), time(12)), (time(13), time(17)))


def utc(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_9)


@pytest.fixture
def desk(engine: Engine, clock: Clock) -> Desk:
    d = Desk(engine, clock=clock)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels", holiday_country="BE"))
    users.add_user(d, None, "dev", "Dev Patel", "admin")
    users.add_user(d, d.actor("dev"), "ana", "Ana Garcia", "agent")
    return d


@pytest.fixture
def world(desk: Desk, clock: Clock) -> dict[str, int]:
    """Two P2 incidents logged Monday 09:00 (8 business hours to resolve, on Office hours); the
    second was on hold 09:00-10:00. A P1 (24x7). The clock is at 10:00."""
    ana = desk.actor("ana")
    a = inc.log_incident(desk, ana, inc.NewIncident("Mail slow", impact=1, urgency=2))
    b = inc.log_incident(desk, ana, inc.NewIncident("VPN drops", impact=1, urgency=2))
    p1 = inc.log_incident(desk, ana, inc.NewIncident("ERP down", impact=1, urgency=1))
    inc.start_work(desk, ana, b.id, b.version)
    inc.hold(desk, ana, b.id, inc.get_version(desk, b.id), "awaiting_vendor")
    clock.now = MONDAY_9 + timedelta(hours=1)
    inc.resume(desk, ana, b.id, inc.get_version(desk, b.id))
    assert queries.get_incident(desk, a.id).resolution_due == utc(2, 16)  # Monday 17:00 CET
    assert queries.get_incident(desk, b.id).resolution_due == utc(3, 8)  # Tuesday 09:00 CET
    return {"a": a.id, "b": b.id, "p1": p1.id}


def _office(desk: Desk) -> CalendarRecord:
    return next(c for c in calendars.calendars(desk) if c.name == "Office hours")


def _split_and_closed_tuesday(desk: Desk) -> tuple[int, CalendarSpec]:
    office = _office(desk)
    spec = dataclasses.replace(
        office.spec(), week=(SPLIT,) * 5 + ((), ()), custom_holidays=(date(2026, 3, 3),)
    )
    return office.id, spec


def test_a_calendar_change_previews_then_recomputes_its_incidents_keeping_the_pause(
    desk: Desk, world: dict[str, int]
) -> None:
    cal_id, spec = _split_and_closed_tuesday(desk)
    preview = sla_changes.preview_calendar(desk, spec, cal_id)
    # the two P2s are measured on Office hours; the P1 runs on 24x7
    assert (preview.count, preview.per_priority) == (2, ((2, 2),))
    new = {s.incident_id: (s.old_due, s.new_due) for s in preview.shifts}
    # a: Monday 09-12 and 13-17 (7 h), Tuesday closed, Wednesday 08-09 -> 09:00 CET
    assert new[world["a"]] == (utc(2, 16), utc(4, 8))
    # b: the hour on hold stays out: 10-12, 13-17 (6 h), Wednesday 08-10 -> 10:00 CET
    assert new[world["b"]] == (utc(3, 8), utc(4, 9))
    assert queries.get_incident(desk, world["a"]).resolution_due == utc(2, 16)  # nothing written

    done = sla_changes.apply_calendar(
        desk, desk.actor("dev"), spec, cal_id, reason="Lunch break; site closed on 3 March"
    )
    assert (done.measured, done.moved) == (2, 2)
    assert done.calendar is not None and done.calendar.custom_holidays == (date(2026, 3, 3),)
    assert queries.get_incident(desk, world["a"]).resolution_due == utc(4, 8)
    assert queries.get_incident(desk, world["b"]).resolution_due == utc(4, 9)
    assert queries.get_incident(desk, world["p1"]).resolution_due == MONDAY_9 + timedelta(hours=4)
    moves = [
        (h.field, h.reason)
        for h in queries.history(desk, world["a"])
        if h.field == "resolution_due"
    ]
    assert moves == [("resolution_due", "Lunch break; site closed on 3 March")]
    audit = {(r.field, r.new) for r in admin_history(desk, "calendar")}
    assert ("Monday hours", "08:00-12:00, 13:00-17:00") in audit
    assert ("custom days off", "2026-03-03") in audit
    with desk.read() as conn:
        fed = set(conn.execute(select(ChangeLogEntry.entity, ChangeLogEntry.entity_id)).all())
    assert ("incident", world["a"]) in fed and ("calendar", cal_id) in fed
    # saved again as it is: nothing moves
    again = sla_changes.apply_calendar(desk, desk.actor("dev"), spec, cal_id)
    assert (again.measured, again.moved) == (0, 0)


def test_a_policy_change_recomputes_the_priorities_it_changes(
    desk: Desk, world: dict[str, int]
) -> None:
    policy = next(p for p in sla_policies.policies(desk) if p.name == "Default")
    spec = policy.spec()
    t2 = spec.targets[2]
    longer = dataclasses.replace(
        spec, targets={**spec.targets, 2: dataclasses.replace(t2, resolution_s=9 * 3600)}
    )
    assert sla_policies.preview_policy(desk, longer, policy.id).count == 2
    done = sla_changes.apply_policy(desk, desk.actor("dev"), longer, policy.id)
    assert (done.measured, done.moved) == (2, 2)
    assert queries.get_incident(desk, world["a"]).resolution_due == utc(3, 8)  # Tue 09:00 CET
    assert queries.get_incident(desk, world["b"]).resolution_due == utc(3, 9)  # pause kept
    reasons = {h.reason for h in queries.history(desk, world["a"]) if h.field == "resolution_due"}
    assert reasons == {"SLA policy Default changed"}
    assert ("P2 resolution", "8 hours", "9 hours") in {
        (r.field, r.old, r.new) for r in admin_history(desk, "policy")
    }


def test_an_agent_is_refused_and_a_bad_calendar_moves_nothing(
    desk: Desk, world: dict[str, int]
) -> None:
    cal_id, spec = _split_and_closed_tuesday(desk)
    with pytest.raises(PermissionDenied):
        sla_changes.apply_calendar(desk, desk.actor("ana"), spec, cal_id)
    bad = dataclasses.replace(spec, tz="Europe/Brusels")
    with pytest.raises(ValidationError, match="Unknown time zone 'Europe/Brusels'"):
        sla_changes.apply_calendar(desk, desk.actor("dev"), bad, cal_id)
    assert _office(desk).tz == "Europe/Brussels"
    assert queries.get_incident(desk, world["a"]).resolution_due == utc(2, 16)


def test_priority_colours_are_the_admins_audited_and_fed(desk: Desk) -> None:
    from app.services import priority_colors as colors

    assert colors.priority_colors(desk) == ()
    saved = colors.set_priority_colors(desk, desk.actor("dev"), ["#AA0000", None, "00aa00"])
    assert saved == ("#aa0000", None, "#00aa00") == colors.priority_colors(desk)
    assert ("P3 colour", "the desk's", "#00aa00") in {
        (r.field, r.old, r.new) for r in admin_history(desk, "priority")
    }
    with pytest.raises(ValidationError, match="P2 colour: 'red' is not a colour like #b3001b"):
        colors.set_priority_colors(desk, desk.actor("dev"), ["#aa0000", "red"])
    with pytest.raises(PermissionDenied):
        colors.set_priority_colors(desk, desk.actor("ana"), ["#aa0000"])
    assert colors.priority_colors(desk) == ("#aa0000", None, "#00aa00")


def test_with_two_policies_only_the_changed_ones_incidents_are_re_measured(
    desk: Desk, world: dict[str, int]
) -> None:
    dev = desk.actor("dev")
    default = next(p for p in sla_policies.policies(desk) if p.name == "Default")
    second = sla_policies.save_policy(desk, dev, dataclasses.replace(default.spec(), name="Later"))
    sla_policies.save_policy(
        desk, dev, dataclasses.replace(default.spec(), active=False), default.id
    )
    later = inc.log_incident(
        desk, desk.actor("ana"), inc.NewIncident("Disk slow", impact=1, urgency=2)
    )
    spec = second.spec()
    t2 = spec.targets[2]
    longer = dataclasses.replace(
        spec, targets={**spec.targets, 2: dataclasses.replace(t2, resolution_s=9 * 3600)}
    )
    preview = sla_policies.preview_policy(desk, longer, second.id)
    assert (preview.count, [s.incident_id for s in preview.shifts]) == (1, [later.id])
    done = sla_changes.apply_policy(desk, dev, longer, second.id)
    assert (done.measured, [n for n, _o, _d in done.changes]) == (1, [later.number])
    assert queries.get_incident(desk, world["a"]).resolution_due == utc(2, 16)  # Default's: kept
