"""What the incident window loads: the record with its journal, history, pauses and children."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.affected import AffectedItem, OnService
from app.domain.matrix import PriorityMatrix
from app.domain.records import (
    AuditRecord,
    CategoryRecord,
    GroupRecord,
    IncidentRecord,
    JournalRecord,
    KnownErrorRecord,
    PauseRecord,
    QueueRow,
    ServiceRecord,
)
from app.domain.tasks import TaskRecord
from app.services import affected, attachments, queries, tasks
from app.services.attachments import AttachmentRecord
from app.services.context import Desk
from app.services.tasks import TimeTotals


@dataclass(frozen=True)
class Details:
    record: IncidentRecord
    journal: list[JournalRecord]
    history: list[AuditRecord]
    pauses: list[PauseRecord]
    children: list[QueueRow]
    known_error: KnownErrorRecord | None = None  # the one the incident links to: title, workaround
    tasks: list[TaskRecord] = field(default_factory=list)
    attachments: list[AttachmentRecord] = field(default_factory=list)
    images: dict[int, bytes] = field(default_factory=dict)  # the images' bytes, for thumbnails
    time: TimeTotals | None = None  # time worked, per person and group
    affected: list[AffectedItem] = field(default_factory=list)  # the primary first
    others: list[OnService] = field(default_factory=list)  # other open incidents on them


@dataclass(frozen=True)
class Lookups:
    groups: list[GroupRecord]
    categories: list[CategoryRecord]
    services: list[ServiceRecord]
    matrix: PriorityMatrix  # the active one: impact and urgency levels, how many priorities
    colors: tuple[str | None, ...] = ()  # the admin's colours of the priorities


def load_lookups(desk: Desk) -> Lookups:
    from app.services.priority_colors import priority_colors

    return Lookups(
        queries.groups(desk),
        queries.categories(desk),
        queries.services(desk),
        queries.matrix(desk),
        priority_colors(desk),
    )


def load_details(
    desk: Desk, incident_id: int, known_images: frozenset[int] = frozenset()
) -> Details:
    record = queries.get_incident(desk, incident_id)
    return Details(
        record,
        queries.journal(desk, incident_id),
        queries.history(desk, incident_id),
        queries.pauses(desk, incident_id),
        queries.children(desk, incident_id),
        queries.known_error(desk, record.known_error_id) if record.known_error_id else None,
        tasks.incident_tasks(desk, incident_id),
        attachments.attachments(desk, incident_id),
        attachments.image_bytes(desk, incident_id, known=known_images),
        tasks.time_totals(desk, incident_id),
        affected.affected(desk, incident_id),
        affected.others_on(desk, incident_id),
    )
