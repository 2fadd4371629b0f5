"""Business calendars: working hours per weekday, a time zone and days off.

A :class:`BusinessCalendar` answers one question for the SLA clock: how much
*business time* lies between two instants, and when will a given amount of
business time have elapsed.

Conventions
-----------
* Every ``datetime`` passed in must be timezone-aware (any zone); a naive one
  raises :class:`ValueError`. Instants returned are in UTC.
* Durations of business time are ``int`` seconds (storage friendly). Instants
  are counted at whole-second resolution: sub-second parts of an input are
  floored away before anything is computed.
* Working hours are local wall-clock times in the calendar's zone. A business
  second is a real (elapsed) second that falls inside a working interval, so a
  08:00-17:00 day is 9 hours even on a daylight-saving change day, and an
  interval that itself spans a change (e.g. 00:00-06:00 on the spring-forward
  night) counts the real seconds between its two wall-clock ends (5 hours).
  A wall-clock end that does not exist (inside the spring-forward gap) is taken
  as the instant the clocks jump; one that exists twice (the fall-back hour) is
  taken at its first occurrence.
* A 24x7 calendar (``always=True``) counts every elapsed second; its ``week``
  and ``holidays`` are ignored. From Saturday noon to Sunday noon across the
  spring-forward night the local clock moves 24 hours but only 23 real hours
  pass, and 23 are counted (25 across the fall-back night).

Standard library only (this is the domain layer). Days off are local dates:
either a plain set of them, or any :class:`DaysOff` object that answers
``day in days_off`` for one date at a time, of any year. The services wrap the
``holidays`` package in one (it expands the years it is asked about), so a
calendar knows the public holidays of 1990 and of 2090 alike; the calendar asks
once per local date and remembers the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "BusinessCalendar",
    "DayHours",
    "DaysOff",
    "WorkInterval",
    "from_epoch",
    "require_aware",
    "to_epoch",
]

WorkInterval = tuple[time, time]
"""A local working interval ``(start, end)``; an ``end`` of ``time(0)`` means 24:00."""

DayHours = tuple[WorkInterval, ...]
"""The working intervals of one weekday, sorted and not overlapping; empty = day off."""

_DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_EPOCH_ORDINAL = _NAIVE_EPOCH.toordinal()
_ONE_SECOND = timedelta(seconds=1)
_CACHE_LIMIT = 50_000  # resolved days kept per calendar (about 137 years)
_MAX_IDLE_DAYS = 3_660  # a calendar with no working day in ten years is refused when asked


@runtime_checkable
class DaysOff(Protocol):
    """Days off a calendar asks about one local date at a time, for any year.

    Must be hashable and compare by value (calendars are values); a ``frozenset``
    of dates is one. ``__contains__`` must be safe to call from several threads."""

    def __contains__(self, day: object) -> bool: ...

    def __hash__(self) -> int: ...


_Span = tuple[int, int]  # [start, end) in epoch seconds
# A working-interval end: (seconds of day 0..86400, 1 if on the next day,
# the local time with fold=0, the same with fold=1)
_Point = tuple[int, int, time, time]


def require_aware(value: datetime, what: str = "datetime") -> None:
    """Raise ``ValueError`` unless *value* is a timezone-aware ``datetime``."""
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{what} must be timezone-aware, got naive datetime {value.isoformat()}")


def to_epoch(value: datetime, what: str = "datetime") -> int:
    """Whole seconds since 1970-01-01 UTC (floored) of an aware ``datetime``."""
    require_aware(value, what)
    return (value - _EPOCH) // _ONE_SECOND


def from_epoch(seconds: int) -> datetime:
    """The UTC ``datetime`` of *seconds* since 1970-01-01 UTC."""
    return _EPOCH + timedelta(seconds=seconds)


def _seconds_of_day(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _point(seconds: int) -> _Point:
    next_day, seconds_of_day = divmod(seconds, _DAY)
    hour, rest = divmod(seconds_of_day, 3600)
    at = time(hour, rest // 60, rest % 60)
    return seconds, next_day, at, at.replace(fold=1)


def _points(span: tuple[int, int]) -> tuple[_Point, _Point]:
    return _point(span[0]), _point(span[1])


def _days_off(value: object) -> frozenset[date] | DaysOff:
    """A set of dates as a validated frozenset; a :class:`DaysOff` as it is."""
    if isinstance(value, AbstractSet | list | tuple):
        days = frozenset(value)
        for day in days:
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"holidays must be dates, got {day!r}")
        return days
    if not isinstance(value, DaysOff):
        raise TypeError(f"holidays must be a set of dates or a DaysOff, got {value!r}")
    hash(value)  # calendars are values: an unhashable days-off object is our bug, said early
    return value


def _check_time(value: object, where: str) -> time:
    if not isinstance(value, time):
        raise ValueError(f"{where}: expected a datetime.time, got {value!r}")
    if value.tzinfo is not None:
        raise ValueError(f"{where}: working hours are local times, drop the tzinfo")
    if value.microsecond:
        raise ValueError(f"{where}: working hours have whole-second resolution")
    return value


def _normalise_week(
    week: Sequence[Sequence[Sequence[time]]],
) -> tuple[tuple[DayHours, ...], tuple[tuple[_Span, ...], ...]]:
    """Validate *week*; return it as tuples and as seconds-of-day spans."""
    days = tuple(week)
    if len(days) != 7:
        raise ValueError(f"week must have 7 entries (Monday first), got {len(days)}")
    normalised: list[DayHours] = []
    spans: list[tuple[_Span, ...]] = []
    for weekday, day in enumerate(days):
        day_intervals: list[WorkInterval] = []
        day_spans: list[_Span] = []
        previous_end = 0
        for interval in day:
            pair = tuple(interval)
            where = f"week[{weekday}]"
            if len(pair) != 2:
                raise ValueError(f"{where}: each interval is a (start, end) pair")
            start = _check_time(pair[0], where)
            end = _check_time(pair[1], where)
            start_s = _seconds_of_day(start)
            end_s = _seconds_of_day(end) or _DAY  # 00:00 as an end means 24:00
            if end_s <= start_s:
                raise ValueError(
                    f"{where}: interval {start.isoformat()}-{end.isoformat()} "
                    "must end after it starts"
                )
            if start_s < previous_end:
                raise ValueError(f"{where}: intervals must be sorted and must not overlap")
            previous_end = end_s
            day_intervals.append((start, end))
            day_spans.append((start_s, end_s))
        normalised.append(tuple(day_intervals))
        spans.append(tuple(day_spans))
    return tuple(normalised), tuple(spans)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday in a time zone, minus days off; or 24x7.

    ``week`` has 7 entries, Monday first; each is a tuple of local
    ``(start, end)`` working intervals, sorted and not overlapping (an ``end``
    of ``time(0)`` means midnight at the end of the day); an empty tuple is a
    day off. ``holidays`` are the local dates that are days off: a set of
    dates, or a :class:`DaysOff` that answers per date (public holidays of any
    year). With ``always=True`` every second counts and ``week``/``holidays``
    are ignored.

    Instances are immutable and hashable; each keeps a private cache of the
    instants of the working intervals of the days it has already resolved.
    """

    name: str
    tz: str
    week: tuple[DayHours, ...]
    holidays: frozenset[date] | DaysOff = frozenset()
    always: bool = False

    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _week_points: tuple[tuple[tuple[_Point, _Point], ...], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )
    _day_seconds: int = field(init=False, repr=False, compare=False, hash=False)
    _cache: dict[int, tuple[_Span, ...]] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc
        week, week_spans = _normalise_week(self.week)
        holidays = _days_off(self.holidays)
        if self.always:
            day_seconds = _DAY
        else:
            day_seconds = max(sum(b - a for a, b in spans) for spans in week_spans)
            if day_seconds == 0:
                raise ValueError(f"calendar {self.name!r} has no working hours on any weekday")
        set_ = object.__setattr__  # frozen dataclass: normalise in place
        set_(self, "week", week)
        set_(self, "holidays", holidays)
        set_(self, "_zone", zone)
        set_(self, "_week_points", tuple(tuple(map(_points, day)) for day in week_spans))
        set_(self, "_day_seconds", day_seconds)
        set_(self, "_cache", {})

    # -- constructors -----------------------------------------------------

    @classmethod
    def twenty_four_seven(cls, name: str = "24x7", tz: str = "UTC") -> BusinessCalendar:
        """A calendar where every elapsed second is business time."""
        whole_day: DayHours = ((time(0), time(0)),)
        return cls(name=name, tz=tz, week=(whole_day,) * 7, always=True)

    @classmethod
    def office_hours(
        cls,
        name: str,
        tz: str,
        start: time = time(8),
        end: time = time(17),
        weekdays: int = 5,
        holidays: Iterable[date] = (),
    ) -> BusinessCalendar:
        """The same hours on the first *weekdays* days of the week (from Monday)."""
        if isinstance(weekdays, bool) or not 1 <= weekdays <= 7:
            raise ValueError(f"weekdays must be between 1 and 7, got {weekdays!r}")
        day: DayHours = ((start, end),)
        week = tuple(day if i < weekdays else () for i in range(7))
        return cls(name=name, tz=tz, week=week, holidays=frozenset(holidays))

    # -- queries ----------------------------------------------------------

    def day_seconds(self) -> int:
        """Length of a standard working day: the longest weekday's total, in
        nominal wall-clock seconds (86400 for 24x7). One "business day"."""
        return self._day_seconds

    def working_seconds(self, start: datetime, end: datetime) -> int:
        """Business seconds in ``[start, end)``; 0 if ``end <= start``."""
        s = to_epoch(start, "start")
        e = to_epoch(end, "end")
        if e <= s:
            return 0
        if self.always:
            return e - s
        total = 0
        day_spans = self._day_spans
        # One day of margin each side: a day's spans always lie within its own
        # local midnights, the margin just makes that independent of DST quirks.
        for ordinal in range(self._local_ordinal(s) - 1, self._local_ordinal(e) + 2):
            for a, b in day_spans(ordinal):
                lo = a if a > s else s
                hi = b if b < e else e
                if hi > lo:
                    total += hi - lo
        return total

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """The earliest instant (UTC) at which *seconds* of business time have
        elapsed from *start*.

        With ``seconds == 0`` it returns *start* itself (converted to UTC), even
        outside working hours. Otherwise the result can be the end of a working
        interval (e.g. Friday 17:00), never the start of the next one.
        """
        s = to_epoch(start, "start")
        if isinstance(seconds, bool) or not isinstance(seconds, int):
            raise TypeError(f"seconds must be an int, got {seconds!r}")
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        if seconds == 0:
            return start.astimezone(UTC)
        if self.always:
            return from_epoch(s + seconds)
        remaining = seconds
        ordinal = self._local_ordinal(s) - 1
        day_spans = self._day_spans
        idle = 0  # days in a row without working time: days off could cover every day
        while True:
            spans = day_spans(ordinal)
            for a, b in spans:
                if b <= s:
                    continue
                lo = a if a > s else s
                available = b - lo
                if remaining <= available:
                    return from_epoch(lo + remaining)
                remaining -= available
            idle = 0 if spans else idle + 1
            if idle > _MAX_IDLE_DAYS:
                raise ValueError(
                    f"calendar {self.name!r} has no working day in the ten years after "
                    f"{date.fromordinal(ordinal - idle + 1).isoformat()}: every day is a day off"
                )
            ordinal += 1

    def is_working(self, at: datetime) -> bool:
        """Whether the instant *at* is business time."""
        x = to_epoch(at, "at")
        if self.always:
            return True
        ordinal = self._local_ordinal(x)
        for o in (ordinal - 1, ordinal, ordinal + 1):
            for a, b in self._day_spans(o):
                if a <= x < b:
                    return True
        return False

    # -- internals --------------------------------------------------------

    def _local_ordinal(self, epoch: int) -> int:
        """Proleptic ordinal of the local date of an epoch instant."""
        return datetime.fromtimestamp(epoch, self._zone).toordinal()

    def _day_spans(self, ordinal: int) -> tuple[_Span, ...]:
        """Working intervals of one local date, as epoch-second spans."""
        cache = self._cache
        cached = cache.get(ordinal)
        if cached is not None:
            return cached
        points = self._week_points[(ordinal - 1) % 7]  # ordinal 1 is a Monday
        spans: tuple[_Span, ...] = ()
        if points and date.fromordinal(ordinal) not in self.holidays:
            base = (ordinal - _EPOCH_ORDINAL) * _DAY  # local midnight, in wall seconds
            days = (date.fromordinal(ordinal), date.fromordinal(ordinal + 1))
            resolved: list[_Span] = []
            floor: int | None = None
            for first, last in points:
                start = self._wall_to_epoch(base, days, first)
                end = self._wall_to_epoch(base, days, last)
                if floor is not None and start < floor:
                    start = floor  # defensive: keep spans ordered and disjoint
                if end > start:
                    resolved.append((start, end))
                    floor = end
            spans = tuple(resolved)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[ordinal] = spans
        return spans

    def _wall_to_epoch(self, base: int, days: tuple[date, date], point: _Point) -> int:
        """Epoch instant of a local wall-clock time of the day starting at *base*.

        Ambiguous wall times (fall-back) resolve to their first occurrence;
        nonexistent ones (spring-forward gap) to the instant the clocks jump,
        which keeps the mapping non-decreasing.
        """
        seconds, next_day, at, at_fold1 = point
        wall = base + seconds
        zone = self._zone
        day = days[next_day]
        first = zone.utcoffset(datetime.combine(day, at))
        second = zone.utcoffset(datetime.combine(day, at_fold1))
        assert first is not None and second is not None  # ZoneInfo always answers
        offset0 = first.days * _DAY + first.seconds
        if second <= first:  # normal, or ambiguous: first occurrence
            return wall - offset0
        # In a gap: wall - offset1 is before the jump, wall - offset0 after it.
        lo, hi = wall - (second.days * _DAY + second.seconds), wall - offset0
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if mid + self._offset_at(mid) >= wall:
                hi = mid
            else:
                lo = mid
        return hi

    def _offset_at(self, epoch: int) -> int:
        offset = datetime.fromtimestamp(epoch, self._zone).utcoffset()
        assert offset is not None
        return offset // _ONE_SECOND
