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
  not a grant: grants say who may, not what is written when they do). It trusts a transaction
  that says it is the application's (``incidentdesk.app``), which a person's own psql session
  can say too; so every change to an incident, whatever the transaction says, also lands in
  ``incident_db_trail`` (migration 0019): the login role, the claim, the version and the changed
  fields, written by a SECURITY DEFINER trigger. The desk's roles may only read it, and it is
  append-only for everyone, the owner included.

* Signing in: the application connects as the person's own login role with the typed
  password (app.services.users.sign_in), so every query of their session runs under it. What
  their everyday work writes of the configuration: column-level UPDATE grants
  (``DESK_COLUMNS``): ``agents.available`` (marking oneself available or away) and
  ``groups.last_assigned_id`` (the round-robin turn, moved by whoever logs into the group; a
  turn moved by hand only changes who is next). ``agents`` also has row-level security: a
  non-admin updates only the row whose ``username`` is their session's login role's
  (``session_user = '<prefix>.' || username``), admins any row; a policy, because a grant
  cannot name a row. The sign-in bookkeeping (``failed_sign_ins``, ``locked_until``) gets no
  grant: with the database's own authentication a wrong password never reaches the database
  as that user, so the server's own means lock out (README, Security).
* An admin's own role makes, changes and drops the desk's login roles through two SECURITY
  DEFINER functions (``<prefix>_sync_login``, ``<prefix>_drop_login``, EXECUTE for the admins'
  group only), running as the database's owner who ran `db roles`: CREATE ROLE needs
  CREATEROLE, and a role with CREATEROLE may change every non-superuser role of the cluster;
  the functions touch only roles named ``<prefix>.<user name>``, in one of this desk's groups.

What grants alone cannot say, and is not enforced here (see README, Security): that an agent
inserts only truthful audit rows (they may INSERT into ``audit``, as the application does for
them), and which incidents an agent may change (the role table of ``incident_rights`` is the
application's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import URL, Connection, text
from sqlalchemy.engine import make_url

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
# written by the database alone (migration 0019's trigger): SELECT, for every role
TRAIL_TABLES = ("incident_db_trail",)
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
# what the desk's everyday work writes of the configuration, column by column: an agent marks
# themselves available or away (their own row only: the row policy below), and routing into a
# round-robin group moves the group's turn
DESK_COLUMNS = {"agents": ("available",), "groups": ("last_assigned_id",)}
# row-level security on agents: everyone reads every row (the columns granted), a desk role
# updates only the row of its session's own login role, admins any row
OWN_ROW = "desk_own_row"

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
            elif table in TRAIL_TABLES:
                privileges = "SELECT"
            elif role is Role.ADMIN:
                privileges = "SELECT, INSERT, UPDATE, DELETE"
            elif table in CONFIG_TABLES:
                for column in DESK_COLUMNS.get(table, ()):
                    run(f"GRANT UPDATE ({_q(conn, column)}) ON {t} TO {q}")
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
    if "agents" in tables:
        done.append(_own_row_policies(conn, prefix))
    done.append(ensure_login_functions(conn, prefix))
    return done


def _own_row_policies(conn: Connection, prefix: str) -> str:
    """Row-level security on ``agents`` (made anew at every run: a repair): every desk role
    reads every row, a non-admin updates only their own (the row whose user name is their
    session's login role's, ``<prefix>.<username>``), admins every row. The table's owner
    (the address `db roles` and migrations run with) is not bound by it."""
    agents = _q(conn, "agents")
    desk = ", ".join(_q(conn, group_role(prefix, r)) for r in Role if r is not Role.ADMIN)
    everyone = ", ".join(_q(conn, group_role(prefix, r)) for r in Role)
    admins = _q(conn, group_role(prefix, Role.ADMIN))
    own = f"session_user = {_literal(prefix + '.')} || username"
    for policy in ("desk_read", OWN_ROW, "admins_all"):
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS {policy} ON {agents}")
    conn.exec_driver_sql(f"ALTER TABLE {agents} ENABLE ROW LEVEL SECURITY")
    conn.exec_driver_sql(
        f"CREATE POLICY desk_read ON {agents} FOR SELECT TO {everyone} USING (true)"
    )
    conn.exec_driver_sql(
        f"CREATE POLICY {OWN_ROW} ON {agents} FOR UPDATE TO {desk} USING ({own}) WITH CHECK ({own})"
    )
    conn.exec_driver_sql(
        f"CREATE POLICY admins_all ON {agents} FOR ALL TO {admins} USING (true) WITH CHECK (true)"
    )
    return "set the row policies of agents (each updates only their own row, admins any)"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


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


def sync_function(prefix: str) -> str:
    return f"{prefix}_sync_login"


def drop_function(prefix: str) -> str:
    return f"{prefix}_drop_login"


_SYNC_SQL = """
CREATE OR REPLACE FUNCTION {fn}(p_username text, p_role text, p_login boolean, p_verifier text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  v_name text := {prefix} || '.' || p_username;
  v_group text := {prefix} || '_' || p_role;
  v_groups text[] := ARRAY[{groups}];
  v_other text;
BEGIN
  IF p_username !~ '^[a-z0-9][a-z0-9._-]{{1,79}}$' OR length(v_name) > 63 THEN
    RAISE EXCEPTION 'not a user name of this desk: %', p_username USING ERRCODE = '22023';
  END IF;
  IF NOT v_group = ANY (v_groups) THEN
    RAISE EXCEPTION 'not a role of this desk: %', p_role USING ERRCODE = '22023';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_name) THEN
    EXECUTE format('ALTER ROLE %I %s', v_name, CASE WHEN p_login THEN 'LOGIN' ELSE 'NOLOGIN' END);
  ELSE
    EXECUTE format('CREATE ROLE %I %s NOSUPERUSER NOCREATEDB NOCREATEROLE', v_name,
                   CASE WHEN p_login THEN 'LOGIN' ELSE 'NOLOGIN' END);
  END IF;
  IF p_verifier IS NOT NULL THEN
    IF left(p_verifier, 14) <> 'SCRAM-SHA-256$' THEN
      RAISE EXCEPTION 'not a SCRAM verifier' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', v_name, p_verifier);
  END IF;
  FOR v_other IN
    SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
    JOIN pg_roles u ON u.oid = m.member
    WHERE u.rolname = v_name AND g.rolname = ANY (v_groups) AND g.rolname <> v_group
  LOOP
    EXECUTE format('REVOKE %I FROM %I', v_other, v_name);
  END LOOP;
  IF NOT EXISTS (
    SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
    JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = v_name AND g.rolname = v_group
  ) THEN
    EXECUTE format('GRANT %I TO %I', v_group, v_name);
  END IF;
  RETURN v_name;
END
$body$
"""

_DROP_SQL = """
CREATE OR REPLACE FUNCTION {fn}(p_username text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  v_name text := {prefix} || '.' || p_username;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_name) THEN
    EXECUTE format('DROP OWNED BY %I', v_name);
    EXECUTE format('DROP ROLE %I', v_name);
  END IF;
END
$body$
"""


def ensure_login_functions(conn: Connection, prefix: str) -> str:
    """Create or replace the two SECURITY DEFINER functions through which an admin's own role
    makes, changes and drops the desk's login roles, and let only the admins' group run them.
    Why: CREATE ROLE needs CREATEROLE, and a role with CREATEROLE may change every other
    non-superuser role of the cluster (and, before PostgreSQL 16, join any of them); the
    functions run as the desk's owner (who ran `db roles`) and touch only roles named
    ``<prefix>.<user name>``, members of exactly one of this desk's groups."""
    groups = ", ".join(_literal(group_role(prefix, r)) for r in Role)
    admins = _q(conn, group_role(prefix, Role.ADMIN))
    dbapi: Any = conn.connection.dbapi_connection  # no parameters: '%' is the function's own
    for fn, sql, args in (
        (sync_function(prefix), _SYNC_SQL, "text, text, boolean, text"),
        (drop_function(prefix), _DROP_SQL, "text"),
    ):
        q = _q(conn, fn)
        dbapi.execute(sql.format(fn=q, prefix=_literal(prefix), groups=groups))
        dbapi.execute(f"REVOKE ALL ON FUNCTION {q}({args}) FROM PUBLIC")
        dbapi.execute(f"GRANT EXECUTE ON FUNCTION {q}({args}) TO {admins}")
    return f"set the functions through which {group_role(prefix, Role.ADMIN)} manage login roles"


def _has_function(conn: Connection, name: str) -> bool:
    return bool(
        conn.execute(
            text(
                "SELECT 1 FROM pg_proc WHERE proname = :n AND pronamespace = current_schema()::regnamespace"
            ),
            {"n": name},
        ).scalar()
    )


def _require_functions(conn: Connection, prefix: str) -> None:
    if not _has_function(conn, sync_function(prefix)):
        raise ValidationError(
            "The database's login roles are from an older version: run `incidentdesk db roles` "
            "once to repair them",
            field="db",
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
    in exactly their role's group, through the desk's SECURITY DEFINER function (an admin's own
    role may run it; see `ensure_login_functions`). `password_verifier` is a SCRAM verifier made
    on this side (libpq's PQencryptPasswordConn): the password itself never travels nor reaches
    the server's log. Returns the role's name."""
    login_role(prefix, username)  # too long: the message names it
    if password_verifier is not None and not password_verifier.startswith("SCRAM-SHA-256$"):
        raise ValueError("not a SCRAM verifier")
    _require_functions(conn, prefix)
    fn = _q(conn, sync_function(prefix))
    return str(
        conn.execute(
            text(f"SELECT {fn}(:u, :r, :l, :v)"),
            {"u": username, "r": GROUPS[role], "l": active, "v": password_verifier},
        ).scalar_one()
    )


def drop_login_role(conn: Connection, prefix: str, username: str) -> None:
    """Drop the person's LOGIN role (through the desk's function, as `sync_login_role`)."""
    _require_functions(conn, prefix)
    fn = _q(conn, drop_function(prefix))
    conn.execute(text(f"SELECT {fn}(:u)"), {"u": username})


def drop_roles(conn: Connection, prefix: str) -> None:
    """Drop the desk's group roles and every login role of its people (their privileges in
    this database first); roles are the cluster's, a dropped database leaves them behind."""
    check_prefix(prefix)
    logins = conn.execute(
        text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p) ORDER BY rolname"),
        {"p": f"{prefix}."},
    ).scalars()
    for fn, args in (
        (sync_function(prefix), "text, text, boolean, text"),
        (drop_function(prefix), "text"),
    ):
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {_q(conn, fn)}({args})")
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


def role_address(url: str | URL, role: str, password: str) -> str:
    """`url` (an address of the desk's database, or the listener's) with its user replaced by
    `role` and its password by `password`: the same server, database and options. A user or
    password in the address's query (``?user=``) goes too, so it cannot win over the role."""
    u = make_url(url) if isinstance(url, str) else url
    query = {k: v for k, v in u.query.items() if k not in ("user", "password")}
    u = u.set(username=role, password=password, query=query)
    return u.render_as_string(hide_password=False)


# what the server answers a wrong password (or an unknown role: the same answer, so nobody
# learns which roles exist) and a role that may not log in (a deactivated user's): SQLSTATE
# 28P01 and 28000. libpq hands a failed connection's error over as text only (psycopg's
# OperationalError has no sqlstate then), so its message is recognised too: the server's own
# words, in English unless the server's lc_messages says otherwise
AUTHENTICATION_FAILED = {"28P01", "28000"}
_AUTH_WORDS = re.compile(
    r'FATAL:\s+(password authentication failed for user "|role ".*" is not permitted to log in)'
)


def authentication_failed(exc: BaseException | None) -> bool:
    """True when `exc` (psycopg's error, or SQLAlchemy's around it) is the server refusing the
    user name and password, not a server that cannot be reached."""
    orig = getattr(exc, "orig", exc)
    if orig is None:
        return False
    if getattr(orig, "sqlstate", None) in AUTHENTICATION_FAILED:
        return True
    return bool(_AUTH_WORDS.search(str(orig)))
