"""Saving an SLA policy or a business calendar together with the open incidents it re-measures.

`preview_calendar` says, before anything is written, how many open incidents a calendar change
would re-measure (every target measured on the calendar, under any policy) and the first of them
with both due times; `sla_policies.preview_policy` does the same for a policy. `apply_policy` and
`apply_calendar` save the change and recompute those incidents' clocks in ONE transaction: the
policy or calendar (audited field by field in the admin audit), each incident whose response or
resolution due time moves (its new clock columns, a line in its history per due time with the
admin's reason), the change feed (the policy or calendar, and the incidents) so every
workstation follows at once. A crash leaves nothing half-applied: the database rolls it back.

The clocks are recomputed from what is stored, as any other change of an incident recomputes
them: from the opening (or the restart under a policy without retroactive start) with every
pause already counted taken out, so a change of targets never loses paused time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from app.db.changes import append_changes
from app.domain.calendar import BusinessCalendar
from app.domain.errors import NotFound
from app.domain.roles import Permission
from app.domain.sla import Pause
from app.domain.sla_config import CalendarRecord, CalendarSpec, PolicyRecord, PolicySpec
from app.models import Base, BusinessCalendarRow, Incident, SlaPause
from app.services.calendars import record_of, validated, write_calendar
from app.services.context import Actor, Desk
from app.services.incidents.mutation import require_active, sla_values
from app.services.policies import PolicyBook, fresh_policy_book, load_policy_book, policy_book
from app.services.sla_policies import (
    PREVIEW_LIST,
    PolicyPreview,
    calendar_of_spec,
    changed_targets,
    measured_by,
    preview_due_change,
    write_policy,
)

_CHUNK = 500
_TABLES = Base.metadata.tables
_DUE_FIELDS = ("response_due", "resolution_due")
_COLUMNS = (
    Incident.id,
    Incident.number,
    Incident.version,
    Incident.state,
    Incident.sla_policy_id,
    Incident.priority,
    Incident.opened_at,
    Incident.resolved_at,
    Incident.closed_at,
    Incident.sla_started_at,
    Incident.responded_at,
    Incident.sla_stage,
    Incident.response_stage,
    Incident.response_due,
    Incident.resolution_due,
)


@dataclass(frozen=True)
class DueApplied:
    """What a saved policy or calendar change did to the open incidents."""

    measured: int  # open incidents measured by a changed target: their clocks were recomputed
    moved: int  # of them, those whose response or resolution due time moved
    changes: tuple[tuple[str, datetime | None, datetime | None], ...]  # (number, old, new) due
    policy: PolicyRecord | None = None
    calendar: CalendarRecord | None = None


def _with_calendar(book: PolicyBook, calendar_id: int, new: BusinessCalendar) -> PolicyBook:
    """`book` with calendar `calendar_id` replaced by `new` wherever a target uses it."""
    old = book.calendars.get(calendar_id)
    if old is None:
        raise NotFound(f"No calendar with id {calendar_id}")
    targets = {
        pid: {p: (t, new if cal is old else cal) for p, (t, cal) in per.items()}
        for pid, per in book.targets.items()
    }
    return replace(book, calendars={**book.calendars, calendar_id: new}, targets=targets)


def preview_calendar(
    desk: Desk, spec: CalendarSpec, calendar_id: int, limit: int = PREVIEW_LIST
) -> PolicyPreview:
    """What saving `spec` as calendar `calendar_id` would do to the open incidents (nothing is
    written): how many are measured on it, per priority, and the first `limit` (soonest due)
    with their old and new resolution due times. Bad input is refused as a save refuses it."""
    book = policy_book(desk)
    after = _with_calendar(book, calendar_id, calendar_of_spec(validated(spec)))
    return preview_due_change(desk, book, after, limit)


def apply_policy(
    desk: Desk,
    actor: Actor,
    spec: PolicySpec,
    policy_id: int | None = None,
    *,
    reason: str | None = None,
) -> DueApplied:
    """Save the policy and recompute the open incidents whose targets it changes (see the
    module docstring); a new policy (`policy_id` None) measures no incident yet."""
    actor.require(Permission.CONFIGURE)
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        before = fresh_policy_book(desk, s)
        saved = write_policy(s, desk, actor, spec, policy_id, now, reason)
        why = _why(reason, f"SLA policy {saved.name} changed")
        applied = _recompute(s, desk, actor, before, now, why)
    desk.invalidate()
    return replace(applied, policy=saved)


def apply_calendar(
    desk: Desk,
    actor: Actor,
    spec: CalendarSpec,
    calendar_id: int | None = None,
    *,
    reason: str | None = None,
) -> DueApplied:
    """Save the calendar and recompute the open incidents measured on it (see the module
    docstring); a new calendar (`calendar_id` None) measures no incident yet."""
    actor.require(Permission.CONFIGURE)
    checked = validated(spec)
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        before = fresh_policy_book(desk, s)
        row = None
        if calendar_id is not None:
            row = s.get(BusinessCalendarRow, calendar_id, with_for_update=True)
            if row is None:
                raise NotFound(f"No calendar with id {calendar_id}")
        row = write_calendar(s, actor, checked, row, now, reason)
        saved = record_of(row)
        why = _why(reason, f"Calendar {saved.name} changed")
        applied = _recompute(s, desk, actor, before, now, why)
    desk.invalidate()
    return replace(applied, calendar=saved)


def _why(reason: str | None, default: str) -> str:
    return " ".join((reason or "").split()) or default


def _pauses(s: Session, ids: Sequence[int]) -> dict[int, list[Pause]]:
    out: dict[int, list[Pause]] = {i: [] for i in ids}
    for start in range(0, len(ids), _CHUNK):
        for r in s.execute(
            select(SlaPause.incident_id, SlaPause.started_at, SlaPause.ended_at)
            .where(SlaPause.incident_id.in_(ids[start : start + _CHUNK]))
            .order_by(SlaPause.incident_id, SlaPause.started_at)
        ):
            out[int(r.incident_id)].append(Pause(r.started_at, r.ended_at))
    return out


def _recompute(
    s: Session, desk: Desk, actor: Actor, before: PolicyBook, now: datetime, why: str
) -> DueApplied:
    """In the caller's transaction, after the policy or calendar is written: the open incidents
    measured by a target the write changed get their clocks recomputed on the new rules."""
    s.flush()
    after = load_policy_book(s.connection())
    pairs = changed_targets(before, after)
    if not pairs:
        return DueApplied(0, 0, ())
    stmt = select(*_COLUMNS).where(or_(*(and_(*measured_by(before, pid, p)) for pid, p in pairs)))
    if desk.dialect == "postgresql":
        stmt = stmt.with_for_update()
    rows = s.execute(stmt.order_by(Incident.id)).all()
    pauses = _pauses(s, [r.id for r in rows])
    updates: list[dict[str, object]] = []
    audits: list[dict[str, object]] = []
    changes: list[tuple[str, datetime | None, datetime | None]] = []
    ids: list[int] = []
    for r in rows:
        values = sla_values(r, after, pauses[r.id], now)
        moved = [f for f in _DUE_FIELDS if values[f] != getattr(r, f)]
        if not moved:
            continue
        version = r.version + 1
        ids.append(r.id)
        updates.append(
            {
                "b_id": r.id,
                "version": version,
                "updated_at": now,
                "sla_stage": r.sla_stage or 0,
                "response_stage": r.response_stage or 0,
                **values,
            }
        )
        for f in moved:
            audits.append(
                {
                    "incident_id": r.id,
                    "field": f,
                    "old_value": _iso(getattr(r, f)),
                    "new_value": _iso(values[f]),
                    "agent_id": actor.id,
                    "at": now,
                    "reason": why,
                    "incident_version": version,
                }
            )
        new_due = values["resolution_due"]
        changes.append(
            (r.number, r.resolution_due, new_due if isinstance(new_due, datetime) else None)
        )
    if updates:
        _update_rows(s, updates)
        s.execute(_TABLES["audit"].insert(), audits)
        append_changes(s, "incident", ids, "updated", actor.id)
    return DueApplied(measured=len(rows), moved=len(updates), changes=tuple(changes))


def _iso(value: object) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _update_rows(s: Session, updates: list[dict[str, object]]) -> None:
    table = _TABLES["incidents"]
    columns = [k for k in updates[0] if k != "b_id"]
    s.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({c: bindparam(c) for c in columns}),
        updates,
    )
