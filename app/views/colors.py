"""Colours shared by the windows. They follow the palette: light or dark."""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from app.domain.sla import Threshold

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
