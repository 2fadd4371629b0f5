"""Calendars stored as rows: public holidays come from the `holidays` package, plus custom dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.models import BusinessCalendarRow
from app.services.policies import calendar_from_row, holiday_dates

WEEK = [[["08:00", "17:00"]]] * 5 + [[], []]


def test_public_holidays_of_a_country_and_custom_dates_are_days_off() -> None:
    days = holiday_dates("BE", None, ["2026-12-24"])
    assert date(2026, 12, 25) in days  # Christmas, from the holidays package
    assert date(2026, 7, 21) in days  # Belgian national day
    assert date(2026, 12, 24) in days  # a custom closing day
    assert date(2026, 12, 23) not in days


def test_a_stored_calendar_skips_holidays_when_adding_business_time() -> None:
    row = BusinessCalendarRow(
        name="Brussels office",
        tz="Europe/Brussels",
        always=False,
        week=WEEK,
        holiday_country="BE",
        custom_holidays=["2026-12-24"],
    )
    cal = calendar_from_row(row)
    # Wednesday 23 Dec 16:00 local + 2 business hours: 1 h on the 23rd, the 24th (custom) and
    # 25th (Christmas) are off, the 26th-27th are a weekend -> Monday 28 Dec 09:00 local
    start = datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
    assert cal.add_working_seconds(start, 2 * 3600) == datetime(2026, 12, 28, 8, 0, tzinfo=UTC)


def test_a_24x7_row_counts_every_second() -> None:
    row = BusinessCalendarRow(name="24x7", tz="UTC", always=True, week=[], custom_holidays=[])
    cal = calendar_from_row(row)
    start = datetime(2026, 12, 25, 0, 0, tzinfo=UTC)
    assert cal.working_seconds(start, datetime(2026, 12, 26, 0, 0, tzinfo=UTC)) == 86400
