"""Problems and reports as a supervisor works them: a problem made from a queue selection, its
workaround typed and flagged a known error, resolved with its two open incidents from the
Resolve dialog (each "Resolved by problem"); a problem made from the incident window, which an
agent is refused with the reason; Supervisor > Reports run and exported."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel

from app.domain.lifecycle import State
from app.domain.problems import ProblemState
from app.services import incidents, problems, queries
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow
from app.views.problems import ProblemsTableModel, ProblemsWindow
from app.views.reports import ReportsWindow, ReportTableModel
from tests.qt.conftest import open_main


def _log(world, title: str) -> int:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk, world.ben, NewIncident(title=title, impact=2, urgency=2, group_id=world.network)
    )
    return rec.id


def test_a_problem_from_the_queue_selection_is_resolved_with_its_incidents(
    qtbot, world, runner
) -> None:  # type: ignore[no-untyped-def]
    a, b = _log(world, "VPN drops every hour"), _log(world, "VPN drops for office B")
    window = open_main(qtbot, world, runner, world.carla)
    try:
        window.select_view("All open")
        qtbot.waitUntil(lambda: window.model.rowCount() == 2)
        window.table.setFocus()
        qtbot.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: set(window.selected_ids()) >= {a, b})
        window.problem_from_selection_action.trigger()
        dialog = window.problem_dialog
        assert "A problem for 2 incidents, linked to it" in [
            w.text() for w in dialog.findChildren(QLabel)
        ]
        dialog.title.selectAll()
        qtbot.keyClicks(dialog.title, "VPN concentrator memory leak")
        qtbot.keyClick(dialog.title, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: getattr(window, "problems_window", None) is not None, timeout=5000)
        pw: ProblemsWindow = window.problems_window
        qtbot.waitUntil(
            lambda: pw.record is not None and pw.record.title == "VPN concentrator memory leak"
        )
        assert pw.incidents.count() == 2
        assert pw.heading.text().startswith(
            "PRB0000002 · New"
        )  # PRB0000001 is the world's known error

        # the workaround typed, the known-error flag ticked, Ctrl+S
        pw.workaround.setFocus()
        qtbot.keyClicks(pw.workaround, "Reconnect the VPN client")
        qtbot.mouseClick(pw.known_error, Qt.MouseButton.LeftButton)
        qtbot.keyClick(pw, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: pw.message.text() == "Saved PRB0000002")
        assert "Known error" in pw.heading.text()

        qtbot.mouseClick(pw.resolve_button, Qt.MouseButton.LeftButton)
        resolve = pw.resolve_dialog
        assert resolve.cascade.isChecked()
        assert "Also resolve its 2 open incidents" in resolve.cascade.text()
        qtbot.keyClicks(resolve.fix, "Concentrator firmware 7.2")
        qtbot.mouseClick(
            resolve.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok),
            Qt.MouseButton.LeftButton,
        )
        qtbot.waitUntil(lambda: pw.last_resolution is not None)
        assert pw.message.text().startswith("PRB0000002 is Resolved; resolved INC")
        for iid in (a, b):
            rec = queries.get_incident(world.desk, iid)
            assert rec.state is State.RESOLVED and rec.resolution_code == "resolved_by_problem"
            assert (
                rec.resolution_notes == "Resolved by problem PRB0000002: Concentrator firmware 7.2"
            )
        qtbot.waitUntil(lambda: pw.state_label.text() == "Resolved")
        assert not pw.resolve_button.isEnabled()
        assert [pw.move_box.itemText(k) for k in range(pw.move_box.count())] == [
            "Closed",
            "Fix in progress",
        ]
        qtbot.waitUntil(lambda: pw.model.row_of(pw.record.id) is None)  # no longer open
        pw.grab().save("/tmp/problems-window.png")
    finally:
        window.shutdown()
        runner.wait()


def test_the_incident_window_creates_a_problem_and_an_agent_is_told_why_not(
    qtbot, world, runner
) -> None:  # type: ignore[no-untyped-def]
    iid = _log(world, "Mail queue stuck")
    agent = IncidentWindow(world.desk, world.ana, runner, iid)
    qtbot.addWidget(agent)
    agent.show()
    qtbot.waitUntil(lambda: agent.record is not None)
    assert not agent.problem_action.isEnabled()
    assert (
        "belongs to Network" in agent.problem_action.toolTip()
        or "Only" in agent.problem_action.toolTip()
    )

    window = IncidentWindow(world.desk, world.ben, runner, iid)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.record is not None)
    assert window.problem_action.isEnabled()
    window.problem_action.trigger()
    dialog = window.problem_dialog
    assert dialog.title.text() == "Mail queue stuck"  # the incident's title offered
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.record is not None and window.record.problem_number is not None)
    assert window.statusBar().currentMessage().endswith("linked to it")
    rec = problems.get_problem(world.desk, window.record.problem_number)
    assert rec.state is ProblemState.NEW and [i.id for i in rec.incidents] == [iid]


def test_the_problems_list_filters_and_its_model_passes_the_tester(
    qtbot, world, runner, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    problems.add_problem(world.desk, world.ben, "Printer driver stalls the queue")
    pw = ProblemsWindow(world.desk, world.carla, runner)
    qtbot.addWidget(pw)
    pw.show()
    qtbot.waitUntil(lambda: pw.model.rowCount() == 2)  # open ones: the world's known error too
    qtmodeltester.check(pw.model)
    pw.filter_box.setFocus()
    qtbot.keyClick(pw.filter_box, Qt.Key.Key_Down)  # All
    qtbot.keyClick(pw.filter_box, Qt.Key.Key_Down)  # Known errors
    qtbot.waitUntil(lambda: pw.model.rowCount() == 1)
    assert pw.model.rows[0].title == "Outlook 365 shared calendar crash"
    assert isinstance(pw.model, ProblemsTableModel)
    pw.table.selectRow(0)
    qtbot.waitUntil(lambda: pw.record is not None)
    assert pw.known_error.isChecked() and "safe mode" in pw.workaround.toPlainText()


def test_the_reports_window_runs_a_report_and_exports_it(
    qtbot, world, runner, qtmodeltester, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    for title in ("VPN down", "Printer jams", "Mail slow"):
        _log(world, title)
    window = ReportsWindow(world.desk, runner)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.report is not None)
    window.name_box.setFocus()
    target = window.name_box.findData("reassignments")
    while window.name_box.currentIndex() < target:
        qtbot.keyClick(window.name_box, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.report is not None and window.report.name == "reassignments")
    assert "incidents 3" in window.totals.text() and "reassigned share 0.0%" in window.totals.text()
    assert isinstance(window.model, ReportTableModel)
    qtmodeltester.check(window.model)
    assert window.model.index(0, 0).data() == "Network"
    path = window.export(str(tmp_path / "r.csv"))
    assert path is not None
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][0] == "Group now" and rows[1][:2] == ["Network", "3"]
    window.grab().save("/tmp/reports-window.png")


def test_a_problem_changed_on_another_workstation_reaches_the_open_window(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    pid = problems.add_problem(world.desk, world.ben, "Disk controller firmware")
    window = open_main(qtbot, world, runner, world.carla)
    try:
        window.select_view("All open")
        qtbot.waitUntil(lambda: window.model.showing_query())
        window.table.setFocus()
        qtbot.keyClick(
            window.table,
            Qt.Key.Key_P,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        qtbot.waitUntil(lambda: getattr(window, "problems_window", None) is not None)
        pw = window.problems_window
        qtbot.waitUntil(lambda: pw.model.row_of(pid) is not None)
        pw.table.selectRow(pw.model.row_of(pid))
        qtbot.waitUntil(lambda: pw.record is not None and pw.record.id == pid)
        problems.move_problem(
            other_desk, other_desk.actor("ben"), pid, None, "assessed", reason="Seen on 3 hosts"
        )
        qtbot.waitUntil(lambda: pw.state_label.text() == "Assessed", timeout=5000)
        qtbot.waitUntil(lambda: pw.history.count() == 2)
        assert (
            pw.history.item(0)
            .text()
            .endswith("Ben Network: state New → Assessed (Seen on 3 hosts)")
        )
    finally:
        window.shutdown()
        runner.wait()
