"""The ServiceNow log's times are read without strptime where they are plain: the same time,
or the same refusal, as strptime's "%d/%m/%Y %H:%M" for any text."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from app.domain.imports import _sn_time

_part = st.text(alphabet="0123456789 ", min_size=0, max_size=5)


def _strptime(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=UTC)
    except ValueError:
        return None


def _read(text: str) -> datetime | None:
    try:
        return _sn_time(text, UTC)
    except ValueError:
        return None


def _number(low: int, high: int) -> st.SearchStrategy[str]:
    """A number as a log may write it: plain, zero-padded, or with a space before it."""
    return st.tuples(st.integers(low, high), st.sampled_from(["{}", "{:02d}", " {}"])).map(
        lambda n: n[1].format(n[0])
    )


_numbers = st.tuples(
    _number(0, 32), _number(0, 13), _number(998, 10000), _number(0, 25), _number(0, 61)
).map(lambda p: f"{p[0]}/{p[1]}/{p[2]} {p[3]}:{p[4]}")
_anything = st.tuples(_part, _part, _part, _part, _part).map(
    lambda p: f"{p[0]}/{p[1]}/{p[2]} {p[3]}:{p[4]}"
)


@given(st.one_of(_numbers, _anything))
@example("29/2/2016 01:16")
@example("29/2/2015 01:16")
@example("00/01/2016 10:10")
@example("1/13/2016 10:10")
@example("1/1/2016 24:00")
@example("1/1/2016 23:60")
@example("1/1/2016 23:5")
@example(" 1/1/2016 10:10")
@example("1/1/2016 10:10 ")
@example("01/01/2016 09:05")
@example("1/1/16 10:10")
def test_plain_times_read_as_strptime_reads_them(text: str) -> None:
    assert _read(text) == _strptime(text)


def test_a_time_seen_before_is_the_same_one() -> None:
    seen: dict[str, datetime] = {}
    first = _sn_time("3/4/2016 10:05", UTC, seen)
    assert first == datetime(2016, 4, 3, 10, 5, tzinfo=UTC)
    assert _sn_time("3/4/2016 10:05", UTC, seen) is first
