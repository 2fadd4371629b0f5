"""Incident tasks: ask another team for a piece of work without handing the incident over.

Each use case is one short transaction: the rules of ``app.domain.tasks`` on the fresh row, an
audit row on the task's incident (its History tab shows "Task: TASK0000001 · Open → ..."), and a
change for the other workstations (the incident, so its window reloads; the task, so a group's
list of tasks does). A stale version raises ConflictError; nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from app.db.changes import append_change
from app.domain import tasks as rules
from app.domain.errors import ConflictError, NotFound, ValidationError
from app.domain.incident_rights import IncidentAction
from app.domain.permissions import IncidentFacts
from app.domain.permissions import why_not as incident_why_not
from app.domain.tasks import TaskAction, TaskFacts, TaskRecord, TaskState, task_number
from app.models import Agent, Group, Incident, IncidentTask, JournalEntry, agent_groups
from app.services.context import Actor, Desk
from app.services.incidents.mutation import (
    agent_in_group,
    facts_of,
    get_group,
    guard,
    load_locked,
)
from app.services.incidents.task_rule import audit_task, clean_time, close_task_row, state_text


def _name(session: Session, model: type[Group] | type[Agent], key: int | None) -> str | None:
    if key is None:
        return None
    if model is Group:
        group = session.get(Group, key)
        return group.name if group is not None else None
    agent = session.get(Agent, key)
    return agent.full_name if agent is not None else None


def _owner_text(session: Session, task: IncidentTask) -> str:
    group = _name(session, Group, task.group_id) or "no group"
    person = _name(session, Agent, task.assignee_id) or "unassigned"
    return f"{task.number} · {group} · {person}"


def _logged(session: Session, task: IncidentTask, actor: Actor, kind: str) -> None:
    session.flush()
    append_change(session, "incident", task.incident_id, "task", actor.id)
    append_change(session, "task", task.id, kind, actor.id)


def add_task(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    title: str,
    *,
    group_id: int | None,
    description: str = "",
    assignee_id: int | None = None,
    due_at: datetime | None = None,
) -> TaskRecord:
    """A new Open task on the incident for `group_id` (and, if named, one of its members).
    Whoever may edit the incident may ask (and the incident must still be open)."""
    text = rules.clean_title(title)
    if group_id is None:
        raise ValidationError("Say which group the task is for", field="group")
    now = desk.now()
    with desk.write() as session:
        inc = load_locked(session, incident_id, desk)
        guard(session, inc, actor, IncidentAction.EDIT)
        get_group(session, group_id)
        if assignee_id is not None:
            agent_in_group(session, assignee_id, group_id)
        if due_at is not None and due_at.tzinfo is None:
            raise ValidationError("The due date needs a time zone", field="due")
        task = IncidentTask(
            number=f"~{inc.id}-{now.timestamp()}",  # replaced by TASK<id> below
            incident_id=inc.id,
            title=text,
            description=(description or "").strip(),
            state=TaskState.OPEN.value,
            group_id=group_id,
            assignee_id=assignee_id,
            due_at=due_at,
            created_by_id=actor.id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        session.add(task)
        session.flush()
        task.number = task_number(task.id)
        session.flush()
        audit_task(
            session, inc, actor, now, None, f"{_owner_text(session, task)} · {text}", "created"
        )
        _logged(session, task, actor, "created")
        return _read(session, task.id)


def _locked_task(session: Session, desk: Desk, task_id: int) -> tuple[IncidentTask, Incident]:
    stmt = select(IncidentTask).where(IncidentTask.id == task_id)
    if desk.dialect == "postgresql":
        stmt = stmt.with_for_update()
    task = session.scalars(stmt).first()
    if task is None:
        raise NotFound(f"No task with id {task_id}")
    inc = load_locked(session, task.incident_id, desk)
    return task, inc


def _facts(session: Session, actor: Actor, task: IncidentTask, inc: Incident) -> TaskFacts:
    requester = incident_why_not(actor, facts_of(session, inc), IncidentAction.EDIT) is None
    return TaskFacts(
        task.number, TaskState(task.state), task.group_id, task.assignee_id, requester=requester
    )


def _change(
    desk: Desk,
    actor: Actor,
    task_id: int,
    version: int | None,
    action: TaskAction,
    apply: Any,
    kind: str,
) -> TaskRecord:
    now = desk.now()
    with desk.write() as session:
        task, inc = _locked_task(session, desk, task_id)
        if version is not None and task.version != version:
            raise ConflictError(task.number, version, task.version)
        rules.check(
            actor.id, actor.role, actor.group_ids, _facts(session, actor, task, inc), action
        )
        apply(session, task, inc, now)
        task.version += 1
        task.updated_at = now
        _logged(session, task, actor, kind)
        return _read(session, task.id)


def assign_task(
    desk: Desk,
    actor: Actor,
    task_id: int,
    version: int | None,
    *,
    group_id: int,
    assignee_id: int | None = None,
    reason: str | None = None,
) -> TaskRecord:
    """Route the task to a group, and name its assignee (a member of that group) or none."""

    def apply(session: Session, task: IncidentTask, inc: Incident, now: datetime) -> None:
        get_group(session, group_id)
        if assignee_id is not None:
            agent_in_group(session, assignee_id, group_id)
        before = _owner_text(session, task)
        task.group_id, task.assignee_id = group_id, assignee_id
        after = _owner_text(session, task)
        if before == after:
            raise ValidationError(
                f"{task.number} is with {after.split(' · ', 1)[1]} already", field="assignee"
            )
        audit_task(session, inc, actor, now, before, after, (reason or "").strip() or None)

    return _change(desk, actor, task_id, version, TaskAction.ASSIGN, apply, "assigned")


def start_task(desk: Desk, actor: Actor, task_id: int, version: int | None) -> TaskRecord:
    """Open -> Work in progress; an unassigned task becomes the actor's when they are in its
    group."""

    def apply(session: Session, task: IncidentTask, inc: Incident, now: datetime) -> None:
        before = state_text(task)
        task.state = TaskState.WORK_IN_PROGRESS.value
        if task.assignee_id is None and task.group_id in actor.group_ids:
            task.assignee_id = actor.id
        audit_task(session, inc, actor, now, before, state_text(task))

    return _change(desk, actor, task_id, version, TaskAction.START, apply, "started")


def close_task(
    desk: Desk,
    actor: Actor,
    task_id: int,
    version: int | None,
    *,
    complete: bool,
    note: str | None,
    time_worked_s: int | None = None,
) -> TaskRecord:
    """Closed complete (a note optional) or Closed incomplete (a note says why)."""
    action = TaskAction.CLOSE_COMPLETE if complete else TaskAction.CLOSE_INCOMPLETE
    text = rules.clean_note(note, required=not complete, what="the task is closed incomplete")
    seconds = clean_time(time_worked_s)

    def apply(session: Session, task: IncidentTask, inc: Incident, now: datetime) -> None:
        before = state_text(task)
        close_task_row(task, actor, now, complete=complete, note=text)
        task.time_worked_s += seconds
        audit_task(session, inc, actor, now, before, state_text(task), text)

    return _change(desk, actor, task_id, version, action, apply, "closed")


def log_task_time(
    desk: Desk, actor: Actor, task_id: int, version: int | None, seconds: int
) -> TaskRecord:
    """Add time worked on the task (the actor's, counted in the incident's totals)."""
    amount = clean_time(seconds)
    if amount == 0:
        raise ValidationError("Say how much time was worked", field="time_worked")

    def apply(session: Session, task: IncidentTask, inc: Incident, now: datetime) -> None:
        task.time_worked_s += amount

    return _change(desk, actor, task_id, version, TaskAction.ASSIGN, apply, "time")


# -- reading ----------------------------------------------------------------------------------


def _select() -> Select[Any]:
    creator = aliased(Agent)
    assignee = aliased(Agent)
    return (
        select(
            IncidentTask,
            Incident.number.label("incident_number"),
            Group.name.label("group_name"),
            assignee.full_name.label("assignee_name"),
            creator.full_name.label("creator_name"),
        )
        .join(Incident, Incident.id == IncidentTask.incident_id)
        .outerjoin(Group, Group.id == IncidentTask.group_id)
        .outerjoin(assignee, assignee.id == IncidentTask.assignee_id)
        .outerjoin(creator, creator.id == IncidentTask.created_by_id)
    )


def _record(row: Any) -> TaskRecord:
    t: IncidentTask = row[0]
    return TaskRecord(
        id=t.id,
        number=t.number,
        incident_id=t.incident_id,
        incident_number=row.incident_number,
        title=t.title,
        description=t.description,
        state=TaskState(t.state),
        group_id=t.group_id,
        group_name=row.group_name,
        assignee_id=t.assignee_id,
        assignee_name=row.assignee_name,
        due_at=t.due_at,
        close_note=t.close_note,
        time_worked_s=t.time_worked_s,
        created_at=t.created_at,
        created_by=row.creator_name,
        closed_at=t.closed_at,
        version=t.version,
    )


def _read(session: Session, task_id: int) -> TaskRecord:
    row = session.execute(_select().where(IncidentTask.id == task_id)).first()
    if row is None:
        raise NotFound(f"No task with id {task_id}")
    return _record(row)


def incident_tasks(desk: Desk, incident_id: int) -> list[TaskRecord]:
    """The incident's tasks, oldest first."""
    with desk.query() as session:
        rows = session.execute(
            _select().where(IncidentTask.incident_id == incident_id).order_by(IncidentTask.id)
        ).all()
        return [_record(r) for r in rows]


def group_tasks(
    desk: Desk, group_ids: Iterable[int], *, open_only: bool = True, limit: int = 500
) -> list[TaskRecord]:
    """The tasks of these groups (a group's queue of tasks): open ones by due date first."""
    ids = list(group_ids)
    if not ids:
        return []
    stmt = _select().where(IncidentTask.group_id.in_(ids))
    if open_only:
        stmt = stmt.where(
            IncidentTask.state.in_([TaskState.OPEN.value, TaskState.WORK_IN_PROGRESS.value])
        )
    stmt = stmt.order_by(IncidentTask.due_at.is_(None), IncidentTask.due_at, IncidentTask.id)
    with desk.query() as session:
        return [_record(r) for r in session.execute(stmt.limit(limit)).all()]


def get_task(desk: Desk, number_or_id: str | int) -> TaskRecord:
    """One task by number ('TASK0000012', any case) or id."""
    stmt = _select()
    if isinstance(number_or_id, int):
        stmt = stmt.where(IncidentTask.id == number_or_id)
    else:
        stmt = stmt.where(IncidentTask.number == number_or_id.strip().upper())
    with desk.query() as session:
        row = session.execute(stmt).first()
        if row is None:
            raise NotFound(f"No task {number_or_id}")
        return _record(row)


def task_why_not(
    actor: Actor, task: TaskRecord, action: TaskAction, incident_facts: IncidentFacts
) -> str | None:
    """What the window shows: the same rule the services apply, on what it has read."""
    requester = incident_why_not(actor, incident_facts, IncidentAction.EDIT) is None
    facts = TaskFacts(task.number, task.state, task.group_id, task.assignee_id, requester=requester)
    return rules.why_not(actor.id, actor.role, actor.group_ids, facts, action)


# -- time worked --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeTotals:
    """Time worked on an incident (its journal entries and its tasks), in seconds."""

    total_s: int
    by_person: list[tuple[str, int]]  # (full name, seconds), most first
    by_group: list[tuple[str, int]]


def time_totals(desk: Desk, incident_id: int) -> TimeTotals:
    """Per person: the journal entries' authors and the tasks' assignees. Per group: a task's
    group; a journal entry's author's group (the incident's, when they are in it; else their
    first by name)."""
    person: dict[str, int] = {}
    group: dict[str, int] = {}
    with desk.query() as s:
        inc_group = s.execute(select(Incident.group_id).where(Incident.id == incident_id)).scalar()
        entries = s.execute(
            select(JournalEntry.author_id, Agent.full_name, JournalEntry.time_worked_s)
            .join(Agent, Agent.id == JournalEntry.author_id)
            .where(JournalEntry.incident_id == incident_id, JournalEntry.time_worked_s > 0)
        ).all()
        memberships: dict[int, list[tuple[int, str]]] = {}
        for agent_id, gid, name in s.execute(
            select(agent_groups.c.agent_id, Group.id, Group.name)
            .join(Group, Group.id == agent_groups.c.group_id)
            .where(agent_groups.c.agent_id.in_({e.author_id for e in entries}))
            .order_by(Group.name)
        ).all():
            memberships.setdefault(agent_id, []).append((gid, name))
        for e in entries:
            person[e.full_name] = person.get(e.full_name, 0) + e.time_worked_s
            groups = memberships.get(e.author_id, [])
            chosen = next(
                (n for g, n in groups if g == inc_group), groups[0][1] if groups else None
            )
            if chosen is not None:
                group[chosen] = group.get(chosen, 0) + e.time_worked_s
        for row in s.execute(
            _select().where(IncidentTask.incident_id == incident_id, IncidentTask.time_worked_s > 0)
        ).all():
            rec = _record(row)
            who = rec.assignee_name or "unassigned"
            person[who] = person.get(who, 0) + rec.time_worked_s
            if rec.group_name:
                group[rec.group_name] = group.get(rec.group_name, 0) + rec.time_worked_s

    def ranked(d: dict[str, int]) -> list[tuple[str, int]]:
        return sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))

    return TimeTotals(sum(person.values()), ranked(person), ranked(group))


def duration_text(seconds: int) -> str:
    """'1 h 20 min', '45 min'."""
    minutes = round(seconds / 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"
