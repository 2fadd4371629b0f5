"""Colours and wording shared by the windows. Colours follow the palette: light or dark."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QColor, QGuiApplication, QPalette

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


def row_threshold(row: QueueRow, now: datetime) -> Threshold:
    """Where the resolution clock of a queue row stands, from the stored instants."""
    if row.sla_breached or (row.resolution_due is not None and now >= row.resolution_due):
        return Threshold.BREACHED
    if row.at_risk_at is not None and now >= row.at_risk_at:
        return Threshold.AT_RISK
    if row.warn_at is not None and now >= row.warn_at:
        return Threshold.WARNING
    return Threshold.OK


def sla_text(row: QueueRow, now: datetime) -> str:
    """The SLA cell: time left on the resolution clock, "paused", or how it ended."""
    if row.sla_paused or row.state is State.ON_HOLD:
        return "paused"
    if not row.state.active:
        return "breached" if row.sla_breached else "met"
    if row.resolution_due is None:
        return "—"
    return format_remaining(int((row.resolution_due - now).total_seconds()))


def clock_text(status: ClockStatus | None, what: str) -> str:
    """One SLA clock of an incident in words, for headers and the SLA tab."""
    if status is None:
        return f"{what}: no target"
    if status.stopped:
        verdict = "breached" if status.breached else "met"
        return f"{what}: {verdict} ({status.percent:.0f}% used)"
    if status.paused:
        return f"{what}: paused, {format_remaining(status.remaining_s)} left"
    if status.remaining_s < 0:
        return f"{what}: overdue by {format_remaining(-status.remaining_s)}"
    return f"{what}: {format_remaining(status.remaining_s)} left ({status.percent:.0f}%)"


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M")
