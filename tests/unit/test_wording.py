"""How clocks and times are worded: pure functions of the instant, `now` and the site's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.sla import Threshold
from app.domain.wording import compact_time, due_time, local_time, sla_look

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(hours=2, minutes=5, seconds=30), "due in 2h 05m"),
        (timedelta(minutes=45, seconds=10), "due in 45m"),
        (timedelta(seconds=20), "due now"),
        (timedelta(seconds=-20), "due now"),
        (-timedelta(days=3, hours=4, minutes=10), "overdue 3d 4h"),
        (-timedelta(minutes=7, seconds=1), "overdue 7m"),
    ],
)
def test_wall_clock_wording(delta: timedelta, text: str) -> None:
    assert sla_look(NOW + delta, NOW, threshold=Threshold.OK).text == text


def test_colour_and_states() -> None:
    assert (
        sla_look(NOW + timedelta(hours=1), NOW, threshold=Threshold.AT_RISK).threshold
        is Threshold.AT_RISK
    )
    # past the due instant it is breached, whatever was stored
    assert (
        sla_look(NOW - timedelta(hours=1), NOW, threshold=Threshold.AT_RISK).threshold
        is Threshold.BREACHED
    )
    paused = sla_look(None, NOW, threshold=Threshold.WARNING, paused=True)
    assert (paused.text, paused.threshold) == ("paused", None)
    assert sla_look(NOW, NOW, threshold=Threshold.OK, stopped=True).text == "met"
    assert (
        sla_look(NOW, NOW, threshold=Threshold.BREACHED, stopped=True, breached=True).text
        == "breached"
    )


TOKYO, BRUSSELS, LOS_ANGELES = ZoneInfo("Asia/Tokyo"), ZoneInfo("Europe/Brussels"), ZoneInfo(
    "America/Los_Angeles"
)


@pytest.mark.parametrize("zone", [TOKYO, BRUSSELS, LOS_ANGELES, ZoneInfo("UTC")])
@pytest.mark.parametrize(
    "now",
    [
        datetime(2028, 2, 29, 23, 30, tzinfo=UTC),  # a leap day, late in UTC
        datetime(2026, 12, 31, 22, 0, tzinfo=UTC),  # New Year's Eve: next year in Tokyo
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # Brussels' spring-forward night
    ],
)
def test_compact_time_reads_the_sites_calendar_day(now: datetime, zone: ZoneInfo) -> None:
    local_now = now.astimezone(zone)
    earlier_today = local_now.replace(hour=0, minute=5).astimezone(UTC)
    assert compact_time(earlier_today, now, zone) == "00:05"
    yesterday = (local_now - timedelta(days=1)).replace(hour=9, minute=14)
    expected = f"{yesterday.day} {yesterday:%b} 09:14"
    if yesterday.year != local_now.year:
        expected = f"{yesterday.day} {yesterday:%b %Y}"
    assert compact_time(yesterday.astimezone(UTC), now, zone) == expected
    last_year = local_now.replace(year=local_now.year - 1, month=6, day=1)
    assert compact_time(last_year, now, zone) == f"1 Jun {local_now.year - 1}"
    assert compact_time(None, now, zone) == ""


def test_times_are_shown_in_the_sites_zone_not_the_machines() -> None:
    instant = datetime(2026, 7, 1, 6, 30, tzinfo=UTC)
    assert local_time(instant, BRUSSELS) == "2026-07-01 08:30"
    assert local_time(instant, TOKYO) == "2026-07-01 15:30"
    assert local_time(instant, LOS_ANGELES) == "2026-06-30 23:30"
    assert due_time(instant, instant, TOKYO) == "Wed 1 Jul 15:30"
    assert due_time(instant, instant + timedelta(days=400), TOKYO) == "Wed 1 Jul 2026 15:30"
