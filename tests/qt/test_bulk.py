"""Bulk actions from the queue, driven like a supervisor: select (Ctrl+A), Ctrl+Shift+B, choose,
Apply; one incident changed meanwhile on a second workstation conflicts (with who), the rest are
done, each audited; a large selection shows a progress dialog whose Cancel stops between two."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from sqlalchemy import text

from app.domain.errors import PermissionDenied
from app.services import incidents, queries
from app.services.bulk import BulkAction, BulkKind, Item, Outcome, apply_one
from app.services.incidents import NewIncident
from app.views.bulk import BulkResultTableModel
from tests.qt.conftest import open_main

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _log(world, n: int) -> list:  # type: ignore[no-untyped-def]
    return [
        incidents.log_incident(
            world.desk,
            world.admin,
            NewIncident(f"Printer {i} offline", group_id=world.service_desk),
        )
        for i in range(n)
    ]


def _open_bulk(qtbot, world, runner, n: int):  # type: ignore[no-untyped-def]
    recs = _log(world, n)
    window = open_main(qtbot, world, runner, world.carla)
    window.select_view("All open")
    qtbot.waitUntil(lambda: window.model.rowCount() == n)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A, CTRL)
    assert len(window.selected_ids()) == n
    qtbot.keyClick(window.table, Qt.Key.Key_B, CTRL | SHIFT)
    dialog = window.bulk_dialog
    qtbot.waitUntil(dialog.apply_button.isEnabled)
    return window, dialog, recs


def test_bulk_reassign_with_one_changed_meanwhile(qtbot, world, runner, other_desk) -> None:  # type: ignore[no-untyped-def]
    window, dialog, recs = _open_bulk(qtbot, world, runner, 5)
    assert dialog.windowTitle() == "Bulk change: 5 incidents"
    # meanwhile, on Ana's workstation, one of them is raised
    changed = recs[2]
    incidents.set_impact_urgency(
        other_desk, other_desk.actor("ana"), changed.id, changed.version, 1, 2
    )
    qtbot.keyClicks(dialog.group, "Network")
    assert dialog.group.currentText() == "Network (line 2)"
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            getattr(dialog, "result_dialog", None) is not None and dialog.result_dialog.isVisible()
        )
    )
    shown = dialog.result_dialog
    model = shown.table.model()
    rows = [[model.index(r, c).data() for c in range(3)] for r in range(model.rowCount())]
    assert shown.summary.text() == "4 done, 1 conflicted."
    assert [r[1] for r in rows] == ["Done", "Done", "Conflicted", "Done", "Done"]
    assert rows[2][0] == changed.number and rows[2][2].startswith(
        "Changed meanwhile by Ana Agent ("
    )
    assert rows[0][2] == "Assigned to Network"
    after = {r.number: queries.get_incident(world.desk, r.number) for r in recs}
    assert [after[r.number].group_name for r in recs] == [
        "Network",
        "Network",
        "Service Desk",
        "Network",
        "Network",
    ]
    with world.desk.read() as conn:
        audited = (
            conn.execute(
                text(
                    "SELECT a.incident_id FROM audit a JOIN agents g ON g.id = a.agent_id "
                    "WHERE a.field = 'group_id' AND g.username = 'carla' ORDER BY a.incident_id"
                )
            )
            .scalars()
            .all()
        )
    assert audited == [
        r.id for r in recs if r.id != changed.id
    ]  # each done one audited, as Carla's
    shown.grab().save("/tmp/x/bulk_results.png")
    window.shutdown()
    runner.wait()


def test_a_large_selection_shows_progress_and_cancel_stops_between_two(
    qtbot, world, runner
) -> None:  # type: ignore[no-untyped-def]
    window, dialog, _recs = _open_bulk(qtbot, world, runner, 12)
    qtbot.keyClicks(dialog.kind, "Add")
    assert dialog.kind.currentText() == "Add note"
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert "The note is empty" in dialog.message.text()  # said before anything is sent
    assert dialog.results.rowCount() == 0
    dialog.note.setFocus()
    qtbot.keyClicks(dialog.note, "Vendor called: a fix is coming")
    dialog.grab().save("/tmp/x/bulk_dialog.png")
    cancelled: list[bool] = []

    def cancel_after_two(*_args: object) -> None:
        if dialog.results.rowCount() == 2 and not cancelled:
            cancelled.append(True)
            button = dialog.progress.findChild(QPushButton)
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    dialog.results.rowsInserted.connect(cancel_after_two)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert dialog.progress is not None and dialog.progress.maximum() == 12
    qtbot.waitUntil(lambda: getattr(dialog, "result_dialog", None) is not None)
    outcomes = dialog.results.outcomes()
    done = [o for o in outcomes if o.outcome is Outcome.DONE]
    assert 2 <= len(done) <= 3  # the one under way when Cancel was pressed finishes
    assert all(
        o.detail == "Cancelled before its turn" for o in outcomes if o.outcome is Outcome.NOT_DONE
    )
    assert len(outcomes) == 12
    with world.desk.read() as conn:
        notes = conn.execute(
            text("SELECT count(*) FROM journal WHERE body = 'Vendor called: a fix is coming'")
        ).scalar_one()
    assert notes == len(done)
    window.shutdown()
    runner.wait()


def test_refusals_come_back_in_words_and_an_agent_may_not_bulk(qtbot, world) -> None:  # type: ignore[no-untyped-def]
    rec = _log(world, 1)[0]
    item = Item(rec.id, rec.number, rec.version)
    got = apply_one(
        world.desk,
        world.carla,
        BulkAction(BulkKind.RESOLVE, code="solution_provided", text=" "),
        item,
    )
    assert (got.outcome, got.detail) == (
        Outcome.REFUSED,
        "Resolution notes are required: say what restored the service",
    )
    got = apply_one(
        world.desk,
        world.carla,
        BulkAction(BulkKind.PRIORITY, priority=1, reason="VIP caller"),
        item,
    )
    assert (got.outcome, got.detail) == (Outcome.DONE, "Priority 1 - Critical")
    with pytest.raises(PermissionDenied):
        apply_one(world.desk, world.ana, BulkAction(BulkKind.CLOSE), item)


def test_the_result_model_passes_the_model_tester(qapp, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    from app.services.bulk import BulkOutcome

    model = BulkResultTableModel([BulkOutcome(1, "INC0000001", Outcome.DONE, "Closed")])
    model.add(BulkOutcome(2, "INC0000002", Outcome.CONFLICTED, "Changed meanwhile by Ana"))
    qtmodeltester.check(model)
    assert QApplication.instance() is not None


def test_ctrl_a_selects_the_whole_filtered_view_also_the_rows_not_read(
    qtbot, world, runner, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Over a filtered view read in small pieces (a first page of 3, keys 4 at a time: a
    million-row view in small), Ctrl+A selects every row of the view; the bulk dialog gets
    every incident, those whose rows the queue never read looked up by id."""
    from app.views import queue_model

    monkeypatch.setattr(queue_model, "FIRST_PAGE", 3)
    monkeypatch.setattr(queue_model, "KEY_CHUNK", 4)
    recs = _log(world, 11)
    incidents.log_incident(
        world.desk, world.admin, NewIncident("VPN drops", group_id=world.network)
    )
    window = open_main(qtbot, world, runner, world.carla)
    try:
        window.model.set_filter(queue_model.QueueFilter(group_ids=(world.service_desk,)))
        qtbot.waitUntil(lambda: window.model.showing_query())
        window.table.setFocus()
        qtbot.keyClick(window.table, Qt.Key.Key_A, CTRL)
        qtbot.waitUntil(lambda: len(window.selected_ids()) == 11)
        assert set(window.selected_ids()) == {r.id for r in recs}
        assert not window.model.has_more()
        assert "11 incidents selected" in window.statusBar().currentMessage()
        # as if the queue had never read the rows of the first five (beyond the screen)
        unread = {r.id for r in recs[:5]}
        cached = window.model.cached_row
        monkeypatch.setattr(
            window.model, "cached_row", lambda i: None if i in unread else cached(i)
        )
        qtbot.keyClick(window.table, Qt.Key.Key_B, CTRL | SHIFT)
        qtbot.waitUntil(lambda: getattr(window, "bulk_dialog", None) is not None)
        dialog = window.bulk_dialog
        assert [i.incident_id for i in dialog.items] == window.selected_ids()
        assert {(i.incident_id, i.number, i.version) for i in dialog.items} == {
            (r.id, r.number, r.version) for r in recs
        }
        dialog.reject()
    finally:
        window.shutdown()
        runner.wait()
