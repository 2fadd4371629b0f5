"""Signing in on PostgreSQL with login roles is the database's own authentication: the desk
connects as the person's own role with the typed password (SCRAM, on a server of the test's own
that checks passwords), every query of the session runs as that role, and a wrong password,
an unknown or deactivated user are the one "Wrong user name or password"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import pg_roles
from app.db.engine import make_engine
from app.domain.errors import EnvironmentProblem, PermissionDenied
from app.models import Agent
from app.services import incidents as inc
from app.services import live, users
from app.services.context import Desk
from tests.scram_pg import PASSWORDS, ScramDesk

pytestmark = pytest.mark.pg


@pytest.fixture
def desk(scram_server: ScramDesk) -> Iterator[Desk]:
    d = Desk(
        make_engine(scram_server.url), listen_url=f"postgresql://127.0.0.1:{scram_server.port}"
    )
    yield d
    d.engine.dispose()


def test_sign_in_is_the_databases_own(scram_server: ScramDesk, desk: Desk) -> None:
    signed = users.sign_in(desk, "Ann ", PASSWORDS["ann"])
    try:
        role = pg_roles.login_role(scram_server.prefix, "ann")
        assert signed.actor.username == "ann" and signed.database_role == role
        assert signed.desk.engine.url.username == role
        assert signed.desk.engine.url.host == "127.0.0.1"
        assert signed.desk.engine.url.database == "desk"
        # the listener's address: its server, the person's role and password
        assert make_url(signed.desk.listen_url or "").username == role
        with signed.desk.read() as conn:
            assert conn.execute(text("SELECT session_user")).scalar() == role
        with live.open_feed(signed.desk) as feed:
            logged = inc.log_incident(signed.desk, signed.actor, inc.NewIncident("Mail is down"))
            assert feed.wait(5)
            assert [c.entity_id for c in feed.read() if c.entity == "incident"] == [logged.id]
        with desk.read() as conn:  # the application's audit rows name ann, none the trigger's
            authors = conn.execute(
                text("SELECT agent_id, reason FROM audit WHERE incident_id = :i"), {"i": logged.id}
            ).all()
        assert authors and {a.agent_id for a in authors} == {signed.actor.id}
        assert not any("changed outside" in (a.reason or "") for a in authors)
    finally:
        signed.desk.engine.dispose()


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("ann", "not-her-password"),
        ("ann", ""),
        ("nobody", "whatever-1"),
        ("boss", PASSWORDS["ann"]),  # another's password
    ],
)
def test_a_wrong_password_is_the_one_message(desk: Desk, name: str, password: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        users.sign_in(desk, name, password)
    assert str(refused.value) == users.WRONG


def test_the_application_counts_no_failures_the_database_never_saw(desk: Desk) -> None:
    for _ in range(users.LOCK_AFTER + 1):
        with pytest.raises(PermissionDenied) as refused:
            users.sign_in(desk, "ann", "not-her-password")
        assert str(refused.value) == users.WRONG  # never "locked out until" from the desk
    with desk.read() as conn:
        row = conn.execute(
            text("SELECT failed_sign_ins, locked_until FROM agents WHERE username = 'ann'")
        ).one()
    assert tuple(row) == (0, None)
    signed = users.sign_in(desk, "ann", PASSWORDS["ann"])
    signed.desk.engine.dispose()


def test_a_deactivated_user_cannot_sign_in(desk: Desk) -> None:
    boss = desk.actor("boss")
    users.set_active(desk, boss, "ann", False)
    try:
        with pytest.raises(PermissionDenied) as refused:
            users.sign_in(desk, "ann", PASSWORDS["ann"])  # the right password, a NOLOGIN role
        assert str(refused.value) == users.WRONG
    finally:
        users.set_active(desk, boss, "ann", True)


def test_a_server_that_cannot_be_reached_is_the_environment(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench.pgserver import free_port

    real = pg_roles.role_address

    def elsewhere(url: object, role: str, password: str) -> str:  # the server went away
        there = make_url(real(url, role, password))  # type: ignore[arg-type]
        return there.set(port=free_port()).render_as_string(hide_password=False)

    monkeypatch.setattr(pg_roles, "role_address", elsewhere)
    with pytest.raises(EnvironmentProblem) as problem:
        users.sign_in(desk, "ann", PASSWORDS["ann"])
    assert "cannot be reached" in str(problem.value)
    assert PASSWORDS["ann"] not in str(problem.value)


def test_the_agents_role_updates_only_its_own_row(scram_server: ScramDesk, desk: Desk) -> None:
    signed = users.sign_in(desk, "ann", PASSWORDS["ann"])
    try:
        with signed.desk.engine.begin() as conn:
            mine = conn.execute(
                text("UPDATE agents SET available = false WHERE username = 'ann'")
            ).rowcount
            others = conn.execute(
                text("UPDATE agents SET available = false WHERE username <> 'ann'")
            ).rowcount
        assert (mine, others) == (1, 0)  # the row policy hides the others' rows from UPDATE
        with (
            pytest.raises(Exception, match="permission denied"),
            signed.desk.engine.begin() as conn,
        ):
            conn.execute(text("UPDATE agents SET role = 'admin' WHERE username = 'ann'"))
    finally:
        signed.desk.engine.dispose()
    with desk.write() as s:
        s.execute(Agent.__table__.update().values(available=True))
