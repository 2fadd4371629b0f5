"""Callers: the people who report incidents."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import ValidationError
from app.domain.roles import Permission
from app.models import (
    Caller,
)
from app.services.context import Actor, Desk


@dataclass(frozen=True)
class NewCaller:
    """A caller typed into a form and not known yet: written with the incident that names them
    (or found, when a caller with this e-mail address exists already)."""

    name: str
    email: str | None = None
    department: str | None = None
    phone: str | None = None


def caller_for(session: Session, actor_id: int, wanted: NewCaller | str) -> int:
    """The id of `wanted` inside `session`'s transaction: the caller with the same e-mail address
    when there is one, else a new caller (rolled back with the transaction if it fails)."""
    if isinstance(wanted, str):
        wanted = NewCaller(wanted)
    row = new_caller(wanted.name, email=wanted.email, phone=wanted.phone, department=wanted.department)
    if row.email:
        existing = session.scalar(
            select(Caller.id).where(func.lower(Caller.email) == row.email).order_by(Caller.id).limit(1)
        )
        if existing is not None:
            return int(existing)
    session.add(row)
    session.flush()
    append_change(session, "caller", row.id, "created", actor_id)
    return int(row.id)


def new_caller(
    name: str, *, email: str | None = None, phone: str | None = None, department: str | None = None
) -> Caller:
    """A valid, unsaved caller row (for add_caller, or logging with a caller not yet known)."""
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError("A caller needs a name", field="caller")
    if email and "@" not in email:
        raise ValidationError(f"{email!r} is not an e-mail address", field="email")
    return Caller(
        name=clean,
        name_key=clean.lower(),
        email=(email or "").strip().lower() or None,
        phone=phone,
        department=department,
    )


def add_caller(
    desk: Desk,
    actor: Actor,
    name: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    department: str | None = None,
) -> int:
    """A new caller (agents add them inline while logging)."""
    actor.require(Permission.LOG)
    row = new_caller(name, email=email, phone=phone, department=department)
    with desk.write() as s:
        s.add(row)
        s.flush()
        append_change(s, "caller", row.id, "created", actor.id)
        return row.id
