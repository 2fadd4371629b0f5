"""The dialogs lifecycle actions need (assign, escalate, hold, resolve, cancel, reopen, close),
and the conflict dialog. Each action dialog runs its service call off the GUI thread and stays open
with the message next to the field when the call is refused: nothing typed is lost.

An action dialog acts on the incident as the user saw it when the dialog opened: it sends that
version as the expected one, so a change that arrived while it was open is a ConflictError, shown
in the dialog with what changed, never applied over in silence. OK again then acts on the
incident as it is now (the user has seen the change)."""

from __future__ import annotations

from collections.abc import Callable
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
from app.views.colors import priority_color
from app.views.tasks import TaskRunner

Call = Callable[[dict[str, Any], int], Callable[[], IncidentRecord]]  # (values, expected version)


class ActionDialog(QDialog):
    """A small form; OK runs `call(values)` on the runner; a refusal shows in the dialog."""

    acted = Signal(object)  # IncidentRecord (not `done`: that is QDialog.done())
    conflict = Signal(object)  # ConflictError

    def __init__(
        self, title: str, runner: TaskRunner, call: Call, version: int, parent: QWidget | None = None
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
        self.runner.run(self._call(self.values(), self.version), self._done, self._failed, write=True,
                        what=self.windowTitle().rstrip("…"))

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
            text = (f"{exc.number} was changed by someone else while this dialog was open: "
                    f"{_changes_text(exc)}. Nothing was done. {ok} again to act on it as it is now, "
                    "or Cancel.")
            self.conflict.emit(exc)
        self.message.setText(text)
        self.message.show()
        field = getattr(exc, "field", None)
        widget = self.fields.get(field or "")
        if widget is None and field:
            widget = next((w for n, w in self.fields.items() if field.startswith(n) or n.startswith(field)), None)
        if widget is not None:
            widget.setFocus()


def _changes_text(exc: ConflictError) -> str:
    """'Group: Service Desk → Network (Ben Network); ...', the other side's changes in words."""
    parts = [
        f"{FIELD_LABELS.get(c.field, c.field.replace('_', ' ').capitalize())}: "
        f"{_short(c.old)} → {_short(c.new)}" + (f" ({c.by})" if c.by else "")
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


class ConflictDialog(QDialog):
    """Someone else changed the incident: their changes beside mine; per field keep mine or take
    theirs, or reload (drop mine)."""

    MERGE, RELOAD = 1, 2

    def __init__(
        self,
        exc: ConflictError,
        mine: dict[str, tuple[str, str]],  # field -> (label, my value as text)
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{exc.number} was changed by someone else")
        self.setMinimumWidth(620)
        self.choice = 0
        self._groups: dict[str, QButtonGroup] = {}
        theirs: dict[str, FieldChange] = {}
        for change in exc.changes:
            if change.field in theirs:  # keep the first old and the last new
                first = theirs[change.field]
                theirs[change.field] = FieldChange(change.field, first.old, change.new, change.by)
            else:
                theirs[change.field] = change
        self.theirs = theirs
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"While you edited, {', '.join(sorted({c.by or 'someone' for c in exc.changes})) or 'someone'} "
            "saved changes. Nothing of yours was saved yet. Choose per field, then save the merge."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        grid = QGridLayout()
        for c, head in enumerate(("Field", "Theirs", "Yours", "Keep")):
            h = QLabel(f"<b>{head}</b>")
            grid.addWidget(h, 0, c)
        r = 1
        for field in list(dict.fromkeys([*theirs, *mine])):
            label = FIELD_LABELS.get(field, mine.get(field, (field, ""))[0])
            their = theirs.get(field)
            their_text = f"{_short(their.old)} → {_short(their.new)} ({their.by or '?'})" if their else "unchanged"
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
                keep = QRadioButton("Mine")
                keep.setAccessibleName(f"Keep my {label}")
                take = QRadioButton("Theirs")
                take.setAccessibleName(f"Take their {label}")
                keep.setChecked(True)
                group = QButtonGroup(self)
                group.addButton(keep, 0)
                group.addButton(take, 1)
                self._groups[field] = group
                bl.addWidget(keep)
                bl.addWidget(take)
                grid.addWidget(box, r, 3)
            else:
                grid.addWidget(QLabel("mine" if field in mine else "theirs"), r, 3)
            r += 1
        layout.addLayout(grid)
        buttons = QDialogButtonBox()
        self.merge_button = buttons.addButton("Save merged", QDialogButtonBox.ButtonRole.AcceptRole)
        self.reload_button = buttons.addButton("Reload (drop mine)", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.cancel_button = buttons.addButton("Keep editing", QDialogButtonBox.ButtonRole.RejectRole)
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
