"""Business calendar: hand-computed cases, DST, holidays, and properties.

Dates used (2024): Fri 8 March, Fri 29 March, Sun 31 March (Europe/Brussels
springs forward 02:00 CET -> 03:00 CEST), Wed 1 May (Labour Day),
Fri 25 October, Sun 27 October (falls back 03:00 CEST -> 02:00 CET).
CET = UTC+1, CEST = UTC+2.
"""

from __future__ import annotations

import pickle
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.calendar import BusinessCalendar, from_epoch, require_aware, to_epoch

BRU = ZoneInfo("Europe/Brussels")
NYC = ZoneInfo("America/New_York")
H = 3600
M = 60


def bru(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BRU)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def office() -> BusinessCalendar:
    """Mon-Fri 08:00-17:00 Europe/Brussels, no holidays."""
    return BusinessCalendar.office_hours("BE office", "Europe/Brussels")


@pytest.fixture
def office7() -> BusinessCalendar:
    """Every day 08:00-17:00 Europe/Brussels (so DST Sundays are working days)."""
    return BusinessCalendar.office_hours("BE 7/7", "Europe/Brussels", weekdays=7)


# -- construction -------------------------------------------------------------


def test_office_hours_builds_the_week() -> None:
    cal = BusinessCalendar.office_hours(
        "BE", "Europe/Brussels", start=time(9), end=time(18), weekdays=6
    )
    assert cal.week == ((((time(9), time(18)),),) * 6) + ((),)
    assert cal.holidays == frozenset()
    assert cal.always is False
    assert cal.day_seconds() == 9 * H


def test_office_hours_holidays_become_a_frozenset() -> None:
    cal = BusinessCalendar.office_hours("BE", "Europe/Brussels", holidays=[date(2024, 5, 1)])
    assert cal.holidays == frozenset({date(2024, 5, 1)})
    hash(cal)  # hashable, usable as a cache key


def test_twenty_four_seven() -> None:
    cal = BusinessCalendar.twenty_four_seven()
    assert cal.name == "24x7"
    assert cal.always is True
    assert cal.day_seconds() == 86_400
    assert BusinessCalendar.twenty_four_seven("ops").name == "ops"


def test_day_seconds_is_the_longest_weekday() -> None:
    week = (
        ((time(8), time(12)), (time(13), time(17))),  # Mon 8 h
        ((time(8), time(12)), (time(13), time(18))),  # Tue 9 h
        ((time(8), time(12)),),  # Wed 4 h
        (),
        (),
        (),
        ((time(22), time(0)),),  # Sun 22:00-24:00, 2 h
    )
    cal = BusinessCalendar("split", "Europe/Brussels", week)
    assert cal.day_seconds() == 9 * H


def test_equality_ignores_the_cache(office: BusinessCalendar) -> None:
    twin = BusinessCalendar.office_hours("BE office", "Europe/Brussels")
    office.working_seconds(bru(2024, 3, 4, 8), bru(2024, 3, 9))  # fills one cache
    assert office == twin
    assert hash(office) == hash(twin)
    assert pickle.loads(pickle.dumps(office)) == office


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tz": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"week": ((),) * 6}, "7 entries"),
        ({"week": ((),) * 7}, "no working hours"),
        ({"week": (((time(17), time(8)),),) + ((),) * 6}, "must end after it starts"),
        ({"week": (((time(8), time(8)),),) + ((),) * 6}, "must end after it starts"),
        (
            {"week": (((time(8), time(12)), (time(11), time(17))),) + ((),) * 6},
            "must not overlap",
        ),
        (
            {"week": (((time(13), time(17)), (time(8), time(12))),) + ((),) * 6},
            "sorted",
        ),
        (
            {"week": (((time(8, tzinfo=UTC), time(17)),),) + ((),) * 6},
            "local times",
        ),
        ({"week": (((time(8, 0, 0, 5), time(17)),),) + ((),) * 6}, "whole-second"),
    ],
)
def test_invalid_calendars_raise(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "name": "bad",
        "tz": "Europe/Brussels",
        "week": (((time(8), time(17)),),) * 5 + ((),) * 2,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("weekdays", [0, 8, -1])
def test_office_hours_rejects_bad_weekdays(weekdays: int) -> None:
    with pytest.raises(ValueError, match="weekdays"):
        BusinessCalendar.office_hours("x", "UTC", weekdays=weekdays)


def test_always_ignores_week_and_holidays() -> None:
    cal = BusinessCalendar(
        "always", "UTC", ((),) * 7, holidays=frozenset({date(2024, 5, 1)}), always=True
    )
    assert cal.working_seconds(utc(2024, 5, 1), utc(2024, 5, 2)) == 86_400


# -- naive datetimes ------------------------------------------------------------


def test_naive_datetimes_raise(office: BusinessCalendar) -> None:
    naive = datetime(2024, 3, 8, 9)
    aware = bru(2024, 3, 8, 9)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        office.working_seconds(naive, aware)
    with pytest.raises(ValueError, match="end must be timezone-aware"):
        office.working_seconds(aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        office.add_working_seconds(naive, 60)
    with pytest.raises(ValueError, match="timezone-aware"):
        office.is_working(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        BusinessCalendar.twenty_four_seven().working_seconds(naive, aware)
    with pytest.raises(ValueError, match="naive"):
        require_aware(naive, "x")


def test_epoch_helpers_floor_to_whole_seconds() -> None:
    assert to_epoch(utc(1970, 1, 1, 0, 0, 1)) == 1
    assert to_epoch(datetime(1970, 1, 1, 0, 0, 1, 999_999, tzinfo=UTC)) == 1
    assert to_epoch(datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC)) == -1
    assert from_epoch(86_400) == utc(1970, 1, 2)
    assert from_epoch(0).tzinfo is UTC


# -- working_seconds: office hours -----------------------------------------------


def test_within_one_day(office: BusinessCalendar) -> None:
    # Fri 8 March 09:30 -> 11:45 = 2 h 15 min
    assert office.working_seconds(bru(2024, 3, 8, 9, 30), bru(2024, 3, 8, 11, 45)) == 2 * H + 15 * M


def test_empty_and_reversed_spans_are_zero(office: BusinessCalendar) -> None:
    at = bru(2024, 3, 8, 10)
    assert office.working_seconds(at, at) == 0
    assert office.working_seconds(at, at - timedelta(hours=1)) == 0


def test_span_starting_and_ending_outside_working_hours(office: BusinessCalendar) -> None:
    # Thu 7 March 06:00 -> Thu 20:00: only 08:00-17:00 counts = 9 h
    assert office.working_seconds(bru(2024, 3, 7, 6), bru(2024, 3, 7, 20)) == 9 * H
    # Thu 7 March 20:00 -> Fri 8 March 07:00: the night = 0
    assert office.working_seconds(bru(2024, 3, 7, 20), bru(2024, 3, 8, 7)) == 0
    # Thu 16:00 -> Fri 09:00 = 1 h (Thu 16-17) + 1 h (Fri 08-09) = 2 h
    assert office.working_seconds(bru(2024, 3, 7, 16), bru(2024, 3, 8, 9)) == 2 * H


def test_friday_to_monday(office: BusinessCalendar) -> None:
    # Fri 8 March 16:00 -> Mon 11 March 10:00 = 1 h (Fri) + 2 h (Mon) = 3 h
    assert office.working_seconds(bru(2024, 3, 8, 16), bru(2024, 3, 11, 10)) == 3 * H
    # the weekend itself is empty
    assert office.working_seconds(bru(2024, 3, 8, 17), bru(2024, 3, 11, 8)) == 0


def test_full_week(office: BusinessCalendar) -> None:
    # Mon 4 March 00:00 -> Mon 11 March 00:00 = 5 x 9 h = 45 h
    assert office.working_seconds(bru(2024, 3, 4), bru(2024, 3, 11)) == 45 * H


def test_inputs_in_other_zones_are_the_same_instants(office: BusinessCalendar) -> None:
    # Fri 8 March 16:00 CET = 15:00 UTC = 10:00 New York (EST, UTC-5)
    # Mon 11 March 10:00 CET = 09:00 UTC = 05:00 New York (EDT since 10 March, UTC-4)
    expected = 3 * H
    assert office.working_seconds(utc(2024, 3, 8, 15), utc(2024, 3, 11, 9)) == expected
    start_ny = datetime(2024, 3, 8, 10, tzinfo=NYC)
    end_ny = datetime(2024, 3, 11, 5, tzinfo=NYC)
    assert office.working_seconds(start_ny, end_ny) == expected


def test_public_holiday_is_skipped() -> None:
    cal = BusinessCalendar.office_hours("BE", "Europe/Brussels", holidays=[date(2024, 5, 1)])
    # Tue 30 April 12:00 -> Thu 2 May 12:00
    # = Tue 12-17 (5 h) + Wed 1 May holiday (0) + Thu 08-12 (4 h) = 9 h
    assert cal.working_seconds(bru(2024, 4, 30, 12), bru(2024, 5, 2, 12)) == 9 * H
    # without the holiday: 5 + 9 + 4 = 18 h
    plain = BusinessCalendar.office_hours("BE", "Europe/Brussels")
    assert plain.working_seconds(bru(2024, 4, 30, 12), bru(2024, 5, 2, 12)) == 18 * H
    # the holiday alone
    assert cal.working_seconds(bru(2024, 5, 1), bru(2024, 5, 2)) == 0


def test_split_shift_with_lunch_break() -> None:
    day = ((time(8), time(12)), (time(13), time(17)))
    cal = BusinessCalendar("lunch", "Europe/Brussels", (day,) * 5 + ((),) * 2)
    # Fri 8 March 11:00 -> 14:30 = 1 h (11-12) + 1 h 30 (13-14:30) = 2 h 30
    assert cal.working_seconds(bru(2024, 3, 8, 11), bru(2024, 3, 8, 14, 30)) == 2 * H + 30 * M
    # inside the break: nothing
    assert cal.working_seconds(bru(2024, 3, 8, 12, 10), bru(2024, 3, 8, 12, 50)) == 0


def test_interval_until_midnight() -> None:
    # Mon-Fri 18:00-24:00 (time(0) as an end means midnight)
    cal = BusinessCalendar("evening", "Europe/Brussels", (((time(18), time(0)),),) * 5 + ((),) * 2)
    assert cal.day_seconds() == 6 * H
    # Fri 8 March 23:00 -> Mon 11 March 19:00 = Fri 23-24 (1 h) + Mon 18-19 (1 h) = 2 h
    assert cal.working_seconds(bru(2024, 3, 8, 23), bru(2024, 3, 11, 19)) == 2 * H
    assert cal.is_working(bru(2024, 3, 8, 23, 59, 59))
    assert not cal.is_working(bru(2024, 3, 9, 0, 0))


def test_one_year_span(office: BusinessCalendar) -> None:
    # 2024 has 262 weekdays; minus Labour Day (a Wednesday) = 261 x 9 h
    cal = BusinessCalendar.office_hours("BE", "Europe/Brussels", holidays=[date(2024, 5, 1)])
    assert cal.working_seconds(bru(2024, 1, 1), bru(2025, 1, 1)) == 261 * 9 * H
    assert office.working_seconds(bru(2024, 1, 1), bru(2025, 1, 1)) == 262 * 9 * H


def test_sub_second_parts_are_floored(office: BusinessCalendar) -> None:
    start = datetime(2024, 3, 8, 9, 0, 0, 900_000, tzinfo=BRU)  # counts as 09:00:00
    end = datetime(2024, 3, 8, 9, 0, 10, 100_000, tzinfo=BRU)  # counts as 09:00:10
    assert office.working_seconds(start, end) == 10


# -- add_working_seconds ---------------------------------------------------------


def test_friday_afternoon_plus_three_hours_is_monday_ten(office: BusinessCalendar) -> None:
    # Fri 8 March 16:00 + 3 h: Fri 16-17 (1 h), Mon 08-10 (2 h) -> Mon 11 March 10:00 CET
    due = office.add_working_seconds(bru(2024, 3, 8, 16), 3 * H)
    assert due == bru(2024, 3, 11, 10)
    assert due == utc(2024, 3, 11, 9)
    assert due.tzinfo is UTC


def test_add_lands_at_end_of_day_not_next_morning(office: BusinessCalendar) -> None:
    # Fri 8 March 16:00 + 1 h = Fri 17:00, not Mon 08:00
    assert office.add_working_seconds(bru(2024, 3, 8, 16), H) == bru(2024, 3, 8, 17)
    # one more second goes to Monday 08:00:01
    assert office.add_working_seconds(bru(2024, 3, 8, 16), H + 1) == bru(2024, 3, 11, 8, 0, 1)


def test_add_from_outside_working_hours(office: BusinessCalendar) -> None:
    # Sat 9 March 12:00 + 30 min = Mon 11 March 08:30
    assert office.add_working_seconds(bru(2024, 3, 9, 12), 30 * M) == bru(2024, 3, 11, 8, 30)
    # Thu 7 March 05:00 + 9 h = Thu 17:00 (a whole day)
    assert office.add_working_seconds(bru(2024, 3, 7, 5), 9 * H) == bru(2024, 3, 7, 17)


def test_add_zero_returns_start(office: BusinessCalendar) -> None:
    saturday = bru(2024, 3, 9, 12)
    result = office.add_working_seconds(saturday, 0)
    assert result == saturday  # same instant, even outside working hours
    assert result.tzinfo is UTC


def test_add_negative_raises(office: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        office.add_working_seconds(bru(2024, 3, 8, 9), -1)


def test_add_skips_holidays() -> None:
    cal = BusinessCalendar.office_hours("BE", "Europe/Brussels", holidays=[date(2024, 5, 1)])
    # Tue 30 April 16:00 + 2 h: Tue 16-17 (1 h), Wed 1 May off, Thu 08-09 -> Thu 2 May 09:00
    assert cal.add_working_seconds(bru(2024, 4, 30, 16), 2 * H) == bru(2024, 5, 2, 9)


def test_add_business_days(office: BusinessCalendar) -> None:
    # Wed 6 March 10:00 + 3 business days (3 x 9 h) = Mon 11 March 10:00
    day = office.day_seconds()
    assert office.add_working_seconds(bru(2024, 3, 6, 10), 3 * day) == bru(2024, 3, 11, 10)


def test_add_on_24x7_counts_real_seconds() -> None:
    cal = BusinessCalendar.twenty_four_seven()
    assert cal.add_working_seconds(bru(2024, 3, 9, 12), 3 * H) == bru(2024, 3, 9, 15)


# -- is_working ----------------------------------------------------------------


def test_is_working(office: BusinessCalendar) -> None:
    assert office.is_working(bru(2024, 3, 8, 8))  # opening second counts
    assert office.is_working(bru(2024, 3, 8, 16, 59, 59))
    assert not office.is_working(bru(2024, 3, 8, 17))  # [start, end)
    assert not office.is_working(bru(2024, 3, 8, 7, 59, 59))
    assert not office.is_working(bru(2024, 3, 9, 12))  # Saturday
    assert office.is_working(utc(2024, 3, 8, 7))  # 08:00 CET
    assert not office.is_working(utc(2024, 3, 8, 16))  # 17:00 CET
    holiday = BusinessCalendar.office_hours("BE", "Europe/Brussels", holidays=[date(2024, 5, 1)])
    assert not holiday.is_working(bru(2024, 5, 1, 10))
    assert BusinessCalendar.twenty_four_seven().is_working(bru(2024, 3, 9, 3))


# -- daylight saving time (Europe/Brussels) -------------------------------------------


def test_office_day_is_nine_hours_on_dst_sundays(office7: BusinessCalendar) -> None:
    # Sun 31 March 08:00 CEST -> 17:00 CEST = 9 h, though the night was 23 h long
    assert office7.working_seconds(bru(2024, 3, 31), bru(2024, 4, 1)) == 9 * H
    # Sun 27 October: 9 h, though the night was 25 h long
    assert office7.working_seconds(bru(2024, 10, 27), bru(2024, 10, 28)) == 9 * H
    # the weekend around each change: Sat 9 h + Sun 9 h = 18 h
    assert office7.working_seconds(bru(2024, 3, 30), bru(2024, 4, 1)) == 18 * H
    assert office7.working_seconds(bru(2024, 10, 26), bru(2024, 10, 28)) == 18 * H


def test_office_hours_across_the_spring_forward_weekend(office: BusinessCalendar) -> None:
    # Fri 29 March 16:00 CET -> Mon 1 April 10:00 CEST: 1 h + 2 h = 3 h
    # (real time elapsed is 65 h, not 66 h: the weekend lost an hour, work did not)
    start, end = bru(2024, 3, 29, 16), bru(2024, 4, 1, 10)
    assert (end - start) == timedelta(hours=66)  # wall-clock difference (same tzinfo)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=65)
    assert office.working_seconds(start, end) == 3 * H
    due = office.add_working_seconds(start, 3 * H)
    assert due == bru(2024, 4, 1, 10)
    assert due == utc(2024, 4, 1, 8)  # CEST = UTC+2


def test_office_hours_across_the_fall_back_weekend(office: BusinessCalendar) -> None:
    # Fri 25 October 16:00 CEST -> Mon 28 October 10:00 CET: 1 h + 2 h = 3 h
    start, end = bru(2024, 10, 25, 16), bru(2024, 10, 28, 10)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=67)
    assert office.working_seconds(start, end) == 3 * H
    assert office.add_working_seconds(start, 3 * H) == utc(2024, 10, 28, 9)  # CET = UTC+1


def test_24x7_across_spring_forward_counts_23_real_hours() -> None:
    cal = BusinessCalendar.twenty_four_seven()
    # Sat 30 March 12:00 CET -> Sun 31 March 12:00 CEST: the local clock moved 24 h,
    # but only 23 h really elapsed (02:00 -> 03:00 never happened)
    assert cal.working_seconds(bru(2024, 3, 30, 12), bru(2024, 3, 31, 12)) == 23 * H
    # midnight to midnight of the change day: 23 h
    assert cal.working_seconds(bru(2024, 3, 31), bru(2024, 4, 1)) == 23 * H
    # 24 h of business time from Sat 12:00 ends on Sun at 13:00 local
    assert cal.add_working_seconds(bru(2024, 3, 30, 12), 24 * H) == bru(2024, 3, 31, 13)


def test_24x7_across_fall_back_counts_25_real_hours() -> None:
    cal = BusinessCalendar.twenty_four_seven()
    # Sat 26 October 12:00 CEST -> Sun 27 October 12:00 CET: 25 h really elapsed
    assert cal.working_seconds(bru(2024, 10, 26, 12), bru(2024, 10, 27, 12)) == 25 * H
    assert cal.working_seconds(bru(2024, 10, 27), bru(2024, 10, 28)) == 25 * H


def test_all_day_week_calendar_matches_24x7_across_dst() -> None:
    # 00:00-24:00 every day, without always=True: still real seconds
    cal = BusinessCalendar("all day", "Europe/Brussels", (((time(0), time(0)),),) * 7)
    assert cal.day_seconds() == 86_400
    assert cal.working_seconds(bru(2024, 3, 31), bru(2024, 4, 1)) == 23 * H
    assert cal.working_seconds(bru(2024, 10, 27), bru(2024, 10, 28)) == 25 * H
    assert cal.working_seconds(bru(2024, 3, 30, 12), bru(2024, 3, 31, 12)) == 23 * H


def _sunday_night(first: time, last: time) -> BusinessCalendar:
    return BusinessCalendar("night", "Europe/Brussels", ((),) * 6 + (((first, last),),))


def test_working_interval_spanning_the_change() -> None:
    cal = _sunday_night(time(1), time(4))
    # Sun 31 March 01:00 CET (00:00 UTC) -> 04:00 CEST (02:00 UTC) = 2 real hours
    assert cal.working_seconds(bru(2024, 3, 30), bru(2024, 4, 1)) == 2 * H
    # Sun 27 October 01:00 CEST (23:00 UTC Sat) -> 04:00 CET (03:00 UTC) = 4 real hours
    assert cal.working_seconds(bru(2024, 10, 26), bru(2024, 10, 28)) == 4 * H
    # a plain Sunday: 3 h
    assert cal.working_seconds(bru(2024, 3, 23), bru(2024, 3, 25)) == 3 * H
    # 1 h of work from 01:00 CET on 31 March ends at 03:00 CEST (= 01:00 UTC)
    assert cal.add_working_seconds(bru(2024, 3, 31, 1), H) == utc(2024, 3, 31, 1)


def test_working_interval_starting_in_the_gap() -> None:
    # 02:30 does not exist on 31 March: work starts when the clocks jump to 03:00 CEST
    cal = _sunday_night(time(2, 30), time(5))
    # 03:00 CEST (01:00 UTC) -> 05:00 CEST (03:00 UTC) = 2 h
    assert cal.working_seconds(bru(2024, 3, 30), bru(2024, 4, 1)) == 2 * H
    assert cal.is_working(utc(2024, 3, 31, 1))  # 03:00 CEST
    assert not cal.is_working(utc(2024, 3, 31, 0, 59, 59))  # 01:59:59 CET
    # a plain Sunday: 2 h 30
    assert cal.working_seconds(bru(2024, 3, 23), bru(2024, 3, 25)) == 2 * H + 30 * M


def test_working_interval_inside_the_gap_is_empty() -> None:
    cal = _sunday_night(time(2, 15), time(2, 45))
    assert cal.working_seconds(bru(2024, 3, 30), bru(2024, 4, 1)) == 0
    assert cal.working_seconds(bru(2024, 3, 23), bru(2024, 3, 25)) == 30 * M
    # the loop skips the empty Sunday and finds the next one (7 April)
    assert cal.add_working_seconds(bru(2024, 3, 30), 60) == bru(2024, 4, 7, 2, 16)


def test_working_interval_in_the_repeated_hour_uses_first_occurrence() -> None:
    # 02:30 happens twice on 27 October; the first (CEST, 00:30 UTC) is taken
    cal = _sunday_night(time(2, 30), time(4))
    # 02:30 CEST (00:30 UTC) -> 04:00 CET (03:00 UTC) = 2 h 30
    assert cal.working_seconds(bru(2024, 10, 26), bru(2024, 10, 28)) == 2 * H + 30 * M


# -- properties ---------------------------------------------------------------------

_ZONES = [UTC, BRU, NYC, ZoneInfo("Asia/Kolkata"), ZoneInfo("Australia/Lord_Howe")]

_CALENDARS = [
    BusinessCalendar.office_hours(
        "BE office",
        "Europe/Brussels",
        holidays=[date(2024, 1, 1), date(2024, 5, 1), date(2024, 12, 25), date(2025, 4, 21)],
    ),
    BusinessCalendar.twenty_four_seven(),
    # split shifts, a night shift through midnight, and Sunday nights through DST changes
    BusinessCalendar(
        "odd",
        "Europe/Brussels",
        (
            ((time(0), time(2)), (time(8), time(12)), (time(13), time(17))),
            ((time(8, 30), time(12)),),
            (),
            ((time(22), time(0)),),
            ((time(0), time(6)), (time(20), time(0))),
            (),
            ((time(1), time(4)), (time(23), time(0))),
        ),
        holidays=frozenset({date(2024, 10, 28)}),
    ),
    # 30-minute DST shift and a half-hour standard offset
    BusinessCalendar.office_hours("Lord Howe", "Australia/Lord_Howe", time(1), time(3), weekdays=7),
    BusinessCalendar.office_hours("NY", "America/New_York", time(0, 30), time(2, 30), weekdays=7),
]

instants = st.datetimes(
    min_value=datetime(2023, 12, 1),
    max_value=datetime(2025, 12, 31),
    timezones=st.sampled_from(_ZONES),
).map(lambda d: d.replace(microsecond=0))
calendars = st.sampled_from(_CALENDARS)
amounts = st.integers(min_value=0, max_value=40 * 24 * H)


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=instants, seconds=amounts)
def test_add_then_measure_round_trips(cal: BusinessCalendar, start: datetime, seconds: int) -> None:
    due = cal.add_working_seconds(start, seconds)
    assert due >= start
    assert cal.working_seconds(start, due) == seconds
    if seconds:  # and it is the earliest such instant
        assert cal.working_seconds(start, due - timedelta(seconds=1)) == seconds - 1
        assert cal.is_working(due - timedelta(seconds=1))


@settings(max_examples=300, deadline=None)
@given(cal=calendars, a=instants, b=instants, c=instants)
def test_additive_over_a_split_point(
    cal: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    first, middle, last = sorted([a, b, c])
    assert cal.working_seconds(first, last) == cal.working_seconds(
        first, middle
    ) + cal.working_seconds(middle, last)


@settings(max_examples=300, deadline=None)
@given(cal=calendars, a=instants, b=instants, c=instants)
def test_monotonic_and_bounded_by_real_time(
    cal: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    first, middle, last = sorted([a, b, c])
    assert cal.working_seconds(first, middle) <= cal.working_seconds(first, last)
    assert cal.working_seconds(middle, last) <= cal.working_seconds(first, last)
    real = int((last.astimezone(UTC) - first.astimezone(UTC)).total_seconds())
    assert 0 <= cal.working_seconds(first, last) <= real
    if cal.always:
        assert cal.working_seconds(first, last) == real


@settings(max_examples=200, deadline=None)
@given(cal=calendars, at=instants)
def test_is_working_matches_one_second_of_work(cal: BusinessCalendar, at: datetime) -> None:
    one_second = cal.working_seconds(at, at.astimezone(UTC) + timedelta(seconds=1))
    assert cal.is_working(at) == (one_second == 1)


@settings(max_examples=100, deadline=None)
@given(cal=calendars, start=instants, end=instants)
def test_result_does_not_depend_on_input_zone(
    cal: BusinessCalendar, start: datetime, end: datetime
) -> None:
    expected = cal.working_seconds(start, end)
    assert cal.working_seconds(start.astimezone(UTC), end.astimezone(NYC)) == expected
