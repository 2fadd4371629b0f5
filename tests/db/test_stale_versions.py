"""Every use case that takes the version its caller saw refuses a stale one, on SQLite and
PostgreSQL: another workstation changed the incident in between, so the move raises
ConflictError naming that change, and nothing of it is written: not the incident, not an
audit row, a journal entry, a pause, nor a change for the other workstations (the feed their
notifications come from).

(A journal note takes no version: appending never overwrites anyone, see `add_journal`.)"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db.changes import latest_seq
from app.domain.errors import ConflictError
from app.domain.lifecycle import State
from app.models import AuditEntry, ChangeLogEntry, Incident, JournalEntry, SlaPause
from app.services import catalog, defaults, notifications, problems, queries, users
from app.services import incidents as inc
from app.services.context import Actor, Desk
from app.services.defaults import Defaults

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Brussels


class Clock:
    def __init__(self) -> None:
        self.now = MONDAY_9

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)  # every call a minute later: each write its own instant
        return self.now


@dataclass
class World:
    desk: Desk
    ana: Actor  # agent, Service Desk
    carla: Actor  # supervisor of the Service Desk
    dev: Actor  # admin
    sd: int
    net: int
    problem: int
    category: int  # Software > Email, routed to Network
    parent: int  # an incident to link others to


@pytest.fixture
def world(engine) -> World:  # type: ignore[no-untyped-def]
    desk = Desk(engine, clock=Clock())
    defaults.ensure_defaults(desk, Defaults(tz="Europe/Brussels"))
    users.add_user(desk, None, "dev", "Dev Patel", "admin", password="admin-pass")
    dev = desk.actor("dev")
    sd = catalog.add_group(desk, dev, "Service Desk", 1)
    net = catalog.add_group(desk, dev, "Network", 2)
    users.add_user(desk, dev, "carla", "Carla Rossi", "supervisor", groups=["Service Desk"])
    catalog.set_supervisor(desk, dev, sd, desk.actor("carla").id)
    users.add_user(desk, dev, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    problem = problems.add_problem(desk, dev, "Outlook profile corruption")
    software = catalog.add_category(desk, dev, "Software")
    email = catalog.add_category(desk, dev, "Email", parent_id=software, default_group_id=net)
    w = World(desk, desk.actor("ana"), desk.actor("carla"), dev, sd, net, problem, email, 0)
    w.parent = _new(w)
    return w


def _new(w: World) -> int:
    rec = inc.log_incident(
        w.desk,
        w.ana,
        inc.NewIncident(
            "Outlook crashes on the shared calendar", impact=3, urgency=2, group_id=w.sd
        ),
    )
    return rec.id


def _in_progress(w: World) -> int:
    rec_id = _new(w)
    inc.assign_to_me(w.desk, w.ana, rec_id, None)
    return rec_id


def _on_hold(w: World) -> int:
    rec_id = _in_progress(w)
    inc.hold(w.desk, w.ana, rec_id, None, "awaiting_vendor")
    return rec_id


def _resolved(w: World) -> int:
    rec_id = _in_progress(w)
    inc.resolve(w.desk, w.ana, rec_id, None, "solution_provided", "Rebuilt the profile")
    return rec_id


def _closed(w: World) -> int:
    rec_id = _resolved(w)
    inc.close(w.desk, w.ana, rec_id, None)
    return rec_id


Move = Callable[[World, int, int], Any]

# name: (how the incident gets to where the move is allowed, the move from version `v`,
#        the state it is in, and stays in when refused)
CASES: dict[str, tuple[Callable[[World], int], Move, State]] = {
    "start work": (_new, lambda w, i, v: inc.start_work(w.desk, w.ana, i, v), State.NEW),
    "take it": (_new, lambda w, i, v: inc.assign_to_me(w.desk, w.ana, i, v), State.NEW),
    "assign to someone else": (
        _new,
        lambda w, i, v: inc.assign(w.desk, w.carla, i, v, group_id=w.sd, assignee_id=w.ana.id),
        State.NEW,
    ),
    "route to a group": (
        _new,
        lambda w, i, v: inc.assign(w.desk, w.carla, i, v, group_id=w.net, assignee_id=None),
        State.NEW,
    ),
    "escalate": (
        _in_progress,
        lambda w, i, v: inc.escalate_functional(
            w.desk, w.ana, i, v, w.net, "VPN concentrator down"
        ),
        State.IN_PROGRESS,
    ),
    "escalate to the supervisor": (
        _in_progress,
        lambda w, i, v: inc.escalate_hierarchical(w.desk, w.ana, i, v, "The caller is the CFO"),
        State.IN_PROGRESS,
    ),
    "hold": (
        _in_progress,
        lambda w, i, v: inc.hold(
            w.desk, w.ana, i, v, "awaiting_caller", "Please send a screenshot"
        ),
        State.IN_PROGRESS,
    ),
    "resume": (
        _on_hold,
        lambda w, i, v: inc.resume(w.desk, w.ana, i, v, "The vendor answered"),
        State.ON_HOLD,
    ),
    "resolve": (
        _in_progress,
        lambda w, i, v: inc.resolve(w.desk, w.ana, i, v, "solution_provided", "Cleared the cache"),
        State.IN_PROGRESS,
    ),
    "close": (_resolved, lambda w, i, v: inc.close(w.desk, w.ana, i, v), State.RESOLVED),
    "reopen": (
        _resolved,
        lambda w, i, v: inc.reopen(w.desk, w.ana, i, v, "Crashes again"),
        State.RESOLVED,
    ),
    "cancel": (
        _new,
        lambda w, i, v: inc.cancel(w.desk, w.carla, i, v, "Duplicate of INC0000009"),
        State.NEW,
    ),
    "mark major": (
        _in_progress,
        lambda w, i, v: inc.mark_major(w.desk, w.carla, i, v),
        State.IN_PROGRESS,
    ),
    "edit the form": (
        _in_progress,
        lambda w, i, v: inc.update_fields(
            w.desk, w.ana, i, v, {"description": "Crash log attached", "impact": 1}
        ),
        State.IN_PROGRESS,
    ),
    "categorise": (
        _in_progress,
        lambda w, i, v: inc.categorise(w.desk, w.ana, i, v, w.category, reroute=True),
        State.IN_PROGRESS,
    ),
    "re-prioritise": (
        _in_progress,
        lambda w, i, v: inc.set_impact_urgency(w.desk, w.ana, i, v, 1, 1, reason="whole floor"),
        State.IN_PROGRESS,
    ),
    "override the priority": (
        _in_progress,
        lambda w, i, v: inc.override_priority(w.desk, w.carla, i, v, 1, "The CEO's laptop"),
        State.IN_PROGRESS,
    ),
    "link a parent": (
        _in_progress,
        lambda w, i, v: inc.link_parent(w.desk, w.ana, i, v, w.parent),
        State.IN_PROGRESS,
    ),
    "link a problem": (
        _resolved,
        lambda w, i, v: inc.link_problem(w.desk, w.carla, i, v, w.problem),
        State.RESOLVED,
    ),
    "related links of a closed incident": (
        _closed,
        lambda w, i, v: inc.set_related(
            w.desk, w.dev, i, v, inc.RelatedLinks(problem_id=w.problem, change_ref="CHG0030012")
        ),
        State.CLOSED,
    ),
}


def _written(desk: Desk, incident_id: int) -> dict[str, object]:
    """Everything a write leaves behind, for one incident."""
    with desk.read() as conn:
        row = conn.execute(select(Incident).where(Incident.id == incident_id)).mappings().one()

        def count(model: type, *where: object) -> int:
            return int(
                conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
            )

        return {
            "incident": dict(row),
            "audit": count(AuditEntry, AuditEntry.incident_id == incident_id),
            "journal": count(JournalEntry, JournalEntry.incident_id == incident_id),
            "pauses": count(SlaPause, SlaPause.incident_id == incident_id),
            "change_log": count(ChangeLogEntry),
        }


@pytest.mark.parametrize("case", list(CASES))
def test_a_stale_version_is_refused_and_writes_nothing(world: World, case: str) -> None:
    prepare, move, state = CASES[case]
    w = world
    incident_id = prepare(w)
    seen = queries.get_incident(w.desk, incident_id)  # what the first workstation shows
    assert seen.state is state
    # meanwhile an admin on another workstation records the change that fixed it
    inc.set_related(
        w.desk, w.dev, incident_id, seen.version, inc.RelatedLinks(change_ref="CHG0030001")
    )
    before = _written(w.desk, incident_id)
    watch = notifications.watch(w.desk, w.carla)
    with w.desk.read() as conn:
        seq = latest_seq(conn)

    with pytest.raises(ConflictError) as err:
        move(w, incident_id, seen.version)

    assert (err.value.expected_version, err.value.current_version) == (
        seen.version,
        seen.version + 1,
    )
    assert [(c.field, c.new, c.by) for c in err.value.changes] == [
        ("change_ref", "CHG0030001", "dev")
    ]
    after = _written(w.desk, incident_id)
    assert after == before, "a refused move wrote something"
    assert queries.get_incident(w.desk, incident_id).state is state
    told, _ = notifications.notices(w.desk, watch, queries.changes_since(w.desk, seq))
    assert told == []


@pytest.mark.parametrize("case", ["hold", "resolve", "close", "reopen", "cancel"])
def test_the_current_version_goes_through(world: World, case: str) -> None:
    """The same moves from the version the row has: the refusal above is the version's."""
    prepare, move, state = CASES[case]
    incident_id = prepare(world)
    current = queries.get_incident(world.desk, incident_id)
    out = move(world, incident_id, current.version)
    assert out.version == current.version + 1 and out.state is not state
