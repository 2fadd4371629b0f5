"""The priority-matrix editor: the admin's window (an agent, a specialist or a supervisor is
refused before it opens).

A grid of impact rows by urgency columns, one priority per cell, edited from the keyboard
(arrows move, a digit sets the cell's priority, F2 opens the list of priorities); the level
names beside it, 3 to 5 levels each way; presets, JSON import and export. Every edit is a
command on a QUndoStack (Undo, Redo, Revert); a cell that differs from the active version is
bold, marked in its corner, and says what it was. While the draft differs, a preview counts off
the GUI thread the open incidents that saving would move. Save asks for a reason and writes the
new version and the moves in one transaction (``services.matrix.apply_matrix``). A version
saved on another workstation reaches the editor through the change feed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPen,
    QPolygon,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain import inbound
from app.domain.errors import DeskError, PermissionDenied, ValidationError
from app.domain.matrix import (
    MAX_SIZE,
    MIN_SIZE,
    PRESETS,
    PriorityMatrix,
    matrix_from_json,
    matrix_to_json,
    relabelled,
    resized,
    same_grid,
)
from app.domain.roles import Permission
from app.domain.sla_config import AdminAuditRecord
from app.domain.wording import due_time, local_time, plural
from app.services import admin_audit
from app.services import matrix as matrix_service
from app.services.context import Actor, Desk
from app.views.admin.models import CHANGED_ROLE, MatrixTableModel, RowsTableModel
from app.views.colors import error_look, muted_color
from app.views.errors import show_problem
from app.views.tasks import TaskRunner

PREVIEW_DEBOUNCE_MS = 150
PREVIEW_KEY = "matrix-preview"
STATE_KEY = "matrix-state"
HISTORY_KEY = "matrix-history"
Index = QModelIndex | QPersistentModelIndex


def may_edit_matrix(actor: Actor) -> str | None:
    """None when `actor` may edit the matrix, else why not (the services' own words)."""
    try:
        actor.require(Permission.CONFIGURE)
    except PermissionDenied as exc:
        return str(exc)
    return None


class DraftCommand(QUndoCommand):
    """One edit of the draft: the whole matrix before and after (cells, levels, names)."""

    def __init__(
        self, editor: MatrixEditor, before: PriorityMatrix, after: PriorityMatrix, text: str
    ) -> None:
        super().__init__(text)
        self._editor, self._before, self._after = editor, before, after

    def redo(self) -> None:
        self._editor.show_draft(self._after)

    def undo(self) -> None:
        self._editor.show_draft(self._before)


class PriorityDelegate(QStyledItemDelegate):
    """F2 or a double click: the list of the matrix's priorities; a changed cell is marked
    with a triangle in its top-left corner (the marker does not rely on colour)."""

    def __init__(self, model: MatrixTableModel, parent: QWidget) -> None:
        super().__init__(parent)
        self._model = model

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.setAccessibleName("Priority of the cell")
        m = self._model.matrix
        if m is not None:
            for p, label in m.priority_levels():
                combo.addItem(label, p)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        i = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(i, 0))

    def setModelData(self, editor: QWidget, model: object, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        self._model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # the priority's colour stays under the current cell: a thick frame shows it instead
        opt = QStyleOptionViewItem(option)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        opt.state &= ~QStyle.StateFlag.State_Selected
        opt.state &= ~QStyle.StateFlag.State_HasFocus
        super().paint(painter, opt, index)
        r = opt.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ink = index.data(Qt.ItemDataRole.ForegroundRole)
        if index.data(CHANGED_ROLE):
            size = max(10, r.height() // 3)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ink)
            painter.drawPolygon(
                QPolygon(
                    [
                        r.topLeft(),
                        QPoint(r.left() + size, r.top()),
                        QPoint(r.left(), r.top() + size),
                    ]
                )
            )
        if selected:
            pen = QPen(ink)
            pen.setWidth(3)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(r.adjusted(3, 3, -3, -3))
        painter.restore()


class MatrixGrid(QTableView):
    """The grid: arrows move (the table's own), a digit sets the current cell's priority."""

    refused = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        model = self.model()
        if (
            len(text) == 1
            and text.isdigit()
            and isinstance(model, MatrixTableModel)
            and model.matrix is not None
        ):
            index = self.currentIndex()
            if not index.isValid():
                return
            p = int(text)
            if not 1 <= p <= model.matrix.priorities:
                self.refused.emit(
                    f"No priority {p}: this matrix has {model.matrix.priorities} (1 to {model.matrix.priorities})"
                )
                return
            model.setData(index, p, Qt.ItemDataRole.EditRole)
            return
        super().keyPressEvent(event)


class LevelEditors(QGroupBox):
    """The names of one axis's levels (impact, urgency or priority), one line each."""

    def __init__(self, title: str, what: str, rename: Callable[[str, int, str], None]) -> None:
        super().__init__(title)
        self.what = what
        self._rename = rename
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.edits: list[QLineEdit] = []
        self.notes: list[QLabel] = []

    def show_labels(self, labels: tuple[str, ...], notes: tuple[str, ...] = ()) -> None:
        while len(self.edits) > len(labels):
            self.form.removeRow(len(self.edits) - 1)
            self.edits.pop()
            if self.notes:
                self.notes.pop()
        while len(self.edits) < len(labels):
            n = len(self.edits) + 1
            edit = QLineEdit()
            edit.setAccessibleName(f"{self.what.capitalize()} level {n} name")
            edit.editingFinished.connect(lambda e=edit, n=n: self._finished(e, n))
            self.edits.append(edit)
            if notes:
                row = QWidget()
                lay = QVBoxLayout(row)
                lay.setContentsMargins(0, 0, 0, 0)
                lay.setSpacing(1)
                lay.addWidget(edit)
                note = QLabel()
                note.setWordWrap(True)
                pal = note.palette()
                pal.setColor(note.foregroundRole(), muted_color())
                note.setPalette(pal)
                lay.addWidget(note)
                self.notes.append(note)
                self.form.addRow(f"{n}", row)
            else:
                self.form.addRow(f"{n}", edit)
        for edit, label in zip(self.edits, labels, strict=True):
            if edit.text() != label:
                edit.blockSignals(True)
                edit.setText(label)
                edit.blockSignals(False)
        for note, text in zip(self.notes, notes, strict=False):
            note.setText(text)

    def _finished(self, edit: QLineEdit, n: int) -> None:
        self._rename(self.what, n, edit.text())


class MatrixEditor(QMainWindow):
    """The editor (see the module docstring). Build it with :func:`open_matrix_editor`."""

    saved = Signal(object)  # MatrixApplied

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        refusal = may_edit_matrix(actor)
        if refusal is not None:
            raise PermissionDenied(refusal)
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.setWindowTitle("Priority matrix — Incident Desk")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.state: matrix_service.MatrixState | None = None
        self.active: PriorityMatrix | None = None
        self.draft: PriorityMatrix | None = None
        self.preview: matrix_service.MatrixPreview | None = None
        self.stack = QUndoStack(self)

        # -- actions -------------------------------------------------------------------
        # fixed words on the buttons; what they undo or redo is in their tooltips
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.stack.undo)
        self.undo_action.setEnabled(False)
        self.stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.stack.undoTextChanged.connect(
            lambda t: self.undo_action.setToolTip(f"Undo: {t}" if t else "Undo")
        )
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.triggered.connect(self.stack.redo)
        self.redo_action.setEnabled(False)
        self.stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.stack.redoTextChanged.connect(
            lambda t: self.redo_action.setToolTip(f"Redo: {t}" if t else "Redo")
        )
        bar = QToolBar("Matrix")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        bar.addAction(self.undo_action)
        bar.addAction(self.redo_action)
        self.revert_action = bar.addAction("Re&vert", self.revert)
        self.revert_action.setToolTip("Back to the active version (undoable)")
        bar.addSeparator()
        self.presets_button = QToolButton()
        self.presets_button.setText("&Presets")
        self.presets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets_menu = QMenu(self.presets_button)
        for name, make in PRESETS:
            preset = QAction(name, self.presets_menu)
            preset.triggered.connect(functools.partial(self._preset_chosen, name, make))
            self.presets_menu.addAction(preset)
        self.presets_button.setMenu(self.presets_menu)
        bar.addWidget(self.presets_button)
        self.import_action = bar.addAction("&Import…", self._ask_import)
        self.export_action = bar.addAction("E&xport…", self._ask_export)
        bar.addSeparator()
        self.add_impact_action = bar.addAction("+ Impact level", lambda: self.resize_by(1, 0))
        self.remove_impact_action = bar.addAction("− Impact level", lambda: self.resize_by(-1, 0))
        self.add_urgency_action = bar.addAction("+ Urgency level", lambda: self.resize_by(0, 1))
        self.remove_urgency_action = bar.addAction("− Urgency level", lambda: self.resize_by(0, -1))

        # -- the grid ------------------------------------------------------------------
        self.active_label = QLabel("Reading the active matrix…")
        self.active_label.setWordWrap(True)
        self.model = MatrixTableModel(self._edit_cell, self)
        self.grid = MatrixGrid()
        self.grid.setAccessibleName("Priority matrix")
        self.grid.setModel(self.model)
        self.grid.setItemDelegate(PriorityDelegate(self.model, self.grid))
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.setMinimumHeight(260)
        self.grid.refused.connect(self._say)
        self.status = QLabel(" ")
        self.status.setWordWrap(True)
        hint = QLabel("Arrows move · a digit sets the priority · F2 lists them · Ctrl+Z undoes")
        pal = hint.palette()
        pal.setColor(hint.foregroundRole(), muted_color())
        hint.setPalette(pal)

        self.impact_names = LevelEditors("Impact levels", "impact", self._rename)
        self.urgency_names = LevelEditors("Urgency levels", "urgency", self._rename)
        self.priority_names = LevelEditors("Priorities and their targets", "priority", self._rename)
        levels = QHBoxLayout()
        levels.addWidget(self.impact_names, 1)
        levels.addWidget(self.urgency_names, 1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addWidget(self.active_label)
        ll.addWidget(self.grid, 3)
        ll.addWidget(hint)
        ll.addWidget(self.status)
        ll.addLayout(levels)
        ll.addWidget(self.priority_names)

        # -- the preview ---------------------------------------------------------------
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.headline.setFont(font)
        self.unmapped_label = QLabel()
        self.unmapped_label.setWordWrap(True)
        self.pairs_model = RowsTableModel(("Old priority", "New priority", "Incidents"), self)
        self.pairs = self._table(self.pairs_model, "Moves per priority")
        self.pairs.setMaximumHeight(self.fontMetrics().height() * 8)
        self.shifts_model = RowsTableModel(
            ("Number", "Title", "Priority", "New resolution due"), self
        )
        self.shifts = self._table(self.shifts_model, "Incidents that would change priority")
        self.shifts.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.more_label = QLabel()
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.headline)
        rl.addWidget(self.unmapped_label)
        rl.addWidget(self.pairs)
        rl.addWidget(self.shifts, 1)
        rl.addWidget(self.more_label)

        split = QSplitter()
        split.addWidget(left)
        # the versions saved so far, change by change (the admin audit)
        self.history_model = RowsTableModel(("When", "Who", "Version", "What", "Was", "Now"), self)
        self.history = self._table(self.history_model, "History of the priority matrix")
        self.side = QTabWidget()
        self.side.addTab(right, "Pre&view: what saving would move")
        self.side.addTab(self.history, "&History")
        split.addWidget(self.side)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 7)
        split.setChildrenCollapsible(False)

        # -- save ----------------------------------------------------------------------
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText(
            "Why the matrix changes (written into every moved incident's history)"
        )
        self.reason.textChanged.connect(lambda _t: self._enable())
        self.save_button = QPushButton("&Save new version")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        save_row = QHBoxLayout()
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        save_row.addWidget(reason_label)
        save_row.addWidget(self.reason, 1)
        save_row.addWidget(self.save_button)

        central = QWidget()
        cl = QVBoxLayout(central)
        cl.addWidget(split, 1)
        cl.addLayout(save_row)
        self.setCentralWidget(central)
        self.resize(1280, 780)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DEBOUNCE_MS)
        self._preview_timer.timeout.connect(self._run_preview)
        self._saving = False
        self._own_version: int | None = None
        self._enable()
        self.load()

    def _table(self, model: RowsTableModel, name: str) -> QTableView:
        view = QTableView()
        view.setAccessibleName(name)
        view.setModel(model)
        view.verticalHeader().hide()
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setWordWrap(False)
        view.setAlternatingRowColors(True)
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        return view

    # -- loading -------------------------------------------------------------------------
    def load(self) -> None:
        desk = self.desk
        self.runner.run(
            lambda: matrix_service.matrix_state(desk), self._loaded, self._failed, key=STATE_KEY
        )

    def _load_history(self) -> None:
        desk = self.desk
        self.runner.run(
            lambda: admin_audit.admin_history(desk, "matrix"),
            self._history,
            self._failed,
            key=HISTORY_KEY,
        )

    def _history(self, entries: list[AdminAuditRecord]) -> None:
        zone = self.desk.zone
        self.history_model.set_rows(
            [
                (
                    local_time(e.at, zone),
                    e.who or "",
                    str(e.entity_id or ""),
                    e.field,
                    e.old or "",
                    e.new or "",
                )
                for e in entries
            ],
            [e.reason for e in entries],
        )

    def _loaded(self, state: matrix_service.MatrixState) -> None:
        """The active version arrived (at opening, after a save, or from another workstation)."""
        old = self.active
        self.state = state
        self.active = state.matrix
        fresh = self.draft is None or (old is not None and same_grid(self.draft, old))
        ours = state.matrix.version == self._own_version  # the version this editor saved
        if old is not None and old.version != state.matrix.version and not ours:
            if fresh:
                self._say(
                    f"Version {state.matrix.version} was saved on another workstation: the editor shows it"
                )
            else:
                self._say(
                    f"Version {state.matrix.version} was saved on another workstation: the markers and the "
                    "preview now compare your draft with it"
                )
        if fresh:
            self.stack.clear()
            self.show_draft(state.matrix)
        else:
            assert self.draft is not None
            self.show_draft(self.draft)
        self._load_history()
        who = f" by {state.saved_by}" if state.saved_by else ""
        when = f" on {local_time(state.saved_at, self.desk.zone)}" if state.saved_at else ""
        note = f": {state.note}" if state.note else ""
        self.active_label.setText(f"Active: version {state.matrix.version}, saved{who}{when}{note}")

    def _failed(self, exc: DeskError) -> None:
        self._say(str(exc), error=True)

    # -- editing -------------------------------------------------------------------------
    def show_draft(self, matrix: PriorityMatrix) -> None:
        """Show `matrix` as the draft (the undo commands call this)."""
        self.draft = matrix
        base = self.active or matrix
        self.model.show(matrix, base)
        if not self.grid.currentIndex().isValid() and self.model.rowCount():
            self.grid.setCurrentIndex(self.model.index(0, 0))
        self.impact_names.show_labels(matrix.impact_labels)
        self.urgency_names.show_labels(matrix.urgency_labels)
        self.priority_names.show_labels(matrix.priority_labels, self._terms(matrix))
        self._enable()
        self._schedule_preview()

    def _terms(self, matrix: PriorityMatrix) -> tuple[str, ...]:
        out = []
        terms = self.state.terms if self.state is not None else {}
        for p in range(1, matrix.priorities + 1):
            t = terms.get(p)
            if t is None or t.response is None:
                out.append("No SLA target for this priority" if self.state is not None else "")
            else:
                out.append(
                    f"Respond {t.response} · resolve {t.resolution} · {t.policy}, {t.calendar}"
                )
        return tuple(out)

    def _push(self, after: PriorityMatrix, text: str) -> None:
        before = self.draft
        if before is None or same_grid(before, after):
            return
        self.stack.push(DraftCommand(self, before, after, text))

    def _edit_cell(self, impact: int, urgency: int, priority: int) -> None:
        if self.draft is None:
            return
        after = self.draft.with_cell(impact, urgency, priority)
        after = PriorityMatrix(
            after.impact_labels,
            after.urgency_labels,
            after.priority_labels,
            after.cells,
            self.draft.version,
        )
        self._push(
            after,
            f"Impact {impact} x Urgency {urgency}: {self.draft.priority(impact, urgency)} -> {priority}",
        )
        self._say(" ")

    def _rename(self, what: str, level: int, text: str) -> None:
        if self.draft is None:
            return
        try:
            after = relabelled(self.draft, what, level, text)
        except ValidationError as exc:
            self._say(str(exc), error=True)
            self.show_draft(self.draft)  # the name it had comes back
            return
        self._push(after, f"Rename {what} level {level}")

    def resize_by(self, impacts: int, urgencies: int) -> None:
        if self.draft is None:
            return
        n, m = self.draft.impacts + impacts, self.draft.urgencies + urgencies
        if not (MIN_SIZE <= n <= MAX_SIZE and MIN_SIZE <= m <= MAX_SIZE):
            what = "impact" if impacts else "urgency"
            self._say(f"A matrix has {MIN_SIZE} to {MAX_SIZE} {what} levels", error=True)
            return
        verb = "Add" if impacts + urgencies > 0 else "Remove"
        self._push(
            resized(self.draft, n, m), f"{verb} {'an impact' if impacts else 'an urgency'} level"
        )

    def _preset_chosen(
        self, name: str, make: Callable[[], PriorityMatrix], _checked: bool = False
    ) -> None:
        self.apply_preset(name, make())

    def apply_preset(self, name: str, matrix: PriorityMatrix) -> None:
        self._push(matrix, f"Preset {name}")
        self._say(f"Preset {name}: not saved until you save it")

    def revert(self) -> None:
        if self.active is not None:
            self._push(self.active, f"Revert to version {self.active.version}")

    # -- import and export ---------------------------------------------------------------
    def _ask_import(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self, "Import a priority matrix", "", "JSON (*.json)"
        )
        if path:
            self.import_file(Path(path))

    def _ask_export(self) -> None:
        path, _f = QFileDialog.getSaveFileName(
            self, "Export the priority matrix", "priority-matrix.json", "JSON (*.json)"
        )
        if path:
            self.export_file(Path(path))

    def import_file(self, path: Path) -> bool:
        """Read a matrix from `path` as the new draft (undoable); a bad file is refused in a
        message naming the file and what is wrong, and the draft stays as it was."""
        try:
            data = inbound.loads(path.read_text(encoding="utf-8-sig"))
            matrix = matrix_from_json(data)
        except OSError as exc:
            show_problem(self, f"Cannot read {path}: {exc.strerror or exc}")
            return False
        except UnicodeDecodeError as exc:
            show_problem(self, f"{path.name} is not UTF-8 text (byte {exc.start:,} cannot be read)")
            return False
        except json.JSONDecodeError as exc:
            show_problem(
                self, f"{path.name} is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            )
            return False
        except ValidationError as exc:
            show_problem(self, f"{path.name}: {exc}")
            return False
        self._push(matrix, f"Import {path.name}")
        self._say(f"Imported {path.name}: not saved until you save it")
        return True

    def export_file(self, path: Path) -> bool:
        if self.draft is None:
            return False
        try:
            path.write_text(
                json.dumps(matrix_to_json(self.draft), indent=2) + "\n", encoding="utf-8"
            )
        except OSError as exc:
            show_problem(self, f"Cannot write {path}: {exc.strerror or exc}")
            return False
        self._say(f"Exported to {path}")
        return True

    # -- the preview ---------------------------------------------------------------------
    def dirty(self) -> bool:
        return (
            self.draft is not None
            and self.active is not None
            and not same_grid(self.draft, self.active)
        )

    def _schedule_preview(self) -> None:
        if not self.dirty():
            self.runner.cancel(PREVIEW_KEY)
            self._preview_timer.stop()
            self.preview = None
            self.headline.setText(
                "No change yet: edit a cell to see which open incidents would move"
            )
            self.unmapped_label.setText("")
            self.pairs_model.set_rows([])
            self.shifts_model.set_rows([])
            self.more_label.setText("")
            return
        self.headline.setText("Counting the open incidents that would move…")
        self._preview_timer.start()

    def refresh_preview(self) -> None:
        """Incidents changed elsewhere: count again (when there is something to preview)."""
        if self.dirty():
            self._preview_timer.start()

    def _run_preview(self) -> None:
        draft, desk = self.draft, self.desk
        if draft is None or not self.dirty():
            return
        self.runner.run(
            lambda: matrix_service.preview_matrix(desk, draft),
            self._previewed,
            self._failed,
            key=PREVIEW_KEY,
        )

    def _previewed(self, preview: matrix_service.MatrixPreview) -> None:
        if self.draft is None or not same_grid(preview.matrix, self.draft):
            return  # the draft moved on meanwhile: its own preview is on its way
        self.preview = preview
        m = preview.matrix
        if preview.count == 0:
            self.headline.setText("No open incident would change priority")
        else:
            self.headline.setText(f"{plural(preview.count, 'open incident')} would change priority")
        self.unmapped_label.setText(
            f"{plural(preview.unmapped, 'open incident')} at a level this matrix lacks "
            f"{'keeps its' if preview.unmapped == 1 else 'keep their'} priority"
            if preview.unmapped
            else ""
        )
        book_label = self.active.priority_label if self.active is not None else m.priority_label
        self.pairs_model.set_rows(
            [(book_label(old), m.priority_label(new), f"{n:,}") for old, new, n in preview.pairs]
        )
        now = self.desk.now()
        zone = self.desk.zone
        self.shifts_model.set_rows(
            [
                (
                    s.number,
                    s.title,
                    f"{book_label(s.old_priority)} → {m.priority_label(s.new_priority)}",
                    due_time(s.new_due, now, zone)
                    if s.new_due
                    else ("On hold: clock paused" if s.paused else "No SLA target"),
                )
                for s in preview.shifts
            ]
        )
        shown = len(preview.shifts)
        self.more_label.setText(
            f"The first {shown:,} of {preview.count:,} are listed" if preview.count > shown else ""
        )

    # -- saving --------------------------------------------------------------------------
    def _enable(self) -> None:
        dirty = self.dirty()
        self.revert_action.setEnabled(dirty)
        ready = dirty and bool(self.reason.text().strip()) and not self._saving
        self.save_button.setEnabled(ready)
        if not dirty:
            self.save_button.setToolTip("Nothing to save: the draft is the active version")
        elif not self.reason.text().strip():
            self.save_button.setToolTip(
                "Say why first: the reason goes into every moved incident's history"
            )
        else:
            self.save_button.setToolTip(
                "Save the draft as a new version and move the open incidents it changes"
            )
        if self.draft is not None:
            self.add_impact_action.setEnabled(self.draft.impacts < MAX_SIZE)
            self.remove_impact_action.setEnabled(self.draft.impacts > MIN_SIZE)
            self.add_urgency_action.setEnabled(self.draft.urgencies < MAX_SIZE)
            self.remove_urgency_action.setEnabled(self.draft.urgencies > MIN_SIZE)

    def save(self) -> None:
        draft, desk, actor, reason = self.draft, self.desk, self.actor, self.reason.text()
        if draft is None or not self.dirty() or self._saving:
            return
        self._saving = True
        self._enable()
        self._say("Saving…")
        self.runner.run(
            lambda: matrix_service.apply_matrix(desk, actor, draft, reason),
            self._saved,
            self._save_failed,
            write=True,
            what="the new priority matrix",
            after=self._save_over,
        )

    def _save_over(self) -> None:
        self._saving = False
        self._enable()

    def _saved(self, done: matrix_service.MatrixApplied) -> None:
        moved = plural(done.count, "open incident")
        self._say(f"Saved as version {done.version}: {moved} re-prioritised")
        self.reason.clear()
        self.active = self.draft  # until the state arrives: no markers, no preview
        self.stack.clear()
        self.saved.emit(done)
        self._own_version = done.version
        self.load()

    def _save_failed(self, exc: DeskError) -> None:
        self._say(f"Not saved: {exc}", error=True)

    # -- the live feed -------------------------------------------------------------------
    def others_changed(self, entities: set[str]) -> None:
        if "matrix" in entities or "policy" in entities or "calendar" in entities:
            self.load()

    def _say(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        if error:
            error_look(self.status)
        else:
            self.status.setStyleSheet("")
            self.status.setPalette(self.palette())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.dirty() and not self._saving:
            answer = QMessageBox.question(
                self,
                "Priority matrix",
                "The draft matrix is not saved. Close and lose it?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        self._preview_timer.stop()
        self.runner.cancel(PREVIEW_KEY)
        super().closeEvent(event)


def open_matrix_editor(
    desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
) -> MatrixEditor | None:
    """The editor, or None after telling a non-admin why not."""
    refusal = may_edit_matrix(actor)
    if refusal is not None:
        show_problem(parent, refusal, "Priority matrix")
        return None
    editor = MatrixEditor(desk, actor, runner)
    editor.show()
    return editor
