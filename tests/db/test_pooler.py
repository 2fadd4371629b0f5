"""Queries through a pooler (the desk's listen_url set): the escalation lease's advisory lock is
held on a session straight to the server, as the change feed's listener is (test_live_feed.py),
never on a session a pooler in transaction mode could lend to another workstation."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from app.db.config import ENV_LISTEN_DB
from app.db.engine import make_engine
from app.services import defaults, escalation
from app.services.context import Desk
from tests.conftest import database_template, migrate_database, new_pg_database, pg_admin_url

pytestmark = pytest.mark.pg


@pytest.fixture
def migrated_pg() -> Iterator[str]:
    template, _ = database_template("postgresql", "schema", migrate_database)
    yield from new_pg_database(template)


def _lock_sessions(database: str) -> list[str]:
    """The application_name of each session holding an advisory lock on `database`."""
    with psycopg.connect(pg_admin_url(), autocommit=True, connect_timeout=3) as admin:
        rows = admin.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.datname = %s",
            (database,),
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_the_lease_locks_on_a_session_straight_to_the_server_when_queries_go_through_a_pooler(  # type: ignore[no-untyped-def]
    migrated_pg,
) -> None:
    real = make_url(migrated_pg)
    database = str(real.database)
    server = f"postgresql://{real.host}:{real.port}"
    engines = [make_engine(migrated_pg) for _ in range(3)]
    try:
        defaults.ensure_defaults(Desk(engines[0]))
        a = escalation.Lease(Desk(engines[0], listen_url=server), holder="a")
        b = escalation.Lease(Desk(engines[1], listen_url=server), holder="b")
        assert a.hold()
        assert not b.hold()  # one runner
        assert _lock_sessions(database) == ["incidentdesk-lease"]
        assert escalation.holder_of(a.desk).holder == "a"  # type: ignore[union-attr]
        a.release()
        assert _lock_sessions(database) == []
        assert b.hold() and not a.hold()
        b.release()
        plain = escalation.Lease(Desk(engines[2]), holder="c")  # no pooler: the desk's own pool
        assert plain.hold()
        assert _lock_sessions(database) == ["incidentdesk"]
        plain.release()
    finally:
        for engine in engines:
            engine.dispose()


def test_the_command_line_takes_the_same_listener_address(migrated_pg, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`incidentdesk escalate --once` (cron's round) reads listen_url as the application does: a
    bad one is a message naming where it came from, before anything runs."""
    from app import cli

    engine = make_engine(migrated_pg)
    defaults.ensure_defaults(Desk(engine))  # the desk's own user, who runs the round
    engine.dispose()
    monkeypatch.setenv(ENV_LISTEN_DB, "db.example.org:5432")
    code = cli.main(["--db", migrated_pg, "escalate", "--once"])
    err = capsys.readouterr().err
    assert code != 0 and f"{ENV_LISTEN_DB}: the listener address" in err, err
    monkeypatch.setenv(ENV_LISTEN_DB, f"postgresql://{make_url(migrated_pg).host}:{make_url(migrated_pg).port}")
    assert cli.main(["--db", migrated_pg, "escalate", "--once"]) == 0, capsys.readouterr().err
