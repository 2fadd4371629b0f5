"""What an incident affects, driven like a user: services ticked while logging; the Related tab
counts the other open incidents on the same services and follows a service added there."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services import incidents, queries
from app.services.incidents import NewIncident
from app.views.main_window import MainWindow
from app.views.new_incident import NewIncidentDialog

CTRL = Qt.KeyboardModifier.ControlModifier


def _services(world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {s.name: s.id for s in queries.services(world.desk)}


def _texts(widget) -> list[str]:  # type: ignore[no-untyped-def]
    return [widget.item(r).text() for r in range(widget.count())]


def test_services_ticked_while_logging_are_listed_on_the_incident(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    dialog = NewIncidentDialog(world.desk, world.ana, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.also_affects.count() == 2)
    qtbot.keyClicks(dialog.title, "Mail and VPN down at HQ")
    dialog.service.setCurrentIndex(dialog.service.findText("VPN"))
    dialog.also_affects.setFocus()
    dialog.also_affects.setCurrentRow(_texts(dialog.also_affects).index("E-mail"))
    qtbot.keyClick(dialog.also_affects, Qt.Key.Key_Space)  # ticks it
    assert dialog.also_affected() == [_services(world)["E-mail"]]
    qtbot.keyClick(dialog, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: dialog.record is not None)
    from app.services import affected

    assert [(a.name, a.primary) for a in affected.affected(world.desk, dialog.record.id)] == [
        ("VPN", True),
        ("E-mail", False),
    ]
    runner.wait()


def test_the_related_tab_counts_the_other_open_incidents_on_the_same_services(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    svc = {s.name: s.id for s in queries.services(world.desk)}
    mine = incidents.log_incident(world.desk, world.ana, NewIncident("Cannot reach intranet", impact=3, urgency=3, config_item_id=svc["VPN"]))
    a = incidents.log_incident(world.desk, world.ana, NewIncident("VPN down at HQ", impact=1, urgency=1, config_item_id=svc["VPN"]))
    incidents.log_incident(world.desk, world.ana, NewIncident("Tunnel flaps", impact=2, urgency=2, config_item_id=svc["E-mail"], also_affects=(svc["VPN"],)))
    ana_main = MainWindow(world.desk, world.ana, runner, database="a.sqlite3")
    qtbot.addWidget(ana_main)
    ana_main.show()
    assert ana_main.feed.wait_ready()
    win = ana_main.open_incident(mine.id)
    qtbot.waitUntil(lambda: win.record is not None and win.affected_pick.count() == 2)
    assert win.related_summary.text() == "2 other open incidents on VPN"
    assert _texts(win.related_list)[0] == f"{a.number} · 1 - Critical · New · VPN down at HQ (on VPN)"
    win.affected_pick.setCurrentIndex(win.affected_pick.findData(svc["E-mail"]))
    qtbot.mouseClick(win.affected_add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _texts(win.affected_list) == ["VPN · primary", "E-mail · service"])
    qtbot.waitUntil(lambda: win.related_summary.text() == "2 other open incidents on VPN\n1 other open incident on E-mail")
    win.tabs.setCurrentIndex(2)
    win.grab().save("/tmp/related_tab.png")
    win.discard_ok = True
    win.close()
    ana_main.shutdown()
    runner.wait()
