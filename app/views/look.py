"""Colours and wording shared by the windows. Colours follow the palette: light or dark."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette

from app.domain.lifecycle import State
from app.domain.records import QueueRow
from app.domain.sla import ClockStatus, Threshold, format_remaining

PRIORITY_LABELS = {1: "1 - Critical", 2: "2 - High", 3: "3 - Moderate", 4: "4 - Low", 5: "5 - Planning"}

# (light palette, dark palette): readable text colours on the palette's base
_PRIORITY = {
    1: ("#b00020", "#ff6b6b"),
    2: ("#c05000", "#ffa552"),
    3: ("#8a6d00", "#f2d15c"),
    4: ("#1f5fa8", "#82b6ff"),
    5: ("#5f6b73", "#a7b3bb"),
}
_THRESHOLD = {
    Threshold.OK: ("#1e7b34", "#6fd38a"),
    Threshold.WARNING: ("#8a6d00", "#f2d15c"),
    Threshold.AT_RISK: ("#c05000", "#ffa552"),
    Threshold.BREACHED: ("#b00020", "#ff6b6b"),
}
_MUTED = ("#5f6b73", "#a7b3bb")


def resources_dir() -> Path:
    """resources/ of the source tree, or of a PyInstaller bundle (sys._MEIPASS)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


@cache
def app_icon() -> QIcon:
    """The application's icon (an SVG: sharp at every scale factor); empty if it is missing."""
    return QIcon(str(resources_dir() / "icons" / "incidentdesk.svg"))


def dark_palette() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    base = QGuiApplication.palette().color(QPalette.ColorRole.Base)
    return base.lightness() < 128


def _pick(pair: tuple[str, str]) -> QColor:
    return QColor(pair[1] if dark_palette() else pair[0])


def priority_color(priority: int) -> QColor:
    return _pick(_PRIORITY.get(priority, _MUTED))


def threshold_color(threshold: Threshold) -> QColor:
    return _pick(_THRESHOLD[threshold])


def muted_color() -> QColor:
    return _pick(_MUTED)


def priority_label(priority: int) -> str:
    return PRIORITY_LABELS.get(priority, str(priority))


def now_utc() -> datetime:
    return datetime.now(UTC)


# -- SLA clocks: ONE wording for the queue cell and the incident header ----------------------
#
# What an agent can act on is the wall clock: "due in 2h 05m", "overdue 3d 4h" (a day is 24 h),
# counted to the instant the target falls due. The colour says how much of the *business* time
# is used (50% warning, 75% at risk, 100% breached); a queue row knows the instants those
# thresholds fall on (warn_at / at_risk_at / resolution_due), an open incident its ClockStatus.


@dataclass(frozen=True)
class SlaLook:
    """One SLA clock as the windows show it."""

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


def row_sla_tooltip(row: QueueRow) -> str:
    if not row.state.active:
        return f"Resolution target {'breached' if row.sla_breached else 'met'}"
    if row.sla_paused or row.state is State.ON_HOLD:
        return "The resolution clock is paused (on hold)"
    if row.resolution_due is None:
        return "No resolution target"
    lines = [f"Resolution due {due_time(row.resolution_due)}"]
    if row.warn_at is not None:
        lines.append(f"50% of the business time at {due_time(row.warn_at)}")
    if row.at_risk_at is not None:
        lines.append(f"75% at {due_time(row.at_risk_at)}")
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


def clock_text(status: ClockStatus | None, what: str, now: datetime | None = None) -> str:
    """One clock of an incident for its header: the cell's words, the due instant in local time
    and the business time used ("Resolution: due in 2h 05m · due Thu 27 Nov 09:00 · 62% used")."""
    if status is None:
        return f"{what}: no target"
    look = clock_sla(status, now or now_utc())
    parts = [f"{what}: {look.text}"]
    if look.due is not None:
        parts.append(f"due {due_time(look.due)}")
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


def local_time(value: datetime | None) -> str:
    """A full local date and time, for journals, history and pauses."""
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def due_time(value: datetime, now: datetime | None = None) -> str:
    """A due instant in local time: "Thu 27 Nov 09:00" (the year when it is not this year)."""
    local = value.astimezone()
    this_year = (now or now_utc()).astimezone().year
    if local.year != this_year:
        return f"{local:%a} {local.day} {local:%b %Y %H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def compact_time(value: datetime | None, now: datetime | None = None) -> str:
    """A table cell's time: "09:14" today, "27 Nov 09:14" this year, else "27 Nov 2025"."""
    if value is None:
        return ""
    local = value.astimezone()
    today = (now or now_utc()).astimezone()
    if local.date() == today.date():
        return f"{local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y}"
