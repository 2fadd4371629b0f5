"""The SLA clock: targets per priority, pauses, thresholds and their wording.

Durations are ``int`` seconds of *business time* of a
:class:`~app.domain.calendar.BusinessCalendar`; every ``datetime`` passed in
must be timezone-aware (a naive one raises ``ValueError``) and instants
returned are in UTC.

Thresholds follow ServiceNow and iTop: a warning at 50% of a target, "at risk"
at 75%, breached at 100%; both clocks (response and resolution) have them.

Where the clocks start when the priority changes is a setting of each policy,
``retroactive_start`` (ServiceNow's SLA definitions have the same check box):

* on (the default): the new targets are measured from the incident's opening,
  with every pause kept. An incident raised to P1 after three days is breached
  the moment it becomes P1, as if it had been P1 all along.
* off: the new targets' clocks start at the change (:func:`restart_at`). Time
  before the change does not count, pauses before it do not matter, and a pause
  still running at the change keeps the new clock paused until it ends. A
  response already given before the change stays measured from the opening.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from app.domain.calendar import BusinessCalendar, require_aware

__all__ = [
    "ClockStatus",
    "Pause",
    "SlaPolicy",
    "SlaTarget",
    "Threshold",
    "clock_starts",
    "clock_status",
    "default_policy",
    "describe_duration",
    "format_remaining",
    "restart_at",
    "threshold_for",
]


class Threshold(enum.IntEnum):
    """How far a clock has gone; the value is the percentage that reaches it."""

    OK = 0
    WARNING = 50
    AT_RISK = 75
    BREACHED = 100


def threshold_for(percent: float) -> Threshold:
    """The threshold reached at *percent* of a target (50, 75, 100 inclusive)."""
    if math.isnan(percent):
        raise ValueError("percent must be a number, got NaN")
    for threshold in (Threshold.BREACHED, Threshold.AT_RISK, Threshold.WARNING):
        if percent >= threshold:
            return threshold
    return Threshold.OK


def _check_seconds(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int number of seconds, got {value!r}")
    if value <= 0:
        raise ValueError(f"{what} must be a positive number of seconds, got {value}")


@dataclass(frozen=True)
class SlaTarget:
    """Business seconds for the response and resolution targets of one priority."""

    response_s: int
    resolution_s: int

    def __post_init__(self) -> None:
        _check_seconds(self.response_s, "response_s")
        _check_seconds(self.resolution_s, "resolution_s")


@dataclass(frozen=True)
class Pause:
    """A period during which a clock does not run; ``end=None``: still paused."""

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.start, "pause start")
        if self.end is not None:
            require_aware(self.end, "pause end")
            if self.end < self.start:
                raise ValueError(
                    f"pause ends ({self.end.isoformat()}) before it starts "
                    f"({self.start.isoformat()})"
                )


@dataclass(frozen=True)
class ClockStatus:
    """Where one SLA clock stands at a given instant (see :func:`clock_status`)."""

    target_s: int
    elapsed_s: int  # business seconds elapsed, pauses excluded
    remaining_s: int  # target_s - elapsed_s; negative once breached
    percent: float  # elapsed_s / target_s * 100; can exceed 100
    threshold: Threshold
    paused: bool  # a pause covers `now` (never True for a stopped clock)
    due_at: datetime | None  # UTC; None while paused and not yet breached
    stopped: bool  # stopped (responded/resolved): elapsed frozen at the stop

    @property
    def breached(self) -> bool:
        return self.threshold is Threshold.BREACHED


def _merged_pauses(
    pauses: Sequence[Pause], start: datetime, until: datetime
) -> list[tuple[datetime, datetime]]:
    """The union of *pauses* clipped to ``[start, until]``; open pauses run to *until*."""
    clipped: list[tuple[datetime, datetime]] = []
    for pause in pauses:
        if not isinstance(pause, Pause):
            raise TypeError(f"pauses must be Pause objects, got {pause!r}")
        a = max(pause.start, start)
        b = until if pause.end is None else min(pause.end, until)
        if b > a:
            clipped.append((a, b))
    clipped.sort()
    merged: list[tuple[datetime, datetime]] = []
    for a, b in clipped:
        if merged and a <= merged[-1][1]:
            if b > merged[-1][1]:
                merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _running_segments(
    start: datetime, until: datetime, paused: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """``[start, until]`` minus the (merged, clipped) paused windows."""
    segments: list[tuple[datetime, datetime]] = []
    cursor = start
    for a, b in paused:
        if a > cursor:
            segments.append((cursor, a))
        cursor = max(cursor, b)
    if until > cursor:
        segments.append((cursor, until))
    return segments


def clock_status(
    *,
    start: datetime,
    target_s: int,
    calendar: BusinessCalendar,
    now: datetime,
    pauses: Sequence[Pause] = (),
    stop: datetime | None = None,
) -> ClockStatus:
    """Where the clock started at *start* stands at *now* against *target_s*.

    The function is pure: the result depends only on its arguments. That is
    what makes the *retroactive start* work: when an incident's priority
    changes, the caller calls it again with the ORIGINAL ``start``, the SAME
    ``pauses`` and the NEW ``target_s``; time already elapsed and time already
    paused both carry over.

    * ``elapsed_s`` counts business seconds of *calendar* from *start* to *now*
      (to *stop* if the clock was stopped, e.g. at response or resolution),
      minus the business seconds covered by *pauses*. A pause only removes
      business time while it overlaps the clock, so a pause over a weekend
      removes nothing beyond what the weekend already removed. Overlapping
      pauses count once; ``end=None`` means still paused.
    * ``paused`` is True when a pause covers *now* and the clock is not stopped.
    * ``due_at`` is the UTC instant the target is reached if the clock runs
      uninterrupted from now (from *stop* for a stopped clock: the theoretical
      due instant). Once the target has been reached it is the past instant
      of the breach, paused or not. While paused and not yet breached it is
      ``None``: it depends on when the clock resumes.
    * An *now*/*stop* before *start* (clocks of two workstations disagree)
      counts as no time elapsed.
    """
    require_aware(start, "start")
    require_aware(now, "now")
    if stop is not None:
        require_aware(stop, "stop")
    _check_seconds(target_s, "target_s")
    until = stop if stop is not None else now
    if until < start:
        until = start

    paused_windows = _merged_pauses(pauses, start, until)
    segments = _running_segments(start, until, paused_windows)
    elapsed_by_segment = [calendar.working_seconds(a, b) for a, b in segments]
    elapsed = sum(elapsed_by_segment)
    remaining = target_s - elapsed

    paused = stop is None and any(p.start <= now and (p.end is None or now < p.end) for p in pauses)

    due_at: datetime | None
    if remaining <= 0:
        due_at = _breach_instant(target_s, segments, elapsed_by_segment, calendar)
    elif paused:
        due_at = None
    else:
        due_at = calendar.add_working_seconds(until, remaining)

    percent = elapsed * 100 / target_s
    return ClockStatus(
        target_s=target_s,
        elapsed_s=elapsed,
        remaining_s=remaining,
        percent=percent,
        threshold=threshold_for(percent),
        paused=paused,
        due_at=due_at,
        stopped=stop is not None,
    )


def _breach_instant(
    target_s: int,
    segments: list[tuple[datetime, datetime]],
    elapsed_by_segment: list[int],
    calendar: BusinessCalendar,
) -> datetime:
    """The instant the running segments accumulated *target_s* business seconds."""
    accumulated = 0
    for (a, _b), elapsed in zip(segments, elapsed_by_segment, strict=True):
        if accumulated + elapsed >= target_s:
            return calendar.add_working_seconds(a, target_s - accumulated)
        accumulated += elapsed
    raise AssertionError("the target was reached, so some segment reaches it")


def clock_starts(
    opened_at: datetime, started_at: datetime | None, responded_at: datetime | None
) -> tuple[datetime, datetime]:
    """(response clock start, resolution clock start) of an incident.

    *started_at* is where the current targets' clocks started (None: at the opening, which
    is always the case under retroactive start). A response given before that instant was
    measured from the opening and stays so; a response still due starts with the new target.
    """
    require_aware(opened_at, "opened_at")
    start = opened_at if started_at is None else started_at
    require_aware(start, "started_at")
    if start < opened_at:
        start = opened_at
    if responded_at is not None and responded_at < start:
        return opened_at, start
    return start, start


def restart_at(
    *, retroactive: bool, active: bool, started_at: datetime | None, now: datetime
) -> datetime | None:
    """The clocks' new start after a priority change at *now* (see the module docstring).

    With retroactive start, or on an incident no longer open, the start stays where it was."""
    require_aware(now, "now")
    if retroactive or not active:
        return started_at
    return now


# -- wording -----------------------------------------------------------------


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def describe_duration(seconds: int, calendar: BusinessCalendar) -> str:
    """A target in words: "15 minutes", "4 hours", "8 business hours", "3 business days".

    Whole multiples of a business day (``calendar.day_seconds()``) are told in
    days, anything else in hours and minutes (and seconds, if any). On a
    business calendar hours and days are "business" hours and days; minutes
    stay plain. On a 24x7 calendar a day is 24 hours and nothing is "business".
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise TypeError(f"seconds must be an int, got {seconds!r}")
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {seconds}")
    if seconds == 0:
        return "0 minutes"
    business = "" if calendar.always else "business "
    day = calendar.day_seconds()
    if seconds % day == 0:
        return _plural(seconds // day, f"{business}day")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(_plural(hours, f"{business}hour"))
    if minutes:
        parts.append(_plural(minutes, "minute"))
    if secs:
        parts.append(_plural(secs, "second"))
    return " ".join(parts)


def format_remaining(seconds: int) -> str:
    """A compact countdown for a table cell.

    ``"2h 05m"``, ``"45m"``, ``"3d 4h"``, ``"-1h 10m"`` (overdue), ``"0m"``.
    A day here is 24 hours. The magnitude is truncated to whole minutes (hours
    once it is a day or more), so anything within a minute of due is ``"0m"``.
    """
    sign = "-" if seconds < 0 else ""
    magnitude = abs(seconds)
    days, rest = divmod(magnitude, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = f"{days}d {hours}h" if hours else f"{days}d"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    elif minutes:
        text = f"{minutes}m"
    else:
        return "0m"
    return sign + text


# -- policy ------------------------------------------------------------------


@dataclass(frozen=True)
class SlaPolicy:
    """Response and resolution targets per priority level, on one calendar.

    ``retroactive_start``: whether a priority change re-measures the incident from its
    opening (True) or starts the new targets' clocks at the change (False)."""

    name: str
    calendar: BusinessCalendar
    targets: Mapping[int, SlaTarget] = field(hash=False)
    retroactive_start: bool = True

    def __post_init__(self) -> None:
        targets = dict(self.targets)
        for priority, target in targets.items():
            if isinstance(priority, bool) or not isinstance(priority, int) or priority < 1:
                raise ValueError(f"priority levels are ints from 1, got {priority!r}")
            if not isinstance(target, SlaTarget):
                raise TypeError(f"priority {priority}: expected an SlaTarget, got {target!r}")
        if not isinstance(self.retroactive_start, bool):
            raise TypeError(
                f"retroactive_start must be True or False, got {self.retroactive_start!r}"
            )
        # A read-only copy: the caller's dict can change without touching the policy.
        object.__setattr__(self, "targets", MappingProxyType(targets))

    def target_for(self, priority: int) -> SlaTarget:
        """The targets of *priority*; ValueError if the policy has none."""
        try:
            return self.targets[priority]
        except KeyError:
            known = ", ".join(str(p) for p in sorted(self.targets)) or "none"
            raise ValueError(
                f"SLA policy {self.name!r} has no target for priority {priority!r} "
                f"(priorities: {known})"
            ) from None

    def describe_target(self, priority: int) -> str:
        """Both targets in words: "respond in 8 business hours, resolve in 3 business days"."""
        target = self.target_for(priority)
        return (
            f"respond in {describe_duration(target.response_s, self.calendar)}, "
            f"resolve in {describe_duration(target.resolution_s, self.calendar)}"
        )


def default_policy(calendar: BusinessCalendar) -> SlaPolicy:
    """ServiceNow's default matrix of 5 priorities, on *calendar*.

    P1 respond 15 minutes / resolve 4 hours; P2 1 hour / 8 hours; P3 4 hours /
    2 business days; P4 8 business hours / 3 business days; P5 2 business days /
    10 business days. Hours are business hours of *calendar*, a business day is
    ``calendar.day_seconds()`` (24 hours on a 24x7 calendar).
    """
    hour = 3600
    day = calendar.day_seconds()
    return SlaPolicy(
        name="Default",
        calendar=calendar,
        targets={
            1: SlaTarget(response_s=15 * 60, resolution_s=4 * hour),
            2: SlaTarget(response_s=1 * hour, resolution_s=8 * hour),
            3: SlaTarget(response_s=4 * hour, resolution_s=2 * day),
            4: SlaTarget(response_s=8 * hour, resolution_s=3 * day),
            5: SlaTarget(response_s=2 * day, resolution_s=10 * day),
        },
    )
