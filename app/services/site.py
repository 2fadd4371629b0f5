"""The site the desk serves: the time zone people read times in, and the country (and
subdivision) whose public holidays the default calendar keeps.

Stored in the database (setting "site"), so every workstation agrees whatever machine it runs
on. A new database takes it from the configuration (`[site]` in incidentdesk.ini, see
`app.db.config.site_config`), else from the system; an admin changes it later with
:func:`set_site`, which also moves the default calendar (the calendar of the default SLA policy)
to the new zone and holidays, audited, with "site" and "calendar" entries in the change feed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.roles import Permission
from app.domain.sla_config import CalendarSpec, FieldDiff, SiteRecord, check_zone
from app.models import BusinessCalendarRow, Setting, SlaPolicyRow
from app.services.admin_audit import record_changes
from app.services.calendars import record_of, validated, write_calendar
from app.services.context import SITE_SETTING, Actor, Desk, site_zone_name
from app.services.policies import bump_configuration_revision, check_holiday_region

SITE_NAME = "Site"  # how the admin audit names the site


def site_value(site: SiteRecord) -> dict[str, str | None]:
    return {
        "timezone": site.timezone,
        "holiday_country": site.holiday_country,
        "holiday_subdiv": site.holiday_subdiv,
    }


def checked_site(
    timezone: str, holiday_country: str | None, holiday_subdiv: str | None
) -> SiteRecord:
    zone = check_zone(timezone)
    country, subdiv = check_holiday_region(holiday_country, holiday_subdiv)
    return SiteRecord(zone, country, subdiv)


def stored_site(session: Session) -> SiteRecord | None:
    value = session.scalar(select(Setting.value).where(Setting.key == SITE_SETTING))
    if not isinstance(value, dict) or not value.get("timezone"):
        return None
    return SiteRecord(
        str(value["timezone"]),
        value.get("holiday_country") or None,
        value.get("holiday_subdiv") or None,
    )


def default_calendar(session: Session) -> BusinessCalendarRow | None:
    """The calendar of the default SLA policy (the lowest active one), if any."""
    calendar_id = session.scalar(
        select(SlaPolicyRow.calendar_id)
        .where(SlaPolicyRow.active)
        .order_by(SlaPolicyRow.id)
        .limit(1)
    )
    return None if calendar_id is None else session.get(BusinessCalendarRow, calendar_id)


def site(desk: Desk) -> SiteRecord:
    """The site as stored; a database from before the setting existed answers with its default
    calendar's zone and holidays."""
    with desk.query() as session:
        found = stored_site(session)
        if found is not None:
            return found
        row = default_calendar(session)
        if row is not None:
            return SiteRecord(row.tz, row.holiday_country, row.holiday_subdiv)
        return SiteRecord(site_zone_name(session.connection()), None, None)


def write_site(session: Session, value: SiteRecord) -> None:
    session.merge(Setting(key=SITE_SETTING, value=site_value(value)))


def set_site(
    desk: Desk,
    actor: Actor,
    timezone: str,
    holiday_country: str | None = None,
    holiday_subdiv: str | None = None,
    *,
    reason: str | None = None,
) -> SiteRecord:
    """Change the site's zone and public holidays, and the default calendar's with them."""
    actor.require(Permission.CONFIGURE)
    new = checked_site(timezone, holiday_country, holiday_subdiv)
    now = desk.now()
    with desk.write() as session:
        old = stored_site(session)
        row = default_calendar(session)
        if old is None:
            old = SiteRecord(row.tz, row.holiday_country, row.holiday_subdiv) if row else None
        diffs = [
            FieldDiff(name, a, b)
            for name, a, b in (
                ("time zone", old.timezone if old else None, new.timezone),
                ("holiday country", old.holiday_country if old else None, new.holiday_country),
                ("holiday subdivision", old.holiday_subdiv if old else None, new.holiday_subdiv),
            )
            if old is None or a != b
        ]
        write_site(session, new)
        if row is not None and not row.always:
            spec = record_of(row).spec()
            moved = CalendarSpec(
                spec.name,
                new.timezone,
                spec.week,
                spec.always,
                new.holiday_country,
                new.holiday_subdiv,
                spec.custom_holidays,
            )
            write_calendar(session, actor, validated(moved), row, now, reason)
        if diffs:
            record_changes(session, actor, "site", None, SITE_NAME, diffs, now, reason)
            append_change(session, "site", 0, "updated", actor.id)
            bump_configuration_revision(session)
    desk.invalidate()
    return new
