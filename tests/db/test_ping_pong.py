"""Ping-pong on both engines: each return to a group the incident had left is counted as the
group changes (by any door: here the supervisor's bulk reassign), the Ping-pong view lists them,
and the migration's backfill finds the same counts in the history."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import Engine, text

from app.db.queue import fetch_page
from app.services import catalog, defaults, saved_views, users
from app.services import incidents as inc
from app.services.bulk import BulkAction, BulkKind, Item, apply_one
from app.services.context import Desk
from app.services.defaults import Defaults

MIGRATION = Path(__file__).resolve().parents[2] / "app/migrations/versions/0012_ping_pong.py"


def _backfill_sql() -> str:
    spec = importlib.util.spec_from_file_location("ping_pong_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.BACKFILL)


def test_returns_are_counted_listed_and_backfilled(engine: Engine) -> None:
    desk = Desk(engine)
    defaults.ensure_defaults(desk, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(desk, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = desk.actor(admin.username)
    sd = catalog.add_group(desk, root, "Service Desk", 1)
    net = catalog.add_group(desk, root, "Network", 2)
    apps = catalog.add_group(desk, root, "Applications", 2)
    bounced = inc.log_incident(desk, root, inc.NewIncident("Printer offline", group_id=sd))
    once = inc.log_incident(desk, root, inc.NewIncident("VPN drops", group_id=sd))
    onward = inc.log_incident(desk, root, inc.NewIncident("ERP slow", group_id=sd))

    def move(rec_id: int, group: int) -> None:
        with desk.read() as conn:
            row = conn.execute(
                text("SELECT number, version FROM incidents WHERE id = :i"), {"i": rec_id}
            ).one()
        result = apply_one(
            desk, root, BulkAction(BulkKind.REASSIGN, group_id=group), Item(rec_id, *row)
        )
        assert result.outcome.value == "done", result

    for group in (net, sd, net, sd):  # back to Service Desk, Network, Service Desk: 3
        move(bounced.id, group)
    for group in (net, sd):  # back once
        move(once.id, group)
    for group in (net, apps):  # never back
        move(onward.id, group)

    def counts() -> dict[int, int]:
        with desk.read() as conn:
            return dict(conn.execute(text("SELECT id, group_returns FROM incidents")).all())

    assert counts() == {bounced.id: 3, once.id: 1, onward.id: 0}

    view = next(v for v in saved_views.builtin_views(root) if v.name == "Ping-pong")
    with desk.read() as conn:
        page = fetch_page(conn, view.flt, view.sort, view.descending, now=desk.now())
    assert [(r.id, r.group_returns) for r in page.rows] == [(bounced.id, 3), (once.id, 1)]

    with engine.begin() as conn:
        conn.execute(text("UPDATE incidents SET group_returns = 0"))
        conn.execute(text(_backfill_sql()))
    assert counts() == {bounced.id: 3, once.id: 1, onward.id: 0}
