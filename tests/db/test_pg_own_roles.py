"""On PostgreSQL with login roles, each person signs in as their own role and the desk's normal
work runs under it: an agent's, a specialist's, a supervisor's and an admin's day, through the
services, on a desk whose every connection is that person's role (``users.sign_in``).

The shared server trusts every connection, so the passwords are not checked here (see
test_pg_sign_in.py for that); the roles' grants and policies are. Roles are the cluster's: this
test's are named after its own database and dropped at the end."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from app.db import pg_roles
from app.db.engine import make_engine
from app.domain.errors import PermissionDenied
from app.domain.lifecycle import HoldReason, ResolutionCode, State
from app.services import (
    assignment,
    catalog,
    db_roles,
    defaults,
    escalation,
    live,
    queries,
    reviews,
    users,
)
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock
from tests.conftest import database_template, migrate_database, new_pg_database

pytestmark = pytest.mark.pg

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PEOPLE = {  # user name: (role, groups)
    "ann": ("agent", ["Service Desk"]),
    "al": ("agent", ["Service Desk"]),
    "sam": ("specialist", ["Network"]),
    "sue": ("supervisor", ["Service Desk", "Network"]),
}


@dataclass
class World:
    url: str
    engine: Engine
    desk: Desk  # the address's own (the database's owner)
    prefix: str
    groups: dict[str, int]


@pytest.fixture
def world() -> Iterator[World]:
    template, _ = database_template("postgresql", "schema", migrate_database)
    for url in new_pg_database(template):
        engine = make_engine(url)
        desk = Desk(engine, clock=Clock(MONDAY_9))
        prefix = pg_roles.default_prefix(str(make_url(url).database))
        try:
            defaults.ensure_defaults(desk, Defaults(tz="Europe/Brussels"))
            db_roles.setup_roles(desk)
            users.add_user(desk, None, "boss", "Bo Boss", "admin", password="boss-secret-1")
            boss = desk.actor("boss")
            groups = {
                "Service Desk": catalog.add_group(desk, boss, "Service Desk", 1),
                "Network": catalog.add_group(desk, boss, "Network", 2),
            }
            assignment.set_mode(desk, boss, groups["Service Desk"], "round_robin")
            for name, (role, member_of) in PEOPLE.items():
                users.add_user(
                    desk,
                    boss,
                    name,
                    name.title(),
                    role,
                    groups=member_of,
                    password=f"{name}-secret-1",
                )
            yield World(url, engine, desk, prefix, groups)
        finally:
            with engine.begin() as conn:
                pg_roles.drop_roles(conn, prefix)
            engine.dispose()


def _sign_in(world: World, name: str) -> users.SignedIn:
    signed = users.sign_in(world.desk, name, f"{name}-secret-1")
    assert signed.desk is not world.desk
    assert signed.database_role == pg_roles.login_role(world.prefix, name)
    with signed.desk.read() as conn:
        assert conn.execute(text("SELECT session_user")).scalar() == signed.database_role
    return signed


def _day(world: World, name: str) -> None:
    """What a person of any role does all day, on a desk of their own role."""
    signed = _sign_in(world, name)
    desk, me = signed.desk, signed.actor
    try:
        with live.open_feed(desk) as feed:
            assert assignment.set_available(desk, me, False) is False
            assert assignment.is_available(desk, me) is False
            assert assignment.set_available(desk, me, True) is True
            group = PEOPLE.get(name, ("admin", ["Service Desk"]))[1][0]
            logged = inc.log_incident(
                desk, me, inc.NewIncident("Printer jam", group_id=world.groups[group])
            )
            if group == "Service Desk":  # round robin chose, the group's turn moved
                assert logged.assignee_id is not None
            rec = inc.add_journal(desk, me, logged.id, "work_note", "Looked at it")
            rec2 = inc.start_work(desk, me, logged.id, None)
            rec2 = inc.hold(desk, me, logged.id, rec2.version, HoldReason.AWAITING_VENDOR.value)
            rec2 = inc.resume(desk, me, logged.id, rec2.version)
            rec2 = inc.resolve(
                desk,
                me,
                logged.id,
                rec2.version,
                ResolutionCode.SOLUTION_PROVIDED.value,
                "Cleared the jam",
            )
            assert rec2.state == State.RESOLVED.value
            if me.role.value in ("supervisor", "admin"):  # the post-incident review
                draft = reviews.open_review(desk, me, logged.id)
                assert reviews.save_review(desk, me, draft).version == 1
            assert rec is not None
            assert feed.wait(5)
            assert any(c.entity == "incident" and c.entity_id == logged.id for c in feed.read())
        lease = escalation.Lease(desk, holder=f"ws-{name}")
        try:
            escalation.tick(desk, lease)
            assert escalation.holder_of(desk) is not None
        finally:
            lease.release()
    finally:
        desk.engine.dispose()


@pytest.mark.parametrize("name", ["ann", "sam", "sue", "boss"])
def test_a_day_under_ones_own_role(world: World, name: str) -> None:
    _day(world, name)


def test_an_admins_work_under_their_own_role(world: World) -> None:
    signed = _sign_in(world, "boss")
    desk, boss = signed.desk, signed.actor
    try:
        users.add_user(desk, boss, "neo", "Neo New", "agent", password="neo-secret-1")
        users.edit_user(desk, boss, "neo", role="specialist")
        users.reset_password(desk, boss, "neo", "neo-secret-2")
        users.set_active(desk, boss, "neo", False)
        users.set_active(desk, boss, "neo", True)
        assignment.set_mode(desk, boss, world.groups["Network"], "least_loaded")
    finally:
        desk.engine.dispose()
    neo = users.sign_in(world.desk, "neo", "neo-secret-2")
    neo.desk.engine.dispose()
    assert neo.actor.role.value == "specialist"
    signed = _sign_in(world, "boss")
    try:
        users.delete_user(signed.desk, signed.actor, "neo")  # through the drop function
    finally:
        signed.desk.engine.dispose()
    with world.engine.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM pg_roles WHERE rolname = :n"),
            {"n": pg_roles.login_role(world.prefix, "neo")},
        ).scalar()
    assert left == 0


def test_an_agents_own_role_cannot_run_the_admins_functions(world: World) -> None:
    import psycopg
    from psycopg import errors

    role = pg_roles.login_role(world.prefix, "ann")
    u = make_url(world.url).set(drivername="postgresql", username=role, password=None)
    sync = pg_roles.sync_function(world.prefix)
    drop = pg_roles.drop_function(world.prefix)
    with psycopg.connect(u.render_as_string(hide_password=False), autocommit=True) as conn:
        for statement in (
            f"SELECT \"{sync}\"('ann', 'admins', true, NULL)",
            f"SELECT \"{drop}\"('boss')",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)


def test_a_persons_own_role_acts_only_as_that_person(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Credentials of ann's own role are not a way to act as someone else: not through the
    services (a desk on her role), not through the command line (an address naming her role)."""
    from app import cli

    signed = _sign_in(world, "ann")
    try:
        with pytest.raises(PermissionDenied, match="as ann's own role: it cannot act as 'boss'"):
            signed.desk.actor("boss")
        assert signed.desk.actor("ann").username == "ann"
        assert signed.desk.system().username == "system"  # the desk's own sweeps still run
    finally:
        signed.desk.engine.dispose()
    assert world.desk.actor("boss").username == "boss"  # the owner's address: anyone
    role = pg_roles.login_role(world.prefix, "ann")
    hers = make_url(world.url).set(username=role).render_as_string(hide_password=False)
    new = ["incident", "new", "--title", "Typed in a terminal"]
    assert cli.main(["--db", hers, "--as", "boss", *new]) != 0
    err = capsys.readouterr().err
    assert "cannot act as 'boss'" in err and "Traceback" not in err
    assert cli.main(["--db", hers, "--as", "ann", *new]) == 0
    with world.engine.connect() as conn:
        ids = (
            conn.execute(text("SELECT id FROM incidents WHERE title = 'Typed in a terminal'"))
            .scalars()
            .all()
        )
    assert len(ids) == 1
    assert queries.get_incident(world.desk, ids[0]).opened_by == "Ann"
