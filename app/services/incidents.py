"""Incident use cases: one function each, one short transaction each.

Every write checks the acting agent's role, applies the domain rule, recomputes the
SLA clocks, writes an audit row per changed field, journal entries where the desk
speaks, and a change_log row for the other workstations; it returns a frozen record.
Stale edits (an `expected_version` older than the row) raise ConflictError carrying
what the other side changed; nothing is silently overwritten.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db.changes import append_change
from app.domain.errors import (
    ConflictError,
    FieldChange,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from app.domain.escalation import check_functional, check_hierarchical
from app.domain.lifecycle import (
    Action,
    CloseReason,
    HoldReason,
    State,
    allowed_actions,
    check_cancel,
    check_hold,
    check_reopen,
    check_resolve,
    next_state,
)
from app.domain.records import Channel, IncidentRecord, JournalKind, JournalRecord, incident_number
from app.domain.roles import Permission
from app.models import (
    NO_DUE,
    Agent,
    AuditEntry,
    Caller,
    Category,
    ConfigItem,
    Group,
    Incident,
    JournalEntry,
    KnownError,
    Problem,
    SlaPause,
    agent_groups,
)
from app.services.context import Actor, Desk
from app.services.loading import load_record, pauses_of
from app.services.policies import PolicyBook, fresh_policy_book, policy_book
from app.services.setup import new_caller
from app.services.sla_fields import sla_fields

MAX_TITLE = 300
DEFAULT_AUTO_CLOSE_DAYS = 3

# Fields whose changes go to the audit, with how to show their values.
AUDITED = (
    "title",
    "description",
    "caller_id",
    "channel",
    "category_id",
    "config_item_id",
    "impact",
    "urgency",
    "priority",
    "matrix_version",
    "state",
    "hold_reason",
    "group_id",
    "assignee_id",
    "support_line",
    "reassignment_count",
    "reopen_count",
    "escalated_to_supervisor",
    "parent_id",
    "major",
    "problem_id",
    "known_error_id",
    "resolution_code",
    "resolution_notes",
    "close_reason",
    "cancel_reason",
    "active",
    "opened_at",
    "responded_at",
    "resolved_at",
    "resolved_by_id",
    "closed_at",
    "closed_by_id",
    "sla_policy_id",
)
# Not audited: what the clocks derive from the fields above (response_due, resolution_due,
# warn_at, at_risk_at, due_sort, sla_paused, sla_breached, sla_stage) and the bookkeeping
# (version, created_at, updated_at).


@dataclass(frozen=True)
class NewIncident:
    """What a form, an e-mail or an alert hands in to log an incident."""

    title: str
    description: str = ""
    caller_id: int | None = None
    new_caller: str | None = None  # a caller not known yet: added in the same transaction
    channel: str = Channel.PHONE.value
    category_id: int | None = None
    config_item_id: int | None = None
    impact: int = 3
    urgency: int = 3
    group_id: int | None = None  # None: the category's default group, else the agent's first
    assignee_id: int | None = None
    parent_id: int | None = None
    known_error_id: int | None = None
    problem_id: int | None = None
    major: bool = False
    # first-contact fix: resolve in the same step
    resolution_code: str | None = None
    resolution_notes: str | None = None
    opened_at: datetime | None = None  # imports; default now


# --------------------------------------------------------------------------------------
# the shared mechanism


def _snapshot(inc: Incident) -> dict[str, object]:
    return {f: getattr(inc, f) for f in AUDITED}


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _conflict(session: Session, inc: Incident, expected: int) -> ConflictError:
    rows = session.execute(
        select(AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value, Agent.username)
        .outerjoin(Agent, Agent.id == AuditEntry.agent_id)
        .where(AuditEntry.incident_id == inc.id, AuditEntry.incident_version > expected)
        .order_by(AuditEntry.id)
    ).all()
    changes = [FieldChange(r.field, r.old_value, r.new_value, r.username) for r in rows]
    return ConflictError(inc.number, expected, inc.version, changes)


def _load(session: Session, incident_id: int, desk: Desk) -> Incident:
    stmt = select(Incident).where(Incident.id == incident_id)
    if desk.dialect == "postgresql":
        stmt = stmt.with_for_update()
    inc = session.scalars(stmt).first()
    if inc is None:
        raise NotFound(f"No incident with id {incident_id}")
    return inc


def _apply_sla(session: Session, inc: Incident, book: PolicyBook, now: datetime) -> None:
    """Recompute the stored SLA fields from the policy, the pauses and the clock.

    The clocks always run from `opened_at` with every pause kept, so a priority change
    is retroactive and keeps the paused time.
    """
    state = State(inc.state)
    found = book.target(inc.sla_policy_id, inc.priority)
    target, cal = found if found is not None else (None, None)
    fields = sla_fields(
        state=state,
        target=target,
        calendar=cal,
        opened_at=inc.opened_at,
        resolved_at=inc.resolved_at,
        closed_at=inc.closed_at,
        pauses=pauses_of(session.connection(), inc.id) if inc.id is not None else [],
        now=now,
    )
    inc.response_due = fields.response_due
    inc.resolution_due = fields.resolution_due
    inc.warn_at = fields.warn_at
    inc.at_risk_at = fields.at_risk_at
    inc.sla_paused = fields.sla_paused
    inc.sla_breached = fields.sla_breached
    inc.due_sort = fields.due_sort
    if state.active:
        # a new target (priority change) may put the clock below a threshold announced
        # before: step back so the sweep announces the crossing again
        inc.sla_stage = min(inc.sla_stage or 0, fields.stage)


def _journal(
    session: Session, inc: Incident, kind: JournalKind, body: str, actor: Actor, now: datetime
) -> JournalEntry:
    entry = JournalEntry(
        incident_id=inc.id, kind=kind.value, body=body, author_id=actor.id, created_at=now
    )
    session.add(entry)
    return entry


def _audit(
    session: Session,
    inc: Incident,
    before: Mapping[str, object],
    actor: Actor,
    now: datetime,
    reason: str | None,
    version: int,
) -> int:
    n = 0
    for name in AUDITED:
        old, new = before.get(name), getattr(inc, name)
        if old != new:
            session.add(
                AuditEntry(
                    incident_id=inc.id,
                    field=name,
                    old_value=_text(old),
                    new_value=_text(new),
                    agent_id=actor.id,
                    at=now,
                    reason=reason,
                    incident_version=version,
                )
            )
            n += 1
    return n


class _NothingChanged(Exception):
    """A use case that changed nothing: roll back instead of writing a new version."""


Mutation = Callable[[Session, Incident, datetime], str | None]


def _mutate(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    expected_version: int | None,
    change: Mutation,
    *,
    kind: str = "updated",
    lifecycle: bool = False,
) -> IncidentRecord:
    """Load, check the version, apply `change`, recompute SLA, audit, log the change.

    `change` returns the reason to record with the audit rows (or None). A closed or
    cancelled incident is read-only except to an admin (EDIT_CLOSED) editing its fields;
    a `lifecycle` change is refused there by the domain's own guard, which names the moves.
    """
    now = desk.now()
    try:
        with desk.write() as session:
            book = fresh_policy_book(desk, session)
            inc = _load(session, incident_id, desk)
            if expected_version is not None and inc.version != expected_version:
                raise _conflict(session, inc, expected_version)
            state = State(inc.state)
            if state.final and not lifecycle:
                try:
                    actor.require(Permission.EDIT_CLOSED)
                except PermissionDenied:
                    raise IllegalTransition(state.label, "edit", []) from None
            before = _snapshot(inc)
            version = inc.version + 1
            inc.version = version  # one new version per use case (see the Incident model)
            reason = change(session, inc, now)
            _apply_sla(session, inc, book, now)
            changed = _audit(session, inc, before, actor, now, reason, version)
            if not changed and not session.new:
                raise _NothingChanged
            inc.updated_at = now
            session.flush()
            append_change(session, "incident", inc.id, kind, actor.id)
            session.flush()
            # read back in the same transaction: what was written, without another round trip
            return load_record(session.connection(), inc.id, book, now)
    except _NothingChanged:  # rolled back: the version stays, nobody's edit conflicts
        with desk.read() as conn:
            return load_record(conn, incident_id, policy_book(desk), now)
    except StaleDataError:
        with desk.write() as session:
            inc = _load(session, incident_id, desk)
            raise _conflict(session, inc, expected_version or 0) from None


def _require_active(inc: Incident, action: str) -> None:
    state = State(inc.state)
    if not state.active:
        raise IllegalTransition(state.label, action, [a.value for a in allowed_actions(state)])


def _group(session: Session, group_id: int) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise ValidationError(f"No group with id {group_id}", field="group")
    return group


def _agent_in_group(session: Session, agent_id: int, group_id: int | None) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active:
        raise ValidationError(f"No active agent with id {agent_id}", field="assignee")
    if group_id is not None:
        member = session.execute(
            select(agent_groups.c.agent_id).where(
                agent_groups.c.agent_id == agent_id, agent_groups.c.group_id == group_id
            )
        ).first()
        if member is None:
            group = _group(session, group_id)
            raise ValidationError(
                f"{agent.full_name} is not a member of {group.name}", field="assignee"
            )
    return agent


def _check_fk(session: Session, model: type, key: int | None, field: str, what: str) -> None:
    if key is not None and session.get(model, key) is None:
        raise ValidationError(f"No {what} with id {key}", field=field)


# --------------------------------------------------------------------------------------
# logging


def log_incident(desk: Desk, actor: Actor, new: NewIncident) -> IncidentRecord:
    """Log an incident; with a resolution code it is resolved in the same step."""
    actor.require(Permission.LOG)
    title = " ".join(new.title.split())
    if not title:
        raise ValidationError("A title is required", field="title")
    if len(title) > MAX_TITLE:
        raise ValidationError(
            f"The title has {len(title)} characters; at most {MAX_TITLE}", field="title"
        )
    try:
        channel = Channel(new.channel)
    except ValueError:
        raise ValidationError(
            f"Unknown channel {new.channel!r}; use one of: {', '.join(c.value for c in Channel)}",
            field="channel",
        ) from None
    policy_book(desk).matrix.priority(new.impact, new.urgency)  # bad levels: before any write
    first_contact = new.resolution_code is not None
    if first_contact:
        code, notes = check_resolve(State.NEW, new.resolution_code, new.resolution_notes)
    now = desk.now()
    opened = new.opened_at or now
    with desk.write() as session:
        book = fresh_policy_book(desk, session)
        matrix = book.matrix
        priority = matrix.priority(new.impact, new.urgency)
        caller_id = new.caller_id
        if new.new_caller is not None:
            if caller_id is not None:
                raise ValidationError("Give a caller or a new caller, not both", field="caller")
            caller = new_caller(new.new_caller)
            session.add(caller)
            session.flush()
            append_change(session, "caller", caller.id, "created", actor.id)
            caller_id = caller.id
        _check_fk(session, Caller, caller_id, "caller", "caller")
        _check_fk(session, ConfigItem, new.config_item_id, "service", "service")
        _check_fk(session, Incident, new.parent_id, "parent", "incident")
        _check_fk(session, KnownError, new.known_error_id, "known_error", "known error")
        _check_fk(session, Problem, new.problem_id, "problem", "problem")
        group_id = new.group_id
        if new.category_id is not None:
            category = session.get(Category, new.category_id)
            if category is None:
                raise ValidationError(f"No category with id {new.category_id}", field="category")
            if group_id is None:
                group_id = category.default_group_id
        if group_id is None and actor.group_ids:
            group_id = actor.group_ids[0]
        line = _group(session, group_id).line if group_id is not None else 1
        if new.assignee_id is not None:
            _agent_in_group(session, new.assignee_id, group_id)
        inc = Incident(
            number=f"~{uuid.uuid4().hex[:18]}",  # replaced by INC<id> below
            title=title,
            description=new.description.strip(),
            caller_id=caller_id,
            channel=channel.value,
            category_id=new.category_id,
            config_item_id=new.config_item_id,
            impact=new.impact,
            urgency=new.urgency,
            priority=priority,
            matrix_version=matrix.version,
            state=State.IN_PROGRESS.value if new.assignee_id else State.NEW.value,
            active=True,
            group_id=group_id,
            assignee_id=new.assignee_id,
            support_line=line,
            parent_id=new.parent_id,
            known_error_id=new.known_error_id,
            problem_id=new.problem_id,
            major=new.major,
            sla_policy_id=book.default_policy_id,
            opened_at=opened,
            responded_at=opened if new.assignee_id else None,
            due_sort=NO_DUE,
            opened_by_id=actor.id,
            created_at=now,
            updated_at=now,
        )
        session.add(inc)
        session.flush()
        inc.number = incident_number(inc.id)
        how = f"Logged by {actor.full_name} via {channel.label.lower()}"
        if first_contact:
            inc.state = State.RESOLVED.value
            inc.active = False
            inc.resolution_code = code.value
            inc.resolution_notes = notes
            inc.resolved_at = now
            inc.resolved_by_id = actor.id
            inc.responded_at = inc.responded_at or now
            how += f"; resolved on first contact ({code.label})"
        _apply_sla(session, inc, book, now)
        session.add(
            AuditEntry(
                incident_id=inc.id,
                field="created",
                old_value=None,
                new_value=inc.number,
                agent_id=actor.id,
                at=now,
                incident_version=1,
            )
        )
        _journal(session, inc, JournalKind.SYSTEM, how, actor, now)
        session.flush()
        append_change(session, "incident", inc.id, "created", actor.id)
        session.flush()
        return load_record(session.connection(), inc.id, book, now)


# --------------------------------------------------------------------------------------
# fields

EDITABLE = {
    "title",
    "description",
    "caller_id",
    "channel",
    "config_item_id",
    "category_id",
    "impact",
    "urgency",
}


def _set_category(session: Session, inc: Incident, category_id: int | None, reroute: bool) -> None:
    if category_id is not None:
        category = session.get(Category, category_id)
        if category is None:
            raise ValidationError(f"No category with id {category_id}", field="category")
        if reroute and category.default_group_id and category.default_group_id != inc.group_id:
            _reassign(session, inc, category.default_group_id, None)
    inc.category_id = category_id


def _set_priority(desk: Desk, session: Session, inc: Incident, impact: int, urgency: int) -> None:
    """Impact and urgency through the current matrix; the clocks keep their start."""
    matrix = fresh_policy_book(desk, session).matrix
    inc.priority = matrix.priority(impact, urgency)
    inc.impact, inc.urgency = impact, urgency
    inc.matrix_version = matrix.version


def _set_field(session: Session, inc: Incident, name: str, value: object) -> None:
    if name == "title":
        text = " ".join(str(value or "").split())
        if not text:
            raise ValidationError("A title is required", field="title")
        if len(text) > MAX_TITLE:
            raise ValidationError(f"The title is over {MAX_TITLE} characters", field="title")
        value = text
    elif name == "description":
        value = str(value or "").strip()
    elif name == "channel":
        try:
            value = Channel(str(value)).value
        except ValueError:
            raise ValidationError(f"Unknown channel {value!r}", field="channel") from None
    elif name == "caller_id":
        _check_fk(session, Caller, value, "caller", "caller")  # type: ignore[arg-type]
    elif name == "config_item_id":
        _check_fk(session, ConfigItem, value, "service", "service")  # type: ignore[arg-type]
    setattr(inc, name, value)


def update_fields(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    changes: Mapping[str, object],
    *,
    reason: str | None = None,
) -> IncidentRecord:
    """Edit the incident form's fields in one transaction: title, description, caller,
    channel, service, category (no re-routing) and impact/urgency (re-prioritised)."""
    actor.require(Permission.WORK)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(
            f"Cannot edit {', '.join(sorted(unknown))} here; editable: {', '.join(sorted(EDITABLE))}",
            field=sorted(unknown)[0],
        )

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        for name, value in changes.items():
            if name == "category_id":
                _set_category(session, inc, value, reroute=False)  # type: ignore[arg-type]
            elif name not in ("impact", "urgency"):
                _set_field(session, inc, name, value)
        if "impact" in changes or "urgency" in changes:
            impact = int(changes.get("impact", inc.impact))  # type: ignore[call-overload]
            urgency = int(changes.get("urgency", inc.urgency))  # type: ignore[call-overload]
            _set_priority(desk, session, inc, impact, urgency)
        return reason

    return _mutate(desk, actor, incident_id, version, change)


def categorise(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    category_id: int | None,
    *,
    config_item_id: int | None = None,
    reroute: bool = False,
) -> IncidentRecord:
    """Set category (and service); with `reroute`, move to the category's default group."""
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        _set_category(session, inc, category_id, reroute)
        if config_item_id is not None:
            _set_field(session, inc, "config_item_id", config_item_id)
        return None

    return _mutate(desk, actor, incident_id, version, change)


def set_impact_urgency(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    impact: int,
    urgency: int,
    *,
    reason: str | None = None,
) -> IncidentRecord:
    """Re-prioritise through the current matrix; the SLA start stays where it was."""
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        _set_priority(desk, session, inc, impact, urgency)
        return reason

    return _mutate(desk, actor, incident_id, version, change)


# --------------------------------------------------------------------------------------
# assignment and escalation


def _reassign(session: Session, inc: Incident, group_id: int | None, assignee_id: int | None) -> None:
    """Move to a group/assignee; a change of an existing group or assignee is a reassignment."""
    moved = (inc.group_id is not None and group_id != inc.group_id) or (
        inc.assignee_id is not None and assignee_id != inc.assignee_id
    )
    if group_id != inc.group_id and group_id is not None:
        inc.support_line = _group(session, group_id).line
    inc.group_id = group_id
    inc.assignee_id = assignee_id
    if moved:
        inc.reassignment_count += 1


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
    """Assign to a group and optionally an agent of it. Taking it starts work (New -> In Progress)."""
    actor.require(Permission.WORK)
    if assignee_id != actor.id or group_id not in actor.group_ids:
        actor.require(Permission.ASSIGN_OTHERS)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        if group_id is None:
            raise ValidationError("A group is required", field="group")
        _group(session, group_id)
        if assignee_id is not None:
            _agent_in_group(session, assignee_id, group_id)
        _require_active(inc, "assign")
        state = State(inc.state)
        _reassign(session, inc, group_id, assignee_id)
        if assignee_id is not None:
            if state is State.NEW:
                inc.state = next_state(state, Action.START).value
            if inc.responded_at is None:
                inc.responded_at = now
        return reason

    return _mutate(desk, actor, incident_id, version, change, kind="assigned", lifecycle=True)


def assign_to_me(desk: Desk, actor: Actor, incident_id: int, version: int | None) -> IncidentRecord:
    """Take the incident: in its group if the agent belongs to it, else the agent's first group."""
    with desk.read() as conn:
        group_id = conn.execute(select(Incident.group_id).where(Incident.id == incident_id)).scalar()
    if group_id not in actor.group_ids:
        if not actor.group_ids:
            raise ValidationError(f"{actor.full_name} belongs to no group", field="assignee")
        group_id = actor.group_ids[0]
    return assign(desk, actor, incident_id, version, group_id=group_id, assignee_id=actor.id)


def escalate_functional(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, group_id: int, reason: str
) -> IncidentRecord:
    """Move to a group on a higher support line, with a reason; it leaves the current assignee."""
    actor.require(Permission.ESCALATE)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        _require_active(inc, "escalate")
        group = _group(session, group_id)
        text = check_functional(inc.support_line, group.name, group.line, reason)
        _reassign(session, inc, group.id, None)
        _journal(
            session,
            inc,
            JournalKind.SYSTEM,
            f"Escalated to {group.name} (line {group.line}) by {actor.full_name}: {text}",
            actor,
            now,
        )
        return text

    return _mutate(desk, actor, incident_id, version, change, kind="escalated", lifecycle=True)


def escalate_hierarchical(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, reason: str
) -> IncidentRecord:
    """Flag the incident to its group's supervisor."""
    actor.require(Permission.ESCALATE)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        _require_active(inc, "escalate")
        group = session.get(Group, inc.group_id) if inc.group_id else None
        supervisor = session.get(Agent, group.supervisor_id) if group and group.supervisor_id else None
        text = check_hierarchical(
            reason, supervisor.full_name if supervisor else None, group.name if group else None
        )
        assert supervisor is not None
        inc.escalated_to_supervisor = True
        _journal(
            session,
            inc,
            JournalKind.SYSTEM,
            f"Escalated to supervisor {supervisor.full_name} by {actor.full_name}: {text}",
            actor,
            now,
        )
        return text

    return _mutate(desk, actor, incident_id, version, change, kind="escalated_to_supervisor", lifecycle=True)


# --------------------------------------------------------------------------------------
# lifecycle


def start_work(desk: Desk, actor: Actor, incident_id: int, version: int | None) -> IncidentRecord:
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        inc.state = next_state(State(inc.state), Action.START).value
        inc.responded_at = inc.responded_at or now
        return None

    return _mutate(desk, actor, incident_id, version, change, lifecycle=True)


def hold(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    reason: str,
    comment: str | None = None,
) -> IncidentRecord:
    """On Hold with a reason; the resolution clock pauses. Awaiting caller needs a comment."""
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        why = check_hold(State(inc.state), reason, comment)
        inc.state = State.ON_HOLD.value
        inc.hold_reason = why.value
        session.add(SlaPause(incident_id=inc.id, started_at=now, reason=why.value))
        if comment and comment.strip():
            kind = JournalKind.COMMENT if why is HoldReason.AWAITING_CALLER else JournalKind.WORK_NOTE
            _journal(session, inc, kind, comment.strip(), actor, now)
        session.flush()
        return why.label

    return _mutate(desk, actor, incident_id, version, change, kind="held", lifecycle=True)


def resume(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, comment: str | None = None
) -> IncidentRecord:
    """Back to In Progress; the pause ends and its time is not counted."""
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        inc.state = next_state(State(inc.state), Action.RESUME).value
        inc.hold_reason = None
        _end_pauses(session, inc, now)
        if comment and comment.strip():
            _journal(session, inc, JournalKind.WORK_NOTE, comment.strip(), actor, now)
        return comment

    return _mutate(desk, actor, incident_id, version, change, kind="resumed", lifecycle=True)


def _end_pauses(session: Session, inc: Incident, now: datetime) -> None:
    session.execute(
        update(SlaPause)
        .where(SlaPause.incident_id == inc.id, SlaPause.ended_at.is_(None))
        .values(ended_at=now)
    )


def resolve(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, code: str, notes: str
) -> IncidentRecord:
    """Resolved with one of the ten codes and notes; the resolution clock stops."""
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        rc, text = check_resolve(State(inc.state), code, notes)
        inc.state = State.RESOLVED.value
        inc.active = False
        inc.resolution_code = rc.value
        inc.resolution_notes = text
        inc.resolved_at = now
        inc.resolved_by_id = actor.id
        inc.responded_at = inc.responded_at or now
        _journal(
            session, inc, JournalKind.SYSTEM, f"Resolved by {actor.full_name} ({rc.label}): {text}", actor, now
        )
        return text

    return _mutate(desk, actor, incident_id, version, change, kind="resolved", lifecycle=True)


def close(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    reason: str = CloseReason.CALLER_CONFIRMED.value,
) -> IncidentRecord:
    """Closed: the caller confirmed (or the desk closed it after N business days)."""
    actor.require(Permission.CLOSE)
    try:
        why = CloseReason(reason)
    except ValueError:
        raise ValidationError(
            f"Unknown close reason {reason!r}; use one of: {', '.join(r.value for r in CloseReason)}",
            field="close_reason",
        ) from None

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        inc.state = next_state(State(inc.state), Action.CLOSE).value
        inc.closed_at = now
        inc.closed_by_id = actor.id
        inc.close_reason = why.value
        return why.value.replace("_", " ")

    return _mutate(desk, actor, incident_id, version, change, kind="closed", lifecycle=True)


def reopen(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, reason: str
) -> IncidentRecord:
    """Resolved -> In Progress (the caller rejected the fix). The resolved time is not counted."""
    actor.require(Permission.REOPEN)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        text = check_reopen(State(inc.state), reason)
        if inc.resolved_at is not None:
            session.add(
                SlaPause(incident_id=inc.id, started_at=inc.resolved_at, ended_at=now, reason="resolved")
            )
        inc.state = State.IN_PROGRESS.value
        inc.active = True
        inc.reopen_count += 1
        inc.resolution_code = None
        inc.resolution_notes = None
        inc.resolved_at = None
        inc.resolved_by_id = None
        _journal(session, inc, JournalKind.SYSTEM, f"Reopened by {actor.full_name}: {text}", actor, now)
        session.flush()
        return text

    return _mutate(desk, actor, incident_id, version, change, kind="reopened", lifecycle=True)


def cancel(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, reason: str
) -> IncidentRecord:
    actor.require(Permission.CANCEL)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        text = check_cancel(State(inc.state), reason)
        inc.state = State.CANCELLED.value
        inc.active = False
        inc.cancel_reason = text
        inc.closed_at = now
        inc.closed_by_id = actor.id
        _end_pauses(session, inc, now)
        return text

    return _mutate(desk, actor, incident_id, version, change, kind="cancelled", lifecycle=True)


def mark_major(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, major: bool = True
) -> IncidentRecord:
    actor.require(Permission.MARK_MAJOR)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        inc.major = major
        return None

    return _mutate(desk, actor, incident_id, version, change)


def link_parent(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, parent_id: int | None
) -> IncidentRecord:
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        seen = {inc.id}
        cursor = parent_id
        while cursor is not None:
            if cursor in seen:
                raise ValidationError("An incident cannot be its own ancestor", field="parent")
            seen.add(cursor)
            parent = session.get(Incident, cursor)
            if parent is None:
                raise ValidationError(f"No incident with id {cursor}", field="parent")
            cursor = parent.parent_id
        inc.parent_id = parent_id
        return None

    return _mutate(desk, actor, incident_id, version, change)


def link_problem(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    problem_id: int | None,
    *,
    known_error_id: int | None = None,
) -> IncidentRecord:
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        _check_fk(session, Problem, problem_id, "problem", "problem")
        _check_fk(session, KnownError, known_error_id, "known_error", "known error")
        inc.problem_id = problem_id
        if known_error_id is not None:
            inc.known_error_id = known_error_id
        return None

    return _mutate(desk, actor, incident_id, version, change)


def add_journal(
    desk: Desk, actor: Actor, incident_id: int, kind: str, body: str
) -> JournalRecord:
    """A work note (internal) or a comment (the caller sees it). Appending needs no version."""
    actor.require(Permission.WORK)
    text = (body or "").strip()
    if not text:
        raise ValidationError("The note is empty", field="body")
    try:
        jk = JournalKind(kind)
    except ValueError:
        raise ValidationError(f"Unknown journal kind {kind!r}; use work_note or comment", field="kind") from None
    if jk is JournalKind.SYSTEM:
        raise PermissionDenied("System entries are written by the desk itself")
    now = desk.now()
    with desk.write() as session:
        inc = _load(session, incident_id, desk)
        if State(inc.state).final:
            raise IllegalTransition(State(inc.state).label, "add a note to", [])
        entry = _journal(session, inc, jk, text, actor, now)
        session.flush()
        append_change(session, "incident", inc.id, "journal", actor.id)
        return JournalRecord(entry.id, inc.id, jk, text, actor.full_name, now)


def auto_close_resolved(desk: Desk) -> list[str]:
    """Close every incident resolved N business days ago (N from its SLA policy).

    Each is closed from the version read here: one that someone reopened or closed in the
    meantime is left as it is (the conflict is theirs to win), and the others still close."""
    actor = desk.system()
    book = policy_book(desk)
    now = desk.now()
    with desk.read() as conn:
        rows = conn.execute(
            select(Incident.id, Incident.version, Incident.resolved_at, Incident.sla_policy_id).where(
                Incident.state == State.RESOLVED.value
            )
        ).all()
    closed: list[str] = []
    for row in rows:
        policy = row.sla_policy_id if row.sla_policy_id is not None else book.default_policy_id
        days = book.auto_close_days.get(policy, DEFAULT_AUTO_CLOSE_DAYS) if policy else DEFAULT_AUTO_CLOSE_DAYS
        cal = book.business_calendar(policy)
        if cal is None or row.resolved_at is None:
            continue
        if cal.working_seconds(row.resolved_at, now) >= days * cal.day_seconds():
            try:
                rec = close(desk, actor, row.id, row.version, CloseReason.AUTO_CLOSED.value)
            except (ConflictError, IllegalTransition, NotFound):
                continue
            closed.append(rec.number)
    return closed


def get_version(desk: Desk, incident_id: int) -> int:
    with desk.read() as conn:
        version = conn.execute(select(Incident.version).where(Incident.id == incident_id)).scalar()
    if version is None:
        raise NotFound(f"No incident with id {incident_id}")
    return int(version)


__all__ = [
    "NewIncident",
    "add_journal",
    "assign",
    "assign_to_me",
    "auto_close_resolved",
    "cancel",
    "categorise",
    "close",
    "escalate_functional",
    "escalate_hierarchical",
    "hold",
    "link_parent",
    "link_problem",
    "log_incident",
    "mark_major",
    "reopen",
    "resolve",
    "resume",
    "set_impact_urgency",
    "start_work",
    "update_fields",
]

