"""Supervisor > Dashboard: the desk's charts over a period and a group (pyqtgraph).

The figures come from ``services.dashboard`` (SQL aggregates, read on a worker); each chart
exports itself as a PNG and its data as CSV."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import ValidationError
from app.domain.wording import plural
from app.services import dashboard as figures
from app.services.context import Desk
from app.services.dashboard import Dashboard, DashboardFilter
from app.views.errors import show_problem
from app.views.tasks import TaskRunner

BLUE = "#2f6db5"
ORANGE = "#e07b16"
GREY = "#5f6b73"
PRESETS = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("Last 12 months", 365))

# (key, title, what it counts): the order on screen, two per row
CHARTS = (
    ("backlog", "Backlog over time", "Open incidents at the end of each day (week)"),
    (
        "ageing",
        "Ageing of the open backlog",
        "Open incidents now, by how long ago they were opened",
    ),
    ("channel", "Incoming by channel", "Incidents opened in the period"),
    ("category", "Incoming by category", "Incidents opened in the period"),
    ("compliance", "SLA compliance by priority", "Share of targets met, %"),
    ("first_line", "First-line resolution", "Share resolved on the first line, %"),
    ("resolve_priority", "Time to resolve by priority", "Hours from opening to resolution"),
    ("resolve_group", "Time to resolve by group", "Hours from opening to resolution"),
)


def _nice_step(span: float) -> float:
    """1, 2, 5, 10, 20, 50... the smallest that puts at most eight ticks on `span`."""
    step = 1.0
    while span / step > 8:
        for factor in (2.0, 2.5, 2.0):
            step *= factor
            if span / step <= 8:
                break
    return step


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


class ChartPanel(QFrame):
    """One chart: its title and what it counts, the plot, Export PNG… and Export CSV…."""

    def __init__(self, key: str, title: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key, self.title = key, title
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.figure = QWidget()
        self.figure.setAutoFillBackground(True)
        pal = self.figure.palette()
        pal.setColor(self.figure.backgroundRole(), QColor("white"))
        pal.setColor(self.figure.foregroundRole(), QColor("black"))
        self.figure.setPalette(pal)
        heading = QLabel(title)
        font = QFont(heading.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        heading.setFont(font)
        self.summary = QLabel(what)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.key_text = ""
        self.summary.setAccessibleName(f"{title} summary")
        self.what = what
        self.plot = pg.PlotWidget(background="w")
        self.plot.setAccessibleName(title)
        self.plot.setMinimumHeight(230)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setPen(pg.mkPen(GREY))
            axis.setTextPen(pg.mkPen("#222222"))
        item.showGrid(x=False, y=True, alpha=0.25)
        inner = QVBoxLayout(self.figure)
        inner.setContentsMargins(8, 6, 8, 4)
        inner.addWidget(heading)
        inner.addWidget(self.summary)
        inner.addWidget(self.plot, 1)
        self.png_button = QPushButton("Export PNG…")
        self.csv_button = QPushButton("Export CSV…")
        self.png_button.setToolTip(f"Save “{title}” as a PNG image")
        self.csv_button.setToolTip(f"Save the figures of “{title}” as CSV")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.png_button)
        buttons.addWidget(self.csv_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 6)
        layout.addWidget(self.figure, 1)
        layout.addLayout(buttons)
        self.table: tuple[list[str], list[list[object]]] = ([], [])
        # what is drawn, by series name: the tests read the chart back from here
        self.drawn: dict[str, list[float]] = {}
        self.labels: list[str] = []

    # -- drawing -----------------------------------------------------------------------------
    def clear(self) -> None:
        self.plot.getPlotItem().clear()
        self.plot.getPlotItem().getAxis("left").setWidth(None)
        self.drawn = {}
        self.labels = []
        self.key_text = ""

    def say(self, words: str) -> None:
        """The line under the title: what the chart counts, then the colours' key."""
        self.summary.setText(f"{html.escape(words)}{self.key_text}")

    def _ticks(self, axis: str, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        self.plot.getPlotItem().getAxis(axis).setTicks(
            [[(i, _short(label)) for i, label in enumerate(labels)], []]
        )

    def bars(
        self,
        labels: Sequence[str],
        series: Sequence[tuple[str, Sequence[float | None], str]],
        *,
        horizontal: bool = False,
        unit: str = "",
        top: float | None = None,
    ) -> None:
        """Bars per label, one colour per series (side by side), each with its value written."""
        self.clear()
        item = self.plot.getPlotItem()
        n = len(series)
        width = 0.7 / n
        biggest = max((v or 0 for _, vs, _ in series for v in vs), default=0.0)
        span = top if top is not None else max(biggest * 1.18, 1.0)
        for s, (name, values, colour) in enumerate(series):
            where = [i - 0.35 + width * (s + 0.5) for i in range(len(labels))]
            heights = [float(v or 0) for v in values]
            self.drawn[name] = [float(v) if v is not None else float("nan") for v in values]
            brush = pg.mkBrush(colour)
            if horizontal:
                bar = pg.BarGraphItem(
                    x0=0,
                    y=where,
                    height=width * 0.92,
                    width=heights,
                    brush=brush,
                    pen=None,
                    name=name,
                )
            else:
                bar = pg.BarGraphItem(
                    x=where, height=heights, width=width * 0.92, brush=brush, pen=None, name=name
                )
            item.addItem(bar)
            for pos, v in zip(where, values, strict=True):
                if v is None:
                    continue
                text = pg.TextItem(
                    f"{v:.0f}{unit}" if unit == "%" or float(v).is_integer() else f"{v:.1f}{unit}",
                    color="#222222",
                    anchor=(0, 0.5) if horizontal else (0.5, 1),
                )
                text.setPos(v, pos) if horizontal else text.setPos(pos, v)
                item.addItem(text)
        if len(series) > 1:
            self.key_text = "".join(
                f'&nbsp;&nbsp;&nbsp;<span style="color:{colour}">&#9632;</span>&nbsp;{html.escape(name)}'
                for name, _, colour in series
            )
        value_axis = item.getAxis("bottom" if horizontal else "left")
        if unit == "%":
            value_axis.setTickSpacing(20, 10)
        elif all(float(v or 0).is_integer() for _, vs, _ in series for v in vs):
            step = _nice_step(span)  # counts: whole numbers on the axis
            value_axis.setTickSpacing(step, step)
        else:
            value_axis.setTickSpacing()
        if horizontal:
            self._ticks("left", labels)
            metrics = QFontMetrics(item.getAxis("left").style.get("tickFont") or self.font())
            item.getAxis("left").setWidth(
                max((metrics.horizontalAdvance(_short(t)) for t in labels), default=20) + 14
            )
            item.getAxis("bottom").setTicks(None)
            item.getAxis("left").setTickSpacing()
            item.invertY(True)
            item.setYRange(-0.6, len(labels) - 0.4, padding=0)
            item.setXRange(0, span * 1.12, padding=0)
        else:
            self._ticks("bottom", labels)
            item.getAxis("left").setTicks(None)
            item.getAxis("bottom").setTickSpacing()
            item.invertY(False)
            item.setXRange(-0.6, len(labels) - 0.4, padding=0)
            item.setYRange(0, span, padding=0)

    def line(self, labels: Sequence[str], values: Sequence[float], name: str) -> None:
        self.clear()
        item = self.plot.getPlotItem()
        item.invertY(False)
        self.drawn[name] = [float(v) for v in values]
        xs = list(range(len(values)))
        item.plot(
            xs,
            list(values),
            pen=pg.mkPen(BLUE, width=2),
            symbol="o",
            symbolSize=5,
            symbolBrush=BLUE,
            symbolPen=None,
        )
        self.labels = list(labels)
        every = max(1, len(labels) // 7)
        # labelled back from the last step (today), the first one only when there is room
        marks = [i for i in range(len(labels) - 1, -1, -every) if i > 0 or every == 1]
        item.getAxis("bottom").setTicks([[(i, labels[i]) for i in sorted(marks)], []])
        item.getAxis("left").setTicks(None)
        room = max(0.5, every * 0.6)  # for the first and last labels
        item.setXRange(-room, max(len(values) - 1 + room, 0.5), padding=0)
        top = max(max(values, default=0) * 1.15, 1.0)
        step = _nice_step(top)
        item.getAxis("left").setTickSpacing(step, step)
        item.getAxis("bottom").setTickSpacing()
        item.setYRange(0, top, padding=0)

    def empty(self, words: str) -> None:
        self.clear()
        self.say(self.what)
        item = self.plot.getPlotItem()
        text = pg.TextItem(words, color=GREY, anchor=(0.5, 0.5))
        text.setPos(0.5, 0.5)
        item.addItem(text)
        item.getAxis("bottom").setTicks([[], []])
        item.getAxis("left").setTicks([[], []])
        item.setXRange(0, 1, padding=0)
        item.setYRange(0, 1, padding=0)

    # -- exports -----------------------------------------------------------------------------
    def save_png(self, path: Path) -> None:
        if not self.figure.grab().save(str(path), "PNG"):
            raise ValidationError(f"Cannot write the image {path}")

    def save_csv(self, path: Path) -> int:
        header, rows = self.table
        try:
            with path.open("w", newline="", encoding="utf-8") as f:
                return figures.write_csv(f, header, rows)
        except OSError as exc:
            raise ValidationError(f"Cannot write {path}: {exc.strerror or exc}") from exc


class DashboardWindow(QWidget):
    """The charts as a window of its own (Supervisor > Dashboard)."""

    def __init__(self, desk: Desk, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.runner = desk, runner
        self.setWindowTitle("Dashboard — Incident Desk")
        today = desk.now().astimezone(desk.zone).date()
        self.preset = QComboBox()
        self.preset.setAccessibleName("Period")
        for name, days in PRESETS:
            self.preset.addItem(name, days)
        self.preset.addItem("Chosen dates", 0)
        self.start_edit = QDateEdit()
        self.end_edit = QDateEdit()
        for edit, name in ((self.start_edit, "From"), (self.end_edit, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setAccessibleName(name)
        self.group = QComboBox()
        self.group.setAccessibleName("Group")
        self.group.addItem("All groups", 0)
        self.group.setMinimumContentsLength(16)
        self.refresh_button = QPushButton("&Refresh")
        self.status = QLabel("Reading…")
        self.status.setAccessibleName("Dashboard status")
        top = QHBoxLayout()
        for label, widget in (
            ("&Period:", self.preset),
            ("&From:", self.start_edit),
            ("&To:", self.end_edit),
            ("&Group:", self.group),
        ):
            words = QLabel(label)
            words.setBuddy(widget)
            top.addWidget(words)
            top.addWidget(widget)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        top.addWidget(self.status)
        self.panels: dict[str, ChartPanel] = {}
        grid = QGridLayout()
        grid.setSpacing(10)
        for n, (key, title, what) in enumerate(CHARTS):
            panel = ChartPanel(key, title, what)
            panel.png_button.clicked.connect(lambda _=False, p=panel: self._export_png(p))
            panel.csv_button.clicked.connect(lambda _=False, p=panel: self._export_csv(p))
            self.panels[key] = panel
            grid.addWidget(panel, n // 2, n % 2)
        body = QWidget()
        body.setLayout(grid)
        body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        self.data: Dashboard | None = None
        self.loads = 0  # how many times the charts were drawn (tests wait on it)
        self._set_preset(30, today)
        self.preset.setCurrentIndex(1)
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.start_edit.dateChanged.connect(self._dates_chosen)
        self.end_edit.dateChanged.connect(self._dates_chosen)
        self.group.currentIndexChanged.connect(self.reload)
        self.refresh_button.clicked.connect(self.reload)
        self.resize(1180, 900)
        self._load_groups()
        self.reload()

    # -- the filter --------------------------------------------------------------------------
    def _set_preset(self, days: int, today: date) -> None:
        for edit, day in (
            (self.start_edit, today - timedelta(days=days - 1)),
            (self.end_edit, today),
        ):
            edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(False)

    def _preset_chosen(self) -> None:
        days = int(self.preset.currentData() or 0)
        if days:
            self._set_preset(days, self.desk.now().astimezone(self.desk.zone).date())
            self.reload()

    def _dates_chosen(self) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(self.preset.count() - 1)
        self.preset.blockSignals(False)
        self.reload()

    def _load_groups(self) -> None:
        desk = self.desk

        def fill(groups: list[tuple[int, str]]) -> None:
            self.group.blockSignals(True)
            for gid, name in groups:
                self.group.addItem(name, gid)
            self.group.blockSignals(False)

        self.runner.run(lambda: figures.groups(desk), fill, key="dashboard-groups")

    def current_filter(self) -> DashboardFilter:
        zone = self.desk.zone

        def instant(d: date) -> datetime:
            return datetime.combine(d, time(0), tzinfo=zone).astimezone(UTC)

        start = self.start_edit.date().toPython()
        end = self.end_edit.date().toPython()
        assert isinstance(start, date) and isinstance(end, date)
        gid = int(self.group.currentData() or 0)
        return DashboardFilter(
            instant(start), instant(end + timedelta(days=1)), (gid,) if gid else ()
        )

    def reload(self) -> None:
        flt = self.current_filter()
        try:
            flt.check()
        except ValidationError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText("Reading…")
        desk = self.desk
        self.runner.run(
            lambda: figures.dashboard(desk, flt),
            self._show,
            self._failed,
            key="dashboard",
            what="the dashboard",
        )

    def _failed(self, exc: BaseException) -> None:
        self.status.setText("Not read")
        show_problem(self, str(exc))

    # -- the charts --------------------------------------------------------------------------
    def _show(self, d: Dashboard) -> None:
        self.data = d
        zone = self.desk.zone
        tables = figures.tables(d, zone)
        for key, panel in self.panels.items():
            panel.table = tables[key]
        p = self.panels
        if d.backlog:
            labels = [
                f"{(pt.at - timedelta(seconds=1)).astimezone(zone):%d %b}" for pt in d.backlog
            ]
            p["backlog"].line(labels, [pt.open for pt in d.backlog], "Open")
            last = d.backlog[-1].open
            p["backlog"].say(
                f"Open incidents at the end of each {'day' if d.flt.step.days == 1 else 'week'}: "
                f"{last:,} at the end"
            )
        else:
            p["backlog"].empty("The period has not started yet")
        p["ageing"].bars([c.label for c in d.ageing], [("Open", [c.count for c in d.ageing], BLUE)])
        p["ageing"].say(
            f"{plural(sum(c.count for c in d.ageing), 'open incident')} now, by how long ago "
            "they were opened"
        )
        self._counts(p["channel"], d.by_channel, "opened in the period")
        self._counts(p["category"], d.by_category, "opened in the period", horizontal=True)
        c = d.compliance
        if c:
            p["compliance"].bars(
                [f"P{x.priority}" for x in c],
                [
                    ("Response", [x.response_pct for x in c], BLUE),
                    ("Resolution", [x.resolution_pct for x in c], ORANGE),
                ],
                unit="%",
                top=118.0,
            )
            met = sum(x.resolution_met for x in c)
            total = met + sum(x.resolution_missed for x in c)
            p["compliance"].say(
                f"Share of targets met, %: resolution {met:,} of {total:,}"
                if total
                else "Share of targets met, %: no incident resolved in the period"
            )
        else:
            p["compliance"].empty("No target came due in the period")
        fl = d.first_line
        if fl[-1].resolved:
            p["first_line"].bars(
                [f.label for f in fl],
                [("First line", [f.pct for f in fl], BLUE)],
                unit="%",
                top=118.0,
            )
            p["first_line"].say(
                f"Share resolved on the first line: {fl[-1].first_line:,} of "
                f"{plural(fl[-1].resolved, 'resolved incident')}"
            )
        else:
            p["first_line"].empty("No incident resolved in the period")
        self._times(p["resolve_priority"], d.resolve_by_priority, horizontal=False)
        self._times(p["resolve_group"], d.resolve_by_group, horizontal=True)
        self.status.setText(f"Updated {d.now.astimezone(zone):%H:%M:%S}")
        self.loads += 1

    @staticmethod
    def _counts(
        panel: ChartPanel, counts: Sequence[figures.Count], words: str, horizontal: bool = False
    ) -> None:
        if not counts:
            panel.empty("No incident opened in the period")
            return
        panel.bars(
            [c.label for c in counts],
            [("Incidents", [c.count for c in counts], BLUE)],
            horizontal=horizontal,
        )
        panel.say(f"{plural(sum(c.count for c in counts), 'incident')} {words}")

    @staticmethod
    def _times(panel: ChartPanel, rows: Sequence[figures.ResolveTime], horizontal: bool) -> None:
        if not rows:
            panel.empty("No incident resolved in the period")
            return
        panel.bars(
            [r.label for r in rows],
            [
                ("Mean", [r.mean_s / 3600 for r in rows], BLUE),
                ("Median", [r.median_s / 3600 for r in rows], ORANGE),
            ],
            horizontal=horizontal,
        )
        panel.say(
            f"Hours from opening to resolution, {plural(sum(r.count for r in rows), 'resolved incident')}"
        )

    # -- exports -----------------------------------------------------------------------------
    def _ask(self, panel: ChartPanel, kind: str, suffix: str) -> Path | None:
        name = f"{panel.key.replace('_', '-')}.{suffix}"
        path, _ = QFileDialog.getSaveFileName(
            self,
            f"Export “{panel.title}” as {kind}",
            str(Path.home() / name),
            f"{kind} files (*.{suffix})",
        )
        return Path(path) if path else None

    def _export_png(self, panel: ChartPanel) -> None:
        path = self._ask(panel, "PNG", "png")
        if path is not None:
            self._exported(lambda: panel.save_png(path), f"Saved “{panel.title}” to {path}")

    def _export_csv(self, panel: ChartPanel) -> None:
        path = self._ask(panel, "CSV", "csv")
        if path is not None:
            self._exported(
                lambda: panel.save_csv(path), f"Saved the figures of “{panel.title}” to {path}"
            )

    def _exported(self, work: Callable[[], object], words: str) -> None:
        try:
            work()
        except ValidationError as exc:
            show_problem(self, str(exc))
            return
        self.status.setText(words)
