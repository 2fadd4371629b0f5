"""Editing the priority matrix: preview what would change, save a new version, recompute.

Saving never touches an incident: each keeps the priority (and matrix version) it had.
Open incidents are moved to the new matrix only on purpose, through `recompute_open`,
each with its own audit entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.matrix import PriorityMatrix
from app.domain.roles import Permission
from app.models import Incident, MatrixVersion
from app.services import incidents
from app.services.context import Actor, Desk
from app.services.policies import policy_book


@dataclass(frozen=True)
class PriorityShift:
    incident_id: int
    number: str
    title: str
    old_priority: int
    new_priority: int


def preview(desk: Desk, matrix: PriorityMatrix) -> list[PriorityShift]:
    """The open incidents whose priority `matrix` would change."""
    with desk.read() as conn:
        rows = conn.execute(
            select(Incident.id, Incident.number, Incident.title, Incident.impact, Incident.urgency, Incident.priority)
            .where(Incident.active)
            .order_by(Incident.id)
        ).all()
    shifts = []
    for r in rows:
        if r.impact > matrix.impacts or r.urgency > matrix.urgencies:
            continue
        new = matrix.priority(r.impact, r.urgency)
        if new != r.priority:
            shifts.append(PriorityShift(r.id, r.number, r.title, r.priority, new))
    return shifts


def store_matrix(
    session: Session, matrix: PriorityMatrix, by: int | None, at: datetime, note: str | None
) -> MatrixVersion:
    """Add `matrix` as the next version in the caller's transaction."""
    row = MatrixVersion(
        impact_labels=list(matrix.impact_labels),
        urgency_labels=list(matrix.urgency_labels),
        priority_labels=list(matrix.priority_labels),
        cells=[list(r) for r in matrix.cells],
        created_by_id=by,
        created_at=at,
        note=note,
    )
    session.add(row)
    session.flush()
    return row


def save(desk: Desk, actor: Actor, matrix: PriorityMatrix, note: str | None = None) -> PriorityMatrix:
    """Store `matrix` as the next version; incidents keep theirs until recomputed."""
    actor.require(Permission.CONFIGURE)  # the matrix is the admin's
    with desk.write() as s:
        row = store_matrix(s, matrix, actor.id, desk.now(), note)
        append_change(s, "matrix", row.id, "created", actor.id)
    desk.invalidate()
    return policy_book(desk).matrix


def recompute_open(
    desk: Desk, actor: Actor, incident_ids: Sequence[int] | None = None, reason: str | None = None
) -> list[PriorityShift]:
    """Move open incidents to the current matrix (all, or the given ones); returns what changed."""
    actor.require(Permission.CONFIGURE)
    matrix = policy_book(desk).matrix
    shifts = preview(desk, matrix)
    if incident_ids is not None:
        wanted = set(incident_ids)
        shifts = [s for s in shifts if s.incident_id in wanted]
    why = reason or f"Priority matrix version {matrix.version}"
    for shift in shifts:
        current = incidents.get_version(desk, shift.incident_id)
        with desk.read() as conn:
            iu = conn.execute(
                select(Incident.impact, Incident.urgency).where(Incident.id == shift.incident_id)
            ).one()
        incidents.set_impact_urgency(desk, actor, shift.incident_id, current, iu.impact, iu.urgency, reason=why)
    return shifts
