"""File > Import…, as an admin does it: a file typed in, its first rows and the guessed columns,
one column changed by keyboard, Import, the progress dialog, and the result page (rows,
incidents, problems by line, the error report's path); a cancelled import keeps what it
committed and says so."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWizard

from app.services import imports, queries
from app.views.import_wizard import ImportWizard, PreviewTableModel

TICKETS = """\
Ticket,Summary,Reporter,Team,Impact,Urgency,Status,Opened,Resolved
T-1,Printer jams on floor 3,Jane Roe,Service Desk,2,3,Resolved,2026-01-05 09:10,2026-01-05 11:00
T-2,VPN drops every ten minutes,John Doe,Network,1,1,In Progress,2026-01-06 08:00,
T-3,Mail is slow,Jane Roe,Service Desk,2,2,Escalated,2026-01-06 10:00,
T-4,Laptop screen broken,Ann Lee,Service Desk,3,3,New,2026-01-06 12:30,
"""


def _next(qtbot, wizard: ImportWizard, which: QWizard.WizardButton) -> None:  # type: ignore[no-untyped-def]
    button = wizard.button(which)
    qtbot.waitUntil(button.isEnabled, timeout=10000)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def open_wizard(qtbot, world, runner) -> ImportWizard:  # type: ignore[no-untyped-def]
    wizard = ImportWizard(world.desk, runner, world.admin)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def test_a_csv_imported_through_the_wizard(qtbot, world, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tickets.csv"
    path.write_text(TICKETS, "utf-8")
    wizard = open_wizard(qtbot, world, runner)
    try:
        page = wizard.file_page
        assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # no file yet
        qtbot.keyClicks(page.path, str(path))
        _next(qtbot, wizard, QWizard.WizardButton.NextButton)
        mapping = wizard.mapping_page
        qtbot.waitUntil(lambda: mapping.model.rowCount() == 4, timeout=10000)
        assert mapping.model.headerData(0, Qt.Orientation.Horizontal) == "Ticket"
        assert mapping.model.headerData(0, Qt.Orientation.Vertical) == "2"  # line 2 of the file
        assert "guessed from their names" in mapping.note.text()
        guessed = {n: c.currentText() for n, c in mapping.combos.items() if c.currentData()}
        assert guessed == {
            "number": "Ticket",
            "title": "Summary",
            "caller": "Reporter",
            "group": "Team",
            "impact": "Impact",
            "urgency": "Urgency",
            "state": "Status",
            "opened_at": "Opened",
            "resolved_at": "Resolved",
        }
        # the user says the urgency column is not to be imported: by keyboard, on its combo
        urgency = mapping.combos["urgency"]
        urgency.setFocus()
        qtbot.keyClick(urgency, Qt.Key.Key_Home)
        assert urgency.currentData() is None
        wizard.grab().save(str(tmp_path / "mapping.png"))
        _next(qtbot, wizard, QWizard.WizardButton.CommitButton)
        result = wizard.result_page
        qtbot.waitUntil(lambda: result.result is not None, timeout=20000)
        assert result.title() == "Import done"
        assert result.summary.text().startswith(
            "4 rows read, 3 incidents imported (0 already there), 1 problem found"
        )
        assert [result.problems.item(i).text() for i in range(result.problems.count())] == [
            "line 4: T-3: unknown state 'Escalated'; row skipped"
        ]
        report = path.with_name("tickets.csv.errors.csv")
        assert result.report.text() == f"Error report: {report}"
        assert report.read_text("utf-8").splitlines()[1].startswith("4,T-3")
        wizard.grab().save(str(tmp_path / "result.png"))
        vpn = [h for h in queries.search(world.desk, "VPN drops") if h.title.startswith("VPN")]
        rec = queries.get_incident(world.desk, vpn[0].number)
        assert (rec.group_name, rec.impact, rec.urgency) == ("Network", 1, 3)  # urgency dropped
        kept = imports.saved_mapping(world.desk, TICKETS.splitlines()[0].split(","))
        assert kept is not None and "Urgency" not in kept.columns
        _next(qtbot, wizard, QWizard.WizardButton.FinishButton)
        qtbot.waitUntil(lambda: not wizard.isVisible())
    finally:
        runner.wait()


def test_cancel_keeps_what_was_committed(
    qtbot, world, runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    rows = [TICKETS.splitlines()[0]]
    for i in range(1, 13):
        rows.append(f"C-{i},Case {i},Jane Roe,Service Desk,3,3,New,2026-01-06 10:{i:02d},")
    path = tmp_path / "cases.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    monkeypatch.setattr(imports, "BATCH", 3)
    go = threading.Event()
    real = imports._write
    calls = {"n": 0}

    def held(*args, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:  # the second batch waits until the user has pressed Cancel
            go.wait(10)
        return real(*args, **kw)

    monkeypatch.setattr(imports, "_write", held)
    wizard = open_wizard(qtbot, world, runner)
    try:
        qtbot.keyClicks(wizard.file_page.path, str(path))
        _next(qtbot, wizard, QWizard.WizardButton.NextButton)
        qtbot.waitUntil(lambda: wizard.mapping_page.model.rowCount() == 12, timeout=10000)
        _next(qtbot, wizard, QWizard.WizardButton.CommitButton)
        qtbot.waitUntil(
            lambda: wizard.progress is not None and wizard.progress.value() == 3, timeout=10000
        )
        progress = wizard.progress
        assert progress is not None and progress.maximum() == 12
        assert "Importing 12 rows of cases.csv" in progress.labelText()
        qtbot.mouseClick(
            progress.findChild(QPushButton),
            Qt.MouseButton.LeftButton,
        )
        go.set()
        result = wizard.result_page
        qtbot.waitUntil(lambda: result.result is not None, timeout=20000)
        assert result.title() == "Import cancelled"
        assert "6 incidents imported" in result.summary.text()
        assert "importing the file again goes on from there" in result.summary.text()
        assert imports.imported_count(world.desk, "csv") == 6
        qtbot.waitUntil(lambda: wizard.progress is None)
    finally:
        go.set()
        runner.wait()


def test_the_preview_model_passes_the_model_tester(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = PreviewTableModel()
    model.set_rows(["a", "b"], [["1", "2"], ["3"]])
    qtmodeltester.check(model)
    assert model.data(model.index(1, 1)) == ""


def test_file_import_opens_the_wizard_for_an_admin_only(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    from tests.qt.conftest import open_main

    agent = open_main(qtbot, world, runner, world.ana)
    try:
        assert not agent.import_action.isEnabled()
        assert agent.import_action.toolTip()  # the one answer says why not
    finally:
        agent.shutdown()
    window = open_main(qtbot, world, runner, world.admin)
    try:
        assert window.import_action.isEnabled()
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        file_menu = window.menuBar().actions()[0].menu()
        qtbot.keyClick(
            QApplication.focusWidget() or window, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier
        )
        qtbot.waitUntil(file_menu.isVisible)
        qtbot.keyClick(file_menu, Qt.Key.Key_I)
        qtbot.waitUntil(lambda: bool(window.findChildren(ImportWizard)))
        wizard = window.findChildren(ImportWizard)[0]
        qtbot.waitUntil(wizard.isVisible)
        assert wizard.currentPage() is wizard.file_page
        wizard.reject()
    finally:
        window.shutdown()
        runner.wait()


def test_a_servicenow_export_through_the_wizard(qtbot, world, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.intake.test_imports import SERVICENOW, first_incidents, write_csv

    header, rows = first_incidents(SERVICENOW, "number", 5)
    path = write_csv(tmp_path / "sn.csv", header, rows)
    wizard = open_wizard(qtbot, world, runner)
    try:
        qtbot.keyClicks(wizard.file_page.path, str(path))
        wizard.file_page.format.setFocus()
        qtbot.keyClick(wizard.file_page.format, Qt.Key.Key_Down)
        assert wizard.file_page.kind() == "servicenow"
        _next(qtbot, wizard, QWizard.WizardButton.NextButton)
        page = wizard.mapping_page
        qtbot.waitUntil(lambda: page.model.rowCount() == min(len(rows), 20), timeout=10000)
        assert not page.fields.isVisibleTo(wizard)  # its columns are known: nothing to map
        _next(qtbot, wizard, QWizard.WizardButton.CommitButton)
        qtbot.waitUntil(lambda: wizard.result_page.result is not None, timeout=20000)
        assert wizard.result_page.summary.text().startswith(
            f"{len(rows)} rows read, 5 incidents imported (0 already there), 0 problems found"
        )
        assert wizard.result_page.report.text() == "No problems: no error report."
        assert imports.imported_count(world.desk, "servicenow") == 5
    finally:
        runner.wait()
