"""A desk for the intake tests, on SQLite and PostgreSQL (the `engine` fixture), with a clock
the test sets, a first-line group, a network group and a category routed to it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.services import catalog, defaults, users
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock

# Monday 2026-03-02 09:00 in Brussels (CET, UTC+1)
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
TOKEN = "s3cret-intake-token"


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_9)


@pytest.fixture
def desk(engine, clock):  # type: ignore[no-untyped-def]
    d = Desk(engine, clock=clock, zone="Europe/Brussels")
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor(admin.username)
    sd = catalog.add_group(d, root, "Service Desk", 1)
    net = catalog.add_group(d, root, "Network", 2)
    hw = catalog.add_category(d, root, "Hardware")
    server = catalog.add_category(d, root, "Server", parent_id=hw, default_group_id=net)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    d.ids = {"sd": sd, "net": net, "server": server}  # type: ignore[attr-defined]
    return d
