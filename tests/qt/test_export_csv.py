"""File > Export view as CSV…, as a user does it: the menu by its keys, a file name, the view's
rows in the file and the count in the status bar; a folder that cannot be written is said."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from app.services import incidents
from app.services.incidents import NewIncident
from app.views.export_csv import default_name

ALT = Qt.KeyboardModifier.AltModifier


def _export_by_keys(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    file_menu = window.menuBar().actions()[0].menu()
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F, ALT)
    qtbot.waitUntil(file_menu.isVisible)
    qtbot.keyClick(file_menu, Qt.Key.Key_E)


def test_export_the_view_on_screen(
    qtbot, world, runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.qt.conftest import open_main

    for title, level in (("Payroll export fails", 1), ("Desk lamp flickers", 3)):
        incidents.log_incident(
            world.desk, world.ana, NewIncident(title=title, impact=level, urgency=level)
        )
    window = open_main(qtbot, world, runner, world.ana)
    try:
        items = window.views_list.findItems("All open", Qt.MatchFlag.MatchStartsWith)
        qtbot.mouseClick(
            window.views_list.viewport(),
            Qt.MouseButton.LeftButton,
            pos=window.views_list.visualItemRect(items[0]).center(),
        )
        qtbot.waitUntil(lambda: window.current_view().name == "All open")
        qtbot.waitUntil(lambda: window.model.rowCount() >= 2)
        target = tmp_path / "out.csv"
        asked: list[str] = []

        def save_as(parent, caption, directory, filters):  # type: ignore[no-untyped-def]
            asked.append(directory)
            return str(target), filters

        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
        _export_by_keys(qtbot, window)
        qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=10000)
        view = window.current_view().name
        assert asked and asked[0].endswith(default_name(view))
        assert window.statusBar().currentMessage() == (
            f"Exported {window.model.rowCount()} incidents of “{view}” to {target}"
        )
        rows = list(csv.reader(target.open(encoding="utf-8")))
        assert rows[0][:4] == ["Number", "Priority", "State", "Title"]
        titles = [r[3] for r in rows[1:]]
        assert titles.index("Payroll export fails") < titles.index(
            "Desk lamp flickers"
        )  # its order
    finally:
        window.shutdown()
        runner.wait()


def test_a_folder_that_cannot_be_written_is_said(
    qtbot, world, ana_window, no_dialogs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "missing" / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(bad), "")))
    _export_by_keys(qtbot, ana_window)
    qtbot.waitUntil(lambda: bool(no_dialogs), timeout=10000)
    assert no_dialogs[0].startswith(
        f"warning: Incident Desk: Cannot write {bad}: No such file or directory"
    )


def test_default_file_names() -> None:
    assert default_name("My groups' unassigned") == "my-groups-unassigned.csv"
    assert default_name("???") == "incidents.csv"
