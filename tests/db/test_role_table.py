"""Every cell of the role table, through the services, on SQLite and PostgreSQL.

For each role, on an incident of the actor's own group and of another group, in every state,
every action is asked of the rule (app.domain.permissions) and then done through its use case:
allowed, the use case succeeds and writes a new version; refused, it raises the rule's very
reason and writes nothing. On PostgreSQL each actor works on a desk of their own login role
(`db roles`, users.sign_in), so the database's grants refuse none of the allowed writes. Then
the two disagreements the services had with the window."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from app.db import pg_roles
from app.domain.errors import DeskError, IllegalTransition, PermissionDenied
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import State
from app.domain.permissions import IncidentFacts, Target, why_not
from app.domain.records import IncidentRecord, incident_number
from app.models import AuditEntry, ChangeLogEntry, Incident, JournalEntry, SlaPause
from app.services import catalog, db_roles, defaults, queries, users
from app.services import incidents as inc
from app.services.context import Actor, Desk
from app.services.defaults import Defaults

A = IncidentAction
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass
class Desk4:
    desk: Desk
    groups: dict[str, int]  # name -> id
    line: dict[int, int]  # group id -> support line
    colleague: dict[int, int]  # group id -> a member nobody acts as
    parent_id: int


def _build(engine: Any) -> Desk4:
    desk = Desk(engine, clock=lambda: MONDAY_9)
    defaults.ensure_defaults(desk, Defaults(tz="Europe/Brussels"))
    users.add_user(desk, None, "dev", "Dev Patel", "admin")
    root = desk.actor("dev")
    lines = {"Service Desk": 1, "Desktop": 1, "Network": 2, "Datacenter": 3}
    groups = {name: catalog.add_group(desk, root, name, line) for name, line in lines.items()}
    people = [
        ("ana", "Ana Garcia", "agent", ["Service Desk"]),
        ("alex", "Alex Moreau", "agent", ["Service Desk"]),
        ("ben", "Ben Okafor", "specialist", ["Network"]),
        ("bea", "Bea Lund", "specialist", ["Network"]),
        ("carla", "Carla Rossi", "supervisor", ["Service Desk", "Network"]),
        ("dave", "Dave Kim", "agent", ["Desktop"]),
        ("dara", "Dara Ng", "specialist", ["Datacenter"]),
    ]
    for username, name, role, member_of in people:
        users.add_user(desk, root, username, name, role, groups=member_of)
    users_by_name = {p.username: p for p in users.list_users(desk)}
    for gid in groups.values():
        catalog.set_supervisor(desk, root, gid, users_by_name["carla"].id)
    with desk.write() as s:  # the admin works Desktop's queue too
        from app.models import agent_groups

        s.execute(agent_groups.insert().values(agent_id=root.id, group_id=groups["Desktop"]))
    colleague = {
        groups["Service Desk"]: users_by_name["alex"].id,
        groups["Network"]: users_by_name["bea"].id,
        groups["Desktop"]: users_by_name["dave"].id,
        groups["Datacenter"]: users_by_name["dara"].id,
    }
    parent = inc.log_incident(desk, desk.actor("dev"), inc.NewIncident("Wi-Fi down on floor 3"))
    return Desk4(desk, groups, {groups[n]: ln for n, ln in lines.items()}, colleague, parent.id)


@pytest.fixture
def world(engine: Any) -> Desk4:
    return _build(engine)


# (actor, their own group, another group)
ACTORS = [
    ("ana", "Service Desk", "Network"),
    ("ben", "Network", "Service Desk"),
    ("carla", "Service Desk", "Desktop"),
    ("dev", "Desktop", "Network"),
]


def make(w: Desk4, state: State, group: str, *, major: bool) -> IncidentRecord:
    """An incident in `state`, in `group`, made by the admin through the services."""
    d, dev = w.desk, w.desk.actor("dev")
    r = inc.log_incident(
        d, dev, inc.NewIncident("Printer jams", group_id=w.groups[group], major=major)
    )
    if state in (State.IN_PROGRESS, State.ON_HOLD):
        r = inc.start_work(d, dev, r.id, r.version)
    if state is State.ON_HOLD:
        r = inc.hold(d, dev, r.id, r.version, "awaiting_vendor")
    if state in (State.RESOLVED, State.CLOSED):
        r = inc.resolve(d, dev, r.id, r.version, "solution_provided", "Replaced the toner")
    if state is State.CLOSED:
        r = inc.close(d, dev, r.id, r.version)
    if state is State.CANCELLED:
        r = inc.cancel(d, dev, r.id, r.version, "Logged in error")
    assert r.state is state
    return r


def clone(w: Desk4, r: IncidentRecord) -> IncidentRecord:
    """A copy of the incident `r` (row and pauses) under a new number: the same facts, made
    in one statement instead of the use cases that brought `r` where it is."""
    t, p = Incident.__table__, SlaPause.__table__
    with w.desk.engine.begin() as conn:
        row = dict(conn.execute(select(t).where(t.c.id == r.id)).mappings().one())
        del row["id"]
        row["number"] = f"~{uuid.uuid4().hex[:18]}"  # replaced by INC<id> below
        new_id = conn.execute(insert(t).values(**row)).inserted_primary_key[0]
        conn.execute(update(t).where(t.c.id == new_id).values(number=incident_number(new_id)))
        for pause in conn.execute(select(p).where(p.c.incident_id == r.id)).mappings().all():
            values = dict(pause)
            del values["id"]
            conn.execute(insert(p).values(**{**values, "incident_id": new_id}))
    return queries.get_incident(w.desk, new_id)


def target_of(w: Desk4, action: IncidentAction, r: IncidentRecord) -> Target | None:
    return Target(r.group_id) if action is A.ASSIGN_PERSON else None


def do(w: Desk4, actor: Actor, action: IncidentAction, r: IncidentRecord) -> object:
    """`action` through its use case, with good input (only the rule can refuse it)."""
    d, v = w.desk, r.version
    group_id = r.group_id or 0
    other_group = (
        w.groups["Desktop"] if group_id == w.groups["Service Desk"] else w.groups["Service Desk"]
    )
    higher = w.groups["Network"] if r.support_line == 1 else w.groups["Datacenter"]
    calls = {
        A.ADD_NOTE: lambda: inc.add_journal(d, actor, r.id, "work_note", "Called the caller back"),
        A.EDIT: lambda: inc.update_fields(d, actor, r.id, v, {"title": "Printer jams on floor 2"}),
        A.START: lambda: inc.start_work(d, actor, r.id, v),
        A.ASSIGN_TO_ME: lambda: inc.assign_to_me(d, actor, r.id, v),
        A.ASSIGN_GROUP: lambda: inc.assign(
            d, actor, r.id, v, group_id=other_group, assignee_id=None
        ),
        A.ASSIGN_PERSON: lambda: inc.assign(
            d, actor, r.id, v, group_id=group_id, assignee_id=w.colleague[group_id]
        ),
        A.ESCALATE: lambda: inc.escalate_functional(
            d, actor, r.id, v, higher, "Needs the next line"
        ),
        A.ESCALATE_TO_SUPERVISOR: lambda: inc.escalate_hierarchical(
            d, actor, r.id, v, "Caller is the CFO"
        ),
        A.HOLD: lambda: inc.hold(d, actor, r.id, v, "awaiting_vendor"),
        A.RESUME: lambda: inc.resume(d, actor, r.id, v),
        A.RESOLVE: lambda: inc.resolve(
            d, actor, r.id, v, "solution_provided", "Cleaned the rollers"
        ),
        A.CLOSE: lambda: inc.close(d, actor, r.id, v),
        A.REOPEN: lambda: inc.reopen(d, actor, r.id, v, "The caller says it jams again"),
        A.CANCEL: lambda: inc.cancel(d, actor, r.id, v, "Duplicate of INC0000001"),
        A.MARK_MAJOR: lambda: inc.mark_major(d, actor, r.id, v, True),
        A.UNMARK_MAJOR: lambda: inc.mark_major(d, actor, r.id, v, False),
        A.OVERRIDE_PRIORITY: lambda: inc.override_priority(
            d, actor, r.id, v, 1, "The CFO's printer"
        ),
        A.LINK_PARENT: lambda: inc.link_parent(d, actor, r.id, v, w.parent_id),
        A.LINK_RELATED: lambda: inc.set_related(
            d, actor, r.id, v, inc.RelatedLinks(change_ref="CHG0030012")
        ),
    }
    return calls[action]()


@contextmanager
def own_desks(w: Desk4) -> Iterator[Callable[[str], Desk4]]:
    """Each actor's desk: on PostgreSQL, one of the person's own login role (`db roles` set up,
    signed in through users.sign_in: the shared server trusts, no password is checked), so the
    walk also finds any write the grants refuse; on SQLite the world's own."""
    if w.desk.dialect != "postgresql":
        yield lambda _username: w
        return
    db_roles.setup_roles(w.desk)
    with w.desk.read() as conn:
        prefix = db_roles.configured_prefix(conn)
    opened: list[Desk] = []

    def desk_of(username: str) -> Desk4:
        signed = users.sign_in(w.desk, username, "trusted")
        assert signed.database_role == pg_roles.login_role(str(prefix), username)
        opened.append(signed.desk)
        return replace(w, desk=signed.desk)

    try:
        yield desk_of
    finally:
        for d in opened:
            d.engine.dispose()
        with w.desk.engine.begin() as conn:
            pg_roles.drop_roles(conn, str(prefix))


def test_every_cell_of_the_role_table_through_the_services(world: Desk4) -> None:
    w = world
    shared: dict[tuple[State, str, bool], IncidentRecord] = {}
    checked = {"allowed": 0, "refused": 0}
    with own_desks(w) as desk_of:
        for username, own, other in ACTORS:
            _walk(w, desk_of(username), username, own, other, shared, checked)
    # a refusal writes nothing: every shared incident is still at the version it was made with
    for r in shared.values():
        assert queries.get_incident(w.desk, r.id).version == r.version, r.number
    # the walk saw both answers for every role (a table of all "yes" or all "no" fails here)
    assert checked["allowed"] > 100 and checked["refused"] > 300, checked


def _walk(
    w: Desk4,
    theirs: Desk4,
    username: str,
    own: str,
    other: str,
    shared: dict[tuple[State, str, bool], IncidentRecord],
    checked: dict[str, int],
) -> None:
    """Every action of the actor `username`, on `theirs` (their desk), on incidents `w` made."""
    actor = theirs.desk.actor(username)
    for group in (own, other):
        for state in State:
            for action in IncidentAction:
                major = action is A.UNMARK_MAJOR
                key = (state, group, major)
                if key not in shared:
                    shared[key] = make(w, state, group, major=major)
                r = shared[key]
                expected = why_not(actor, IncidentFacts.of(r), action, target_of(w, action, r))
                where = f"{username} ({actor.role.value}) {action.value} on a {state.label} incident of {group}"
                if expected is None:
                    fresh = clone(w, r)
                    out = do(theirs, actor, action, fresh)
                    if isinstance(out, IncidentRecord):  # a note is not a new version
                        assert out.version == fresh.version + 1, where
                    assert out is not None
                    checked["allowed"] += 1
                    continue
                with pytest.raises((PermissionDenied, IllegalTransition)) as err:
                    do(theirs, actor, action, r)
                assert str(err.value) == expected, where
                checked["refused"] += 1


def _audit_rows(desk: Desk, incident_id: int) -> int:
    with desk.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.incident_id == incident_id)
            ).scalar_one()
        )


def test_a_closed_incident_keeps_its_priority_and_major_flag_even_for_an_admin(
    world: Desk4,
) -> None:
    w = world
    dev = w.desk.actor("dev")
    closed = make(w, State.CLOSED, "Desktop", major=False)
    rows = _audit_rows(w.desk, closed.id)
    refusal = "is Closed: only its problem, change and caused-by may still be set, by an admin"
    attempts = [
        lambda: inc.mark_major(w.desk, dev, closed.id, closed.version, True),
        lambda: inc.set_impact_urgency(w.desk, dev, closed.id, closed.version, 1, 1),
        lambda: inc.update_fields(
            w.desk, dev, closed.id, closed.version, {"impact": 1, "urgency": 1}
        ),
        lambda: inc.override_priority(w.desk, dev, closed.id, closed.version, 1, "CEO"),
    ]
    for attempt in attempts:
        with pytest.raises(IllegalTransition, match=refusal):
            attempt()
    after = queries.get_incident(w.desk, closed.id)
    assert (after.major, after.priority, after.version) == (False, closed.priority, closed.version)
    assert _audit_rows(w.desk, closed.id) == rows  # no audit row written
    # what stays settable: problem, change, caused-by
    linked = inc.set_related(
        w.desk,
        dev,
        closed.id,
        closed.version,
        inc.RelatedLinks(change_ref="CHG0030012", caused_by_id=w.parent_id),
        reason="Found in the change review",
    )
    assert (linked.state, linked.change_ref, linked.caused_by_number) == (
        State.CLOSED,
        "CHG0030012",
        "INC0000001",
    )
    with pytest.raises(IllegalTransition, match=refusal):
        inc.set_related(
            w.desk, w.desk.actor("carla"), closed.id, linked.version, inc.RelatedLinks()
        )
    fields = {h.field: (h.new, h.reason) for h in queries.history(w.desk, closed.id)}
    assert fields["change_ref"] == ("CHG0030012", "Found in the change review")


def test_escalating_to_the_supervisor_twice_is_refused_and_writes_nothing(world: Desk4) -> None:
    w = world
    ana = w.desk.actor("ana")
    r = make(w, State.IN_PROGRESS, "Service Desk", major=False)
    up = inc.escalate_hierarchical(w.desk, ana, r.id, r.version, "Caller is the CFO")
    with w.desk.read() as conn:
        before_log = conn.execute(select(func.count()).select_from(ChangeLogEntry)).scalar_one()
        before_notes = conn.execute(select(func.count()).select_from(JournalEntry)).scalar_one()
    for actor in (ana, w.desk.actor("carla")):
        with pytest.raises(IllegalTransition) as err:
            inc.escalate_hierarchical(w.desk, actor, r.id, None, "Still urgent")
        assert str(err.value) == f"{r.number} was escalated to its group's supervisor already"
    assert queries.get_incident(w.desk, r.id).version == up.version
    with w.desk.read() as conn:
        assert (
            conn.execute(select(func.count()).select_from(ChangeLogEntry)).scalar_one()
            == before_log
        )
        assert (
            conn.execute(select(func.count()).select_from(JournalEntry)).scalar_one()
            == before_notes
        )


def test_an_agent_routes_to_a_group_but_names_nobody_and_a_specialist_names_a_colleague(
    world: Desk4,
) -> None:
    w = world
    ana, ben = w.desk.actor("ana"), w.desk.actor("ben")
    r = make(w, State.NEW, "Service Desk", major=False)
    with pytest.raises(
        PermissionDenied,
        match=r"^Only a specialist, a supervisor or an admin may assign an incident to someone else$",
    ):
        inc.assign(
            w.desk,
            ana,
            r.id,
            r.version,
            group_id=w.groups["Network"],
            assignee_id=w.colleague[w.groups["Network"]],
        )
    routed = inc.assign(
        w.desk, ana, r.id, r.version, group_id=w.groups["Network"], assignee_id=None
    )
    assert (routed.group_name, routed.assignee_id) == ("Network", None)
    handed = inc.assign(
        w.desk,
        ben,
        r.id,
        routed.version,
        group_id=w.groups["Network"],
        assignee_id=w.colleague[w.groups["Network"]],
    )
    assert handed.assignee_name == "Bea Lund"
    with pytest.raises(
        PermissionDenied, match="only within their own groups, and Service Desk is not one of them"
    ):
        inc.assign(
            w.desk,
            ben,
            r.id,
            handed.version,
            group_id=w.groups["Service Desk"],
            assignee_id=w.colleague[w.groups["Service Desk"]],
        )
    # and Ana may no longer work it: it is Network's now, but she may still add a note
    with pytest.raises(PermissionDenied, match="belongs to Network, not to one of your groups"):
        inc.hold(w.desk, ana, r.id, handed.version, "awaiting_vendor")
    inc.add_journal(w.desk, ana, r.id, "work_note", "The caller called again")


def test_an_override_holds_until_impact_or_urgency_change(world: Desk4) -> None:
    w = world
    carla = w.desk.actor("carla")
    r = make(w, State.IN_PROGRESS, "Service Desk", major=False)
    up = inc.override_priority(w.desk, carla, r.id, r.version, 1, "The CFO cannot work")
    assert (up.priority, up.priority_overridden) == (1, True)
    again = inc.set_impact_urgency(w.desk, carla, r.id, up.version, r.impact, r.urgency)
    assert again.priority == 1  # a matrix recompute (same impact and urgency) passes it by
    assert (r.impact, r.urgency, r.priority) == (3, 3, 5)
    moved = inc.set_impact_urgency(w.desk, carla, r.id, again.version, 2, 2)
    assert (moved.priority, moved.priority_overridden) == (3, False)
    audit = [h for h in queries.history(w.desk, r.id) if h.field == "priority"]
    assert audit[0].reason == "Priority override: The CFO cannot work"
    with pytest.raises(DeskError, match="Priority must be 1 to 5"):
        inc.override_priority(w.desk, carla, r.id, moved.version, 7, "x")
