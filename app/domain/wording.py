"""How the desk words clocks and times for people: the windows and the command line say the same.

Everything here is pure: the instant to compare with (``now``) and the zone people read times in
(``zone``, the site's) are arguments, never the machine's clock or time zone.

What an agent can act on is the wall clock: "due in 2h 05m", "overdue 3d 4h" (a day is 24 h),
counted to the instant the target falls due. The colour says how much of the *business* time is
used (50% warning, 75% at risk, 100% breached); a queue row knows the instants those thresholds
fall on (warn_at / at_risk_at / resolution_due), an open incident its ClockStatus.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from app.domain.lifecycle import State
from app.domain.records import QueueRow
from app.domain.sla import ClockStatus, Threshold, format_remaining

__all__ = [
    "SlaLook",
    "clock_sla",
    "clock_text",
    "clock_tooltip",
    "compact_time",
    "due_time",
    "local_time",
    "row_sla",
    "row_sla_tooltip",
    "row_threshold",
    "sla_look",
]


@dataclass(frozen=True)
class SlaLook:
    """One SLA clock as people read it."""

    text: str  # "due in 2h 05m", "overdue 3d 4h", "due now", "paused", "met", "breached", "—"
    threshold: Threshold | None  # the colour; None: muted (paused, stopped, no clock)
    due: datetime | None  # the due instant (UTC), when a clock runs


def sla_look(
    due: datetime | None,
    now: datetime,
    *,
    threshold: Threshold,
    paused: bool = False,
    stopped: bool = False,
    breached: bool = False,
) -> SlaLook:
    """The single place that words a clock; `threshold` is where its business time stands."""
    if stopped:
        return SlaLook("breached" if breached else "met", None, None)
    if paused:
        return SlaLook("paused", None, None)
    if due is None:
        return SlaLook("—", None, None)
    seconds = int((due - now).total_seconds())
    if seconds >= 60:
        text = f"due in {format_remaining(seconds)}"
    elif seconds > -60:
        text = "due now"
    else:
        text = f"overdue {format_remaining(-seconds)}"
    if seconds <= 0 or breached:
        threshold = Threshold.BREACHED  # the wall clock passed the due instant: breached
    return SlaLook(text, threshold, due)


def row_threshold(row: QueueRow, now: datetime) -> Threshold:
    """Where the resolution clock of a queue row stands, from the stored instants."""
    if row.sla_breached or (row.resolution_due is not None and now >= row.resolution_due):
        return Threshold.BREACHED
    if row.at_risk_at is not None and now >= row.at_risk_at:
        return Threshold.AT_RISK
    if row.warn_at is not None and now >= row.warn_at:
        return Threshold.WARNING
    return Threshold.OK


def row_sla(row: QueueRow, now: datetime) -> SlaLook:
    """The queue's SLA cell: the resolution clock of `row` at `now`."""
    return sla_look(
        row.resolution_due,
        now,
        threshold=row_threshold(row, now),
        paused=row.sla_paused or row.state is State.ON_HOLD,
        stopped=not row.state.active,
        breached=row.sla_breached,
    )


def row_sla_tooltip(row: QueueRow, now: datetime, zone: tzinfo) -> str:
    if not row.state.active:
        return f"Resolution target {'breached' if row.sla_breached else 'met'}"
    if row.sla_paused or row.state is State.ON_HOLD:
        return "The resolution clock is paused (on hold)"
    if row.resolution_due is None:
        return "No resolution target"
    lines = [f"Resolution due {due_time(row.resolution_due, now, zone)}"]
    if row.warn_at is not None:
        lines.append(f"50% of the business time at {due_time(row.warn_at, now, zone)}")
    if row.at_risk_at is not None:
        lines.append(f"75% at {due_time(row.at_risk_at, now, zone)}")
    return "\n".join(lines)


def clock_sla(status: ClockStatus | None, now: datetime) -> SlaLook:
    """An incident's clock (response or resolution) at `now`, worded like the queue cell."""
    if status is None:
        return SlaLook("no target", None, None)
    return sla_look(
        status.due_at,
        now,
        threshold=status.threshold,
        paused=status.paused,
        stopped=status.stopped,
        breached=status.breached,
    )


def clock_text(status: ClockStatus | None, what: str, now: datetime, zone: tzinfo) -> str:
    """One clock of an incident for its header: the cell's words, the due instant in the site's
    time and the business time used ("Resolution: due in 2h 05m · due Thu 27 Nov 09:00 · 62% used")."""
    if status is None:
        return f"{what}: no target"
    look = clock_sla(status, now)
    parts = [f"{what}: {look.text}"]
    if look.due is not None:
        parts.append(f"due {due_time(look.due, now, zone)}")
    parts.append(f"{status.percent:,.0f}% used")
    return " · ".join(parts)


def clock_tooltip(status: ClockStatus | None, what: str) -> str:
    if status is None:
        return f"No {what.lower()} target for this priority"
    left = format_remaining(status.remaining_s) if status.remaining_s >= 0 else "none"
    return (
        f"{what} target: {status.percent:.0f}% of the business time used, {left} business time "
        f"left (a day is 24 h).\nColours: 50% warning, 75% at risk, 100% breached."
    )


# -- times -------------------------------------------------------------------------------------


def local_time(value: datetime | None, zone: tzinfo) -> str:
    """A full date and time in the site's zone, for journals, history and pauses."""
    if value is None:
        return ""
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def due_time(value: datetime, now: datetime, zone: tzinfo) -> str:
    """A due instant in the site's zone: "Thu 27 Nov 09:00" (the year when it is not this year)."""
    local = value.astimezone(zone)
    if local.year != now.astimezone(zone).year:
        return f"{local:%a} {local.day} {local:%b %Y %H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def compact_time(value: datetime | None, now: datetime, zone: tzinfo) -> str:
    """A table cell's time: "09:14" today, "27 Nov 09:14" this year, else "27 Nov 2025"."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    today = now.astimezone(zone)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y}"


# -- counts ------------------------------------------------------------------------------------

_PLURALS = {"match": "matches", "policy": "policies", "reply": "replies", "person": "people"}


def plural(n: int, noun: str, many: str | None = None) -> str:
    """'1 incident', '2 incidents', '1,234 incidents', '0 matches': the count and its noun."""
    if n == 1:
        return f"1 {noun}"
    return f"{n:,} {many or _PLURALS.get(noun) or noun + 's'}"
