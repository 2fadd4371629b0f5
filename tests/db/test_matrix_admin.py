"""The priority matrix as an admin changes it: the preview's count, pairs and list (with the new
due time), apply in one transaction (every moved incident audited with the version and the
reason, the change feed, the admin audit), what stays (closed, overridden, levels the new
matrix lacks), and refusals. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from app.db.changes import ChangeCursor
from app.domain.errors import PermissionDenied, ValidationError
from app.domain.matrix import default_matrix, glpi_matrix, resized
from app.models import AuditEntry, ChangeLogEntry, Incident
from app.services import admin_audit, callers, catalog, defaults, queries, users
from app.services import incidents as inc
from app.services import matrix as matrix_service
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Brussels


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_9)


@pytest.fixture
def desk(engine, clock):  # type: ignore[no-untyped-def]
    d = Desk(engine, clock=clock)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor("dev")
    catalog.add_group(d, root, "Service Desk", 1)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "carla", "Carla Rossi", "supervisor", groups=["Service Desk"])
    callers.add_caller(d, root, "John Smith")
    return d


def _log(desk: Desk, title: str, impact: int, urgency: int, **kw: object):  # type: ignore[no-untyped-def]
    return inc.log_incident(
        desk,
        desk.actor("ana"),
        inc.NewIncident(title, impact=impact, urgency=urgency, **kw),  # type: ignore[arg-type]
    )


def test_a_one_cell_change_previews_count_pairs_list_and_new_due(desk: Desk, clock: Clock) -> None:
    a = _log(desk, "Payroll export fails", 2, 1)  # P2 -> P1 under the proposal
    clock.advance(minutes=1)
    b = _log(desk, "Payroll slow for finance", 2, 1)
    _log(desk, "Printer jam", 3, 3)  # P5: its cell does not change
    proposed = queries.matrix(desk).with_cell(2, 1, 1)
    got = matrix_service.preview_matrix(desk, proposed)
    assert got.count == 2
    assert got.pairs == ((2, 1, 2),)
    assert [(s.number, s.old_priority, s.new_priority) for s in got.shifts] == [
        (a.number, 2, 1),
        (b.number, 2, 1),
    ]
    # P1 is resolved in 4 hours around the clock (the default policy): from its opening
    assert got.shifts[0].new_due == a.opened_at + timedelta(hours=4)
    assert got.unmapped == 0
    # nothing was written
    assert queries.get_incident(desk, a.id).priority == 2
    assert matrix_service.preview_matrix(desk, queries.matrix(desk)).count == 0


def test_apply_moves_exactly_the_previewed_in_one_transaction_audited(
    desk: Desk, clock: Clock
) -> None:
    admin = desk.actor("dev")
    a = _log(desk, "Payroll export fails", 2, 1)
    keep = _log(desk, "Printer jam", 3, 3)
    closed = _log(desk, "Old one", 2, 1, resolution_code="solution_provided", resolution_notes="ok")
    hand = _log(desk, "VIP laptop", 2, 1)
    inc.override_priority(
        desk, desk.actor("carla"), hand.id, hand.version, 4, reason="agreed with the VIP"
    )
    before = queries.matrix(desk)
    proposed = before.with_cell(2, 1, 1)
    preview = matrix_service.preview_matrix(desk, proposed)
    assert [s.number for s in preview.shifts] == [a.number]  # not closed, not the override
    with desk.read() as conn:
        start = ChangeCursor.at_latest(conn)
    clock.advance(minutes=10)
    done = matrix_service.apply_matrix(desk, admin, proposed, "Payroll is business-critical")
    assert (done.version, done.count, done.pairs) == (before.version + 1, 1, ((2, 1, 1),))
    moved = queries.get_incident(desk, a.id)
    assert (moved.priority, moved.matrix_version, moved.version) == (1, done.version, a.version + 1)
    assert moved.resolution_due == a.opened_at + timedelta(hours=4)  # retroactive start
    assert queries.get_incident(desk, keep.id).priority == 5
    old = queries.get_incident(desk, closed.id)
    assert (old.priority, old.matrix_version) == (2, before.version)
    assert queries.get_incident(desk, hand.id).priority == 4
    history = {
        h.field: h
        for h in queries.history(desk, a.id)
        if h.reason == "Payroll is business-critical"
    }
    assert (history["priority"].old, history["priority"].new) == ("2", "1")
    assert (history["matrix_version"].old, history["matrix_version"].new) == (
        str(before.version),
        str(done.version),
    )
    assert history["priority"].by == "Dev Patel"
    assert history["matrix_version"].new_text is not None
    # the new matrix is the active one, and in the admin audit in words
    assert queries.matrix(desk).version == done.version
    words = [
        (e.field, e.old, e.new) for e in admin_audit.admin_history(desk, "matrix", done.version)
    ]
    assert ("Impact 2 - Medium x Urgency 1 - High", "2 - High", "1 - Critical") in words
    # the other workstations hear of the incident and of the matrix
    with desk.read() as conn:
        seen = {(c.entity, c.entity_id) for c in start.read(conn)}
    assert {("incident", a.id), ("matrix", done.version)} <= seen


def test_apply_is_all_or_nothing(desk: Desk, engine) -> None:  # type: ignore[no-untyped-def]
    admin = desk.actor("dev")
    a = _log(desk, "Payroll export fails", 2, 1)
    b = _log(desk, "Payroll slow", 2, 1)
    proposed = queries.matrix(desk).with_cell(2, 1, 1)

    def fail(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT"):
            raise RuntimeError("the disk died mid-way")

    event.listen(engine, "before_cursor_execute", fail)
    try:
        with pytest.raises(RuntimeError):
            matrix_service.apply_matrix(desk, admin, proposed, "crash test")
    finally:
        event.remove(engine, "before_cursor_execute", fail)
    assert queries.matrix(desk).version == 1
    assert [queries.get_incident(desk, i).priority for i in (a.id, b.id)] == [2, 2]
    with desk.read() as conn:
        assert (
            conn.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.reason == "crash test")
            ).scalar()
            == 0
        )


def test_apply_refuses_a_non_admin_no_reason_and_no_change(desk: Desk) -> None:
    _log(desk, "Payroll export fails", 2, 1)
    proposed = queries.matrix(desk).with_cell(2, 1, 1)
    for who in ("ana", "carla"):
        with pytest.raises(PermissionDenied, match=r"^Only an admin may configure the desk"):
            matrix_service.apply_matrix(desk, desk.actor(who), proposed, "because")
    with pytest.raises(ValidationError, match="Say why the matrix changes"):
        matrix_service.apply_matrix(desk, desk.actor("dev"), proposed, "  ")
    with pytest.raises(ValidationError, match=r"This is the active matrix \(version 1\)"):
        matrix_service.apply_matrix(desk, desk.actor("dev"), default_matrix(), "same")
    assert queries.matrix(desk).version == 1


def test_a_level_the_new_matrix_lacks_keeps_its_priority_and_is_counted(desk: Desk) -> None:
    admin = desk.actor("dev")
    matrix_service.apply_matrix(desk, admin, glpi_matrix(), "GLPI's 5x5")
    deep = _log(desk, "Kiosk screen flickers", 5, 5)
    top = _log(desk, "Core switch down", 1, 1)
    small = resized(queries.matrix(desk), 3, 3)
    got = matrix_service.preview_matrix(desk, small)
    assert got.unmapped == 1
    done = matrix_service.apply_matrix(desk, admin, small, "back to 3x3")
    assert queries.get_incident(desk, deep.id).priority == glpi_matrix().priority(5, 5)
    assert queries.get_incident(desk, top.id).priority == small.priority(1, 1)
    assert done.count == got.count


def test_ten_thousand_change_feed_entries_all_reach_a_reader(desk: Desk) -> None:
    from app.db.changes import append_changes

    with desk.read() as conn:
        cursor = ChangeCursor.at_latest(conn)
    with desk.write() as s:
        append_changes(s, "incident", list(range(1, 12_001)), "updated", None)
    with desk.read() as conn:
        got = cursor.read(conn)
        total = conn.execute(select(func.count()).select_from(ChangeLogEntry)).scalar()
    assert len(got) == 12_000 and total is not None and total >= 12_000
    assert {c.entity_id for c in got} == set(range(1, 12_001))


def test_the_open_queue_query_is_untouched_by_the_new_index(desk: Desk) -> None:
    """The index exists on both engines (the migration and the model agree)."""
    from sqlalchemy import inspect

    names = {ix["name"] for ix in inspect(desk.engine).get_indexes("incidents")}
    assert "ix_incidents_matrix" in names
    assert Incident.__table__.c.priority_overridden is not None
