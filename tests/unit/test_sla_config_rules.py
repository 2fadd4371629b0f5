"""The admin's calendars and SLA policies as plain values: parsing hours, validation (each
message names its field and what is wrong, exactly) and the audit's differences in words."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from app.domain.errors import ValidationError
from app.domain.sla_config import (
    MAX_AUTO_CLOSE_DAYS,
    CalendarRecord,
    CalendarSpec,
    FieldDiff,
    PolicyRecord,
    PolicySpec,
    TargetRecord,
    TargetSpec,
    calendar_diff,
    check_calendar,
    check_policy,
    check_zone,
    day_hours_text,
    duration_words,
    parse_day_hours,
    policy_diff,
)

OFFICE = ((time(8), time(17)),)
WEEK = (OFFICE,) * 5 + ((), ())
CALS = {1: "Office hours", 2: "24x7"}


def _refused(call, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as err:
        call()
    assert (err.value.field, str(err.value)) == (field, message)


# -- hours ------------------------------------------------------------------------------------


def test_day_hours_are_parsed_with_split_shifts_and_midnight() -> None:
    assert parse_day_hours(" 08:00-12:00, 13:00 - 17:30 ") == (
        (time(8), time(12)),
        (time(13), time(17, 30)),
    )
    assert parse_day_hours("22:00-24:00") == ((time(22), time(0)),)
    assert parse_day_hours("9:05-23:59") == ((time(9, 5), time(23, 59)),)
    for off in ("", "  ", "closed", "Closed", "OFF", "-"):
        assert parse_day_hours(off) == ()


def test_bad_day_hours_name_the_weekday_and_the_part() -> None:
    _refused(
        lambda: parse_day_hours("08:00-12:00, 1pm-5pm", "Tuesday"),
        "week",
        "Tuesday: '1pm-5pm' is not an interval like 08:00-17:00",
    )
    _refused(
        lambda: parse_day_hours("08:00"),
        "week",
        "hours: '08:00' is not an interval like 08:00-17:00",
    )
    for bad in ("24:00-25:00", "08:60-12:00", "08:00-12:60", "08:00-24:30", "25:00-26:00"):
        _refused(
            lambda bad=bad: parse_day_hours(bad, "Friday"),
            "week",
            f"Friday: {bad!r} is not a time of day",
        )


def test_day_hours_in_words() -> None:
    assert day_hours_text(()) == "closed"
    assert (
        day_hours_text(((time(8), time(12)), (time(13), time(17, 30))))
        == "08:00-12:00, 13:00-17:30"
    )
    assert day_hours_text(((time(22), time(0)),)) == "22:00-24:00"
    assert parse_day_hours(day_hours_text(WEEK[0])) == WEEK[0]


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (59, "59 seconds"),
        (60, "1 minute"),
        (900, "15 minutes"),
        (3600, "1 hour"),
        (3661, "1 hour 1 minute 1 second"),
        (4 * 3600, "4 hours"),
        (27 * 3600 + 30 * 60, "27 hours 30 minutes"),
        (7200 + 2, "2 hours 2 seconds"),
    ],
)
def test_durations_in_words(seconds: int, words: str) -> None:
    assert duration_words(seconds) == words


# -- calendars --------------------------------------------------------------------------------


def test_zone_is_an_iana_name() -> None:
    assert check_zone(" Europe/Brussels ") == "Europe/Brussels"
    message = "Unknown time zone {!r}: use an IANA name such as Europe/Brussels or America/New_York"
    for bad in ("Mars/Olympus", "", None, "../etc/passwd"):
        _refused(
            lambda bad=bad: check_zone(bad), "timezone", message.format(str(bad or "").strip())
        )


def test_a_calendar_is_normalised() -> None:
    spec = CalendarSpec(
        "  Brussels   office ",
        "Europe/Brussels",
        WEEK,
        holiday_country=" be ",
        holiday_subdiv=" ",
        custom_holidays=(date(2026, 12, 24), date(2026, 5, 1), date(2026, 12, 24)),
    )
    got = check_calendar(spec)
    assert got == CalendarSpec(
        "Brussels office",
        "Europe/Brussels",
        WEEK,
        False,
        "BE",
        None,
        (date(2026, 5, 1), date(2026, 12, 24)),
    )
    always = check_calendar(
        CalendarSpec("Around the clock", "UTC", (), always=True, holiday_subdiv="vlg")
    )
    assert always.week == (((time(0), time(0)),),) * 7
    assert (always.always, always.holiday_country, always.holiday_subdiv) == (True, None, "VLG")


def test_bad_calendars_are_named() -> None:
    _refused(
        lambda: check_calendar(CalendarSpec("  ", "UTC", WEEK)), "name", "The calendar needs a name"
    )
    _refused(
        lambda: check_calendar(CalendarSpec("x" * 121, "UTC", WEEK)),
        "name",
        "The calendar name has 121 characters; at most 120",
    )
    assert check_calendar(CalendarSpec("x" * 120, "UTC", WEEK)).name == "x" * 120
    _refused(
        lambda: check_calendar(CalendarSpec("Office", "UTC", WEEK, always="yes")),  # type: ignore[arg-type]
        "always",
        "24x7 is yes or no, got 'yes'",
    )
    _refused(
        lambda: check_calendar(CalendarSpec("Office", "UTC", WEEK[:6])),
        "week",
        "A calendar has hours for 7 weekdays (Monday first), got 6",
    )
    _refused(
        lambda: check_calendar(CalendarSpec("Office", "UTC", ((),) * 7)),
        "week",
        "The calendar 'Office' has no working hours on any weekday; a calendar that always runs is 24x7",
    )
    overlapping = (((time(8), time(12)), (time(11), time(17))), *WEEK[1:])
    with pytest.raises(ValidationError) as err:
        check_calendar(CalendarSpec("Office", "UTC", overlapping))
    assert err.value.field == "week" and str(err.value).startswith("Monday: ")
    assert "week[" not in str(err.value)
    backwards = (*WEEK[:2], ((time(17), time(8)),), *WEEK[3:])
    with pytest.raises(ValidationError, match=r"^Wednesday: ") as err:
        check_calendar(CalendarSpec("Office", "UTC", backwards))
    _refused(
        lambda: check_calendar(
            CalendarSpec("Office", "UTC", WEEK, custom_holidays=(datetime(2026, 5, 1),))
        ),  # type: ignore[arg-type]
        "custom_holidays",
        "A custom day off must be a date, got datetime.datetime(2026, 5, 1, 0, 0)",
    )
    _refused(
        lambda: check_calendar(
            CalendarSpec("Office", "UTC", WEEK, custom_holidays=("2026-05-01",))
        ),  # type: ignore[arg-type]
        "custom_holidays",
        "A custom day off must be a date, got '2026-05-01'",
    )


def test_a_calendar_record_is_what_its_editor_starts_from() -> None:
    rec = CalendarRecord(
        3, "Office", "Europe/Brussels", False, WEEK, "BE", None, (date(2026, 5, 1),)
    )
    assert rec.spec() == CalendarSpec(
        "Office", "Europe/Brussels", WEEK, False, "BE", None, (date(2026, 5, 1),)
    )


# -- policies ---------------------------------------------------------------------------------


def _policy(**kw: object) -> PolicySpec:
    fields: dict[str, object] = {
        "name": "Standard",
        "calendar_id": 1,
        "targets": {
            2: TargetSpec(3600, 8 * 3600),
            1: TargetSpec(900, 4 * 3600, calendar_id=2),
            3: TargetSpec(4 * 3600, 27 * 3600, calendar_id=1),
        },
    }
    fields.update(kw)
    return PolicySpec(**fields)  # type: ignore[arg-type]


def test_a_policy_is_normalised() -> None:
    got = check_policy(_policy(name="  Standard   SLA "), 3, CALS)
    assert got.name == "Standard SLA" and got.calendar_id == 1
    assert list(got.targets) == [1, 2, 3]  # sorted by priority
    assert got.targets[1] == TargetSpec(900, 4 * 3600, 2)
    assert got.targets[3] == TargetSpec(4 * 3600, 27 * 3600, None)  # the policy's own calendar
    assert (got.auto_close_days, got.retroactive_start, got.active) == (7, True, True)
    edge = check_policy(
        _policy(auto_close_days=MAX_AUTO_CLOSE_DAYS, retroactive_start=False, active=False), 3, CALS
    )
    assert (edge.auto_close_days, edge.retroactive_start, edge.active) == (365, False, False)
    assert check_policy(_policy(auto_close_days=1), 3, CALS).auto_close_days == 1
    same = TargetSpec(366 * 86_400, 366 * 86_400)
    assert check_policy(_policy(targets={1: same}), 1, CALS).targets[1] == same
    with pytest.raises(TypeError):
        got.targets[4] = same  # type: ignore[index]


def test_bad_policies_are_named() -> None:
    def refused(spec: PolicySpec, field: str, message: str, priorities: int = 3) -> None:
        _refused(lambda: check_policy(spec, priorities, CALS), field, message)

    refused(_policy(name=""), "name", "The SLA policy needs a name")
    refused(_policy(calendar_id=9), "calendar", "No calendar with id 9")
    for days in (0, MAX_AUTO_CLOSE_DAYS + 1, True, "3", 2.5):
        refused(
            _policy(auto_close_days=days),
            "auto_close_days",
            f"Auto-close needs 1 to 365 business days, got {days!r}",
        )
    refused(
        _policy(retroactive_start=1), "retroactive_start", "retroactive start is yes or no, got 1"
    )
    refused(_policy(active="no"), "active", "active is yes or no, got 'no'")
    t = TargetSpec(900, 3600)
    for priority in (0, -1, True, "1"):
        refused(
            _policy(targets={priority: t}),
            "targets",
            f"A priority is a whole number from 1, got {priority!r}",
        )
    refused(_policy(targets={1: (900, 3600)}), "targets", "P1: expected targets, got (900, 3600)")
    for bad in (0, -5, 366 * 86_400 + 1):
        refused(
            _policy(targets={2: TargetSpec(bad, 3600)}),
            "targets",
            f"P2: the response target must be more than 0 and at most a year, got {bad} s",
        )
    for bad in (1.5, True, "60", None):
        refused(
            _policy(targets={2: TargetSpec(60, bad)}),  # type: ignore[arg-type]
            "targets",
            f"P2: the resolution target must be a whole number of seconds, got {bad!r}",
        )
    refused(
        _policy(targets={1: TargetSpec(7200, 3600)}),
        "targets",
        "P1: the response target (2 hours) is longer than the resolution target (1 hour)",
    )
    refused(
        _policy(targets={1: TargetSpec(60, 3600, calendar_id=7)}),
        "targets",
        "P1: no calendar with id 7",
    )
    refused(
        _policy(targets={2: t}),
        "targets",
        "The policy needs targets for every priority of the matrix; missing: P1, P3",
    )
    assert (
        check_policy(_policy(targets={1: TargetSpec(3600, 3600)}), 1, CALS).targets[1].response_s
        == 3600
    )


def test_a_policy_record_is_what_its_editor_starts_from() -> None:
    rec = PolicyRecord(
        5,
        "Standard",
        1,
        "Office hours",
        False,
        4,
        False,
        (
            TargetRecord(1, 900, 14400, 2, "24x7"),
            TargetRecord(2, 3600, 28800, None, "Office hours"),
        ),
    )
    spec = rec.spec()
    assert spec == PolicySpec(
        "Standard",
        1,
        {1: TargetSpec(900, 14400, 2), 2: TargetSpec(3600, 28800, None)},
        4,
        False,
        False,
    )
    assert (spec.auto_close_days, spec.retroactive_start, spec.active) == (4, False, False)


# -- differences ------------------------------------------------------------------------------


def test_a_new_calendar_lists_every_field_it_sets() -> None:
    new = check_calendar(CalendarSpec("Office", "Europe/Brussels", WEEK, holiday_country="BE"))
    assert calendar_diff(None, new) == [
        FieldDiff("name", None, "Office"),
        FieldDiff("time zone", None, "Europe/Brussels"),
        FieldDiff("24x7", None, "no"),
        *[
            FieldDiff(f"{d} hours", None, "08:00-17:00")
            for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
        ],
        FieldDiff("Saturday hours", None, "closed"),
        FieldDiff("Sunday hours", None, "closed"),
        FieldDiff("holiday country", None, "BE"),
    ]


def test_a_changed_calendar_lists_what_changed() -> None:
    old = check_calendar(CalendarSpec("Office", "Europe/Brussels", WEEK, holiday_country="BE"))
    friday_short = (*WEEK[:4], ((time(8), time(12)),), *WEEK[5:])
    new = check_calendar(
        CalendarSpec(
            "Office", "Europe/Paris", friday_short, holiday_country="FR", holiday_subdiv="75",
            custom_holidays=(date(2026, 12, 24), date(2026, 12, 31)),
        )
    )  # fmt: skip
    assert calendar_diff(old, new) == [
        FieldDiff("time zone", "Europe/Brussels", "Europe/Paris"),
        FieldDiff("Friday hours", "08:00-17:00", "08:00-12:00"),
        FieldDiff("holiday country", "BE", "FR"),
        FieldDiff("holiday subdivision", None, "75"),
        FieldDiff("custom days off", None, "2026-12-24, 2026-12-31"),
    ]
    assert calendar_diff(new, new) == []
    always = check_calendar(
        CalendarSpec("Office", "Europe/Brussels", (), always=True, holiday_country="BE")
    )
    assert calendar_diff(old, always) == [FieldDiff("24x7", "no", "yes")]
    assert calendar_diff(always, old) == [
        FieldDiff("24x7", "yes", "no"),
        *[
            FieldDiff(f"{d} hours", None, "08:00-17:00")
            for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
        ],
        FieldDiff("Saturday hours", None, "closed"),
        FieldDiff("Sunday hours", None, "closed"),
    ]


def test_a_new_policy_lists_every_field_with_calendars_by_name() -> None:
    new = check_policy(
        _policy(targets={1: TargetSpec(900, 14400, 2), 2: TargetSpec(3600, 28800)}), 2, CALS
    )
    assert policy_diff(None, new, CALS) == [
        FieldDiff("name", None, "Standard"),
        FieldDiff("calendar", None, "Office hours"),
        FieldDiff("auto-close days", None, "7"),
        FieldDiff("retroactive start", None, "yes"),
        FieldDiff("active", None, "yes"),
        FieldDiff("P1 response", None, "15 minutes"),
        FieldDiff("P1 resolution", None, "4 hours"),
        FieldDiff("P1 calendar", None, "24x7"),
        FieldDiff("P2 response", None, "1 hour"),
        FieldDiff("P2 resolution", None, "8 hours"),
        FieldDiff("P2 calendar", None, "the policy's"),
    ]


def test_a_changed_policy_lists_what_changed() -> None:
    old = check_policy(
        _policy(targets={1: TargetSpec(900, 14400, 2), 2: TargetSpec(3600, 28800)}), 2, CALS
    )
    new = check_policy(
        _policy(
            name="Gold",
            calendar_id=2,
            auto_close_days=5,
            retroactive_start=False,
            active=False,
            targets={1: TargetSpec(600, 14400), 3: TargetSpec(60, 120, 9)},
        ),
        1,
        {**CALS, 9: "Night shift"},
    )
    names = {1: "Office hours", 2: "24x7"}  # calendar 9 is gone from the names by now
    assert policy_diff(old, new, names) == [
        FieldDiff("name", "Standard", "Gold"),
        FieldDiff("calendar", "Office hours", "24x7"),
        FieldDiff("auto-close days", "7", "5"),
        FieldDiff("retroactive start", "yes", "no"),
        FieldDiff("active", "yes", "no"),
        FieldDiff("P1 response", "15 minutes", "10 minutes"),
        FieldDiff("P1 calendar", "24x7", "the policy's"),
        FieldDiff("P2 response", "1 hour", None),
        FieldDiff("P2 resolution", "8 hours", None),
        FieldDiff("P2 calendar", "the policy's", None),
        FieldDiff("P3 response", None, "1 minute"),
        FieldDiff("P3 resolution", None, "2 minutes"),
        FieldDiff("P3 calendar", None, "calendar 9"),
    ]
    assert policy_diff(new, new, names) == []
