"""Callers: the people who report incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import ValidationError
from app.domain.records import CallerMatch, CallerMatches, CallerRecord
from app.domain.roles import Permission
from app.models import (
    Caller,
    Incident,
)
from app.services.context import Actor, Desk
from app.services.limits import check_fits


@dataclass(frozen=True)
class NewCaller:
    """A caller typed into a form and not known yet: written with the incident that names them
    (or found, when a caller with this e-mail address exists already)."""

    name: str
    email: str | None = None
    department: str | None = None
    phone: str | None = None
    employee_id: str | None = None


def caller_for(session: Session, actor_id: int, wanted: NewCaller | str) -> int:
    """The id of `wanted` inside `session`'s transaction: the caller with the same e-mail address
    (or, without one, the same employee id) when there is one, else a new caller (rolled back
    with the transaction if it fails)."""
    if isinstance(wanted, str):
        wanted = NewCaller(wanted)
    row = new_caller(
        wanted.name,
        email=wanted.email,
        phone=wanted.phone,
        department=wanted.department,
        employee_id=wanted.employee_id,
    )
    same = (
        func.lower(Caller.email) == row.email
        if row.email
        else Caller.employee_id == row.employee_id
        if row.employee_id
        else None
    )
    if same is not None:
        existing = session.scalar(select(Caller.id).where(same).order_by(Caller.id).limit(1))
        if existing is not None:
            return int(existing)
    session.add(row)
    session.flush()
    append_change(session, "caller", row.id, "created", actor_id)
    return int(row.id)


EMPLOYEE_ID_MAX = 40


def clean_employee_id(text: str | None) -> str | None:
    """An employee id as stored: upper-cased, without spaces; refused when it cannot be one."""
    clean = "".join((text or "").split()).upper()
    if not clean:
        return None
    if len(clean) > EMPLOYEE_ID_MAX:
        raise ValidationError(
            f"An employee id has at most {EMPLOYEE_ID_MAX} characters ({len(clean)} given)",
            field="employee_id",
        )
    return clean


def new_caller(
    name: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    department: str | None = None,
    employee_id: str | None = None,
) -> Caller:
    """A valid, unsaved caller row (for add_caller, or logging with a caller not yet known)."""
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError("A caller needs a name", field="caller")
    if email and "@" not in email:
        raise ValidationError(f"{email!r} is not an e-mail address", field="email")
    check_fits("caller's name", clean, Caller.name, "caller")
    check_fits("e-mail address", (email or "").strip(), Caller.email, "email")
    check_fits("phone number", phone, Caller.phone, "phone")
    check_fits("department", department, Caller.department, "department")
    return Caller(
        name=clean,
        name_key=clean.lower(),
        email=(email or "").strip().lower() or None,
        phone=phone,
        department=department,
        employee_id=clean_employee_id(employee_id),
    )


def add_caller(
    desk: Desk,
    actor: Actor,
    name: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    department: str | None = None,
    employee_id: str | None = None,
) -> int:
    """A new caller (agents add them inline while logging)."""
    actor.require(Permission.LOG)
    row = new_caller(name, email=email, phone=phone, department=department, employee_id=employee_id)
    with desk.write() as s:
        s.add(row)
        s.flush()
        append_change(s, "caller", row.id, "created", actor.id)
        return row.id


# -- finding a caller as the agent types ---------------------------------------------------

RECENT_DAYS = 30  # "this agent's recent callers": incidents they logged or own, this long back
_PHONE_NOISE = (" ", "-", ".", "(", ")", "/", "+")


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _digits(column: Any) -> ColumnElement[str]:
    out: ColumnElement[str] = func.coalesce(column, "")
    for ch in _PHONE_NOISE:
        out = func.replace(out, ch, "")
    return out


def _term(term: str) -> ColumnElement[bool]:
    """A caller matches a typed word when a word of the name, the e-mail, the employee id, or
    the phone (its digits or one of its groups) starts with it."""
    t = _like(term)
    cond = or_(
        Caller.name_key.like(f"{t}%", escape="\\"),
        Caller.name_key.like(f"% {t}%", escape="\\"),
        Caller.name_key.like(f"%-{t}%", escape="\\"),
        Caller.email.like(f"{t}%", escape="\\"),
        Caller.employee_id.like(f"{t.upper()}%", escape="\\"),
    )
    digits = "".join(ch for ch in term if ch.isdigit())
    if digits and len(digits) == len(term.lstrip("+")):
        cond = or_(
            cond,
            _digits(Caller.phone).like(f"{digits}%"),
            Caller.phone.like(f"% {t}%", escape="\\"),
        )
    return cond


def search_callers(desk: Desk, actor: Actor | None, text: str, limit: int = 20) -> CallerMatches:
    """Callers for what the agent typed, as a desk needs them: the callers of this agent's
    recent incidents first, then those with open incidents, then a name that starts with what
    was typed, then by name; with how many match in all. Every typed word must match (a word
    of the first or last name, the e-mail, the employee id, the phone), so typing more
    narrows the list."""
    terms = " ".join(text.lower().split()).split(" ")
    terms = [t for t in terms if t]
    if not terms:
        return CallerMatches((), 0)
    key = _like(" ".join(terms))
    where = and_(*(_term(t) for t in terms))
    open_n = (
        select(func.count(Incident.id))
        .where(Incident.caller_id == Caller.id, Incident.active)
        .correlate(Caller)
        .scalar_subquery()
    )
    if actor is not None:
        since = desk.now() - timedelta(days=RECENT_DAYS)
        recent: ColumnElement[bool] = exists().where(
            Incident.caller_id == Caller.id,
            or_(Incident.opened_by_id == actor.id, Incident.assignee_id == actor.id),
            Incident.opened_at >= since,
        )
    else:
        recent = literal(False)
    stmt = (
        select(Caller, open_n.label("open_n"), case((recent, 1), else_=0).label("recent"))
        .where(where)
        .order_by(
            case((recent, 0), else_=1),
            case((open_n > 0, 0), else_=1),
            case((Caller.name_key.like(f"{key}%", escape="\\"), 0), else_=1),
            Caller.name_key,
            Caller.id,
        )
        .limit(limit)
    )
    with desk.read() as conn:
        rows = conn.execute(stmt).all()
        total = len(rows)
        if total == limit:
            total = int(conn.execute(select(func.count(Caller.id)).where(where)).scalar_one())
    matches = tuple(
        CallerMatch(
            CallerRecord(r.id, r.name, r.email, r.phone, r.department, r.employee_id),
            int(r.open_n or 0),
            bool(r.recent),
        )
        for r in rows
    )
    return CallerMatches(matches, total)
