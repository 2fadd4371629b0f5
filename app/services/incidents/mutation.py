"""The shared mechanism of every incident write: load and lock, check the version, apply
the change, recompute the SLA fields, audit each changed field, log the change for the other
workstations, and read the record back in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any, Protocol, cast

from sqlalchemy import Integer, Select, Table, bindparam, insert, select, text, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.db.changes import append_change
from app.domain.errors import (
    ConflictError,
    FieldChange,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import State
from app.domain.permissions import IncidentFacts, Target, check, open_parent
from app.domain.records import IncidentRecord, JournalKind
from app.domain.sla import Pause, restart_at
from app.models import (
    Agent,
    AuditEntry,
    Group,
    Incident,
    JournalEntry,
    agent_groups,
)
from app.services.assignment import AUDIT_BY
from app.services.context import Actor, Desk
from app.services.held_groups import group_of, hold_groups
from app.services.history_words import Wording
from app.services.incident_records import load_record, pauses_of
from app.services.policies import PolicyBook, fresh_policy_book, policy_book
from app.services.sla_fields import sla_fields

MAX_TITLE = 300
DEFAULT_AUTO_CLOSE_DAYS = 7

AUDIT_TABLE = cast(Table, AuditEntry.__table__)

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
    "priority_overridden",
    "matrix_version",
    "state",
    "hold_reason",
    "group_id",
    "assignee_id",
    "support_line",
    "reassignment_count",
    "reopen_count",
    "escalated_to_supervisor",
    "flagged",
    "parent_id",
    "major",
    "problem_id",
    "known_error_id",
    "change_ref",
    "caused_by_id",
    "caused_by_change",
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
# warn_at, at_risk_at, due_sort, sla_paused, sla_breached, sla_stage, the response_ ones, and
# sla_started_at, which a priority change sets by its policy's rule) and the bookkeeping
# (version, created_at, updated_at).


# the shared mechanism


def snapshot(inc: Incident) -> dict[str, object]:
    return {f: getattr(inc, f) for f in AUDITED}


def audit_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def conflict_error(
    session: Session,
    inc: Incident,
    expected: int,
    desk: Desk | None = None,
    book: PolicyBook | None = None,
) -> ConflictError:
    """What the other side changed since `expected`, field by field, with the words a user
    reads (labels, names, levels, who and when) when `desk` is given."""
    rows = session.execute(
        select(
            AuditEntry.field,
            AuditEntry.old_value,
            AuditEntry.new_value,
            AuditEntry.at,
            Agent.username,
            Agent.full_name,
        )
        .outerjoin(Agent, Agent.id == AuditEntry.agent_id)
        .where(AuditEntry.incident_id == inc.id, AuditEntry.incident_version > expected)
        .order_by(AuditEntry.id)
    ).all()
    words = None
    if desk is not None:
        values = [(r.field, v) for r in rows for v in (r.old_value, r.new_value)]
        words = Wording.read(session, values, book or policy_book(desk), desk.zone)
    changes = [
        FieldChange(
            r.field,
            r.old_value,
            r.new_value,
            r.username,
            label=words.label(r.field) if words else "",
            old_text=words.value(r.field, r.old_value) if words else None,
            new_text=words.value(r.field, r.new_value) if words else None,
            by_name=r.full_name,
            at=r.at,
        )
        for r in rows
    ]
    return ConflictError(inc.number, expected, inc.version, changes)


# session.info key: agent id -> whether their account was active, as this transaction read it
ACTOR_ACTIVE = "actor_active"


@cache
def _locked_select(postgres: bool, with_actor: bool) -> Select[Any]:
    """The incident by id (`:incident_id`), locked on PostgreSQL; with `with_actor`, whether the
    account of `:actor_id` is active too, in the same statement (the row lock is the
    incident's alone)."""
    columns: list[Any] = [Incident]
    if with_actor:
        columns.append(
            select(Agent.active).where(Agent.id == bindparam("actor_id")).scalar_subquery()
        )
    stmt = select(*columns).where(Incident.id == bindparam("incident_id"))
    if postgres:
        stmt = stmt.with_for_update(of=Incident.__table__)
    return stmt


def load_locked(
    session: Session, incident_id: int, desk: Desk, actor: Actor | None = None
) -> Incident:
    """The incident, locked until the transaction ends (PostgreSQL; SQLite has one writer).
    With `actor`, whether their account is still active is read with it (`require_active`)."""
    stmt = _locked_select(desk.dialect == "postgresql", actor is not None)
    params = {"incident_id": incident_id}
    if actor is not None:
        params["actor_id"] = actor.id
    row = session.execute(stmt, params).first()
    if row is None:
        raise NotFound(f"No incident with id {incident_id}")
    if actor is not None:
        session.info.setdefault(ACTOR_ACTIVE, {})[actor.id] = row[1]
    inc: Incident = row[0]
    return inc


class ClockRow(Protocol):
    """What the SLA columns are computed from: an Incident, or a row read for a bulk change."""

    state: str
    sla_policy_id: int | None
    priority: int
    opened_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    sla_started_at: datetime | None
    responded_at: datetime | None
    sla_stage: int
    response_stage: int


def sla_values(
    row: ClockRow, book: PolicyBook, pauses: list[Pause], now: datetime
) -> dict[str, object]:
    """The stored SLA columns of `row` (by its policy, priority and pauses) at `now`."""
    state = State(row.state)
    found = book.target(row.sla_policy_id, row.priority)
    target, cal = found if found is not None else (None, None)
    fields = sla_fields(
        state=state,
        target=target,
        calendar=cal,
        opened_at=row.opened_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        pauses=pauses,
        now=now,
        started_at=row.sla_started_at,
        responded_at=row.responded_at,
    )
    values: dict[str, object] = {
        "response_due": fields.response_due,
        "response_warn_at": fields.response_warn_at,
        "response_at_risk_at": fields.response_at_risk_at,
        "resolution_due": fields.resolution_due,
        "warn_at": fields.warn_at,
        "at_risk_at": fields.at_risk_at,
        "sla_paused": fields.sla_paused,
        "sla_breached": fields.sla_breached,
        "due_sort": fields.due_sort,
    }
    if state.active:
        # a new target (priority change) may put the clock below a threshold announced
        # before: step back so the sweep announces the crossing again
        values["sla_stage"] = min(row.sla_stage or 0, fields.stage)
        if row.responded_at is None:
            values["response_stage"] = min(row.response_stage or 0, fields.response_stage)
    return values


def apply_sla(session: Session, inc: Incident, book: PolicyBook, now: datetime) -> list[Pause]:
    """Recompute the stored SLA fields from the policy, the pauses and the clock; returns the
    pauses it read (the record read back in the same transaction has the same).

    The clocks run from `opened_at` with every pause kept (a priority change under retroactive
    start keeps both), or from `sla_started_at` when a priority change under a policy without
    retroactive start restarted them (see `restart_clocks`).
    """
    pauses = pauses_of(session.connection(), inc.id) if inc.id is not None else []
    for name, value in sla_values(inc, book, pauses, now).items():
        setattr(inc, name, value)
    return pauses


def restart_clocks(
    inc: Incident, book: PolicyBook, old_priority: int | None, now: datetime
) -> None:
    """After a priority change: under a policy without retroactive start, the new targets'
    clocks start now (`sla_started_at`); with it, they keep their start (domain.sla)."""
    if old_priority is None or old_priority == inc.priority:
        return
    inc.sla_started_at = restart_at(
        retroactive=book.retroactive_start(inc.sla_policy_id),
        active=State(inc.state).active,
        started_at=inc.sla_started_at,
        now=now,
    )


def write_journal(
    session: Session, inc: Incident, kind: JournalKind, body: str, actor: Actor, now: datetime
) -> JournalEntry:
    entry = JournalEntry(
        incident_id=inc.id, kind=kind.value, body=body, author_id=actor.id, created_at=now
    )
    session.add(entry)
    return entry


def audit_rows(
    session: Session,
    inc: Incident,
    before: Mapping[str, object],
    actor: Actor,
    now: datetime,
    reason: str | None,
    version: int,
) -> list[dict[str, object]]:
    """The audit rows of the fields of `inc` that changed since `before`, one per field."""
    # fields changed on someone else's behalf in this transaction (the desk's automatic
    # assignment): their agent and reason (app.services.assignment.AUDIT_BY)
    others: dict[str, tuple[int | None, str]] = session.info.pop(AUDIT_BY, {})
    rows: list[dict[str, object]] = []
    for name in AUDITED:
        old, new = before.get(name), getattr(inc, name)
        if old != new:
            by, why = others.get(name, (actor.id, reason))
            rows.append(
                {
                    "incident_id": inc.id,
                    "field": name,
                    "old_value": audit_text(old),
                    "new_value": audit_text(new),
                    "agent_id": by,
                    "at": now,
                    "reason": why,
                    "incident_version": version,
                }
            )
    return rows


def insert_audit(session: Session, rows: list[dict[str, object]]) -> None:
    """Write audit rows in one statement (an executemany of the table's INSERT: no ids read
    back), after what is pending is flushed."""
    if rows:
        session.execute(insert(AUDIT_TABLE), rows)


def audit_entry(
    session: Session,
    inc: Incident,
    actor: Actor,
    now: datetime,
    field: str,
    old: str | None,
    new: str | None,
    reason: str | None = None,
) -> None:
    """One line of the incident's history written by `actor` in this transaction: `field`
    went from `old` to `new` (a task, a review: what the History tab shows in words)."""
    session.add(
        AuditEntry(
            incident_id=inc.id,
            field=field,
            old_value=old,
            new_value=new,
            agent_id=actor.id,
            at=now,
            reason=reason,
            incident_version=inc.version,
        )
    )


class NothingChanged(Exception):
    """A use case that changed nothing: roll back instead of writing a new version."""


Mutation = Callable[[Session, Incident, datetime], str | None]


def facts_of(session: Session, inc: Incident) -> IncidentFacts:
    """What the rules read of the (locked) row."""
    group = group_of(session, inc.group_id)
    parent = session.get(Incident, inc.parent_id) if inc.parent_id is not None else None
    return IncidentFacts(
        number=inc.number,
        state=State(inc.state),
        group_id=inc.group_id,
        group_name=group.name if group is not None else None,
        assignee_id=inc.assignee_id,
        support_line=inc.support_line,
        major=inc.major,
        escalated_to_supervisor=inc.escalated_to_supervisor,
        open_parent=open_parent(parent.number, State(parent.state)) if parent else None,
    )


@cache
def _active_select() -> Select[Any]:
    return select(Agent.active).where(Agent.id == bindparam("actor_id"))


def require_active(session: Session, actor: Actor) -> None:
    """An actor whose account was deactivated since they signed in may change nothing more
    (read once per transaction: with the locked row, or here)."""
    known: dict[int, object] = session.info.setdefault(ACTOR_ACTIVE, {})
    if actor.id not in known:
        known[actor.id] = session.execute(_active_select(), {"actor_id": actor.id}).scalar()
    active = known[actor.id]
    if active is not None and not active:
        raise PermissionDenied(f"{actor.full_name}'s account is deactivated: ask an admin")


def guard(
    session: Session,
    inc: Incident,
    actor: Actor,
    action: IncidentAction,
    target: Target | None = None,
) -> None:
    """The one answer (app.domain.permissions), on the fresh row, inside the transaction."""
    require_active(session, actor)
    hold_groups(session, (inc.group_id, target.group_id if target is not None else None))
    if target is not None and target.group_id is not None and target.group_name is None:
        group = group_of(session, target.group_id)
        target = Target(target.group_id, group.name if group is not None else None)
    check(actor, facts_of(session, inc), action, target)


def count_group_return(inc: Incident, old_group: object) -> None:
    """Ping-pong: one more return when the incident comes to a group it had left. Every group
    it was in before is the old value of one of its group rows in the audit (the one that
    took it away), so one indexed look-up answers (the migration that added the count
    backfilled it the same way). The look-up is part of the UPDATE that writes the change (no
    statement of its own), before this change's audit rows are written."""
    new = inc.group_id
    if new is None or old_group is None or new == old_group:
        return
    inc.group_returns = type_coerce(
        _ONE_MORE_RETURN.bindparams(returns_incident=inc.id, returns_group=audit_text(new)),
        Integer,
    )


_ONE_MORE_RETURN = text(
    "coalesce(group_returns, 0) + CASE WHEN EXISTS (SELECT 1 FROM audit "
    "WHERE audit.incident_id = :returns_incident AND audit.field = 'group_id' "
    "AND audit.old_value = :returns_group) THEN 1 ELSE 0 END"
)


def apply_change(
    session: Session,
    book: PolicyBook,
    actor: Actor,
    inc: Incident,
    change: Mutation,
    now: datetime,
    *,
    action: IncidentAction,
    target: Target | None = None,
    kind: str = "updated",
) -> list[Pause]:
    """The heart of `mutate`, inside the caller's transaction on a row it has locked: ask the
    rules, apply `change`, recompute SLA, audit, log the change (the automatic escalation does
    its actions this way, in the transaction that claims them). Raises NothingChanged when
    nothing did. Returns the pauses the clocks were computed with."""
    guard(session, inc, actor, action, target)
    before = snapshot(inc)
    version = inc.version + 1
    inc.version = version  # one new version per use case (see the Incident model)
    reason = change(session, inc, now)
    count_group_return(inc, before.get("group_id"))
    pauses = apply_sla(session, inc, book, now)
    audit = audit_rows(session, inc, before, actor, now, reason, version)
    if not audit and not session.new:
        raise NothingChanged
    inc.updated_at = now
    session.flush()  # the incident in one UPDATE, with what the change added
    insert_audit(session, audit)
    append_change(session, "incident", inc.id, kind, actor.id)
    session.flush()
    return pauses


def mutate(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    expected_version: int | None,
    change: Mutation,
    *,
    action: IncidentAction,
    target: Target | None = None,
    kind: str = "updated",
) -> IncidentRecord:
    """Load and lock, check the version, ask whether `actor` may do `action` (on this fresh
    row), apply `change`, recompute SLA, audit, log the change.

    `change` returns the reason to record with the audit rows (or None).
    """
    now = desk.now()
    try:
        with desk.write(claim_first=True) as session:
            book = fresh_policy_book(desk, session)  # with the transaction's claim
            inc = load_locked(session, incident_id, desk, actor)
            if expected_version is not None and inc.version != expected_version:
                raise conflict_error(session, inc, expected_version, desk, book)
            pauses = apply_change(
                session, book, actor, inc, change, now, action=action, target=target, kind=kind
            )
            # read back in the same transaction: what was written, with the pauses just read
            return load_record(session.connection(), inc.id, book, now, pauses)
    except NothingChanged:  # rolled back: the version stays, nobody's edit conflicts
        with desk.read() as conn:
            return load_record(conn, incident_id, policy_book(desk), now)
    except StaleDataError:
        with desk.write() as session:
            inc = load_locked(session, incident_id, desk)
            raise conflict_error(session, inc, expected_version or 0, desk) from None


def get_group(session: Session, group_id: int) -> Group:
    group = group_of(session, group_id)
    if group is None:
        raise ValidationError(f"No group with id {group_id}", field="group")
    return group


def routable_group(session: Session, group_id: int) -> Group:
    """A group an incident is routed to by a person: it exists and is not deactivated."""
    group = get_group(session, group_id)
    if not group.active:
        raise ValidationError(
            f"The group {group.name} is deactivated: route to another group", field="group"
        )
    return group


def agent_in_group(session: Session, agent_id: int, group_id: int | None) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise ValidationError(f"No active agent with id {agent_id}", field="assignee")
    if not agent.active:
        raise ValidationError(
            f"{agent.full_name} is deactivated: assign the incident to someone else",
            field="assignee",
        )
    if group_id is not None:
        member = session.execute(
            select(agent_groups.c.agent_id).where(
                agent_groups.c.agent_id == agent_id, agent_groups.c.group_id == group_id
            )
        ).first()
        if member is None:
            group = get_group(session, group_id)
            raise ValidationError(
                f"{agent.full_name} is not a member of {group.name}", field="assignee"
            )
    return agent


def check_exists(session: Session, model: type, key: int | None, field: str, what: str) -> None:
    if key is not None and session.get(model, key) is None:
        raise ValidationError(f"No {what} with id {key}", field=field)


# --------------------------------------------------------------------------------------


def get_version(desk: Desk, incident_id: int) -> int:
    with desk.read() as conn:
        version = conn.execute(select(Incident.version).where(Incident.id == incident_id)).scalar()
    if version is None:
        raise NotFound(f"No incident with id {incident_id}")
    return int(version)
