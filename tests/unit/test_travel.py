"""The suite's time machine (tests/conftest.py, --travel): what it reads, and that it travels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import travel_target


def test_a_target_names_its_zone_or_its_offset() -> None:
    brussels = ZoneInfo("Europe/Brussels")
    assert travel_target("2026-12-05 23:30 Europe/Brussels") == datetime(
        2026, 12, 5, 23, 30, tzinfo=brussels
    )
    assert travel_target("2026-12-07T09:00+01:00") == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    for bad in ("2026-12-05 23:30", "Saturday night Europe/Brussels", "2026-12-05T23:30+01:00 UTC"):
        with pytest.raises(pytest.UsageError):
            travel_target(bad)


def test_a_travelled_session_reads_the_travelled_clock(pytestconfig: pytest.Config) -> None:
    text = pytestconfig.getoption("--travel")
    if not text:
        pytest.skip("this session is not travelled (--travel)")
    target = travel_target(str(text))
    now = datetime.now(UTC)
    assert target <= now < target + timedelta(hours=3)  # ticking from the target, not frozen
