"""The admin audit: every change of the desk's configuration (calendars, SLA policies, the site),
field by field, with who made it and when, in words. Append-only (the database refuses updates
and deletes); written in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.sla_config import AdminAuditRecord, FieldDiff
from app.models import AdminAuditEntry, Agent
from app.services.context import Actor, Desk


def record_changes(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: int | None,
    entity_name: str,
    diffs: Sequence[FieldDiff],
    now: datetime,
    reason: str | None = None,
) -> int:
    """One audit row per changed field, in the caller's transaction; returns how many."""
    text = (reason or "").strip() or None
    for diff in diffs:
        session.add(
            AdminAuditEntry(
                at=now,
                agent_id=actor.id,
                entity=entity,
                entity_id=entity_id,
                entity_name=entity_name,
                field=diff.field,
                old_value=diff.old,
                new_value=diff.new,
                reason=text,
            )
        )
    return len(diffs)


def admin_history(
    desk: Desk, entity: str | None = None, entity_id: int | None = None, limit: int = 500
) -> list[AdminAuditRecord]:
    """The newest configuration changes first (of one entity, or of everything)."""
    stmt = (
        select(AdminAuditEntry, Agent.full_name)
        .outerjoin(Agent, Agent.id == AdminAuditEntry.agent_id)
        .order_by(AdminAuditEntry.id.desc())
        .limit(limit)
    )
    if entity is not None:
        stmt = stmt.where(AdminAuditEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AdminAuditEntry.entity_id == entity_id)
    with desk.query() as session:
        rows = session.execute(stmt).all()
    return [
        AdminAuditRecord(
            id=e.id,
            at=e.at,
            who=name,
            entity=e.entity,
            entity_id=e.entity_id,
            entity_name=e.entity_name,
            field=e.field,
            old=e.old_value,
            new=e.new_value,
            reason=e.reason,
        )
        for e, name in rows
    ]
