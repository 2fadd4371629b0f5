"""What an incident affects, driven like a user: services ticked while logging."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.services import queries
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
