"""Business calendars, as an admin changes them: hours per weekday (split shifts), time zone,
public holidays of a country and subdivision, custom days off; or 24x7.

A save validates everything before it writes, then in one transaction: the row, one admin
audit row per changed field, a "calendar" entry in the change feed (every workstation drops its
cached calendars when it reads it) and the configuration revision. Incidents keep the due
times they have until they are recomputed on purpose.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import NotFound, ValidationError
from app.domain.roles import Permission
from app.domain.sla_config import CalendarRecord, CalendarSpec, calendar_diff, check_calendar
from app.models import BusinessCalendarRow
from app.services.admin_audit import record_changes
from app.services.context import Actor, Desk
from app.services.policies import (
    bump_configuration_revision,
    check_holiday_region,
    week_from_json,
    week_json,
)


def record_of(row: BusinessCalendarRow) -> CalendarRecord:
    return CalendarRecord(
        id=row.id,
        name=row.name,
        tz=row.tz,
        always=bool(row.always),
        week=week_from_json(row.week),
        holiday_country=row.holiday_country,
        holiday_subdiv=row.holiday_subdiv,
        custom_holidays=tuple(sorted(date.fromisoformat(d) for d in row.custom_holidays or [])),
    )


def calendars(desk: Desk) -> list[CalendarRecord]:
    with desk.query() as session:
        rows = session.scalars(select(BusinessCalendarRow).order_by(BusinessCalendarRow.name)).all()
        return [record_of(r) for r in rows]


def calendar(desk: Desk, calendar_id: int) -> CalendarRecord:
    with desk.query() as session:
        row = session.get(BusinessCalendarRow, calendar_id)
        if row is None:
            raise NotFound(f"No calendar with id {calendar_id}")
        return record_of(row)


def validated(spec: CalendarSpec) -> CalendarSpec:
    """`spec` checked and normalised, holiday country and subdivision included."""
    checked = check_calendar(spec)
    country, subdiv = check_holiday_region(checked.holiday_country, checked.holiday_subdiv)
    if checked.always:
        country, subdiv = None, None  # 24x7 ignores days off: do not pretend otherwise
        checked = CalendarSpec(checked.name, checked.tz, checked.week, True)
    return CalendarSpec(
        checked.name,
        checked.tz,
        checked.week,
        checked.always,
        country,
        subdiv,
        () if checked.always else checked.custom_holidays,
    )


def write_calendar(
    session: Session,
    actor: Actor,
    spec: CalendarSpec,
    row: BusinessCalendarRow | None,
    now: datetime,
    reason: str | None,
) -> BusinessCalendarRow:
    """Apply a validated `spec` to `row` (a new row when None), audited and logged, in the
    caller's transaction."""
    before = record_of(row).spec() if row is not None else None
    taken = session.scalar(
        select(BusinessCalendarRow.id).where(
            BusinessCalendarRow.name == spec.name,
            BusinessCalendarRow.id != (row.id if row is not None else -1),
        )
    )
    if taken is not None:
        raise ValidationError(f"A calendar named {spec.name!r} exists already", field="name")
    diffs = calendar_diff(before, spec)
    if row is None:
        row = BusinessCalendarRow()
        session.add(row)
    row.name = spec.name
    row.tz = spec.tz
    row.always = spec.always
    row.week = week_json(spec.week)
    row.holiday_country = spec.holiday_country
    row.holiday_subdiv = spec.holiday_subdiv
    row.custom_holidays = [d.isoformat() for d in spec.custom_holidays]
    session.flush()
    if diffs:
        record_changes(session, actor, "calendar", row.id, spec.name, diffs, now, reason)
        append_change(
            session, "calendar", row.id, "created" if before is None else "updated", actor.id
        )
        bump_configuration_revision(session)
    return row


def save_calendar(
    desk: Desk,
    actor: Actor,
    spec: CalendarSpec,
    calendar_id: int | None = None,
    *,
    reason: str | None = None,
) -> CalendarRecord:
    """Create a calendar (`calendar_id` None) or change one; returns it as saved.

    Bad input raises ValidationError naming the field (and weekday); nothing is written."""
    actor.require(Permission.CONFIGURE)
    checked = validated(spec)
    with desk.write() as session:
        row = None
        if calendar_id is not None:
            row = session.get(BusinessCalendarRow, calendar_id, with_for_update=True)
            if row is None:
                raise NotFound(f"No calendar with id {calendar_id}")
        row = write_calendar(session, actor, checked, row, desk.now(), reason)
        saved = record_of(row)
    desk.invalidate()
    return saved
