"""PostgreSQL enforces the roles itself: with an agent's own credentials (their LOGIN role,
connected to directly, as psql would), every forbidden write and read is refused, and a
permitted change to an incident leaves an audit row the database wrote, naming the role.

Roles are the cluster's: this test's are named after its own database and dropped at the end."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import Engine, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app import cli
from app.db import pg_roles
from app.db.engine import make_engine
from app.domain.roles import Role
from app.models import Incident
from app.services import db_roles, users
from app.services.context import Desk
from tests.conftest import database_template, migrate_database, new_pg_database
from tests.db import seed

pytestmark = pytest.mark.pg


@dataclass
class World:
    url: str
    engine: Engine
    desk: Desk
    prefix: str


@pytest.fixture
def world() -> Iterator[World]:
    template, _ = database_template("postgresql", "schema", migrate_database)
    for url in new_pg_database(template):
        engine = make_engine(url)
        with engine.begin() as conn:
            seed.seed_people(conn)
            seed.insert_incidents(conn, [seed.incident_values(1)])
            for table in ("agents", "groups", "callers", "incidents", "matrix_versions"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        desk = Desk(engine)
        prefix = pg_roles.default_prefix(str(make_url(url).database))
        try:
            yield World(url, engine, desk, prefix)
        finally:
            with engine.begin() as conn:
                pg_roles.drop_roles(conn, prefix)
            engine.dispose()


def _connect_as(world: World, role: str) -> psycopg.Connection:
    u = make_url(world.url).set(drivername="postgresql", username=role, password=None)
    return psycopg.connect(u.render_as_string(hide_password=False), autocommit=True)


def _setup(world: World) -> None:
    db_roles.setup_roles(world.desk)
    db_roles.setup_roles(world.desk)  # idempotent: a second run repairs, changes nothing
    users.add_user(world.desk, None, "boss", "Bo Boss", "admin", password="boss-secret-1")
    boss = world.desk.actor("boss")
    users.add_user(world.desk, boss, "ann", "Ann Agent", "agent", password="ann-secret-1")


FORBIDDEN = [
    "UPDATE audit SET reason = 'rewritten'",
    "DELETE FROM audit",
    "TRUNCATE audit",
    "UPDATE admin_audit SET reason = 'rewritten'",
    "DELETE FROM admin_audit",
    "ALTER TABLE audit DISABLE TRIGGER audit_append_only",
    "UPDATE matrix_versions SET cells = '[[1,1,1],[1,1,1],[1,1,1]]'",
    "INSERT INTO matrix_versions (impact_labels, urgency_labels, priority_labels, cells, "
    "created_at) SELECT impact_labels, urgency_labels, priority_labels, cells, created_at "
    "FROM matrix_versions",
    "DELETE FROM matrix_versions",
    "UPDATE sla_policies SET name = 'x'",
    "DELETE FROM sla_policies",
    "UPDATE sla_targets SET response_s = 1",
    "DELETE FROM sla_targets",
    "UPDATE calendars SET name = 'x'",
    "DELETE FROM calendars",
    "UPDATE groups SET name = 'x'",
    "INSERT INTO groups (name, line) VALUES ('Mine', 1)",
    "DELETE FROM groups",
    "UPDATE agents SET role = 'admin'",
    "INSERT INTO agents (username, full_name, role, active, available, created_at) "
    "VALUES ('eve', 'Eve', 'admin', true, true, now())",
    "DELETE FROM agents",
    "INSERT INTO agent_groups (agent_id, group_id) VALUES (1, 2)",
    "UPDATE settings SET value = '{}'",
    "DELETE FROM incidents",
    "SELECT password_hash FROM agents",
    "SELECT * FROM agents",
]


def test_an_agents_credentials_cannot_go_around_the_application(world: World) -> None:
    _setup(world)
    role = pg_roles.login_role(world.prefix, "ann")
    with _connect_as(world, role) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (role,)
        refused = []
        for statement in FORBIDDEN:
            try:
                conn.execute(statement)
            except errors.InsufficientPrivilege:
                refused.append(statement)
        assert refused == FORBIDDEN
        # what an agent's work needs still works
        names = conn.execute("SELECT username FROM agents ORDER BY username").fetchall()
        assert ("ann",) in names
        conn.execute("UPDATE incidents SET title = 'Changed in psql', impact = 1 WHERE id = 1")
    # the application's own reads of people work under the agent's role (no hash asked for)
    agent_engine = make_engine(
        make_url(world.url).set(username=role).render_as_string(hide_password=False)
    )
    try:
        seen = {a.username for a in users.list_users(Desk(agent_engine))}
    finally:
        agent_engine.dispose()
    assert {"ann", "boss"} <= seen
    if shutil.which("psql"):  # and psql itself, as a person with these credentials would
        u = make_url(world.url)
        for statement in ("DELETE FROM audit", "SELECT password_hash FROM agents"):
            done = subprocess.run(
                [
                    "psql",
                    "-X",
                    "-q",
                    "-h",
                    str(u.host),
                    "-p",
                    str(u.port or 5432),
                    "-U",
                    role,
                    "-d",
                    str(u.database),
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    statement,
                ],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
            assert done.returncode != 0 and "permission denied" in done.stderr, done.stderr

    with world.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT field, old_value, new_value, agent_id, reason, incident_version "
                "FROM audit WHERE incident_id = 1 ORDER BY field"
            )
        ).all()
        version = conn.execute(text("SELECT version FROM incidents WHERE id = 1")).scalar()
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("impact", "2", "1"),
        ("title", "Incident 1", "Changed in psql"),
    ]
    assert all(f"database user {role}" in r.reason for r in rows)
    assert version == 2  # a form open on it sees it changed
    assert {r.incident_version for r in rows} == {2}


def test_the_applications_own_changes_are_not_audited_twice(world: World) -> None:
    def outside_rows() -> int:
        with world.engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM audit WHERE reason LIKE 'changed outside%'")
                ).scalar_one()
            )

    with world.desk.write() as s:
        s.execute(update(Incident).where(Incident.id == 1).values(title="By the app", version=2))
    assert outside_rows() == 0
    with world.engine.begin() as conn:  # the owner, around the application: audited too
        conn.execute(text("UPDATE incidents SET title = 'By hand' WHERE id = 1"))
    assert outside_rows() == 1


def test_every_change_to_an_incident_is_in_the_databases_own_trail(world: World) -> None:
    """The history trusts a transaction that says it is the application's, and a person's own
    psql session can say so; the database's trail (migration 0019) takes every change anyway,
    naming the login role, and nobody can write, rewrite or empty it."""
    _setup(world)
    role = pg_roles.login_role(world.prefix, "ann")
    with _connect_as(world, role) as conn:
        with conn.transaction():  # ann, in psql, passing herself off as the application
            conn.execute("SELECT set_config('incidentdesk.app', 'on', true)")
            conn.execute("UPDATE incidents SET title = 'Quietly changed' WHERE id = 1")
        for statement in (
            "INSERT INTO incident_db_trail (incident_id, login_role, said_application, changes) "
            "VALUES (1, 'someone else', true, '{}')",
            "UPDATE incident_db_trail SET login_role = 'someone else'",
            "DELETE FROM incident_db_trail",
            "TRUNCATE incident_db_trail",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
    with world.engine.connect() as conn:
        history = conn.execute(
            text("SELECT count(*) FROM audit WHERE incident_id = 1 AND field = 'title'")
        ).scalar_one()
        trail = conn.execute(
            text(
                "SELECT login_role, said_application, incident_version, changes "
                "FROM incident_db_trail WHERE incident_id = 1 ORDER BY id"
            )
        ).all()
    assert history == 0  # the claim kept it out of the history...
    assert [(t.login_role, t.said_application, t.incident_version) for t in trail] == [
        (role, True, 1)
    ]  # ...not out of the trail
    assert trail[0].changes == {"title": ["Incident 1", "Quietly changed"]}
    # the owner cannot rewrite or empty it either
    for statement in (
        "UPDATE incident_db_trail SET login_role = 'someone else'",
        "DELETE FROM incident_db_trail",
        "TRUNCATE incident_db_trail",
    ):
        with pytest.raises(DBAPIError, match="append-only"), world.engine.begin() as conn:
            conn.execute(text(statement))
    # the application's own changes are in it too, by the role the desk connected as
    with world.desk.write() as s:
        s.execute(update(Incident).where(Incident.id == 1).values(title="By the app", version=2))
    with world.engine.connect() as conn:
        last = conn.execute(
            text(
                "SELECT login_role, said_application, changes FROM incident_db_trail "
                "WHERE incident_id = 1 ORDER BY id DESC LIMIT 1"
            )
        ).one()
        owner = conn.execute(text("SELECT session_user")).scalar_one()
    assert (last.login_role, last.said_application) == (owner, True)
    assert last.changes == {"title": ["Quietly changed", "By the app"], "version": [1, 2]}


def _login(world: World, username: str) -> tuple[bool, list[str], str | None]:
    with world.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT rolcanlogin, rolpassword, ARRAY(SELECT g.rolname FROM pg_auth_members m "
                "JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = a.oid) AS groups "
                "FROM pg_authid a WHERE rolname = :n"
            ),
            {"n": pg_roles.login_role(world.prefix, username)},
        ).one()
    return bool(row.rolcanlogin), sorted(row.groups), row.rolpassword


def test_users_keep_their_login_role_in_step(world: World) -> None:
    _setup(world)
    boss = world.desk.actor("boss")
    can_login, groups, verifier = _login(world, "ann")
    assert can_login and groups == [pg_roles.group_role(world.prefix, Role.AGENT)]
    assert verifier is not None and verifier.startswith("SCRAM-SHA-256$")
    assert "ann-secret-1" not in verifier

    users.edit_user(world.desk, boss, "ann", role="specialist")
    assert _login(world, "ann")[1] == [pg_roles.group_role(world.prefix, Role.SPECIALIST)]
    users.set_active(world.desk, boss, "ann", False)
    assert _login(world, "ann")[0] is False
    users.set_active(world.desk, boss, "ann", True)
    assert _login(world, "ann")[0] is True
    users.reset_password(world.desk, boss, "ann", "another-secret-2")
    assert _login(world, "ann")[2] not in (None, verifier)


def test_db_roles_on_the_command_line(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db", "roles", "--db", world.url]) == 0
    out = capsys.readouterr().out
    assert f"{world.prefix}_agents" in out
    agents = pg_roles.group_role(world.prefix, Role.AGENT)
    with world.engine.begin() as conn:  # someone loosens the agents' role by hand
        conn.exec_driver_sql(f'GRANT UPDATE, DELETE ON groups, audit TO "{agents}"')
        conn.exec_driver_sql(f'ALTER ROLE "{agents}" LOGIN')
    assert cli.main(["db", "roles", "--db", world.url]) == 0  # again: repaired, no error
    with world.engine.connect() as conn:
        loose = conn.execute(
            text(
                "SELECT has_table_privilege(:r, 'groups', 'UPDATE'), "
                "has_table_privilege(:r, 'audit', 'DELETE'), "
                "(SELECT rolcanlogin FROM pg_roles WHERE rolname = :r)"
            ),
            {"r": agents},
        ).one()
    assert tuple(loose) == (False, False, False)
    with world.engine.connect() as conn:
        assert db_roles.configured_prefix(conn) == world.prefix
        n = conn.execute(
            text("SELECT count(*) FROM pg_roles WHERE starts_with(rolname, :p)"),
            {"p": world.prefix},
        ).scalar()
    assert n == 4 + 4  # the groups, and the login roles of the four seeded agents


def test_db_roles_on_sqlite_says_it_cannot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "desk.sqlite3"
    assert cli.main(["db", "upgrade", "--db", str(path)]) == 0
    capsys.readouterr()
    assert cli.main(["db", "roles", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "SQLite cannot enforce roles" in err
