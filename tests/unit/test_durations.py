"""A target typed as an admin types it: the words the window shows read back, short forms too;
anything else is refused naming the target."""

from __future__ import annotations

import pytest

from app.domain.errors import ValidationError
from app.domain.sla_config import duration_words, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("15 minutes", 900),
        ("4 hours", 14_400),
        ("1 hour 30 minutes", 5_400),
        ("1h 30m", 5_400),
        ("90m", 5_400),
        ("1:30", 5_400),
        ("27 hours 30 minutes", 99_000),
    ],
)
def test_durations_read(text: str, seconds: int) -> None:
    assert parse_duration(text, "P2 response") == seconds


@pytest.mark.parametrize("seconds", [60, 900, 3_600, 64_800, 99_000, 3_601])
def test_what_the_window_shows_reads_back(seconds: int) -> None:
    assert parse_duration(duration_words(seconds), "P1 resolution") == seconds


@pytest.mark.parametrize("text", ["", "two days", "4 days", "4h x", "1:75"])
def test_anything_else_is_refused_naming_the_target(text: str) -> None:
    with pytest.raises(ValidationError, match=r"^P3 resolution: .* is not a duration") as err:
        parse_duration(text, "P3 resolution")
    assert err.value.field == "P3 resolution"
