"""Problem records and known errors (root cause, workaround)."""

from __future__ import annotations

import uuid

from app.db.changes import append_change
from app.domain.errors import ValidationError
from app.domain.roles import Permission
from app.models import (
    KnownError,
    Problem,
)
from app.services.context import Actor, Desk


def add_problem(desk: Desk, actor: Actor, title: str, *, description: str = "") -> int:
    actor.require(Permission.RECORD_PROBLEMS)
    from app.domain.records import problem_number

    with desk.write() as s:
        p = Problem(
            number=f"~{uuid.uuid4().hex[:18]}",
            title=title.strip(),
            description=description,
            created_by_id=actor.id,
        )
        s.add(p)
        s.flush()
        p.number = problem_number(p.id)
        append_change(s, "problem", p.id, "created", actor.id)
        return p.id


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
    actor.require(Permission.RECORD_PROBLEMS)
    if not title.strip() or not workaround.strip():
        raise ValidationError("A known error needs a title and a workaround", field="title")
    with desk.write() as s:
        k = KnownError(
            title=title.strip(),
            symptom=symptom.strip(),
            workaround=workaround.strip(),
            problem_id=problem_id,
            category_id=category_id,
        )
        s.add(k)
        s.flush()
        append_change(s, "known_error", k.id, "created", actor.id)
        return k.id
