"""Who works an incident: assignment, taking it, functional and hierarchical escalation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.errors import (
    ValidationError,
)
from app.domain.escalation import check_functional, check_hierarchical
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import (
    Action,
    State,
    next_state,
)
from app.domain.permissions import Target
from app.domain.records import IncidentRecord, JournalKind
from app.models import (
    Agent,
    Incident,
)
from app.services.assignment import auto_assign
from app.services.context import Actor, Desk
from app.services.held_groups import group_of
from app.services.incidents.mutation import (
    agent_in_group,
    get_group,
    mutate,
    routable_group,
    write_journal,
)

# assignment and escalation


def reassign(
    session: Session, inc: Incident, group_id: int | None, assignee_id: int | None, now: datetime
) -> None:
    """Move to a group/assignee; a change of an existing group or assignee is a reassignment.
    Routed to another group with nobody named, the group's automatic assignment names someone
    (app.services.assignment), in this transaction."""
    moved = (inc.group_id is not None and group_id != inc.group_id) or (
        inc.assignee_id is not None and assignee_id != inc.assignee_id
    )
    routed = group_id is not None and group_id != inc.group_id
    if group_id != inc.group_id and group_id is not None:
        inc.support_line = get_group(session, group_id).line
    inc.group_id = group_id
    inc.assignee_id = assignee_id
    if moved:
        inc.reassignment_count += 1
    if routed and assignee_id is None:
        auto_assign(session, inc, now, lock=session.get_bind().dialect.name == "postgresql")


def assign(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    *,
    group_id: int | None,
    assignee_id: int | None,
    reason: str | None = None,
) -> IncidentRecord:
    """Assign to a group and optionally an agent of it. Taking it starts work (New -> In Progress).

    Which right it takes: to nobody named, routing to a group; to the actor, taking it; to
    someone else, assigning a person (in the target group)."""
    if assignee_id is None:
        action = IncidentAction.ASSIGN_GROUP
    elif assignee_id == actor.id:
        action = IncidentAction.ASSIGN_TO_ME
    else:
        action = IncidentAction.ASSIGN_PERSON

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        if group_id is None:
            raise ValidationError("A group is required", field="group")
        if group_id != inc.group_id:
            routable_group(session, group_id)
        if assignee_id is not None:
            agent_in_group(session, assignee_id, group_id)
        state = State(inc.state)
        reassign(session, inc, group_id, assignee_id, now)
        if assignee_id is not None:
            if state is State.NEW:
                inc.state = next_state(state, Action.START).value
            if inc.responded_at is None:
                inc.responded_at = now
        return reason

    return mutate(
        desk,
        actor,
        incident_id,
        version,
        change,
        action=action,
        target=Target(group_id),
        kind="assigned",
    )


def assign_to_me(desk: Desk, actor: Actor, incident_id: int, version: int | None) -> IncidentRecord:
    """Take the incident: in its group if the agent belongs to it, else the agent's first group."""
    with desk.read() as conn:
        group_id = conn.execute(
            select(Incident.group_id).where(Incident.id == incident_id)
        ).scalar()
    if group_id not in actor.group_ids:
        # an actor in no group is refused by the rules (inside assign, on the locked row)
        group_id = actor.group_ids[0] if actor.group_ids else None
    return assign(desk, actor, incident_id, version, group_id=group_id, assignee_id=actor.id)


def escalate_functional(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, group_id: int, reason: str
) -> IncidentRecord:
    """Move to a group on a higher support line, with a reason; it leaves the current assignee."""

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        group = routable_group(session, group_id)
        text = check_functional(inc.support_line, group.name, group.line, reason)
        reassign(session, inc, group.id, None, now)
        write_journal(
            session,
            inc,
            JournalKind.SYSTEM,
            f"Escalated to {group.name} (line {group.line}) by {actor.full_name}: {text}",
            actor,
            now,
        )
        return text

    return mutate(
        desk,
        actor,
        incident_id,
        version,
        change,
        action=IncidentAction.ESCALATE,
        kind="escalated",
    )


def escalate_hierarchical(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, reason: str
) -> IncidentRecord:
    """Flag the incident to its group's supervisor (once: the rules refuse a second time)."""

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        group = group_of(session, inc.group_id)
        supervisor = (
            session.get(Agent, group.supervisor_id) if group and group.supervisor_id else None
        )
        text = check_hierarchical(
            reason, supervisor.full_name if supervisor else None, group.name if group else None
        )
        assert supervisor is not None
        inc.escalated_to_supervisor = True
        write_journal(
            session,
            inc,
            JournalKind.SYSTEM,
            f"Escalated to supervisor {supervisor.full_name} by {actor.full_name}: {text}",
            actor,
            now,
        )
        return text

    return mutate(
        desk,
        actor,
        incident_id,
        version,
        change,
        action=IncidentAction.ESCALATE_TO_SUPERVISOR,
        kind="escalated_to_supervisor",
    )
