"""A change on one workstation reaches another through the change feed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from app.db.changes import ChangeCursor, append_change
from app.db.config import ENV_LISTEN_DB, DatabaseConfig
from app.db.engine import make_engine
from app.domain.errors import EnvironmentProblem, ValidationError
from app.services import defaults, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.live import open_feed
from tests.conftest import database_template, migrate_database, new_pg_database


def test_a_commit_on_a_second_engine_wakes_the_feed_and_names_the_incident(engine, db_url) -> None:  # type: ignore[no-untyped-def]
    a = Desk(engine)
    defaults.ensure_defaults(a)
    users.add_user(a, None, "dev", "Dev Patel", "admin")
    other = make_engine(db_url)
    try:
        b = Desk(other)
        with open_feed(a) as feed:
            assert feed.read() == []
            woke = threading.Event()

            def watch() -> None:
                if feed.wait(20.0):
                    woke.set()

            t = threading.Thread(target=watch)
            t.start()  # the commit may land before or during its wait: either wakes it
            rec = inc.log_incident(b, b.actor("dev"), inc.NewIncident(title="Badge reader offline"))
            t.join(30)
            assert woke.is_set()
            got = feed.read()
            assert [(c.entity, c.entity_id, c.kind) for c in got] == [
                ("incident", rec.id, "created")
            ]
            assert feed.read() == []  # each change once
    finally:
        other.dispose()


def test_a_reconnected_feed_replays_what_it_missed(engine) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(engine)
    defaults.ensure_defaults(desk)
    users.add_user(desk, None, "dev", "Dev Patel", "admin")
    dev = desk.actor("dev")
    first = open_feed(desk)
    first.close()  # the connection drops
    missed = inc.log_incident(desk, dev, inc.NewIncident(title="Logged while offline"))
    with open_feed(desk, first.cursor) as again:
        assert [(c.entity_id, c.kind) for c in again.read()] == [(missed.id, "created")]
    with open_feed(desk) as fresh:  # a new client starts from now
        assert fresh.read() == []


@pytest.fixture
def migrated_pg() -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own (a copy of the worker's template)."""
    template, _ = database_template("postgresql", "schema", migrate_database)
    yield from new_pg_database(template)


@pytest.mark.pg
def test_the_feed_listens_on_its_own_address_when_the_queries_go_through_a_pooler(migrated_pg) -> None:  # type: ignore[no-untyped-def]
    """Queries go to an address where nothing answers here (where a pooler would be); the
    listener goes straight to the server, with the user and database of the query address."""
    real = make_url(migrated_pg)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        nowhere = s.getsockname()[1]
    pooled = make_engine(real.set(port=nowhere).render_as_string(hide_password=False))
    server = make_engine(migrated_pg)
    try:
        desk = Desk(pooled, listen_url=f"postgresql://{real.host}:{real.port}")
        with open_feed(desk, ChangeCursor(0)) as feed:
            with server.begin() as conn:
                append_change(conn, "incident", 42, "updated", None)
            assert feed.wait(20.0)  # NOTIFY reaches only the listeners of the same database
        with pytest.raises(EnvironmentProblem, match="Cannot listen for changes"):
            open_feed(Desk(pooled), ChangeCursor(0))  # without it: the feed's address is the queries'
    finally:
        pooled.dispose()
        server.dispose()


def test_the_application_opens_its_desk_with_the_listener_address_it_is_given(  # type: ignore[no-untyped-def]
    engine, db_url, monkeypatch
) -> None:
    from app.main import _open_database

    monkeypatch.setenv(ENV_LISTEN_DB, "postgresql://db.example.org:5432")
    opened, desk = _open_database(DatabaseConfig(db_url, "test"), False)
    try:
        assert desk.listen_url == "postgresql+psycopg://db.example.org:5432"
    finally:
        opened.dispose()
    monkeypatch.setenv(ENV_LISTEN_DB, "db.example.org:5432")  # a bad one: said before connecting
    with pytest.raises(ValidationError, match=f"^{ENV_LISTEN_DB}: .*not a PostgreSQL address"):
        _open_database(DatabaseConfig(db_url, "test"), False)
