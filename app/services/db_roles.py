"""The database's own enforcement of the roles (PostgreSQL): `incidentdesk db roles` sets up or
repairs the group roles and their grants (app.db.pg_roles says which and why), and every user
gets a LOGIN role in their role's group, kept in step by the user management below.

The prefix of the desk's role names is kept in the `pg_roles` setting, so that adding a user
later finds the groups `db roles` made."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.db import pg_roles
from app.domain.errors import ValidationError
from app.domain.roles import Role
from app.models import Agent, Setting
from app.services.context import ROLES_SETTING, SYSTEM_USER, Desk, login_role_prefix

SETTING = ROLES_SETTING
SQLITE_CANNOT = (
    "SQLite cannot enforce roles: whoever can open the database file can change anything in "
    "it. A shared desk should run PostgreSQL"
)


@dataclass(frozen=True)
class RolesReport:
    prefix: str
    groups: dict[str, str]  # desk role -> group role
    users: list[str]  # login roles brought in step
    done: list[str]


def configured_prefix(s: Session | Connection) -> str | None:
    """The prefix `db roles` set up (None: it has not run on this database)."""
    return login_role_prefix(s)


def setup_roles(desk: Desk, prefix: str | None = None) -> RolesReport:
    """Create or repair the group roles, their grants and every user's login role (NOLOGIN
    when deactivated; no password set here: `users reset-password` gives one). Idempotent."""
    if desk.dialect != "postgresql":
        raise ValidationError(SQLITE_CANNOT, field="db")
    with desk.write() as s:
        conn = s.connection()
        if prefix is None:
            prefix = configured_prefix(s)
        if prefix is None:
            database = conn.exec_driver_sql("SELECT current_database()").scalar_one()
            prefix = pg_roles.default_prefix(str(database))
        pg_roles.check_prefix(prefix)
        done = pg_roles.ensure_group_roles(conn, prefix)
        setting = s.get(Setting, SETTING)
        if setting is None:
            s.add(Setting(key=SETTING, value={"prefix": prefix}))
        else:
            setting.value = {"prefix": prefix}
        people = s.execute(
            select(Agent.username, Agent.role, Agent.active)
            .where(Agent.username != SYSTEM_USER)
            .order_by(Agent.username)
        ).all()
        logins = [
            pg_roles.sync_login_role(conn, prefix, p.username, Role(p.role), active=p.active)
            for p in people
        ]
    return RolesReport(
        prefix, {r.value: pg_roles.group_role(prefix, r) for r in Role}, logins, done
    )


def sync_user(s: Session, agent: Agent, password: str | None = None) -> str | None:
    """Bring `agent`'s LOGIN role in step (in the transaction of the change), on PostgreSQL
    once `db roles` has run; the role's name, or None when there is none to keep."""
    conn = s.connection()
    if conn.dialect.name != "postgresql":
        return None
    prefix = configured_prefix(s)
    if prefix is None:
        return None
    name = pg_roles.login_role(prefix, agent.username)
    verifier = pg_roles.scram_verifier(conn, name, password) if password else None
    return pg_roles.sync_login_role(
        conn,
        prefix,
        agent.username,
        Role(agent.role),
        active=agent.active,
        password_verifier=verifier,
    )


def drop_user(s: Session, username: str) -> None:
    conn = s.connection()
    if conn.dialect.name != "postgresql":
        return
    prefix = configured_prefix(s)
    if prefix is None:
        return
    pg_roles.drop_login_role(conn, prefix, username)
