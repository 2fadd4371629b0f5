"""The defaults every database needs: the system user, matrix version 1, an office-hours and a
24x7 calendar, and the default SLA policy; and the schema upgrade that makes sure of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlalchemy import Engine, select

from app.db import migrate
from app.domain.calendar import BusinessCalendar
from app.domain.matrix import default_matrix
from app.domain.roles import Role
from app.domain.sla import default_policy
from app.models import (
    Agent,
    BusinessCalendarRow,
    MatrixVersion,
    SlaPolicyRow,
    SlaTargetRow,
)
from app.services.context import SYSTEM_USER, Desk
from app.services.matrix import store_matrix
from app.services.policies import local_zone_name, week_to_json


@dataclass(frozen=True)
class Defaults:
    tz: str
    holiday_country: str | None = None
    holiday_subdiv: str | None = None
    start: time = time(8)
    end: time = time(17)


def upgrade_database(engine: Engine) -> str:
    """Migrate to the newest schema and make sure the defaults exist; returns the revision."""
    revision = migrate.upgrade(engine)
    ensure_defaults(Desk(engine))
    return revision


def ensure_defaults(desk: Desk, defaults: Defaults | None = None) -> None:
    """The system user, matrix v1, an office-hours and a 24x7 calendar, the default SLA policy."""
    d = defaults or Defaults(tz=local_zone_name())
    with desk.write() as s:
        if s.scalar(select(Agent.id).where(Agent.username == SYSTEM_USER)) is None:
            s.add(Agent(username=SYSTEM_USER, full_name="Incident Desk", role=Role.ADMIN.value))
        if s.scalar(select(MatrixVersion.id).limit(1)) is None:
            store_matrix(s, default_matrix(), None, desk.now(), "Default (ServiceNow base system)")
        if s.scalar(select(SlaPolicyRow.id).limit(1)) is None:
            office = BusinessCalendar.office_hours(
                "Office hours", d.tz, start=d.start, end=d.end
            )
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
                name="24x7", tz=d.tz, always=True, week=[[["00:00", "00:00"]]] * 7, custom_holidays=[]
            )
            s.add_all([office_row, always_row])
            s.flush()
            policy = SlaPolicyRow(name="Default", calendar_id=office_row.id, active=True, auto_close_days=3)
            s.add(policy)
            s.flush()
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
    desk.invalidate()
