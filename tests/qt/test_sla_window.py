"""Admin > SLA policies and calendars, driven as an admin: a new calendar typed in (split shifts,
a zone, a country's holidays, a site closure) and its preview against due times worked out by
hand (a split shift, a holiday, a custom closure, a change to summer time); bad input named and
kept; a policy change counted, confirmed and recomputed; the retroactive-start setting; a
priority's name and colour (the queue on another workstation follows); an agent refused."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor

from app.services import incidents, queries, sla_policies
from app.services.incidents import NewIncident
from app.views.admin.sla_window import SlaWindow, open_sla_window
from tests.qt.conftest import open_main

SPLIT = "08:00-12:00, 13:00-17:00"


def _window(qtbot, world, runner) -> SlaWindow:  # type: ignore[no-untyped-def]
    window = SlaWindow(world.desk, world.admin, runner)
    qtbot.addWidget(window)
    window.confirm = lambda _title, _text: True  # leaving a draft, closing: yes
    window.show()
    qtbot.waitUntil(lambda: window.calendar_list.count() == 2 and window.targets_combo.count() == 5)
    return window


def _type(qtbot, edit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def _start(window: SlaWindow, y: int, mo: int, d: int, h: int, mi: int) -> None:
    window.start_edit.setDate(QDate(y, mo, d))
    window.start_edit.setTime(window.start_edit.time().fromString(f"{h:02d}:{mi:02d}", "HH:mm"))


def _targets(window: SlaWindow, priority: int) -> None:
    window.targets_combo.setCurrentIndex(priority - 1)


def test_a_new_calendar_previews_due_times_worked_out_by_hand(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, world, runner)
    qtbot.mouseClick(window.new_calendar_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(window.cal_name, "Brussels office")
    window.cal_zone.setEditText("")
    qtbot.keyClicks(window.cal_zone, "Europe/Brussels")
    for edit in window.day_edits[:5]:
        _type(qtbot, edit, SPLIT)
    qtbot.keyClicks(window.cal_country, "BE")
    window.custom_date.setDate(QDate(2026, 3, 3))  # a site closure, Tuesday
    qtbot.mouseClick(window.add_day_button, Qt.MouseButton.LeftButton)
    assert window.custom_list.item(0).text() == "2026-03-03"

    # P2: respond in 1 hour, resolve in 8 business hours (the default policy)
    _targets(window, 2)
    # Monday 2 March 11:30 CET: half an hour before lunch, half an hour after
    _start(window, 2026, 3, 2, 11, 30)
    assert window.response_due_label.text() == "Mon 02 Mar 2026 13:30"
    # 4.5 h on Monday, Tuesday closed (the closure), 3.5 h on Wednesday
    assert window.resolution_due_label.text() == "Wed 04 Mar 2026 11:30"
    # Friday 3 April 16:30 CEST; Easter Monday 6 April is a Belgian public holiday
    _start(window, 2026, 4, 3, 16, 30)
    assert window.response_due_label.text() == "Tue 07 Apr 2026 08:30"
    assert window.resolution_due_label.text() == "Tue 07 Apr 2026 16:30"  # 0.5 + 4 + 3.5 h

    # the month view: the closure and the holiday named, weekends closed
    window.month.setCurrentPage(2026, 3)
    assert "3 Mar: Custom day off" in window.month_days.text()
    assert "Closed every Saturday, Sunday" in window.month_days.text()
    assert window.month.dateTextFormat(QDate(2026, 3, 3)).toolTip() == "Custom day off"
    assert window.month.dateTextFormat(QDate(2026, 3, 4)).toolTip() == ""
    window.month.setCurrentPage(2026, 4)
    assert "6 Apr: Easter Monday" in window.month_days.text()

    # around the clock across the change to summer time: 23:00 CET + 4 real hours
    qtbot.mouseClick(window.cal_always, Qt.MouseButton.LeftButton)
    assert not window.day_edits[0].isEnabled()
    _targets(window, 1)  # P1: 15 minutes, 4 hours
    _start(window, 2026, 3, 28, 23, 0)
    assert window.response_due_label.text() == "Sat 28 Mar 2026 23:15"
    assert window.resolution_due_label.text() == "Sun 29 Mar 2026 04:00"  # 02:00-03:00 skipped
    qtbot.mouseClick(window.cal_always, Qt.MouseButton.LeftButton)

    qtbot.mouseClick(window.save_calendar_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.calendar_list.count() == 3)
    qtbot.waitUntil(
        lambda: window.cal_message.text().startswith("Added the calendar Brussels office")
    )
    saved = next(c for c in window.calendar_records if c.name == "Brussels office")
    assert (saved.tz, saved.holiday_country, [d.isoformat() for d in saved.custom_holidays]) == (
        "Europe/Brussels",
        "BE",
        ["2026-03-03"],
    )
    qtbot.waitUntil(
        lambda: (
            ("Brussels office", "Monday hours", "", SPLIT)
            in [r[2:6] for r in window.history_model.rows]
        )
    )


def test_bad_input_is_named_and_nothing_typed_is_lost(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, world, runner)
    before = [c.spec() for c in window.calendar_records]
    tuesday = window.day_edits[1]
    _type(qtbot, tuesday, "08:00-12:00, 11:00-17:00")
    assert window.cal_message.text() == "Tuesday: intervals must be sorted and must not overlap"
    assert window.cal_message.error
    qtbot.mouseClick(window.save_calendar_button, Qt.MouseButton.LeftButton)
    assert tuesday.hasFocus() and tuesday.text() == "08:00-12:00, 11:00-17:00"
    _type(qtbot, tuesday, "17:00-08:00")
    assert (
        window.cal_message.text() == "Tuesday: interval 17:00:00-08:00:00 must end after it starts"
    )
    _type(qtbot, tuesday, "08:00-17:00")
    window.cal_zone.setEditText("Europe/Brusels")
    assert window.cal_message.text().startswith("Unknown time zone 'Europe/Brusels'")
    qtbot.mouseClick(window.save_calendar_button, Qt.MouseButton.LeftButton)
    assert window.cal_zone.hasFocus() and window.cal_zone.currentText() == "Europe/Brusels"
    assert window.response_due_label.text() == "—"
    # the policy: a duration nobody can read
    window.tabs.setCurrentIndex(1)
    p3 = window.target_rows[2][2]
    _type(qtbot, p3, "two days")
    qtbot.mouseClick(window.save_policy_button, Qt.MouseButton.LeftButton)
    assert window.pol_message.text() == (
        "P3 resolution: 'two days' is not a duration like 4 hours, 1 hour 30 minutes or 45m"
    )
    assert p3.hasFocus() and p3.text() == "two days"
    runner.wait()
    assert [c.spec() for c in queries_calendars(world)] == before


def queries_calendars(world):  # type: ignore[no-untyped-def]
    from app.services import calendars

    return calendars.calendars(world.desk)


def test_a_policy_change_is_counted_confirmed_and_recomputed(
    qtbot, world, runner, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    high = incidents.log_incident(
        world.desk, world.ana, NewIncident("Mail slow", impact=1, urgency=2)
    )
    assert high.priority == 2
    window = _window(qtbot, world, runner)
    # a calendar's draft says what it would re-measure as it is typed; Revert forgets it
    qtbot.waitUntil(lambda: window.current_calendar is not None)
    assert window.current_calendar.name == "Office hours"
    _type(qtbot, window.day_edits[0], SPLIT)
    qtbot.waitUntil(
        lambda: window.cal_effect.text() == "Saving re-measures 1 open incident (2 - High: 1)"
    )
    qtbot.mouseClick(window.revert_calendar_button, Qt.MouseButton.LeftButton)
    assert (window.cal_effect.text(), window.calendar_dirty) == ("", False)
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(
        lambda: window.current_policy is not None and window.target_rows[1][2].text() == "8 hours"
    )
    asked: list[str] = []
    window.confirm = lambda _title, text: asked.append(text) is not None  # says no first
    _type(qtbot, window.target_rows[1][2], "9 hours")
    # counted as typed, off the GUI thread
    qtbot.waitUntil(
        lambda: window.pol_effect.text() == "Saving re-measures 1 open incident (2 - High: 1)"
    )
    qtbot.keyClicks(window.pol_reason, "Mail is slower to fix than we said")
    qtbot.mouseClick(window.save_policy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pol_message.text() == "Not saved: nothing changed")
    assert "re-measures 1 open incident" in asked[0] and high.number in asked[0]
    assert queries.get_incident(world.desk, high.id).resolution_due == high.resolution_due

    window.confirm = lambda _title, _text: True  # now yes
    qtbot.mouseClick(window.save_policy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.pol_message.text()
            == "Saved the policy Default: 1 open incident got new due times"
        )
    )
    moved = queries.get_incident(world.desk, high.id)
    assert moved.resolution_due != high.resolution_due
    lines = [h for h in queries.history(world.desk, high.id) if h.field == "resolution_due"]
    assert [h.reason for h in lines] == ["Mail is slower to fix than we said"]
    qtbot.waitUntil(
        lambda: (
            ("Default", "P2 resolution", "8 hours", "9 hours")
            in [r[2:6] for r in window.history_model.rows]
        )
    )

    # retroactive start off: nothing is re-measured by that alone
    qtbot.mouseClick(window.pol_retroactive, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.save_policy_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not sla_policies.policies(world.desk)[0].retroactive_start)
    qtbot.waitUntil(
        lambda: (
            window.pol_message.text()
            == "Saved the policy Default: no open incident is measured by what changed"
        )
    )


def test_a_priority_renamed_and_recoloured_and_the_queue_follows(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    ana = open_main(qtbot, world, runner, world.ana)
    try:
        window = _window(qtbot, world, runner)
        window.tabs.setCurrentIndex(2)
        window.pick_color = lambda _current: QColor("#00aa00")
        qtbot.mouseClick(window.priority_rows[2][2], Qt.MouseButton.LeftButton)
        assert window.priority_rows[2][2].text() == "#00aa00"
        _type(qtbot, window.priority_rows[4][1], "Someday")
        qtbot.mouseClick(window.save_priorities_button, Qt.MouseButton.LeftButton)
        assert window.pri_message.text() == (
            "Say why first: a new name is a new version of the priority matrix"
        )
        qtbot.keyClicks(window.pri_reason, "Plain words for the lowest priority")
        qtbot.mouseClick(window.save_priorities_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.pri_message.text().startswith("Priorities"))
        assert queries.matrix(world.desk).priority_label(5) == "5 - Someday"
        # ana's queue, another workstation's view, repaints with the admin's colour and name
        qtbot.waitUntil(lambda: ana.model._priority_color(3).name() == "#00aa00", timeout=10_000)
        qtbot.waitUntil(lambda: ana.model.priority_label(5) == "5 - Someday", timeout=10_000)
        assert ana.model._priority_color(2).name() != "#00aa00"
    finally:
        ana.shutdown()
        runner.wait()


def test_an_agent_is_refused(qtbot, world, runner, no_dialogs) -> None:  # type: ignore[no-untyped-def]
    window = open_main(qtbot, world, runner, world.ana)
    try:
        assert not window.sla_action.isEnabled()
        assert window.sla_action.toolTip() != ""
        assert window.open_sla_window() is None
        assert open_sla_window(world.desk, world.ana, runner) is None
        assert len(no_dialogs) == 2 and "ana is an agent" in no_dialogs[0]
    finally:
        window.shutdown()
        runner.wait()


def test_a_change_on_another_workstation_reaches_the_open_window(
    qtbot, world, runner, other_desk
) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    from app.services import calendars, sla_changes

    main = open_main(qtbot, world, runner, world.admin)
    try:
        window = main.open_sla_window()
        assert isinstance(window, SlaWindow)
        qtbot.addWidget(window)
        window.confirm = lambda _title, _text: True
        qtbot.waitUntil(lambda: window.current_calendar is not None)
        office = next(c for c in calendars.calendars(other_desk) if c.name == "Office hours")
        sla_changes.apply_calendar(
            other_desk,
            other_desk.actor("admin"),
            dataclasses.replace(office.spec(), holiday_country="FR"),
            office.id,
            reason="The desk moved to Lyon",
        )
        qtbot.waitUntil(lambda: window.cal_country.text() == "FR", timeout=10_000)
        assert "The desk moved to Lyon" in [r[6] for r in window.history_model.rows]
    finally:
        main.shutdown()
        runner.wait()
