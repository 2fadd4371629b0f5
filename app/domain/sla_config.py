"""What an admin shapes for the clocks: business calendars, SLA policies and the site, as plain
values; their validation (each message names the field and what is wrong) and the field-by-field
differences the admin audit records, in words.

Standard library only. The `holidays` package's countries are checked by the services.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.calendar import BusinessCalendar, DayHours
from app.domain.errors import ValidationError

__all__ = [
    "MAX_AUTO_CLOSE_DAYS",
    "WEEKDAYS",
    "AdminAuditRecord",
    "CalendarRecord",
    "CalendarSpec",
    "FieldDiff",
    "PolicyRecord",
    "PolicySpec",
    "SiteRecord",
    "TargetRecord",
    "TargetSpec",
    "calendar_diff",
    "check_calendar",
    "check_policy",
    "check_zone",
    "day_hours_text",
    "duration_words",
    "parse_day_hours",
    "parse_duration",
    "policy_diff",
]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_NAME = 120
MAX_AUTO_CLOSE_DAYS = 365
MAX_TARGET_S = 366 * 86_400  # a year of business seconds is already more than any desk means

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


# -- values -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarSpec:
    """A business calendar as an admin sets it: hours per weekday (Monday first; split shifts
    are several intervals), an IANA time zone, public holidays of a country/subdivision and
    custom days off; or 24x7 (`always`, which ignores the week and the days off)."""

    name: str
    tz: str
    week: tuple[DayHours, ...] = ()
    always: bool = False
    holiday_country: str | None = None
    holiday_subdiv: str | None = None
    custom_holidays: tuple[date, ...] = ()


@dataclass(frozen=True)
class TargetSpec:
    """The targets of one priority; `calendar_id` overrides the policy's calendar (24x7 for P1)."""

    response_s: int
    resolution_s: int
    calendar_id: int | None = None


@dataclass(frozen=True)
class PolicySpec:
    """An SLA policy: targets per priority on a calendar, the business days after which a
    resolved incident closes by itself, and whether a priority change starts retroactively."""

    name: str
    calendar_id: int
    targets: Mapping[int, TargetSpec] = field(hash=False)
    auto_close_days: int = 7  # business days after resolution (a major incident never auto-closes)
    retroactive_start: bool = True
    active: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", MappingProxyType(dict(self.targets)))


@dataclass(frozen=True)
class CalendarRecord:
    id: int
    name: str
    tz: str
    always: bool
    week: tuple[DayHours, ...]
    holiday_country: str | None
    holiday_subdiv: str | None
    custom_holidays: tuple[date, ...]

    def spec(self) -> CalendarSpec:
        """What an editor starts from."""
        return CalendarSpec(
            self.name,
            self.tz,
            self.week,
            self.always,
            self.holiday_country,
            self.holiday_subdiv,
            self.custom_holidays,
        )


@dataclass(frozen=True)
class TargetRecord:
    priority: int
    response_s: int
    resolution_s: int
    calendar_id: int | None  # the override, None = the policy's
    calendar_name: str  # the calendar the targets are measured on (override or the policy's)


@dataclass(frozen=True)
class PolicyRecord:
    id: int
    name: str
    calendar_id: int
    calendar_name: str
    active: bool
    auto_close_days: int
    retroactive_start: bool
    targets: tuple[TargetRecord, ...]

    def spec(self) -> PolicySpec:
        return PolicySpec(
            self.name,
            self.calendar_id,
            {
                t.priority: TargetSpec(t.response_s, t.resolution_s, t.calendar_id)
                for t in self.targets
            },
            self.auto_close_days,
            self.retroactive_start,
            self.active,
        )


@dataclass(frozen=True)
class SiteRecord:
    """The site the desk serves: the zone people read times in, and its public holidays."""

    timezone: str
    holiday_country: str | None
    holiday_subdiv: str | None


@dataclass(frozen=True)
class AdminAuditRecord:
    id: int
    at: datetime
    who: str | None  # the admin's full name
    entity: str  # "calendar", "policy", "site"
    entity_id: int | None
    entity_name: str
    field: str  # in words: "time zone", "Tuesday hours", "P1 response"
    old: str | None
    new: str | None
    reason: str | None


@dataclass(frozen=True)
class FieldDiff:
    field: str
    old: str | None
    new: str | None


# -- parsing and wording -------------------------------------------------------------------------


def parse_day_hours(text: str, weekday: str = "hours") -> DayHours:
    """'08:00-12:00, 13:00-17:00' -> the intervals of one day; '' or 'closed' -> a day off.

    An end of 24:00 (or 00:00) is midnight at the end of the day."""
    text = text.strip()
    if not text or text.lower() in ("closed", "off", "-"):
        return ()
    out: list[tuple[time, time]] = []
    for part in text.split(","):
        m = _HOURS.match(part)
        if m is None:
            raise ValidationError(
                f"{weekday}: {part.strip()!r} is not an interval like 08:00-17:00", field="week"
            )
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h2 == 24 and m2 == 0:
            h2 = 0
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValidationError(f"{weekday}: {part.strip()!r} is not a time of day", field="week")
        out.append((time(h1, m1), time(h2, m2)))
    return tuple(out)


def day_hours_text(day: DayHours) -> str:
    """'08:00-12:00, 13:00-17:00'; 'closed' for a day off."""
    if not day:
        return "closed"
    return ", ".join(
        f"{a.strftime('%H:%M')}-{'24:00' if b == time(0) else b.strftime('%H:%M')}" for a, b in day
    )


_DURATION = re.compile(r"\s*(\d+)\s*(h|hrs?|hours?|m|mins?|minutes?|s|secs?|seconds?)\b\s*", re.I)
_CLOCK_DURATION = re.compile(r"^\s*(\d+):([0-5]\d)\s*$")


def parse_duration(text: str, where: str) -> int:
    """'4 hours', '1 hour 30 minutes', '4h', '1h 30m', '90m', '1:30' -> seconds; anything else
    is a ValidationError naming `where` ('P2 resolution')."""
    clock = _CLOCK_DURATION.match(text)
    if clock is not None:
        return int(clock.group(1)) * 3600 + int(clock.group(2)) * 60
    total, pos, found = 0, 0, False
    body = text.strip()
    while pos < len(body):
        m = _DURATION.match(body, pos)
        if m is None:
            found = False
            break
        unit = m.group(2).lower()[0]
        total += int(m.group(1)) * {"h": 3600, "m": 60, "s": 1}[unit]
        pos, found = m.end(), True
    if not found:
        raise ValidationError(
            f"{where}: {text.strip()!r} is not a duration like 4 hours, 1 hour 30 minutes or 45m",
            field=where,
        )
    return total


def duration_words(seconds: int) -> str:
    """Business time as an admin typed it: '15 minutes', '4 hours', '27 hours 30 minutes'."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("" if hours == 1 else "s"))
    if minutes:
        parts.append(f"{minutes} minute" + ("" if minutes == 1 else "s"))
    if secs or not parts:
        parts.append(f"{secs} second" + ("" if secs == 1 else "s"))
    return " ".join(parts)


# -- validation ----------------------------------------------------------------------------------


def _name(value: object, what: str) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise ValidationError(f"The {what} needs a name", field="name")
    if len(text) > MAX_NAME:
        raise ValidationError(
            f"The {what} name has {len(text)} characters; at most {MAX_NAME}", field="name"
        )
    return text


def check_zone(zone: object) -> str:
    """An IANA time zone name, or a ValidationError that says what one looks like."""
    text = str(zone or "").strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone {text!r}: use an IANA name such as Europe/Brussels or "
            "America/New_York",
            field="timezone",
        ) from None
    return text


def check_calendar(spec: CalendarSpec) -> CalendarSpec:
    """`spec` normalised (name trimmed, custom dates sorted once each), or a ValidationError
    naming the field (and the weekday) that is wrong. The holiday country is the services'."""
    name = _name(spec.name, "calendar")
    tz = check_zone(spec.tz)
    if not isinstance(spec.always, bool):
        raise ValidationError(f"24x7 is yes or no, got {spec.always!r}", field="always")
    week = tuple(tuple(day) for day in spec.week)
    if spec.always:
        week = (((time(0), time(0)),),) * 7
    else:
        if len(week) != 7:
            raise ValidationError(
                f"A calendar has hours for 7 weekdays (Monday first), got {len(week)}",
                field="week",
            )
        for weekday, day in zip(WEEKDAYS, week, strict=True):
            if not day:
                continue  # a day off
            try:  # the calendar's own rules: (start, end) pairs of times, sorted, no overlap
                BusinessCalendar(name, tz, (day,) * 7)
            except (ValueError, TypeError) as exc:
                raise ValidationError(f"{weekday}: {_plain(str(exc))}", field="week") from None
        if not any(week):
            raise ValidationError(
                f"The calendar {name!r} has no working hours on any weekday; "
                "a calendar that always runs is 24x7",
                field="week",
            )
    custom: list[date] = []
    for off in spec.custom_holidays:
        if not isinstance(off, date) or isinstance(off, datetime):
            raise ValidationError(
                f"A custom day off must be a date, got {off!r}", field="custom_holidays"
            )
        custom.append(off)
    return CalendarSpec(
        name=name,
        tz=tz,
        week=week,
        always=spec.always,
        holiday_country=(spec.holiday_country or "").strip().upper() or None,
        holiday_subdiv=(spec.holiday_subdiv or "").strip().upper() or None,
        custom_holidays=tuple(sorted(set(custom))),
    )


def _plain(message: str) -> str:
    """The calendar's own message without its 'week[3]: ' prefix (the weekday says it)."""
    return re.sub(r"^week\[\d\]: ", "", message)


def _seconds(value: object, where: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            f"{where}: the {what} target must be a whole number of seconds, got {value!r}",
            field="targets",
        )
    if not 0 < value <= MAX_TARGET_S:
        raise ValidationError(
            f"{where}: the {what} target must be more than 0 and at most a year, got {value} s",
            field="targets",
        )
    return value


def check_policy(
    spec: PolicySpec, priorities: int, calendar_names: Mapping[int, str]
) -> PolicySpec:
    """`spec` normalised, or a ValidationError naming what is wrong.

    Every priority 1..`priorities` of the current matrix needs targets (else an incident of
    that priority would have no clock); a response is due no later than the resolution; the
    calendars must exist (`calendar_names`: id -> name)."""
    name = _name(spec.name, "SLA policy")
    if spec.calendar_id not in calendar_names:
        raise ValidationError(f"No calendar with id {spec.calendar_id!r}", field="calendar")
    days = spec.auto_close_days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_AUTO_CLOSE_DAYS:
        raise ValidationError(
            f"Auto-close needs 1 to {MAX_AUTO_CLOSE_DAYS} business days, got {days!r}",
            field="auto_close_days",
        )
    for flag, what in ((spec.retroactive_start, "retroactive_start"), (spec.active, "active")):
        if not isinstance(flag, bool):
            raise ValidationError(
                f"{what.replace('_', ' ')} is yes or no, got {flag!r}", field=what
            )
    targets: dict[int, TargetSpec] = {}
    for priority, target in spec.targets.items():
        if isinstance(priority, bool) or not isinstance(priority, int) or priority < 1:
            raise ValidationError(
                f"A priority is a whole number from 1, got {priority!r}", field="targets"
            )
        where = f"P{priority}"
        if not isinstance(target, TargetSpec):
            raise ValidationError(f"{where}: expected targets, got {target!r}", field="targets")
        response = _seconds(target.response_s, where, "response")
        resolution = _seconds(target.resolution_s, where, "resolution")
        if response > resolution:
            raise ValidationError(
                f"{where}: the response target ({duration_words(response)}) is longer than the "
                f"resolution target ({duration_words(resolution)})",
                field="targets",
            )
        if target.calendar_id is not None and target.calendar_id not in calendar_names:
            raise ValidationError(
                f"{where}: no calendar with id {target.calendar_id!r}", field="targets"
            )
        override = None if target.calendar_id == spec.calendar_id else target.calendar_id
        targets[priority] = TargetSpec(response, resolution, override)
    missing = [p for p in range(1, priorities + 1) if p not in targets]
    if missing:
        raise ValidationError(
            "The policy needs targets for every priority of the matrix; missing: "
            + ", ".join(f"P{p}" for p in missing),
            field="targets",
        )
    return PolicySpec(
        name,
        spec.calendar_id,
        dict(sorted(targets.items())),
        days,
        spec.retroactive_start,
        spec.active,
    )


# -- what changed, in words ----------------------------------------------------------------------


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _dates(days: Sequence[date]) -> str | None:
    return ", ".join(d.isoformat() for d in days) or None


def calendar_diff(old: CalendarSpec | None, new: CalendarSpec) -> list[FieldDiff]:
    """The fields that differ (all of them for a new calendar), old and new in words."""
    out: list[FieldDiff] = []

    def add(name: str, a: str | None, b: str | None) -> None:
        if old is None or a != b:
            out.append(FieldDiff(name, None if old is None else a, b))

    add("name", old.name if old else None, new.name)
    add("time zone", old.tz if old else None, new.tz)
    add("24x7", _yes(old.always) if old else None, _yes(new.always))
    if not new.always:
        for i, weekday in enumerate(WEEKDAYS):
            before = day_hours_text(old.week[i]) if old and not old.always else None
            add(f"{weekday} hours", before, day_hours_text(new.week[i]))
    add("holiday country", old.holiday_country if old else None, new.holiday_country)
    add("holiday subdivision", old.holiday_subdiv if old else None, new.holiday_subdiv)
    add(
        "custom days off", _dates(old.custom_holidays) if old else None, _dates(new.custom_holidays)
    )
    return [d for d in out if not (old is None and d.new is None)]


def policy_diff(
    old: PolicySpec | None, new: PolicySpec, calendar_names: Mapping[int, str]
) -> list[FieldDiff]:
    """The fields that differ (all of them for a new policy), with calendars by name."""
    out: list[FieldDiff] = []

    def add(name: str, a: str | None, b: str | None) -> None:
        if old is None or a != b:
            out.append(FieldDiff(name, None if old is None else a, b))

    def cal(calendar_id: int | None) -> str | None:
        return (
            None
            if calendar_id is None
            else calendar_names.get(calendar_id, f"calendar {calendar_id}")
        )

    add("name", old.name if old else None, new.name)
    add("calendar", cal(old.calendar_id) if old else None, cal(new.calendar_id))
    add("auto-close days", str(old.auto_close_days) if old else None, str(new.auto_close_days))
    add(
        "retroactive start",
        _yes(old.retroactive_start) if old else None,
        _yes(new.retroactive_start),
    )
    add("active", _yes(old.active) if old else None, _yes(new.active))
    before = dict(old.targets) if old else {}
    for priority in sorted(set(before) | set(new.targets)):
        a, b = before.get(priority), new.targets.get(priority)
        add(
            f"P{priority} response",
            duration_words(a.response_s) if a else None,
            duration_words(b.response_s) if b else None,
        )
        add(
            f"P{priority} resolution",
            duration_words(a.resolution_s) if a else None,
            duration_words(b.resolution_s) if b else None,
        )
        a_cal = (cal(a.calendar_id) or "the policy's") if a else None
        b_cal = (cal(b.calendar_id) or "the policy's") if b else None
        add(f"P{priority} calendar", a_cal, b_cal)
    return [d for d in out if not (old is None and d.new is None)]
