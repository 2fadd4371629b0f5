"""Callers: the people who report incidents."""

from __future__ import annotations

from app.db.changes import append_change
from app.domain.errors import ValidationError
from app.domain.roles import Permission
from app.models import (
    Caller,
)
from app.services.context import Actor, Desk


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
