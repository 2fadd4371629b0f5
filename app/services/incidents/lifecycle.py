"""Lifecycle moves: start, hold, resume, resolve, close, reopen, cancel, and the automatic
closure of resolved incidents."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain.errors import (
    ConflictError,
    DeskError,
    IllegalTransition,
    NotFound,
    ValidationError,
)
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import (
    Action,
    CloseReason,
    HoldReason,
    State,
    check_cancel,
    check_hold,
    check_reopen,
    check_resolve,
    next_state,
)
from app.domain.mail_out import Notice
from app.domain.records import IncidentRecord, JournalKind
from app.models import (
    Incident,
    SlaPause,
)
from app.services.context import Actor, Desk
from app.services.incidents.mutation import (
    DEFAULT_AUTO_CLOSE_DAYS,
    Mutation,
    apply_change,
    load_locked,
    mutate,
    write_journal,
)
from app.services.incidents.task_rule import settle_open_tasks
from app.services.outbox import queue_notice
from app.services.policies import fresh_policy_book, policy_book

# lifecycle


def start_work(desk: Desk, actor: Actor, incident_id: int, version: int | None) -> IncidentRecord:

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        inc.state = next_state(State(inc.state), Action.START).value
        inc.responded_at = inc.responded_at or now
        return None

    return mutate(desk, actor, incident_id, version, change, action=IncidentAction.START)


def hold(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    reason: str,
    comment: str | None = None,
) -> IncidentRecord:
    """On Hold with a reason; the resolution clock pauses. Awaiting caller needs a comment."""

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        why = check_hold(State(inc.state), reason, comment)
        inc.state = State.ON_HOLD.value
        inc.hold_reason = why.value
        session.add(SlaPause(incident_id=inc.id, started_at=now, reason=why.value))
        if comment and comment.strip():
            kind = (
                JournalKind.COMMENT if why is HoldReason.AWAITING_CALLER else JournalKind.WORK_NOTE
            )
            write_journal(session, inc, kind, comment.strip(), actor, now)
            if kind is JournalKind.COMMENT:
                queue_notice(session, inc, Notice.COMMENT, now, comment.strip())
        session.flush()
        return why.label

    return mutate(
        desk, actor, incident_id, version, change, action=IncidentAction.HOLD, kind="held"
    )


def resume(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, comment: str | None = None
) -> IncidentRecord:
    """Back to In Progress; the pause ends and its time is not counted."""

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        inc.state = next_state(State(inc.state), Action.RESUME).value
        inc.hold_reason = None
        end_pauses(session, inc, now)
        if comment and comment.strip():
            write_journal(session, inc, JournalKind.WORK_NOTE, comment.strip(), actor, now)
        return comment

    return mutate(
        desk, actor, incident_id, version, change, action=IncidentAction.RESUME, kind="resumed"
    )


def end_pauses(session: Session, inc: Incident, now: datetime) -> None:
    session.execute(
        update(SlaPause)
        .where(SlaPause.incident_id == inc.id, SlaPause.ended_at.is_(None))
        .values(ended_at=now)
    )


def resolve_change(
    desk: Desk,
    actor: Actor,
    code: str,
    notes: str,
    close_tasks: str | None,
    *,
    via: str | None = None,
) -> Mutation:
    """The change that resolves an incident with `code` and `notes` (the use case `resolve`,
    a problem's resolution, a parent's): its open children are resolved with it, in the same
    transaction, with the same code and notes; a child the actor may not resolve stays open
    and the parent's journal names it with the reason."""

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        rc, text = check_resolve(State(inc.state), code, notes)
        closed = settle_open_tasks(session, inc, actor, now, close_tasks)
        if closed:
            write_journal(
                session,
                inc,
                JournalKind.SYSTEM,
                f"Tasks closed with the resolution ({', '.join(closed)}): "
                f"{(close_tasks or '').strip()}",
                actor,
                now,
            )
        inc.state = State.RESOLVED.value
        inc.active = False
        inc.resolution_code = rc.value
        inc.resolution_notes = text
        inc.resolved_at = now
        inc.resolved_by_id = actor.id
        inc.responded_at = inc.responded_at or now
        write_journal(
            session,
            inc,
            JournalKind.SYSTEM,
            f"Resolved by {actor.full_name} ({rc.label}{f', with {via}' if via else ''}): {text}",
            actor,
            now,
        )
        resolve_children(session, desk, actor, inc, rc.value, text, now)
        queue_notice(session, inc, Notice.RESOLVED, now, text)
        return text

    return change


def resolve_children(
    session: Session,
    desk: Desk,
    actor: Actor,
    parent: Incident,
    code: str,
    notes: str,
    now: datetime,
) -> list[str]:
    """Resolve the open children of `parent` (in the caller's transaction) with its code and
    notes, each through the rules and with its own history; the numbers resolved."""
    ids = session.scalars(
        select(Incident.id)
        .where(Incident.parent_id == parent.id, Incident.active.is_(True))
        .order_by(Incident.id)
    ).all()
    if not ids:
        return []
    book = fresh_policy_book(desk, session)
    done: list[str] = []
    left: list[str] = []
    for child_id in ids:
        child = load_locked(session, child_id, desk)
        try:
            with session.begin_nested():
                apply_change(
                    session,
                    book,
                    actor,
                    child,
                    resolve_change(
                        desk, actor, code, notes, None, via=f"its parent {parent.number}"
                    ),
                    now,
                    action=IncidentAction.RESOLVE,
                    kind="resolved",
                )
            done.append(child.number)
        except DeskError as exc:
            session.expire(child)
            left.append(f"{child.number} ({exc})")
    if done:
        write_journal(
            session,
            parent,
            JournalKind.SYSTEM,
            f"Resolved with it: {', '.join(done)}",
            actor,
            now,
        )
    if left:
        write_journal(
            session,
            parent,
            JournalKind.SYSTEM,
            f"Children left open: {'; '.join(left)}",
            actor,
            now,
        )
    return done


def resolve(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    code: str,
    notes: str,
    *,
    close_tasks: str | None = None,
) -> IncidentRecord:
    """Resolved with one of the ten codes and notes; the resolution clock stops. Its open
    children are resolved with it (same code and notes).

    Refused while one of its tasks is open (naming them), unless `close_tasks` gives the
    reason to close them (Closed incomplete) in the same step and the site allows it."""
    return mutate(
        desk,
        actor,
        incident_id,
        version,
        resolve_change(desk, actor, code, notes, close_tasks),
        action=IncidentAction.RESOLVE,
        kind="resolved",
    )


def close(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    reason: str = CloseReason.CALLER_CONFIRMED.value,
) -> IncidentRecord:
    """Closed: the caller confirmed (or the desk closed it after N business days)."""
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

    return mutate(
        desk, actor, incident_id, version, change, action=IncidentAction.CLOSE, kind="closed"
    )


def reopen(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, reason: str
) -> IncidentRecord:
    """Resolved -> In Progress (the caller rejected the fix). The resolved time is not counted."""

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        text = check_reopen(State(inc.state), reason)
        if inc.resolved_at is not None:
            session.add(
                SlaPause(
                    incident_id=inc.id, started_at=inc.resolved_at, ended_at=now, reason="resolved"
                )
            )
        inc.state = State.IN_PROGRESS.value
        inc.active = True
        inc.reopen_count += 1
        inc.resolution_code = None
        inc.resolution_notes = None
        inc.resolved_at = None
        inc.resolved_by_id = None
        write_journal(
            session, inc, JournalKind.SYSTEM, f"Reopened by {actor.full_name}: {text}", actor, now
        )
        session.flush()
        return text

    return mutate(
        desk, actor, incident_id, version, change, action=IncidentAction.REOPEN, kind="reopened"
    )


def cancel(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, reason: str
) -> IncidentRecord:

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        text = check_cancel(State(inc.state), reason)
        inc.state = State.CANCELLED.value
        inc.active = False
        inc.cancel_reason = text
        inc.closed_at = now
        inc.closed_by_id = actor.id
        end_pauses(session, inc, now)
        return text

    return mutate(
        desk, actor, incident_id, version, change, action=IncidentAction.CANCEL, kind="cancelled"
    )


def auto_close_resolved(desk: Desk) -> list[str]:
    """Close every incident resolved N business days ago (N from its SLA policy, 7 unless it
    says); a major incident never closes by itself (its review comes first).

    Each is closed from the version read here: one that someone reopened or closed in the
    meantime is left as it is (the conflict is theirs to win), and the others still close."""
    actor = desk.system()
    book = policy_book(desk)
    now = desk.now()

    def days_of(policy: int | None) -> int:
        return (
            book.auto_close_days.get(policy, DEFAULT_AUTO_CLOSE_DAYS)
            if policy
            else DEFAULT_AUTO_CLOSE_DAYS
        )

    # N business days take at least N working days' hours of wall time: only incidents
    # resolved before the soonest such instant are worth the calendar's arithmetic
    spans = [
        days_of(p) * cal.day_seconds()
        for p in [*book.policy_names, None]
        if (cal := book.business_calendar(p)) is not None
    ]
    if not spans:
        return []
    cutoff = now - timedelta(seconds=min(spans)) + timedelta(hours=1)  # a DST day is shorter
    with desk.read() as conn:
        rows = conn.execute(
            select(
                Incident.id, Incident.version, Incident.resolved_at, Incident.sla_policy_id
            ).where(
                Incident.state == State.RESOLVED.value,
                Incident.major.is_(False),
                Incident.resolved_at <= cutoff,
            )
        ).all()
    closed: list[str] = []
    for row in rows:
        policy = row.sla_policy_id if row.sla_policy_id is not None else book.default_policy_id
        days = days_of(policy)
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
