"""What the agent reads all day: the history and related records in words (names, labels and
levels a user knows, never a column name or a database id), driven through the incident window."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QRadioButton

from app.services import incidents
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow


def _window(qtbot, world, runner, actor, incident_id) -> IncidentWindow:  # type: ignore[no-untyped-def]
    inc = IncidentWindow(world.desk, actor, runner, incident_id)
    qtbot.addWidget(inc)
    inc.show()
    qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
    qtbot.waitUntil(lambda: inc.number_label.width() >= inc.number_label.sizeHint().width())
    return inc


def _history(inc: IncidentWindow) -> list[tuple[str, ...]]:
    t = inc.history_table
    return [tuple(t.item(r, c).text() for c in range(t.columnCount())) for r in range(t.rowCount())]


def test_history_names_fields_and_values(qtbot, world, runner) -> None:
    rec = incidents.log_incident(
        world.desk, world.ana,
        NewIncident("VPN drops every hour", caller_id=world.john, impact=3, urgency=3),
    )
    rec = incidents.update_fields(
        world.desk, world.ana, rec.id, rec.version, {"urgency": 2, "category_id": world.vpn_category}
    )
    rec = incidents.escalate_functional(
        world.desk, world.ana, rec.id, rec.version, world.network, "Tunnel resets on the concentrator"
    )
    rec = incidents.assign(world.desk, world.ben, rec.id, rec.version, group_id=world.network, assignee_id=world.ben.id)
    inc = _window(qtbot, world, runner, world.ana, rec.id)
    inc.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: inc.history_table.rowCount() >= 6)
    rows = _history(inc)
    by_field = {r[2]: r[3] for r in rows}
    assert by_field["Group"] == "Service Desk → Network"
    assert by_field["Support line"] == "Line 1 → Line 2"
    assert by_field["Reassignments"] == "0 → 1"
    assert by_field["Urgency"] == "3 - Low → 2 - Medium"
    assert by_field["Priority"] == "5 - Planning → 4 - Low"
    assert by_field["Category"] == "— → Network > VPN"
    assert by_field["Assignee"] == "— → Ben Network"
    assert by_field["State"] == "New → In Progress"
    assert by_field["Logged"] == f"as {rec.number}"
    escalated = next(r for r in rows if r[2] == "Group")
    assert escalated[1] == "Ana Agent" and escalated[4] == "Tunnel resets on the concentrator"
    for row in rows:  # no column names, no ids
        assert "_" not in row[2] and " id" not in row[2].lower()
        assert not re.search(r"(^|→ )\d+( →|$)", row[3]) or row[2] in ("Reassignments", "Times reopened"), row
    inc.grab().save("/tmp/shots/history.png")
    inc.close()


def test_related_shows_known_error_title_and_workaround(qtbot, world, runner) -> None:
    rec = incidents.log_incident(
        world.desk, world.ana,
        NewIncident("Outlook crashes on the shared calendar", known_error_id=world.known_error),
    )
    inc = _window(qtbot, world, runner, world.ana, rec.id)
    inc.tabs.setCurrentIndex(2)
    text = inc.related_view.toPlainText()
    assert "Known error: Outlook 365 shared calendar crash" in text
    assert "Workaround: Remove and re-add the shared calendar in Outlook safe mode" in text
    assert f"Known error: {world.known_error}" not in text
    inc.grab().save("/tmp/shots/related.png")
    inc.close()


def _closed(world, title: str):  # type: ignore[no-untyped-def]
    rec = incidents.log_incident(world.desk, world.ana, NewIncident(title))
    rec = incidents.resolve(world.desk, world.ana, rec.id, rec.version, "solution_provided", "Replaced the cable")
    return incidents.close(world.desk, world.ana, rec.id, rec.version)


def test_counts_say_one_incident_and_an_empty_search_says_so_in_the_table(qtbot, world, ana_window) -> None:
    window = ana_window
    incidents.log_incident(world.desk, world.ana, NewIncident("Printer jams on floor 3"))
    closed = _closed(world, "Docking station flickers")
    window.select_view("All open")
    qtbot.waitUntil(lambda: window.count_label.text() == "1 incident")
    qtbot.waitUntil(lambda: "All open, 1 incident" in [
        window.views_list.item(i).data(Qt.ItemDataRole.AccessibleTextRole) for i in range(window.views_list.count())
    ])
    qtbot.keyClicks(window.search, "docking")
    qtbot.waitUntil(lambda: window.empty_note.isVisible())
    assert window.empty_label.text() == "No incident matches \u201cdocking\u201d in All open."
    assert window.every_state_button.isVisible()
    qtbot.waitUntil(lambda: window.count_label.text() == "0 incidents")
    window.grab().save("/tmp/shots/empty-search.png")
    qtbot.mouseClick(window.every_state_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.row_of(closed.id) is not None)
    assert not window.empty_note.isVisible()
    assert window.state_filter.currentText() == "Every state, closed too"
    qtbot.waitUntil(lambda: window.count_label.text() == "1 incident")
    qtbot.keyClicks(window.search, "zzz")
    qtbot.waitUntil(lambda: window.empty_note.isVisible())
    assert window.empty_label.text() == "No incident matches \u201cdockingzzz\u201d in All open, in any state."
    assert not window.every_state_button.isVisible()


def test_caller_list_ranks_shows_department_open_count_and_how_many_more(qtbot, world, ana_window) -> None:
    from app.services import callers as caller_service
    from app.views.new_incident import NewIncidentDialog

    for i in range(22):
        caller_service.add_caller(world.desk, world.admin, f"Joao {chr(65 + i)}davies", department="Sales")
    incidents.log_incident(world.desk, world.ben, NewIncident("Expense tool down", caller_id=world.john))
    window = ana_window
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
    dialog = window.findChild(NewIncidentDialog)
    qtbot.keyClicks(dialog.caller, "jo")
    popup = dialog.completer.popup()
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() == 21)
    lines = [popup.model().index(r, 0).data() for r in range(popup.model().rowCount())]
    assert lines[0] == "John Smith · Finance · 1 open incident"
    assert lines[1] == "Joao Adavies · Sales · no open incident"
    assert lines[-1] == "4 more callers match: keep typing to narrow"  # Mary Jones too
    assert dialog.caller_info.text() == "24 callers match; the first 20 are listed"
    dialog.grab().save("/tmp/shots/caller-list-form.png")
    popup.grab().save("/tmp/shots/caller-list.png")
    qtbot.keyClicks(dialog.caller, "hn")
    qtbot.waitUntil(lambda: popup.model().rowCount() == 1)
    assert dialog.caller_info.text() == "1 caller matches"
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.caller_id == world.john)
    assert dialog.caller.text() == "John Smith (Finance)"
    dialog._dirty_ok = True  # the form's own 'discard?' question is not this test's
    dialog.reject()


def test_a_long_title_is_refused_in_words_never_cut_and_errors_clear_when_fixed(qtbot, world, ana_window) -> None:
    from PySide6.QtWidgets import QApplication

    from app.views.new_incident import NewIncidentDialog

    window = ana_window
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
    dialog = window.findChild(NewIncidentDialog)
    qtbot.waitUntil(lambda: dialog.category.count() > 1)
    # the empty title's message goes as soon as a title is typed
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.error_text("title") == "A title is required")
    error = dialog._errors["title"]
    assert error.text().startswith("⚠ ") and error.font().bold()
    qtbot.keyClicks(dialog.title, "V")
    assert error.isHidden() and dialog.error_text("title") == ""
    # a pasted title of 320 characters is kept whole and refused in words
    long_title = "Printer on floor 3 " * 16 + "ends"  # 308 characters
    QApplication.clipboard().setText(long_title[:-1] + "x" * 13)
    dialog.title.selectAll()
    qtbot.keyClick(dialog.title, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(dialog.title.text()) == 320
    assert dialog.error_text("title") == "The title has 320 characters; at most 300 (20 too many)"
    dialog.grab().save("/tmp/shots/long-title.png")
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dialog.error_text("title").startswith("The title has 320 characters"))
    assert dialog.record is None and dialog.isVisible()
    for _ in range(20):
        qtbot.keyClick(dialog.title, Qt.Key.Key_Backspace)
    assert len(dialog.title.text()) == 300 and dialog.error_text("title") == ""
    dialog._dirty_ok = True
    dialog.reject()


def test_the_incident_windows_errors_look_like_errors_focus_the_field_and_clear(qtbot, world, runner) -> None:
    from app.views.colors import error_color

    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Scanner offline"))
    inc = _window(qtbot, world, runner, world.ana, rec.id)
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    inc.title_edit.selectAll()
    qtbot.keyClick(inc.title_edit, Qt.Key.Key_Delete)
    inc.description_edit.setFocus()
    qtbot.keyClick(inc, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: inc.banner.isVisible())
    assert inc.banner.text() == "A title is required" and inc.banner_sign.isVisible()
    assert inc.banner.palette().color(inc.banner.foregroundRole()) == error_color()
    qtbot.waitUntil(inc.title_edit.hasFocus)
    inc.grab().save("/tmp/shots/incident-error.png")
    qtbot.keyClicks(inc.title_edit, "Scanner offline on floor 2")
    assert not inc.banner.isVisible() and not inc.banner_sign.isVisible()
    inc.discard_ok = True
    inc.close()


def test_the_conflict_dialog_speaks_in_words_and_asks_only_about_fields_both_changed(
    qtbot, world, runner, other_desk
) -> None:
    from app.domain.wording import compact_time

    rec = incidents.log_incident(
        world.desk, world.ana,
        NewIncident("VPN drops every hour", description="Since Monday", impact=2, urgency=2, group_id=world.network),
    )
    inc = _window(qtbot, world, runner, world.desk.actor("ben"), rec.id)
    inc.description_edit.setFocus()
    qtbot.keyClick(inc.description_edit, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(inc.description_edit, "; the concentrator restarts hourly")
    inc.urgency_edit.setCurrentIndex(2)
    inc.urgency_edit.activated.emit(2)
    carla = other_desk.actor("carla")
    other = incidents.update_fields(other_desk, carla, rec.id, None, {"urgency": 1, "title": "VPN drops hourly"})
    inc.activateWindow()
    qtbot.waitUntil(inc.isActiveWindow)
    qtbot.keyClick(inc, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(inc, "last_conflict_dialog", None) is not None)
    dialog = inc.last_conflict_dialog
    at = compact_time(other.updated_at, world.desk.now(), world.desk.zone)
    assert dialog.rows["urgency"] == (
        "Urgency", f"2 - Medium → 1 - High, by Carla Supervisor at {at}", "3 - Low", "you choose"
    )
    assert dialog.rows["title"] == (
        "Title", f"VPN drops every hour → VPN drops hourly, by Carla Supervisor at {at}", "unchanged",
        "their value stays",
    )
    assert dialog.rows["priority"][1].startswith("3 - Moderate → 2 - High, by Carla Supervisor")
    assert dialog.rows["description"][2:] == ("Since Monday; the concentrator restarts hourly", "your value is saved")
    assert dialog.contested() == {"urgency"}
    texts = [b.text() for b in dialog.findChildren(QRadioButton)]
    assert texts == ["Keep mine: save 3 - Low", "Keep theirs: 1 - High"]
    for shown in dialog.findChildren(QLabel):
        assert "_id" not in shown.text() and "carla" not in shown.text()  # names, not user names
    dialog.grab().save("/tmp/shots/conflict.png")
    dialog.take_theirs("urgency")
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not inc.dirty_fields())
    from app.services import queries

    final = queries.get_incident(world.desk, rec.id)
    assert (final.title, final.urgency) == ("VPN drops hourly", 1)
    assert final.description.endswith("the concentrator restarts hourly")
    inc.close()


def test_title_gets_the_room_and_its_tooltip_shows_it_whole(qtbot, world, ana_window) -> None:
    from app.views.queue_model import COLUMNS, TITLE

    long_title = "Outlook crashes when opening the shared calendar of the finance team after the update"
    rec = incidents.log_incident(world.desk, world.ana, NewIncident(long_title, caller_id=world.john))
    window = ana_window
    window.resize(1360, 780)
    window.select_view("All open")
    qtbot.waitUntil(lambda: window.model.row_of(rec.id) is not None)
    header = window.table.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(TITLE) > 300)  # beside nine other columns
    others = [header.sectionSize(i) for i in range(len(COLUMNS)) if i != TITLE]
    assert header.sectionSize(TITLE) > 2 * max(others)
    index = window.model.index(window.model.row_of(rec.id), TITLE)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == long_title
    window.grab().save("/tmp/shots/queue-columns.png")


# Machado, Oliveira and Fernandes (2009), severity 1: what a dichromat sees, in linear RGB
_CVD = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def _linear(hex_colour: str) -> list[float]:
    out = []
    for i in (1, 3, 5):
        c = int(hex_colour[i:i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def _lab(rgb: list[float]) -> tuple[float, float, float]:
    r, g, b = (min(max(x, 0.0), 1.0) for x in rgb)
    x, y, z = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
               0.0193 * r + 0.1192 * g + 0.9505 * b)

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x / 0.95047), f(y), f(z / 1.08883)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def _seen(hex_colour: str, vision: str) -> tuple[float, float, float]:
    m, lin = _CVD[vision], _linear(hex_colour)
    return _lab([sum(m[i][j] * lin[j] for j in range(3)) for i in range(3)])


def _contrast(a: str, b: str) -> float:
    def lum(h: str) -> float:
        r, g, bl = _linear(h)
        return 0.2126 * r + 0.7152 * g + 0.0722 * bl

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_priority_colours_read_on_light_and_dark_and_for_colour_blind_eyes() -> None:
    from app.views.colors import priority_pair

    for side, base in ((0, "#ffffff"), (1, "#2b2b2b")):
        colours = [priority_pair(p, 5)[side] for p in range(1, 6)]
        for c in colours:
            assert _contrast(c, base) >= 4.5, (c, base)  # readable text on the palette's base
        for vision in _CVD:
            for i, a in enumerate(colours):
                for b in colours[i + 1:]:
                    la, lb = _seen(a, vision), _seen(b, vision)
                    distance = sum((x - y) ** 2 for x, y in zip(la, lb, strict=True)) ** 0.5
                    assert distance >= 12, (vision, a, b, round(distance, 1))  # ΔE76: told apart


def test_a_priority_is_never_told_by_colour_alone(qtbot, world, ana_window) -> None:
    from app.views.queue_model import PRIORITY

    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Colour and words", impact=1, urgency=2))
    window = ana_window
    window.select_view("All open")
    qtbot.waitUntil(lambda: window.model.row_of(rec.id) is not None)
    index = window.model.index(window.model.row_of(rec.id), PRIORITY)
    assert index.data() == "2 - High"  # the number and the name are written beside the colour


def test_the_incident_toolbar_is_grouped_with_icons_text_and_shortcuts(qtbot, world, runner) -> None:
    from PySide6.QtWidgets import QToolButton

    from app.views.incident.window import TOOLBAR_GROUPS

    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Toolbar in groups"))
    inc = _window(qtbot, world, runner, world.ana, rec.id)
    bar = inc.toolbar
    assert bar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    groups: list[list[str]] = [[]]
    for action in bar.actions():
        if action.isSeparator():
            groups.append([])
            continue
        if action is inc.problem_action:  # the follow-up group: no lifecycle shortcut
            groups[-1].append("problem")
            continue
        groups[-1].append(next(n for n, a in inc.actions_by_name.items() if a is action))
        assert not action.icon().isNull() and action.text()
        assert action.shortcut().toString() in action.toolTip()  # "Assign to me (Ctrl+M)"
    assert [tuple(g) for g in groups] == [*TOOLBAR_GROUPS, ("problem",)]
    assert all(b.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
               for b in bar.findChildren(QToolButton) if b.defaultAction() is not None)
    inc.resize(1040, 700)  # the window's own size: every lifecycle action fits, none behind »
    lifecycle = [inc.actions_by_name[n] for g in TOOLBAR_GROUPS for n in g if n in inc.actions_by_name]
    qtbot.waitUntil(lambda: all(
        bar.widgetForAction(a) is not None and bar.widgetForAction(a).isVisible()
        for a in lifecycle
    ))
    assert inc.actions_by_name["escalate_up"].toolTip().startswith("Escalate to supervisor… (Ctrl+Shift+E)")
    inc.grab().save("/tmp/shots/toolbar.png")
    inc.close()


def test_similar_panel_ranks_with_scores_groups_titles_and_folds_long_workarounds(qtbot, world, ana_window) -> None:
    from app.services import problems
    from app.views.new_incident import NewIncidentDialog

    for i in range(6):
        r = incidents.log_incident(world.desk, world.ana, NewIncident("Printer jams on floor 3"))
        if i:
            _ = incidents.close(
                world.desk, world.ana, r.id,
                incidents.resolve(world.desk, world.ana, r.id, r.version, "solution_provided", "Cleared it").version,
            )
    workaround = "Open the tray, " + "take out the crumpled sheet and check the rollers, " * 8 + "then print again."
    problems.add_known_error(world.desk, world.admin, "Printer driver stalls the queue", "Jobs stay queued", workaround)
    window = ana_window
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.findChild(NewIncidentDialog) is not None)
    dialog = window.findChild(NewIncidentDialog)
    qtbot.keyClicks(dialog.title, "Printer jams on floor 3")
    qtbot.waitUntil(lambda: dialog.similar.count() >= 2)
    texts = [dialog.similar.item(i).text() for i in range(dialog.similar.count())]
    assert texts[0].startswith("Alt+1  100% · 6 incidents like this (1 open, 5 closed)\n    Printer jams on floor 3")
    ke = next(i for i, t in enumerate(texts) if "Known error: Printer driver stalls the queue" in t)
    assert ke > 0 and re.search(r"Alt\+\d  \d{1,2}% · Known error", texts[ke])  # less relevant: below, scored
    assert texts[ke].endswith("… (select to read it all)") and len(texts[ke]) < 250
    assert all("Outlook" not in t for t in texts)  # an unrelated known error is not listed
    assert dialog.hits()[0].state == "new"  # Alt+1 links the open one as the parent
    dialog.grab().save("/tmp/shots/similar.png")
    dialog.similar.setCurrentRow(ke)
    assert dialog.similar.item(ke).text().endswith("then print again.")
    dialog.similar.setCurrentRow(0)
    assert dialog.similar.item(ke).text().endswith("… (select to read it all)")
    dialog._dirty_ok = True
    dialog.reject()
