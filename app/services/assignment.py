"""Automatic assignment, in the transaction of the change that routes an incident to a group
(logging, a functional escalation by a person or a rule, a reassignment to a group): the
group's mode (app.domain.assignment) names an assignee among its available members, or nobody.

The assignee's audit row is the desk's ("Incident Desk"), with the rule as its reason
("Automatic assignment: round robin in Network"), whoever made the routing change; the rest of
the change is audited as theirs. Members mark themselves available or away (`set_available`,
from the main window); an admin sets a group's mode (`set_mode`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.assignment import (
    AssignmentMode,
    check_mode,
    describe,
    least_loaded,
    next_in_turn,
)
from app.domain.errors import NotFound, ValidationError
from app.domain.records import JournalKind
from app.domain.roles import Permission
from app.domain.sla_config import FieldDiff
from app.models import Agent, Group, Incident, JournalEntry, agent_groups
from app.services.admin_audit import record_changes
from app.services.context import SYSTEM_USER, Actor, Desk
from app.services.held_groups import group_of

# session.info key: field -> (agent id, reason) for audit rows written by someone else than the
# actor of the use case (app.services.incidents.mutation.audit_rows reads it)
AUDIT_BY = "audit_by"


@dataclass(frozen=True)
class Picked:
    agent_id: int
    name: str
    reason: str


def _weight() -> ColumnElement[int]:
    """An open incident's weight by its priority, in SQL (app.domain.assignment.priority_weight)."""
    return case(
        (Incident.priority <= 1, 5),
        (Incident.priority == 2, 4),
        (Incident.priority == 3, 3),
        (Incident.priority == 4, 2),
        else_=1,
    )


def available_members(session: Session, group_id: int) -> list[int]:
    return list(
        session.execute(
            select(Agent.id)
            .join(agent_groups, agent_groups.c.agent_id == Agent.id)
            .where(
                agent_groups.c.group_id == group_id,
                Agent.active,
                Agent.available,
                Agent.username != SYSTEM_USER,
            )
            .order_by(Agent.id)
        ).scalars()
    )


def loads(session: Session, members: list[int]) -> dict[int, int]:
    """Each member's open work: their open incidents (in any group), weighted by priority."""
    out = dict.fromkeys(members, 0)
    if not members:
        return out
    weight = _weight()
    rows = session.execute(
        select(Incident.assignee_id, func.sum(weight))
        .where(Incident.assignee_id.in_(members), Incident.active)
        .group_by(Incident.assignee_id)
    ).all()
    for agent_id, load in rows:
        out[int(agent_id)] = int(load or 0)
    return out


def pick(session: Session, group_id: int, lock: bool) -> Picked | None:
    """Who the group's mode names now (None: manual, or nobody available). Round robin moves
    the group's turn; `lock` (PostgreSQL) takes the group's row first, so two routings at once
    do not both give the next one to the same member.

    The lock is FOR NO KEY UPDATE: the routing change has already written an
    incident that refers to the group, and that foreign key holds FOR KEY SHARE on the group's
    row. FOR UPDATE conflicts with the other routings' FOR KEY SHARE (two incidents logged into
    one group at once then each wait for the other: a deadlock); FOR NO KEY UPDATE does not,
    and still queues the routings one behind the other. A manual group takes no lock.

    The mode is the group as this transaction read it (`held_groups`: the routing change read
    it already); the locked read refreshes the held group, so the turn is the one the previous
    routing committed, not the one read before the lock."""
    held = group_of(session, group_id)
    if held is None or AssignmentMode(held.assignment or "manual") is AssignmentMode.MANUAL:
        return None
    stmt = select(Group).where(Group.id == group_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update(key_share=True)
    group = session.scalars(stmt).first()
    if group is None:
        return None
    mode = AssignmentMode(group.assignment or AssignmentMode.MANUAL.value)
    if mode is AssignmentMode.MANUAL:
        return None
    members = available_members(session, group_id)
    load: int | None = None
    if mode is AssignmentMode.ROUND_ROBIN:
        chosen = next_in_turn(members, group.last_assigned_id)
    else:
        weights = loads(session, members)
        chosen = least_loaded(weights)
        load = weights.get(chosen) if chosen is not None else None
    if chosen is None:
        return None
    group.last_assigned_id = chosen
    name = session.execute(select(Agent.full_name).where(Agent.id == chosen)).scalar_one()
    return Picked(chosen, name, describe(mode, group.name, load))


def auto_assign(session: Session, inc: Incident, now: datetime, lock: bool) -> Picked | None:
    """Name the assignee of an incident just routed to its group, nobody named yet: in the
    caller's transaction, with its audit row the desk's and the rule as the reason."""
    if inc.assignee_id is not None or inc.group_id is None or not inc.active:
        return None
    picked = pick(session, inc.group_id, lock)
    if picked is None:
        return None
    system = session.execute(select(Agent.id).where(Agent.username == SYSTEM_USER)).scalar()
    inc.assignee_id = picked.agent_id
    session.info.setdefault(AUDIT_BY, {})["assignee_id"] = (system, picked.reason)
    session.add(
        JournalEntry(
            incident_id=inc.id,
            kind=JournalKind.SYSTEM.value,
            body=f"Assigned to {picked.name} by the desk. {picked.reason}",
            author_id=system,
            created_at=now,
        )
    )
    return picked


# -- settings --------------------------------------------------------------------------------


def set_mode(desk: Desk, actor: Actor, group_id: int, mode: str) -> AssignmentMode:
    """An admin sets how a group's incidents get their assignee."""
    actor.require(Permission.CONFIGURE)
    chosen = check_mode(mode)
    with desk.write() as s:
        group = s.get(Group, group_id)
        if group is None:
            raise ValidationError(f"No group with id {group_id}", field="group")
        if group.assignment != chosen.value:
            diff = FieldDiff("Assignment", check_mode(group.assignment).label, chosen.label)
            record_changes(s, actor, "group", group.id, group.name, [diff], desk.now(), None)
        group.assignment = chosen.value
        append_change(s, "group", group.id, "updated", actor.id)
    return chosen


def set_available(desk: Desk, actor: Actor, available: bool) -> bool:
    """The agent marks themselves available (automatic assignment may choose them) or away."""
    with desk.write() as s:
        # one column of one row: what the person's own PostgreSQL role may write of `agents`
        # (app.db.pg_roles: a column grant and a row policy); never a read of the whole row
        done = s.execute(
            update(Agent).where(Agent.id == actor.id).values(available=available)
        ).rowcount  # type: ignore[attr-defined]
        if not done:
            raise NotFound(f"No user named {actor.username!r}")
        append_change(s, "agent", actor.id, "updated", actor.id)
    return available


def is_available(desk: Desk, actor: Actor) -> bool:
    with desk.read() as conn:
        value = conn.execute(select(Agent.available).where(Agent.id == actor.id)).scalar()
    return bool(value)
