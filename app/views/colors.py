"""Colours shared by the windows. They follow the palette: light or dark."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel

from app.domain.sla import Threshold

# (light palette, dark palette): readable text colours on the palette's base (contrast 4.5:1 or
# more). Priorities run along this ramp from the most urgent (1, red) to the least (grey), however
# many levels the priority matrix defines: with 5 they are exactly these, with 3 red, purple (or
# yellow on a dark palette) and grey, with 9 four more in between. Neighbours stay apart for
# colour-blind eyes too (tests/qt/test_words.py simulates protanopia, deuteranopia and
# tritanopia), and a priority is never told by colour alone: its number and name are written.
_PRIORITY_RAMP = (
    ("#b3001b", "#ff6b7d"),
    ("#c24e00", "#ff9a4d"),
    ("#6a1b9a", "#ffd54f"),
    ("#0a6ebd", "#6cb8ff"),
    ("#5f6b73", "#a7b3bb"),
)
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


def _blend(a: str, b: str, share: float) -> str:
    ca, cb = QColor(a), QColor(b)
    mix = QColor(
        round(ca.red() + (cb.red() - ca.red()) * share),
        round(ca.green() + (cb.green() - ca.green()) * share),
        round(ca.blue() + (cb.blue() - ca.blue()) * share),
    )
    return mix.name()


def priority_pair(priority: int, levels: int) -> tuple[str, str]:
    """The (light, dark) colours of `priority` among `levels` priorities (1 = most urgent); the
    muted pair for a priority outside 1..levels."""
    if levels < 1 or not 1 <= priority <= levels:
        return _MUTED
    if levels == 1:
        return _PRIORITY_RAMP[0]
    position = (priority - 1) / (levels - 1) * (len(_PRIORITY_RAMP) - 1)
    low = min(int(position), len(_PRIORITY_RAMP) - 2)
    share = position - low
    a, b = _PRIORITY_RAMP[low], _PRIORITY_RAMP[low + 1]
    return _blend(a[0], b[0], share), _blend(a[1], b[1], share)


def priority_color(
    priority: int, levels: int = len(_PRIORITY_RAMP), custom: Sequence[str | None] = ()
) -> QColor:
    """The colour of `priority` when the matrix defines `levels` priorities; the admin's
    colour for it when `custom` (the colour of priority 1, 2, ...; None: the ramp's) has one."""
    if 1 <= priority <= min(levels, len(custom)) and custom[priority - 1]:
        return QColor(custom[priority - 1])
    return _pick(priority_pair(priority, levels))


def threshold_color(threshold: Threshold) -> QColor:
    return _pick(_THRESHOLD[threshold])


def muted_color() -> QColor:
    return _pick(_MUTED)


# -- errors: one look everywhere (the colour, a warning sign, and the field gets the focus) ------

ERROR_SIGN = "⚠"
_ERROR = ("#b00020", "#ff6b6b")


def error_color() -> QColor:
    return _pick(_ERROR)


def error_look(label: QLabel) -> None:
    """A label that tells what is wrong: bold, in the error colour (light or dark palette)."""
    pal = label.palette()
    pal.setColor(label.foregroundRole(), error_color())
    label.setPalette(pal)
    font = label.font()
    font.setBold(True)
    label.setFont(font)


def error_words(text: str) -> str:
    """The message as an error label shows it: the warning sign, then the words."""
    return f"{ERROR_SIGN} {text}"


def plain_words(shown: str) -> str:
    """What an error label says, without its sign."""
    return shown.removeprefix(f"{ERROR_SIGN} ")
