"""The main window: saved views with live counts, the filter bar and search, the live queue."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressDialog,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError, EnvironmentProblem
from app.domain.lifecycle import State
from app.domain.matrix import PriorityMatrix
from app.domain.records import AgentRecord, GroupRecord, IncidentRecord
from app.domain.roles import Permission, can
from app.domain.wording import plural
from app.services import escalation, incidents, queries, saved_views
from app.services.bulk import Item, items_for
from app.services.context import Actor, Desk
from app.services.notifications import Notice
from app.services.priority_colors import priority_colors
from app.views.availability import AvailabilityAction
from app.views.colors import muted_color
from app.views.errors import show_problem
from app.views.live import ChangeFeed
from app.views.notify import NoticeButton, NotificationsDock, Notifier, make_tray, tray_message
from app.views.queue_model import COLUMNS, ID_ROLE, TITLE, Query, QueueTableModel
from app.views.resources import app_icon
from app.views.saved_views import LEGACY_KEY, Narrowing, SavedView, builtin_views, legacy_views
from app.views.settings import settings, user_key
from app.views.shortcuts import ShortcutsDialog
from app.views.tasks import TaskRunner

SEARCH_DEBOUNCE_MS = 250
COUNT_THROTTLE_MS = 1500
SWEEP_INTERVAL_MS = escalation.TICK_S * 1000  # the escalation round, by whoever holds its lease
RETRY_MS = 2000  # offline: how often the database is asked again
COUNT_ROLE = Qt.ItemDataRole.UserRole + 1
VIEWS_LONGEST = "My groups' unassigned"  # the built-in name the panel is sized to
EVERY_STATE = "every"  # the state filter's "closed too": the view's states are lifted
EVERY_STATE_LABEL = "Every state, closed too"


def incidents_text(n: int) -> str:
    """'1 incident', '1,234 incidents'."""
    return plural(n, "incident")


def compact_count(n: int) -> str:
    """A count for the saved-views panel: 9,999 · 12k · 175k · 1.2M (exact in the tooltip)."""
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M"


class SavedViewsDelegate(QStyledItemDelegate):
    """A saved view's name on the left (elided), its live count right-aligned and muted."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        count = index.data(COUNT_ROLE)
        count_text = compact_count(int(count)) if count is not None else ""
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = opt.rect.adjusted(6, 0, -6, 0)
        fm = opt.fontMetrics
        count_w = fm.horizontalAdvance(count_text) if count_text else 0
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setPen(opt.palette.color(text_role))
        name_rect = QRect(
            rect.left(), rect.top(), rect.width() - count_w - (8 if count_w else 0), rect.height()
        )
        name = fm.elidedText(
            str(index.data() or ""), Qt.TextElideMode.ElideRight, name_rect.width()
        )
        painter.drawText(
            name_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name
        )
        if count_text:
            if not selected:
                painter.setPen(muted_color())
            painter.drawText(
                rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), count_text
            )
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width(), max(size.height(), option.fontMetrics.height() + 10))


class JobReport:
    """A periodic job's failures (the SLA sweep, the counts), told once and not at every tick:
    our bug through the excepthook (a dialog and a crash report), a refusal in a message box; the
    database being away is the status bar's news already (the runner's ``online``). After a
    success, the next failure is told again. The job itself keeps running either way."""

    def __init__(self, parent: QWidget, name: str) -> None:
        self._parent = parent
        self.name = name
        self.told = 0  # failures told since the last success

    def ok(self, _result: object = None) -> None:
        self.told = 0

    def failed(self, exc: BaseException) -> None:
        if isinstance(exc, EnvironmentProblem) or self.told:
            return
        self.told += 1
        if isinstance(exc, DeskError):
            show_problem(
                self._parent, f"{self.name} failed: {exc}\nIt keeps running and is tried again."
            )
        else:
            sys.excepthook(type(exc), exc, exc.__traceback__)


class MainWindow(QMainWindow):
    incident_opened = Signal(object)  # the IncidentWindow
    online_changed = Signal(bool)  # the database answers again / stopped answering
    RETRY_MS = RETRY_MS

    def __init__(
        self,
        desk: Desk,
        actor: Actor,
        runner: TaskRunner,
        *,
        database: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.actor = actor
        self.runner = runner
        # the background lane: saved-view counts and the SLA sweep, one at a time, so that
        # they never hold up the queue's reads on `runner`
        self.background = TaskRunner(self, threads=1)
        self._database = database
        self._groups: list[GroupRecord] = []
        self._agents: list[AgentRecord] = []
        self._windows: dict[int, QWidget] = {}
        self._admin_windows: dict[str, QWidget] = {}
        self._online = True
        self._count: int | None = None
        self.setWindowTitle(f"Incident Desk — {actor.full_name} ({actor.role.label})")
        self.setWindowIcon(app_icon())
        self.resize(1360, 780)

        # -- saved views ---------------------------------------------------------------
        self.views_list = QListWidget()
        self.views_list.setAccessibleName("Saved views")
        self.views_list.setItemDelegate(SavedViewsDelegate(self.views_list))
        self.views_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        # sized to its content: the longest built-in name, a count, the margins (~220 px)
        fm = self.views_list.fontMetrics()
        self._views_width = fm.horizontalAdvance(VIEWS_LONGEST) + fm.horizontalAdvance("175k") + 44
        self.views_list.setMinimumWidth(fm.horizontalAdvance("Breaching soon") + 40)
        self._views: list[SavedView] = []
        self.views_list.currentRowChanged.connect(self._view_changed)

        # -- filter bar ----------------------------------------------------------------
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title, description and journal (Ctrl+F)")
        self.search.setAccessibleName("Search")
        self.search.setClearButtonEnabled(True)
        self.state_filter = self._combo(
            "State filter",
            [("Any state", None)]
            + [(s.label, s) for s in State]
            + [(EVERY_STATE_LABEL, EVERY_STATE)],
        )
        # every priority the active matrix defines, filled with the lookups (off the GUI thread)
        self.priority_filter = self._combo("Priority filter", [("Any priority", None)])
        self.group_filter = self._combo("Group filter", [("Any group", None)])
        self.assignee_filter = self._combo(
            "Assignee filter", [("Anyone", None), ("Me", actor.id), ("Unassigned", -1)]
        )
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._apply_now)
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.search, 3)
        for combo in (
            self.state_filter,
            self.priority_filter,
            self.group_filter,
            self.assignee_filter,
        ):
            bar.addWidget(combo, 1)
            combo.currentIndexChanged.connect(self._apply_filters)

        # -- the queue -----------------------------------------------------------------
        self.model = QueueTableModel(desk, runner, self)
        self.table = QTableView()
        self.table.setAccessibleName("Incident queue")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Ctrl+A selects the whole view, also the rows whose keys are not read yet
        self.select_all_action = QAction("Select &all", self.table)
        self.select_all_action.setShortcut(QKeySequence(QKeySequence.StandardKey.SelectAll))
        self.select_all_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.select_all_action.setStatusTip("Select every incident of the view (for a bulk change)")
        self.select_all_action.triggered.connect(lambda _checked=False: self.select_all_rows())
        self.table.addAction(self.select_all_action)
        self._selecting_all = False
        self.model.all_keys.connect(self._all_keys_loaded)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        cell = self.table.fontMetrics()
        self._default_widths: dict[int, int] = {}
        for i, col in enumerate(COLUMNS):
            self._default_widths[i] = cell.horizontalAdvance(col.sample) + col.extra + 20
            header.resizeSection(i, self._default_widths[i])
        header.setMinimumSectionSize(40)
        # Title takes what the other columns leave, but never less than a readable width (a
        # narrow window scrolls sideways instead of squeezing the title to nothing)
        self._title_min = cell.horizontalAdvance("A title of about thirty characters")
        self.table.viewport().installEventFilter(self)
        header.sectionResized.connect(self._column_resized)
        header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.activated.connect(self._open_index)
        self.model.loaded.connect(self._query_loaded)
        # an empty queue says so inside the table, with a way to search every state
        self.empty_note = QWidget(self.table.viewport())
        self.empty_note.setAccessibleName("Nothing to show")
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setTextFormat(Qt.TextFormat.PlainText)
        self.every_state_button = QPushButton("Search every state")
        self.every_state_button.setToolTip("Look in closed, resolved and cancelled incidents too")
        self.every_state_button.clicked.connect(self.search_every_state)
        el = QVBoxLayout(self.empty_note)
        el.addStretch(1)
        el.addWidget(self.empty_label)
        el.addWidget(self.every_state_button, 0, Qt.AlignmentFlag.AlignHCenter)
        el.addStretch(2)
        self.empty_note.hide()
        for sig in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            sig.connect(self._update_empty_note)
        self.title_label = QLabel()
        self.title_label.setAccessibleName("Current view")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title_label.setFont(font)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 0)
        rl.addWidget(self.title_label)
        rl.addLayout(bar)
        rl.addWidget(self.table)
        splitter = QSplitter()
        splitter.addWidget(self.views_list)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(1, False)
        splitter.setSizes([self._views_width, 1360 - self._views_width])
        self.splitter = splitter
        self.setCentralWidget(splitter)

        # -- status bar ----------------------------------------------------------------
        self.db_label = QLabel(f"Database: {database}" if database else "")
        self.online_label = QLabel("online")
        self.count_label = QLabel("")
        self.online_label.setAccessibleName("Connection")
        self.online_label.setToolTip("The database answers")
        self.count_label.setAccessibleName("Incident count")
        self.notice_button = NoticeButton()
        self.statusBar().addWidget(self.db_label, 1)
        self.statusBar().addPermanentWidget(self.notice_button)
        self.statusBar().addPermanentWidget(self.count_label)
        self.statusBar().addPermanentWidget(self.online_label)
        runner.online.connect(self._set_online)
        self.background.online.connect(self._set_online)
        runner.environment.connect(self._environment_problem)
        self.background.environment.connect(self._environment_problem)
        runner.problem.connect(lambda text: show_problem(self, text))
        # offline, the database is asked again every RETRY_MS; its first answer sets online
        self._retry_timer = QTimer(self)
        self._retry_timer.setInterval(self.RETRY_MS)
        self._retry_timer.timeout.connect(self._probe)

        # -- notifications -------------------------------------------------------------
        self.notifications = NotificationsDock(desk, self)
        self.notifications.hide()
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.notifications)
        self.notifications.open_incident.connect(self.open_incident)
        self.notice_button.clicked.connect(self.show_notifications)
        self.tray = make_tray(app_icon(), self)
        if self.tray is not None:
            self.tray.messageClicked.connect(self._tray_clicked)
        self.notifier = Notifier(desk, actor, runner, self)
        self.notifier.notified.connect(self._notify)

        self._make_actions()

        # -- live ----------------------------------------------------------------------
        self.feed = ChangeFeed(desk, self)
        self.feed.online.connect(self._set_online)
        self.feed.incidents_changed.connect(self._incidents_changed)
        self.feed.other_changed.connect(self._others_changed)
        self.feed.changes_arrived.connect(self.notifier.feed)
        self.feed.changes_arrived.connect(self._changes_arrived)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(COUNT_THROTTLE_MS)
        self._count_timer.timeout.connect(self._counts_due)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._tick_sla)
        self._sweeping = False
        self.sweep_report = JobReport(self, "The SLA sweep")
        self.lease = escalation.Lease(desk)  # the one client (or command) that runs the round
        self.count_report = JobReport(self, "Counting the incidents of the views")
        self._sweep_timer = QTimer(self)
        self._sweep_timer.setInterval(SWEEP_INTERVAL_MS)
        self._sweep_timer.timeout.connect(self.run_sweep)

        self._load_views()
        self._restore_settings()
        self._load_lookups()
        self.notifier.start()
        self.feed.start()
        self._tick.start()
        self._sweep_timer.start()

    # -- building --------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and obj is self.table.viewport():
            self._fit_title()
            self.empty_note.setGeometry(self.table.viewport().rect())
        return False

    def _update_empty_note(self, *_args: object) -> None:
        """'No incident matches "xyz" in All open', inside the table, once the query is read."""
        if self.model.rowCount() > 0 or not self.model.showing_query() or not self._views:
            self.empty_note.hide()
            return
        n = self.narrowing()
        view = self.current_view().name
        filtered = any(v is not None for v in (n.state, n.priority, n.group_id, n.assignee_id))
        if n.text.strip():
            text = f"No incident matches \u201c{n.text.strip()}\u201d in {view}"
        elif filtered:
            text = f"No incident in {view} matches these filters"
        else:
            text = f"No incidents in {view}"
        if n.every_state:
            text += ", in any state"
        self.empty_label.setText(text + ".")
        self.every_state_button.setVisible(not n.every_state and bool(n.text.strip()))
        self.empty_note.setGeometry(self.table.viewport().rect())
        self.empty_note.show()

    def search_every_state(self) -> None:
        """The same search and filters in every state: closed, resolved and cancelled too."""
        self.state_filter.setCurrentIndex(self.state_filter.findData(EVERY_STATE))
        self.table.setFocus()

    def _column_resized(self, section: int, _old: int, _new: int) -> None:
        if section != TITLE:
            self._fit_title()

    def _fit_title(self) -> None:
        header = self.table.horizontalHeader()
        others = sum(
            header.sectionSize(i)
            for i in range(header.count())
            if i != TITLE and not header.isSectionHidden(i)
        )
        width = max(self._title_min, self.table.viewport().width() - others)
        if header.sectionSize(TITLE) != width:
            header.resizeSection(TITLE, width)

    def _combo(self, name: str, items: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for label, value in items:
            combo.addItem(label, value)
        return combo

    def _action(
        self,
        text: str,
        shortcut: str | QKeySequence.StandardKey | None,
        slot: Callable[[], object],
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        self.new_action = self._action(
            "&New incident…", "Ctrl+N", self.new_incident, "Log a new incident"
        )
        self.new_action.setEnabled(can(self.actor.role, Permission.LOG))
        self.open_action = self._action("&Open incident", "Ctrl+O", self.open_current)
        self.take_action = self._action("Assign to &me", "Ctrl+M", self.assign_selected_to_me)
        self.refresh_action = self._action(
            "&Refresh", QKeySequence.StandardKey.Refresh, self.refresh
        )
        self.search_action = self._action("&Search", "Ctrl+F", self._focus_search)
        self.save_view_action = self._action("Save view &as…", "Ctrl+Shift+S", self.save_view)
        self.delete_view_action = self._action("&Delete saved view", None, self.delete_view)
        self.queue_action = self._action("Go to &queue", "Ctrl+L", self.table.setFocus)
        self.views_action = self._action("Go to saved &views", "Ctrl+1", self.views_list.setFocus)
        self.help_action = self._action("&Keyboard shortcuts", "F1", self.show_shortcuts)
        self.quit_action = self._action(
            "&Quit", "Ctrl+Q", self.close
        )  # StandardKey.Quit is empty on Windows
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.new_action)
        self.export_action = self._action(
            "&Export view as CSV…", None, self.export_view, "Save every row of this view as CSV"
        )
        file_menu.addAction(self.export_action)
        self.import_action = self._action(
            "&Import…", None, self.open_import_wizard, "Incidents from another tool, with history"
        )
        file_menu.addAction(self.import_action)
        file_menu.addSeparator()
        self.connection_action = self._action(
            "Change &connection…", None, self.change_connection, "Work on another database"
        )
        file_menu.addAction(self.connection_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        inc_menu = menu.addMenu("&Incident")
        inc_menu.addAction(self.open_action)
        inc_menu.addAction(self.take_action)
        self.problem_from_selection_action = self._action(
            "Create &problem from the selection…",
            None,
            self.problem_from_selection,
            "A problem record for the selected incidents' cause, each linked to it",
        )
        inc_menu.addAction(self.problem_from_selection_action)
        inc_menu.addSeparator()
        self.available_action = AvailabilityAction(self.desk, self.actor, self.runner, self)
        inc_menu.addAction(self.available_action)
        view_menu = menu.addMenu("&View")
        for a in (
            self.refresh_action,
            self.search_action,
            self.queue_action,
            self.views_action,
            self.save_view_action,
            self.delete_view_action,
        ):
            view_menu.addAction(a)
        self.notifications_action = self.notifications.toggleViewAction()
        self.notifications_action.setText("&Notifications")
        self.notifications_action.setShortcut(QKeySequence("Ctrl+2"))
        self.addAction(self.notifications_action)
        view_menu.addSeparator()
        view_menu.addAction(self.notifications_action)
        self.group_tasks_action = self._action(
            "My group's &tasks…", None, self.open_group_tasks, "The open tasks asked of your groups"
        )
        view_menu.addAction(self.group_tasks_action)
        self.problems_action = self._action(
            "&Problems…", "Ctrl+Shift+P", self.open_problems, "Problem records and known errors"
        )
        view_menu.addAction(self.problems_action)
        self.matrix_action = self._action("Priority &matrix…", None, self.open_matrix_editor)
        admin_menu = menu.addMenu("&Admin")
        admin_menu.setToolTipsVisible(True)
        admin_menu.addAction(self.matrix_action)
        self.users_action = self._action("&Users…", None, self.open_users_window)
        admin_menu.addAction(self.users_action)
        self.sla_action = self._action("&SLA policies and calendars…", None, self.open_sla_window)
        admin_menu.addAction(self.sla_action)
        self.escalation_action = self._action(
            "&Escalation rules…",
            None,
            self.open_escalation_window,
            "What each SLA policy does by itself at 50%, 75% and the breach of its clocks",
        )
        admin_menu.addAction(self.escalation_action)
        self.groups_action = self._action("&Groups…", None, self.open_groups_window)
        admin_menu.addAction(self.groups_action)
        self.catalog_action = self._action(
            "&Categories and services…", None, self.open_catalog_window
        )
        admin_menu.addAction(self.catalog_action)
        if not can(self.actor.role, Permission.CONFIGURE):  # the one answer says why not
            from app.views.admin.matrix_editor import may_edit_matrix

            self.matrix_action.setEnabled(False)
            self.matrix_action.setToolTip(may_edit_matrix(self.actor) or "")
            self.sla_action.setEnabled(False)
            self.sla_action.setToolTip(may_edit_matrix(self.actor) or "")
            self.escalation_action.setEnabled(False)
            self.escalation_action.setToolTip(may_edit_matrix(self.actor) or "")
            for action in (self.groups_action, self.catalog_action, self.import_action):
                action.setEnabled(False)
                action.setToolTip(may_edit_matrix(self.actor) or "")
        if not can(self.actor.role, Permission.MANAGE_USERS):
            from app.views.admin.users_window import may_manage_users

            self.users_action.setEnabled(False)
            self.users_action.setToolTip(may_manage_users(self.actor) or "")
        self.bulk_action = self._action(
            "&Bulk change the selection…",
            "Ctrl+Shift+B",
            self.bulk_change,
            "Reassign, escalate, set the priority, hold, note, resolve or close every selected incident",
        )
        supervisor_menu = menu.addMenu("&Supervisor")
        supervisor_menu.setToolTipsVisible(True)
        supervisor_menu.addAction(self.bulk_action)
        self.board_action = self._action(
            "&Workload board…",
            None,
            self.open_workload_board,
            "Open incidents per group and agent: by priority, at risk, breached, on hold, oldest",
        )
        supervisor_menu.addAction(self.board_action)
        self.dashboard_action = self._action(
            "&Dashboard…",
            None,
            self.open_dashboard,
            "Charts over a period and a group: backlog, incoming, SLA compliance, time to "
            "resolve, ageing, first-line resolution",
        )
        supervisor_menu.addAction(self.dashboard_action)
        self.reports_action = self._action(
            "&Reports…",
            None,
            self.open_reports,
            "Time to resolve, SLA, first contact, push to front, reassignments, ping-pong, "
            "down a line, reopens, waiting on the caller, backlog",
        )
        supervisor_menu.addAction(self.reports_action)
        if not can(self.actor.role, Permission.BULK_EDIT):
            self.bulk_action.setEnabled(False)
            self.bulk_action.setToolTip(
                "Only a supervisor or an admin may change incidents in bulk"
            )
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.help_action)
        tools = self.addToolBar("Main")
        tools.setObjectName("main-toolbar")
        tools.setMovable(False)
        tools.addAction(self.new_action)
        tools.addAction(self.open_action)
        tools.addAction(self.take_action)
        tools.addAction(self.refresh_action)
        tools.addSeparator()
        self.available_action.setIconText("Available")
        tools.addAction(self.available_action)

    # -- saved views -------------------------------------------------------------------------
    def _load_views(self) -> None:
        """The built-in views at once; the user's own from the database, off the GUI thread
        (after importing, once, the ones this workstation kept in its settings before)."""
        self._set_views(builtin_views(self.actor))
        key = user_key(self.actor.username, LEGACY_KEY)
        raw = settings().value(key)
        if not raw:
            self._read_own_views()
            return
        views, problems = legacy_views(raw)
        desk, actor = self.desk, self.actor

        def imported(result: saved_views.Imported) -> None:
            s = settings()
            if problems or result.refused:
                # nothing is lost: what could not be imported stays, under another key
                s.setValue(user_key(self.actor.username, LEGACY_KEY + "_not_imported"), raw)
                why = "; ".join([*problems, *result.refused])
                self.statusBar().showMessage(f"Some saved views could not be imported: {why}")
            s.remove(key)
            s.sync()
            self._read_own_views()

        def failed(exc: DeskError) -> None:  # kept for the next start; the views read anyway
            self._read_own_views()

        self.runner.run(
            lambda: saved_views.import_views(desk, actor, views),
            imported,
            failed,
            write=True,
            what="the saved views kept on this workstation",
        )

    def _read_own_views(self) -> None:
        desk, actor = self.desk, self.actor
        self.runner.run(
            lambda: saved_views.list_views(desk, actor), self._own_views_read, key="own-views"
        )

    def _own_views_read(self, own: list[SavedView]) -> None:
        self._set_views(builtin_views(self.actor) + own)
        self.refresh_counts()

    def _set_views(self, views: list[SavedView]) -> None:
        """Show `views`, keeping the current one (by name) where it still exists; a view that
        changed elsewhere is applied again, one deleted elsewhere gives way to the first."""
        before = (
            self._views[self.views_list.currentRow()]
            if self._views and self.views_list.currentRow() >= 0
            else None
        )
        self._views = views
        self.views_list.blockSignals(True)
        self.views_list.clear()
        for view in views:
            item = QListWidgetItem(view.name)
            item.setToolTip(
                f"{view.name} (saved by you)" if view.own else view.description or view.name
            )
            self.views_list.addItem(item)
        names = [v.name for v in views]
        wanted = self._wanted_view
        if wanted in names and (before is None or before.name == views[0].name):
            self._wanted_view = None  # the last view of the previous session, now known
            self.views_list.blockSignals(False)
            self.views_list.setCurrentRow(names.index(wanted))
            return
        if before is not None and before.name in names:
            row = names.index(before.name)
            self.views_list.setCurrentRow(row)
            self.views_list.blockSignals(False)
            if views[row] != before:
                self._view_changed(row)
            return
        self.views_list.blockSignals(False)
        if before is not None:
            self.views_list.setCurrentRow(0)

    _wanted_view: str | None = None

    def _changes_arrived(self, changes: list[object]) -> None:
        if saved_views.views_changed(changes, self.actor):
            self._read_own_views()

    def _others_changed(self, entities: set[str]) -> None:
        if "matrix" in entities:  # an open new-incident form takes the new levels
            from app.views.new_incident import NewIncidentDialog

            for dialog in self.findChildren(NewIncidentDialog):
                dialog.matrix_changed()
            for window in self._windows.values():  # and an open incident: levels, priority
                window.matrix_changed()  # type: ignore[attr-defined]
        if entities & {"category", "service"}:  # an open new-incident form lists what is active
            from app.views.new_incident import NewIncidentDialog

            for dialog in self.findChildren(NewIncidentDialog):
                dialog.catalog_changed()
        if entities - {saved_views.ENTITY}:
            self._load_lookups()

    def open_import_wizard(self) -> None:
        from app.views.import_wizard import ImportWizard

        wizard = ImportWizard(self.desk, self.runner, self.actor, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.show()

    def export_view(self) -> None:
        from app.views.export_csv import export_view

        export_view(self, self.desk, self.runner, self.model.query, self.current_view().name)

    def current_view(self) -> SavedView:
        row = max(self.views_list.currentRow(), 0)
        return self._views[min(row, len(self._views) - 1)]

    def select_view(self, name: str) -> None:
        for i, view in enumerate(self._views):
            if view.name == name:
                self.views_list.setCurrentRow(i)
                return

    def _view_changed(self, _row: int) -> None:
        view = self.current_view()
        self.title_label.setText(view.name)
        col = next((i for i, c in enumerate(COLUMNS) if c.sort == view.sort), 1)
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(
            col, Qt.SortOrder.DescendingOrder if view.descending else Qt.SortOrder.AscendingOrder
        )
        header.blockSignals(False)
        self._apply_filters(sort=view.sort, descending=view.descending)

    def save_view(self) -> None:
        name, ok = QInputDialog.getText(self, "Save view", "Name of the view:")
        if not ok or not name.strip():
            return
        q = self.model.query
        desk, actor = self.desk, self.actor
        self.runner.run(
            lambda: saved_views.save_view(desk, actor, name, q.flt, q.sort, q.descending),
            self._view_saved,
            lambda exc: show_problem(self, str(exc)),
            write=True,
            what=f"the saved view “{name}”",
        )

    def _view_saved(self, view: SavedView) -> None:
        own = [v for v in self._views if v.own]
        names = [v.name for v in own]
        if view.name in names:
            own[names.index(view.name)] = view
        else:
            own.append(view)
        self._set_views(builtin_views(self.actor) + own)
        self.select_view(view.name)
        self.statusBar().showMessage(f"Saved the view “{view.name}”", 5000)
        self.refresh_counts()

    def delete_view(self) -> None:
        view = self.current_view()
        if not view.own:
            show_problem(self, f"“{view.name}” is built in and cannot be deleted.")
            return
        desk, actor, name = self.desk, self.actor, view.name
        self.runner.run(
            lambda: saved_views.delete_view(desk, actor, name),
            lambda _none: self._view_deleted(name),
            lambda exc: show_problem(self, str(exc)),
            write=True,
            what=f"deleting the saved view “{name}”",
        )

    def _view_deleted(self, name: str) -> None:
        self._set_views([v for v in self._views if not (v.own and v.name == name)])
        self.statusBar().showMessage(f"Deleted the view “{name}”", 5000)

    def refresh_counts(self) -> None:
        """Count every saved view, on the background lane, one round at a time: a round asked
        for while one runs starts when it ends (over a large database some counts take a
        second; they must never queue in front of the queue's own reads)."""
        if self._counting:
            self._counts_again = True
            return
        self._counting = len(self._views)
        for i, view in enumerate(self._views):
            self._count_view(i, view)

    def _count_view(self, row: int, view: SavedView) -> None:
        desk, flt, name = self.desk, view.flt, view.name

        def shown(n: int) -> None:
            self.count_report.ok()
            self._show_count(row, name, n)

        report = self.count_report.failed
        self.background.run(
            lambda: queries.queue_count(desk, flt),
            shown,
            report,
            bug=report,
            after=self._count_done,
        )

    _counting = 0
    _counts_again = False

    def _count_done(self) -> None:
        self._counting -= 1
        if self._counting == 0 and self._counts_again:
            self._counts_again = False
            self.refresh_counts()

    def _show_count(self, row: int, name: str, n: int) -> None:
        item = self.views_list.item(row)
        if item is not None and row < len(self._views) and self._views[row].name == name:
            view = self._views[row]
            item.setData(COUNT_ROLE, n)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{name}, {incidents_text(n)}")
            tip = f"{name} (saved by you)" if view.own else view.description or name
            item.setToolTip(f"{tip}: {incidents_text(n)}")

    # -- filtering -----------------------------------------------------------------------------
    def narrowing(self) -> Narrowing:
        state = self.state_filter.currentData()  # Qt hands a StrEnum back as its str value
        every = state == EVERY_STATE
        return Narrowing(
            state=None if state is None or every else State(state),
            every_state=every,
            priority=self.priority_filter.currentData(),
            group_id=self.group_filter.currentData(),
            assignee_id=self.assignee_filter.currentData(),
            text=self.search.text(),
        )

    def _apply_now(self) -> None:
        self._search_timer.stop()
        self._apply_filters()

    def _apply_filters(
        self, *_args: object, sort: str | None = None, descending: bool | None = None
    ) -> None:
        view = self.current_view()
        flt = self.narrowing().apply(view.flt)
        q = self.model.query
        query = Query(flt, sort or q.sort, q.descending if descending is None else descending)
        if query != q or sort is not None:
            self.model.set_query(query)
            self._count_when_loaded = True  # after the first page: never competes with it
            self._update_empty_note()  # hidden until the new query's first page is read

    _count_when_loaded = False

    def _refresh_count(self) -> None:
        desk, flt = self.desk, self.model.query.flt
        report = self.count_report.failed
        self.runner.run(
            lambda: queries.queue_count(desk, flt), self._set_count, report, bug=report, key="count"
        )

    def _set_count(self, n: int) -> None:
        self.count_report.ok()
        self._count = n
        self.count_label.setText(incidents_text(n))

    _sized_to_content = False

    def _size_to_content(self) -> None:
        """Once, on the first rows: every column but Title as wide as what it shows (never wider
        than its sample), so that Title gets the room the others do not need."""
        if self._sized_to_content or self.model.rowCount() == 0:
            return
        self._sized_to_content = True
        header = self.table.horizontalHeader()
        for i in range(header.count()):
            if (
                i == TITLE
                or header.isSectionHidden(i)
                or header.sectionSize(i) != self._default_widths.get(i)
            ):
                continue  # a width the user chose stays
            content = max(header.sectionSizeHint(i), self.table.sizeHintForColumn(i)) + 8
            header.resizeSection(i, min(header.sectionSize(i), content))
        self._fit_title()

    def _query_loaded(self) -> None:
        self._size_to_content()
        if self._count_when_loaded:
            self._count_when_loaded = False
            self._refresh_count()
        if self.table.currentIndex().row() < 0 and self.model.rowCount() > 0:
            self.table.setCurrentIndex(self.model.index(0, 0))

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _load_lookups(self) -> None:
        desk = self.desk
        self.runner.run(
            lambda: (
                queries.groups(desk),
                queries.agents(desk),
                queries.matrix(desk),
                priority_colors(desk),
            ),
            self._lookups,
            key="lookups",
        )

    def _lookups(
        self,
        data: tuple[list[GroupRecord], list[AgentRecord], PriorityMatrix, tuple[str | None, ...]],
    ) -> None:
        self._groups, self._agents, matrix, colors = data
        self._fill_priorities(matrix, colors)
        current_group = self.group_filter.currentData()
        self.group_filter.blockSignals(True)
        self.group_filter.clear()
        self.group_filter.addItem("Any group", None)
        for g in self._groups:
            self.group_filter.addItem(f"{g.name} (line {g.line})", g.id)
        idx = self.group_filter.findData(current_group)
        self.group_filter.setCurrentIndex(max(idx, 0))
        self.group_filter.blockSignals(False)
        current = self.assignee_filter.currentData()
        self.assignee_filter.blockSignals(True)
        self.assignee_filter.clear()
        for label, value in (("Anyone", None), ("Me", self.actor.id), ("Unassigned", -1)):
            self.assignee_filter.addItem(label, value)
        for a in self._agents:
            if a.active and a.id != self.actor.id:
                self.assignee_filter.addItem(a.full_name, a.id)
        idx = self.assignee_filter.findData(current)
        self.assignee_filter.setCurrentIndex(max(idx, 0))
        self.assignee_filter.blockSignals(False)

    def _fill_priorities(self, matrix: PriorityMatrix, colors: tuple[str | None, ...] = ()) -> None:
        """The priority filter lists the active matrix's priorities; the queue names and colours
        them the same way (the admin's colours where set). A chosen priority stays chosen while
        the matrix still has it."""
        self.model.set_matrix(matrix, colors)
        current = self.priority_filter.currentData()
        self.priority_filter.blockSignals(True)
        self.priority_filter.clear()
        self.priority_filter.addItem("Any priority", None)
        for priority, label in matrix.priority_levels():
            self.priority_filter.addItem(label, priority)
        idx = self.priority_filter.findData(current)
        self.priority_filter.setCurrentIndex(max(idx, 0))
        self.priority_filter.blockSignals(False)
        if idx < 0 and current is not None:
            self._apply_filters()  # the chosen priority is gone: show what the combo says

    # -- live ----------------------------------------------------------------------------------
    def _set_online(self, online: bool) -> None:
        if online == self._online:
            return
        self._online = online
        if online:
            self.online_label.setText("online")
            self.online_label.setToolTip("The database answers")
            self._retry_timer.stop()
            self._reconnected()
        else:
            self.online_label.setText("OFFLINE — retrying")
            self._retry_timer.start()
        self.online_changed.emit(online)

    def is_online(self) -> bool:
        return self._online

    def _environment_problem(self, text: str) -> None:
        self.online_label.setToolTip(f"{text}\nAsked again every {self.RETRY_MS / 1000:g} s.")

    _probing = False

    def _probe(self) -> None:
        """Offline: one cheap read; its success sets online (through the runner's signal).
        One at a time: a probe that waits out a busy timeout longer than RETRY_MS does not
        pile more up behind it."""
        if self._probing:
            return
        self._probing = True
        desk = self.desk

        def finished() -> None:
            self._probing = False

        self.background.run(lambda: queries.latest_change(desk), after=finished)

    def _reconnected(self) -> None:
        """Read again what could not be read while the database was away."""
        if not self.model.showing_query():
            self.model.reload()
        self._refresh_count()
        self._read_own_views()
        self._load_lookups()
        for window in self._windows.values():
            window.reconnected()  # type: ignore[attr-defined]
        from app.views.new_incident import NewIncidentDialog

        for dialog in self.findChildren(NewIncidentDialog):
            if dialog.isVisible():
                dialog.reconnected()

    def _incidents_changed(self, ids: set[int]) -> None:
        self.model.refresh_incidents(ids)
        # counts at most every COUNT_THROTTLE_MS: now, and once more after a burst
        if not self._count_timer.isActive():
            self._refresh_count()
            self.refresh_counts()
            self._counts_pending = False
            self._count_timer.start()
        else:
            self._counts_pending = True
        for incident_id in ids:
            window = self._windows.get(incident_id)
            if window is not None:
                window.changed_elsewhere()  # type: ignore[attr-defined]
        for incident_id, window in self._windows.items():
            if ids - {incident_id}:  # another one changed: maybe on the same services
                window.related_changed()  # type: ignore[attr-defined]

    _counts_pending = False

    def _counts_due(self) -> None:
        if self._counts_pending:
            self._counts_pending = False
            self._refresh_count()
            self.refresh_counts()
            self._count_timer.start()

    def _tick_sla(self) -> None:
        top = self.table.rowAt(0)
        if top < 0:
            return
        bottom = self.table.rowAt(self.table.viewport().height() - 1)
        self.model.tick(top, bottom if bottom >= 0 else self.model.rowCount() - 1)

    def run_sweep(self) -> None:
        """The escalation round (the SLA sweep, its rules, auto-close) if this client holds the
        lease, off the GUI thread; what it announces comes back through the feed."""
        if self._sweeping:
            return
        self._sweeping = True
        desk, report = self.desk, self.sweep_report

        def finished() -> None:  # however it ended: the next tick sweeps again
            self._sweeping = False

        lease = self.lease
        self.background.run(
            lambda: escalation.tick(desk, lease),
            report.ok,
            report.failed,
            bug=report.failed,
            after=finished,
            write=True,
            what="the SLA sweep",
        )

    # -- notifications ---------------------------------------------------------------------------
    def _notify(self, notice: Notice) -> None:
        self.notifications.add(notice)
        if self.tray is not None:
            self._last_notice = notice.incident_id
            tray_message(self.tray, notice)
        else:
            self.notice_button.show_notice(notice)

    _last_notice: int | None = None

    def _tray_clicked(self) -> None:
        if self._last_notice is not None:
            self.open_incident(self._last_notice)

    def show_notifications(self) -> None:
        self.notifications.show()
        self.notifications.raise_()
        self.notifications.list.setFocus()
        if self.notifications.list.count():
            self.notifications.list.setCurrentRow(0)

    def refresh(self) -> None:
        self.model.reload()
        self._refresh_count()
        self.refresh_counts()
        self._load_lookups()

    # -- incidents -------------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        """The selected incidents in the queue's order: from the selection's ranges (a Ctrl+A
        over a million rows is one range, not a million indexes)."""
        selection = self.table.selectionModel().selection()
        ranges = (selection.at(k) for k in range(selection.count()))
        spans = sorted((r.top(), r.bottom()) for r in ranges if r.isValid())
        ids: list[int] = []
        seen: set[int] = set()
        for top, bottom in spans:
            for i in self.model.ids_between(top, bottom):
                if i not in seen:
                    seen.add(i)
                    ids.append(i)
        if not ids and self.table.currentIndex().isValid():
            current = self.model.incident_id(self.table.currentIndex().row())
            ids = [current] if current is not None else []
        return ids

    def select_all_rows(self) -> None:
        """Ctrl+A in the queue: every incident of the view, its keys read to the end first."""
        self._selecting_all = True
        if self.model.has_more():
            self.statusBar().showMessage("Selecting every incident of the view…")
        self.model.load_all_keys()

    def _all_keys_loaded(self) -> None:
        if not self._selecting_all:
            return
        self._selecting_all = False
        self.table.selectAll()
        n = self.model.rowCount()
        self.statusBar().showMessage(f"{plural(n, 'incident')} selected", 5000)

    def _open_index(self, index: QModelIndex) -> None:
        incident_id = index.data(ID_ROLE)
        if incident_id is not None:
            self.open_incident(int(incident_id))

    def open_current(self) -> None:
        for incident_id in self.selected_ids()[:1]:
            self.open_incident(incident_id)

    def open_incident(self, incident_id: int) -> QWidget:
        from app.views.incident import IncidentWindow

        window = self._windows.get(incident_id)
        if window is None:
            window = IncidentWindow(self.desk, self.actor, self.runner, incident_id)
            window.closed.connect(lambda i=incident_id: self._windows.pop(i, None))
            window.open_requested.connect(self.open_incident)
            self._windows[incident_id] = window
        window.show()
        window.raise_()
        window.activateWindow()
        self.incident_opened.emit(window)
        return window

    def change_connection(self) -> None:
        from app.views.connection_wizard import change_connection

        url = self.desk.engine.url.render_as_string(hide_password=False)
        change_connection(self, self.runner, url)

    def incident_window(self, incident_id: int) -> QWidget | None:
        return self._windows.get(incident_id)

    def open_users_window(self) -> QWidget | None:
        """Users (one window per main window), or a refusal in words."""
        from app.views.admin.users_window import open_users_window

        window = self._admin_windows.get("users")
        if window is None:
            window = open_users_window(self.desk, self.actor, self.runner, self)
            if window is None:
                return None
            self.feed.other_changed.connect(window.others_changed)
            self._admin_windows["users"] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _open_admin(self, key: str, opener: Callable[..., QWidget | None]) -> QWidget | None:
        """One admin window of its kind per main window, following the live feed."""
        window = self._admin_windows.get(key)
        if window is None:
            window = opener(self.desk, self.actor, self.runner, self)
            if window is None:
                return None
            self.feed.other_changed.connect(window.others_changed)  # type: ignore[attr-defined]
            self._admin_windows[key] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def open_groups_window(self) -> QWidget | None:
        """Groups, or a refusal in words."""
        from app.views.admin.groups_window import open_groups_window

        return self._open_admin("groups", open_groups_window)

    def open_catalog_window(self) -> QWidget | None:
        """Categories and services, or a refusal in words."""
        from app.views.admin.catalog_window import open_catalog_window

        return self._open_admin("catalog", open_catalog_window)

    def open_sla_window(self) -> QWidget | None:
        """SLA policies and calendars (one per main window), or a refusal in words."""
        from app.views.admin.sla_window import open_sla_window

        window = self._admin_windows.get("sla")
        if window is None:
            window = open_sla_window(self.desk, self.actor, self.runner, self)
            if window is None:
                return None
            self.feed.other_changed.connect(window.others_changed)
            self._admin_windows["sla"] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def open_escalation_window(self) -> QWidget | None:
        """Escalation rules (one per main window), or a refusal in words."""
        from app.views.admin.escalation_window import open_escalation_window

        window = self._admin_windows.get("escalation")
        if window is None:
            window = open_escalation_window(self.desk, self.actor, self.runner, self)
            if window is None:
                return None
            self.feed.other_changed.connect(window.others_changed)
            self._admin_windows["escalation"] = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def open_matrix_editor(self) -> QWidget | None:
        """The priority-matrix editor (one per main window), or a refusal in words."""
        from app.views.admin.matrix_editor import open_matrix_editor

        editor = self._admin_windows.get("matrix")
        if editor is None:
            editor = open_matrix_editor(self.desk, self.actor, self.runner, self)
            if editor is None:
                return None
            self.feed.other_changed.connect(editor.others_changed)
            self.feed.incidents_changed.connect(lambda _ids: editor.refresh_preview())
            self._admin_windows["matrix"] = editor
        editor.show()
        editor.raise_()
        editor.activateWindow()
        return editor

    def new_incident(self) -> QWidget:
        from app.views.new_incident import NewIncidentDialog

        dialog = NewIncidentDialog(self.desk, self.actor, self.runner, self)
        dialog.logged.connect(self._logged)
        dialog.show()
        return dialog

    def _logged(self, record: IncidentRecord) -> None:
        self.statusBar().showMessage(f"Logged {record.number} ({record.priority_label})", 8000)
        self.model.refresh_incidents({record.id})
        self._refresh_count()

    def assign_selected_to_me(self) -> None:
        desk, actor = self.desk, self.actor
        for incident_id in self.selected_ids():
            row = self.model.cached_row(incident_id)
            version = row.version if row else None
            self.runner.run(
                functools.partial(incidents.assign_to_me, desk, actor, incident_id, version),
                self._assigned,
                lambda exc: show_problem(self, str(exc)),
                write=True,
                what=f"assigning {row.number if row else 'an incident'} to you",
            )

    def _assigned(self, record: IncidentRecord) -> None:
        self.statusBar().showMessage(f"{record.number} is assigned to you", 5000)
        self.model.refresh_incidents({record.id})

    def bulk_change(self) -> None:
        """The bulk dialog over the selection, at the versions the queue shows now."""
        ids = self.selected_ids()
        if not ids:
            self.statusBar().showMessage("Select the incidents to change first", 5000)
            return
        shown: dict[int, Item] = {}
        for incident_id in ids:
            row = self.model.cached_row(incident_id)
            if row is not None:  # at the version the queue shows
                shown[incident_id] = Item(incident_id, row.number, row.version)
        unread = [i for i in ids if i not in shown]
        if not unread:
            self._open_bulk([shown[i] for i in ids])
            return
        # rows the queue never read (a Ctrl+A over a large view): their numbers and versions
        # now, a chunk of ids per query, off the GUI thread
        desk = self.desk

        def read() -> list[Item]:
            return items_for(desk, unread)

        def arrived(more: list[Item]) -> None:
            by_id = shown | {it.incident_id: it for it in more}
            self._open_bulk([by_id[i] for i in ids if i in by_id])

        self.statusBar().showMessage(f"Reading {plural(len(unread), 'selected incident')}…")
        self.runner.run(
            read, arrived, lambda exc: show_problem(self, str(exc)), what="the selection"
        )

    def _open_bulk(self, items: list[Item]) -> None:
        from app.views.bulk import BulkDialog

        self.statusBar().clearMessage()
        self.bulk_dialog = BulkDialog(self.desk, self.actor, self.runner, items, self)
        self.bulk_dialog.finished_all.connect(
            lambda outcomes: self.model.refresh_incidents({o.incident_id for o in outcomes})
        )
        self.bulk_dialog.open()

    def open_group_tasks(self) -> None:
        from app.views.group_tasks import GroupTasksWindow

        window = getattr(self, "group_tasks_window", None)
        if window is None:
            window = GroupTasksWindow(self.desk, self.actor, self.runner, self)
            window.open_incident.connect(self.open_incident)
            self.feed.other_changed.connect(window.others_changed)
            self.group_tasks_window = window
        window.show()
        window.raise_()
        window.activateWindow()

    def open_problems(self) -> QWidget:
        from app.views.problems import ProblemsWindow

        window = getattr(self, "problems_window", None)
        if window is None:
            window = ProblemsWindow(self.desk, self.actor, self.runner, self)
            window.open_incident.connect(self.open_incident)
            self.feed.other_changed.connect(window.others_changed)
            self.feed.incidents_changed.connect(window.incidents_changed)
            self.problems_window = window
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def problem_from_selection(self) -> None:
        from app.views.problems import create_problem

        ids = self.selected_ids()
        if not ids:
            self.statusBar().showMessage("Select the incidents the problem is about")
            return
        row = self.model.cached_row(ids[0])

        def done(problem: Any) -> None:
            self.statusBar().showMessage(
                f"{problem.number} created with {plural(len(problem.incidents), 'incident')}"
            )
            self.open_problems().show_problem(problem.id)  # type: ignore[attr-defined]

        self.problem_dialog = create_problem(
            self, self.desk, self.actor, self.runner, ids, row.title if row else "", done
        )

    def open_reports(self) -> None:
        from app.views.reports import ReportsWindow

        window = getattr(self, "reports_window", None)
        if window is None:
            window = ReportsWindow(self.desk, self.runner, self)
            self.reports_window = window
        window.show()
        window.raise_()
        window.activateWindow()

    def open_dashboard(self) -> None:
        from app.views.dashboard import DashboardWindow

        dash = getattr(self, "dashboard_window", None)
        if dash is None:
            dash = DashboardWindow(self.desk, self.runner, self)
            self.dashboard_window = dash
        dash.show()
        dash.raise_()
        dash.activateWindow()

    def open_workload_board(self) -> None:
        from app.views.workload import WorkloadWindow

        board = getattr(self, "workload_window", None)
        if board is None:
            board = WorkloadWindow(self.desk, self.runner, self)
            board.slice_requested.connect(self.show_slice)
            self.feed.incidents_changed.connect(board.changed)
            self.workload_window = board
        board.show()
        board.raise_()
        board.activateWindow()

    def show_slice(self, part: object) -> None:
        """The queue narrowed to a slice of the workload board (app.views.workload.Slice)."""
        from app.services.workload import TOTAL, UNASSIGNED
        from app.views.workload import Slice

        assert isinstance(part, Slice)
        self.select_view("Breaching soon" if part.breaching else "All open")
        agent = (
            None if part.agent_id == TOTAL else -1 if part.agent_id == UNASSIGNED else part.agent_id
        )
        for combo, value in (
            (self.group_filter, part.group_id),
            (self.assignee_filter, agent),
            (self.priority_filter, part.priority),
            (self.state_filter, State.ON_HOLD if part.on_hold else None),
        ):
            combo.setCurrentIndex(max(combo.findData(value), 0))
        self.activateWindow()
        self.table.setFocus()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self).exec()

    # -- settings --------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = settings()
        state = s.value(user_key(self.actor.username, "queue_header"))
        if isinstance(state, QByteArray | bytes) and state:
            self.table.horizontalHeader().restoreState(QByteArray(state))
            self._sized_to_content = True  # the user's own widths: kept
        geometry = s.value(user_key(self.actor.username, "main_geometry"))
        if isinstance(geometry, QByteArray | bytes) and geometry:
            self.restoreGeometry(QByteArray(geometry))
        docks = s.value(user_key(self.actor.username, "main_state"))  # the notifications dock
        if isinstance(docks, QByteArray | bytes) and docks:
            self.restoreState(QByteArray(docks))
        last = str(s.value(user_key(self.actor.username, "last_view"), "") or "")
        names = [v.name for v in self._views]
        if last and last not in names:
            self._wanted_view = last  # one of the user's own views: selected when they arrive
        self.views_list.setCurrentRow(names.index(last) if last in names else 0)
        if self.model.generation() == 0:
            self._view_changed(self.views_list.currentRow())
        self.refresh_counts()

    def save_settings(self) -> None:
        s = settings()
        s.setValue(
            user_key(self.actor.username, "queue_header"), self.table.horizontalHeader().saveState()
        )
        s.setValue(user_key(self.actor.username, "main_geometry"), self.saveGeometry())
        s.setValue(user_key(self.actor.username, "main_state"), self.saveState())
        s.setValue(user_key(self.actor.username, "last_view"), self.current_view().name)
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        for window in [*self._windows.values(), *self._admin_windows.values()]:
            if not window.close():
                event.ignore()
                return
        self.save_settings()
        self.shutdown()
        self.finish_writes()
        super().closeEvent(event)

    saving_note: QProgressDialog | None = None

    def finish_writes(self) -> list[str]:
        """Quitting: every queued write is saved first (a note says so when it takes more than a
        moment); what could not be saved is told, never dropped in silence."""
        unsaved = self.runner.shutdown(note=self._show_saving_note)
        if self.saving_note is not None:
            self.saving_note.close()
        if unsaved:
            show_problem(
                self, "These changes could not be saved:\n" + "\n".join(f"• {u}" for u in unsaved)
            )
        return unsaved

    def _show_saving_note(self, n: int) -> None:
        note = QProgressDialog(f"Saving {plural(n, 'change')} before quitting…", "", 0, 0, self)
        note.setWindowTitle("Incident Desk")
        note.setCancelButton(None)
        note.setWindowModality(Qt.WindowModality.ApplicationModal)
        note.setMinimumDuration(0)
        note.show()
        self.saving_note = note

    def shutdown(self) -> None:
        """Stop the watcher thread and the timers (before the engine goes away)."""
        self.feed.stop()
        self._tick.stop()
        self._count_timer.stop()
        self._sweep_timer.stop()
        self._retry_timer.stop()
        self.background.run(self.lease.release, write=True, what="giving up the escalation lease")
        self.background.shutdown()
        if self.tray is not None:
            self.tray.hide()
