"""Setting a desk up: the defaults every database needs, and reference data (admin)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.db import migrate
from app.db.changes import append_change
from app.domain.calendar import BusinessCalendar
from app.domain.errors import ValidationError
from app.domain.matrix import PriorityMatrix, default_matrix
from app.domain.roles import Permission, Role
from app.domain.sla import default_policy
from app.models import (
    Agent,
    BusinessCalendarRow,
    Caller,
    Category,
    ConfigItem,
    Group,
    KnownError,
    MatrixVersion,
    Problem,
    Setting,
    SlaPolicyRow,
    SlaTargetRow,
    agent_groups,
)
from app.services.context import SYSTEM_USER, Actor, Desk
from app.services.policies import local_zone_name, week_to_json

# The demo data's agents all sign in with this (documented) password; the demo loader
# records a few of their names so that the sign-in dialog can say so.
DEMO_PASSWORD = "demo-pass"
DEMO_USERS_SETTING = "demo_users"


def demo_users(desk: Desk) -> list[str]:
    """A few demo user names when the database holds the demo data, else []."""
    with desk.read() as conn:
        value = conn.execute(
            select(Setting.value).where(Setting.key == DEMO_USERS_SETTING)
        ).scalar()
    return [str(v) for v in value] if isinstance(value, list) else []


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
            _save_matrix(s, default_matrix(), None, "Default (ServiceNow base system)")
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


def _save_matrix(s: Session, matrix: PriorityMatrix, by: int | None, note: str | None) -> MatrixVersion:
    row = MatrixVersion(
        impact_labels=list(matrix.impact_labels),
        urgency_labels=list(matrix.urgency_labels),
        priority_labels=list(matrix.priority_labels),
        cells=[list(r) for r in matrix.cells],
        created_by_id=by,
        note=note,
    )
    s.add(row)
    s.flush()
    return row


# -- reference data ---------------------------------------------------------------------


def add_group(
    desk: Desk, actor: Actor, name: str, line: int, *, supervisor_id: int | None = None
) -> int:
    actor.require(Permission.CONFIGURE)
    name = name.strip()
    if not name:
        raise ValidationError("A group needs a name", field="name")
    if line not in (1, 2, 3):
        raise ValidationError(f"Support line must be 1, 2 or 3, got {line}", field="line")
    with desk.write() as s:
        if s.scalar(select(Group.id).where(Group.name == name)) is not None:
            raise ValidationError(f"A group named {name!r} exists already", field="name")
        g = Group(name=name, line=line, supervisor_id=supervisor_id)
        s.add(g)
        s.flush()
        append_change(s, "group", g.id, "created", actor.id)
        return g.id


def set_supervisor(desk: Desk, actor: Actor, group_id: int, agent_id: int | None) -> None:
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        g = s.get(Group, group_id)
        if g is None:
            raise ValidationError(f"No group with id {group_id}", field="group")
        g.supervisor_id = agent_id
        append_change(s, "group", g.id, "updated", actor.id)


def add_category(
    desk: Desk,
    actor: Actor,
    name: str,
    *,
    parent_id: int | None = None,
    default_group_id: int | None = None,
) -> int:
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        c = Category(name=name.strip(), parent_id=parent_id, default_group_id=default_group_id)
        s.add(c)
        s.flush()
        return c.id


def add_service(desk: Desk, actor: Actor, name: str, *, kind: str = "service", group_id: int | None = None) -> int:
    actor.require(Permission.CONFIGURE)
    if kind not in ("service", "ci"):
        raise ValidationError("kind must be 'service' or 'ci'", field="kind")
    with desk.write() as s:
        c = ConfigItem(name=name.strip(), kind=kind, group_id=group_id)
        s.add(c)
        s.flush()
        return c.id


def new_caller(
    name: str, *, email: str | None = None, phone: str | None = None, department: str | None = None
) -> Caller:
    """A valid, unsaved caller row (for add_caller, or logging with a caller not yet known)."""
    clean = " ".join(name.split())
    if not clean:
        raise ValidationError("A caller needs a name", field="caller")
    if email and "@" not in email:
        raise ValidationError(f"{email!r} is not an e-mail address", field="email")
    return Caller(
        name=clean,
        name_key=clean.lower(),
        email=(email or "").strip().lower() or None,
        phone=phone,
        department=department,
    )


def add_caller(
    desk: Desk,
    actor: Actor,
    name: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    department: str | None = None,
) -> int:
    """A new caller (agents add them inline while logging)."""
    actor.require(Permission.LOG)
    row = new_caller(name, email=email, phone=phone, department=department)
    with desk.write() as s:
        s.add(row)
        s.flush()
        append_change(s, "caller", row.id, "created", actor.id)
        return row.id


def add_problem(desk: Desk, actor: Actor, title: str, *, description: str = "") -> int:
    actor.require(Permission.WORK)
    from app.domain.records import problem_number

    with desk.write() as s:
        p = Problem(number=f"~{uuid.uuid4().hex[:18]}", title=title.strip(), description=description, created_by_id=actor.id)
        s.add(p)
        s.flush()
        p.number = problem_number(p.id)
        append_change(s, "problem", p.id, "created", actor.id)
        return p.id


def add_known_error(
    desk: Desk,
    actor: Actor,
    title: str,
    symptom: str,
    workaround: str,
    *,
    problem_id: int | None = None,
    category_id: int | None = None,
) -> int:
    actor.require(Permission.WORK)
    if not title.strip() or not workaround.strip():
        raise ValidationError("A known error needs a title and a workaround", field="title")
    with desk.write() as s:
        k = KnownError(
            title=title.strip(),
            symptom=symptom.strip(),
            workaround=workaround.strip(),
            problem_id=problem_id,
            category_id=category_id,
        )
        s.add(k)
        s.flush()
        append_change(s, "known_error", k.id, "created", actor.id)
        return k.id


def add_members(desk: Desk, actor: Actor, agent_id: int, group_ids: Sequence[int]) -> None:
    actor.require(Permission.MANAGE_USERS)
    with desk.write() as s:
        for gid in group_ids:
            exists = s.execute(
                select(agent_groups.c.agent_id).where(
                    agent_groups.c.agent_id == agent_id, agent_groups.c.group_id == gid
                )
            ).first()
            if exists is None:
                s.execute(agent_groups.insert().values(agent_id=agent_id, group_id=gid))
