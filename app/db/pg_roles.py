"""PostgreSQL roles: the group roles that carry each desk role's grants, and one LOGIN role per
person, a member of their role's group. PostgreSQL only: SQLite has no users, whoever can open
the file can change anything in it.

What the database enforces, and how:

* Grants per group role (``<prefix>_agents``, ``_specialists``, ``_supervisors``, ``_admins``;
  NOLOGIN). Agents, specialists and supervisors share the desk's grants: they read everything
  but the password hashes, and write the incidents' world (incidents, journal, tasks, callers,
  attachments, intake, problems...). The configuration (priority matrix, SLA policies,
  calendars and targets, settings, groups, users and their groups, categories, services,
  alert and escalation rules) only admins write. No group role gets DELETE on incidents or the
  journal (a deleted incident would take its audit with it).
* Password hashes: a column-level grant. The desk roles get SELECT on every column of
  ``agents`` but ``password_hash``. Chosen over a view because every query of the application
  names its columns and reads ``agents`` itself: the same queries keep working, and only a
  query that asks for the hash is refused ("permission denied for table agents").
* The audit (``audit``, ``admin_audit``) is append-only for everyone, the owner included: the
  triggers of migrations 0001 and 0003 refuse UPDATE and DELETE (grants alone cannot say
  "insert but never change": a table's owner keeps every right, and the application writes
  as its owner today). The group roles also get no UPDATE or DELETE on them.
* A change to an incident made around the application (psql with an agent's credentials)
  still leaves audit rows naming the database user: the trigger of migration 0017 (a trigger,
  not a grant: grants say who may, not what is written when they do).

What grants alone cannot say, and is not enforced here (see README, Security): that an agent
inserts only truthful audit rows (they may INSERT into ``audit``, as the application does for
them), and which incidents an agent may change (the role table of ``incident_rights`` is the
application's; row-level security would need the application to run under each person's role).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, text

from app.domain.errors import ValidationError
from app.domain.roles import Role

# the configuration: only admins write it
CONFIG_TABLES = (
    "matrix_versions",
    "calendars",
    "sla_policies",
    "sla_targets",
    "settings",
    "groups",
    "agents",
    "agent_groups",
    "categories",
    "config_items",
    "alert_rules",
    "escalation_rules",
)
# append-only: INSERT and SELECT, for every role (triggers refuse UPDATE and DELETE anyway)
AUDIT_TABLES = ("audit", "admin_audit")
# the desk's tables where the application deletes rows for people who are not admins
DESK_DELETE = (
    "saved_views",
    "leases",
    "incident_services",
    "escalation_fired",
    "incident_search",
    "sla_pauses",
    "incident_tasks",
    "attachments",
)
NOT_SECRET = "password_hash"

GROUPS: dict[Role, str] = {
    Role.AGENT: "agents",
    Role.SPECIALIST: "specialists",
    Role.SUPERVISOR: "supervisors",
    Role.ADMIN: "admins",
}
_MAX_NAME = 63  # PostgreSQL's identifier length
_PREFIX = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


def default_prefix(database: str) -> str:
    """The database's name as a role prefix: lower case, anything else than letters, digits
    and '_' as '_'."""
    prefix = re.sub(r"[^a-z0-9_]", "_", database.lower())[:40] or "incidentdesk"
    return prefix if not prefix[0].isdigit() else f"d_{prefix}"[:40]


def check_prefix(prefix: str) -> str:
    if not _PREFIX.match(prefix):
        raise ValidationError(
            f"Role prefix {prefix!r}: 1-41 characters, lower-case letters, digits and '_', "
            "not starting with a digit",
            field="prefix",
        )
    return prefix


def group_role(prefix: str, role: Role) -> str:
    return f"{prefix}_{GROUPS[role]}"


def login_role(prefix: str, username: str) -> str:
    """The person's own LOGIN role: `<prefix>.<username>` (a prefix has no dot: never a group role,
    nor another desk's)."""
    name = f"{prefix}.{username}"
    if len(name) > _MAX_NAME:
        raise ValidationError(
            f"The PostgreSQL role {name!r} would be longer than {_MAX_NAME} characters; "
            "choose a shorter user name or role prefix",
            field="username",
        )
    return name


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _tables(conn: Connection) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
        ).scalars()
    )


def _role_exists(conn: Connection, name: str) -> bool:
    return bool(
        conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).scalar()
    )


def ensure_group_roles(conn: Connection, prefix: str) -> list[str]:
    """Create (NOLOGIN) or repair the four group roles and their grants, in `conn`'s
    transaction; idempotent. Returns what was done, one line each."""
    check_prefix(prefix)
    done: list[str] = []
    tables = _tables(conn)
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    agent_columns = [
        c
        for c in conn.execute(
            text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND table_name = 'agents' ORDER BY ordinal_position"
            )
        ).scalars()
        if c != NOT_SECRET
    ]

    def run(sql: str) -> None:
        conn.exec_driver_sql(sql)

    for role in Role:
        name = group_role(prefix, role)
        q = _q(conn, name)
        if _role_exists(conn, name):
            run(f"ALTER ROLE {q} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
            done.append(f"checked the group role {name}")
        else:
            run(f"CREATE ROLE {q} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
            done.append(f"created the group role {name}")
        # repair: start from nothing in this database, then grant what the role needs
        run(f"REVOKE ALL ON ALL TABLES IN SCHEMA {_q(conn, schema)} FROM {q}")
        run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {_q(conn, schema)} FROM {q}")
        run(f"GRANT CONNECT ON DATABASE {_q(conn, database)} TO {q}")
        run(f"GRANT USAGE ON SCHEMA {_q(conn, schema)} TO {q}")
        run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_q(conn, schema)} TO {q}")
        for table in tables:
            t = _q(conn, table)
            if table in AUDIT_TABLES:
                privileges = "SELECT, INSERT"
            elif role is Role.ADMIN:
                privileges = "SELECT, INSERT, UPDATE, DELETE"
            elif table in CONFIG_TABLES:
                if table == "agents":  # every column but the hash: see the module's words
                    cols = ", ".join(_q(conn, c) for c in agent_columns)
                    run(f"GRANT SELECT ({cols}) ON {t} TO {q}")
                    continue
                privileges = "SELECT"
            elif table in DESK_DELETE:
                privileges = "SELECT, INSERT, UPDATE, DELETE"
            elif table == "alembic_version":
                privileges = "SELECT"
            else:
                privileges = "SELECT, INSERT, UPDATE"
            run(f"GRANT {privileges} ON {t} TO {q}")
        done.append(f"granted {name} what {role.a} may do")
    return done


def _membership(conn: Connection, member: str, groups: Iterable[str]) -> list[str]:
    return list(
        conn.execute(
            text(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :u "
                "AND g.rolname = ANY(:groups)"
            ),
            {"u": member, "groups": list(groups)},
        ).scalars()
    )


def sync_login_role(
    conn: Connection,
    prefix: str,
    username: str,
    role: Role,
    *,
    active: bool,
    password_verifier: str | None = None,
) -> str:
    """Create or bring up to date the person's LOGIN role (NOLOGIN when deactivated) and put it
    in exactly their role's group. `password_verifier` is a SCRAM verifier made on this side
    (libpq's PQencryptPasswordConn): the password itself never travels nor reaches the server's
    log. Returns the role's name."""
    name = login_role(prefix, username)
    q = _q(conn, name)
    login = "LOGIN" if active else "NOLOGIN"
    if _role_exists(conn, name):
        conn.exec_driver_sql(f"ALTER ROLE {q} {login}")
    else:
        conn.exec_driver_sql(f"CREATE ROLE {q} {login} NOSUPERUSER NOCREATEDB NOCREATEROLE")
    if password_verifier is not None:
        if not password_verifier.startswith("SCRAM-SHA-256$"):
            raise ValueError("not a SCRAM verifier")
        literal = password_verifier.replace("'", "''")
        conn.exec_driver_sql(f"ALTER ROLE {q} PASSWORD '{literal}'")
    groups = [group_role(prefix, r) for r in Role]
    wanted = group_role(prefix, role)
    for group in _membership(conn, name, groups):
        if group != wanted:
            conn.exec_driver_sql(f"REVOKE {_q(conn, group)} FROM {q}")
    if wanted not in _membership(conn, name, [wanted]):
        conn.exec_driver_sql(f"GRANT {_q(conn, wanted)} TO {q}")
    return name


def drop_roles(conn: Connection, prefix: str) -> None:
    """Drop the desk's group roles and every login role of its people (their privileges in
    this database first); roles are the cluster's, a dropped database leaves them behind."""
    check_prefix(prefix)
    logins = conn.execute(
        text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p) ORDER BY rolname"),
        {"p": f"{prefix}."},
    ).scalars()
    for name in [*logins, *(group_role(prefix, r) for r in Role)]:
        if _role_exists(conn, name):
            conn.exec_driver_sql(f"DROP OWNED BY {_q(conn, name)}")
            conn.exec_driver_sql(f"DROP ROLE {_q(conn, name)}")


def scram_verifier(conn: Connection, role_name: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of `password` for `role_name`, made by libpq on this side
    (what psql's \\password does): the server stores it as it would its own hash of the
    password, and the password is in no statement the server could log."""
    dbapi = conn.connection.dbapi_connection
    pgconn = dbapi.pgconn  # type: ignore[union-attr]
    verifier: bytes = pgconn.encrypt_password(
        password.encode("utf-8"), role_name.encode("utf-8"), b"scram-sha-256"
    )
    return verifier.decode("ascii")
