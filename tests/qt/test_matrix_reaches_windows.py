"""A matrix saved on another workstation reaches an incident window open on this one: its impact
and urgency levels are the new matrix's and its priority is the one the new version gave it,
while what the agent typed and did not save stays."""

from __future__ import annotations

import pytest

from app.domain.matrix import glpi_matrix
from app.services import incidents
from app.services import matrix as matrix_service
from app.services.incidents import NewIncident
from tests.qt.conftest import BOTH_ENGINES, open_main


@pytest.mark.parametrize("world", BOTH_ENGINES, indirect=True)
def test_an_open_incident_window_takes_a_matrix_saved_elsewhere(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(
        world.desk, world.ana, NewIncident("Payroll export fails", impact=2, urgency=1)
    )
    other = incidents.log_incident(
        world.desk, world.ana, NewIncident("Printer jam", impact=3, urgency=3)
    )
    main = open_main(qtbot, world, runner, world.ana)
    try:
        win = main.open_incident(rec.id)
        jam = main.open_incident(other.id)
        for w in (win, jam):
            qtbot.waitUntil(lambda w=w: w.record is not None and w._lookups is not None)
        assert win.priority_label.text() == "2 - High"
        assert win.impact_edit.count() == 3
        jam.urgency_edit.setCurrentIndex(jam.urgency_edit.findData(2))  # typed, not saved
        assert "urgency" in jam.dirty_fields()

        glpi = glpi_matrix()
        matrix_service.apply_matrix(
            other_desk, other_desk.actor("admin"), glpi, "GLPI's matrix everywhere"
        )

        # the moved incident: the new levels and the priority version 2 gave it
        qtbot.waitUntil(lambda: win.impact_edit.count() == 5, timeout=10_000)
        assert [win.impact_edit.itemText(i) for i in range(5)] == [
            label for _n, label in glpi.impact_levels()
        ]
        assert win.impact_edit.currentData() == 2 and win.urgency_edit.currentData() == 1
        expected = glpi.priority_label(glpi.priority(2, 1))
        assert expected != "2 - High"
        qtbot.waitUntil(lambda: win.priority_label.text() == expected, timeout=10_000)
        assert win.record is not None and win.record.matrix_version == 2

        # the other window has the new levels too and keeps the urgency its agent chose
        qtbot.waitUntil(lambda: jam.urgency_edit.count() == 5, timeout=10_000)
        assert jam.urgency_edit.currentData() == 2
        assert jam.urgency_edit.currentText() == glpi.urgency_label(2)
        assert "urgency" in jam.dirty_fields()
        qtbot.waitUntil(
            lambda: jam.priority_label.text() == glpi.priority_label(glpi.priority(3, 3)),
            timeout=10_000,
        )
        for w in (win, jam):
            w.discard_ok = True
            w.close()
    finally:
        main.shutdown()
        runner.wait()
