"""One incident: header with both SLA clocks, editable fields, journal, history, related, SLA,
and every lifecycle action (disabled with the reason when the role or the state forbids it).

Edits are based on what the agent started from, field by field. A change from elsewhere refills
the editors the agent has not touched (their base moves on with them) and keeps what they typed
(with the value they started from as its base), so a save sends exactly the fields this user
changed. If the other side changed none of those, the save goes on the incident as it is now; if
it changed one of them too, the services answer with a ConflictError and the conflict dialog
shows both sides to merge or reload. Nothing of theirs is saved as ours, nothing is overwritten.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImage,
    QKeySequence,
    QShortcut,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.domain.affected import AffectedItem, OnService
from app.domain.errors import ConflictError, DeskError, EnvironmentProblem, ValidationError
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import (
    HoldReason,
)
from app.domain.matrix import PriorityMatrix
from app.domain.permissions import IncidentFacts
from app.domain.permissions import why_not as rule_why_not
from app.domain.records import (
    AuditRecord,
    Channel,
    IncidentRecord,
    JournalKind,
    JournalRecord,
    KnownErrorRecord,
    PauseRecord,
    QueueRow,
)
from app.domain.roles import Permission, can
from app.domain.wording import clock_sla, clock_text, clock_tooltip
from app.services import affected, incidents, queries
from app.services.context import Actor, Desk
from app.views.colors import ERROR_SIGN, error_look, muted_color, priority_color, threshold_color
from app.views.dialogs import ActionDialog, ConflictDialog
from app.views.errors import show_problem

# -- which action, when -------------------------------------------------------------------------
from app.views.incident.actions import ACTIONS, action_dialog, why_not
from app.views.incident.attachments_tab import AttachmentsTab
from app.views.incident.details import Details, Lookups, load_details, load_lookups
from app.views.incident.entry_files import EntryFiles, JournalEdit, PendingFile
from app.views.incident.tabs import (
    history_cells,
    journal_html,
    related_html,
    sla_html,
    time_text,
)
from app.views.incident.tasks_tab import TasksTab
from app.views.review.wizard import ReviewWizard
from app.views.tasks import TaskRunner

# the toolbar in three groups: work on it, move it, finish it
TOOLBAR_GROUPS = (
    ("assign_to_me", "assign", "hold", "resume"),
    ("escalate", "escalate_up", "major"),
    ("resolve", "close", "reopen", "cancel"),
)
TOOLBAR_TEXT = {"escalate_up": "To supervisor", "hold": "Hold", "cancel": "Cancel"}
_SP = QStyle.StandardPixmap
# an icon from the desktop's theme (freedesktop names), else the style's own
ACTION_ICONS = {
    "assign_to_me": ("go-jump", _SP.SP_ArrowDown),
    "assign": ("mail-forward", _SP.SP_ArrowForward),
    "hold": ("media-playback-pause", _SP.SP_MediaPause),
    "resume": ("media-playback-start", _SP.SP_MediaPlay),
    "escalate": ("go-up", _SP.SP_ArrowUp),
    "escalate_up": ("go-top", _SP.SP_FileDialogToParent),
    "major": ("dialog-warning", _SP.SP_MessageBoxWarning),
    "resolve": ("dialog-ok-apply", _SP.SP_DialogApplyButton),
    "close": ("window-close", _SP.SP_DialogCloseButton),
    "reopen": ("view-refresh", _SP.SP_BrowserReload),
    "cancel": ("process-stop", _SP.SP_DialogCancelButton),
}

# editor field -> (label, service field name)
EDIT_FIELDS = {
    "title": "Title",
    "description": "Description",
    "channel": "Channel",
    "config_item_id": "Service",
    "impact": "Impact",
    "urgency": "Urgency",
    "category_id": "Category",
}


class IncidentWindow(QMainWindow):
    closed = Signal()
    reloaded = Signal()
    open_requested = Signal(int)  # another incident to open (a child, one on the same service)

    def __init__(
        self,
        desk: Desk,
        actor: Actor,
        runner: TaskRunner,
        incident_id: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.incident_id = incident_id
        self.record: IncidentRecord | None = None
        self.base: IncidentRecord | None = None  # the version the unsaved edits started from
        # each editor's base: what it showed before the user touched it (clean editors follow
        # the latest record, a dirty one keeps the value its edit started from)
        self.base_values: dict[str, Any] = {}
        self._lookups: Lookups | None = None
        self.affected_items: list[AffectedItem] = []
        self._saving = False
        self._adding_note = False
        self._changed_elsewhere = False
        self._notice = ""  # the banner's news (loaded, changed elsewhere...)
        # what could not be written because the database was away: key -> (message, retry)
        self._problems: dict[str, tuple[str, Callable[[], None]]] = {}
        self.setWindowTitle("Incident")
        self.resize(1040, 760)

        # -- header ------------------------------------------------------------------------
        self.number_label = QLabel("…")
        self.number_label.setAccessibleName("Number")
        f = self.number_label.font()
        f.setPointSizeF(f.pointSizeF() * 1.4)
        f.setBold(True)
        self.number_label.setFont(f)
        self.priority_label = QLabel()
        self.priority_label.setAccessibleName("Priority")
        pf = self.priority_label.font()
        pf.setBold(True)
        self.priority_label.setFont(pf)
        self.state_label = QLabel()
        self.state_label.setAccessibleName("State")
        self.response_label = QLabel()
        self.response_label.setAccessibleName("Response clock")
        self.resolution_label = QLabel()
        self.resolution_label.setAccessibleName("Resolution clock")
        self.owner_label = QLabel()
        self.owner_label.setAccessibleName("Group and assignee")
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName("Notice")
        self.banner.hide()
        self.banner_sign = QLabel(ERROR_SIGN)  # an error's sign, in the error colour
        self.banner_sign.setAccessibleName("Error")
        error_look(self.banner_sign)
        self.banner_sign.hide()
        self.retry_button = QPushButton("&Retry")
        self.retry_button.setToolTip("Save the changes and add the note that could not be written")
        self.retry_button.clicked.connect(self.retry)
        self.retry_button.hide()
        head = QHBoxLayout()
        head.addWidget(self.number_label)
        head.addSpacing(12)
        head.addWidget(self.priority_label)
        head.addSpacing(12)
        head.addWidget(self.state_label)
        head.addStretch(1)
        head.addWidget(self.owner_label)
        clocks = QHBoxLayout()
        clocks.addWidget(self.response_label)
        clocks.addSpacing(24)
        clocks.addWidget(self.resolution_label)
        clocks.addStretch(1)

        # -- fields ----------------------------------------------------------------------
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Title")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setAccessibleName("Description")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setMaximumHeight(120)
        self.channel_edit = QComboBox()
        self.channel_edit.setAccessibleName("Channel")
        for ch in Channel:
            self.channel_edit.addItem(ch.label, ch.value)
        self.service_edit = QComboBox()
        self.service_edit.setAccessibleName("Service")
        self.service_edit.addItem("(none)", None)
        self.category_edit = QComboBox()
        self.category_edit.setAccessibleName("Category")
        self.category_edit.addItem("(none)", None)
        self.impact_edit = QComboBox()
        self.impact_edit.setAccessibleName("Impact")
        self.urgency_edit = QComboBox()
        self.urgency_edit.setAccessibleName("Urgency")
        # impact and urgency list the active matrix's levels, filled with the lookups
        self.caller_label = QLabel()
        self.caller_label.setAccessibleName("Caller")
        self.save_button = QPushButton("&Save changes (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.clicked.connect(self.revert)
        for w in (self.title_edit,):
            w.textEdited.connect(self._edited)
        self.description_edit.textChanged.connect(self._edited)
        for combo in (
            self.channel_edit,
            self.service_edit,
            self.category_edit,
            self.impact_edit,
            self.urgency_edit,
        ):
            combo.activated.connect(self._edited)
        form = QFormLayout()
        form.addRow("&Title:", self.title_edit)
        form.addRow("&Description:", self.description_edit)
        form.addRow("Caller:", self.caller_label)
        row = QHBoxLayout()
        for label, combo in (
            ("C&hannel:", self.channel_edit),
            ("Servi&ce:", self.service_edit),
            ("Cate&gory:", self.category_edit),
        ):
            lab = QLabel(label)
            lab.setBuddy(combo)
            row.addWidget(lab)
            row.addWidget(combo, 1)
        form.addRow(row)
        row2 = QHBoxLayout()
        for label, combo in (("&Impact:", self.impact_edit), ("&Urgency:", self.urgency_edit)):
            lab = QLabel(label)
            lab.setBuddy(combo)
            row2.addWidget(lab)
            row2.addWidget(combo)
        row2.addStretch(1)
        row2.addWidget(self.revert_button)
        row2.addWidget(self.save_button)
        form.addRow(row2)

        # -- tabs ---------------------------------------------------------------------------
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Incident details")
        self.journal_view = QTextBrowser()
        self.journal_view.setAccessibleName("Journal")
        self.journal_view.setOpenLinks(False)  # a file's link opens the file
        self.journal_view.anchorClicked.connect(self._journal_link)
        self.journal_kind = QComboBox()
        self.journal_kind.setAccessibleName("Journal entry kind")
        self.journal_kind.addItem("Work note (internal)", JournalKind.WORK_NOTE.value)
        self.journal_kind.addItem("Comment (caller sees it)", JournalKind.COMMENT.value)
        self.journal_edit = JournalEdit()
        self.journal_edit.image_pasted.connect(self._image_pasted)
        self.entry_files = EntryFiles()
        self.journal_edit.files_dropped.connect(self.entry_files.add_paths)
        self.journal_edit.setAccessibleName("New journal entry")
        self.journal_edit.setPlaceholderText(
            "Type a note; Ctrl+V pastes a screenshot with it; Ctrl+Enter adds it"
        )
        self.journal_edit.setMaximumHeight(90)
        self.journal_edit.setTabChangesFocus(True)
        add_note = QPushButton("Add (Ctrl+Enter)")
        add_note.clicked.connect(self.add_note)
        self.add_note_button = add_note
        jt = QWidget()
        jl = QVBoxLayout(jt)
        jl.addWidget(self.journal_view, 1)
        self.journal_minutes = QSpinBox()
        self.journal_minutes.setAccessibleName("Time worked")
        self.journal_minutes.setRange(0, 7 * 24 * 60)
        self.journal_minutes.setSuffix(" min")
        self.journal_minutes.setSpecialValueText("no time")
        self.journal_minutes.setToolTip("The time you worked on what the note records")
        self.time_label = QLabel()
        self.time_label.setAccessibleName("Time worked on the incident")
        self.time_label.setWordWrap(True)
        jrow = QHBoxLayout()
        jrow.addWidget(self.journal_kind)
        jrow.addWidget(QLabel("Time worked:"))
        jrow.addWidget(self.journal_minutes)
        jrow.addWidget(self.time_label, 1)
        jrow.addWidget(self.entry_files.attach_button)
        jrow.addWidget(add_note)
        jl.addWidget(self.journal_edit)
        jl.addWidget(self.entry_files)
        jl.addLayout(jrow)
        self.tabs.addTab(jt, "&Journal")
        self.history_table = QTableWidget(0, 5)
        self.history_table.setAccessibleName("History")
        self.history_table.setHorizontalHeaderLabels(["When", "Who", "Field", "Change", "Reason"])
        self.history_table.verticalHeader().hide()
        self.history_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history_table.horizontalHeader().setStretchLastSection(True)
        self.tabs.addTab(self.history_table, "Histor&y")
        self.related_view = QTextBrowser()
        self.related_view.setAccessibleName("Related")
        self.children_list = QListWidget()
        self.children_list.setAccessibleName("Child incidents")
        self.children_list.itemActivated.connect(self._open_item)
        # what the incident affects: the primary (its Service) first, then the others
        self.affected_list = QListWidget()
        self.affected_list.setAccessibleName("Affected services and CIs")
        self.affected_list.currentRowChanged.connect(lambda _r: self._affected_buttons())
        self.affected_pick = QComboBox()
        self.affected_pick.setAccessibleName("Service or CI to add")
        self.affected_add_button = QPushButton("Add")
        self.affected_add_button.setToolTip("The incident also affects the chosen service or CI")
        self.affected_add_button.clicked.connect(self.add_affected)
        self.affected_remove_button = QPushButton("Remove")
        self.affected_remove_button.clicked.connect(self.remove_affected)
        self.affected_primary_button = QPushButton("Make primary")
        self.affected_primary_button.setToolTip("The selected one becomes the incident's Service")
        self.affected_primary_button.clicked.connect(self.make_primary)
        self.related_summary = QLabel("")
        self.related_summary.setAccessibleName("Other open incidents on these services")
        self.related_summary.setWordWrap(True)
        self.related_list = QListWidget()
        self.related_list.setAccessibleName("Other open incidents")
        self.related_list.setToolTip("Return or a double click opens the incident")
        self.related_list.itemActivated.connect(self._open_item)
        rt = QWidget()
        rl = QHBoxLayout(rt)
        left = QVBoxLayout()
        left.addWidget(self.related_view, 2)
        left.addWidget(QLabel("Child incidents:"))
        left.addWidget(self.children_list, 1)
        right = QVBoxLayout()
        affects = QLabel("&Affects:")
        affects.setBuddy(self.affected_list)
        right.addWidget(affects)
        right.addWidget(self.affected_list, 1)
        pick_row = QHBoxLayout()
        pick_row.addWidget(self.affected_pick, 1)
        pick_row.addWidget(self.affected_add_button)
        right.addLayout(pick_row)
        edit_row = QHBoxLayout()
        edit_row.addStretch(1)
        edit_row.addWidget(self.affected_primary_button)
        edit_row.addWidget(self.affected_remove_button)
        right.addLayout(edit_row)
        right.addWidget(self.related_summary)
        right.addWidget(self.related_list, 2)
        rl.addLayout(left, 3)
        rl.addLayout(right, 2)
        self.tabs.addTab(rt, "Re&lated")
        self.tasks_tab = TasksTab(desk, actor, runner, self)
        self.tasks_tab.changed.connect(self.reload)
        self.tabs.addTab(self.tasks_tab, "Tas&ks")
        self.attachments_tab = AttachmentsTab(desk, actor, runner, self)
        self.attachments_tab.changed.connect(self.reload)
        self.attachments_tab.refused.connect(self._show_error)
        self.tabs.addTab(self.attachments_tab, "Attach&ments")
        self.setAcceptDrops(True)  # files dropped on the window are attached
        self.sla_view = QTextBrowser()
        self.sla_view.setAccessibleName("SLA clocks and pauses")
        self.tabs.addTab(self.sla_view, "SL&A")

        central = QWidget()
        cl = QVBoxLayout(central)
        cl.addLayout(head)
        cl.addLayout(clocks)
        cl.addSpacing(6)
        banner_row = QHBoxLayout()
        banner_row.addWidget(self.banner_sign, 0, Qt.AlignmentFlag.AlignTop)
        banner_row.addWidget(self.banner, 1)
        banner_row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        cl.addLayout(banner_row)
        cl.addLayout(form)
        cl.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        # -- actions -------------------------------------------------------------------------
        self.toolbar = QToolBar("Actions")
        self.toolbar.setObjectName("incident-actions")
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        self.actions_by_name: dict[str, QAction] = {}
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(self.toolbar.iconSize() * 0.75)
        for spec in ACTIONS:
            action = QAction(spec.text.replace("&", ""), self)
            action.setShortcut(QKeySequence(spec.shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _c=False, n=spec.name: self.trigger(n))
            action.setEnabled(False)
            theme, standard = ACTION_ICONS.get(
                spec.name, ("", QStyle.StandardPixmap.SP_CommandLink)
            )
            action.setIcon(QIcon.fromTheme(theme, self.style().standardIcon(standard)))
            if (
                spec.name in TOOLBAR_TEXT
            ):  # a shorter word on the button; the full name in its tooltip
                action.setIconText(TOOLBAR_TEXT[spec.name])
            self.actions_by_name[spec.name] = action
        for n, group in enumerate(TOOLBAR_GROUPS):  # work, move, finish: a separator between
            if n:
                self.toolbar.addSeparator()
            for name in group:
                if name in self.actions_by_name:
                    self.toolbar.addAction(self.actions_by_name[name])
        for action in self.actions_by_name.values():  # an action no group names: at the end
            if action not in self.toolbar.actions():
                self.toolbar.addAction(action)
        self.review_action: QAction | None = None
        self.last_review: ReviewWizard | None = None
        if can(actor.role, Permission.REVIEW):  # a supervisor may review any incident
            self.review_action = QAction("Post-incident review…", self)
            self.review_action.setIconText("Review")
            self.review_action.setToolTip("Start or resume this incident's post-incident review")
            self.review_action.triggered.connect(self.open_review)
        # learning from it: a separate group after the lifecycle's
        self.toolbar.addSeparator()
        if self.review_action is not None:
            self.toolbar.addAction(self.review_action)
        self.problem_action = QAction("Create problem…", self)
        self.problem_action.setIconText("Problem")
        self.problem_action.setToolTip("Create a problem record from this incident")
        self.problem_action.triggered.connect(self.create_problem)
        self.toolbar.addAction(self.problem_action)
        self.problem_dialog: QWidget | None = None
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        QShortcut(QKeySequence("F5"), self, self.reload)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(
                QKeySequence(keys),
                self.journal_edit,
                self.add_note,
                context=Qt.ShortcutContext.WidgetShortcut,
            )

        desk_ = desk
        runner.run(
            lambda: load_lookups(desk_), self._lookups_loaded, key=f"incident-lookups-{id(self)}"
        )
        self._clock_timer = QTimer(self)  # the clocks count down like the queue's SLA column
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self._fill_clocks)
        self._clock_timer.start()
        self.reload()

    def _name(self) -> str:
        return self.record.number if self.record is not None else "the incident"

    # -- loading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        desk, incident_id = self.desk, self.incident_id
        known = frozenset(self.attachments_tab.model.thumbs)  # their bytes are not read again
        self.runner.run(
            lambda: load_details(desk, incident_id, known),
            self._loaded,
            self._load_failed,
            key=f"incident-{id(self)}",
        )

    def changed_elsewhere(self) -> None:
        self._changed_elsewhere = True
        self.reload()

    def _load_failed(self, exc: DeskError) -> None:
        self._show_error(f"Could not load: {exc}")

    def _lookups_loaded(self, lookups: Lookups) -> None:
        self._lookups = lookups
        self.tasks_tab.groups = lookups.groups
        for s in lookups.services:
            self.service_edit.addItem(s.name, s.id)
            kind = " (configuration item)" if s.kind == "ci" else ""
            self.affected_pick.addItem(s.name + kind, s.id)
        for c in lookups.categories:
            self.category_edit.addItem(c.path, c.id)
        self._fill_levels(lookups.matrix)

    def matrix_changed(self) -> None:
        """A new priority matrix was saved (here or on another workstation): the impact and
        urgency levels it defines, and the incident as it is now (its priority, if it moved)."""
        desk = self.desk
        self.runner.run(
            lambda: queries.matrix(desk), self._fill_levels, key=f"incident-matrix-{id(self)}"
        )
        self.reload()

    def _fill_levels(self, matrix: PriorityMatrix) -> None:
        if self._lookups is not None and self._lookups.matrix is not matrix:
            self._lookups = dataclasses.replace(self._lookups, matrix=matrix)
        for combo, levels in (
            (self.impact_edit, matrix.impact_levels()),
            (self.urgency_edit, matrix.urgency_levels()),
        ):
            current = combo.currentData()  # what the record or the user put there: kept
            combo.blockSignals(True)
            combo.clear()
            for n, label in levels:
                combo.addItem(label, n)
            if current is not None and combo.findData(current) < 0:
                combo.addItem(str(current), current)  # a level this matrix no longer has
            if current is not None:
                combo.setCurrentIndex(combo.findData(current))
            combo.blockSignals(False)
        if self.record is not None:
            self._fill_fields(self.record, only_clean=True)
            self._fill_header(self.record)

    def _loaded(self, details: Details) -> None:
        record = details.record
        dirty = self.dirty_fields()
        elsewhere = (
            self._changed_elsewhere
            and self.record is not None
            and record.version != self.record.version
        )
        self._changed_elsewhere = False
        self.record = record
        if self.base is None or not dirty:
            self._set_base(record)
        else:  # the clean editors are refilled below: their base is the new record
            for field in self._editors():
                if field not in dirty:
                    self.base_values[field] = self._record_value(record, field)
        self.setWindowTitle(f"{record.number} — {record.title}")
        self._fill_header(record)
        self._fill_fields(record, only_clean=True, dirty=dirty)
        self.attachments_tab.fill(record.id, details.attachments, details.images)
        self._fill_journal(details.journal, details)
        self._fill_history(details.history)
        self._fill_related(record, details.children, details.known_error)
        self._fill_affected(details)
        self._fill_sla(record, details.pauses)
        self.tasks_tab.fill(record, details.tasks)
        self.time_label.setText(time_text(details.time))
        self._update_actions()
        if elsewhere and dirty:
            self._show_banner(
                "Someone else changed this incident while you edit it. Your typing is kept; "
                "saving will show both sides to merge."
            )
        elif elsewhere:
            self._show_banner("Updated: someone else changed this incident.")
        self.reloaded.emit()

    _notice_error = False
    _error_field: str | None = (
        None  # the field a refusal was about: its message goes when it changes
    )
    _error_value: Any = None

    def _show_banner(self, text: str, *, error: bool = False) -> None:
        self._notice = text
        self._notice_error = error
        self._error_field = None
        self._render_banner()

    def _show_error(self, text: str, field: str | None = None) -> None:
        """A refusal: the error look (colour and sign), the cursor in the field it is about."""
        self._show_banner(text, error=True)
        if field is not None and field in self._editors():
            self._error_field, self._error_value = field, self.editor_value(field)
            self._editors()[field].setFocus()

    def _hide_banner(self) -> None:
        self._notice = ""
        self._notice_error = False
        self._error_field = None
        self._render_banner()

    def _render_banner(self) -> None:
        """The notice, then each write that waits for the database (with a Retry button); an
        error or a write that waits looks like every error of the desk (colour and sign)."""
        error = self._notice_error or bool(self._problems)
        lines = [self._notice] if self._notice else []
        lines += [text for text, _retry in self._problems.values()]
        text = "\n".join(lines)
        self.banner.setText(text)
        self.banner.setPalette(self.palette())
        self.banner.setFont(self.font())
        if error:
            error_look(self.banner)
        self.banner_sign.setVisible(error and bool(lines))
        self.banner.setVisible(bool(lines))
        self.retry_button.setVisible(bool(self._problems))

    def _field_error_fixed(self) -> None:
        """The field a refusal was about was changed (a title, to a valid one): its message goes."""
        field = self._error_field
        if field is None or self.editor_value(field) == self._error_value:
            return
        if field == "title":
            n = len(str(self.editor_value("title")).strip())
            if not 0 < n <= incidents.MAX_TITLE:
                return
        self._hide_banner()

    def _problem(self, key: str, text: str, retry: Callable[[], None]) -> None:
        self._problems[key] = (text, retry)
        self._render_banner()

    def _solved(self, key: str) -> None:
        if self._problems.pop(key, None) is not None:
            self._render_banner()

    def retry(self) -> None:
        """Write again what the database refused (the unsaved fields, the note), as it is now."""
        for _text, again in list(self._problems.values()):
            again()

    def reconnected(self) -> None:
        """The database answers again: read what could not be read while it was away."""
        if self._lookups is None:
            desk_ = self.desk
            self.runner.run(
                lambda: load_lookups(desk_),
                self._lookups_loaded,
                key=f"incident-lookups-{id(self)}",
            )
        self.reload()

    def _fill_header(self, r: IncidentRecord) -> None:
        self.number_label.setText(r.number + ("  ★ major" if r.major else ""))
        self.priority_label.setText(r.priority_label)
        pal = self.priority_label.palette()
        levels = self._lookups.matrix.priorities if self._lookups is not None else 5
        colors = self._lookups.colors if self._lookups is not None else ()
        pal.setColor(
            self.priority_label.foregroundRole(), priority_color(r.priority, levels, colors)
        )
        self.priority_label.setPalette(pal)
        hold = f" ({HoldReason(r.hold_reason).label})" if r.hold_reason else ""
        self.state_label.setText(r.state.label + hold)
        self.owner_label.setText(
            f"{r.group_name or 'no group'} (line {r.support_line}) · {r.assignee_name or 'unassigned'}"
        )
        self._fill_clocks()
        self.caller_label.setText(r.caller_name or "(no caller)")

    def _fill_clocks(self) -> None:
        """Both SLA clocks, worded like the queue's SLA cell; counts down with the wall clock."""
        r = self.record
        if r is None:
            return
        now = self.desk.now()
        for label, status, what in (
            (self.response_label, r.response, "Response"),
            (self.resolution_label, r.resolution, "Resolution"),
        ):
            label.setText(clock_text(status, what, now, self.desk.zone))
            label.setToolTip(clock_tooltip(status, what))
            look = clock_sla(status, now)
            pal = label.palette()
            color = muted_color() if look.threshold is None else threshold_color(look.threshold)
            pal.setColor(label.foregroundRole(), color)
            label.setPalette(pal)

    # -- fields ------------------------------------------------------------------------------------
    def _editors(self) -> dict[str, QWidget]:
        return {
            "title": self.title_edit,
            "description": self.description_edit,
            "channel": self.channel_edit,
            "config_item_id": self.service_edit,
            "category_id": self.category_edit,
            "impact": self.impact_edit,
            "urgency": self.urgency_edit,
        }

    @staticmethod
    def _record_value(r: IncidentRecord, field: str) -> Any:
        if field == "config_item_id":
            return r.service_id
        return getattr(r, field)

    def editor_value(self, field: str) -> Any:
        w = self._editors()[field]
        if isinstance(w, QLineEdit):
            return w.text()
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        assert isinstance(w, QComboBox)
        return w.currentData()

    def _set_editor(self, field: str, value: Any) -> None:
        w = self._editors()[field]
        w.blockSignals(True)
        try:
            if isinstance(w, QLineEdit):
                w.setText(value or "")
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(value or "")
            elif isinstance(w, QComboBox):
                idx = w.findData(value)
                if (
                    idx < 0
                    and value is not None
                    and field in ("config_item_id", "category_id", "impact", "urgency")
                ):
                    label = (
                        self.record.service_name
                        if field == "config_item_id" and self.record
                        else None
                    )
                    if field == "category_id" and self.record:
                        label = self.record.category_path
                    w.addItem(label or str(value), value)
                    idx = w.count() - 1
                w.setCurrentIndex(max(idx, 0))
        finally:
            w.blockSignals(False)

    def _set_base(self, record: IncidentRecord) -> None:
        self.base = record
        self.base_values = {field: self._record_value(record, field) for field in self._editors()}

    def dirty_fields(self) -> dict[str, Any]:
        """Fields whose editor differs from what that editor showed before the user's edit."""
        if self.base is None:
            return {}
        out = {}
        for field in self._editors():
            value = self.editor_value(field)
            base = self.base_values.get(field)
            if field in ("title", "description"):
                if (value or "").strip() != (base or "").strip():
                    out[field] = value
            elif value != base:
                out[field] = value
        return out

    def _fill_fields(
        self, r: IncidentRecord, *, only_clean: bool, dirty: dict[str, Any] | None = None
    ) -> None:
        dirty = self.dirty_fields() if dirty is None else dirty
        for field in self._editors():
            if only_clean and field in dirty:
                continue
            self._set_editor(field, self._record_value(r, field))
        facts = IncidentFacts.of(r)
        why = rule_why_not(self.actor, facts, IncidentAction.EDIT)
        for w in self._editors().values():
            w.setEnabled(why is None)
            w.setToolTip("" if why is None else f"Read-only: {why}")
        no_note = rule_why_not(self.actor, facts, IncidentAction.ADD_NOTE)
        self.add_note_button.setEnabled(no_note is None)
        self.add_note_button.setToolTip(no_note or "Add the note to the journal (Ctrl+Enter)")
        self._edited()

    def _edited(self, *_args: object) -> None:
        self._field_error_fixed()
        dirty = bool(self.dirty_fields())
        if not dirty:
            self._solved("save")  # nothing left to save (reverted, or saved after all)
        self.save_button.setEnabled(dirty and not self._saving)
        self.revert_button.setEnabled(dirty)
        if self.record is not None:
            self.setWindowTitle(
                f"{'* ' if dirty else ''}{self.record.number} — {self.record.title}"
            )

    def revert(self) -> None:
        if self.record is not None:
            self._set_base(self.record)
            self._fill_fields(self.record, only_clean=False)
            self._hide_banner()

    def create_problem(self) -> None:
        """A problem record for this incident, linked to it (Related names it after)."""
        from app.views.problems import create_problem

        r = self.record
        if r is None:
            return

        def done(problem: Any) -> None:
            self.statusBar().showMessage(f"{problem.number} created, {r.number} linked to it")
            self.reload()

        self.problem_dialog = create_problem(
            self, self.desk, self.actor, self.runner, [r.id], r.title, done
        )

    def open_review(self) -> None:
        wizard = ReviewWizard(self.desk, self.actor, self.runner, self.incident_id, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_review = wizard
        wizard.show()

    def save(self) -> None:
        dirty = self.dirty_fields()
        if not dirty or self._saving or self.base is None:
            return
        desk, actor, incident_id = self.desk, self.actor, self.incident_id
        version = self.base.version
        latest = self.record
        if (
            latest is not None
            and latest.version != version
            and not any(self._record_value(latest, f) != self.base_values.get(f) for f in dirty)
        ):
            # the other side changed only fields this user left alone (shown in their editors,
            # not sent): the save goes on the incident as it is now
            version = latest.version
        changes = dict(dirty)
        if "impact" in dirty or "urgency" in dirty:  # the matrix needs both
            changes["impact"] = int(self.editor_value("impact"))
            changes["urgency"] = int(self.editor_value("urgency"))

        def work() -> IncidentRecord:
            # one transaction: all of the form is saved, or none of it
            return incidents.update_fields(desk, actor, incident_id, version, changes)

        self._saving = True
        self.save_button.setEnabled(False)
        self.runner.run(
            work, self._saved, self._save_failed, write=True, what=f"the changes to {self._name()}"
        )

    def _saved(self, record: IncidentRecord) -> None:
        self._saving = False
        self._set_base(record)
        self.record = record
        self._solved("save")
        self._hide_banner()
        self._fill_fields(record, only_clean=False)
        self.reload()

    def _save_failed(self, exc: DeskError) -> None:
        self._saving = False
        self._edited()
        if isinstance(exc, ConflictError):
            self.resolve_conflict(exc)
        elif isinstance(exc, EnvironmentProblem):
            self._problem(
                "save",
                f"Not saved: {exc} Your changes are kept: Retry or Ctrl+S saves them.",
                self.save,
            )
        else:
            self._show_error(str(exc), self._field_of(exc))

    def _field_of(self, exc: DeskError) -> str | None:
        """Bad input: the editor the message is about (the cursor goes there)."""
        field = exc.field if isinstance(exc, ValidationError) else None
        aliases = {"category": "category_id", "service": "config_item_id"}
        name = aliases.get(field or "", field or "")
        return name if name in self._editors() else None

    def conflict_dialog(self, exc: ConflictError) -> ConflictDialog:
        dirty = self.dirty_fields()
        mine = {f: (EDIT_FIELDS[f], self._text_of(f, v)) for f, v in dirty.items()}
        return ConflictDialog(exc, mine, self, zone=self.desk.zone, now=self.desk.now())

    def resolve_conflict(self, exc: ConflictError, dialog: ConflictDialog | None = None) -> None:
        """Show both sides; merge (keep mine / take theirs per field) or reload. Unsaved text stays."""
        dialog = dialog or self.conflict_dialog(exc)
        self.last_conflict_dialog = dialog
        dialog.finished.connect(lambda _r: self._conflict_chosen(dialog))
        dialog.open()

    def _conflict_chosen(self, dialog: ConflictDialog) -> None:
        if dialog.choice == 0:
            self._show_error(
                "Not saved: someone else changed this incident. Save again to merge, or Revert."
            )
            return
        keep = dialog.keep_mine() if dialog.choice == ConflictDialog.MERGE else set()
        mine = self.dirty_fields()
        desk, incident_id = self.desk, self.incident_id

        def apply(details: Details) -> None:
            latest = details.record
            # the editors this user left alone take the latest values first; only then is the
            # latest version the base (before, their old text would read as this user's edit)
            self._loaded(details)
            self._set_base(latest)
            if dialog.choice == ConflictDialog.RELOAD:
                self._fill_fields(latest, only_clean=False)
                self._hide_banner()
                return
            for field, value in mine.items():
                if field in dialog.contested() and field not in keep:
                    self._set_editor(field, self._record_value(latest, field))  # take theirs
                else:
                    self._set_editor(field, value)
            self._edited()
            self.save()

        self.runner.run(
            lambda: load_details(desk, incident_id),
            apply,
            self._load_failed,
            key=f"incident-{id(self)}",
        )

    def _text_of(self, field: str, value: Any) -> str:
        if field in ("config_item_id", "category_id", "channel", "impact", "urgency"):
            w = self._editors()[field]
            assert isinstance(w, QComboBox)
            idx = w.findData(value)
            return w.itemText(idx) if idx >= 0 else str(value)
        return str(value or "")

    # -- tabs -----------------------------------------------------------------------------------------
    def _fill_journal(self, entries: list[JournalRecord], details: Details | None = None) -> None:
        files = details.attachments if details is not None else []
        document = self.journal_view.document()
        previews = self.attachments_tab.model.previews if details is not None else {}
        shown = set()
        for a in files:
            preview = previews.get(a.id)
            if preview is not None:
                document.addResource(
                    QTextDocument.ResourceType.ImageResource.value,
                    QUrl(f"attachment:{a.id}"),
                    preview,
                )
                shown.add(a.id)
        bar = self.journal_view.verticalScrollBar()
        at = bar.value()
        self.journal_view.setHtml(
            journal_html(entries, self.desk.zone, muted_color().name(), files, shown)
        )
        bar.setValue(at)  # a change from elsewhere does not move what the reader looks at
        self.journal_entries = entries

    def _journal_link(self, url: QUrl) -> None:
        """A file in the journal was clicked: it opens (the Attachments tab saves it too)."""
        if url.scheme() != "attachment" or not url.path().isdigit():
            return
        found = next((a for a in self.attachments_tab.model.rows if a.id == int(url.path())), None)
        if found is not None:
            self.attachments_tab.open_record(found)

    def _fill_history(self, rows: list[AuditRecord]) -> None:
        cells = history_cells(rows, self.desk.zone)
        self.history_table.setRowCount(len(cells))
        for r, (row, a) in enumerate(zip(cells, reversed(rows), strict=True)):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c == 3 and a.field != "created":  # the whole of a long value (a description)
                    item.setToolTip(f"{a.old_text or '—'}\n→\n{a.new_text or '—'}")
                self.history_table.setItem(r, c, item)
        self.history_table.resizeColumnsToContents()
        self.history_rows = rows

    def _fill_related(
        self,
        r: IncidentRecord,
        children: list[QueueRow],
        known_error: KnownErrorRecord | None = None,
    ) -> None:
        self.related_view.setHtml(related_html(r, known_error))
        self.children_list.clear()
        for c in children:
            self.children_list.addItem(f"{c.number} · {c.state.label} · {c.title}")

    def _fill_affected(self, details: Details) -> None:
        row = self.affected_list.currentRow()
        self.affected_list.clear()
        for a in details.affected:
            text = a.name + (" · primary" if a.primary else f" · {a.kind_label}")
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, a.id)
            self.affected_list.addItem(item)
        if 0 <= row < self.affected_list.count():
            self.affected_list.setCurrentRow(row)
        self.affected_items = details.affected
        lines = [o.summary for o in details.others]
        self.related_summary.setText(
            "\n".join(lines) if lines else "No service or CI listed: add the ones it affects."
        )
        self.related_list.clear()
        for on in details.others:
            for o in on.incidents:
                star = " ★ major" if o.major else ""
                item = QListWidgetItem(
                    f"{o.number}{star} · {o.priority_label} · {o.state_label} · {o.title} "
                    f"(on {on.item.name})"
                )
                item.setData(Qt.ItemDataRole.UserRole, o.id)
                self.related_list.addItem(item)
            if on.count > len(on.incidents):
                more = QListWidgetItem(
                    f"… and {on.count - len(on.incidents)} more on {on.item.name}"
                )
                more.setFlags(Qt.ItemFlag.NoItemFlags)
                self.related_list.addItem(more)
        self._affected_buttons()

    def _affected_buttons(self) -> None:
        r = self.record
        why = (
            None
            if r is None
            else rule_why_not(self.actor, IncidentFacts.of(r), IncidentAction.EDIT)
        )
        item = self.affected_list.currentItem()
        chosen = item is not None and why is None
        primary = item is not None and item.text().endswith(" · primary")
        for w in (self.affected_pick, self.affected_add_button):
            w.setEnabled(r is not None and why is None)
            w.setToolTip("" if why is None else f"Read-only: {why}")
        self.affected_remove_button.setEnabled(chosen)
        self.affected_primary_button.setEnabled(chosen and not primary)

    def _open_item(self, item: QListWidgetItem) -> None:
        incident_id = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(incident_id, int):
            self.open_requested.emit(incident_id)

    def _affected_write(self, what: str, call: Callable[[], IncidentRecord]) -> None:
        self.runner.run(
            call, self._acted, self._action_failed, write=True, what=f"{what} on {self._name()}"
        )

    def add_affected(self) -> None:
        item_id = self.affected_pick.currentData()
        if item_id is None:
            return
        desk, actor, iid = self.desk, self.actor, self.incident_id
        self._affected_write(
            "the affected service",
            lambda: incidents.add_affected(desk, actor, iid, None, int(item_id)),
        )

    def _selected_affected(self) -> int | None:
        item = self.affected_list.currentItem()
        value = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return int(value) if isinstance(value, int) else None

    def remove_affected(self) -> None:
        item_id = self._selected_affected()
        if item_id is None:
            return
        desk, actor, iid = self.desk, self.actor, self.incident_id
        self._affected_write(
            "taking off the affected service",
            lambda: incidents.remove_affected(desk, actor, iid, None, item_id),
        )

    def make_primary(self) -> None:
        item_id = self._selected_affected()
        if item_id is None:
            return
        desk, actor, iid = self.desk, self.actor, self.incident_id
        self._affected_write(
            "the primary service",
            lambda: incidents.make_primary(desk, actor, iid, None, item_id),
        )

    def related_changed(self) -> None:
        """Another incident changed: the other open incidents on these services may have."""
        desk, iid = self.desk, self.incident_id
        self.runner.run(
            lambda: affected.others_on(desk, iid),
            self._others_loaded,
            key=f"incident-others-{id(self)}",
        )

    def _others_loaded(self, others: list[OnService]) -> None:
        if self.record is not None:
            self._fill_affected(
                Details(self.record, [], [], [], [], affected=self.affected_items, others=others)
            )

    def _fill_sla(self, r: IncidentRecord, pauses: list[PauseRecord]) -> None:
        self.sla_view.setHtml(sla_html(r, pauses, self.desk.now(), self.desk.zone))

    def add_note(self) -> None:
        text = self.journal_edit.toPlainText()
        pending = self.entry_files.pending()
        if not text.strip() and not pending:
            self._solved("note")
            return
        if self._adding_note:  # one at a time: a second Ctrl+Enter does not add it twice
            return
        self._adding_note = True
        desk, actor, incident_id = self.desk, self.actor, self.incident_id
        kind = str(self.journal_kind.currentData())
        seconds = self.journal_minutes.value() * 60

        def work() -> JournalRecord:
            files = [(p.name, p.read()) for p in pending]  # read here, off the GUI thread
            return incidents.add_journal(desk, actor, incident_id, kind, text, seconds, files)

        self.runner.run(
            work,
            lambda entry: self._note_added(entry, text, pending),
            self._note_failed,
            write=True,
            what=f"the note on {self._name()}",
        )

    def _note_added(
        self, _entry: JournalRecord, text: str, sent: list[PendingFile] | None = None
    ) -> None:
        self._adding_note = False
        self._solved("note")
        if self._notice_error and self._notice == self._note_refusal:
            self._hide_banner()  # the entry is in: its refusal is no longer news
        self.entry_files.saved(sent or [])
        if self.journal_edit.toPlainText() == text:  # what was typed meanwhile stays
            self.journal_edit.clear()
            self.journal_minutes.setValue(0)
        self.reload()

    def _note_failed(self, exc: DeskError) -> None:
        self._adding_note = False
        if isinstance(exc, EnvironmentProblem):
            self._problem(
                "note",
                f"Note not added: {exc} The note is kept: Retry or Ctrl+Enter adds it.",
                self.add_note,
            )
        else:
            self._note_refusal = str(exc)
            self._show_error(str(exc))

    _note_refusal = ""  # why the last note was refused (a file over the limit)

    # -- actions -----------------------------------------------------------------------------------
    def _update_actions(self) -> None:
        if self.record is None:
            return
        no_problem = rule_why_not(
            self.actor, IncidentFacts.of(self.record), IncidentAction.LINK_RELATED
        )
        self.problem_action.setEnabled(no_problem is None)
        self.problem_action.setToolTip(
            "A problem record for this incident's cause, the incident linked to it"
            if no_problem is None
            else f"Create problem…\nUnavailable: {no_problem}"
        )
        for spec in ACTIONS:
            action = self.actions_by_name[spec.name]
            reason = why_not(spec, self.actor, self.record)
            if spec.name == "major":
                action.setText("Unmark major" if self.record.major else "Mark major")
            action.setEnabled(reason is None)
            tip = f"{action.text()} ({spec.shortcut})"
            action.setToolTip(tip if reason is None else f"{tip}\nUnavailable: {reason}")
            action.setStatusTip("" if reason is None else reason)

    def trigger(self, name: str) -> ActionDialog | None:
        """Run the action `name` (opening its dialog when it needs one); returns the dialog."""
        r = self.record
        if r is None:
            return None
        spec = next(s for s in ACTIONS if s.name == name)
        reason = why_not(spec, self.actor, r)
        if reason is not None:
            self._show_error(reason)
            return None
        desk, actor, iid, version = self.desk, self.actor, r.id, r.version
        direct: dict[str, Callable[[], IncidentRecord]] = {
            "assign_to_me": lambda: incidents.assign_to_me(desk, actor, iid, version),
            "resume": lambda: incidents.resume(desk, actor, iid, version),
            "major": lambda: incidents.mark_major(desk, actor, iid, version, not r.major),
        }
        if name in direct:
            self.runner.run(
                direct[name],
                self._acted,
                self._action_failed,
                write=True,
                what=f"{spec.text.replace('&', '').rstrip('…')} on {r.number}",
            )
            return None
        dialog = action_dialog(
            name,
            r,
            desk=self.desk,
            actor=self.actor,
            runner=self.runner,
            groups=self._lookups.groups if self._lookups else [],
            parent=self,
        )
        dialog.acted.connect(self._acted)
        dialog.conflict.connect(lambda _e: self.reload())
        self.last_dialog = dialog
        dialog.open()
        return dialog

    def _acted(self, record: IncidentRecord) -> None:
        self.record = record
        if not self.dirty_fields():
            self._set_base(record)
        self._fill_header(record)
        self._update_actions()
        self.reload()

    def _action_failed(self, exc: DeskError) -> None:
        if isinstance(exc, ConflictError):
            self._show_error(f"{exc} The incident was reloaded: try again.")
            self.reload()
        else:
            show_problem(self, str(exc))

    # -- attachments ---------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        files = [p for p in paths if p.is_file()]
        if files:
            event.acceptProposedAction()
            self.attachments_tab.add_files(files)

    def _image_pasted(self, image: QImage) -> None:
        """A screenshot pasted into the entry: it goes with the entry when it is added."""
        stamp = self.desk.now().astimezone(self.desk.zone).strftime("%Y%m%d-%H%M%S")
        taken = set(self.entry_files.names())
        name, n = f"screenshot-{stamp}.png", 1
        while name in taken:  # two pasted in one second keep apart
            n += 1
            name = f"screenshot-{stamp}-{n}.png"
        self.entry_files.add_image(image, name)

    # -- closing ------------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        waiting = self.entry_files.pending()
        if (self.dirty_fields() or waiting) and not getattr(self, "discard_ok", False):
            what = "changes that are not saved"
            if waiting:
                what = f"{len(waiting)} file(s) waiting for the journal entry" + (
                    " and changes that are not saved" if self.dirty_fields() else ""
                )
            answer = QMessageBox.question(
                self, "Unsaved changes", f"This incident has {what}. Close anyway?"
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.closed.emit()
        super().closeEvent(event)
