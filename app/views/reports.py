"""Supervisor > Reports: one of the desk's reports (app.services.reports) over a period and a
group, as a table with its totals underneath and what it counts; Export CSV… writes the table
(the same as ``incidentdesk report NAME --csv``). The report runs off the GUI thread; a newer
request wins over an older one still running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError
from app.services import dashboard, reports
from app.services.context import Desk
from app.services.reports import Report, ReportFilter
from app.views.colors import error_look, error_words
from app.views.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex


def is_share(name: str) -> bool:
    """A column or total that is a share (0..1), shown as a percentage."""
    words = name.lower().replace("_", " ")
    return "share" in words or "rate" in words


def cell_text(value: object, share: bool = False) -> str:
    if value is None:
        return "—"
    if share and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


class ReportTableModel(QAbstractTableModel):
    """A report's table: its columns and rows as the service computed them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns: tuple[str, ...] = ()
        self.rows: list[list[Any]] = []

    def set_report(self, rep: Report) -> None:
        self.beginResetModel()
        self.columns = tuple(rep.columns)
        self.rows = [list(r) for r in rep.rows]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if not 0 <= index.column() < len(row):
            return None
        value = row[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(value, is_share(self.columns[index.column()]))
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ReportsWindow(QWidget):
    def __init__(self, desk: Desk, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.runner = desk, runner
        self.report: Report | None = None
        self.setWindowTitle("Reports")
        self.resize(980, 560)
        self.name_box = QComboBox()
        self.name_box.setAccessibleName("Report")
        for name, (words, _fn) in reports.REPORTS.items():
            self.name_box.addItem(f"{name}: {words}", name)
        today = desk.now().astimezone(desk.zone).date()
        self.use_from = QCheckBox("&From")
        self.from_edit = QDateEdit(QDate(today.year, today.month, 1))
        self.use_to = QCheckBox("&To")
        self.to_edit = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.from_edit.setAccessibleName("From")
        self.to_edit.setAccessibleName("To")
        self.use_from.toggled.connect(self.from_edit.setEnabled)
        self.use_to.toggled.connect(self.to_edit.setEnabled)
        self.group_box = QComboBox()
        self.group_box.setAccessibleName("Group")
        self.group_box.addItem("Every group", None)
        self.run_button = QPushButton("&Run")
        self.run_button.setDefault(True)
        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setEnabled(False)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold; font-size: 14px;")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.model = ReportTableModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Report table")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.totals = QLabel()
        self.totals.setAccessibleName("Totals")
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()

        bar = QHBoxLayout()
        report_label = QLabel("Re&port:")
        report_label.setBuddy(self.name_box)
        bar.addWidget(report_label)
        bar.addWidget(self.name_box, 1)
        bar.addWidget(self.use_from)
        bar.addWidget(self.from_edit)
        bar.addWidget(self.use_to)
        bar.addWidget(self.to_edit)
        group_label = QLabel("&Group:")
        group_label.setBuddy(self.group_box)
        bar.addWidget(group_label)
        bar.addWidget(self.group_box)
        bar.addWidget(self.run_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.status)
        self.run_button.clicked.connect(self.run_report)
        self.name_box.currentIndexChanged.connect(lambda _i: self.run_report())
        self.export_button.clicked.connect(self.export)
        d = desk
        self.runner.run(
            lambda: dashboard.groups(d), self._groups, self._failed, key=f"report-groups-{id(self)}"
        )
        self.run_report()

    def _groups(self, groups: list[tuple[int, str]]) -> None:
        for gid, name in groups:
            self.group_box.addItem(name, gid)

    def current_filter(self) -> ReportFilter:
        zone = self.desk.zone

        def bound(edit: QDateEdit, end: bool) -> datetime:
            d = edit.date()
            at = datetime(d.year(), d.month(), d.day(), tzinfo=zone)
            if end:
                at += timedelta(days=1)
            return at.astimezone(UTC)

        group = self.group_box.currentData()
        return ReportFilter(
            bound(self.from_edit, False) if self.use_from.isChecked() else None,
            bound(self.to_edit, True) if self.use_to.isChecked() else None,
            (int(group),) if group is not None else (),
        )

    def run_report(self) -> None:
        name = self.name_box.currentData()
        flt = self.current_filter()
        desk = self.desk
        self.status.setText("Running…")
        self.runner.run(
            lambda: reports.report(desk, name, flt),
            self._shown,
            self._failed,
            key=f"report-{id(self)}",
        )

    def _shown(self, rep: Report) -> None:
        self.report = rep
        self.title.setText(rep.title)
        self.note.setText(rep.note)
        self.model.set_report(rep)
        self.totals.setText(
            "Totals: "
            + " · ".join(
                f"{k.replace('_', ' ')} {cell_text(v, is_share(k))}" for k, v in rep.totals.items()
            )
        )
        self.status.setPalette(self.palette())
        self.status.setFont(self.font())
        self.status.setText(f"{len(rep.rows)} row{'s' if len(rep.rows) != 1 else ''}")
        self.export_button.setEnabled(True)

    def _failed(self, exc: DeskError) -> None:
        self.status.setText(error_words(str(exc)))
        error_look(self.status)

    def export(self, path: str | None = None) -> Path | None:
        rep = self.report
        if rep is None:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, "Export the report as CSV", f"{rep.name}.csv", "CSV (*.csv)"
            )
        if not path:
            return None
        target = Path(path)
        try:
            with target.open("w", newline="", encoding="utf-8") as f:
                n = reports.write_csv(f, rep)
        except OSError as exc:
            self._failed(DeskError(f"Could not write {target}: {exc.strerror or exc}"))
            return None
        self.status.setText(f"Wrote {n} row{'s' if n != 1 else ''} to {target}")
        return target
