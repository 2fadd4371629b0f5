"""A PostgreSQL of the test's own that checks passwords (SCRAM-SHA-256 over TCP; the shared
server trusts everyone), with a migrated desk whose login roles are set up: an admin ``boss``
and an agent ``ann`` of the Service Desk, each with their password. bench/pgserver.py starts and
stops the server (a temporary folder, a free port); about two seconds in all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

PASSWORDS = {"boss": "boss-Secret-1", "ann": "ann-Secret-1"}


@dataclass(frozen=True)
class ScramDesk:
    url: str  # the database's owner (postgres, with its password)
    port: int
    prefix: str


@contextmanager
def scram_desk() -> Iterator[ScramDesk]:
    import psycopg
    from sqlalchemy.engine import make_url

    from app.db.engine import make_engine
    from app.db.migrate import upgrade
    from app.services import catalog, db_roles, defaults, users
    from app.services.context import Desk
    from app.services.defaults import Defaults
    from bench.pgserver import ServerNotStarted, own_server, pg_bin

    try:
        bin_dir = pg_bin(os.environ.get("INCIDENTDESK_TEST_PG_BIN"))
    except ServerNotStarted as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    with own_server(bin_dir, admin_password="owner-Secret-1", settings="-c fsync=off") as server:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE desk")
        url = (
            make_url(server.url)
            .set(drivername="postgresql+psycopg", database="desk")
            .render_as_string(hide_password=False)
        )
        engine = make_engine(url)
        try:
            upgrade(engine)
            desk = Desk(engine)
            defaults.ensure_defaults(desk, Defaults(tz="Europe/Brussels"))
            report = db_roles.setup_roles(desk)
            users.add_user(desk, None, "boss", "Bo Boss", "admin", password=PASSWORDS["boss"])
            boss = desk.actor("boss")
            catalog.add_group(desk, boss, "Service Desk", 1)
            users.add_user(
                desk,
                boss,
                "ann",
                "Ann Agent",
                "agent",
                groups=["Service Desk"],
                password=PASSWORDS["ann"],
            )
        finally:
            engine.dispose()
        yield ScramDesk(url, server.port, report.prefix)
