"""The response clock has what the resolution clock has, on SQLite and PostgreSQL: its 50% and
75% instants stored, each threshold announced once by the sweep, and notices for the people who
can take the incident (its group while nobody has, else its assignee)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from app.domain.sla import Threshold
from app.models import Incident
from app.services import catalog, defaults, notifications, queries, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from app.services.live import open_feed
from app.services.sla_sweep import sweep
from tests.clocks import Clock as SetClock

# Monday 2 March 2026, 09:00 in Brussels (CET, UTC+1)
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


class Clock(SetClock):
    def at_local(self, hour: int, minute: int = 0, second: int = 0) -> None:
        """Monday `hour`:`minute` in Brussels."""
        self.now = MONDAY_9 + timedelta(hours=hour - 9, minutes=minute, seconds=second)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_9)


@pytest.fixture
def desk(engine: Engine, clock: Clock) -> Desk:
    d = Desk(engine, clock=clock)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    users.add_user(d, None, "dev", "Dev Patel", "admin")
    root = d.actor("dev")
    sd = catalog.add_group(d, root, "Service Desk", 1)
    catalog.add_group(d, root, "Network", 2)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ola", "Ola Berg", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ben", "Ben Okafor", "specialist", groups=["Network"])
    d.sd = sd  # type: ignore[attr-defined]
    return d


def _response_columns(desk: Desk, incident_id: int) -> tuple[object, ...]:
    with desk.read() as conn:
        return tuple(
            conn.execute(
                select(
                    Incident.response_due,
                    Incident.response_warn_at,
                    Incident.response_at_risk_at,
                    Incident.response_stage,
                ).where(Incident.id == incident_id)
            ).one()
        )


def _p3(desk: Desk) -> int:
    """A P3 for the Service Desk, logged Monday 09:00 local by Ana, nobody assigned.
    P3: respond in 4 business hours (08:00-17:00), resolve in 2 business days."""
    rec = inc.log_incident(
        desk,
        desk.actor("ana"),
        inc.NewIncident("Shared drive slow", impact=2, urgency=2, group_id=desk.sd),  # type: ignore[attr-defined]
    )
    assert rec.priority == 3
    return rec.id


def utc(hour: int) -> datetime:
    """Monday `hour`:00 local (Brussels, UTC+1) in UTC."""
    return datetime(2026, 3, 2, hour - 1, 0, tzinfo=UTC)


def test_the_response_thresholds_are_stored_while_the_clock_runs(desk: Desk) -> None:
    incident_id = _p3(desk)
    # 50% at 11:00, 75% at 12:00, due at 13:00 local
    assert _response_columns(desk, incident_id) == (utc(13), utc(11), utc(12), 0)
    inc.assign_to_me(
        desk, desk.actor("ana"), incident_id, queries.get_incident(desk, incident_id).version
    )
    due, warn, at_risk, _stage = _response_columns(desk, incident_id)
    assert (due, warn, at_risk) == (utc(13), None, None)  # responded: nothing left to announce


def test_the_sweep_announces_each_response_threshold_once(desk: Desk, clock: Clock) -> None:
    incident_id = _p3(desk)
    clock.at_local(10, 59, 59)
    assert sweep(desk) == []
    clock.at_local(11, 0, 1)
    assert [(c.clock, c.threshold) for c in sweep(desk)] == [("response", Threshold.WARNING)]
    assert sweep(desk) == []
    clock.at_local(12, 0, 1)
    assert [(c.clock, c.threshold) for c in sweep(desk)] == [("response", Threshold.AT_RISK)]
    clock.at_local(13, 0, 1)
    got = sweep(desk)
    assert [(c.clock, c.threshold, c.group_name) for c in got] == [
        ("response", Threshold.BREACHED, "Service Desk")
    ]
    assert sweep(desk) == []
    bodies = [j.body for j in queries.journal(desk, incident_id)]
    assert [b.split(":")[0] for b in bodies if b.startswith("Response")] == [
        "Response warning",
        "Response at risk",
        "Response breached",
    ]
    assert _response_columns(desk, incident_id)[3] == 100
    record = queries.get_incident(desk, incident_id)
    assert record.response is not None and record.response.breached


def test_a_response_given_in_time_is_never_announced(desk: Desk, clock: Clock) -> None:
    incident_id = _p3(desk)
    clock.at_local(10, 30)
    inc.assign_to_me(
        desk, desk.actor("ola"), incident_id, queries.get_incident(desk, incident_id).version
    )
    clock.at_local(16)
    assert [c for c in sweep(desk) if c.clock == "response"] == []


def test_a_raised_priority_re_arms_the_response_announcements(desk: Desk, clock: Clock) -> None:
    incident_id = _p3(desk)
    clock.at_local(11, 0, 1)
    assert [c.threshold for c in sweep(desk)] == [Threshold.WARNING]
    # P5 responds in 2 business days: back below 50%, and 50% is announced again when reached
    inc.set_impact_urgency(desk, desk.actor("ana"), incident_id, None, 3, 3)
    assert _response_columns(desk, incident_id)[3] == 0
    clock.now += timedelta(days=1)  # Tuesday 11:00: 11 of 18 business hours
    assert [(c.clock, c.threshold) for c in sweep(desk)] == [("response", Threshold.WARNING)]


def test_the_group_is_told_when_nobody_takes_an_incident_in_time(desk: Desk, clock: Clock) -> None:
    incident_id = _p3(desk)
    number = queries.get_incident(desk, incident_id).number
    people = ("ana", "ola", "ben")
    watches = {name: notifications.watch(desk, desk.actor(name)) for name in people}
    kinds: list[str] = []
    told: dict[str, list[tuple[str, str]]] = {name: [] for name in people}
    with open_feed(desk) as feed:
        for hour in (11, 12, 13):  # 50%, 75%, 100%, each read by the desktops as it comes
            clock.at_local(hour, 0, 1)
            sweep(desk)
            changes = feed.read()
            kinds += [c.kind for c in changes]
            for name in people:
                got, watches[name] = notifications.notices(desk, watches[name], changes)
                told[name] += [(n.kind, n.text) for n in got]
    assert kinds == ["response_50", "response_75", "response_100"]
    expected = [  # 50% is in the journal, not a notice (as for the resolution clock)
        (
            "response_75",
            f"{number} passed 75% of its response target: Shared drive slow (nobody in Service Desk has taken it yet)",
        ),
        (
            "response_100",
            f"{number} breached its response target: Shared drive slow (nobody in Service Desk has taken it yet)",
        ),
    ]
    assert told["ana"] == expected and told["ola"] == expected
    assert told["ben"] == []  # not his group
