"""Problem records and known errors (root cause, workaround).

A problem gathers the incidents of one cause (``incidents.problem_id``), moves New -> Assessed ->
Root cause analysis -> Fix in progress -> Resolved -> Closed (app.domain.problems), and may be
flagged a known error: then its title, description and workaround are the known error the
similar-incident panel offers in initial diagnosis (one ``known_errors`` row per problem, kept
in step here; the flag cleared makes it inactive). Resolving a problem may resolve its open
incidents in the same transaction, each with "Resolved by problem" and the fix (or workaround)
in its notes, each through the incidents' own rules and audit; those the actor may not resolve
stay open and are named.

Every change of a problem's fields is in the admin audit (entity "problem"); every incident
linked, unlinked or resolved has it in its own history; the change feed tells the other
workstations."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import ConflictError, DeskError, NotFound, ValidationError
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import ResolutionCode, State
from app.domain.problems import (
    LinkedIncident,
    ProblemRecord,
    ProblemRow,
    ProblemState,
    Resolution,
    check_move,
    check_resolution,
    check_title,
)
from app.domain.records import problem_number
from app.domain.roles import Permission
from app.domain.sla_config import FieldDiff
from app.models import Agent, Group, Incident, KnownError, Problem
from app.services.admin_audit import record_changes
from app.services.context import Actor, Desk
from app.services.incidents.lifecycle import resolve_change
from app.services.incidents.mutation import (
    NothingChanged,
    apply_change,
    load_locked,
    require_active,
)
from app.services.policies import fresh_policy_book

OPEN_INCIDENT_STATES = (State.NEW.value, State.IN_PROGRESS.value, State.ON_HOLD.value)
_FIELD_WORDS = {
    "title": "title",
    "description": "description",
    "state": "state",
    "root_cause": "root cause",
    "workaround": "workaround",
    "fix": "fix",
    "known_error": "known error",
    "group_id": "owner group",
    "incident": "incident",
}


# -- reading --------------------------------------------------------------------------------


def _load(
    session: Session, key: int | str, *, lock: bool = False, desk: Desk | None = None
) -> Problem:
    stmt = select(Problem)
    if isinstance(key, str):
        stmt = stmt.where(func.upper(Problem.number) == key.strip().upper())
    else:
        stmt = stmt.where(Problem.id == key)
    if lock and desk is not None and desk.dialect == "postgresql":
        stmt = stmt.with_for_update()
    p = session.scalars(stmt).first()
    if p is None:
        raise NotFound(f"No problem {key}" if isinstance(key, str) else f"No problem with id {key}")
    return p


def _record(session: Session, p: Problem) -> ProblemRecord:
    group = session.get(Group, p.group_id) if p.group_id is not None else None
    by = session.get(Agent, p.created_by_id) if p.created_by_id is not None else None
    rows = session.execute(
        select(
            Incident.id,
            Incident.number,
            Incident.title,
            Incident.state,
            Incident.priority,
            Group.name,
        )
        .outerjoin(Group, Group.id == Incident.group_id)
        .where(Incident.problem_id == p.id)
        .order_by(Incident.id)
    ).all()
    ke = session.scalar(select(KnownError.id).where(KnownError.problem_id == p.id).limit(1))
    return ProblemRecord(
        id=p.id,
        number=p.number,
        title=p.title,
        description=p.description or "",
        state=ProblemState(p.state)
        if p.state in ProblemState._value2member_map_
        else ProblemState.NEW,
        root_cause=p.root_cause or "",
        workaround=p.workaround or "",
        fix=p.fix or "",
        known_error=bool(p.known_error),
        group_id=p.group_id,
        group_name=group.name if group is not None else None,
        created_at=p.created_at,
        created_by=by.full_name if by is not None else None,
        updated_at=p.updated_at,
        resolved_at=p.resolved_at,
        closed_at=p.closed_at,
        version=p.version or 1,
        incidents=tuple(
            LinkedIncident(r[0], r[1], r[2], r[3], State(r[3]).label, r[4], r[5]) for r in rows
        ),
        known_error_id=ke,
    )


def get_problem(desk: Desk, key: int | str) -> ProblemRecord:
    """One problem by id or by number (PRB0000001), with its incidents."""
    with desk.query() as s:
        return _record(s, _load(s, key))


def list_problems(
    desk: Desk,
    *,
    states: Sequence[ProblemState] = (),
    open_only: bool = False,
    known_errors_only: bool = False,
    text: str = "",
    limit: int = 1000,
) -> list[ProblemRow]:
    """Problems, newest first, with how many incidents each has (and how many are open)."""
    n_all = func.count(Incident.id)
    n_open = func.coalesce(
        func.sum(case((Incident.state.in_(OPEN_INCIDENT_STATES), 1), else_=0)), 0
    )
    stmt = (
        select(
            Problem.id,
            Problem.number,
            Problem.title,
            Problem.state,
            Problem.known_error,
            Group.name,
            n_all,
            n_open,
            Problem.updated_at,
            Problem.created_at,
        )
        .outerjoin(Group, Group.id == Problem.group_id)
        .outerjoin(Incident, Incident.problem_id == Problem.id)
        .group_by(
            Problem.id,
            Problem.number,
            Problem.title,
            Problem.state,
            Problem.known_error,
            Group.name,
            Problem.updated_at,
            Problem.created_at,
        )
        .order_by(Problem.id.desc())
        .limit(limit)
    )
    if states:
        stmt = stmt.where(Problem.state.in_([s.value for s in states]))
    elif open_only:
        stmt = stmt.where(
            Problem.state.notin_([ProblemState.RESOLVED.value, ProblemState.CLOSED.value])
        )
    if known_errors_only:
        stmt = stmt.where(Problem.known_error.is_(True))
    words = " ".join(text.split())
    if words:
        like = f"%{words.lower()}%"
        stmt = stmt.where(
            func.lower(Problem.title).like(like) | func.lower(Problem.number).like(like)
        )
    with desk.read() as conn:
        rows = conn.execute(stmt).all()
    return [
        ProblemRow(
            r[0],
            r[1],
            r[2],
            ProblemState(r[3]) if r[3] in ProblemState._value2member_map_ else ProblemState.NEW,
            bool(r[4]),
            r[5],
            int(r[6]),
            int(r[7]),
            r[8] or r[9],
        )
        for r in rows
    ]


def problem_number_of(desk: Desk, problem_id: int) -> str:
    with desk.read() as conn:
        number = conn.execute(select(Problem.number).where(Problem.id == problem_id)).scalar()
    if number is None:
        raise NotFound(f"No problem with id {problem_id}")
    return str(number)


# -- writing --------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _audit(
    session: Session,
    actor: Actor,
    p: Problem,
    changes: Iterable[tuple[str, object, object]],
    now: datetime,
    reason: str | None = None,
) -> int:
    diffs = [
        FieldDiff(_FIELD_WORDS.get(f, f), _text(old), _text(new))
        for f, old, new in changes
        if old != new
    ]
    return record_changes(session, actor, "problem", p.id, p.number, diffs, now, reason)


def _sync_known_error(session: Session, p: Problem) -> None:
    """The problem's known error (what initial diagnosis finds) as the problem says."""
    ke = session.scalars(
        select(KnownError).where(KnownError.problem_id == p.id).order_by(KnownError.id).limit(1)
    ).first()
    if not p.known_error:
        if ke is not None and ke.active:
            ke.active = False
            session.flush()
            append_change(session, "known_error", ke.id, "updated", None)
        return
    symptom = (p.description or "").strip() or (p.root_cause or "").strip()
    workaround = (p.workaround or "").strip()
    if ke is None:
        ke = KnownError(
            problem_id=p.id, title=p.title, symptom=symptom, workaround=workaround, active=True
        )
        session.add(ke)
        session.flush()
        append_change(session, "known_error", ke.id, "created", None)
        return
    if (ke.title, ke.symptom, ke.workaround, ke.active) != (p.title, symptom, workaround, True):
        ke.title, ke.symptom, ke.workaround, ke.active = p.title, symptom, workaround, True
        session.flush()
        append_change(session, "known_error", ke.id, "updated", None)


def _check_known_error(p: Problem) -> None:
    if p.known_error and not (p.workaround or "").strip():
        raise ValidationError(
            f"{p.number}: a known error needs its workaround (what to do until the fix)",
            field="workaround",
        )


def _check_group(session: Session, group_id: int | None) -> None:
    if group_id is not None and session.get(Group, group_id) is None:
        raise ValidationError(f"No group with id {group_id}", field="group")


def _new_problem(
    session: Session,
    actor: Actor,
    now: datetime,
    title: str,
    *,
    description: str = "",
    group_id: int | None = None,
    root_cause: str | None = None,
    workaround: str | None = None,
    known_error: bool = False,
) -> Problem:
    _check_group(session, group_id)
    p = Problem(
        number=f"~{uuid.uuid4().hex[:18]}",
        title=check_title(title),
        description=(description or "").strip(),
        state=ProblemState.NEW.value,
        root_cause=(root_cause or "").strip() or None,
        workaround=(workaround or "").strip() or None,
        known_error=known_error,
        group_id=group_id,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        version=1,
    )
    session.add(p)
    session.flush()
    p.number = problem_number(p.id)
    _check_known_error(p)
    _audit(session, actor, p, [("state", None, ProblemState.NEW.label)], now, "created")
    session.flush()
    _sync_known_error(session, p)
    append_change(session, "problem", p.id, "created", actor.id)
    return p


def add_problem(
    desk: Desk,
    actor: Actor,
    title: str,
    *,
    description: str = "",
    group_id: int | None = None,
    root_cause: str | None = None,
    workaround: str | None = None,
    known_error: bool = False,
) -> int:
    """A new problem record (PRB number), state New; its id."""
    actor.require(Permission.RECORD_PROBLEMS)
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        p = _new_problem(
            s,
            actor,
            now,
            title,
            description=description,
            group_id=group_id,
            root_cause=root_cause,
            workaround=workaround,
            known_error=known_error,
        )
        return p.id


def _link(
    session: Session,
    desk: Desk,
    actor: Actor,
    p: Problem,
    incident_ids: Iterable[int],
    now: datetime,
    *,
    linked: bool,
) -> list[str]:
    """Set (or clear) each incident's problem through the incidents' rules and audit."""
    book = fresh_policy_book(desk, session)
    done: list[str] = []
    for iid in dict.fromkeys(incident_ids):
        inc = load_locked(session, iid, desk)
        if linked and inc.problem_id == p.id:
            continue
        if not linked and inc.problem_id != p.id:
            raise ValidationError(f"{inc.number} is not linked to {p.number}", field="incident")

        def change(s: Session, row: Incident, at: datetime) -> str | None:
            row.problem_id = p.id if linked else None
            return f"{'linked to' if linked else 'unlinked from'} problem {p.number}"

        try:
            apply_change(session, book, actor, inc, change, now, action=IncidentAction.LINK_RELATED)
        except NothingChanged:
            continue
        done.append(inc.number)
    if done:
        _audit(
            session,
            actor,
            p,
            [
                (
                    "incident",
                    None if linked else ", ".join(done),
                    ", ".join(done) if linked else None,
                )
            ],
            now,
        )
        p.updated_at = now
        p.version = (p.version or 1) + 1
        append_change(session, "problem", p.id, "linked" if linked else "unlinked", actor.id)
    return done


def create_from_incidents(
    desk: Desk,
    actor: Actor,
    incident_ids: Sequence[int],
    *,
    title: str | None = None,
    description: str = "",
    group_id: int | None = None,
) -> ProblemRecord:
    """A problem for the incidents given (one, or a queue's selection), each linked to it in
    the same transaction. The title defaults to the first incident's; the owner group to the
    group the first one is in."""
    actor.require(Permission.RECORD_PROBLEMS)
    if not incident_ids:
        raise ValidationError("Choose at least one incident for the problem", field="incident")
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        first = s.get(Incident, incident_ids[0])
        if first is None:
            raise NotFound(f"No incident with id {incident_ids[0]}")
        numbers = [
            n for n in s.scalars(select(Incident.number).where(Incident.id.in_(incident_ids)))
        ]
        default_description = (
            f"Raised from {', '.join(sorted(numbers))}"
            if len(numbers) > 1
            else f"Raised from {first.number}"
        )
        p = _new_problem(
            s,
            actor,
            now,
            title if title and title.strip() else first.title,
            description=description.strip() or default_description,
            group_id=group_id if group_id is not None else first.group_id,
        )
        _link(s, desk, actor, p, incident_ids, now, linked=True)
        s.flush()
        return _record(s, p)


def link_incidents(
    desk: Desk, actor: Actor, problem: int | str, incident_ids: Sequence[int]
) -> ProblemRecord:
    """Link incidents to the problem (each in its history); one already linked is left."""
    actor.require(Permission.RECORD_PROBLEMS)
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        p = _load(s, problem, lock=True, desk=desk)
        if p.state == ProblemState.CLOSED.value:
            raise ValidationError(
                f"{p.number} is Closed: link the incident to an open problem", field="state"
            )
        _link(s, desk, actor, p, incident_ids, now, linked=True)
        s.flush()
        return _record(s, p)


def unlink_incidents(
    desk: Desk, actor: Actor, problem: int | str, incident_ids: Sequence[int]
) -> ProblemRecord:
    actor.require(Permission.RECORD_PROBLEMS)
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        p = _load(s, problem, lock=True, desk=desk)
        _link(s, desk, actor, p, incident_ids, now, linked=False)
        s.flush()
        return _record(s, p)


@dataclass(frozen=True)
class ProblemEdit:
    """The editable fields; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    root_cause: str | None = None
    workaround: str | None = None
    known_error: bool | None = None
    group_id: int | None = None
    clear_group: bool = False


def _locked_current(session: Session, desk: Desk, key: int | str, version: int | None) -> Problem:
    p = _load(session, key, lock=True, desk=desk)
    if version is not None and p.version != version:
        raise ConflictError(p.number, version, p.version)
    return p


def update_problem(
    desk: Desk, actor: Actor, problem: int | str, version: int | None, edit: ProblemEdit
) -> ProblemRecord:
    """Edit a problem's fields (a stale version raises ConflictError, nothing written)."""
    actor.require(Permission.RECORD_PROBLEMS)
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        p = _locked_current(s, desk, problem, version)
        if p.state == ProblemState.CLOSED.value:
            raise ValidationError(f"{p.number} is Closed: it is read-only", field="state")
        before = {
            "title": p.title,
            "description": p.description,
            "root_cause": p.root_cause,
            "workaround": p.workaround,
            "known_error": bool(p.known_error),
            "group_id": p.group_id,
        }
        if edit.title is not None:
            p.title = check_title(edit.title)
        if edit.description is not None:
            p.description = edit.description.strip()
        if edit.root_cause is not None:
            p.root_cause = edit.root_cause.strip() or None
        if edit.workaround is not None:
            p.workaround = edit.workaround.strip() or None
        if edit.known_error is not None:
            p.known_error = edit.known_error
        if edit.clear_group:
            p.group_id = None
        elif edit.group_id is not None:
            _check_group(s, edit.group_id)
            p.group_id = edit.group_id
        _check_known_error(p)
        after = {k: (bool(getattr(p, k)) if k == "known_error" else getattr(p, k)) for k in before}
        changes = [(k, before[k], after[k]) for k in before if before[k] != after[k]]
        if not changes:
            return _record(s, p)
        group_names: dict[object, str] = {
            g.id: g.name
            for g in s.scalars(
                select(Group).where(Group.id.in_([before["group_id"], after["group_id"]]))
            )
        }
        worded = [
            (
                k,
                group_names.get(o) if k == "group_id" else o,
                group_names.get(n) if k == "group_id" else n,
            )
            for k, o, n in changes
        ]
        _audit(s, actor, p, worded, now)
        p.updated_at = now
        p.version = (p.version or 1) + 1
        s.flush()
        _sync_known_error(s, p)
        append_change(s, "problem", p.id, "updated", actor.id)
        return _record(s, p)


def move_problem(
    desk: Desk,
    actor: Actor,
    problem: int | str,
    version: int | None,
    to: ProblemState | str,
    *,
    reason: str | None = None,
) -> ProblemRecord:
    """New, Assessed, Root cause analysis, Fix in progress; Closed from Resolved (resolving
    is `resolve_problem`: it needs the fix and offers the incidents)."""
    actor.require(Permission.RECORD_PROBLEMS)
    target = to if isinstance(to, ProblemState) else ProblemState.parse(to)
    if target is ProblemState.RESOLVED:
        raise ValidationError(
            "Resolve a problem with its fix (Resolve…, or 'problems resolve --fix')", field="state"
        )
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        p = _locked_current(s, desk, problem, version)
        state = (
            ProblemState(p.state)
            if p.state in ProblemState._value2member_map_
            else ProblemState.NEW
        )
        check_move(p.number, state, target)
        p.state = target.value
        if target is ProblemState.CLOSED:
            p.closed_at = now
        if state is ProblemState.RESOLVED and target is not ProblemState.CLOSED:
            p.resolved_at = None
        _audit(s, actor, p, [("state", state.label, target.label)], now, reason)
        p.updated_at = now
        p.version = (p.version or 1) + 1
        s.flush()
        append_change(s, "problem", p.id, target.value, actor.id)
        return _record(s, p)


def resolve_problem(
    desk: Desk,
    actor: Actor,
    problem: int | str,
    version: int | None,
    fix: str | None,
    *,
    resolve_incidents: bool = False,
) -> Resolution:
    """Resolved, with the fix (else its workaround) in words. With `resolve_incidents`, each of
    its open incidents is resolved in the same transaction ("Resolved by problem", the fix in
    the notes, in its own history); one the actor may not resolve stays open, named with the
    reason, and the rest still resolve."""
    actor.require(Permission.RECORD_PROBLEMS)
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        p = _locked_current(s, desk, problem, version)
        state = (
            ProblemState(p.state)
            if p.state in ProblemState._value2member_map_
            else ProblemState.NEW
        )
        check_move(p.number, state, ProblemState.RESOLVED)
        words = check_resolution(p.number, fix, p.workaround)
        before_fix = p.fix
        p.fix = (fix or "").strip() or p.fix
        p.state = ProblemState.RESOLVED.value
        p.resolved_at = now
        _audit(
            s,
            actor,
            p,
            [("state", state.label, ProblemState.RESOLVED.label), ("fix", before_fix, p.fix)],
            now,
        )
        p.updated_at = now
        p.version = (p.version or 1) + 1
        s.flush()
        resolved: list[str] = []
        refused: list[tuple[str, str]] = []
        if resolve_incidents:
            book = fresh_policy_book(desk, s)
            ids = s.scalars(
                select(Incident.id)
                .where(Incident.problem_id == p.id, Incident.state.in_(OPEN_INCIDENT_STATES))
                .order_by(Incident.id)
            ).all()
            notes = f"Resolved by problem {p.number}: {words}"
            for iid in ids:
                inc = load_locked(s, iid, desk)
                try:
                    with s.begin_nested():
                        apply_change(
                            s,
                            book,
                            actor,
                            inc,
                            resolve_change(
                                desk, actor, ResolutionCode.RESOLVED_BY_PROBLEM.value, notes, None
                            ),
                            now,
                            action=IncidentAction.RESOLVE,
                            kind="resolved",
                        )
                    resolved.append(inc.number)
                except DeskError as exc:
                    s.expire(inc)
                    refused.append((inc.number, str(exc)))
        append_change(s, "problem", p.id, "resolved", actor.id)
        s.flush()
        return Resolution(_record(s, p), tuple(resolved), tuple(refused))


def add_known_error(
    desk: Desk,
    actor: Actor,
    title: str,
    symptom: str,
    workaround: str,
    *,
    problem_id: int | None = None,
    category_id: int | None = None,
) -> int:
    """A known error: the problem `problem_id` flagged as one (with this workaround), or a new
    problem of its own, state Assessed. Returns the known error's id (what incidents link)."""
    actor.require(Permission.RECORD_PROBLEMS)
    if not title.strip() or not workaround.strip():
        raise ValidationError("A known error needs a title and a workaround", field="title")
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        if problem_id is None:
            p = _new_problem(
                s, actor, now, title, description=symptom, workaround=workaround, known_error=True
            )
            p.state = ProblemState.ASSESSED.value
        else:
            p = _load(s, problem_id, lock=True, desk=desk)
            before = (bool(p.known_error), p.workaround)
            p.known_error = True
            p.workaround = workaround.strip()
            if not (p.description or "").strip():
                p.description = symptom.strip()
            _audit(
                s,
                actor,
                p,
                [("known_error", before[0], True), ("workaround", before[1], p.workaround)],
                now,
            )
            p.updated_at = now
            p.version = (p.version or 1) + 1
        s.flush()
        _sync_known_error(s, p)
        ke = s.scalars(select(KnownError).where(KnownError.problem_id == p.id).limit(1)).one()
        # the known error's own words as given (a problem's description may say more)
        ke.title, ke.symptom = title.strip(), symptom.strip()
        if category_id is not None:
            ke.category_id = category_id
        s.flush()
        return ke.id


def problem_history(desk: Desk, problem_id: int) -> list[object]:
    from app.services.admin_audit import admin_history

    return list(admin_history(desk, "problem", problem_id))
