"""Links and flags: major incident, parent incident, problem and known error."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import (
    ValidationError,
)
from app.domain.records import IncidentRecord
from app.domain.roles import Permission
from app.models import (
    Incident,
    KnownError,
    Problem,
)
from app.services.context import Actor, Desk
from app.services.incidents.mutation import (
    check_exists,
    mutate,
)


def mark_major(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, major: bool = True
) -> IncidentRecord:
    actor.require(Permission.MARK_MAJOR)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        inc.major = major
        return None

    return mutate(desk, actor, incident_id, version, change)


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

    return mutate(desk, actor, incident_id, version, change)


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
        check_exists(session, Problem, problem_id, "problem", "problem")
        check_exists(session, KnownError, known_error_id, "known_error", "known error")
        inc.problem_id = problem_id
        if known_error_id is not None:
            inc.known_error_id = known_error_id
        return None

    return mutate(desk, actor, incident_id, version, change)
