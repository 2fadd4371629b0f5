"""Public holidays of any year (not the years around the day the process started), the site's
configuration in incidentdesk.ini, and the clock rules of retroactive start."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from app.db import config
from app.domain.calendar import BusinessCalendar
from app.domain.errors import ValidationError
from app.domain.lifecycle import State
from app.domain.sla import SlaTarget, Threshold, clock_starts, restart_at
from app.models import BusinessCalendarRow
from app.services.policies import PublicHolidays, calendar_from_row, check_holiday_region
from app.services.sla_fields import sla_fields

WEEK = [[["08:00", "17:00"]]] * 5 + [[], []]
H = 3600


def _belgian() -> BusinessCalendar:
    row = BusinessCalendarRow(
        name="Brussels", tz="Europe/Brussels", always=False, week=WEEK, holiday_country="BE", custom_holidays=[]
    )
    return calendar_from_row(row)


@pytest.mark.parametrize("year", [1995, 2040, 2090])
def test_public_holidays_of_any_year_are_days_off(year: int) -> None:
    christmas = date(year, 12, 25)
    assert christmas.weekday() < 5  # a working weekday, but for Christmas
    cal = _belgian()
    start = datetime(year, 12, 25, 0, 0, tzinfo=UTC)
    assert cal.working_seconds(start, start + timedelta(days=1)) == 0
    assert christmas in cal.holidays and date(year, 12, 27) not in cal.holidays


def test_custom_days_off_and_holiday_names() -> None:
    days = PublicHolidays("BE", None, [date(2031, 12, 24)])
    assert date(2031, 12, 24) in days and date(2031, 7, 21) in days
    assert days.name_of(date(2031, 12, 24)) == "Custom day off"
    assert days.name_of(date(2031, 12, 23)) is None
    assert "Christmas" in (days.name_of(date(2031, 12, 25)) or "")
    assert days == PublicHolidays("BE", None, [date(2031, 12, 24)])  # a value: calendars hash
    assert hash(days) == hash(PublicHolidays("BE", None, [date(2031, 12, 24)]))
    assert "not a date" not in days


class _EveryFriday:
    """A days-off object of our own: the calendar only asks `day in days_off`."""

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and day.weekday() == 4

    def __hash__(self) -> int:
        return 5

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _EveryFriday)


def test_a_calendar_takes_any_days_off_object() -> None:
    cal = BusinessCalendar("Four-day week", "UTC", (((time(8), time(17)),),) * 5 + ((), ()), holidays=_EveryFriday())
    thursday_4pm = datetime(2026, 3, 5, 16, 0, tzinfo=UTC)
    assert cal.add_working_seconds(thursday_4pm, 2 * H) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


def test_a_calendar_whose_every_day_is_off_says_so() -> None:
    class Never:
        def __contains__(self, day: object) -> bool:
            return True

        def __hash__(self) -> int:
            return 0

    cal = BusinessCalendar("Closed", "UTC", (((time(8), time(17)),),) * 7, holidays=Never())
    with pytest.raises(ValueError, match="no working day in the ten years"):
        cal.add_working_seconds(datetime(2026, 1, 1, tzinfo=UTC), H)


def test_an_unhashable_days_off_is_refused() -> None:
    with pytest.raises(TypeError, match="holidays must be a set of dates or a DaysOff"):
        BusinessCalendar("x", "UTC", (((time(8), time(17)),),) * 7, holidays={date(2026, 1, 1): "New year"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("country", "subdiv", "message"),
    [("XX", None, "Unknown holiday country 'XX'"), ("DE", "QQ", "DE has no holiday subdivision 'QQ'"),
     (None, "BY", "needs a holiday country")],
)
def test_holiday_regions_are_checked(country: str | None, subdiv: str | None, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_holiday_region(country, subdiv)


def test_holiday_regions_are_normalised() -> None:
    assert check_holiday_region(" de ", "by") == ("DE", "BY")
    assert check_holiday_region("", "") == (None, None)


# -- the [site] section -----------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    user, site = tmp_path / "user.ini", tmp_path / "site.ini"
    monkeypatch.setattr(config, "user_config_file", lambda: user)
    monkeypatch.setattr(config, "site_config_file", lambda: site)
    return user, site


def test_site_from_the_config_file(files: tuple[Path, Path]) -> None:
    user, site = files
    site.write_text("[database]\nurl = postgresql://desk@db/x\n\n[site]\ntimezone = Europe/Brussels\nholiday_country = BE\n")
    got = config.site_config({"TZ": "Asia/Tokyo"})
    assert (got.timezone, got.holiday_country, got.holiday_subdiv, got.source) == ("Europe/Brussels", "BE", None, str(site))
    user.write_text("[site]\nholiday_country = DE\nholiday_subdiv = BY\n")  # the user's file first
    got = config.site_config({"TZ": "Asia/Tokyo"})
    assert (got.timezone, got.holiday_country, got.holiday_subdiv) == ("Asia/Tokyo", "DE", "BY")


def test_without_a_site_section_the_system_zone_and_no_holidays(files: tuple[Path, Path]) -> None:
    files[0].write_text("[database]\nurl = sqlite:////tmp/x.db\n")
    got = config.site_config({"TZ": "America/Chicago"})
    assert (got.timezone, got.holiday_country, got.source) == ("America/Chicago", None, "system")


def test_a_zone_that_does_not_exist_names_the_file(files: tuple[Path, Path]) -> None:
    files[0].write_text("[site]\ntimezone = Europe/Gotham\n")
    with pytest.raises(ValidationError, match=r"user.ini: \[site\] timezone = Europe/Gotham is not an IANA time zone"):
        config.site_config({})


# -- retroactive start, as pure rules -----------------------------------------------------------

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_clock_starts() -> None:
    later = T0 + timedelta(days=2)
    assert clock_starts(T0, None, None) == (T0, T0)
    assert clock_starts(T0, later, None) == (later, later)  # both clocks restart
    # a response given before the restart stays measured from the opening
    assert clock_starts(T0, later, T0 + timedelta(hours=1)) == (T0, later)


def test_restart_at() -> None:
    now = T0 + timedelta(days=2)
    assert restart_at(retroactive=True, active=True, started_at=None, now=now) is None
    assert restart_at(retroactive=False, active=True, started_at=None, now=now) == now
    assert restart_at(retroactive=False, active=False, started_at=None, now=now) is None


def test_sla_fields_measure_from_the_restart_and_keep_the_response_thresholds() -> None:
    always = BusinessCalendar.twenty_four_seven()
    p1 = SlaTarget(15 * 60, 4 * H)
    raised = T0 + timedelta(hours=48)
    kw = dict(state=State.NEW, target=p1, calendar=always, opened_at=T0, resolved_at=None,
              closed_at=None, pauses=(), now=raised + timedelta(minutes=10))
    retro = sla_fields(**kw)  # type: ignore[arg-type]
    assert retro.resolution_due == T0 + timedelta(hours=4) and retro.sla_breached
    assert retro.response_stage == Threshold.BREACHED and retro.response_warn_at == T0 + timedelta(seconds=450)
    fresh = sla_fields(**kw, started_at=raised)  # type: ignore[arg-type]
    assert fresh.resolution_due == raised + timedelta(hours=4) and not fresh.sla_breached
    assert fresh.response_due == raised + timedelta(minutes=15)
    # ceil(50% of 900 s) = 450 s, ceil(75%) = 675 s; ten minutes in: past 50%, not 75%
    assert (fresh.response_warn_at, fresh.response_at_risk_at) == (
        raised + timedelta(seconds=450), raised + timedelta(seconds=675),
    )
    assert fresh.response_stage == Threshold.WARNING
    answered = sla_fields(**kw, started_at=raised, responded_at=raised + timedelta(minutes=5))  # type: ignore[arg-type]
    assert (answered.response_warn_at, answered.response_at_risk_at, answered.response_stage) == (None, None, 0)
