"""What an incident affects, driven like a user: services ticked while logging; the form warns
of an open major incident on a chosen service and links the new incident as its child; the
Related tab counts the other open incidents on the same services, follows a service added
there, and opens one of them."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services import incidents, queries
from app.services.incidents import NewIncident
from app.views.main_window import MainWindow
from app.views.new_incident import NewIncidentDialog

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


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


def test_the_form_warns_of_the_major_incident_on_the_service_and_links_the_new_one_as_its_child(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    svc = _services(world)
    major = incidents.log_incident(world.desk, world.ana, NewIncident("VPN concentrator down", impact=1, urgency=1, config_item_id=svc["E-mail"], also_affects=(svc["VPN"],)))
    incidents.mark_major(world.desk, world.carla, major.id, None)
    dialog = NewIncidentDialog(world.desk, world.ana, runner)
    qtbot.addWidget(dialog)
    dialog._dirty_ok = True  # closed by the test, whatever it finds: no question to answer
    dialog.show()
    qtbot.waitUntil(lambda: dialog.service.count() == 3 and dialog.impact.count() > 0)
    qtbot.keyClicks(dialog.title, "Cannot connect to the VPN from home")
    assert dialog.major_box.isHidden()
    dialog.service.setFocus()
    qtbot.keyClicks(dialog.service, "VPN")  # a combo box picks by typing, as a user does
    assert dialog.service.currentText() == "VPN"
    qtbot.waitUntil(dialog.major_box.isVisible)
    assert dialog.major_warning.text() == f"⚠ VPN already has an open major incident: {major.number} “VPN concentrator down”"
    assert dialog.link_major.text().replace("&", "") == f"Link this incident as a child of {major.number}"
    assert not dialog.link_major.isChecked()  # an offer: the agent accepts it
    dialog.grab().save("/tmp/major_warning.png")
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.keyClick(dialog.service, Qt.Key.Key_K, ALT)  # the offer's letter
    qtbot.waitUntil(dialog.link_major.isChecked)  # a mnemonic clicks as a user sees it: animated
    assert dialog.parent_info.text() == f"Parent: {major.number} (the major incident)"
    qtbot.keyClick(dialog, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: dialog.record is not None)
    assert dialog.record.parent_number == major.number
    assert [c.number for c in queries.children(world.desk, major.id)] == [dialog.record.number]
    assert [h.new_text for h in queries.history(world.desk, major.id) if h.field == "child"] == [dialog.record.number]
    runner.wait()


def test_no_warning_without_a_major_incident_and_it_goes_with_the_service(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    svc = _services(world)
    major = incidents.log_incident(world.desk, world.ana, NewIncident("VPN concentrator down", impact=1, urgency=1, config_item_id=svc["VPN"]))
    incidents.log_incident(world.desk, world.ana, NewIncident("Mail slow", impact=3, urgency=3, config_item_id=svc["E-mail"]))
    incidents.mark_major(world.desk, world.carla, major.id, None)
    dialog = NewIncidentDialog(world.desk, world.ana, runner)
    qtbot.addWidget(dialog)
    dialog._dirty_ok = True  # closed by the test, whatever it finds: no question to answer
    dialog.show()
    qtbot.waitUntil(lambda: dialog.service.count() == 3 and dialog.also_affects.count() == 2)
    dialog.service.setCurrentIndex(dialog.service.findText("E-mail"))  # an open one, not major
    runner.wait()
    qtbot.wait(50)
    assert dialog.major_box.isHidden()
    dialog.also_affects.setCurrentRow(_texts(dialog.also_affects).index("VPN"))
    dialog.also_affects.setFocus()
    qtbot.keyClick(dialog.also_affects, Qt.Key.Key_Space)  # an also-affected one counts too
    qtbot.waitUntil(dialog.major_box.isVisible)
    assert major.number in dialog.major_warning.text()
    dialog.link_major.setChecked(True)
    qtbot.keyClick(dialog.also_affects, Qt.Key.Key_Space)  # unticked: the warning and the link go
    qtbot.waitUntil(dialog.major_box.isHidden)
    assert dialog.linked_major() is None and dialog.new_incident().parent_id is None
    runner.wait()


def test_return_on_an_other_open_incident_opens_it(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    svc = _services(world)
    mine = incidents.log_incident(world.desk, world.ana, NewIncident("Cannot reach intranet", impact=3, urgency=3, config_item_id=svc["VPN"]))
    other = incidents.log_incident(world.desk, world.ana, NewIncident("VPN down at HQ", impact=1, urgency=1, config_item_id=svc["VPN"]))
    ana_main = MainWindow(world.desk, world.ana, runner, database="a.sqlite3")
    qtbot.addWidget(ana_main)
    ana_main.show()
    win = ana_main.open_incident(mine.id)
    qtbot.waitUntil(lambda: win.record is not None and win.related_list.count() == 1)
    win.tabs.setCurrentIndex(win.tabs.indexOf(win.related_list.parentWidget()))
    win.related_list.setFocus()
    win.related_list.setCurrentRow(0)
    with qtbot.waitSignal(win.open_requested) as opened:
        qtbot.keyClick(win.related_list, Qt.Key.Key_Return)
    assert opened.args == [other.id]
    opened_win = ana_main.incident_window(other.id)
    assert opened_win is not None and opened_win is not win
    qtbot.waitUntil(lambda: opened_win.record is not None)
    assert opened_win.windowTitle() == f"{other.number} — VPN down at HQ"
    for w in (win, opened_win):
        w.discard_ok = True
        w.close()
    ana_main.shutdown()
    runner.wait()
