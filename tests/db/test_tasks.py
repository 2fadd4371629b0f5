"""Incident tasks on SQLite and PostgreSQL: numbering, who may work them, audit, change feed,
conflicts, and the resolve rule (refused while a task is open, unless closed with a reason)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.errors import ConflictError, IllegalTransition, PermissionDenied, ValidationError
from app.domain.lifecycle import State
from app.domain.tasks import CLOSE_ON_RESOLVE, TaskState
from app.models import ChangeLogEntry, Setting
from app.services import catalog, defaults, queries, tasks, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine, clock=Clock(MONDAY_9))
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor(admin.username)
    sd = catalog.add_group(d, root, "Service Desk", 1)
    net = catalog.add_group(d, root, "Network", 2)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ben", "Ben Okafor", "specialist", groups=["Network"])
    users.add_user(d, root, "eve", "Eve Stone", "specialist", groups=["Network"])
    users.add_user(d, root, "max", "Max Weber", "agent", groups=["Service Desk"])
    d.ids = {"sd": sd, "net": net}  # type: ignore[attr-defined]
    return d


def _incident(desk: Desk) -> int:
    ana = desk.actor("ana")
    rec = inc.log_incident(
        desk,
        ana,
        inc.NewIncident(title="VPN drops every hour", impact=2, urgency=2, group_id=desk.ids["sd"]),  # type: ignore[attr-defined]
    )
    return rec.id


def test_a_task_for_network_is_numbered_listed_audited_and_announced(desk: Desk) -> None:
    iid = _incident(desk)
    with desk.read() as conn:
        before = conn.execute(
            select(ChangeLogEntry.seq).order_by(ChangeLogEntry.seq.desc())
        ).scalar()
    due = MONDAY_9 + timedelta(days=1)
    t = tasks.add_task(
        desk,
        desk.actor("ana"),
        iid,
        "  Check the firewall   logs ",
        group_id=desk.ids["net"],  # type: ignore[attr-defined]
        description="between 09:00 and 10:00",
        due_at=due,
    )
    assert t.number == f"TASK{t.id:07d}" and t.number.startswith("TASK000000")
    assert (t.title, t.state, t.group_name, t.assignee_name) == (
        "Check the firewall logs",
        TaskState.OPEN,
        "Network",
        None,
    )
    assert t.due_at == due and t.created_by == "Ana Garcia" and t.incident_number == "INC0000001"
    assert [x.number for x in tasks.incident_tasks(desk, iid)] == [t.number]
    assert [x.number for x in tasks.group_tasks(desk, [desk.ids["net"]])] == [t.number]  # type: ignore[attr-defined]
    assert tasks.group_tasks(desk, [desk.ids["sd"]]) == []  # type: ignore[attr-defined]
    history = [h for h in queries.history(desk, iid) if h.field == "task"]
    assert history[-1].new == f"{t.number} · Network · unassigned · Check the firewall logs"
    assert history[-1].by == "Ana Garcia"
    with desk.read() as conn:
        changes = conn.execute(
            select(ChangeLogEntry.entity, ChangeLogEntry.entity_id, ChangeLogEntry.kind).where(
                ChangeLogEntry.seq > (before or 0)
            )
        ).all()
    assert ("incident", iid, "task") in changes and ("task", t.id, "created") in changes


def test_network_works_the_task_and_closes_it(desk: Desk) -> None:
    iid = _incident(desk)
    t = tasks.add_task(desk, desk.actor("ana"), iid, "Check logs", group_id=desk.ids["net"])  # type: ignore[attr-defined]
    ben = desk.actor("ben")
    started = tasks.start_task(desk, ben, t.id, t.version)
    assert started.state is TaskState.WORK_IN_PROGRESS and started.assignee_name == "Ben Okafor"
    with pytest.raises(IllegalTransition, match="Work in progress already"):
        tasks.start_task(desk, ben, t.id, None)
    moved = tasks.assign_task(
        desk,
        ben,
        t.id,
        started.version,
        group_id=desk.ids["net"],
        assignee_id=desk.actor("eve").id,  # type: ignore[attr-defined]
    )
    assert moved.assignee_name == "Eve Stone"
    with pytest.raises(ValidationError, match="Ana Garcia is not a member of Network"):
        tasks.assign_task(
            desk,
            ben,
            t.id,
            None,
            group_id=desk.ids["net"],
            assignee_id=desk.actor("ana").id,  # type: ignore[attr-defined]
        )
    done = tasks.close_task(
        desk, ben, t.id, moved.version, complete=True, note="rule fixed", time_worked_s=1800
    )
    assert done.state is TaskState.CLOSED_COMPLETE and done.close_note == "rule fixed"
    assert done.closed_at == MONDAY_9 and done.time_worked_s == 1800
    with pytest.raises(IllegalTransition, match="Closed complete"):
        tasks.close_task(desk, ben, t.id, None, complete=False, note="again")
    changes = [h.new for h in queries.history(desk, iid) if h.field == "task"]
    assert changes[-1] == f"{t.number} · Closed complete"


def test_closing_incomplete_needs_a_note_and_stale_versions_conflict(desk: Desk) -> None:
    iid = _incident(desk)
    t = tasks.add_task(desk, desk.actor("ana"), iid, "Check logs", group_id=desk.ids["net"])  # type: ignore[attr-defined]
    ben = desk.actor("ben")
    with pytest.raises(ValidationError, match="a note is required"):
        tasks.close_task(desk, ben, t.id, t.version, complete=False, note="  ")
    tasks.start_task(desk, ben, t.id, t.version)
    with pytest.raises(ConflictError, match=t.number):
        tasks.close_task(desk, ben, t.id, t.version, complete=False, note="no access")
    assert tasks.get_task(desk, t.number.lower()).state is TaskState.WORK_IN_PROGRESS


def test_who_may_ask_and_work_a_task(desk: Desk) -> None:
    iid = _incident(desk)
    with pytest.raises(PermissionDenied):  # Network may not edit Service Desk's incident
        tasks.add_task(desk, desk.actor("ben"), iid, "x", group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="title"):
        tasks.add_task(desk, desk.actor("ana"), iid, "  ", group_id=desk.ids["net"])  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="which group"):
        tasks.add_task(desk, desk.actor("ana"), iid, "Check", group_id=None)
    t = tasks.add_task(desk, desk.actor("ana"), iid, "Check", group_id=desk.ids["net"])  # type: ignore[attr-defined]
    # Max is in the incident's group: the requester side may close its own request
    closed = tasks.close_task(
        desk, desk.actor("max"), t.id, None, complete=False, note="not needed"
    )
    assert closed.state is TaskState.CLOSED_INCOMPLETE
    # once the incident went to Network, the Service Desk no longer works its tasks
    other = tasks.add_task(desk, desk.actor("ana"), iid, "Other", group_id=desk.ids["net"])  # type: ignore[attr-defined]
    inc.escalate_functional(desk, desk.actor("ana"), iid, None, desk.ids["net"], "needs network")  # type: ignore[attr-defined]
    with pytest.raises(PermissionDenied, match="Only TASK"):
        tasks.start_task(desk, desk.actor("max"), other.id, None)


def test_resolve_is_refused_while_a_task_is_open_naming_it(desk: Desk) -> None:
    iid = _incident(desk)
    ana = desk.actor("ana")
    inc.start_work(desk, ana, iid, None)
    a = tasks.add_task(desk, ana, iid, "Check logs", group_id=desk.ids["net"])  # type: ignore[attr-defined]
    b = tasks.add_task(desk, ana, iid, "Replace switch", group_id=desk.ids["net"])  # type: ignore[attr-defined]
    tasks.close_task(desk, desk.actor("ben"), b.id, None, complete=True, note=None)
    with pytest.raises(ValidationError, match=rf"1 open task \({a.number}\)"):
        inc.resolve(desk, ana, iid, None, "solution_provided", "VPN fixed")
    assert queries.get_incident(desk, iid).state is State.IN_PROGRESS
    rec = inc.resolve(
        desk, ana, iid, None, "solution_provided", "VPN fixed", close_tasks="fixed by the update"
    )
    assert rec.state is State.RESOLVED
    closed = tasks.get_task(desk, a.id)
    assert (
        closed.state is TaskState.CLOSED_INCOMPLETE and closed.close_note == "fixed by the update"
    )
    assert tasks.get_task(desk, b.id).close_note is None  # the closed one stays as it was
    journal = [j.body for j in queries.journal(desk, iid)]
    assert any(a.number in body and "fixed by the update" in body for body in journal)


def test_the_site_setting_forbids_closing_tasks_with_the_resolution(desk: Desk) -> None:
    iid = _incident(desk)
    ana = desk.actor("ana")
    inc.start_work(desk, ana, iid, None)
    t = tasks.add_task(desk, ana, iid, "Check logs", group_id=desk.ids["net"])  # type: ignore[attr-defined]
    with desk.write() as s:
        s.merge(Setting(key=CLOSE_ON_RESOLVE, value=False))
    with pytest.raises(ValidationError, match="does not let a resolution close them"):
        inc.resolve(desk, ana, iid, None, "solution_provided", "fixed", close_tasks="done anyway")
    assert tasks.get_task(desk, t.id).state is TaskState.OPEN
    tasks.close_task(desk, ana, t.id, None, complete=True, note=None)
    assert inc.resolve(desk, ana, iid, None, "solution_provided", "fixed").state is State.RESOLVED


def test_time_worked_totals_per_person_and_group(desk: Desk) -> None:
    iid = _incident(desk)
    ana, ben = desk.actor("ana"), desk.actor("ben")
    inc.add_journal(desk, ana, iid, "work_note", "Called the user", 20 * 60)
    inc.add_journal(desk, ana, iid, "work_note", "Checked the client", 30 * 60)
    inc.add_journal(desk, ben, iid, "work_note", "Looked at the concentrator")  # no time said
    t = tasks.add_task(desk, ana, iid, "Check logs", group_id=desk.ids["net"], assignee_id=ben.id)  # type: ignore[attr-defined]
    tasks.close_task(desk, ben, t.id, None, complete=True, note=None, time_worked_s=45 * 60)
    with pytest.raises(ValidationError, match="between 0 and 168 hours"):
        inc.add_journal(desk, ana, iid, "work_note", "typo", -60)
    totals = tasks.time_totals(desk, iid)
    assert totals.total_s == 95 * 60
    assert totals.by_person == [("Ana Garcia", 50 * 60), ("Ben Okafor", 45 * 60)]
    assert totals.by_group == [("Service Desk", 50 * 60), ("Network", 45 * 60)]
    worked = [j.time_worked_s for j in queries.journal(desk, iid) if j.kind.value == "work_note"]
    assert worked == [1200, 1800, 0]
    assert tasks.duration_text(95 * 60) == "1 h 35 min"
