"""Editing an incident's fields: the form (title, description, caller, channel, service,
category, impact and urgency), categorising, re-prioritising and a supervisor's priority
override."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import (
    ValidationError,
)
from app.domain.incident_rights import IncidentAction
from app.domain.records import Channel, IncidentRecord
from app.models import (
    Caller,
    Category,
    ConfigItem,
    Incident,
)
from app.services.context import Actor, Desk
from app.services.incidents.affected import keep_primary_apart
from app.services.incidents.mutation import (
    MAX_TITLE,
    check_exists,
    mutate,
    restart_clocks,
)
from app.services.incidents.routing import reassign
from app.services.policies import fresh_policy_book

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


def _set_category(
    session: Session, inc: Incident, category_id: int | None, reroute: bool, now: datetime
) -> None:
    if category_id is not None:
        category = session.get(Category, category_id)
        if category is None:
            raise ValidationError(f"No category with id {category_id}", field="category")
        if reroute and category.default_group_id and category.default_group_id != inc.group_id:
            reassign(session, inc, category.default_group_id, None, now)
    inc.category_id = category_id


def _set_priority(
    desk: Desk, session: Session, inc: Incident, impact: int, urgency: int, now: datetime
) -> None:
    """Impact and urgency through the current matrix; the clocks keep their start, or restart
    now under a policy without retroactive start (`mutation.restart_clocks`).

    An overridden priority stays while impact and urgency stay (a matrix recompute passes it
    by); a new impact or urgency gives the matrix's priority again."""
    book = fresh_policy_book(desk, session)
    matrix = book.matrix
    priority = matrix.priority(impact, urgency)
    if inc.priority_overridden and (impact, urgency) == (inc.impact, inc.urgency):
        return
    old = inc.priority
    inc.priority = priority
    inc.impact, inc.urgency = impact, urgency
    inc.matrix_version = matrix.version
    inc.priority_overridden = False
    restart_clocks(inc, book, old, now)


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
        check_exists(session, Caller, value, "caller", "caller")  # type: ignore[arg-type]
    elif name == "config_item_id":
        check_exists(session, ConfigItem, value, "service", "service")  # type: ignore[arg-type]
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
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(
            f"Cannot edit {', '.join(sorted(unknown))} here; editable: {', '.join(sorted(EDITABLE))}",
            field=sorted(unknown)[0],
        )

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        for name, value in changes.items():
            if name == "category_id":
                _set_category(session, inc, value, False, now)  # type: ignore[arg-type]
            elif name not in ("impact", "urgency"):
                _set_field(session, inc, name, value)
        if "impact" in changes or "urgency" in changes:
            impact = int(changes.get("impact", inc.impact))  # type: ignore[call-overload]
            urgency = int(changes.get("urgency", inc.urgency))  # type: ignore[call-overload]
            _set_priority(desk, session, inc, impact, urgency, now)
        if "config_item_id" in changes:
            keep_primary_apart(session, inc, actor, now)
        return reason

    return mutate(desk, actor, incident_id, version, change, action=IncidentAction.EDIT)


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

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        _set_category(session, inc, category_id, reroute, now)
        if config_item_id is not None:
            _set_field(session, inc, "config_item_id", config_item_id)
            keep_primary_apart(session, inc, actor, now)
        return None

    return mutate(desk, actor, incident_id, version, change, action=IncidentAction.EDIT)


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

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        _set_priority(desk, session, inc, impact, urgency, now)
        return reason

    return mutate(desk, actor, incident_id, version, change, action=IncidentAction.EDIT)


def override_priority(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    priority: int,
    reason: str,
) -> IncidentRecord:
    """Set the priority by hand, past the matrix, with a mandatory reason (audited as an
    override). It holds until impact or urgency change."""
    text = (reason or "").strip()
    if not text:
        raise ValidationError("A reason is required to override the priority", field="reason")

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        book = fresh_policy_book(desk, session)
        matrix = book.matrix
        if (
            isinstance(priority, bool)
            or not isinstance(priority, int)
            or not (1 <= priority <= matrix.priorities)
        ):
            raise ValidationError(
                f"Priority must be 1 to {matrix.priorities}, got {priority!r}", field="priority"
            )
        old = inc.priority
        inc.priority = priority
        inc.priority_overridden = True
        restart_clocks(inc, book, old, now)
        return f"Priority override: {text}"

    return mutate(
        desk, actor, incident_id, version, change, action=IncidentAction.OVERRIDE_PRIORITY
    )
