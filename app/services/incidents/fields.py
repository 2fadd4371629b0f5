"""Editing an incident's fields: the form (title, description, caller, channel, service,
category, impact and urgency), categorising and re-prioritising."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import (
    ValidationError,
)
from app.domain.records import Channel, IncidentRecord
from app.domain.roles import Permission
from app.models import (
    Caller,
    Category,
    ConfigItem,
    Incident,
)
from app.services.context import Actor, Desk
from app.services.incidents.mutation import (
    MAX_TITLE,
    check_exists,
    mutate,
    restart_clocks,
)
from app.services.incidents.routing import reassign
from app.services.policies import fresh_policy_book

# --------------------------------------------------------------------------------------
# fields

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


def _set_category(session: Session, inc: Incident, category_id: int | None, reroute: bool) -> None:
    if category_id is not None:
        category = session.get(Category, category_id)
        if category is None:
            raise ValidationError(f"No category with id {category_id}", field="category")
        if reroute and category.default_group_id and category.default_group_id != inc.group_id:
            reassign(session, inc, category.default_group_id, None)
    inc.category_id = category_id


def _set_priority(
    desk: Desk, session: Session, inc: Incident, impact: int, urgency: int, now: datetime
) -> None:
    """Impact and urgency through the current matrix; the clocks keep their start, or restart
    now under a policy without retroactive start (`mutation.restart_clocks`)."""
    book = fresh_policy_book(desk, session)
    matrix = book.matrix
    old = inc.priority
    inc.priority = matrix.priority(impact, urgency)
    inc.impact, inc.urgency = impact, urgency
    inc.matrix_version = matrix.version
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
    actor.require(Permission.WORK)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(
            f"Cannot edit {', '.join(sorted(unknown))} here; editable: {', '.join(sorted(EDITABLE))}",
            field=sorted(unknown)[0],
        )

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        for name, value in changes.items():
            if name == "category_id":
                _set_category(session, inc, value, reroute=False)  # type: ignore[arg-type]
            elif name not in ("impact", "urgency"):
                _set_field(session, inc, name, value)
        if "impact" in changes or "urgency" in changes:
            impact = int(changes.get("impact", inc.impact))  # type: ignore[call-overload]
            urgency = int(changes.get("urgency", inc.urgency))  # type: ignore[call-overload]
            _set_priority(desk, session, inc, impact, urgency, now)
        return reason

    return mutate(desk, actor, incident_id, version, change)


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
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        _set_category(session, inc, category_id, reroute)
        if config_item_id is not None:
            _set_field(session, inc, "config_item_id", config_item_id)
        return None

    return mutate(desk, actor, incident_id, version, change)


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
    actor.require(Permission.WORK)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        _set_priority(desk, session, inc, impact, urgency, now)
        return reason

    return mutate(desk, actor, incident_id, version, change)


# --------------------------------------------------------------------------------------
