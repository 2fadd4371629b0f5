"""What the services and configuration items an incident affects tell: the list itself (its
primary one, the incident's Service, first), the other open incidents on the same ones (the
Related tab), and the open major incidents on a service (the warning while logging). The
list is edited by app.services.incidents.affected."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Subquery, func, select, union
from sqlalchemy.orm import Session

from app.domain.affected import AffectedItem, MajorOnService, OnService, OtherIncident
from app.domain.lifecycle import State
from app.models import ConfigItem, Incident, IncidentService
from app.services.context import Desk
from app.services.policies import policy_book

SHOWN_PER_ITEM = 10  # the other open incidents listed under each service (all are counted)


# -- reading ------------------------------------------------------------------------------


def affected_in(conn: Connection | Session, incident_id: int) -> list[AffectedItem]:
    """The primary first, then the others in the order they were listed."""
    primary = conn.execute(
        select(ConfigItem.id, ConfigItem.name, ConfigItem.kind)
        .join(Incident, Incident.config_item_id == ConfigItem.id)
        .where(Incident.id == incident_id)
    ).first()
    others = conn.execute(
        select(ConfigItem.id, ConfigItem.name, ConfigItem.kind)
        .join(IncidentService, IncidentService.config_item_id == ConfigItem.id)
        .where(IncidentService.incident_id == incident_id)
        .order_by(IncidentService.position, ConfigItem.name)
    ).all()
    items = [AffectedItem(primary.id, primary.name, primary.kind, True)] if primary else []
    return items + [AffectedItem(r.id, r.name, r.kind, False) for r in others]


def affected(desk: Desk, incident_id: int) -> list[AffectedItem]:
    with desk.read() as conn:
        return affected_in(conn, incident_id)


def _open_on(item_id: int, exclude: int | None) -> Subquery:
    """The ids of the open incidents on `item_id`, as primary or as another listing."""
    primary = select(Incident.id).where(Incident.config_item_id == item_id, Incident.active)
    listed = (
        select(Incident.id)
        .join(IncidentService, IncidentService.incident_id == Incident.id)
        .where(IncidentService.config_item_id == item_id, Incident.active)
    )
    if exclude is not None:
        primary = primary.where(Incident.id != exclude)
        listed = listed.where(Incident.id != exclude)
    return union(primary, listed).subquery()


def others_on(desk: Desk, incident_id: int, limit: int = SHOWN_PER_ITEM) -> list[OnService]:
    """For each service and CI of the incident, the other open incidents on it: how many, and
    the first `limit` of them, most urgent first."""
    book = policy_book(desk)
    with desk.read() as conn:
        items = affected_in(conn, incident_id)
        out = []
        for item in items:
            ids = _open_on(item.id, incident_id)
            count = conn.execute(select(func.count()).select_from(ids)).scalar_one()
            rows = (
                conn.execute(
                    select(
                        Incident.id,
                        Incident.number,
                        Incident.title,
                        Incident.priority,
                        Incident.matrix_version,
                        Incident.state,
                        Incident.major,
                    )
                    .where(Incident.id.in_(select(ids.c.id)))
                    .order_by(Incident.priority, Incident.due_sort, Incident.id)
                    .limit(limit)
                ).all()
                if count
                else []
            )
            found = tuple(
                OtherIncident(
                    r.id,
                    r.number,
                    r.title,
                    book.priority_label(r.priority, r.matrix_version),
                    State(r.state).label,
                    bool(r.major),
                )
                for r in rows
            )
            out.append(OnService(item, int(count), found))
        return out


def open_majors(desk: Desk, item_ids: Iterable[int]) -> list[MajorOnService]:
    """The open major incidents on any of `item_ids` (as primary or another listing), oldest
    first, each once with the first of those services it is on."""
    ids = sorted({int(i) for i in item_ids})
    if not ids:
        return []
    primary = (
        select(Incident.id, Incident.number, Incident.title, ConfigItem.name)
        .join(ConfigItem, ConfigItem.id == Incident.config_item_id)
        .where(Incident.config_item_id.in_(ids), Incident.active, Incident.major)
    )
    listed = (
        select(Incident.id, Incident.number, Incident.title, ConfigItem.name)
        .join(IncidentService, IncidentService.incident_id == Incident.id)
        .join(ConfigItem, ConfigItem.id == IncidentService.config_item_id)
        .where(IncidentService.config_item_id.in_(ids), Incident.active, Incident.major)
    )
    with desk.read() as conn:
        rows = [*conn.execute(primary).all(), *conn.execute(listed).all()]
    seen: dict[int, MajorOnService] = {}
    for r in sorted(rows, key=lambda r: (r[0], r[3])):
        seen.setdefault(r[0], MajorOnService(r[0], r[1], r[2], r[3]))
    return list(seen.values())
