"""Bulk actions on SQLite and PostgreSQL: one transaction per incident, so a conflict (with
who) and a refusal (with why) leave the others done, each audited as the supervisor's."""

from __future__ import annotations

from sqlalchemy import Engine, text

from app.db.engine import make_engine
from app.services import catalog, defaults, users
from app.services import incidents as inc
from app.services.bulk import BulkAction, BulkKind, Item, Outcome, apply_one
from app.services.context import Desk
from app.services.defaults import Defaults


def test_one_conflict_and_one_refusal_leave_the_others_done(engine: Engine, db_url: str) -> None:
    desk = Desk(engine)
    defaults.ensure_defaults(desk, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(desk, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = desk.actor(admin.username)
    sd = catalog.add_group(desk, root, "Service Desk", 1)
    catalog.add_group(desk, root, "Network", 2)
    users.add_user(desk, root, "carla", "Carla Rossi", "supervisor", groups=["Service Desk"])
    users.add_user(desk, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    carla = desk.actor("carla")
    catalog.set_supervisor(desk, root, sd, carla.id)
    recs = [
        inc.log_incident(desk, root, inc.NewIncident(f"Disk full {i}", group_id=sd))
        for i in range(4)
    ]
    items = [Item(r.id, r.number, r.version) for r in recs]
    other_engine = make_engine(db_url)
    try:
        other = Desk(other_engine)
        inc.add_journal(
            other, other.actor("ana"), recs[1].id, "work_note", "looking"
        )  # no new version
        inc.set_impact_urgency(other, other.actor("ana"), recs[1].id, recs[1].version, 2, 2)
    finally:
        other_engine.dispose()
    inc.resolve(desk, carla, recs[3].id, recs[3].version, "solution_provided", "freed space")
    items[3] = Item(
        recs[3].id, recs[3].number, recs[3].version + 1
    )  # resolved, as the queue would show
    action = BulkAction(BulkKind.ESCALATE, group_id=None, reason="the whole floor is down")
    got = [apply_one(desk, carla, action, item) for item in items]
    assert [g.outcome for g in got] == [
        Outcome.DONE,
        Outcome.CONFLICTED,
        Outcome.DONE,
        Outcome.REFUSED,
    ]
    assert got[1].detail.startswith("Changed meanwhile by Ana Garcia (")
    assert got[3].detail.startswith("INC0000004 is Resolved")
    assert got[0].detail == "Escalated to the supervisor"
    with desk.read() as conn:
        audited = conn.execute(
            text(
                "SELECT a.incident_id, a.reason FROM audit a JOIN agents g ON g.id = a.agent_id "
                "WHERE a.field = 'escalated_to_supervisor' AND g.username = 'carla' ORDER BY a.incident_id"
            )
        ).all()
    assert [tuple(r) for r in audited] == [
        (recs[0].id, "the whole floor is down"),
        (recs[2].id, "the whole floor is down"),
    ]


def test_items_for_reads_numbers_and_versions_by_id_in_chunks(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """What a Ctrl+A selection holds beyond the rows the queue read: in the order given, a
    chunk of ids per query, an id that is gone left out."""
    from app.services import bulk
    from tests.db.seed import incident_values, insert_incidents, seed_people

    with engine.begin() as conn:
        seed_people(conn)
        insert_incidents(conn, [incident_values(i, version=i % 4 + 1) for i in range(1, 8)])
    monkeypatch.setattr(bulk, "ITEMS_CHUNK", 3)
    items = bulk.items_for(Desk(engine), [7, 2, 99, 5, 1])
    assert [(it.incident_id, it.number, it.version) for it in items] == [
        (7, "INC0000007", 4),
        (2, "INC0000002", 3),
        (5, "INC0000005", 2),
        (1, "INC0000001", 2),
    ]
