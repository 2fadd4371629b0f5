"""The underlined letters of a window: which are drawn, and what each one reaches.

A label's letter focuses its buddy, a button's clicks it, a tab's shows the tab. A label in a
QFormLayout row whose field is a container (an editor with its error line, a row of widgets)
has no buddy of its own: `link_form_buddies` gives it the first editor in that row.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QFormLayout,
    QLabel,
    QLayout,
    QTabBar,
    QWidget,
)


@dataclass(frozen=True)
class Mnemonic:
    letter: str  # lower case
    source: QWidget  # the label, button or tab bar that draws it
    target: QWidget | None  # what it reaches (None: a drawn letter that does nothing)
    tab: int = -1  # for a tab bar: which tab


def mnemonic_letter(text: str) -> str | None:
    """'Cat&egory:' -> 'e'; '&&' is a literal ampersand."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] == "&":
                i += 2
                continue
            return text[i + 1].lower()
        i += 1
    return None


def _first_editor(item: QWidget | QLayout | None) -> QWidget | None:
    """The first widget that takes the keyboard focus inside a widget or a layout."""
    if item is None:
        return None
    if isinstance(item, QWidget):
        if item.focusPolicy() & Qt.FocusPolicy.TabFocus and not isinstance(item, QLabel):
            return item
        layout = item.layout()
        return _first_editor(layout) if layout is not None else None
    for i in range(item.count()):
        child = item.itemAt(i)
        if child is None:
            continue
        found = _first_editor(child.widget() or child.layout())
        if found is not None:
            return found
    return None


def link_form_buddies(form: QFormLayout) -> None:
    """Every row label with a letter reaches the first editor of its row."""
    for row in range(form.rowCount()):
        label_item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field_item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        label = label_item.widget() if label_item is not None else None
        if (
            not isinstance(label, QLabel)
            or mnemonic_letter(label.text()) is None
            or field_item is None
        ):
            continue
        editor = _first_editor(field_item.widget() or field_item.layout())
        if editor is not None:
            label.setBuddy(editor)


def drawn_mnemonics(root: QWidget) -> list[Mnemonic]:
    """Every underlined letter `root` shows now (hidden widgets draw nothing)."""
    out: list[Mnemonic] = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root):
            continue
        if isinstance(w, QLabel) and w.textFormat() != Qt.TextFormat.RichText:
            letter = mnemonic_letter(w.text())
            if letter:
                out.append(Mnemonic(letter, w, w.buddy()))
        elif isinstance(w, QAbstractButton):
            letter = mnemonic_letter(w.text())
            if letter:
                out.append(Mnemonic(letter, w, w))
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                letter = mnemonic_letter(w.tabText(i))
                if letter and w.isTabVisible(i):
                    out.append(Mnemonic(letter, w, w, tab=i))
    return out
