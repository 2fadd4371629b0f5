"""The priority-matrix editor, driven as an admin drives it: open it from the Admin menu, change
one cell with the keyboard, read the preview's count and list, undo and redo, save with a
reason, see the incidents' new priorities and their audit; presets, levels, names, JSON; a
version saved on another workstation arrives; an agent is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.domain.errors import PermissionDenied
from app.domain.matrix import glpi_matrix, matrix_to_json, same_grid
from app.services import incidents, queries
from app.services import matrix as matrix_service
from app.services.incidents import NewIncident
from app.views.admin.matrix_editor import MatrixEditor
from app.views.admin.models import CHANGED_ROLE, MatrixTableModel, RowsTableModel
from tests.qt.conftest import open_main


def _incidents(world):  # type: ignore[no-untyped-def]
    made = [
        incidents.log_incident(world.desk, world.ana, NewIncident(title, impact=i, urgency=u))
        for title, i, u in (
            ("Payroll export fails", 2, 1),
            ("Payroll slow for finance", 2, 1),
            ("Printer jam", 3, 3),
        )
    ]
    return made


def _editor(qtbot, world, runner, actor=None) -> MatrixEditor:  # type: ignore[no-untyped-def]
    editor = MatrixEditor(world.desk, actor or world.admin, runner)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitUntil(lambda: editor.active is not None and editor.model.rowCount() == 3)
    return editor


def _cell(editor: MatrixEditor, impact: int, urgency: int) -> str:
    return str(editor.model.index(impact - 1, urgency - 1).data())


def test_the_grid_and_row_models_pass_the_model_tester(qtmodeltester, world) -> None:  # type: ignore[no-untyped-def]
    model = MatrixTableModel(lambda i, u, p: None)
    base = queries.matrix(world.desk)
    model.show(glpi_matrix(), base)
    qtmodeltester.check(model)
    model.show(base.with_cell(1, 1, 2), base)
    qtmodeltester.check(model)
    rows = RowsTableModel(("Number", "Title"))
    rows.set_rows([("INC1", "One"), ("INC2", "Two")])
    qtmodeltester.check(rows)


def test_an_admin_changes_one_cell_by_keyboard_previews_undoes_and_saves(
    qtbot, world, runner
) -> None:  # type: ignore[no-untyped-def]
    a, b, jam = _incidents(world)
    window = open_main(qtbot, world, runner, world.admin)
    try:
        window.matrix_action.trigger()  # Admin > Priority matrix…
        editor = window._admin_windows["matrix"]
        assert isinstance(editor, MatrixEditor)
        qtbot.waitUntil(lambda: editor.active is not None and editor.model.rowCount() == 3)
        assert editor.headline.text().startswith("No change yet")
        grid = editor.grid
        grid.setFocus()
        grid.setCurrentIndex(editor.model.index(0, 0))
        qtbot.keyClick(grid, Qt.Key.Key_Down)  # impact 2, urgency 1
        qtbot.keyClick(grid, Qt.Key.Key_1)
        assert _cell(editor, 2, 1) == "1 - Critical"
        assert editor.model.index(1, 0).data(CHANGED_ROLE) is True
        assert editor.model.index(0, 0).data(CHANGED_ROLE) is False
        assert "was 2 - High in version 1" in editor.model.index(1, 0).data(
            Qt.ItemDataRole.ToolTipRole
        )
        qtbot.waitUntil(lambda: editor.headline.text() == "2 open incidents would change priority")
        assert editor.pairs_model.rows == [("2 - High", "1 - Critical", "2")]
        listed = [(r[0], r[1], r[2]) for r in editor.shifts_model.rows]
        assert listed == [
            (a.number, "Payroll export fails", "2 - High → 1 - Critical"),
            (b.number, "Payroll slow for finance", "2 - High → 1 - Critical"),
        ]
        # nothing written yet
        assert queries.get_incident(world.desk, a.id).priority == 2
        # undo, redo
        qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert _cell(editor, 2, 1) == "2 - High"
        assert editor.headline.text().startswith("No change yet")
        assert not editor.save_button.isEnabled()
        editor.redo_action.trigger()
        assert _cell(editor, 2, 1) == "1 - Critical"
        qtbot.waitUntil(lambda: editor.headline.text() == "2 open incidents would change priority")
        # save wants a reason
        assert not editor.save_button.isEnabled()
        qtbot.keyClicks(editor.reason, "Payroll is business-critical")
        assert editor.save_button.isEnabled()
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: editor.status.text() == "Saved as version 2: 2 open incidents re-prioritised"
        )
        qtbot.waitUntil(
            lambda: editor.active is not None and editor.active.version == 2 and not editor._saving
        )
        assert editor.active_label.text().startswith("Active: version 2, saved by Dev Admin")
        assert (
            editor.status.text() == "Saved as version 2: 2 open incidents re-prioritised"
        )  # not "elsewhere"
        # the History tab: the cell that changed, who, which version
        qtbot.waitUntil(
            lambda: (
                (
                    "Dev Admin",
                    "2",
                    "Impact 2 - Medium x Urgency 1 - High",
                    "2 - High",
                    "1 - Critical",
                )
                in [r[1:] for r in editor.history_model.rows]
            )
        )
        assert editor.model.index(1, 0).data(CHANGED_ROLE) is False  # the markers compare with v2
        assert editor.headline.text().startswith("No change yet")
        for rec in (a, b):
            now = queries.get_incident(world.desk, rec.id)
            assert (now.priority, now.matrix_version) == (1, 2)
            why = [h for h in queries.history(world.desk, rec.id) if h.field == "priority"][-1]
            assert (why.old, why.new, why.reason, why.by) == (
                "2",
                "1",
                "Payroll is business-critical",
                "Dev Admin",
            )
        assert queries.get_incident(world.desk, jam.id).priority == 5
        editor.close()
    finally:
        window.shutdown()
        runner.wait()


def test_an_agent_is_refused_in_the_menu_and_at_the_door(qtbot, world, runner, no_dialogs) -> None:  # type: ignore[no-untyped-def]
    window = open_main(qtbot, world, runner, world.ana)
    try:
        assert not window.matrix_action.isEnabled()
        assert window.matrix_action.toolTip().startswith("Only an admin may configure the desk")
        assert window.open_matrix_editor() is None
        assert len(no_dialogs) == 1 and "Only an admin may configure the desk" in no_dialogs[0]
        assert "ana is an agent" in no_dialogs[0]
        with pytest.raises(PermissionDenied):
            MatrixEditor(world.desk, world.carla, runner)
    finally:
        window.shutdown()
        runner.wait()


def test_a_digit_beyond_the_priorities_is_refused_in_words(
    qtbot, world, runner, no_dialogs
) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, world, runner)
    editor.grid.setFocus()
    editor.grid.setCurrentIndex(editor.model.index(2, 2))
    qtbot.keyClick(editor.grid, Qt.Key.Key_7)
    assert editor.status.text() == "No priority 7: this matrix has 5 (1 to 5)"
    assert _cell(editor, 3, 3) == "5 - Planning" and not editor.dirty()
    qtbot.keyClick(editor.grid, Qt.Key.Key_Left)
    qtbot.keyClick(editor.grid, Qt.Key.Key_3)
    assert _cell(editor, 3, 2) == "3 - Moderate"


def test_levels_presets_names_and_revert_are_undoable(qtbot, world, runner, no_dialogs) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, world, runner)
    editor.add_impact_action.trigger()
    assert editor.model.rowCount() == 4
    assert editor.model.headerData(3, Qt.Orientation.Vertical) == "Impact 4 - Level 4"
    assert editor.impact_names.edits[3].text() == "Level 4"
    edit = editor.impact_names.edits[3]
    edit.selectAll()
    qtbot.keyClicks(edit, "Single user")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert editor.model.headerData(3, Qt.Orientation.Vertical) == "Impact 4 - Single user"
    editor.stack.undo()
    assert editor.model.headerData(3, Qt.Orientation.Vertical) == "Impact 4 - Level 4"
    editor.stack.undo()
    assert editor.model.rowCount() == 3 and not editor.dirty()
    assert not editor.remove_urgency_action.isEnabled()  # 3 is the fewest
    # the GLPI preset, then Revert
    glpi = next(a for a in editor.presets_menu.actions() if a.text() == "GLPI 5x5")
    glpi.trigger()
    assert (editor.model.rowCount(), editor.model.columnCount()) == (5, 5)
    assert _cell(editor, 1, 1) == "1 - Very high"
    assert not editor.add_impact_action.isEnabled()
    editor.revert_action.trigger()
    assert (editor.model.rowCount(), editor.model.columnCount()) == (3, 3) and not editor.dirty()
    editor.stack.undo()  # Revert is undoable too
    assert editor.model.rowCount() == 5


def test_import_and_export_json_and_a_bad_file_is_refused(
    qtbot, world, runner, tmp_path: Path, no_dialogs
) -> None:  # type: ignore[no-untyped-def]
    editor = _editor(qtbot, world, runner)
    good = tmp_path / "glpi.json"
    good.write_text(json.dumps(matrix_to_json(glpi_matrix())), encoding="utf-8")
    assert editor.import_file(good)
    assert editor.draft is not None and same_grid(editor.draft, glpi_matrix())
    bad = tmp_path / "broken.json"
    bad.write_text(
        json.dumps({**matrix_to_json(glpi_matrix()), "cells": [[1, 2, 3]]}), encoding="utf-8"
    )
    assert not editor.import_file(bad)
    assert no_dialogs and "broken.json: The matrix has 1 rows for 5 impact levels" in no_dialogs[-1]
    assert same_grid(editor.draft, glpi_matrix())  # the draft stays
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"impact": ["Élevé"]}'.encode("latin-1"))
    assert not editor.import_file(latin)
    assert "latin.json is not UTF-8 text (byte 13 cannot be read)" in no_dialogs[-1]
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    assert not editor.import_file(deep)
    assert "deep.json is not JSON: lists and objects nested more than 500 levels" in no_dialogs[-1]
    assert same_grid(editor.draft, glpi_matrix())
    out = tmp_path / "out.json"
    assert editor.export_file(out)
    assert json.loads(out.read_text(encoding="utf-8"))["cells"] == [
        list(r) for r in glpi_matrix().cells
    ]


def test_a_version_saved_on_another_workstation_reaches_the_editor(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    _incidents(world)
    window = open_main(qtbot, world, runner, world.admin)
    try:
        editor = window.open_matrix_editor()
        assert isinstance(editor, MatrixEditor)
        qtbot.waitUntil(lambda: editor.active is not None)
        there = other_desk.actor("admin")
        matrix_service.apply_matrix(other_desk, there, glpi_matrix(), "GLPI everywhere")
        qtbot.waitUntil(
            lambda: editor.active is not None and editor.active.version == 2, timeout=10_000
        )
        assert editor.model.rowCount() == 5 and _cell(editor, 1, 1) == "1 - Very high"
        assert (
            editor.status.text()
            == "Version 2 was saved on another workstation: the editor shows it"
        )
        assert editor.active_label.text().endswith(": GLPI everywhere")
    finally:
        window.shutdown()
        runner.wait()


def test_an_open_new_incident_form_takes_a_matrix_saved_elsewhere(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    window = open_main(qtbot, world, runner, world.ana)
    try:
        form = window.new_incident()
        qtbot.waitUntil(lambda: form.impact.count() == 3)
        form.impact.setCurrentIndex(0)
        form.urgency.setCurrentIndex(0)
        qtbot.waitUntil(lambda: form.priority_info.text().startswith("1 - Critical"))
        matrix_service.apply_matrix(
            other_desk, other_desk.actor("admin"), glpi_matrix(), "GLPI everywhere"
        )
        qtbot.waitUntil(lambda: form.impact.count() == 5, timeout=10_000)
        assert [form.impact.itemText(i) for i in range(2)] == ["1 - Very high", "2 - High"]
        assert form.impact.currentText() == "1 - Very high"  # the chosen level stays chosen
        qtbot.waitUntil(lambda: form.priority_info.text().startswith("1 - Very high"))
        form.reject()
    finally:
        window.shutdown()
        runner.wait()
