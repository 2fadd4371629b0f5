"""Scenarios 5 and 6: another workstation changes incidents and this one shows it without a
reset; editing over someone else's change shows both sides and merges, nothing lost."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from app.services import incidents, queries
from app.services.incidents import NewIncident
from app.views.dialogs import ConflictDialog
from app.views.incident import IncidentWindow
from app.views.queue_model import ASSIGNEE, ID_ROLE, PRIORITY
from tests.qt.conftest import BOTH_ENGINES

CTRL = Qt.KeyboardModifier.ControlModifier

pytestmark = pytest.mark.parametrize("world", BOTH_ENGINES, indirect=True)


def test_second_workstation_change_shows_up_live(qtbot, world, ana_window, other_desk) -> None:
    window = ana_window
    window.select_view("All open")
    first = incidents.log_incident(world.desk, world.ana, NewIncident("Laptop slow", impact=3, urgency=3))
    qtbot.waitUntil(lambda: window.model.row_of(first.id) is not None)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().setCurrentIndex(window.model.index(window.model.row_of(first.id), 0), flags)
    resets: list[bool] = []
    window.model.modelReset.connect(lambda: resets.append(True))

    # workstation B: a P1 is logged for Network and Ben takes it
    ben = other_desk.actor("ben")
    vpn = incidents.log_incident(
        other_desk, ben, NewIncident("VPN down for office B", impact=1, urgency=1, category_id=world.vpn_category)
    )
    incidents.assign_to_me(other_desk, ben, vpn.id, None)

    def shown() -> bool:
        row = window.model.row_of(vpn.id)
        return (
            row == 0
            and window.model.index(row, ASSIGNEE).data() == "Ben Network"
            and window.model.index(row, PRIORITY).data() == "1 - Critical"
        )

    qtbot.waitUntil(shown, timeout=5000)
    assert not resets
    # selection stays on the incident it was on
    selected = [i.data(ID_ROLE) for i in window.table.selectionModel().selectedRows()]
    assert selected == [first.id]
    qtbot.waitUntil(lambda: window.count_label.text() == "2 incidents")


def test_open_incident_updates_when_changed_elsewhere(qtbot, world, ana_window, other_desk) -> None:
    window = ana_window
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Wi-Fi drops", impact=3, urgency=3))
    inc = window.open_incident(rec.id)
    qtbot.waitUntil(lambda: inc.record is not None)
    incidents.set_impact_urgency(other_desk, other_desk.actor("carla"), rec.id, None, 1, 1)
    qtbot.waitUntil(lambda: "Critical" in inc.priority_label.text(), timeout=5000)
    assert "someone else" in inc.banner.text()
    inc.close()


def test_conflict_shows_both_sides_and_merges(qtbot, world, runner, other_desk) -> None:
    rec = incidents.log_incident(
        world.desk, world.ana,
        NewIncident("VPN drops every hour", description="Since Monday", impact=2, urgency=2, group_id=world.network),
    )  # Network's incident: Ben works it; Carla (supervisor) may change any incident
    ben = world.desk.actor("ben")
    inc = IncidentWindow(world.desk, ben, runner, rec.id)
    qtbot.addWidget(inc)
    inc.show()
    qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
    # Ben edits the description and the urgency...
    inc.description_edit.setFocus()
    qtbot.keyClick(inc.description_edit, Qt.Key.Key_End, CTRL)
    qtbot.keyClicks(inc.description_edit, "; Ben: the concentrator restarts hourly")
    inc.urgency_edit.setCurrentIndex(2)
    inc.urgency_edit.activated.emit(2)
    assert set(inc.dirty_fields()) == {"description", "urgency"}
    # ...while Carla, on another workstation, adds a work note and raises the urgency
    ana = other_desk.actor("carla")
    incidents.add_journal(other_desk, ana, rec.id, "work_note", "Caller says it is urgent")
    incidents.set_impact_urgency(other_desk, ana, rec.id, None, 2, 1)
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    qtbot.keyClick(inc, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: getattr(inc, "last_conflict_dialog", None) is not None)
    dialog: ConflictDialog = inc.last_conflict_dialog
    assert "urgency" in dialog.theirs and dialog.theirs["urgency"].by == "carla"
    assert dialog.contested() == {"urgency"}
    # nothing was saved, nothing typed was lost
    assert "Ben: the concentrator" in inc.description_edit.toPlainText()
    dialog.take_theirs("urgency")
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)

    def merged() -> bool:
        r = queries.get_incident(world.desk, rec.id)
        return "Ben: the concentrator" in r.description and r.urgency == 1

    qtbot.waitUntil(merged)
    qtbot.waitUntil(lambda: not inc.dirty_fields())
    final = queries.get_incident(world.desk, rec.id)
    assert final.description.startswith("Since Monday") and final.priority == 2
    notes = [j.body for j in queries.journal(world.desk, rec.id)]
    assert "Caller says it is urgent" in notes
    inc.close()
    runner.wait()
