"""SLA policies and calendars: the admin's window (anyone else is refused before it opens).

Calendars: hours per weekday (split shifts as "08:00-12:00, 13:00-17:00", "closed" for a day
off), an IANA time zone, the public holidays of a country and subdivision, custom days off (a
site closure); or 24x7. Beside the form, a preview of the draft as typed: a month view that shows
working and non-working days (each day off named in its tooltip and below the month) and, from a
start time picked there, when a response and a resolution would be due for a priority's targets.

Policies: response and resolution targets per priority, each on the policy's calendar or one of
its own; auto-close; the retroactive-start setting. Priorities: each one's name (a new matrix
version) and colour (the queue follows). History: the admin audit of all of it.

Saving a calendar or a policy first counts, off the GUI thread, the open incidents it would
re-measure; the admin confirms, and the change and their new due times are written in one
transaction (``services.sla_changes``), audited, and every workstation follows through the
change feed. Bad input is said in words naming the field, the field gets the focus and nothing
typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo, available_timezones

from PySide6.QtCore import QDate, QDateTime, QItemSelectionModel, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QTextCharFormat
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCalendarWidget,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError, PermissionDenied, ValidationError
from app.domain.matrix import PriorityMatrix, relabelled, same_grid
from app.domain.roles import Permission
from app.domain.sla_config import (
    WEEKDAYS,
    AdminAuditRecord,
    CalendarRecord,
    CalendarSpec,
    PolicyRecord,
    PolicySpec,
    TargetSpec,
    day_hours_text,
    duration_words,
    parse_day_hours,
    parse_duration,
)
from app.domain.wording import local_time, plural
from app.services import admin_audit, queries, sla_changes, sla_policies
from app.services import matrix as matrix_service
from app.services import priority_colors as colors_service
from app.services.context import Actor, Desk
from app.views.admin.models import RowsTableModel
from app.views.colors import error_look, muted_color, priority_color
from app.views.errors import ask_yes, show_problem
from app.views.tasks import TaskRunner

LOAD_KEY = "sla-window-load"
CAL_EFFECT_KEY = "sla-window-calendar-effect"
POL_EFFECT_KEY = "sla-window-policy-effect"
EFFECT_DEBOUNCE_MS = 300
HISTORY_KEY = "sla-window-history"
ENTITIES = frozenset({"calendar", "policy", "priority", "matrix", "site"})
NEW_CALENDAR = "New calendar"
NEW_POLICY = "New policy"
SHOWN_SHIFTS = 8  # incidents named in the confirmation


def may_edit_sla(actor: Actor) -> str | None:
    """None when `actor` may change calendars and policies, else why not (the services' words)."""
    try:
        actor.require(Permission.CONFIGURE)
    except PermissionDenied as exc:
        return str(exc)
    return None


def _muted(label: QLabel) -> QLabel:
    pal = label.palette()
    pal.setColor(label.foregroundRole(), muted_color())
    label.setPalette(pal)
    label.setWordWrap(True)
    return label


def _list_table(model: RowsTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setAccessibleName(name)
    view.setModel(model)
    view.verticalHeader().hide()
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class Message(QLabel):
    """What the last action did, or what is wrong (the error look)."""

    def __init__(self) -> None:
        super().__init__(" ")
        self.setWordWrap(True)
        self._plain = (self.palette(), self.font())
        self.error = False

    def say(self, text: str, *, error: bool = False) -> None:
        self.setText(text)
        self.error = error
        if error:
            error_look(self)
        else:
            self.setPalette(self._plain[0])
            self.setFont(self._plain[1])


class SlaWindow(QMainWindow):
    """The window (see the module docstring). Build it with :func:`open_sla_window`."""

    saved = Signal(object)  # DueApplied, or the priorities' colours

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        refusal = may_edit_sla(actor)
        if refusal is not None:
            raise PermissionDenied(refusal)
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.setWindowTitle("SLA policies and calendars — Incident Desk")
        self.calendar_records: list[CalendarRecord] = []
        self.policy_records: list[PolicyRecord] = []
        self.matrix: PriorityMatrix | None = None
        self.colors: tuple[str | None, ...] = ()
        self.current_calendar: CalendarRecord | None = None
        self.current_policy: PolicyRecord | None = None
        self._filling = False
        self._start_set = False
        self.calendar_dirty = False
        self.policy_dirty = False
        # asks the admin to go ahead (title, text) -> yes; a test puts its own answer here
        self.confirm: Callable[[str, str], bool] = self._confirm
        # picks a colour from the one shown -> the new one, or None; a test answers itself
        self.pick_color: Callable[[QColor], QColor | None] = self._pick_color

        # what saving the draft would re-measure, counted off the GUI thread as it is typed
        self._cal_effect_timer = QTimer(self)
        self._cal_effect_timer.setSingleShot(True)
        self._cal_effect_timer.setInterval(EFFECT_DEBOUNCE_MS)
        self._cal_effect_timer.timeout.connect(self._count_calendar_effect)
        self._pol_effect_timer = QTimer(self)
        self._pol_effect_timer.setSingleShot(True)
        self._pol_effect_timer.setInterval(EFFECT_DEBOUNCE_MS)
        self._pol_effect_timer.timeout.connect(self._count_policy_effect)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._calendars_tab(), "&Calendars")
        self.tabs.addTab(self._policies_tab(), "&Policies")
        self.tabs.addTab(self._priorities_tab(), "P&riorities")
        self.history_model = RowsTableModel(
            ("When", "Who", "What", "Field", "Was", "Now", "Why"), self
        )
        self.history = _list_table(
            self.history_model, "History of calendars, policies and priorities"
        )
        self.tabs.addTab(self.history, "&History")
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(10, 10, 10, 10)
        cl.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.resize(1320, 800)
        self.load()

    # -- the calendars tab -------------------------------------------------------------------
    def _calendars_tab(self) -> QWidget:
        self.calendar_list = QListWidget()
        self.calendar_list.setAccessibleName("Calendars")
        self.calendar_list.currentRowChanged.connect(self._calendar_chosen)
        self.new_calendar_button = QPushButton("&New calendar")
        self.new_calendar_button.clicked.connect(self.new_calendar)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("Calendars"))
        ll.addWidget(self.calendar_list, 1)
        ll.addWidget(self.new_calendar_button)

        self.cal_name = QLineEdit()
        self.cal_name.setAccessibleName("Calendar name")
        self.cal_name.setMaximumWidth(420)
        self.cal_zone = QComboBox()
        self.cal_zone.setEditable(True)
        self.cal_zone.setAccessibleName("Time zone")
        self.cal_zone.addItems(sorted(available_timezones()))
        self.cal_zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.cal_zone.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.cal_always = QCheckBox("Around the clock (24x7): every hour of every day counts")
        self.cal_always.setAccessibleName("24x7")
        self.day_edits: list[QLineEdit] = []
        hours = QGroupBox("Working hours (local time in the calendar's zone)")
        hl = QFormLayout(hours)
        for weekday in WEEKDAYS:
            edit = QLineEdit()
            edit.setAccessibleName(f"{weekday} hours")
            edit.setPlaceholderText("08:00-12:00, 13:00-17:00   or   closed")
            self.day_edits.append(edit)
            hl.addRow(f"{weekday}:", edit)
        self.hours_box = hours
        self.cal_country = QLineEdit()
        self.cal_country.setAccessibleName("Holiday country")
        self.cal_country.setPlaceholderText("BE, DE, FR, GB, US… (empty: none)")
        self.cal_country.setMaximumWidth(260)
        self.cal_subdiv = QLineEdit()
        self.cal_subdiv.setAccessibleName("Holiday subdivision")
        self.cal_subdiv.setPlaceholderText("BY for Bavaria… (optional)")
        self.cal_subdiv.setMaximumWidth(260)
        self.custom_list = QListWidget()
        self.custom_list.setAccessibleName("Custom days off")
        self.custom_list.setMaximumHeight(self.fontMetrics().height() * 6)
        self.custom_date = QDateEdit()
        self.custom_date.setAccessibleName("Custom day off to add")
        self.custom_date.setCalendarPopup(True)
        self.custom_date.setDisplayFormat("yyyy-MM-dd")
        today = self.desk.now().astimezone(self.desk.zone).date()
        self.custom_date.setDate(QDate(today.year, today.month, today.day))
        self.add_day_button = QPushButton("&Add day off")
        self.add_day_button.clicked.connect(self.add_custom_day)
        self.remove_day_button = QPushButton("Remo&ve")
        self.remove_day_button.clicked.connect(self.remove_custom_day)
        custom_row = QHBoxLayout()
        custom_row.addWidget(self.custom_date)
        custom_row.addWidget(self.add_day_button)
        custom_row.addWidget(self.remove_day_button)
        custom_row.addStretch(1)
        custom = QWidget()
        cl = QVBoxLayout(custom)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.custom_list)
        cl.addLayout(custom_row)
        self.cal_reason = QLineEdit()
        self.cal_reason.setAccessibleName("Reason for the calendar change")
        self.cal_reason.setPlaceholderText("Why (kept in the history of the incidents it moves)")
        self.save_calendar_button = QPushButton("&Save calendar…")
        self.save_calendar_button.setDefault(True)
        self.save_calendar_button.clicked.connect(self.save_calendar)
        self.revert_calendar_button = QPushButton("Re&vert")
        self.revert_calendar_button.clicked.connect(
            lambda: self._fill_calendar(self.current_calendar)
        )
        self.cal_message = Message()
        self.cal_effect = QLabel()
        self.cal_effect.setAccessibleName("Open incidents the calendar change re-measures")
        self.cal_effect.setWordWrap(True)
        effect_font = self.cal_effect.font()
        effect_font.setBold(True)
        self.cal_effect.setFont(effect_font)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("Na&me:", self.cal_name)
        form.addRow("Time &zone:", self.cal_zone)
        form.addRow("", self.cal_always)
        form.addRow(hours)
        form.addRow("Holiday c&ountry:", self.cal_country)
        form.addRow("Su&bdivision:", self.cal_subdiv)
        form.addRow("Custom days off:", custom)
        form.addRow("Reason:", self.cal_reason)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_calendar_button)
        buttons.addWidget(self.revert_calendar_button)
        buttons.addStretch(1)
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addLayout(form)
        ml.addLayout(buttons)
        ml.addWidget(self.cal_message)
        ml.addWidget(self.cal_effect)
        ml.addStretch(1)

        # the preview of the draft
        self.month = QCalendarWidget()
        self.month.setAccessibleName("Month view")
        self.month.setGridVisible(True)
        self.month.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.month.currentPageChanged.connect(lambda _y, _m: self._paint_month())
        self.month.clicked.connect(self._day_clicked)
        plain = QTextCharFormat()
        plain.setForeground(QBrush(self.palette().text().color()))
        for day_of_week in (Qt.DayOfWeek.Saturday, Qt.DayOfWeek.Sunday):
            self.month.setWeekdayTextFormat(day_of_week, plain)  # a day off is the calendar's word
        self.month_days = _muted(QLabel())
        self.month_days.setAccessibleName("Days off this month")
        self.start_edit = QDateTimeEdit()
        self.start_edit.setAccessibleName("Start time")
        self.start_edit.setDisplayFormat("ddd d MMM yyyy HH:mm")
        self.start_edit.setCalendarPopup(True)
        self.start_edit.dateTimeChanged.connect(lambda _v: self._preview_due())
        self.targets_combo = QComboBox()
        self.targets_combo.setAccessibleName("Targets")
        self.targets_combo.setToolTip(
            "A priority's response / resolution targets under the default policy"
        )
        self.targets_combo.currentIndexChanged.connect(lambda _i: self._preview_due())
        self.response_due_label = QLabel()
        self.response_due_label.setAccessibleName("Response due")
        self.resolution_due_label = QLabel()
        self.resolution_due_label.setAccessibleName("Resolution due")
        bold = self.response_due_label.font()
        bold.setBold(True)
        self.response_due_label.setFont(bold)
        self.resolution_due_label.setFont(bold)
        due = QGroupBox("Due times on this calendar")
        dl = QFormLayout(due)
        dl.addRow("&Start:", self.start_edit)
        dl.addRow("&Targets of:", self.targets_combo)
        dl.addRow("Response due:", self.response_due_label)
        dl.addRow("Resolution due:", self.resolution_due_label)
        self.due_note = _muted(QLabel())
        dl.addRow(self.due_note)
        right = QGroupBox("Preview (as typed, not saved)")
        rl = QVBoxLayout(right)
        rl.addWidget(self.month)
        rl.addWidget(self.month_days)
        rl.addWidget(due)
        rl.addStretch(1)

        for edit in (self.cal_name, self.cal_country, self.cal_subdiv, *self.day_edits):
            edit.textEdited.connect(self._calendar_edited)
        self.cal_zone.editTextChanged.connect(self._calendar_edited)
        self.cal_always.toggled.connect(self._calendar_edited)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(middle)
        split.addWidget(right)
        split.setChildrenCollapsible(False)
        split.setSizes([190, 560, 570])
        return split

    # -- the policies tab --------------------------------------------------------------------
    def _policies_tab(self) -> QWidget:
        self.policy_list = QListWidget()
        self.policy_list.setAccessibleName("SLA policies")
        self.policy_list.currentRowChanged.connect(self._policy_chosen)
        self.new_policy_button = QPushButton("N&ew policy")
        self.new_policy_button.clicked.connect(self.new_policy)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("SLA policies"))
        ll.addWidget(self.policy_list, 1)
        ll.addWidget(self.new_policy_button)

        self.pol_name = QLineEdit()
        self.pol_name.setAccessibleName("Policy name")
        self.pol_name.setMaximumWidth(420)
        self.pol_calendar = QComboBox()
        self.pol_calendar.setAccessibleName("Policy calendar")
        self.pol_auto_close = QSpinBox()
        self.pol_auto_close.setAccessibleName("Auto-close after business days")
        self.pol_auto_close.setRange(1, 365)
        self.pol_auto_close.setSuffix(" business days after resolution")
        self.pol_retroactive = QCheckBox(
            "Retroactive start: after a priority change, measure the new targets from the opening"
        )
        self.pol_retroactive.setAccessibleName("Retroactive start")
        self.pol_retroactive.setToolTip(
            "On: the new targets count from the incident's opening, pauses kept.\n"
            "Off: the new targets' clocks start at the change."
        )
        self.pol_active = QCheckBox(
            "Active (the lowest active policy is the one new incidents get)"
        )
        self.pol_active.setAccessibleName("Active")
        self.targets_box = QGroupBox("Targets per priority (business time of the calendar)")
        self.targets_grid = QGridLayout(self.targets_box)
        for col, head in enumerate(("Priority", "Respond within", "Resolve within", "Measured on")):
            label = QLabel(f"<b>{head}</b>")
            self.targets_grid.addWidget(label, 0, col)
        self.targets_grid.setColumnStretch(1, 1)
        self.targets_grid.setColumnStretch(2, 1)
        self.targets_grid.setColumnStretch(3, 1)
        self.target_rows: list[tuple[QLabel, QLineEdit, QLineEdit, QComboBox]] = []
        self.targets_hint = _muted(
            QLabel("Durations like 15 minutes, 4 hours, 1 hour 30 minutes, 4h or 90m.")
        )
        self.pol_reason = QLineEdit()
        self.pol_reason.setAccessibleName("Reason for the policy change")
        self.pol_reason.setPlaceholderText("Why (kept in the history of the incidents it moves)")
        self.save_policy_button = QPushButton("&Save policy…")
        self.save_policy_button.clicked.connect(self.save_policy)
        self.revert_policy_button = QPushButton("Re&vert")
        self.revert_policy_button.clicked.connect(lambda: self._fill_policy(self.current_policy))
        self.pol_message = Message()
        self.pol_effect = QLabel()
        self.pol_effect.setAccessibleName("Open incidents the policy change re-measures")
        self.pol_effect.setWordWrap(True)
        effect_font = self.pol_effect.font()
        effect_font.setBold(True)
        self.pol_effect.setFont(effect_font)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("Na&me:", self.pol_name)
        form.addRow("Ca&lendar:", self.pol_calendar)
        form.addRow("Auto-close:", self.pol_auto_close)
        form.addRow("", self.pol_retroactive)
        form.addRow("", self.pol_active)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_policy_button)
        buttons.addWidget(self.revert_policy_button)
        buttons.addStretch(1)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(form)
        rl.addWidget(self.targets_box)
        rl.addWidget(self.targets_hint)
        reason = QFormLayout()
        reason.addRow("Reason:", self.pol_reason)
        rl.addLayout(reason)
        rl.addLayout(buttons)
        rl.addWidget(self.pol_message)
        rl.addWidget(self.pol_effect)
        rl.addStretch(1)
        for edit in (self.pol_name,):
            edit.textEdited.connect(self._policy_edited)
        self.pol_calendar.currentIndexChanged.connect(self._policy_edited)
        self.pol_auto_close.valueChanged.connect(self._policy_edited)
        self.pol_retroactive.toggled.connect(self._policy_edited)
        self.pol_active.toggled.connect(self._policy_edited)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setChildrenCollapsible(False)
        split.setSizes([220, 1040])
        return split

    # -- the priorities tab ------------------------------------------------------------------
    def _priorities_tab(self) -> QWidget:
        self.priorities_box = QGroupBox("Priorities (as the active priority matrix names them)")
        self.priorities_grid = QGridLayout(self.priorities_box)
        for col, head in enumerate(("", "Name", "Colour", "", "Targets (default policy)")):
            self.priorities_grid.addWidget(QLabel(f"<b>{head}</b>"), 0, col)
        self.priorities_grid.setColumnStretch(1, 1)
        self.priorities_grid.setColumnStretch(4, 2)
        self.priority_rows: list[tuple[QLabel, QLineEdit, QPushButton, QPushButton, QLabel]] = []
        self.draft_colors: list[str | None] = []
        self.pri_reason = QLineEdit()
        self.pri_reason.setAccessibleName("Reason for the priorities change")
        self.pri_reason.setPlaceholderText("Why (a new name is a new matrix version)")
        self.save_priorities_button = QPushButton("&Save priorities")
        self.save_priorities_button.clicked.connect(self.save_priorities)
        self.pri_message = Message()
        note = _muted(
            QLabel(
                "A priority's targets and the calendar they are measured on are set per policy "
                "(Policies tab); the cells that give each priority are in Admin > Priority matrix."
            )
        )
        page = QWidget()
        pl = QVBoxLayout(page)
        pl.addWidget(self.priorities_box)
        pl.addWidget(note)
        reason = QFormLayout()
        reason.addRow("Reason:", self.pri_reason)
        pl.addLayout(reason)
        row = QHBoxLayout()
        row.addWidget(self.save_priorities_button)
        row.addStretch(1)
        pl.addLayout(row)
        pl.addWidget(self.pri_message)
        pl.addStretch(1)
        return page

    # -- reading -----------------------------------------------------------------------------
    def load(self) -> None:
        desk = self.desk
        self.runner.run(
            lambda: (
                sla_policies_state(desk),
                admin_audit.admin_history(desk),
            ),
            self._loaded,
            self._failed,
            key=LOAD_KEY,
        )

    def _loaded(self, data: tuple[SlaState, list[AdminAuditRecord]]) -> None:
        state, history = data
        self.calendar_records = state.calendars
        self.policy_records = state.policies
        self.matrix = state.matrix
        self.colors = state.colors
        calendar = self._find_calendar(self.current_calendar)
        policy = self._find_policy(self.current_policy)
        drafting_calendar = self.calendar_dirty and self.current_calendar is None
        drafting_policy = self.policy_dirty and self.current_policy is None
        self._fill_list(
            self.calendar_list,
            [f"{c.name}  ({'24x7' if c.always else c.tz})" for c in state.calendars],
            None if drafting_calendar or calendar is None else calendar.id,
            [c.id for c in state.calendars],
        )
        self._fill_list(
            self.policy_list,
            [p.name + ("" if p.active else "  (inactive)") for p in state.policies],
            None if drafting_policy or policy is None else policy.id,
            [p.id for p in state.policies],
        )
        self._fill_priorities()
        self._fill_targets_combo()
        self._fill_calendar_choices()
        if not self.calendar_dirty:
            self._fill_calendar(calendar)
        if not self.policy_dirty:
            self._fill_policy(policy)
        zone = self.desk.zone
        shown = [e for e in history if e.entity in ENTITIES]
        self.history_model.set_rows(
            [
                (
                    local_time(e.at, zone),
                    e.who or "",
                    e.entity_name,
                    e.field,
                    e.old or "",
                    e.new or "",
                    e.reason or "",
                )
                for e in shown
            ],
            [f"Reason: {e.reason}" if e.reason else None for e in shown],
        )

    def _find_calendar(self, old: CalendarRecord | None) -> CalendarRecord | None:
        if old is not None:
            for c in self.calendar_records:
                if c.id == old.id:
                    return c
        default = next((p for p in self.policy_records if p.active), None)
        for c in self.calendar_records:  # first the default policy's calendar
            if default is not None and c.id == default.calendar_id:
                return c
        return self.calendar_records[0] if self.calendar_records else None

    def _find_policy(self, old: PolicyRecord | None) -> PolicyRecord | None:
        if old is not None:
            for p in self.policy_records:
                if p.id == old.id:
                    return p
        return self.policy_records[0] if self.policy_records else None

    def _fill_list(
        self, widget: QListWidget, names: list[str], keep: int | None, ids: list[int]
    ) -> None:
        self._filling = True
        widget.clear()
        widget.addItems(names)
        row = ids.index(keep) if keep in ids else -1
        if row >= 0:
            widget.setCurrentRow(row, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._filling = False

    def _failed(self, exc: DeskError) -> None:
        self.cal_message.say(str(exc), error=True)
        self.pol_message.say(str(exc), error=True)

    # -- calendars: the form -----------------------------------------------------------------
    def _calendar_chosen(self, row: int) -> None:
        if self._filling or not 0 <= row < len(self.calendar_records):
            return
        if self.calendar_dirty and not self.confirm(
            "Calendar", "The calendar you were editing is not saved. Leave it and lose the change?"
        ):
            self._filling = True
            self.calendar_list.setCurrentRow(self._calendar_row())
            self._filling = False
            return
        self.cal_message.say(" ")
        self._fill_calendar(self.calendar_records[row])

    def _calendar_row(self) -> int:
        ids = [c.id for c in self.calendar_records]
        cur = self.current_calendar
        return ids.index(cur.id) if cur is not None and cur.id in ids else -1

    def new_calendar(self) -> None:
        self._filling = True
        self.calendar_list.clearSelection()
        self._filling = False
        base = self.current_calendar
        self.cal_message.say(" ")
        self._fill_calendar(None)
        self.cal_zone.setEditText(base.tz if base is not None else str(self.desk.zone))
        for edit in self.day_edits[:5]:
            edit.setText("08:00-17:00")
        for edit in self.day_edits[5:]:
            edit.setText("closed")
        self.cal_name.setFocus()
        self._preview_calendar()

    def _fill_calendar(self, record: CalendarRecord | None) -> None:
        self._filling = True
        self.current_calendar = record
        self.cal_name.setText(record.name if record else "")
        self.cal_zone.setEditText(record.tz if record else "")
        self.cal_always.setChecked(bool(record and record.always))
        for edit, day in zip(self.day_edits, record.week if record else ((),) * 7, strict=True):
            edit.setText("" if record is None else day_hours_text(day))
        self.cal_country.setText((record.holiday_country or "") if record else "")
        self.cal_subdiv.setText((record.holiday_subdiv or "") if record else "")
        self.custom_list.clear()
        for d in record.custom_holidays if record else ():
            self.custom_list.addItem(d.isoformat())
        self.cal_reason.clear()
        self._filling = False
        self.calendar_dirty = False
        self.save_calendar_button.setText("&Save calendar…" if record else "&Add calendar")
        self._enable_calendar()
        self._preview_calendar()

    def _calendar_edited(self, *_args: object) -> None:
        if self._filling:
            return
        self.calendar_dirty = True
        self._enable_calendar()
        self._preview_calendar()

    def _enable_calendar(self) -> None:
        always = self.cal_always.isChecked()
        for w in (self.hours_box, self.cal_country, self.cal_subdiv, self.custom_list,
                  self.custom_date, self.add_day_button, self.remove_day_button):  # fmt: skip
            w.setEnabled(not always)
        self.revert_calendar_button.setEnabled(self.calendar_dirty)

    def add_custom_day(self) -> None:
        day = self.custom_date.date().toPython()
        assert isinstance(day, date)
        text = day.isoformat()
        days = self._custom_days()
        if day in days:
            self.cal_message.say(f"{text} is already a custom day off")
            return
        self.custom_list.clear()
        for d in sorted([*days, day]):
            self.custom_list.addItem(d.isoformat())
        self._calendar_edited()

    def remove_custom_day(self) -> None:
        row = self.custom_list.currentRow()
        if row < 0:
            self.cal_message.say("Pick the custom day off to remove in the list first", error=True)
            return
        self.custom_list.takeItem(row)
        self._calendar_edited()

    def _custom_days(self) -> list[date]:
        return [
            date.fromisoformat(self.custom_list.item(i).text())
            for i in range(self.custom_list.count())
        ]

    def calendar_spec(self) -> CalendarSpec:
        """The draft as a calendar, or a ValidationError naming the field (weekday) that is
        wrong; the service validates the rest."""
        always = self.cal_always.isChecked()
        week = tuple(
            parse_day_hours(edit.text(), weekday) if not always else ()
            for edit, weekday in zip(self.day_edits, WEEKDAYS, strict=True)
        )
        return CalendarSpec(
            name=self.cal_name.text(),
            tz=self.cal_zone.currentText().strip(),
            week=week,
            always=always,
            holiday_country=self.cal_country.text().strip() or None,
            holiday_subdiv=self.cal_subdiv.text().strip() or None,
            custom_holidays=tuple(self._custom_days()),
        )

    def _calendar_field(self, exc: ValidationError) -> QWidget:
        """The widget a refusal is about (the weekday's line for the hours)."""
        text = str(exc)
        if exc.field == "week":
            for edit, weekday in zip(self.day_edits, WEEKDAYS, strict=True):
                if text.startswith(weekday):
                    return edit
            return self.day_edits[0]
        return {
            "name": self.cal_name,
            "timezone": self.cal_zone,
            "holiday_country": self.cal_country,
            "holiday_subdiv": self.cal_subdiv,
            "custom_holidays": self.custom_date,
        }.get(exc.field or "", self.cal_name)

    def _checked_spec(self) -> CalendarSpec | None:
        """The draft validated as a save validates it, or None after saying what is wrong."""
        from app.services.calendars import validated

        try:
            return validated(self.calendar_spec())
        except ValidationError as exc:
            self._calendar_refused(exc)
            return None

    def _calendar_refused(self, exc: ValidationError) -> None:
        self.cal_message.say(str(exc), error=True)
        self._calendar_field(exc).setFocus()

    # -- calendars: the preview --------------------------------------------------------------
    def _preview_calendar(self) -> None:
        from app.services.calendars import validated

        try:
            spec = validated(self.calendar_spec())
        except ValidationError as exc:
            self.preview_spec: CalendarSpec | None = None
            self.month_days.setText(f"No preview until this is right: {exc}")
            self.response_due_label.setText("—")
            self.resolution_due_label.setText("—")
            self._clear_month()
            self._cal_effect_timer.stop()
            self.cal_effect.setText("")
            if not self._filling and self.calendar_dirty:
                self.cal_message.say(str(exc), error=True)
            return
        if self.calendar_dirty:
            self.cal_message.say("Not saved yet")
        self.preview_spec = spec
        self._paint_month()
        self._preview_due()
        self._schedule_calendar_effect()

    def _schedule_calendar_effect(self) -> None:
        if not self.calendar_dirty or self.current_calendar is None:
            self._cal_effect_timer.stop()
            self.runner.cancel(CAL_EFFECT_KEY)
            self.cal_effect.setText("")
            return
        self.cal_effect.setText("Counting the open incidents it would re-measure…")
        self._cal_effect_timer.start()

    def _count_calendar_effect(self) -> None:
        spec, record, desk = getattr(self, "preview_spec", None), self.current_calendar, self.desk
        if spec is None or record is None or not self.calendar_dirty:
            return
        cid = record.id
        self.runner.run(
            lambda: (spec, sla_changes.preview_calendar(desk, spec, cid, limit=0)),
            lambda got: self._effect_counted(self.cal_effect, got),
            lambda exc: self.cal_effect.setText(""),
            key=CAL_EFFECT_KEY,
        )

    def _effect_counted(
        self, label: QLabel, got: tuple[object, sla_policies.PolicyPreview]
    ) -> None:
        spec, preview = got
        current = (
            getattr(self, "preview_spec", None)
            if label is self.cal_effect
            else self._policy_draft()
        )
        if spec != current:
            return  # the draft moved on: its own count is on its way
        label.setText(effect_words(preview, self.matrix))

    def _clear_month(self) -> None:
        self.month.setDateTextFormat(QDate(), QTextCharFormat())

    def _paint_month(self) -> None:
        spec = getattr(self, "preview_spec", None)
        self._clear_month()
        if spec is None:
            return
        days = sla_policies.month_view(spec, self.month.yearShown(), self.month.monthShown())
        off = QTextCharFormat()
        off.setBackground(QBrush(self.palette().mid().color().lighter(130)))
        off.setForeground(QBrush(muted_color()))
        holiday = QTextCharFormat(off)
        holiday.setForeground(QBrush(priority_color(1)))
        holiday.setFontWeight(700)
        named = []
        for d in days:
            if d.working:
                continue
            fmt = QTextCharFormat(off if d.why in WEEKDAYS else holiday)
            fmt.setToolTip(d.why or "")
            self.month.setDateTextFormat(QDate(d.day.year, d.day.month, d.day.day), fmt)
            if d.why not in WEEKDAYS:
                named.append(f"{d.day.day} {d.day:%b}: {d.why}")
        weekly = sorted(
            {d.why for d in days if not d.working and d.why in WEEKDAYS},
            key=WEEKDAYS.index,
        )
        lines = []
        if spec.always:
            lines.append("24x7: every day is a working day")
        if weekly:
            lines.append("Closed every " + ", ".join(weekly))
        lines.append(("Days off: " + "; ".join(named)) if named else "No holiday this month")
        self.month_days.setText("\n".join(lines))

    def _day_clicked(self, day: QDate) -> None:
        self.start_edit.setDate(day)

    def _fill_targets_combo(self) -> None:
        current = self.targets_combo.currentData()
        self.targets_combo.blockSignals(True)
        self.targets_combo.clear()
        default = next((p for p in self.policy_records if p.active), None)
        if default is not None and self.matrix is not None:
            for t in default.targets:
                self.targets_combo.addItem(
                    f"{self.matrix.priority_label(t.priority)}: {duration_words(t.response_s)} / "
                    f"{duration_words(t.resolution_s)} (on {t.calendar_name})",
                    (t.response_s, t.resolution_s),
                )
        i = self.targets_combo.findData(current)
        if i < 0 and default is not None:  # first: a priority measured on the policy's calendar
            i = next((n for n, t in enumerate(default.targets) if t.calendar_id is None), 0)
        self.targets_combo.setCurrentIndex(max(i, 0))
        self.targets_combo.blockSignals(False)
        if not self._start_set:
            self._start_set = True
            self.set_start(self.desk.now())
        self._preview_due()

    def set_start(self, when: datetime) -> None:
        """Put the preview's start at `when` (shown in the calendar's zone)."""
        spec = getattr(self, "preview_spec", None)
        zone = ZoneInfo(spec.tz) if spec is not None else self.desk.zone
        local = when.astimezone(zone)
        self.start_edit.setDateTime(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
        )

    def _start(self, zone: ZoneInfo) -> datetime:
        qd, qt = self.start_edit.date(), self.start_edit.time()
        return datetime(qd.year(), qd.month(), qd.day(), qt.hour(), qt.minute(), tzinfo=zone)

    def _preview_due(self) -> None:
        spec = getattr(self, "preview_spec", None)
        targets = self.targets_combo.currentData()
        if spec is None or not targets:
            return
        zone = ZoneInfo(spec.tz)
        start = self._start(zone)
        due = sla_policies.due_times(spec, start, int(targets[0]), int(targets[1]))
        fmt = "%a %d %b %Y %H:%M"
        self.response_due_label.setText(due.response_due.astimezone(zone).strftime(fmt))
        self.resolution_due_label.setText(due.resolution_due.astimezone(zone).strftime(fmt))
        self.due_note.setText(f"Times in {spec.tz}, from the start above, on this calendar")

    # -- calendars: saving -------------------------------------------------------------------
    def save_calendar(self) -> None:
        spec = self._checked_spec()
        if spec is None:
            return
        record, desk, actor = self.current_calendar, self.desk, self.actor
        reason = self.cal_reason.text().strip() or None
        if record is None:
            self._write(
                lambda: sla_changes.apply_calendar(desk, actor, spec, None, reason=reason),
                self.cal_message,
                f"Added the calendar {spec.name}",
            )
            return
        self.cal_message.say("Counting the open incidents measured on it…")
        cid = record.id
        self.runner.run(
            lambda: sla_changes.preview_calendar(desk, spec, cid),
            lambda preview: self._confirm_apply(
                preview,
                f"the calendar {spec.name}",
                lambda: sla_changes.apply_calendar(desk, actor, spec, cid, reason=reason),
                self.cal_message,
            ),
            lambda exc: self._refused(exc, self.cal_message),
        )

    def _confirm_apply(
        self,
        preview: sla_policies.PolicyPreview,
        what: str,
        apply: Callable[[], sla_changes.DueApplied],
        message: Message,
    ) -> None:
        if preview.count:
            zone = self.desk.zone
            listed = "\n".join(
                f"  {s.number}  {s.title[:40]}: "
                f"{local_time(s.old_due, zone) or '—'} → "
                f"{local_time(s.new_due, zone) or ('paused' if s.paused else '—')}"
                for s in preview.shifts[:SHOWN_SHIFTS]
            )
            more = (
                f"\n  … and {preview.count - min(len(preview.shifts), SHOWN_SHIFTS):,} more"
                if preview.count > SHOWN_SHIFTS
                else ""
            )
            text = (
                f"Saving {what} re-measures {plural(preview.count, 'open incident')}: their due "
                f"times are recomputed now (paused time stays out), each in its history.\n\n"
                f"{listed}{more}\n\nSave and recompute?"
            )
            if not self.confirm("Recompute due times", text):
                message.say("Not saved: nothing changed")
                return
        self._write(apply, message, f"Saved {what}")

    def _write(self, fn: Callable[[], object], message: Message, done_text: str) -> None:
        message.say("Saving…")

        def done(result: object) -> None:
            if isinstance(result, sla_changes.DueApplied):
                moved = (
                    f": {plural(result.moved, 'open incident')} got new due times"
                    if result.measured
                    else ": no open incident is measured by what changed"
                )
                if result.calendar is not None:
                    self.current_calendar = result.calendar
                    self.calendar_dirty = False
                if result.policy is not None:
                    self.current_policy = result.policy
                    self.policy_dirty = False
                message.say(done_text + moved)
            else:
                message.say(done_text)
            self.saved.emit(result)
            self.load()

        self.runner.run(
            fn,
            done,
            lambda exc: self._refused(exc, message),
            write=True,
            what="the SLA change",
        )

    def _refused(self, exc: DeskError, message: Message) -> None:
        if isinstance(exc, ValidationError) and message is self.cal_message:
            self._calendar_refused(exc)
            return
        if isinstance(exc, ValidationError) and message is self.pol_message:
            self._policy_refused(exc)
            return
        message.say(f"Not saved: {exc}", error=True)

    # -- policies: the form ------------------------------------------------------------------
    def _fill_calendar_choices(self) -> None:
        for combo, first in [(self.pol_calendar, None)] + [
            (row[3], "The policy's calendar") for row in self.target_rows
        ]:
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if first is not None:
                combo.addItem(first, None)
            for c in self.calendar_records:
                combo.addItem(c.name, c.id)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)

    def _ensure_target_rows(self) -> None:
        n = self.matrix.priorities if self.matrix is not None else 0
        while len(self.target_rows) > n:
            gone: tuple[QWidget, ...] = self.target_rows.pop()
            for w in gone:
                self.targets_grid.removeWidget(w)
                w.deleteLater()
        while len(self.target_rows) < n:
            p = len(self.target_rows) + 1
            label = QLabel()
            response = QLineEdit()
            response.setAccessibleName(f"P{p} response")
            resolution = QLineEdit()
            resolution.setAccessibleName(f"P{p} resolution")
            calendar = QComboBox()
            calendar.setAccessibleName(f"P{p} calendar")
            calendar.addItem("The policy's calendar", None)
            for c in self.calendar_records:
                calendar.addItem(c.name, c.id)
            for edit in (response, resolution):
                edit.textEdited.connect(self._policy_edited)
            calendar.currentIndexChanged.connect(self._policy_edited)
            for col, w in enumerate((label, response, resolution, calendar)):
                self.targets_grid.addWidget(w, p, col)
            self.target_rows.append((label, response, resolution, calendar))
        for p, (label, *_rest) in enumerate(self.target_rows, start=1):
            assert self.matrix is not None
            label.setText(self.matrix.priority_label(p))
            pal = label.palette()
            pal.setColor(
                label.foregroundRole(), priority_color(p, self.matrix.priorities, self.colors)
            )
            label.setPalette(pal)
            font = label.font()
            font.setBold(True)
            label.setFont(font)

    def _policy_chosen(self, row: int) -> None:
        if self._filling or not 0 <= row < len(self.policy_records):
            return
        if self.policy_dirty and not self.confirm(
            "SLA policy", "The policy you were editing is not saved. Leave it and lose the change?"
        ):
            self._filling = True
            ids = [p.id for p in self.policy_records]
            cur = self.current_policy
            self.policy_list.setCurrentRow(ids.index(cur.id) if cur and cur.id in ids else -1)
            self._filling = False
            return
        self.pol_message.say(" ")
        self._fill_policy(self.policy_records[row])

    def new_policy(self) -> None:
        base = self.current_policy
        self._filling = True
        self.policy_list.clearSelection()
        self._filling = False
        self.pol_message.say(" ")
        self._fill_policy(None)
        if base is not None:  # start from the targets of the one shown
            self._fill_targets(base)
            self.pol_calendar.setCurrentIndex(max(self.pol_calendar.findData(base.calendar_id), 0))
        self.pol_name.setFocus()

    def _fill_policy(self, record: PolicyRecord | None) -> None:
        self._filling = True
        self.current_policy = record
        self._ensure_target_rows()
        self.pol_name.setText(record.name if record else "")
        self.pol_calendar.setCurrentIndex(
            max(self.pol_calendar.findData(record.calendar_id if record else None), 0)
        )
        self.pol_auto_close.setValue(record.auto_close_days if record else 7)
        self.pol_retroactive.setChecked(record.retroactive_start if record else True)
        self.pol_active.setChecked(record.active if record else True)
        for _label, response, resolution, calendar in self.target_rows:
            response.clear()
            resolution.clear()
            calendar.setCurrentIndex(0)
        if record is not None:
            self._fill_targets(record)
        self.pol_reason.clear()
        self._filling = False
        self.policy_dirty = False
        self._pol_effect_timer.stop()
        self.runner.cancel(POL_EFFECT_KEY)
        self.pol_effect.setText("")
        self.save_policy_button.setText("&Save policy…" if record else "&Add policy")
        self.revert_policy_button.setEnabled(False)

    def _fill_targets(self, record: PolicyRecord) -> None:
        by = {t.priority: t for t in record.targets}
        for p, (_label, response, resolution, calendar) in enumerate(self.target_rows, start=1):
            t = by.get(p)
            response.setText(duration_words(t.response_s) if t else "")
            resolution.setText(duration_words(t.resolution_s) if t else "")
            calendar.setCurrentIndex(max(calendar.findData(t.calendar_id if t else None), 0))

    def _policy_edited(self, *_args: object) -> None:
        if self._filling:
            return
        self.policy_dirty = True
        self.revert_policy_button.setEnabled(True)
        self.pol_message.say("Not saved yet")
        if self.current_policy is None:
            return
        self.pol_effect.setText("Counting the open incidents it would re-measure…")
        self._pol_effect_timer.start()

    def _policy_draft(self) -> PolicySpec | None:
        try:
            return self.policy_spec()
        except ValidationError:
            return None

    def _count_policy_effect(self) -> None:
        spec, record, desk = self._policy_draft(), self.current_policy, self.desk
        if record is None or not self.policy_dirty:
            return
        if spec is None:
            self.pol_effect.setText("")
            return
        pid = record.id
        self.runner.run(
            lambda: (spec, sla_policies.preview_policy(desk, spec, pid, limit=0)),
            lambda got: self._effect_counted(self.pol_effect, got),
            lambda exc: self.pol_effect.setText(""),
            key=POL_EFFECT_KEY,
        )

    def policy_spec(self) -> PolicySpec:
        """The draft as a policy, or a ValidationError naming the field; the service validates
        the rest (every priority has targets, response before resolution…)."""
        targets = {}
        for p, (_label, response, resolution, calendar) in enumerate(self.target_rows, start=1):
            if not response.text().strip() and not resolution.text().strip():
                continue  # the service says which priorities lack targets
            targets[p] = TargetSpec(
                parse_duration(response.text(), f"P{p} response"),
                parse_duration(resolution.text(), f"P{p} resolution"),
                calendar.currentData(),
            )
        calendar_id = self.pol_calendar.currentData()
        if calendar_id is None:
            raise ValidationError("Pick the calendar the policy is measured on", field="calendar")
        return PolicySpec(
            self.pol_name.text(),
            int(calendar_id),
            targets,
            self.pol_auto_close.value(),
            self.pol_retroactive.isChecked(),
            self.pol_active.isChecked(),
        )

    def _policy_refused(self, exc: ValidationError) -> None:
        self.pol_message.say(str(exc), error=True)
        field = exc.field or ""
        text = str(exc)
        widget: QWidget = {
            "name": self.pol_name,
            "calendar": self.pol_calendar,
            "auto_close_days": self.pol_auto_close,
            "active": self.pol_active,
            "retroactive_start": self.pol_retroactive,
        }.get(field, self.pol_name)
        for p, (_label, response, resolution, _cal) in enumerate(self.target_rows, start=1):
            if field == f"P{p} response" or text.startswith(f"P{p}: the response"):
                widget = response
            elif field == f"P{p} resolution" or text.startswith(f"P{p}"):
                widget = resolution
            elif f"missing: P{p}" in text:
                widget = response
                break
        widget.setFocus()

    def save_policy(self) -> None:
        try:
            spec = self.policy_spec()
        except ValidationError as exc:
            self._policy_refused(exc)
            return
        record, desk, actor = self.current_policy, self.desk, self.actor
        reason = self.pol_reason.text().strip() or None
        if record is None:
            self._write(
                lambda: sla_changes.apply_policy(desk, actor, spec, None, reason=reason),
                self.pol_message,
                f"Added the policy {spec.name.strip()}",
            )
            return
        pid = record.id
        self.pol_message.say("Counting the open incidents it re-measures…")
        self.runner.run(
            lambda: sla_policies.preview_policy(desk, spec, pid),
            lambda preview: self._confirm_apply(
                preview,
                f"the policy {spec.name.strip()}",
                lambda: sla_changes.apply_policy(desk, actor, spec, pid, reason=reason),
                self.pol_message,
            ),
            lambda exc: self._refused(exc, self.pol_message),
        )

    # -- priorities --------------------------------------------------------------------------
    def _fill_priorities(self) -> None:
        m = self.matrix
        if m is None:
            return
        self.draft_colors = [
            self.colors[p - 1] if p <= len(self.colors) else None
            for p in range(1, m.priorities + 1)
        ]
        while len(self.priority_rows) > m.priorities:
            old: tuple[QWidget, ...] = self.priority_rows.pop()
            for w in old:
                self.priorities_grid.removeWidget(w)
                w.deleteLater()
        while len(self.priority_rows) < m.priorities:
            p = len(self.priority_rows) + 1
            number = QLabel(f"{p}")
            name = QLineEdit()
            name.setAccessibleName(f"Priority {p} name")
            swatch = QPushButton()
            swatch.setAccessibleName(f"Priority {p} colour")
            swatch.setMinimumWidth(170)
            swatch.clicked.connect(lambda _c=False, p=p: self.choose_color(p))
            reset = QPushButton("Desk's colour")
            reset.setAccessibleName(f"Priority {p}: the desk's colour")
            reset.clicked.connect(lambda _c=False, p=p: self.set_color(p, None))
            terms = _muted(QLabel())
            for col, w in enumerate((number, name, swatch, reset, terms)):
                self.priorities_grid.addWidget(w, p, col)
            self.priority_rows.append((number, name, swatch, reset, terms))
        default = next((p for p in self.policy_records if p.active), None)
        by = {t.priority: t for t in default.targets} if default else {}
        for p, (_n, name, _s, _r, terms) in enumerate(self.priority_rows, start=1):
            name.setText(m.priority_labels[p - 1])
            t = by.get(p)
            terms.setText(
                f"Respond {duration_words(t.response_s)} · resolve {duration_words(t.resolution_s)}"
                f" · {t.calendar_name}"
                if t
                else "No targets"
            )
            self._paint_swatch(p)

    def _paint_swatch(self, p: int) -> None:
        m = self.matrix
        if m is None or p > len(self.priority_rows):
            return
        swatch = self.priority_rows[p - 1][2]
        color = priority_color(p, m.priorities, self.draft_colors)
        own = self.draft_colors[p - 1] if p <= len(self.draft_colors) else None
        swatch.setText(own or f"{color.name()} (the desk's)")
        ink = "#ffffff" if color.lightness() < 140 else "#000000"
        swatch.setStyleSheet(f"background-color: {color.name()}; color: {ink};")
        swatch.setToolTip(f"{m.priority_label(p)} is shown in {color.name()}: click to change")
        self.priority_rows[p - 1][3].setEnabled(own is not None)

    def choose_color(self, p: int) -> None:
        m = self.matrix
        if m is None:
            return
        picked = self.pick_color(priority_color(p, m.priorities, self.draft_colors))
        if picked is not None and picked.isValid():
            self.set_color(p, picked.name())

    def set_color(self, p: int, color: str | None) -> None:
        if 1 <= p <= len(self.draft_colors):
            self.draft_colors[p - 1] = color
            self._paint_swatch(p)
            self.pri_message.say("Not saved yet")

    def save_priorities(self) -> None:
        m = self.matrix
        if m is None:
            return
        names = [row[1].text() for row in self.priority_rows]
        try:
            renamed = m
            for p, name in enumerate(names, start=1):
                renamed = relabelled(renamed, "priority", p, name)
        except ValidationError as exc:
            self.pri_message.say(str(exc), error=True)
            return
        desk, actor, colors = self.desk, self.actor, list(self.draft_colors)
        reason = self.pri_reason.text().strip()
        new_names = not same_grid(renamed, m)
        if new_names and not reason:
            self.pri_message.say(
                "Say why first: a new name is a new version of the priority matrix", error=True
            )
            self.pri_reason.setFocus()
            return

        def save() -> str:
            said = []
            if new_names:
                done = matrix_service.apply_matrix(desk, actor, renamed, reason)
                said.append(f"names saved as matrix version {done.version}")
            before = colors_service.priority_colors(desk)
            stored = colors_service.set_priority_colors(desk, actor, colors, reason=reason or None)
            if stored != before:
                said.append("colours saved")
            return "; ".join(said) or "nothing changed"

        self._write(save, self.pri_message, "Priorities")

    # -- the live feed, closing ----------------------------------------------------------------
    def others_changed(self, entities: set[str]) -> None:
        if entities & ENTITIES:
            if self.calendar_dirty or self.policy_dirty:
                self.cal_message.say(
                    "Changed on another workstation: the lists show it; your draft is kept"
                )
            self.load()

    def _confirm(self, title: str, text: str) -> bool:
        return ask_yes(self, title, text)

    def _pick_color(self, current: QColor) -> QColor | None:
        picked = QColorDialog.getColor(current, self, "Priority colour")
        return picked if picked.isValid() else None

    def closeEvent(self, event: QCloseEvent) -> None:
        if (self.calendar_dirty or self.policy_dirty) and not self.confirm(
            "SLA policies and calendars", "A change is not saved. Close and lose it?"
        ):
            event.ignore()
            return
        for key in (LOAD_KEY, CAL_EFFECT_KEY, POL_EFFECT_KEY):
            self.runner.cancel(key)
        self._cal_effect_timer.stop()
        self._pol_effect_timer.stop()
        super().closeEvent(event)


class SlaState:
    """What the window shows, read in one go off the GUI thread."""

    def __init__(
        self,
        calendars: list[CalendarRecord],
        policies: list[PolicyRecord],
        matrix: PriorityMatrix,
        colors: tuple[str | None, ...],
    ) -> None:
        self.calendars, self.policies, self.matrix, self.colors = (
            calendars,
            policies,
            matrix,
            colors,
        )


def sla_policies_state(desk: Desk) -> SlaState:
    from app.services import calendars

    return SlaState(
        calendars.calendars(desk),
        sla_policies.policies(desk),
        queries.matrix(desk),
        colors_service.priority_colors(desk),
    )


def effect_words(preview: sla_policies.PolicyPreview, matrix: PriorityMatrix | None) -> str:
    """'Saving re-measures 37 open incidents (2 - High: 30, 3 - Moderate: 7)'."""
    if preview.count == 0:
        return "Saving re-measures no open incident"
    label = matrix.priority_label if matrix is not None else str
    per = ", ".join(f"{label(p)}: {n:,}" for p, n in preview.per_priority)
    return f"Saving re-measures {plural(preview.count, 'open incident')} ({per})"


def open_sla_window(
    desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
) -> SlaWindow | None:
    """The window, or None after telling a non-admin why not."""
    refusal = may_edit_sla(actor)
    if refusal is not None:
        show_problem(parent, refusal, "SLA policies and calendars")
        return None
    window = SlaWindow(desk, actor, runner)
    window.show()
    return window
