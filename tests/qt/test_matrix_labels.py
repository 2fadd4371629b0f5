"""Priority labels and colours come from the active priority matrix, in every window: the queue,
its priority filter, the incident window and the new-incident form (GLPI's 5x5 says "Very high",
never "Critical"); every priority the matrix defines can be filtered; colours for any number of
priorities."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.domain.matrix import PriorityMatrix, glpi_matrix
from app.services import incidents, matrix
from app.services.incidents import NewIncident
from app.views.colors import priority_color, priority_pair
from app.views.incident import IncidentWindow
from app.views.new_incident import NewIncidentDialog
from app.views.queue_model import ID_ROLE, PRIORITY, Query, QueueTableModel

SIX = PriorityMatrix(
    ("Enterprise", "Site", "Team", "User"),
    ("Now", "Today", "This week", "Later"),
    ("Emergency", "Critical", "High", "Normal", "Low", "Backlog"),
    ((1, 2, 3, 4), (2, 3, 4, 5), (3, 4, 5, 6), (4, 5, 6, 6)),
)


def _main(qtbot, world, runner):  # type: ignore[no-untyped-def]
    from app.views.main_window import MainWindow

    window = MainWindow(world.desk, world.ana, runner, database="test.sqlite3")
    qtbot.addWidget(window)
    window.show()
    assert window.feed.wait_ready()
    return window


def _row_of(window, incident_id: int) -> int | None:  # type: ignore[no-untyped-def]
    return window.model.row_of(incident_id)


def _label_of(window, incident_id: int) -> str | None:  # type: ignore[no-untyped-def]
    row = _row_of(window, incident_id)
    return None if row is None else window.model.index(row, PRIORITY).data()


def _filter_items(window) -> list[str]:  # type: ignore[no-untyped-def]
    combo = window.priority_filter
    return [combo.itemText(i) for i in range(combo.count())]


def test_under_glpis_matrix_the_queue_and_the_incident_both_say_very_high(qtbot, world, runner) -> None:
    matrix.save(world.desk, world.admin, glpi_matrix(), note="GLPI's default")
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Core switch down", impact=1, urgency=1))
    assert rec.priority_label == "1 - Very high"
    window = _main(qtbot, world, runner)
    try:
        window.select_view("All open")
        qtbot.waitUntil(lambda: _label_of(window, rec.id) == "1 - Very high")
        qtbot.waitUntil(lambda: _filter_items(window) == [
            "Any priority", "1 - Very high", "2 - High", "3 - Medium", "4 - Low", "5 - Very low",
        ])
        window.table.setFocus()
        window.table.setCurrentIndex(window.model.index(_row_of(window, rec.id), 0))
        qtbot.keyClick(window.table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.incident_window(rec.id) is not None)
        inc: IncidentWindow = window.incident_window(rec.id)  # type: ignore[assignment]
        qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
        assert inc.priority_label.text() == "1 - Very high"
        impacts = [inc.impact_edit.itemText(i) for i in range(inc.impact_edit.count())]
        assert impacts == ["1 - Very high", "2 - High", "3 - Medium", "4 - Low", "5 - Very low"]
        assert inc.impact_edit.currentText() == "1 - Very high" and not inc.dirty_fields()
        inc.close()
    finally:
        window.shutdown()
        runner.wait()


def test_every_priority_the_matrix_defines_can_be_filtered(qtbot, world, runner) -> None:
    matrix.save(world.desk, world.admin, SIX)
    backlog = incidents.log_incident(world.desk, world.ana, NewIncident("Tidy the wiki", impact=4, urgency=4))
    other = incidents.log_incident(world.desk, world.ana, NewIncident("Site printer", impact=2, urgency=2))
    assert (backlog.priority, other.priority) == (6, 3)
    window = _main(qtbot, world, runner)
    try:
        window.select_view("All open")
        qtbot.waitUntil(lambda: len(_filter_items(window)) == 7)
        assert _filter_items(window)[-1] == "6 - Backlog"
        window.priority_filter.setFocus()
        qtbot.keyClicks(window.priority_filter, "6")
        assert window.priority_filter.currentData() == 6

        def only_backlog() -> bool:
            ids = [window.model.index(r, 0).data(ID_ROLE) for r in range(window.model.rowCount())]
            return window.model.query.flt.priorities == (6,) and ids == [backlog.id]

        qtbot.waitUntil(only_backlog)
        assert _label_of(window, backlog.id) == "6 - Backlog"
    finally:
        window.shutdown()
        runner.wait()


def test_a_matrix_saved_elsewhere_renames_the_queue_live_without_a_reset(qtbot, world, runner, other_desk) -> None:
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("VPN down", impact=1, urgency=1))
    window = _main(qtbot, world, runner)
    try:
        window.select_view("All open")
        qtbot.waitUntil(lambda: _label_of(window, rec.id) == "1 - Critical")
        resets: list[bool] = []
        window.model.modelReset.connect(lambda: resets.append(True))
        matrix.save(other_desk, other_desk.actor("admin"), glpi_matrix())
        qtbot.waitUntil(lambda: _label_of(window, rec.id) == "1 - Very high", timeout=5000)
        qtbot.waitUntil(lambda: "5 - Very low" in _filter_items(window))
        assert not resets
    finally:
        window.shutdown()
        runner.wait()


def test_the_form_lists_the_matrix_levels_and_names_the_priority(qtbot, world, ana_window) -> None:
    matrix.save(world.desk, world.admin, glpi_matrix())
    window = ana_window
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
    dialog = window.findChild(NewIncidentDialog)
    qtbot.waitUntil(lambda: dialog.impact.count() == 5)
    assert [dialog.urgency.itemText(i) for i in range(5)] == [
        "1 - Very high", "2 - High", "3 - Medium", "4 - Low", "5 - Very low",
    ]
    assert dialog.impact.currentData() == 5  # the lowest level until the agent says otherwise
    dialog.impact.setFocus()
    qtbot.keyClicks(dialog.impact, "1")
    qtbot.keyClicks(dialog.urgency, "1")
    qtbot.waitUntil(lambda: dialog.priority_info.text().startswith("1 - Very high, respond in 15 minutes"))
    dialog.reject()


def test_the_queue_colours_follow_the_number_of_priorities(qtbot, world, runner) -> None:
    three = PriorityMatrix(("a", "b", "c"), ("a", "b", "c"), ("Urgent", "Normal", "Whenever"),
                           ((1, 1, 2), (1, 2, 3), (2, 3, 3)))
    matrix.save(world.desk, world.admin, three)
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Low thing", impact=3, urgency=3))
    assert rec.priority == 3
    model = QueueTableModel(world.desk, runner)
    model.set_query(Query())
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.index(0, PRIORITY).data() == "3 - Whenever"
    # the last of three priorities is the ramp's last colour, not the third of five
    assert model.index(0, PRIORITY).data(Qt.ItemDataRole.ForegroundRole) == priority_color(3, 3)
    assert priority_color(3, 3) == priority_color(5, 5) != priority_color(3, 5)
    qtbot.waitUntil(lambda: runner.pending() == 0)


def test_priority_colours_for_any_number_of_levels() -> None:
    five = [priority_pair(p, 5) for p in range(1, 6)]
    assert five == [  # the five colours of the ramp (they read for colour-blind eyes: test_words)
        ("#b3001b", "#ff6b7d"), ("#c24e00", "#ff9a4d"), ("#6a1b9a", "#ffd54f"),
        ("#0a6ebd", "#6cb8ff"), ("#5f6b73", "#a7b3bb"),
    ]
    for levels in range(1, 10):
        pairs = [priority_pair(p, levels) for p in range(1, levels + 1)]
        assert len(set(pairs)) == levels  # each priority its own colour
        assert pairs[0] == ("#b3001b", "#ff6b7d")  # 1 is the most urgent: red
        for light, dark in pairs:
            assert QColor(light).isValid() and QColor(dark).isValid()
    assert priority_pair(7, 5) == priority_pair(0, 5) == ("#5f6b73", "#a7b3bb")  # outside: muted
