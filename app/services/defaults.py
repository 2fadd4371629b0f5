"""The defaults every database needs: the system user, matrix version 1, the site (time zone and
public holidays), an office-hours and a 24x7 calendar, and the default SLA policy; and the schema
upgrade that makes sure of them.

The site comes from the configuration (`[site]` in incidentdesk.ini, `app.db.config.site_config`)
when the database is created, else from the system (its zone, no public holidays); after that the
database keeps it and an admin changes it with `services.site.set_site`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import Engine, select

from app.db import config, schema
from app.domain.calendar import BusinessCalendar
from app.domain.errors import ValidationError
from app.domain.matrix import default_matrix
from app.domain.roles import Role
from app.domain.sla import default_policy
from app.domain.sla_config import SiteRecord
from app.models import (
    Agent,
    BusinessCalendarRow,
    EscalationRuleRow,
    Incident,
    MatrixVersion,
    SlaPolicyRow,
    SlaTargetRow,
)
from app.services.context import SYSTEM_USER, Desk
from app.services.incidents.mutation import DEFAULT_AUTO_CLOSE_DAYS
from app.services.matrix import store_matrix
from app.services.policies import check_holiday_region, week_to_json
from app.services.site import default_calendar, stored_site, write_site


@dataclass(frozen=True)
class Defaults:
    tz: str
    holiday_country: str | None = None
    holiday_subdiv: str | None = None
    start: time = time(8)
    end: time = time(17)


def configured_defaults(environ: dict[str, str] | None = None) -> Defaults:
    """The site from the configuration file, else the system's zone with no public holidays;
    a holiday country the `holidays` package does not know is an error naming the file."""
    site = config.site_config(environ)
    try:
        country, subdiv = check_holiday_region(site.holiday_country, site.holiday_subdiv)
    except ValidationError as exc:
        raise ValidationError(f"{site.source}: [site] {exc}", field=exc.field) from None
    return Defaults(tz=site.timezone, holiday_country=country, holiday_subdiv=subdiv)


def upgrade_database(engine: Engine) -> str:
    """Migrate to the newest schema and make sure the defaults exist; returns the revision."""
    from app.db import migrate  # Alembic: only when the schema may have to change

    revision = migrate.upgrade(engine)
    ensure_defaults(Desk(engine))
    return revision


def schema_is_current(engine: Engine) -> bool:
    """One query, no Alembic: True when the schema is this release's (nothing to migrate)."""
    return schema.is_current(engine)


def has_incidents(desk: Desk) -> bool:
    with desk.read() as conn:
        return conn.execute(select(Incident.id).limit(1)).first() is not None


def prepare_database(engine: Engine) -> bool:
    """Ready the database for the application; True when it had to be migrated first. A
    current schema costs one query (and the defaults' check); else Alembic upgrades it (and
    refuses a database newer than this release)."""
    if schema.is_current(engine):
        ensure_defaults(Desk(engine))
        return False
    upgrade_database(engine)
    return True


# what the default SLA policy does by itself (app.services.escalation_rules); the migration that
# brought the rules gave them to every policy there was (0006)
DEFAULT_RULES = (
    ("resolution", 75, "notify_group"),
    ("resolution", 100, "notify_supervisor"),
    ("response", 100, "notify_supervisor"),
)


def ensure_defaults(desk: Desk, defaults: Defaults | None = None) -> None:
    """The system user, matrix v1, the site, an office-hours and a 24x7 calendar, the default
    SLA policy: each made when missing (`defaults`: else from the configuration)."""
    with desk.write() as s:
        if s.scalar(select(Agent.id).where(Agent.username == SYSTEM_USER)) is None:
            s.add(Agent(username=SYSTEM_USER, full_name="Incident Desk", role=Role.ADMIN.value))
        if s.scalar(select(MatrixVersion.id).limit(1)) is None:
            store_matrix(s, default_matrix(), None, desk.now(), "Default (ServiceNow base system)")
        if s.scalar(select(SlaPolicyRow.id).limit(1)) is None:
            d = defaults or configured_defaults()  # read only when a database is set up
            office = BusinessCalendar.office_hours("Office hours", d.tz, start=d.start, end=d.end)
            office_row = BusinessCalendarRow(
                name=office.name,
                tz=office.tz,
                always=False,
                week=week_to_json(office),
                holiday_country=d.holiday_country,
                holiday_subdiv=d.holiday_subdiv,
                custom_holidays=[],
            )
            always_row = BusinessCalendarRow(
                name="24x7",
                tz=d.tz,
                always=True,
                week=[[["00:00", "00:00"]]] * 7,
                custom_holidays=[],
            )
            s.add_all([office_row, always_row])
            s.flush()
            policy = SlaPolicyRow(
                name="Default",
                calendar_id=office_row.id,
                active=True,
                auto_close_days=DEFAULT_AUTO_CLOSE_DAYS,
            )
            s.add(policy)
            s.flush()
            for clock, threshold, action in DEFAULT_RULES:
                s.add(
                    EscalationRuleRow(
                        policy_id=policy.id, clock=clock, threshold=threshold, action=action
                    )
                )
            for priority, target in default_policy(office).targets.items():
                s.add(
                    SlaTargetRow(
                        policy_id=policy.id,
                        priority=priority,
                        response_s=target.response_s,
                        resolution_s=target.resolution_s,
                        # a P1 is worked around the clock
                        calendar_override_id=always_row.id if priority == 1 else None,
                    )
                )
        if stored_site(s) is None:
            # the default calendar's (made above from the configuration; or, in a database
            # made before the site was a setting, what its calendar has said all along)
            row = default_calendar(s)
            if row is not None:
                write_site(s, SiteRecord(row.tz, row.holiday_country, row.holiday_subdiv))
    desk.invalidate()
