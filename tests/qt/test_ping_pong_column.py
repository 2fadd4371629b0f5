"""The queue's Ping-pong column and view: an incident sent back to a group it had left shows
how many times, with a warning from the third."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services import incidents
from app.services.bulk import BulkAction, BulkKind, Item, apply_one
from app.services.incidents import NewIncident
from app.views.queue_model import PING_PONG
from tests.qt.conftest import open_main


def _bounce(world, title: str, groups: list[int]) -> int:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(world.desk, world.admin, NewIncident(title, group_id=world.service_desk))
    version = rec.version
    for g in groups:
        out = apply_one(
            world.desk, world.admin, BulkAction(BulkKind.REASSIGN, group_id=g), Item(rec.id, rec.number, version)
        )
        assert out.outcome.value == "done"
        version += 1
    return rec.id


def test_the_ping_pong_view_shows_the_count_and_warns_from_three(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    sd, net = world.service_desk, world.network
    thrice = _bounce(world, "Printer offline", [net, sd, net, sd])
    once = _bounce(world, "VPN drops", [net, sd])
    _bounce(world, "ERP slow", [net])
    window = open_main(qtbot, world, runner, world.carla)
    try:
        window.select_view("Ping-pong")
        qtbot.waitUntil(lambda: window.model.rowCount() == 2 and window.model.row_of(once) is not None)
        model = window.model
        cell = model.index(model.row_of(thrice), PING_PONG)
        assert model.headerData(PING_PONG, Qt.Orientation.Horizontal) == "Ping-pong"
        qtbot.waitUntil(lambda: cell.data() == "⚠ 3")
        assert "3 times: check who should own it" in cell.data(Qt.ItemDataRole.ToolTipRole)
        assert model.index(model.row_of(once), PING_PONG).data() == "↩ 1"
        assert model.row_of(thrice) == 0  # the most returns first
    finally:
        window.shutdown()
        runner.wait()
