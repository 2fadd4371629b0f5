"""The SLA sweep: announce each resolution clock crossing 50%, 75% and 100% exactly once.

Any workstation (or a scheduled `incidentdesk sla sweep`) may run it; the guarded
UPDATE lets exactly one of them announce a crossing. Each announcement is a system
journal entry and a change_log row ("sla"), which the desktops turn into notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, and_, or_, select, update

from app.db.changes import append_change
from app.domain.records import JournalKind
from app.domain.sla import Threshold
from app.models import Group, Incident, JournalEntry
from app.services.context import Desk
from app.services.incidents import auto_close_resolved


@dataclass(frozen=True)
class ThresholdCrossed:
    incident_id: int
    number: str
    threshold: Threshold
    group_id: int | None
    group_name: str | None
    assignee_id: int | None


_MESSAGES = {
    Threshold.WARNING: "SLA warning: half of the resolution target has elapsed",
    Threshold.AT_RISK: "SLA at risk: 75% of the resolution target has elapsed",
    Threshold.BREACHED: "SLA breached: the resolution target has passed",
}


def sweep(desk: Desk, *, auto_close: bool = True) -> list[ThresholdCrossed]:
    """Announce the thresholds crossed since the last sweep; close what is due to close."""
    now = desk.now()
    system = desk.system()
    crossed: list[ThresholdCrossed] = []
    stages = (
        (Threshold.BREACHED, Incident.resolution_due),
        (Threshold.AT_RISK, Incident.at_risk_at),
        (Threshold.WARNING, Incident.warn_at),
    )
    with desk.read() as conn:
        rows = conn.execute(
            select(
                Incident.id,
                Incident.number,
                Incident.group_id,
                Group.name,
                Incident.assignee_id,
                Incident.sla_stage,
                Incident.warn_at,
                Incident.at_risk_at,
                Incident.resolution_due,
            )
            .outerjoin(Group, Group.id == Incident.group_id)
            .where(
                Incident.active,
                Incident.sla_paused.is_(False),
                or_(
                    and_(Incident.sla_stage < 50, Incident.warn_at <= now),
                    and_(Incident.sla_stage < 75, Incident.at_risk_at <= now),
                    and_(Incident.sla_stage < 100, Incident.resolution_due <= now),
                ),
            )
        ).all()
    for row in rows:
        reached, column = next(
            (t, col) for t, col in stages if (getattr(row, col.key) is not None and getattr(row, col.key) <= now)
        )
        if reached.value <= row.sla_stage:
            continue
        with desk.write() as s:
            won = cast(CursorResult[Any], s.execute(
                update(Incident)
                .where(
                    # re-checked here: the row may have been resolved, paused or
                    # re-prioritised since it was read
                    Incident.id == row.id,
                    Incident.sla_stage < reached.value,
                    Incident.active,
                    Incident.sla_paused.is_(False),
                    column <= now,
                )
                .values(
                    sla_stage=reached.value,
                    # derived fields: no version bump, so nobody's edit conflicts with the sweep
                    sla_breached=reached is Threshold.BREACHED,
                )
                .execution_options(synchronize_session=False)
            )).rowcount
            if not won:
                continue
            s.add(
                JournalEntry(
                    incident_id=row.id,
                    kind=JournalKind.SYSTEM.value,
                    body=_MESSAGES[reached],
                    author_id=system.id,
                    created_at=now,
                )
            )
            append_change(s, "incident", row.id, f"sla_{reached.value}", system.id)
        crossed.append(
            ThresholdCrossed(row.id, row.number, reached, row.group_id, row.name, row.assignee_id)
        )
    if auto_close:
        auto_close_resolved(desk)
    return crossed
