"""Work is never silently changed: an incident window saves exactly what its user changed, and an
action dialog acts on the incident as its user saw it when it opened. Another workstation's
change arrives through the live feed while the user is busy."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.domain.lifecycle import State
from app.services import incidents, queries
from app.services.incidents import NewIncident

CTRL = Qt.KeyboardModifier.ControlModifier


def network_incident(world, title: str = "VPN drops every hour"):  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk, world.ana,
        NewIncident(title, description="Since Monday", impact=2, urgency=2, group_id=world.network),
    )
    return incidents.assign_to_me(world.desk, world.ben, rec.id, None)  # In progress, Ben's


def carla_window(qtbot, world, runner):  # type: ignore[no-untyped-def]
    from app.views.main_window import MainWindow

    main = MainWindow(world.desk, world.carla, runner, database="test.sqlite3")
    qtbot.addWidget(main)
    main.show()
    assert main.feed.wait_ready()
    return main


def opened(qtbot, main, incident_id: int):  # type: ignore[no-untyped-def]
    inc = main.open_incident(incident_id)
    qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
    inc.discard_ok = True  # closing at the end never asks about unsaved edits
    return inc


def type_description(qtbot, inc, text: str) -> None:  # type: ignore[no-untyped-def]
    inc.description_edit.setFocus()
    qtbot.keyClick(inc.description_edit, Qt.Key.Key_End, CTRL)
    qtbot.keyClicks(inc.description_edit, text)


def test_a_save_sends_only_what_this_user_changed(qtbot, world, runner, other_desk) -> None:  # type: ignore[no-untyped-def]
    rec = network_incident(world)
    main = carla_window(qtbot, world, runner)
    inc = opened(qtbot, main, rec.id)
    type_description(qtbot, inc, "; Carla: the concentrator restarts hourly")
    assert set(inc.dirty_fields()) == {"description"}
    # Ben renames it on his workstation; Carla's window shows it live, her typing kept
    ben = other_desk.actor("ben")
    theirs = incidents.update_fields(other_desk, ben, rec.id, None, {"title": "VPN drops every hour (office B)"})
    qtbot.waitUntil(lambda: inc.record.version == theirs.version, timeout=5000)
    assert inc.title_edit.text() == "VPN drops every hour (office B)"
    assert "Carla: the concentrator" in inc.description_edit.toPlainText()
    assert set(inc.dirty_fields()) == {"description"}  # Ben's title is not counted as hers
    qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)

    def saved() -> bool:
        r = queries.get_incident(world.desk, rec.id)
        return "Carla: the concentrator" in r.description

    qtbot.waitUntil(saved)
    assert getattr(inc, "last_conflict_dialog", None) is None  # nothing of hers met anything of his
    final = queries.get_incident(world.desk, rec.id)
    assert final.title == "VPN drops every hour (office B)"
    by_carla = {h.field for h in queries.history(world.desk, rec.id) if h.by == "Carla Supervisor"}
    assert by_carla == {"description"}  # her save holds exactly what she changed
    qtbot.waitUntil(lambda: not inc.dirty_fields())
    main.shutdown()
    runner.wait()


def test_the_same_field_changed_on_both_sides_gives_the_conflict_flow(  # type: ignore[no-untyped-def]
    qtbot, world, runner, other_desk
) -> None:
    rec = network_incident(world)
    main = carla_window(qtbot, world, runner)
    inc = opened(qtbot, main, rec.id)
    type_description(qtbot, inc, "; Carla: restarts hourly")
    ben = other_desk.actor("ben")
    theirs = incidents.update_fields(other_desk, ben, rec.id, None, {"description": "Since Monday; Ben: firmware"})
    qtbot.waitUntil(lambda: inc.record.version == theirs.version, timeout=5000)
    assert inc.description_edit.toPlainText() == "Since Monday; Carla: restarts hourly"  # hers, kept
    qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: getattr(inc, "last_conflict_dialog", None) is not None)
    dialog = inc.last_conflict_dialog
    assert dialog.contested() == {"description"}
    assert queries.get_incident(world.desk, rec.id).description == "Since Monday; Ben: firmware"
    dialog.reject()
    main.shutdown()
    runner.wait()


def test_an_action_dialog_acts_on_what_the_user_saw_when_it_opened(  # type: ignore[no-untyped-def]
    qtbot, world, runner, other_desk
) -> None:
    rec = network_incident(world)
    main = carla_window(qtbot, world, runner)
    inc = opened(qtbot, main, rec.id)
    dialog = inc.trigger("hold")
    assert dialog is not None
    reason = dialog.fields["hold_reason"]
    reason.setCurrentIndex(reason.findData("awaiting_vendor"))
    # while the dialog is open, Ben raises the urgency; the window shows it live
    ben = other_desk.actor("ben")
    theirs = incidents.set_impact_urgency(other_desk, ben, rec.id, None, 2, 1)
    qtbot.waitUntil(lambda: inc.record.version == theirs.version, timeout=5000)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.isVisible() and ok.isEnabled())
    text = dialog.message.text()
    assert f"{rec.number} was changed by someone else while this dialog was open" in text
    assert "Urgency: 2 - Medium → 1 - High (Ben Network)" in text  # in words: levels, names
    assert "Nothing was done" in text
    assert dialog.isVisible()  # the user decides, with the change in front of them
    assert queries.get_incident(world.desk, rec.id).state is State.IN_PROGRESS
    # OK again: the user has seen the change and acts on the incident as it is now
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: queries.get_incident(world.desk, rec.id).state is State.ON_HOLD)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    main.shutdown()
    runner.wait()
