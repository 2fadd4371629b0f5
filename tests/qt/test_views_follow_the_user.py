"""Saved views follow the user: saved on one workstation, seen (and deleted) on another."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from app.domain.records import QueueFilter
from app.services import saved_views
from app.views.main_window import MainWindow
from app.views.settings import settings, user_key
from app.views.tasks import TaskRunner

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _names(window: MainWindow) -> list[str]:
    return [window.views_list.item(i).text() for i in range(window.views_list.count())]


def _answer_name_dialog(qtbot, name: str) -> None:  # type: ignore[no-untyped-def]
    """Type `name` into the "Save view" dialog once it is up, and press Enter."""

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(20, answer)
            return
        edit = dialog.findChild(QLineEdit)
        qtbot.keyClicks(edit, name)
        qtbot.keyClick(edit, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)


def open_main(qtbot, world, runner, actor):  # type: ignore[no-untyped-def]
    window = MainWindow(world.desk, actor, runner, database="test.sqlite3")
    qtbot.addWidget(window)
    window.show()
    assert window.feed.wait_ready()
    return window


def _second_workstation(qtbot, world, other_desk):  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    window = MainWindow(other_desk, other_desk.actor("ana"), runner, database="test.sqlite3")
    qtbot.addWidget(window)
    window.show()
    assert window.feed.wait_ready()
    return window, runner


def test_a_view_saved_on_one_workstation_appears_on_the_other(
    qtbot, world, ana_window, other_desk
) -> None:
    here = ana_window
    there, there_runner = _second_workstation(qtbot, world, other_desk)
    try:
        qtbot.waitUntil(lambda: "All open" in _names(there))
        assert "VPN work" not in _names(there)

        # workstation A: narrow the queue to a search, save it as a view
        here.select_view("All open")
        qtbot.keyClicks(here.search, "vpn")
        qtbot.keyClick(here.search, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: here.model.query.flt.text == "vpn")
        _answer_name_dialog(qtbot, "VPN work")
        qtbot.keyClick(here.table, Qt.Key.Key_S, CTRL_SHIFT)
        qtbot.waitUntil(lambda: "VPN work" in _names(here))
        qtbot.waitUntil(lambda: here.title_label.text() == "VPN work")
        assert here.views_list.currentItem().toolTip().startswith("VPN work (saved by you)")

        # workstation B: the same user's list shows it, without a restart
        qtbot.waitUntil(lambda: "VPN work" in _names(there), timeout=5000)
        there.select_view("VPN work")
        assert there.title_label.text() == "VPN work"
        assert there.model.query.flt.text == "vpn"

        # deleted on B, it goes from A too
        there.delete_view_action.trigger()
        qtbot.waitUntil(lambda: "VPN work" not in _names(there))
        qtbot.waitUntil(lambda: "VPN work" not in _names(here), timeout=5000)
        assert here.title_label.text() == "My incidents"  # A was on it: back to the first view
        assert saved_views.list_views(world.desk, world.ana) == []
    finally:
        there.shutdown()
        there_runner.shutdown()


def test_views_kept_on_this_workstation_are_imported_once(qtbot, world, runner) -> None:
    key = user_key("ana", "saved_views")
    old = [{"name": "My P1s", "filter": json.dumps({"priorities": [1], "states": ["new"]}),
            "sort": "sla", "descending": False}]
    s = settings()
    s.setValue(key, json.dumps(old))
    s.sync()

    window = open_main(qtbot, world, runner, world.ana)
    qtbot.waitUntil(lambda: "My P1s" in _names(window))
    stored = saved_views.list_views(world.desk, world.ana)
    assert [(v.name, v.flt.priorities, v.sort) for v in stored] == [("My P1s", (1,), "sla")]
    qtbot.waitUntil(lambda: settings().value(key) is None)  # read once, then no more
    window.shutdown()
    runner.wait()

    # the next start reads the database only: deleting the stored view leaves no trace
    saved_views.delete_view(world.desk, world.ana, "My P1s")
    again = open_main(qtbot, world, TaskRunner(), world.ana)
    qtbot.waitUntil(lambda: again.runner.pending() == 0)  # its own views were read
    assert _names(again) == [v.name for v in saved_views.builtin_views(world.ana)]
    again.shutdown()
    again.runner.shutdown()


def test_the_last_view_of_the_previous_session_is_reopened(qtbot, world, runner) -> None:
    saved_views.save_view(world.desk, world.ana, "Majors of mine", QueueFilter(major=True))
    s = settings()
    s.setValue(user_key("ana", "last_view"), "Majors of mine")
    s.sync()
    window = open_main(qtbot, world, runner, world.ana)
    qtbot.waitUntil(lambda: window.title_label.text() == "Majors of mine")
    assert window.model.query.flt.major is True
    window.shutdown()
    runner.wait()
