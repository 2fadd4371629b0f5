"""Users (agents): add, list, sign in, change password. Passwords are scrypt hashes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import func, select

from app.db.changes import append_change
from app.domain.errors import PermissionDenied, ValidationError
from app.domain.passwords import hash_password, verify_password
from app.domain.records import AgentRecord
from app.domain.roles import Permission, Role
from app.models import Agent, Group, agent_groups
from app.services.context import SYSTEM_USER, Actor, Desk
from app.services.queries import agents

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


def has_admin(desk: Desk) -> bool:
    with desk.read() as conn:
        n = conn.execute(
            select(func.count()).where(
                Agent.role == Role.ADMIN.value, Agent.username != SYSTEM_USER
            )
        ).scalar_one()
    return bool(n)


def add_user(
    desk: Desk,
    actor: Actor | None,
    username: str,
    full_name: str,
    role: str,
    *,
    groups: Sequence[str] = (),
    password: str | None = None,
    email: str | None = None,
) -> AgentRecord:
    """Add an agent. Without an actor only the first admin may be created (bootstrap)."""
    if actor is None:
        if has_admin(desk) or role != Role.ADMIN.value:
            raise PermissionDenied(
                "Only an admin may add users; the first user of a new desk must be an admin"
            )
    else:
        actor.require(Permission.MANAGE_USERS)
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise ValidationError(
            f"User name {username!r}: 2-80 characters, lower-case letters, digits, '.', '_' or '-'",
            field="username",
        )
    if name == SYSTEM_USER:
        raise ValidationError(f"{SYSTEM_USER!r} is reserved", field="username")
    try:
        role_ = Role(role)
    except ValueError:
        raise ValidationError(
            f"Unknown role {role!r}; use one of: {', '.join(r.value for r in Role)}", field="role"
        ) from None
    if not full_name.strip():
        raise ValidationError("A full name is required", field="full_name")
    hashed = hash_password(password) if password else None
    with desk.write() as s:
        if s.scalar(select(Agent.id).where(Agent.username == name)) is not None:
            raise ValidationError(f"The user {name!r} exists already", field="username")
        group_ids = []
        for gname in groups:
            gid = s.scalar(select(Group.id).where(Group.name == gname))
            if gid is None:
                known = ", ".join(s.scalars(select(Group.name).order_by(Group.name))) or "none yet"
                raise ValidationError(f"No group named {gname!r} (groups: {known})", field="groups")
            group_ids.append(gid)
        agent = Agent(
            username=name,
            full_name=full_name.strip(),
            role=role_.value,
            password_hash=hashed,
            email=email,
        )
        s.add(agent)
        s.flush()
        for gid in group_ids:
            s.execute(agent_groups.insert().values(agent_id=agent.id, group_id=gid))
        append_change(s, "agent", agent.id, "created", actor.id if actor else None)
        agent_id = agent.id
    return next(a for a in agents(desk) if a.id == agent_id)


def list_users(desk: Desk) -> list[AgentRecord]:
    return agents(desk)


def authenticate(desk: Desk, username: str, password: str) -> Actor:
    """The actor for a correct user name and password; one message for every failure."""
    name = username.strip().lower()
    with desk.read() as conn:
        row = conn.execute(
            select(Agent.password_hash, Agent.active).where(Agent.username == name)
        ).first()
    if row is None or not row.active or not verify_password(password, row.password_hash):
        raise PermissionDenied("Wrong user name or password")
    return desk.actor(name)
