"""The dialogs lifecycle actions need (assign, escalate, hold, resolve, cancel, reopen, close),
and the conflict dialog. Each action dialog runs its service call off the GUI thread and stays open
with the message next to the field when the call is refused: nothing typed is lost.

An action dialog acts on the incident as the user saw it when the dialog opened: it sends that
version as the expected one, so a change that arrived while it was open is a ConflictError, shown
in the dialog with what changed, never applied over in silence. OK again then acts on the
incident as it is now (the user has seen the change)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ConflictError, DeskError, FieldChange
from app.domain.records import IncidentRecord
from app.domain.wording import compact_time
from app.views.colors import priority_color
from app.views.tasks import TaskRunner

Call = Callable[[dict[str, Any], int], Callable[[], IncidentRecord]]  # (values, expected version)


class ActionDialog(QDialog):
    """A small form; OK runs `call(values)` on the runner; a refusal shows in the dialog."""

    acted = Signal(object)  # IncidentRecord (not `done`: that is QDialog.done())
    conflict = Signal(object)  # ConflictError

    def __init__(
        self,
        title: str,
        runner: TaskRunner,
        call: Call,
        version: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.version = version  # the incident as the user saw it when the dialog opened
        self.setMinimumWidth(460)
        self.runner = runner
        self._call = call
        self.fields: dict[str, QWidget] = {}
        self.form = QFormLayout()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Problem")
        pal = self.message.palette()
        pal.setColor(self.message.foregroundRole(), priority_color(1))
        self.message.setPalette(pal)
        self.message.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(title.rstrip("…"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.submit)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.activateWindow()

    # -- building --------------------------------------------------------------------------
    def add_combo(self, name: str, label: str, items: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(label.replace("&", "").rstrip(":"))
        for text, value in items:
            combo.addItem(text, value)
        self.form.addRow(label, combo)
        self.fields[name] = combo
        return combo

    def add_line(self, name: str, label: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(label.replace("&", "").rstrip(":"))
        self.form.addRow(label, edit)
        self.fields[name] = edit
        return edit

    def add_text(self, name: str, label: str) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setAccessibleName(label.replace("&", "").rstrip(":"))
        edit.setTabChangesFocus(True)
        edit.setMinimumHeight(90)
        self.form.addRow(label, edit)
        self.fields[name] = edit
        return edit

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, widget in self.fields.items():
            if isinstance(widget, QComboBox):
                data = widget.currentData()
                out[name] = widget.currentText() if data is None and widget.isEditable() else data
            elif isinstance(widget, QLineEdit):
                out[name] = widget.text()
            elif isinstance(widget, QPlainTextEdit):
                out[name] = widget.toPlainText()
        return out

    # -- running ---------------------------------------------------------------------------
    def submit(self) -> None:
        if not self.buttons.isEnabled():
            return
        self.buttons.setEnabled(False)
        self.message.hide()
        self.runner.run(
            self._call(self.values(), self.version),
            self._done,
            self._failed,
            write=True,
            what=self.windowTitle().rstrip("…"),
        )

    def _done(self, record: IncidentRecord) -> None:
        self.buttons.setEnabled(True)
        self.acted.emit(record)
        self.accept()

    def _failed(self, exc: DeskError) -> None:
        self.buttons.setEnabled(True)
        text = str(exc)
        if isinstance(exc, ConflictError):
            # shown, then OK again acts on the incident as it is now
            self.version = exc.current_version
            ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok).text()
            text = (
                f"{exc.number} was changed by someone else while this dialog was open: "
                f"{_changes_text(exc)}. Nothing was done. {ok} again to act on it as it is now, "
                "or Cancel."
            )
            self.conflict.emit(exc)
        self.message.setText(text)
        self.message.show()
        field = getattr(exc, "field", None)
        widget = self.fields.get(field or "")
        if widget is None and field:
            widget = next(
                (w for n, w in self.fields.items() if field.startswith(n) or n.startswith(field)),
                None,
            )
        if widget is not None:
            widget.setFocus()


def _changes_text(exc: ConflictError) -> str:
    """'Group: Service Desk → Network (Ben Network); ...', the other side's changes in words."""
    parts = [
        f"{_label(c)}: {_short(_old(c))} → {_short(_new(c))}"
        + (f" ({c.by_name or c.by})" if c.by else "")
        for c in exc.changes
    ]
    return "; ".join(parts) or "its version moved on"


FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "channel": "Channel",
    "config_item_id": "Service",
    "impact": "Impact",
    "urgency": "Urgency",
    "priority": "Priority",
    "category_id": "Category",
    "state": "State",
    "group_id": "Group",
    "assignee_id": "Assignee",
}


def _label(c: FieldChange) -> str:
    return c.label or FIELD_LABELS.get(c.field, c.field.replace("_", " ").capitalize())


def _old(c: FieldChange) -> str | None:
    return c.old_text if c.label else c.old


def _new(c: FieldChange) -> str | None:
    return c.new_text if c.label else c.new


def _who_when(c: FieldChange, zone: tzinfo | None, now: datetime | None) -> str:
    who = c.by_name or c.by or "someone"
    if c.at is None or zone is None or now is None:
        return f"by {who}"
    return f"by {who} at {compact_time(c.at, now, zone)}"


class ConflictDialog(QDialog):
    """Someone else changed the incident: their changes beside mine, in words. A field only they
    changed is taken, one only I changed is saved; only a field we both changed asks whose value
    to keep. Or reload (drop mine)."""

    MERGE, RELOAD = 1, 2

    def __init__(
        self,
        exc: ConflictError,
        mine: dict[str, tuple[str, str]],  # field -> (label, my value as text)
        parent: QWidget | None = None,
        *,
        zone: tzinfo | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{exc.number} was changed by someone else")
        self.setMinimumWidth(820)
        self.choice = 0
        self._groups: dict[str, QButtonGroup] = {}
        theirs: dict[str, FieldChange] = {}
        for change in exc.changes:
            if change.field in theirs:  # keep the first old and the last new
                first = theirs[change.field]
                theirs[change.field] = replace(change, old=first.old, old_text=first.old_text)
            else:
                theirs[change.field] = change
        self.theirs = theirs
        layout = QVBoxLayout(self)
        people = sorted({c.by_name or c.by or "someone" for c in exc.changes}) or ["someone"]
        both = [f for f in mine if f in theirs]
        intro = QLabel(
            f"While you edited, {' and '.join(people)} saved changes. Nothing of yours is saved yet. "
            + ("For a field you both changed, choose whose value to keep; " if both else "")
            + "what only they changed stays as they saved it, what only you changed is saved."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(2, 1)
        grid.setVerticalSpacing(10)
        for c, head in enumerate(("Field", "Their change", "Yours", "What saving does")):
            grid.addWidget(QLabel(f"<b>{head}</b>"), 0, c)
        r = 1
        self.rows: dict[str, tuple[str, str, str, str]] = {}  # field -> the four cells' text
        for field in list(dict.fromkeys([*theirs, *mine])):
            their = theirs.get(field)
            label = _label(their) if their is not None else mine[field][0]
            their_text = (
                f"{_short(_old(their))} → {_short(_new(their))}, {_who_when(their, zone, now)}"
                if their is not None
                else "unchanged"
            )
            my_text = _short(mine[field][1]) if field in mine else "unchanged"
            grid.addWidget(QLabel(label), r, 0)
            t = QLabel(their_text)
            t.setWordWrap(True)
            grid.addWidget(t, r, 1)
            m = QLabel(my_text)
            m.setWordWrap(True)
            grid.addWidget(m, r, 2)
            if field in mine and their is not None:
                box = QWidget()
                bl = QVBoxLayout(box)
                bl.setContentsMargins(0, 0, 0, 0)
                keep = QRadioButton(f"Keep mine: save {_short(mine[field][1], 30)}")
                keep.setAccessibleName(f"Keep my {label}")
                take = QRadioButton(f"Keep theirs: {_short(_new(their), 30)}")
                take.setAccessibleName(f"Take their {label}")
                keep.setChecked(True)
                group = QButtonGroup(self)
                group.addButton(keep, 0)
                group.addButton(take, 1)
                self._groups[field] = group
                bl.addWidget(keep)
                bl.addWidget(take)
                grid.addWidget(box, r, 3)
                what = "you choose"
            else:
                what = "your value is saved" if field in mine else "their value stays"
                grid.addWidget(QLabel(what[0].upper() + what[1:]), r, 3)
            self.rows[field] = (label, their_text, my_text, what)
            r += 1
        layout.addLayout(grid)
        buttons = QDialogButtonBox()
        self.merge_button = buttons.addButton("Save merged", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setToolTip(
            "Save your fields as chosen; everything else stays as they saved it"
        )
        self.reload_button = buttons.addButton(
            "Reload (drop mine)", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.reload_button.setToolTip(
            "Drop your unsaved changes and show the incident as it is now"
        )
        self.cancel_button = buttons.addButton(
            "Keep editing", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.cancel_button.setToolTip("Close this and go on editing; nothing is saved")
        self.merge_button.clicked.connect(lambda: self._finish(self.MERGE))
        self.reload_button.clicked.connect(lambda: self._finish(self.RELOAD))
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.merge_button.setDefault(True)

    def take_theirs(self, field: str) -> None:
        group = self._groups.get(field)
        if group is not None:
            group.button(1).setChecked(True)

    def keep_mine(self) -> set[str]:
        """The contested fields where I keep mine."""
        return {f for f, g in self._groups.items() if g.checkedId() == 0}

    def contested(self) -> set[str]:
        return set(self._groups)

    def _finish(self, choice: int) -> None:
        self.choice = choice
        self.accept()


def _short(text: str | None, limit: int = 80) -> str:
    if text is None or text == "":
        return "(empty)"
    one = " ".join(str(text).split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


__all__ = ["ActionDialog", "ConflictDialog", "Qt"]
