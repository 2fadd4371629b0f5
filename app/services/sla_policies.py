"""SLA policies, as an admin changes them: response and resolution targets per priority, the
calendar they are measured on (and a calendar per priority, such as 24x7 for P1), the business
days after which a resolved incident closes by itself, and retroactive start.

A save validates everything before it writes (targets for every priority of the current
matrix, calendars that exist), then in one transaction: the policy and its targets, one admin
audit row per changed field, a "policy" entry in the change feed and the configuration
revision. Incidents keep the due times they have until they are recomputed on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, true
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.calendar import BusinessCalendar
from app.domain.errors import NotFound, ValidationError
from app.domain.roles import Permission
from app.domain.sla import Pause, SlaTarget
from app.domain.sla_config import (
    CalendarSpec,
    PolicyRecord,
    PolicySpec,
    TargetRecord,
    check_policy,
    policy_diff,
)
from app.models import BusinessCalendarRow, Incident, SlaPause, SlaPolicyRow, SlaTargetRow
from app.services.admin_audit import record_changes
from app.services.context import Actor, Desk
from app.services.incidents.mutation import sla_values
from app.services.policies import (
    PolicyBook,
    PublicHolidays,
    bump_configuration_revision,
    fresh_policy_book,
    policy_book,
)


def _record(session: Session, row: SlaPolicyRow, names: dict[int, str]) -> PolicyRecord:
    targets = session.scalars(
        select(SlaTargetRow).where(SlaTargetRow.policy_id == row.id).order_by(SlaTargetRow.priority)
    ).all()
    return PolicyRecord(
        id=row.id,
        name=row.name,
        calendar_id=row.calendar_id,
        calendar_name=names.get(row.calendar_id, ""),
        active=bool(row.active),
        auto_close_days=row.auto_close_days,
        retroactive_start=bool(row.retroactive_start),
        targets=tuple(
            TargetRecord(
                priority=t.priority,
                response_s=t.response_s,
                resolution_s=t.resolution_s,
                calendar_id=t.calendar_override_id,
                calendar_name=names.get(t.calendar_override_id or row.calendar_id, ""),
            )
            for t in targets
        ),
    )


def _calendar_names(session: Session) -> dict[int, str]:
    return {
        int(i): str(n)
        for i, n in session.execute(select(BusinessCalendarRow.id, BusinessCalendarRow.name))
    }


def policies(desk: Desk) -> list[PolicyRecord]:
    with desk.query() as session:
        names = _calendar_names(session)
        rows = session.scalars(select(SlaPolicyRow).order_by(SlaPolicyRow.id)).all()
        return [_record(session, r, names) for r in rows]


def policy(desk: Desk, policy_id: int) -> PolicyRecord:
    with desk.query() as session:
        row = session.get(SlaPolicyRow, policy_id)
        if row is None:
            raise NotFound(f"No SLA policy with id {policy_id}")
        return _record(session, row, _calendar_names(session))


def save_policy(
    desk: Desk,
    actor: Actor,
    spec: PolicySpec,
    policy_id: int | None = None,
    *,
    reason: str | None = None,
) -> PolicyRecord:
    """Create an SLA policy (`policy_id` None) or change one; returns it as saved.

    Bad input raises ValidationError naming what is wrong; nothing is written."""
    actor.require(Permission.CONFIGURE)
    with desk.write() as session:
        saved = write_policy(session, desk, actor, spec, policy_id, desk.now(), reason)
    desk.invalidate()
    return saved


def write_policy(
    session: Session,
    desk: Desk,
    actor: Actor,
    spec: PolicySpec,
    policy_id: int | None,
    now: datetime,
    reason: str | None,
) -> PolicyRecord:
    """Validate `spec` and write it (a new policy when `policy_id` is None), audited and logged,
    in the caller's transaction; returns the policy as written."""
    names = _calendar_names(session)
    priorities = fresh_policy_book(desk, session).matrix.priorities
    checked = check_policy(spec, priorities, names)
    row = None
    before = None
    if policy_id is not None:
        row = session.get(SlaPolicyRow, policy_id, with_for_update=True)
        if row is None:
            raise NotFound(f"No SLA policy with id {policy_id}")
        before = _record(session, row, names).spec()
    taken = session.scalar(
        select(SlaPolicyRow.id).where(
            SlaPolicyRow.name == checked.name, SlaPolicyRow.id != (policy_id or -1)
        )
    )
    if taken is not None:
        raise ValidationError(f"An SLA policy named {checked.name!r} exists already", field="name")
    if not checked.active:
        others = session.scalar(
            select(SlaPolicyRow.id).where(SlaPolicyRow.active, SlaPolicyRow.id != (policy_id or -1))
        )
        if others is None:
            raise ValidationError(
                "The desk needs one active SLA policy (new incidents get it); "
                "activate another before deactivating this one",
                field="active",
            )
    diffs = policy_diff(before, checked, names)
    if row is None:
        row = SlaPolicyRow()
        session.add(row)
    row.name = checked.name
    row.calendar_id = checked.calendar_id
    row.active = checked.active
    row.auto_close_days = checked.auto_close_days
    row.retroactive_start = checked.retroactive_start
    session.flush()
    session.execute(delete(SlaTargetRow).where(SlaTargetRow.policy_id == row.id))
    for priority, target in checked.targets.items():
        session.add(
            SlaTargetRow(
                policy_id=row.id,
                priority=priority,
                response_s=target.response_s,
                resolution_s=target.resolution_s,
                calendar_override_id=target.calendar_id,
            )
        )
    session.flush()
    if diffs:
        record_changes(session, actor, "policy", row.id, checked.name, diffs, now, reason)
        append_change(
            session, "policy", row.id, "created" if before is None else "updated", actor.id
        )
        bump_configuration_revision(session)
    saved = _record(session, row, names)
    return saved


def set_retroactive_start(
    desk: Desk, actor: Actor, policy_id: int, retroactive: bool, *, reason: str | None = None
) -> PolicyRecord:
    """Turn one policy's retroactive start on or off (everything else as it is)."""
    current = policy(desk, policy_id).spec()
    spec = PolicySpec(
        current.name,
        current.calendar_id,
        current.targets,
        current.auto_close_days,
        retroactive,
        current.active,
    )
    return save_policy(desk, actor, spec, policy_id, reason=reason)


# -- previews: what a change would do, before it is saved ------------------------------------------

PREVIEW_LIST = 200


@dataclass(frozen=True)
class DueShift:
    incident_id: int
    number: str
    title: str
    priority: int
    old_due: datetime | None
    new_due: datetime | None
    paused: bool = False  # on hold: no due time while the clock is paused


@dataclass(frozen=True)
class PolicyPreview:
    """What saving a policy would change: the open incidents under it whose targets change
    (how many, per priority) and the first of them (soonest due first) with both due times."""

    count: int
    per_priority: tuple[tuple[int, int], ...]
    shifts: tuple[DueShift, ...]


def preview_policy(
    desk: Desk, spec: PolicySpec, policy_id: int, limit: int = PREVIEW_LIST
) -> PolicyPreview:
    """Nothing is written. The new due times keep every pause already counted (the clocks run
    from the opening, or the restart, with each pause taken out) exactly as a recompute would."""
    book = policy_book(desk)
    with desk.query() as session:
        names = _calendar_names(session)
    checked = check_policy(spec, book.matrix.priorities, names)
    if policy_id not in book.targets:
        raise NotFound(f"No SLA policy with id {policy_id}")
    new_targets = {
        p: (
            SlaTarget(t.response_s, t.resolution_s),
            book.calendars[t.calendar_id or checked.calendar_id],
        )
        for p, t in checked.targets.items()
    }
    after = replace(book, targets={**book.targets, policy_id: new_targets})
    return preview_due_change(desk, book, after, limit)


def _clock_key(found: tuple[SlaTarget, BusinessCalendar] | None) -> object:
    """What a due time depends on: the target and the calendar's hours, zone and days off
    (a renamed calendar moves no clock)."""
    if found is None:
        return None
    target, cal = found
    return target, cal.tz, cal.always, cal.week, cal.holidays


def changed_targets(before: PolicyBook, after: PolicyBook) -> list[tuple[int, int]]:
    """(policy id, priority) of every target whose clock `after` measures differently."""
    out = []
    for pid in sorted(set(before.targets) | set(after.targets)):
        old, new = before.targets.get(pid, {}), after.targets.get(pid, {})
        for p in sorted(set(old) | set(new)):
            if _clock_key(old.get(p)) != _clock_key(new.get(p)):
                out.append((pid, p))
    return out


def measured_by(book: PolicyBook, policy_id: int, priority: int) -> tuple[Any, ...]:
    """The open incidents of `priority` under `policy_id` (the default policy also measures
    those without one): the where clause. On a desk of one policy every incident is under it:
    the clause is then one range of the queue index (active, priority), counted from the index
    alone."""
    if policy_id == book.default_policy_id and set(book.targets) == {policy_id}:
        return (Incident.active == true(), Incident.priority == priority)
    mine = Incident.sla_policy_id == policy_id
    if policy_id == book.default_policy_id:
        mine = or_(mine, Incident.sla_policy_id.is_(None))
    return (Incident.active == true(), Incident.priority == priority, mine)


def preview_due_change(
    desk: Desk, book: PolicyBook, after: PolicyBook, limit: int = PREVIEW_LIST
) -> PolicyPreview:
    """What replacing the rules `book` by `after` would do to the open incidents' clocks: how
    many are measured by a changed target (per priority) and the `limit` soonest due of them
    with both due times. Nothing is written."""
    changed = changed_targets(book, after)
    now = desk.now()
    per: dict[int, int] = {}
    rows: list[Any] = []
    with desk.read() as conn:
        for pid, p in changed:
            where = measured_by(book, pid, p)
            n = int(
                conn.execute(select(func.count()).select_from(Incident).where(*where)).scalar_one()
            )
            if n:
                per[p] = per.get(p, 0) + n
                rows.extend(
                    conn.execute(
                        select(*_PREVIEW_COLUMNS)
                        .where(*where)
                        .order_by(Incident.due_sort, Incident.id)
                        .limit(limit)
                    ).all()
                )
        rows = sorted(rows, key=lambda r: (r.due_sort, r.id))[:limit]
        pauses: dict[int, list[Pause]] = {r.id: [] for r in rows}
        if rows:
            for r in conn.execute(
                select(SlaPause.incident_id, SlaPause.started_at, SlaPause.ended_at)
                .where(SlaPause.incident_id.in_(list(pauses)))
                .order_by(SlaPause.started_at)
            ):
                pauses[r.incident_id].append(Pause(r.started_at, r.ended_at))
    shifts = []
    for r in rows:
        values = sla_values(r, after, pauses[r.id], now)
        due = values["resolution_due"]
        shifts.append(
            DueShift(
                r.id,
                r.number,
                r.title,
                r.priority,
                r.resolution_due,
                due if isinstance(due, datetime) else None,
                paused=bool(values["sla_paused"]),
            )
        )
    return PolicyPreview(
        count=sum(per.values()), per_priority=tuple(sorted(per.items())), shifts=tuple(shifts)
    )


_PREVIEW_COLUMNS = (
    Incident.id,
    Incident.number,
    Incident.title,
    Incident.priority,
    Incident.state,
    Incident.sla_policy_id,
    Incident.opened_at,
    Incident.resolved_at,
    Incident.closed_at,
    Incident.sla_started_at,
    Incident.responded_at,
    Incident.sla_stage,
    Incident.response_stage,
    Incident.resolution_due,
    Incident.due_sort,
)


@dataclass(frozen=True)
class DueTimes:
    response_due: datetime
    resolution_due: datetime


def due_times(spec: CalendarSpec, start: datetime, response_s: int, resolution_s: int) -> DueTimes:
    """The calendar preview: from `start`, when a response and a resolution would be due on the
    calendar `spec` (validated as a save would; not saved)."""
    from app.services.calendars import validated

    cal = calendar_of_spec(validated(spec))
    return DueTimes(
        cal.add_working_seconds(start, response_s), cal.add_working_seconds(start, resolution_s)
    )


def calendar_of_spec(spec: CalendarSpec) -> BusinessCalendar:
    if spec.always:
        return BusinessCalendar.twenty_four_seven(spec.name, spec.tz)
    return BusinessCalendar(
        name=spec.name,
        tz=spec.tz,
        week=spec.week,
        holidays=PublicHolidays(spec.holiday_country, spec.holiday_subdiv, spec.custom_holidays),
    )


@dataclass(frozen=True)
class MonthDay:
    day: date
    working: bool
    why: str | None  # "Saturday", "Christmas Day", "Custom day off"


def month_view(spec: CalendarSpec, year: int, month: int) -> list[MonthDay]:
    """Each day of the month: working or not, and why not."""
    from calendar import monthrange

    from app.services.calendars import validated

    checked = validated(spec)
    holidays = PublicHolidays(
        checked.holiday_country, checked.holiday_subdiv, checked.custom_holidays
    )
    out = []
    for n in range(1, monthrange(year, month)[1] + 1):
        d = date(year, month, n)
        if checked.always:
            out.append(MonthDay(d, True, None))
            continue
        name = holidays.name_of(d)
        if name is not None:
            out.append(MonthDay(d, False, name))
        elif not checked.week[d.weekday()]:
            out.append(MonthDay(d, False, d.strftime("%A")))
        else:
            out.append(MonthDay(d, True, None))
    return out
