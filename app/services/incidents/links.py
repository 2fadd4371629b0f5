"""Links and flags: major incident, parent incident, problem and known error, and the admin
fields a closed incident still takes (problem, change, caused-by)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import (
    IllegalTransition,
    ValidationError,
)
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import State
from app.domain.records import IncidentRecord
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

MAX_CHANGE_REF = 40


def mark_major(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, major: bool = True
) -> IncidentRecord:
    """Declare a major incident (or take the flag back)."""

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        inc.major = major
        return None

    action = IncidentAction.MARK_MAJOR if major else IncidentAction.UNMARK_MAJOR
    return mutate(desk, actor, incident_id, version, change, action=action)


def link_parent(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, parent_id: int | None
) -> IncidentRecord:
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

    return mutate(desk, actor, incident_id, version, change, action=IncidentAction.LINK_PARENT)


def link_problem(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    problem_id: int | None,
    *,
    known_error_id: int | None = None,
) -> IncidentRecord:
    """The problem (and known error) behind the incident. On a closed or cancelled incident
    only the problem may still be set, by an admin; the known error stays as it was."""

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        check_exists(session, Problem, problem_id, "problem", "problem")
        check_exists(session, KnownError, known_error_id, "known_error", "known error")
        state = State(inc.state)
        if state.final and known_error_id is not None and known_error_id != inc.known_error_id:
            raise IllegalTransition(
                state.label,
                "link",
                [],
                message=f"{inc.number} is {state.label}: its known error can no longer change; "
                "only its problem, change and caused-by may still be set",
            )
        inc.problem_id = problem_id
        if known_error_id is not None:
            inc.known_error_id = known_error_id
        return None

    return mutate(desk, actor, incident_id, version, change, action=IncidentAction.LINK_RELATED)


@dataclass(frozen=True)
class RelatedLinks:
    """The admin fields, all at once (what they become; None clears one).

    `change_ref` is the change that fixed the incident ("CHG0030012"); the cause is another
    incident (`caused_by_id`) or a change (`caused_by_change`), not both."""

    problem_id: int | None = None
    change_ref: str | None = None
    caused_by_id: int | None = None
    caused_by_change: str | None = None


def _reference(text: str | None, field: str, what: str) -> str | None:
    value = " ".join((text or "").split())
    if len(value) > MAX_CHANGE_REF:
        raise ValidationError(
            f"The {what} reference is over {MAX_CHANGE_REF} characters", field=field
        )
    return value or None


def set_related(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    links: RelatedLinks,
    *,
    reason: str | None = None,
) -> IncidentRecord:
    """Set the problem, change and caused-by links: the fields that stay settable (by an
    admin) once an incident is Closed or Cancelled, as in ServiceNow."""
    change_ref = _reference(links.change_ref, "change", "change")
    caused_by_change = _reference(links.caused_by_change, "caused_by", "causing change")
    if links.caused_by_id is not None and caused_by_change is not None:
        raise ValidationError("The cause is an incident or a change, not both", field="caused_by")

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        check_exists(session, Problem, links.problem_id, "problem", "problem")
        if links.caused_by_id is not None:
            if links.caused_by_id == inc.id:
                raise ValidationError("An incident cannot be its own cause", field="caused_by")
            check_exists(session, Incident, links.caused_by_id, "caused_by", "incident")
        inc.problem_id = links.problem_id
        inc.change_ref = change_ref
        inc.caused_by_id = links.caused_by_id
        inc.caused_by_change = caused_by_change
        return reason

    return mutate(desk, actor, incident_id, version, change, action=IncidentAction.LINK_RELATED)
