"""Editing what an incident affects: its primary service or CI (the incident's Service) and
the others it lists, through the incident's own rules (whoever may edit the incident); each
one added or taken off is a line of its history (field "affected", "Also affects")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import affected as rules
from app.domain.errors import NotFound, ValidationError
from app.domain.incident_rights import IncidentAction
from app.domain.records import IncidentRecord
from app.models import ConfigItem, Incident, IncidentService
from app.services.context import Actor, Desk
from app.services.incidents.mutation import audit_entry, mutate

FIELD = "affected"  # the history's field: "Also affects"


def _others_ids(session: Session, incident_id: int) -> list[int]:
    return list(
        session.scalars(
            select(IncidentService.config_item_id)
            .where(IncidentService.incident_id == incident_id)
            .order_by(IncidentService.position, IncidentService.config_item_id)
        ).all()
    )


def check_items(session: Session, ids: Iterable[int], known: Iterable[int]) -> None:
    """Each id a service or CI of the desk; one not listed before must still be in use."""
    old = set(known)
    for item_id in ids:
        row = session.get(ConfigItem, item_id)
        if row is None:
            raise ValidationError(
                f"No service or configuration item with id {item_id}", field=FIELD
            )
        if item_id not in old and not row.active:
            raise ValidationError(
                f"{row.name} is no longer in use: it cannot be added to an incident", field=FIELD
            )


def write_others(
    session: Session,
    inc: Incident,
    others: Sequence[int],
    actor: Actor,
    now: datetime,
) -> int:
    """Make `others` the incident's other listings, in that order (the primary is the
    incident's Service); each one added or taken off is a line of its history. Returns how
    many changed."""
    current = _others_ids(session, inc.id)
    changed = 0
    for item_id in current:
        if item_id not in others:
            row = session.get(IncidentService, (inc.id, item_id))
            assert row is not None
            session.delete(row)
            audit_entry(session, inc, actor, now, FIELD, str(item_id), None)
            changed += 1
    for position, item_id in enumerate(others):
        if item_id in current:
            row = session.get(IncidentService, (inc.id, item_id))
            assert row is not None
            row.position = position
        else:
            session.add(
                IncidentService(
                    incident_id=inc.id,
                    config_item_id=item_id,
                    position=position,
                    added_by_id=actor.id,
                    added_at=now,
                )
            )
            audit_entry(session, inc, actor, now, FIELD, None, str(item_id))
            changed += 1
    # not flushed: the use case's change is what is new in the session (mutation.apply_change)
    return changed


def keep_primary_apart(session: Session, inc: Incident, actor: Actor, now: datetime) -> None:
    """After the incident's Service changed: it is no longer among the others."""
    others = _others_ids(session, inc.id)
    if inc.config_item_id in others:
        write_others(session, inc, [o for o in others if o != inc.config_item_id], actor, now)


def set_affected(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    primary: int | None,
    others: Sequence[int],
) -> IncidentRecord:
    """The whole list at once: `primary` (the incident's Service) and the others, in order."""
    primary, rest = rules.affected_list(primary, others)

    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        known = [
            *_others_ids(session, inc.id),
            *([inc.config_item_id] if inc.config_item_id else []),
        ]
        check_items(session, [*([primary] if primary else []), *rest], known)
        inc.config_item_id = primary
        write_others(session, inc, rest, actor, now)
        return None

    return mutate(desk, actor, incident_id, version, change, action=IncidentAction.EDIT)


def _edit(
    desk: Desk,
    actor: Actor,
    incident_id: int,
    version: int | None,
    edit: str,
    item_id: int,
) -> IncidentRecord:
    def change(session: Session, inc: Incident, now: datetime) -> str | None:
        primary, others = inc.config_item_id, _others_ids(session, inc.id)
        if edit == "add":
            primary, rest = rules.affected_list(primary, [*others, item_id])
        elif edit == "remove":
            if item_id != primary and item_id not in others:
                raise NotFound(f"{inc.number} does not list that service or CI")
            primary, rest = rules.without(primary, others, item_id)
        else:
            primary, rest = rules.with_primary(primary, others, item_id)
        check_items(
            session,
            [i for i in (primary, *rest) if i is not None],
            [*others, *([inc.config_item_id] if inc.config_item_id else [])],
        )
        inc.config_item_id = primary
        write_others(session, inc, rest, actor, now)
        return None

    return mutate(desk, actor, incident_id, version, change, action=IncidentAction.EDIT)


def add_affected(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, item_id: int
) -> IncidentRecord:
    """The incident also affects `item_id` (the primary, if it had none)."""
    return _edit(desk, actor, incident_id, version, "add", item_id)


def remove_affected(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, item_id: int
) -> IncidentRecord:
    """The incident no longer affects `item_id`; a primary taken off gives its place to the
    first of the others."""
    return _edit(desk, actor, incident_id, version, "remove", item_id)


def make_primary(
    desk: Desk, actor: Actor, incident_id: int, version: int | None, item_id: int
) -> IncidentRecord:
    """`item_id` becomes the incident's Service; the one it replaces stays listed."""
    return _edit(desk, actor, incident_id, version, "primary", item_id)
