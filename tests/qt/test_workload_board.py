"""The workload board against SQL: every cell a supervisor reads is the count SQL gives for that
group and agent; it follows another workstation's changes; a click opens the slice as the
queue."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt
from sqlalchemy import text

from app.services import incidents, workload
from app.services.incidents import NewIncident
from app.views.workload import WorkloadTableModel, age_words
from tests.qt.conftest import open_main


def _log(
    world,
    title: str,
    group: int,
    impact: int = 3,
    urgency: int = 3,
    assignee=None,
    days_ago: float = 0,
):  # type: ignore[no-untyped-def]
    opened = world.desk.now() - timedelta(days=days_ago) if days_ago else None
    return incidents.log_incident(
        world.desk,
        world.admin,
        NewIncident(
            title,
            group_id=group,
            impact=impact,
            urgency=urgency,
            assignee_id=assignee,
            opened_at=opened,
        ),
    )


def _seed(world) -> None:  # type: ignore[no-untyped-def]
    _log(world, "Mail slow", world.service_desk, 2, 2, world.ana.id)
    _log(world, "Printer jam", world.service_desk, 3, 3, world.ana.id, days_ago=12)
    _log(world, "Laptop broken", world.service_desk, 1, 2)
    _log(world, "VPN flaps", world.network, 1, 1, world.ben.id, days_ago=2)
    _log(world, "Switch fan", world.network, 3, 2, world.ben.id)
    held = _log(world, "Cable order", world.network, 3, 3, world.ben.id)
    held = incidents.hold(
        world.desk, world.ben, held.id, held.version, "awaiting_vendor", "ordered"
    )
    _log(world, "Old outage", world.network, 2, 1, days_ago=30)


def _sql(world, where: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    now = world.desk.now().replace(tzinfo=None)
    with world.desk.read() as conn:
        row = conn.execute(
            text(
                "SELECT count(*), "
                "sum(CASE WHEN at_risk_at <= :now THEN 1 ELSE 0 END), "
                "sum(CASE WHEN sla_breached OR resolution_due <= :now THEN 1 ELSE 0 END), "
                "sum(CASE WHEN state = 'on_hold' THEN 1 ELSE 0 END), "
                "sum(CASE WHEN priority = 1 THEN 1 ELSE 0 END), sum(CASE WHEN priority = 3 THEN 1 ELSE 0 END) "
                f"FROM incidents WHERE active AND {where}"
            ),
            {"now": now},
        ).one()
    return dict(
        zip(
            ["Open", "At risk", "Breached", "On hold", "P1", "P3"],
            [int(v or 0) for v in row],
            strict=True,
        )
    )


def _cells(model: WorkloadTableModel, r: int) -> dict[str, object]:
    return {
        model.column_name(c): model.index(r, c).data(Qt.ItemDataRole.EditRole)
        for c in range(model.columnCount())
    }


def test_the_board_reads_as_sql_follows_changes_and_opens_slices(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    _seed(world)
    window = open_main(qtbot, world, runner, world.carla)
    window.board_action.trigger()
    board = window.workload_window
    qtbot.waitUntil(lambda: board.loads >= 1)
    model = board.model
    wheres = {
        ("Service Desk", "All"): f"group_id = {world.service_desk}",
        (
            "Service Desk",
            "Ana Agent",
        ): f"group_id = {world.service_desk} AND assignee_id = {world.ana.id}",
        ("Service Desk", "Unassigned"): f"group_id = {world.service_desk} AND assignee_id IS NULL",
        ("Network", "All"): f"group_id = {world.network}",
        ("Network", "Ben Network"): f"group_id = {world.network} AND assignee_id = {world.ben.id}",
        ("Network", "Unassigned"): f"group_id = {world.network} AND assignee_id IS NULL",
    }
    seen = {(r.group_name, r.agent_name): i for i, r in enumerate(model.rows())}
    assert set(seen) == set(wheres)
    for key, where in wheres.items():
        cells = _cells(model, seen[key])
        assert {
            k: cells[k] for k in ("Open", "At risk", "Breached", "On hold", "P1", "P3")
        } == _sql(world, where), key
    network_all = _cells(model, seen[("Network", "All")])
    assert network_all["Open"] == 4 and network_all["On hold"] == 1 and network_all["Breached"] >= 1
    assert network_all["Oldest"] == "30 d 0 h"
    board.grab().save("/tmp/x/workload_board.png")

    # another workstation logs one for Ben: the board follows by itself
    before = board.loads
    incidents.log_incident(
        other_desk,
        other_desk.actor("ben"),
        NewIncident("Router reboot", group_id=world.network, assignee_id=world.ben.id),
    )
    qtbot.waitUntil(
        lambda: (
            board.loads > before
            and _cells(board.model, seen[("Network", "Ben Network")])["Open"] == 4
        ),
        timeout=8000,
    )

    # a click on Ben's row opens his slice as the queue
    row = next(i for i, r in enumerate(board.model.rows()) if r.agent_name == "Ben Network")
    rect = board.table.visualRect(board.model.index(row, 1))
    qtbot.mouseClick(board.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(
        lambda: (
            window.group_filter.currentData() == world.network
            and window.assignee_filter.currentData() == world.ben.id
        )
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 4)
    # and his on-hold cell, the one on hold
    col = next(
        c for c in range(board.model.columnCount()) if board.model.column_name(c) == "On hold"
    )
    rect = board.table.visualRect(board.model.index(row, col))
    qtbot.mouseClick(board.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    window.shutdown()
    runner.wait()


def test_the_board_model_passes_the_model_tester(qtmodeltester, world) -> None:  # type: ignore[no-untyped-def]
    _seed(world)
    model = WorkloadTableModel()
    model.set_rows(workload.board(world.desk), None, world.desk.now())
    assert model.rowCount() == 6
    qtmodeltester.check(model)


def test_ages_read_as_words() -> None:
    assert age_words(timedelta(minutes=12)) == "12 min"
    assert age_words(timedelta(hours=5, minutes=10)) == "5 h 10 min"
    assert age_words(timedelta(days=3, hours=4, minutes=59)) == "3 d 4 h"
    assert age_words(timedelta(seconds=-5)) == "0 min"
