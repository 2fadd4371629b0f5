"""The calendar preview against due times worked out by hand (Europe/Brussels): a split shift,
a public holiday, a custom closure, a change to summer time; and the month view's days off."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from app.domain.sla_config import CalendarSpec
from app.services.sla_policies import due_times, month_view

SHIFTS = ((time(8), time(12)), (time(13), time(17)))
OFFICE = CalendarSpec(
    "Office",
    "Europe/Brussels",
    (SHIFTS,) * 5 + ((), ()),
    holiday_country="BE",
    custom_holidays=(date(2026, 3, 3),),  # a site closure, Tuesday
)
HOUR = 3600


def test_a_split_shift_skips_lunch_and_the_custom_closure() -> None:
    # Monday 2 March 11:30 CET: 30 minutes before lunch, 30 after it
    got = due_times(OFFICE, datetime(2026, 3, 2, 10, 30, tzinfo=UTC), 1 * HOUR, 8 * HOUR)
    assert got.response_due == datetime(2026, 3, 2, 12, 30, tzinfo=UTC)  # 13:30 CET
    # 8 h: 4.5 h on Monday, Tuesday closed, 3.5 h on Wednesday -> 11:30 CET
    assert got.resolution_due == datetime(2026, 3, 4, 10, 30, tzinfo=UTC)


def test_a_public_holiday_is_skipped() -> None:
    # Friday 3 April 2026 16:30 CEST; Easter Monday 6 April is a Belgian holiday
    got = due_times(OFFICE, datetime(2026, 4, 3, 14, 30, tzinfo=UTC), 1 * HOUR, 2 * HOUR)
    assert got.response_due == datetime(2026, 4, 7, 6, 30, tzinfo=UTC)  # Tuesday 08:30 CEST
    assert got.resolution_due == datetime(2026, 4, 7, 7, 30, tzinfo=UTC)


def test_the_change_to_summer_time() -> None:
    # Friday 27 March 16:00 CET; clocks go forward on Sunday 29 March
    got = due_times(OFFICE, datetime(2026, 3, 27, 15, 0, tzinfo=UTC), 2 * HOUR, 3 * HOUR)
    assert got.response_due == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday 09:00 CEST
    assert got.resolution_due == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    always = CalendarSpec("24x7", "Europe/Brussels", always=True)
    # Saturday 23:00 CET + 4 h of real time = Sunday 04:00 CEST (02:00 to 03:00 does not exist)
    got = due_times(always, datetime(2026, 3, 28, 22, 0, tzinfo=UTC), 4 * HOUR, 4 * HOUR)
    assert got.resolution_due == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)


def test_the_month_view_names_each_day_off() -> None:
    march = {d.day: d for d in month_view(OFFICE, 2026, 3)}
    assert len(march) == 31
    assert (march[date(2026, 3, 1)].working, march[date(2026, 3, 1)].why) == (False, "Sunday")
    assert (march[date(2026, 3, 2)].working, march[date(2026, 3, 2)].why) == (True, None)
    assert march[date(2026, 3, 3)].why == "Custom day off"
    april = {d.day: d for d in month_view(OFFICE, 2026, 4)}
    assert april[date(2026, 4, 6)].why == "Easter Monday"
    assert sum(d.working for d in april.values()) == 21  # 22 weekdays less Easter Monday
