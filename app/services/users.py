"""Users (agents): add, list, sign in, change password. Passwords are scrypt hashes."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, or_, select, true, update
from sqlalchemy.orm import Session

from app.db import pg_roles
from app.db.changes import append_change
from app.db.engine import make_engine
from app.domain.errors import EnvironmentProblem, NotFound, PermissionDenied, ValidationError
from app.domain.passwords import hash_password, verify_password
from app.domain.records import AgentRecord
from app.domain.roles import Permission, Role
from app.domain.sla_config import FieldDiff
from app.domain.wording import plural
from app.models import (
    AdminAuditEntry,
    Agent,
    AuditEntry,
    Group,
    Incident,
    JournalEntry,
    agent_groups,
)
from app.services import db_roles
from app.services.admin_audit import record_changes
from app.services.context import SYSTEM_USER, Actor, Desk
from app.services.limits import check_fits
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
    check_fits("full name", full_name.strip(), Agent.full_name, "full_name")
    check_fits("e-mail address", (email or "").strip(), Agent.email, "email")
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
        db_roles.sync_user(s, agent, password)  # PostgreSQL: their LOGIN role, in their group
        append_change(s, "agent", agent.id, "created", actor.id if actor else None)
        agent_id = agent.id
    return next(a for a in agents(desk) if a.id == agent_id)


def list_users(desk: Desk) -> list[AgentRecord]:
    return agents(desk)


# sign-in lock-out: this many wrong passwords in a row lock the user out for LOCK_FOR; each lock
# is an entry of the user's admin history (`users show`, the Users window), and a password reset
# by an admin lifts it
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
WRONG = "Wrong user name or password"


def authenticate(desk: Desk, username: str, password: str) -> Actor:
    """The actor for a correct user name and password; one message for every failure, but a
    locked-out user is told until when."""
    name = username.strip().lower()
    with desk.read() as conn:
        row = conn.execute(
            select(
                Agent.id,
                Agent.password_hash,
                Agent.active,
                Agent.failed_sign_ins,
                Agent.locked_until,
            ).where(Agent.username == name)
        ).first()
    if row is None or not row.active or name == SYSTEM_USER:
        raise PermissionDenied(WRONG)
    now = desk.now()
    locked_until = row.locked_until
    if locked_until is not None and locked_until > now:
        raise PermissionDenied(_locked_message(desk, locked_until))
    if not verify_password(password, row.password_hash):
        until = _failed_sign_in(desk, row.id, now)
        raise PermissionDenied(_locked_message(desk, until) if until else WRONG)
    if row.failed_sign_ins or row.locked_until is not None:
        with desk.write() as s:
            s.execute(
                update(Agent).where(Agent.id == row.id).values(failed_sign_ins=0, locked_until=None)
            )
    return desk.actor(name)


@dataclass(frozen=True)
class SignedIn:
    """Who signed in, and the desk they work on: on PostgreSQL with login roles, a desk of its
    own whose every connection is the person's own role (`database_role`), else the desk given."""

    desk: Desk
    actor: Actor
    database_role: str | None = None


def sign_in(desk: Desk, username: str, password: str) -> SignedIn:
    """Sign in. On PostgreSQL once `db roles` has set up login roles, the database itself
    authenticates: the desk connects as the person's own role (`<prefix>.<username>`, SCRAM)
    with `password`, to the same server and database, and the desk returned runs every query
    under that role (the change feed's listener too). Otherwise (SQLite, or PostgreSQL without
    login roles) the application's own hashes and lock-out (`authenticate`).

    A wrong password, an unknown or deactivated user: the one "Wrong user name or password".
    The application keeps no count of them then: a wrong password never reaches the database
    as that user, and a count the application keeps is none that psql would honour; the
    server's own means lock out (README, Security). A server that cannot be reached is an
    EnvironmentProblem, as everywhere."""
    prefix = None
    if desk.dialect == "postgresql":
        with desk.read() as conn:
            prefix = db_roles.configured_prefix(conn)
    if prefix is None:
        return SignedIn(desk, authenticate(desk, username, password))
    name = username.strip().lower()
    if not USERNAME.match(name) or name == SYSTEM_USER or not password:
        raise PermissionDenied(WRONG)
    try:
        role = pg_roles.login_role(prefix, name)
    except ValidationError:
        raise PermissionDenied(WRONG) from None
    engine = make_engine(pg_roles.role_address(desk.engine.url, role, password))
    listen = desk.listen_url
    own = desk.on_engine(
        engine, listen_url=pg_roles.role_address(listen, role, password) if listen else None
    )
    try:
        actor = own.actor(name)  # the first connection: the server authenticates the role
    except EnvironmentProblem as exc:
        engine.dispose()
        if pg_roles.authentication_failed(exc.__cause__):
            raise PermissionDenied(WRONG) from None
        raise
    except (NotFound, PermissionDenied):  # a role of the desk's but no (active) user of it
        engine.dispose()
        raise PermissionDenied(WRONG) from None
    except BaseException:
        engine.dispose()
        raise
    return SignedIn(own, actor, role)


def _locked_message(desk: Desk, until: datetime) -> str:
    local = until.astimezone(desk.zone)
    return (
        f"Too many wrong passwords: this user is locked out until {local:%H:%M} "
        f"({LOCK_FOR.seconds // 60} minutes). Try again then, or ask an admin to reset the password"
    )


def _failed_sign_in(desk: Desk, agent_id: int, now: datetime) -> datetime | None:
    """Count a wrong password; at LOCK_AFTER in a row, lock the user out (recorded in their
    admin history) and return until when."""
    with desk.write() as s:
        agent = s.scalar(select(Agent).where(Agent.id == agent_id).with_for_update())
        if agent is None:
            return None
        agent.failed_sign_ins = (agent.failed_sign_ins or 0) + 1
        if agent.failed_sign_ins < LOCK_AFTER:
            return None
        until = now + LOCK_FOR
        agent.failed_sign_ins = 0
        agent.locked_until = until
        s.add(
            AdminAuditEntry(
                at=now,
                agent_id=None,  # the desk itself
                entity="user",
                entity_id=agent.id,
                entity_name=agent.username,
                field="Sign-in",
                old_value=None,
                new_value=f"locked out until {until.astimezone(desk.zone):%Y-%m-%d %H:%M}",
                reason=f"{LOCK_AFTER} wrong passwords in a row",
            )
        )
        append_change(s, "agent", agent.id, "updated", None)
        return until


# -- the admin's user management -------------------------------------------------------------


def _record(desk: Desk, agent_id: int) -> AgentRecord:
    return next(a for a in agents(desk) if a.id == agent_id)


def _load(s: Session, username: str) -> Agent:
    name = username.strip().lower()
    agent = s.scalar(select(Agent).where(Agent.username == name).with_for_update())
    if agent is None or name == SYSTEM_USER:
        raise NotFound(f"No user named {username!r}")
    return agent


def _group_ids(s: Session, groups: Sequence[str]) -> list[int]:
    out = []
    for gname in groups:
        gid = s.scalar(select(Group.id).where(Group.name == gname))
        if gid is None:
            known = ", ".join(s.scalars(select(Group.name).order_by(Group.name))) or "none yet"
            raise ValidationError(f"No group named {gname!r} (groups: {known})", field="groups")
        out.append(gid)
    return out


def _other_active_admins(s: Session, agent_id: int) -> int:
    return int(
        s.execute(
            select(func.count()).where(
                Agent.role == Role.ADMIN.value,
                Agent.active,
                Agent.id != agent_id,
                Agent.username != SYSTEM_USER,
            )
        ).scalar_one()
    )


def edit_user(
    desk: Desk,
    actor: Actor,
    username: str,
    *,
    full_name: str | None = None,
    email: str | None = None,
    role: str | None = None,
    groups: Sequence[str] | None = None,
    reason: str | None = None,
) -> AgentRecord:
    """Change a user's name, e-mail, role or groups (None: as it is); audited field by field."""
    actor.require(Permission.MANAGE_USERS)
    role_ = None
    if role is not None:
        try:
            role_ = Role(role)
        except ValueError:
            raise ValidationError(
                f"Unknown role {role!r}; use one of: {', '.join(r.value for r in Role)}",
                field="role",
            ) from None
    if full_name is not None and not full_name.strip():
        raise ValidationError("A full name is required", field="full_name")
    check_fits("full name", (full_name or "").strip(), Agent.full_name, "full_name")
    check_fits("e-mail address", (email or "").strip(), Agent.email, "email")
    with desk.write() as s:
        agent = _load(s, username)
        before_groups = sorted(
            s.scalars(
                select(Group.name)
                .join(agent_groups, agent_groups.c.group_id == Group.id)
                .where(agent_groups.c.agent_id == agent.id)
            )
        )
        diffs: list[FieldDiff] = []
        if full_name is not None and full_name.strip() != agent.full_name:
            diffs.append(FieldDiff("Full name", agent.full_name, full_name.strip()))
            agent.full_name = full_name.strip()
        if email is not None and (email.strip() or None) != agent.email:
            diffs.append(FieldDiff("E-mail", agent.email, email.strip() or None))
            agent.email = email.strip() or None
        if role_ is not None and role_.value != agent.role:
            if (
                agent.role == Role.ADMIN.value
                and agent.active
                and not _other_active_admins(s, agent.id)
            ):
                raise ValidationError(
                    f"{agent.full_name} is the desk's only active admin: make another admin first",
                    field="role",
                )
            diffs.append(FieldDiff("Role", Role(agent.role).label, role_.label))
            agent.role = role_.value
            db_roles.sync_user(s, agent)  # PostgreSQL: into the new role's group, out of the old
        if groups is not None:
            wanted = _group_ids(s, groups)
            after_groups = sorted({*groups})
            if after_groups != before_groups:
                s.execute(agent_groups.delete().where(agent_groups.c.agent_id == agent.id))
                for gid in dict.fromkeys(wanted):
                    s.execute(agent_groups.insert().values(agent_id=agent.id, group_id=gid))
                diffs.append(
                    FieldDiff(
                        "Groups", ", ".join(before_groups) or None, ", ".join(after_groups) or None
                    )
                )
        if diffs:
            record_changes(s, actor, "user", agent.id, agent.username, diffs, desk.now(), reason)
            append_change(s, "agent", agent.id, "updated", actor.id)
        agent_id = agent.id
    return _record(desk, agent_id)


def set_active(
    desk: Desk, actor: Actor, username: str, active: bool, *, reason: str | None = None
) -> AgentRecord:
    """Deactivate (or activate again) a user: a deactivated user cannot sign in or change
    anything; everything they did stays theirs."""
    actor.require(Permission.MANAGE_USERS)
    with desk.write() as s:
        agent = _load(s, username)
        if agent.active == active:
            return _record_in(s, agent)
        if not active:
            if agent.id == actor.id:
                raise ValidationError(
                    "You cannot deactivate yourself: ask another admin", field="active"
                )
            if agent.role == Role.ADMIN.value and not _other_active_admins(s, agent.id):
                raise ValidationError(
                    f"{agent.full_name} is the desk's only active admin: make another admin first",
                    field="active",
                )
        diff = FieldDiff("Active", "yes" if agent.active else "no", "yes" if active else "no")
        agent.active = active
        db_roles.sync_user(s, agent)  # PostgreSQL: their role LOGIN or NOLOGIN with it
        record_changes(s, actor, "user", agent.id, agent.username, [diff], desk.now(), reason)
        append_change(s, "agent", agent.id, "updated", actor.id)
        agent_id = agent.id
    return _record(desk, agent_id)


def _record_in(s: Session, agent: Agent) -> AgentRecord:
    names = sorted(
        s.execute(
            select(Group.id, Group.name)
            .join(agent_groups, agent_groups.c.group_id == Group.id)
            .where(agent_groups.c.agent_id == agent.id)
            .order_by(Group.name)
        ).all(),
        key=lambda r: r[1],
    )
    return AgentRecord(
        agent.id,
        agent.username,
        agent.full_name,
        agent.role,
        agent.email,
        agent.active,
        tuple(r[0] for r in names),
        tuple(r[1] for r in names),
    )


def reset_password(desk: Desk, actor: Actor, username: str, password: str | None = None) -> str:
    """Set a new password (a generated one when None) and return it: the caller shows it once.
    Only its scrypt hash is stored; the audit says that it changed, never what it is."""
    actor.require(Permission.MANAGE_USERS)
    new = password if password is not None else generated_password()
    hashed = hash_password(new)
    with desk.write() as s:
        agent = _load(s, username)
        agent.password_hash = hashed
        agent.failed_sign_ins = 0  # and a lock-out ends
        agent.locked_until = None
        db_roles.sync_user(s, agent, new)  # PostgreSQL: their role's SCRAM verifier too
        record_changes(
            s,
            actor,
            "user",
            agent.id,
            agent.username,
            [FieldDiff("Password", None, "reset")],
            desk.now(),
            None,
        )
        append_change(s, "agent", agent.id, "updated", actor.id)
    return new


def generated_password() -> str:
    """12 characters of letters and digits, easy to read out (no 0/O, 1/l/I)."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def referrers(s: Session | Connection, agent_id: int) -> tuple[int, int, list[str], int]:
    """What refers to a user: (incidents, open ones, the first open ones' numbers, history
    entries)."""
    refs = or_(
        Incident.assignee_id == agent_id,
        Incident.opened_by_id == agent_id,
        Incident.resolved_by_id == agent_id,
        Incident.closed_by_id == agent_id,
    )
    n = int(s.execute(select(func.count()).select_from(Incident).where(refs)).scalar_one())
    open_n = int(
        s.execute(
            select(func.count()).select_from(Incident).where(refs, Incident.active == true())
        ).scalar_one()
    )
    open_ = list(
        s.execute(
            select(Incident.number)
            .where(refs, Incident.active == true())
            .order_by(Incident.id)
            .limit(6)
        ).scalars()
    )
    history = 0
    for table, column in (
        (AuditEntry, AuditEntry.agent_id),
        (JournalEntry, JournalEntry.author_id),
        (AdminAuditEntry, AdminAuditEntry.agent_id),
    ):
        history += int(
            s.execute(
                select(func.count()).select_from(table).where(column == agent_id)
            ).scalar_one()
        )
    return n, open_n, open_, history


def delete_user(desk: Desk, actor: Actor, username: str) -> None:
    """Delete a user nothing refers to; otherwise refuse, naming what refers to them (how many
    incidents, which open ones, how many history entries): deactivate instead."""
    actor.require(Permission.MANAGE_USERS)
    with desk.write() as s:
        agent = _load(s, username)
        if agent.id == actor.id:
            raise ValidationError("You cannot delete yourself", field="username")
        n, open_n, open_, history = referrers(s, agent.id)
        supervised = list(s.scalars(select(Group.name).where(Group.supervisor_id == agent.id)))
        parts = []
        if n:
            shown = ", ".join(open_[:5]) + (", ..." if open_n > 5 else "")
            opened = f" ({open_n:,} open: {shown})" if open_n else " (none open)"
            parts.append(f"{plural(n, 'incident')}{opened}")
        if history:
            parts.append(plural(history, "history entry", "history entries"))
        if supervised:
            parts.append(
                f"the group{'s' if len(supervised) > 1 else ''} {', '.join(supervised)} as supervisor"
            )
        if parts:
            raise ValidationError(
                f"{agent.full_name} cannot be deleted: {'; '.join(parts)} refer to them. Deactivate "
                "the user instead",
                field="username",
            )
        record_changes(
            s,
            actor,
            "user",
            agent.id,
            agent.username,
            [FieldDiff("User", agent.full_name, None)],
            desk.now(),
            None,
        )
        s.execute(agent_groups.delete().where(agent_groups.c.agent_id == agent.id))
        db_roles.drop_user(s, agent.username)
        s.delete(agent)
        append_change(s, "agent", agent.id, "deleted", actor.id)
