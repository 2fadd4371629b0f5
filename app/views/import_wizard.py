"""File > Import…: a wizard over the same service as ``incidentdesk import``. Pick a file and its
format; see its first rows and map its columns (a generic CSV: each field a combo of the file's
columns, guessed from their names or kept from the last import of the same columns); run it
with a progress dialog that can be cancelled (what was committed stays; the next run resumes);
read what happened: rows, incidents, problems by line and where the error report is.

Reading the file, the database and the import run on the task runner, never on the GUI thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.domain.csv_import import FIELDS, REQUIRED, CsvMapping, preview
from app.domain.errors import DeskError
from app.domain.wording import plural
from app.services import imports
from app.services.context import Actor, Desk
from app.views.tasks import TaskRunner

FORMATS = (
    ("csv", "Generic CSV (columns mapped below)"),
    ("servicenow", "ServiceNow incident audit export"),
    ("bpi2013", "BPI Challenge 2013 incident log"),
)
NOT_IMPORTED = "(not imported)"
PREVIEW_ROWS = 20

_Index = QModelIndex | QPersistentModelIndex


class PreviewTableModel(QAbstractTableModel):
    """The first rows of the file, as it has them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._header: list[str] = []
        self._rows: list[list[str]] = []

    def set_rows(self, header: list[str], rows: list[list[str]]) -> None:
        self.beginResetModel()
        self._header, self._rows = header, rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._header)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        row = self._rows[index.row()]
        return row[index.column()] if index.column() < len(row) else ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._header[section] if 0 <= section < len(self._header) else None
        return str(section + 2)  # the line in the file (the header is line 1)


@dataclass(frozen=True)
class _Loaded:
    header: list[str]
    rows: list[list[str]]
    mapping: CsvMapping | None
    kept: bool


class _Progress(QObject):
    """The worker's news, carried to the GUI thread."""

    total = Signal(int)
    step = Signal(int)


class FilePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Import incidents")
        self.setSubTitle(
            "Incidents from another tool, with their history. Importing a file again skips "
            "what it already brought in."
        )
        self.path = QLineEdit()
        self.path.setPlaceholderText("a .csv or .csv.gz file")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        self.format = QComboBox()
        for key, label in FORMATS:
            self.format.addItem(label, key)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        file_label = QLabel("&File:")
        file_label.setBuddy(self.path)
        form.addRow(file_label, row)
        format_label = QLabel("F&ormat:")
        format_label.setBuddy(self.format)
        form.addRow(format_label, self.format)
        self.path.textChanged.connect(self.completeChanged)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import incidents", self.path.text(), "CSV files (*.csv *.csv.gz);;All files (*)"
        )
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:
        return Path(self.path.text().strip()).is_file()

    def kind(self) -> str:
        return str(self.format.currentData())


class MappingPage(QWizardPage):
    """The first rows, and (a generic CSV) which column holds which field."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Preview and columns")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Import")
        self.model = PreviewTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setMinimumHeight(140)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.why = QLabel()  # why the import cannot start yet
        self.why.setWordWrap(True)
        self.source = QLineEdit()
        self.source.setMaxLength(30)
        self.source.setToolTip("Where these incidents come from: a second import of it skips them")
        self.combos: dict[str, QComboBox] = {}
        fields = QWidget()
        grid = QGridLayout(fields)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, (name, label) in enumerate(FIELDS.items()):
            combo = QComboBox()
            combo.setObjectName(f"field_{name}")
            combo.currentIndexChanged.connect(self.completeChanged)
            text = QLabel(f"{label}{' *' if name in REQUIRED else ''}:")
            text.setBuddy(combo)
            grid.addWidget(text, i // 2, (i % 2) * 2)
            grid.addWidget(combo, i // 2, (i % 2) * 2 + 1)
            self.combos[name] = combo
        source_label = QLabel("&Source name:")
        source_label.setBuddy(self.source)
        row = len(FIELDS) // 2 + 1
        grid.addWidget(source_label, row, 0)
        grid.addWidget(self.source, row, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.fields = QScrollArea()
        self.fields.setWidget(fields)
        self.fields.setWidgetResizable(True)
        self.fields.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.note)
        layout.addWidget(self.fields, 3)
        layout.addWidget(self.why)
        self.loaded: _Loaded | None = None

    def initializePage(self) -> None:
        self.loaded = None
        self.model.set_rows([], [])
        kind = self._wizard.file_page.kind()
        csv = kind == "csv"
        self.fields.setVisible(csv)
        self.note.setText("Reading the file…")
        path = Path(self._wizard.file_page.path.text().strip())
        desk = self._wizard.desk

        def read() -> _Loaded:
            header, rows = preview(imports.read_text(path), PREVIEW_ROWS)
            if not csv:
                return _Loaded(header, rows, None, False)
            mapping, kept = imports.mapping_for(desk, header)
            return _Loaded(header, rows, mapping, kept)

        self._wizard.runner.run(read, self._show, self._failed, key="import-wizard-preview")

    def _show(self, loaded: _Loaded) -> None:
        self.loaded = loaded
        self.model.set_rows(loaded.header, loaded.rows)
        self.table.resizeColumnsToContents()
        for name, combo in self.combos.items():
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(NOT_IMPORTED, None)
            for column in loaded.header:
                combo.addItem(column, column)
            if loaded.mapping is not None:
                mapped = loaded.mapping.column_of(name)
                if mapped is not None and mapped in loaded.header:
                    combo.setCurrentIndex(loaded.header.index(mapped) + 1)
            combo.blockSignals(False)
        if loaded.mapping is not None:
            self.source.setText(loaded.mapping.source)
            self.note.setText(
                f"The first {plural(len(loaded.rows), 'row')} of the file. Columns "
                + (
                    "as the last import of these columns mapped them."
                    if loaded.kept
                    else "guessed from their names: check them."
                )
            )
        else:
            self.note.setText(f"The first {plural(len(loaded.rows), 'row')} of the file.")
        self.completeChanged.emit()

    def _failed(self, exc: DeskError) -> None:
        self.note.setText(f"Cannot read the file: {exc}")

    def mapping(self) -> CsvMapping | None:
        if self.loaded is None or self.loaded.mapping is None:
            return None
        columns = {
            str(combo.currentData()): name
            for name, combo in self.combos.items()
            if combo.currentData() is not None
        }
        return CsvMapping(
            columns, self.source.text().strip() or "csv", self.loaded.mapping.date_format
        )

    def problem(self) -> str | None:
        """Why the import cannot start yet (None: it can)."""
        if self.loaded is None:
            return "the file is being read"
        mapping = self.mapping()
        if mapping is None:
            return None
        try:
            mapping.check(self.loaded.header)
        except DeskError as exc:
            return str(exc)
        return None

    def isComplete(self) -> bool:
        problem = self.problem()
        self.why.setText((problem or "") if self.loaded is not None else "")
        return problem is None


class ResultPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Import")
        self.summary = QLabel("Importing…")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QListWidget()
        self.report = QLabel()
        self.report.setWordWrap(True)
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        problems_label = QLabel("&Problems, by line of the file:")
        problems_label.setBuddy(self.problems)
        layout.addWidget(problems_label)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.report)
        self.result: imports.FileImport | None = None
        self.error: str | None = None

    def initializePage(self) -> None:
        self._wizard.start_import()

    def isComplete(self) -> bool:
        return self.result is not None or self.error is not None

    def show_result(self, result: imports.FileImport) -> None:
        self.result = result
        self.setTitle("Import cancelled" if result.cancelled else "Import done")
        self.summary.setText(
            f"{plural(result.rows, 'row')} read, {plural(result.incidents, 'incident')} imported"
            f" ({result.skipped:,} already there), {plural(len(result.problems), 'problem')} found"
            f", {result.rows_per_s:,.0f} rows/s."
            + (
                " Cancelled: what was imported stays; importing the file again goes on from there."
                if result.cancelled
                else ""
            )
        )
        self.problems.clear()
        for p in result.problems:
            self.problems.addItem(f"line {p.line}: {p.reason}")
        self.report.setText(
            f"Error report: {result.report}" if result.report else "No problems: no error report."
        )
        self.completeChanged.emit()

    def show_error(self, message: str) -> None:
        self.error = message
        self.setTitle("Import failed")
        self.summary.setText(f"Nothing more was imported: {message}")
        self.completeChanged.emit()


class ImportWizard(QWizard):
    def __init__(
        self, desk: Desk, runner: TaskRunner, actor: Actor, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.desk, self.runner, self.actor = desk, runner, actor
        self.setWindowTitle("Import incidents")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.file_page = FilePage()
        self.mapping_page = MappingPage(self)
        self.result_page = ResultPage(self)
        for page in (self.file_page, self.mapping_page, self.result_page):
            self.addPage(page)
        self.progress: QProgressDialog | None = None
        self._cancel = threading.Event()
        self._file_name = ""
        self._done = 0
        self.resize(860, 700)

    def start_import(self) -> None:
        path = Path(self.file_page.path.text().strip())
        kind = self.file_page.kind()
        mapping = self.mapping_page.mapping()
        header = self.mapping_page.loaded.header if self.mapping_page.loaded else []
        desk, actor, cancel = self.desk, self.actor, self._cancel
        cancel.clear()
        news = _Progress(self)
        progress = QProgressDialog("Reading the file…", "&Cancel", 0, 0, self)
        progress.setWindowTitle("Importing")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self._cancelled)
        # slots of this (GUI-thread) object: the worker's emits are queued to the GUI thread
        news.total.connect(self._total)
        news.step.connect(self._step)
        self._file_name = path.name
        self._done = 0  # rows imported so far (a progress dialog starts at -1)
        self.progress = progress
        progress.show()

        def work() -> imports.FileImport:
            if mapping is not None:
                imports.save_mapping(desk, actor, header, mapping)
            return imports.import_file(
                desk,
                actor,
                kind,
                path,
                mapping=mapping,
                started=news.total.emit,
                progress=news.step.emit,
                cancelled=cancel.is_set,
            )

        def finished() -> None:
            progress.close()
            progress.deleteLater()
            self.progress = None

        self.runner.run(
            work,
            self.result_page.show_result,
            lambda exc: self.result_page.show_error(str(exc)),
            write=True,
            what=f"the import of {path.name}",
            after=finished,
        )

    def _cancelled(self) -> None:
        self._cancel.set()

    def _total(self, rows: int) -> None:
        if self.progress is not None:
            self.progress.setMaximum(max(rows, 1))
            self.progress.setLabelText(f"Importing {plural(rows, 'row')} of {self._file_name}…")

    def _step(self, rows: int) -> None:
        self._done += rows
        if self.progress is not None:
            self.progress.setValue(min(self._done, self.progress.maximum()))
