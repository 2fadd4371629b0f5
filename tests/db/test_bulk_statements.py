"""How many statements one incident of a bulk reassign sends, on each engine: a supervisor's
thousand reassignments are a thousand transactions, each as short as the rules, the audit, the
automatic assignment and the change feed allow.

What one reassignment to a manual group takes (BEGIN IMMEDIATE on SQLite; on PostgreSQL the
application's claim is part of the first statement), then the same eight on both: the
configuration's revision, the incident locked with whether the actor is still active, both
groups, the SLA pauses, ONE UPDATE of the incident (the ping-pong look-up inside it), the audit
rows in one executemany, the change log (and its NOTIFY), the record read back. Every statement
counts, an executemany once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, text

from app.services import assignment, catalog, defaults, users
from app.services import incidents as inc
from app.services.bulk import BulkAction, BulkKind, Item, Outcome, apply_one
from app.services.context import Desk
from app.services.defaults import Defaults

MANUAL_MAX = 8  # per incident, on either engine, besides SQLite's BEGIN IMMEDIATE
# and the turn: the group locked and moved on, its available members, the chosen one's name, the
# desk's own id, the journal's note, and the UPDATE that the members' read flushes first
ROUND_ROBIN_MAX = 15


def conn_count(desk: Desk, sql: str) -> int:
    with desk.read() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def _begin(engine: Engine) -> int:
    """The statement that opens the transaction: SQLite's BEGIN IMMEDIATE is one of those
    counted, PostgreSQL's BEGIN is the driver's own."""
    return 1 if engine.dialect.name == "sqlite" else 0


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _world(engine: Engine, mode: str) -> tuple[Desk, int, list[Item]]:
    """Five incidents in Service Desk; Network (`mode`) has two agents, carla supervises."""
    desk = Desk(engine)
    defaults.ensure_defaults(desk, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(desk, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = desk.actor(admin.username)
    sd = catalog.add_group(desk, root, "Service Desk", 1)
    net = catalog.add_group(desk, root, "Network", 2)
    users.add_user(desk, root, "carla", "Carla Rossi", "supervisor", groups=["Service Desk"])
    for name in ("ana", "ben"):
        users.add_user(desk, root, name, name.title(), "agent", groups=["Network"])
    assignment.set_mode(desk, root, net, mode)
    recs = [
        inc.log_incident(desk, root, inc.NewIncident(f"Link down {i}", group_id=sd))
        for i in range(5)
    ]
    return desk, net, [Item(r.id, r.number, r.version) for r in recs]


def _reassign_counted(
    engine: Engine, mode: str
) -> tuple[Desk, list[Item], list[int], list[Outcome]]:
    desk, net, items = _world(engine, mode)
    carla = desk.actor("carla")
    action = BulkAction(BulkKind.REASSIGN, group_id=net)
    first = apply_one(desk, carla, action, items[0])  # reads the policy book once for the desk
    per: list[int] = []
    outcomes = [first.outcome]
    for item in items[1:]:
        with counted(engine) as seen:
            outcomes.append(apply_one(desk, carla, action, item).outcome)
        per.append(len(seen))
    return desk, items, per, outcomes


def test_a_reassignment_to_a_manual_group_is_nine_statements_and_one_update(
    engine: Engine,
) -> None:
    desk, items, per, outcomes = _reassign_counted(engine, "manual")
    assert outcomes == [Outcome.DONE] * len(items)
    assert max(per) <= MANUAL_MAX + _begin(engine), per
    ids = [i.incident_id for i in items]
    with desk.read() as conn:
        audited = conn.execute(
            text(
                "SELECT a.incident_id, a.field, a.incident_version FROM audit a "
                "JOIN agents g ON g.id = a.agent_id WHERE g.username = 'carla' "
                "ORDER BY a.incident_id, a.id"
            )
        ).all()
        logged = conn.execute(
            text(
                "SELECT entity_id FROM change_log WHERE entity = 'incident' AND kind = 'assigned' "
                "ORDER BY seq"
            )
        ).scalars()
        versions = dict(
            conn.execute(text("SELECT id, version FROM incidents ORDER BY id")).tuples().all()
        )
        trail = (
            conn.execute(
                text(
                    "SELECT incident_id, count(*), bool_and(said_application) "
                    "FROM incident_db_trail WHERE incident_version = 2 "
                    "GROUP BY incident_id ORDER BY incident_id"
                )
            )
            .tuples()
            .all()
            if engine.dialect.name == "postgresql"
            else None
        )
    # the same history as ever: the group, the support line and the reassignment, per incident
    assert [(r.incident_id, r.field, r.incident_version) for r in audited] == [
        (i, field, 2) for i in ids for field in ("group_id", "support_line", "reassignment_count")
    ]
    assert list(logged) == ids
    assert [versions[i] for i in ids] == [2] * len(ids)
    if trail is not None:  # the database's own trail: one row, the change written at once,
        # by a transaction that said it was the application's (in its first statement)
        assert trail == [(i, 1, True) for i in ids]
    outside = conn_count(desk, "SELECT count(*) FROM audit WHERE agent_id IS NULL")
    assert outside == 0  # nothing audited as changed around the application


def test_a_reassignment_to_a_round_robin_group_assigns_in_its_transaction(
    engine: Engine,
) -> None:
    desk, items, per, outcomes = _reassign_counted(engine, "round_robin")
    assert outcomes == [Outcome.DONE] * len(items)
    assert max(per) <= ROUND_ROBIN_MAX + _begin(engine), per
    with desk.read() as conn:
        assignees = (
            conn.execute(
                text(
                    "SELECT g.username FROM incidents i JOIN agents g ON g.id = i.assignee_id "
                    "ORDER BY i.id"
                )
            )
            .scalars()
            .all()
        )
        by_desk = conn.execute(
            text(
                "SELECT count(*) FROM audit a JOIN agents g ON g.id = a.agent_id "
                "WHERE a.field = 'assignee_id' AND g.username = 'system' "
                "AND a.reason LIKE 'Automatic assignment: round robin in Network%'"
            )
        ).scalar_one()
    assert assignees == ["ana", "ben", "ana", "ben", "ana"]
    assert by_desk == len(items)


def test_a_write_that_was_to_claim_in_its_first_statement_and_did_not_is_rolled_back(
    engine: Engine,
) -> None:
    """On PostgreSQL, `Desk.write(claim_first=True)` leaves the claim to the caller's first
    statement: a transaction that never made it is not committed (the database would have
    taken its changes for someone's around the application). SQLite has no such claim."""
    desk, _net, items = _world(engine, "manual")
    postgres = engine.dialect.name == "postgresql"
    try:
        with desk.write(claim_first=True) as session:
            session.execute(
                text("UPDATE incidents SET title = 'renamed' WHERE id = :i"),
                {"i": items[0].incident_id},
            )
    except RuntimeError:
        assert postgres
    else:
        assert not postgres
    title = conn_count(desk, "SELECT count(*) FROM incidents WHERE title = 'renamed'")
    assert title == (0 if postgres else 1)
