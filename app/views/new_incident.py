"""Logging a new incident during a call, keyboard only.

Caller look-up as you type (new caller inline), channel, category (routes to its default group),
service, impact and urgency with the priority and its SLA targets shown live, title, description;
a side panel lists similar incidents and known errors while the agent types (debounced, off the
GUI thread). Alt+1..9 links the n-th hit as parent, or applies a known error's workaround.
"Resolve on first contact" resolves in the same step. Ctrl+Enter logs. A validation message shows
next to its field and nothing typed is lost.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain.affected import MajorOnService
from app.domain.errors import DeskError, EnvironmentProblem, ValidationError
from app.domain.lifecycle import ResolutionCode
from app.domain.matrix import PriorityMatrix
from app.domain.records import (
    CallerMatch,
    CallerMatches,
    CategoryRecord,
    Channel,
    IncidentRecord,
    SearchHit,
    ServiceRecord,
    SlaTargetsRecord,
)
from app.domain.similar import SimilarEntry, rank_similar
from app.domain.sla import Threshold
from app.domain.wording import plural
from app.services import affected, callers, catalog, incidents, queries
from app.services.context import Actor, Desk
from app.views.colors import (
    ERROR_SIGN,
    error_look,
    error_words,
    muted_color,
    plain_words,
    priority_color,
    threshold_color,
)
from app.views.mnemonics import link_form_buddies
from app.views.tasks import TaskRunner

SIMILAR_DEBOUNCE_MS = 250
CALLER_DEBOUNCE_MS = 120
CALLER_ID_ROLE = Qt.ItemDataRole.UserRole + 1
CALLER_NAME_ROLE = Qt.ItemDataRole.UserRole + 2  # what the caller field shows once picked
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 3  # a similar-panel item's entry


@dataclass(frozen=True)
class FormData:
    categories: list[CategoryRecord]
    services: list[ServiceRecord]
    matrix: PriorityMatrix


def _error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(f"error_{name}")
    label.setAccessibleName(f"{name} problem")
    label.setWordWrap(True)
    error_look(label)
    label.hide()
    return label


class NewIncidentDialog(QDialog):
    logged = Signal(object)  # IncidentRecord

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New incident")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.caller_id: int | None = None
        self.caller_text = ""
        self.parent_id: int | None = None
        self.parent_number: str | None = None
        self.known_error_id: int | None = None
        self.record: IncidentRecord | None = None
        self._categories: list[CategoryRecord] = []
        self._hits: list[SearchHit] = []
        self._saving = False
        self._errors: dict[str, QLabel] = {}

        # -- caller -----------------------------------------------------------------------
        self.caller = QLineEdit()
        self.caller.setAccessibleName("Caller")
        self.caller.setPlaceholderText("Type a name, e-mail, phone or employee id…")
        self._caller_model = QStandardItemModel(self)
        self.completer = QCompleter(self._caller_model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionRole(CALLER_NAME_ROLE)
        self.completer.setMaxVisibleItems(12)
        self.caller.setCompleter(self.completer)
        self.completer.activated[QModelIndex].connect(self._caller_picked)  # type: ignore[index]
        self._caller_timer = QTimer(self, singleShot=True, interval=CALLER_DEBOUNCE_MS)
        self._caller_timer.timeout.connect(self._look_up_callers)
        self.caller.textEdited.connect(self._caller_edited)
        self.caller_info = QLabel("No caller chosen")
        self.caller_info.setAccessibleName("Chosen caller")
        self.new_caller_button = QPushButton("New caller…")
        self.new_caller_button.setToolTip("Add the typed name as a new caller (Ctrl+Shift+N)")
        self.new_caller_button.clicked.connect(self._toggle_new_caller)
        # Return in the new caller's fields adds the caller (returnPressed): no button of the
        # form may take it as the dialog's default too (it would open the box again)
        self.new_caller_button.setAutoDefault(False)
        self.new_caller_box = QFrame()
        self.new_caller_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.new_caller_name = QLineEdit()
        self.new_caller_name.setAccessibleName("New caller name")
        self.new_caller_email = QLineEdit()
        self.new_caller_email.setAccessibleName("New caller e-mail")
        self.new_caller_department = QLineEdit()
        self.new_caller_department.setAccessibleName("New caller department")
        self.new_caller_employee_id = QLineEdit()
        self.new_caller_employee_id.setAccessibleName("New caller employee id")
        self.new_caller_employee_id.setMaxLength(callers.EMPLOYEE_ID_MAX)
        self.add_caller_button = QPushButton("Add caller")
        self.add_caller_button.clicked.connect(self._add_caller)
        self.add_caller_button.setAutoDefault(False)
        self.new_caller_email.returnPressed.connect(self._add_caller)
        self.new_caller_department.returnPressed.connect(self._add_caller)
        self.new_caller_employee_id.returnPressed.connect(self._add_caller)
        ncl = QFormLayout(self.new_caller_box)
        ncl.addRow("Name:", self.new_caller_name)
        ncl.addRow("E-mail:", self.new_caller_email)
        ncl.addRow("Department:", self.new_caller_department)
        ncl.addRow("Employee id:", self.new_caller_employee_id)
        ncl.addRow("", self.add_caller_button)
        self.new_caller_box.hide()

        # -- classification ---------------------------------------------------------------
        self.channel = QComboBox()
        self.channel.setAccessibleName("Channel")
        self.channel.setMinimumWidth(160)
        for ch in Channel:
            self.channel.addItem(ch.label, ch.value)
        self.channel.setCurrentIndex(self.channel.findData(Channel.PHONE.value))
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.addItem("(none)", None)
        self.category.currentIndexChanged.connect(self._category_changed)
        self.route_info = QLabel("")
        self.route_info.setAccessibleName("Routes to group")
        self.service = QComboBox()
        self.service.setAccessibleName("Affected service")
        self.service.setMinimumWidth(260)
        self.service.addItem("(none)", None)
        # the others it affects, beside the primary one: checked in a short list
        self.also_affects = QListWidget()
        self.also_affects.setAccessibleName("Also affects")
        self.also_affects.setToolTip("Space ticks a service or CI the incident also affects")
        self.also_affects.setMaximumHeight(72)
        self.also_affects.itemChanged.connect(lambda _i: self._look_up_majors())
        self.service.currentIndexChanged.connect(lambda _i: self._look_up_majors())
        # an open major incident on the chosen services: named, with the offer to be its child
        self.majors: list[MajorOnService] = []
        self.major_warning = QLabel()
        self.major_warning.setAccessibleName("Open major incident")
        self.major_warning.setWordWrap(True)
        pal = self.major_warning.palette()
        pal.setColor(self.major_warning.foregroundRole(), threshold_color(Threshold.AT_RISK))
        self.major_warning.setPalette(pal)
        bold = self.major_warning.font()
        bold.setBold(True)
        self.major_warning.setFont(bold)
        # the whole row's width, and the height its wrapped lines need
        self.major_warning.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.link_major = QCheckBox()
        self.link_major.setAccessibleName("Link as a child of the major incident")
        self.link_major.toggled.connect(lambda _on: self._show_links())
        self.major_box = QWidget()
        mb = QVBoxLayout(self.major_box)
        mb.setContentsMargins(0, 0, 0, 0)
        mb.setSpacing(2)
        mb.addWidget(self.major_warning)
        mb.addWidget(self.link_major)
        self.major_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.major_box.hide()
        self.impact = QComboBox()
        self.impact.setAccessibleName("Impact")
        self.urgency = QComboBox()
        self.urgency.setAccessibleName("Urgency")
        for combo in (self.impact, self.urgency):
            # the levels of the active priority matrix, filled when the form data arrives
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._priority_inputs_changed)
            combo.activated.connect(self._levels_chosen)
        self.priority_info = QLabel("…")
        self.priority_info.setAccessibleName("Priority and SLA targets")
        self.priority_info.setWordWrap(False)
        font = self.priority_info.font()
        font.setBold(True)
        self.priority_info.setFont(font)

        # -- text ---------------------------------------------------------------------------
        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        # no max length: a pasted long title is never cut silently; the form says how much too long
        self.title.textChanged.connect(self._title_changed)
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(90)
        self._similar_timer = QTimer(self, singleShot=True, interval=SIMILAR_DEBOUNCE_MS)
        self._similar_timer.timeout.connect(self._look_up_similar)
        self.title.textChanged.connect(lambda _t: self._similar_timer.start())
        self.description.textChanged.connect(self._similar_timer.start)

        # -- first contact -----------------------------------------------------------------
        self.first_contact = QCheckBox("&Resolve on first contact")
        self.first_contact.setAccessibleName("Resolve on first contact")
        self.resolution_code = QComboBox()
        self.resolution_code.setAccessibleName("Resolution code")
        self.resolution_code.addItem("(choose a code)", None)
        for code in ResolutionCode:
            self.resolution_code.addItem(code.label, code.value)
        self.resolution_notes = QPlainTextEdit()
        self.resolution_notes.setAccessibleName("Resolution notes")
        self.resolution_notes.setTabChangesFocus(True)
        self.resolution_notes.setMaximumHeight(80)
        self.first_contact.toggled.connect(self._first_contact_toggled)
        # a message goes as soon as its field is changed (the title's when it is valid)
        self.description.textChanged.connect(lambda: self._field_changed("description"))
        self.resolution_notes.textChanged.connect(lambda: self._field_changed("resolution_notes"))
        self.resolution_code.currentIndexChanged.connect(
            lambda _i: self._field_changed("resolution_code")
        )
        self.channel.currentIndexChanged.connect(lambda _i: self._field_changed("channel"))
        self.service.currentIndexChanged.connect(lambda _i: self._field_changed("service"))
        self._first_contact_toggled(False)

        # -- layout --------------------------------------------------------------------------
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        caller_row = QHBoxLayout()
        caller_row.addWidget(self.caller, 1)
        caller_row.addWidget(self.new_caller_button)
        form.addRow("&Caller:", self._with_error("caller", caller_row))
        form.addRow("", self.caller_info)
        form.addRow("", self.new_caller_box)
        # what the caller says comes right after who they are: Title is two Tabs from Caller
        form.addRow("&Title:", self._with_error("title", self.title))
        form.addRow("&Description:", self._with_error("description", self.description))
        form.addRow("C&hannel:", self._with_error("channel", self.channel))
        cat_box = QHBoxLayout()
        cat_box.addWidget(self.category, 1)
        cat_box.addWidget(self.route_info)
        form.addRow("Cat&egory:", self._with_error("category", cat_box))
        form.addRow("&Service:", self._with_error("service", self.service))
        form.addRow("Also a&ffects:", self.also_affects)
        form.addRow("", self.major_box)
        iu = QHBoxLayout()
        iu.addWidget(QLabel("&Impact:"))
        iu.itemAt(0).widget().setBuddy(self.impact)  # type: ignore[union-attr]
        iu.addWidget(self.impact)
        urg = QLabel("&Urgency:")
        urg.setBuddy(self.urgency)
        iu.addWidget(urg)
        iu.addWidget(self.urgency)
        iu.addStretch(1)
        form.addRow("", iu)
        form.addRow("Priority:", self.priority_info)
        form.addRow("", self.first_contact)
        form.addRow("Resolution c&ode:", self._with_error("resolution_code", self.resolution_code))
        form.addRow(
            "Resolution &notes:", self._with_error("resolution_notes", self.resolution_notes)
        )
        self.parent_info = QLabel("")
        self.parent_info.setAccessibleName("Linked parent and known error")
        form.addRow("", self.parent_info)
        self.general_error = _error_label("general")
        # the database away: the message, and a retry that sends the same form again
        self.retry_button = QPushButton("Retr&y (Ctrl+Enter)")
        self.retry_button.setAutoDefault(False)
        self.retry_button.setToolTip("Log the incident again, as it is typed now")
        self.retry_button.clicked.connect(self.save)
        self.retry_button.hide()
        problem_row = QHBoxLayout()
        problem_row.addWidget(self.general_error, 1)
        problem_row.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignTop)
        form.addRow(problem_row)

        self.save_button = QPushButton("&Log incident (Ctrl+Enter)")
        self.save_button.setDefault(False)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        cancel = QPushButton("Close")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.addLayout(form)
        ll.addLayout(buttons)

        self.similar = QListWidget()
        self.similar.setAccessibleName("Similar incidents and known errors")
        self.similar.setWordWrap(True)
        self.similar.setResizeMode(QListWidget.ResizeMode.Adjust)  # re-wrap when resized
        self.similar.setAlternatingRowColors(True)
        self.similar.itemActivated.connect(lambda item: self.use_hit(self.similar.row(item)))
        self.similar.currentItemChanged.connect(self._similar_current)
        self._entries: list[SimilarEntry] = []
        side = QWidget()
        sl = QVBoxLayout(side)
        head = QLabel("<b>Similar incidents and known errors</b>")
        sl.addWidget(head)
        self.similar_hint = QLabel(
            "Alt+1…9 (or Enter in the list): link as parent / apply the workaround"
        )
        self.similar_hint.setWordWrap(True)
        pal = self.similar_hint.palette()
        pal.setColor(self.similar_hint.foregroundRole(), muted_color())
        self.similar_hint.setPalette(pal)
        sl.addWidget(self.similar_hint)
        sl.addWidget(self.similar, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)
        self.resize(1080, 700)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.save)
        QShortcut(QKeySequence("Ctrl+Shift+N"), self, self._toggle_new_caller)
        for n in range(1, 10):
            QShortcut(QKeySequence(f"Alt+{n}"), self, lambda n=n: self.use_hit(n - 1))

        link_form_buddies(form)  # every drawn letter reaches its editor
        chain = [
            self.caller,
            self.new_caller_button,
            *self.new_caller_box.findChildren(QWidget),
            self.title,
            self.description,
            self.channel,
            self.category,
            self.service,
            self.also_affects,
            self.link_major,
            self.impact,
            self.urgency,
            self.first_contact,
            self.resolution_code,
            self.resolution_notes,
            self.retry_button,
            cancel,
            self.save_button,
            self.similar,
        ]
        chain = [w for w in chain if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
        for a, b in itertools.pairwise(chain):  # top to bottom, as the form reads
            self.setTabOrder(a, b)
        self.caller.setFocus()
        self._form_loaded = False
        self._levels = 5  # how many priorities the matrix defines (colours), until it arrives
        self._levels_picked = False  # the agent chose impact or urgency: a category keeps them
        self._load_form_data()
        self._priority_inputs_changed()

    def _with_error(self, name: str, inner: QWidget | QHBoxLayout) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if isinstance(inner, QWidget):
            layout.addWidget(inner)
        else:
            layout.addLayout(inner)
        label = _error_label(name)
        self._errors[name] = label
        layout.addWidget(label)
        # rows keep their height (no uneven gaps when the dialog is tall); the texts grow
        grows = isinstance(inner, QPlainTextEdit) and inner.maximumHeight() > 10_000
        box.setSizePolicy(
            QSizePolicy.Policy.Preferred,
            QSizePolicy.Policy.Expanding if grows else QSizePolicy.Policy.Maximum,
        )
        return box

    # -- reference data ---------------------------------------------------------------------
    def _load_form_data(self) -> None:
        desk = self.desk
        self.runner.run(
            lambda: FormData(
                queries.categories(desk), queries.services(desk), queries.matrix(desk)
            ),
            self._form_data,
            key=f"form-data-{id(self)}",
        )

    def reconnected(self) -> None:
        """The database answers again: read what could not be read while it was away."""
        if not self._form_loaded:
            self._load_form_data()
        self._priority_inputs_changed()
        self._look_up_similar()

    def _form_data(self, data: FormData) -> None:
        if self._form_loaded:
            return
        self._form_loaded = True
        self._categories = data.categories
        for c in data.categories:
            self.category.addItem(c.path, c.id)
        for s in data.services:
            self.service.addItem(s.name, s.id)
            kind = " (configuration item)" if s.kind == "ci" else ""
            item = QListWidgetItem(s.name + kind)
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.also_affects.addItem(item)
        self._fill_levels(data.matrix)

    def catalog_changed(self) -> None:
        """Categories or services changed (here or on another workstation): the pickers list
        what is active now; what the agent picked stays picked while it is offered."""
        if not self._form_loaded:
            return
        desk = self.desk
        self.runner.run(
            lambda: (queries.categories(desk), queries.services(desk)),
            self._catalog_read,
            key=f"catalog-{id(self)}",
        )

    def _catalog_read(self, data: tuple[list[CategoryRecord], list[ServiceRecord]]) -> None:
        categories, services = data
        picked_category, picked_service = self.category.currentData(), self.service.currentData()
        ticked = set(self.also_affected())
        self._categories = categories
        for combo, items, picked in (
            (self.category, [(c.path, c.id) for c in categories], picked_category),
            (self.service, [(x.name, x.id) for x in services], picked_service),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("(none)", None)
            for text, key in items:
                combo.addItem(text, key)
            idx = combo.findData(picked)
            combo.setCurrentIndex(max(idx, 0))
            combo.blockSignals(False)
            if idx < 0 and picked is not None:  # it left the catalog: the form says so
                combo.currentIndexChanged.emit(0)
        self.also_affects.blockSignals(True)
        self.also_affects.clear()
        for x in services:
            kind = " (configuration item)" if x.kind == "ci" else ""
            item = QListWidgetItem(x.name + kind)
            item.setData(Qt.ItemDataRole.UserRole, x.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if x.id in ticked else Qt.CheckState.Unchecked)
            self.also_affects.addItem(item)
        self.also_affects.blockSignals(False)

    def matrix_changed(self) -> None:
        """A new priority matrix was saved (here or on another workstation): the impact and
        urgency levels it defines, and the priority the chosen ones give now."""
        desk = self.desk
        self.runner.run(lambda: queries.matrix(desk), self._fill_levels, key=f"matrix-{id(self)}")

    def _fill_levels(self, matrix: PriorityMatrix) -> None:
        self._levels = matrix.priorities
        for combo, levels in (
            (self.impact, matrix.impact_levels()),
            (self.urgency, matrix.urgency_levels()),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for n, label in levels:
                combo.addItem(label, n)
            idx = combo.findData(current)
            combo.setCurrentIndex(idx if idx >= 0 else combo.count() - 1)  # default: the lowest
            combo.blockSignals(False)
        self._priority_inputs_changed()

    def _levels_chosen(self, _index: int) -> None:
        self._levels_picked = True

    def _category_changed(self) -> None:
        cid = self.category.currentData()
        found = next((c for c in self._categories if c.id == cid), None)
        if found is None or found.default_group_name is None:
            self.route_info.setText("")
        else:
            self.route_info.setText(f"→ {found.default_group_name}")
        # the category's impact and urgency, as the desk would start it (unless the agent chose)
        levels = catalog.category_levels(found, self.impact.count(), self.urgency.count())
        for combo, level in zip((self.impact, self.urgency), levels, strict=True):
            idx = combo.findData(level) if level is not None and not self._levels_picked else -1
            if idx >= 0:
                combo.setCurrentIndex(idx)
        self._clear_error("category")

    def _priority_inputs_changed(self) -> None:
        impact, urgency = self.impact.currentData(), self.urgency.currentData()
        if impact is None or urgency is None:
            return
        desk = self.desk
        self.runner.run(
            lambda: queries.priority_for(desk, impact, urgency),
            self._priority_shown,
            lambda exc: self.priority_info.setText(str(exc)),
            key=f"priority-{id(self)}",
        )

    def _priority_shown(self, t: SlaTargetsRecord) -> None:
        self.priority_info.setText(
            f"{t.priority_label}, respond in {t.response_text}, resolve in {t.resolution_text}"
        )
        pal = self.priority_info.palette()
        pal.setColor(self.priority_info.foregroundRole(), priority_color(t.priority, self._levels))
        self.priority_info.setPalette(pal)

    # -- caller --------------------------------------------------------------------------------
    pending_caller: callers.NewCaller | None = None  # added with the incident, not before

    def _caller_edited(self, text: str) -> None:
        if (
            self.caller_id is not None or self.pending_caller is not None
        ) and text != self.caller_text:
            self.caller_id = None
            self.pending_caller = None
            self.caller_info.setText("No caller chosen")
        self._clear_error("caller")
        self._caller_timer.start()

    def _look_up_callers(self) -> None:
        text = self.caller.text().strip()
        if not text or self.caller_id is not None:
            return
        desk, actor = self.desk, self.actor
        self.runner.run(
            lambda: callers.search_callers(desk, actor, text),
            self._callers_found,
            key=f"callers-{id(self)}",
        )

    def _callers_found(self, found: CallerMatches) -> None:
        self._caller_model.clear()
        for m in found.matches:
            c = m.caller
            item = QStandardItem(caller_line(m))
            item.setData(c.id, CALLER_ID_ROLE)
            item.setData(c.display, CALLER_NAME_ROLE)
            item.setToolTip(" · ".join(x for x in (c.email, c.phone) if x))
            self._caller_model.appendRow(item)
        if found.more:
            verb = "matches" if found.more == 1 else "match"
            more = QStandardItem(
                f"{plural(found.more, 'more caller')} {verb}: keep typing to narrow"
            )
            more.setFlags(Qt.ItemFlag.NoItemFlags)  # a note, not a choice
            more.setData(self.caller.text(), CALLER_NAME_ROLE)
            self._caller_model.appendRow(more)
        if found.matches and self.caller.hasFocus():
            self.completer.complete()
        if not found.matches:
            self.caller_info.setText("No such caller: Ctrl+Shift+N adds one")
        elif found.more:
            self.caller_info.setText(
                f"{plural(found.total, 'caller')} match; the first {len(found.matches)} are listed"
            )
        else:
            verb = "matches" if found.total == 1 else "match"
            self.caller_info.setText(f"{plural(found.total, 'caller')} {verb}")

    def _caller_picked(self, index: QModelIndex) -> None:
        caller_id = index.data(CALLER_ID_ROLE)
        if caller_id is None:
            return
        self._set_caller(int(caller_id), str(index.data(CALLER_NAME_ROLE)))

    def _set_caller(self, caller_id: int, display: str) -> None:
        self.caller_id = caller_id
        self.pending_caller = None
        self.caller_text = display
        self.caller.setText(display)
        self.caller_info.setText(f"✓ {display}")
        self._clear_error("caller")

    def _toggle_new_caller(self) -> None:
        if self.new_caller_box.isVisible():
            self.new_caller_box.hide()
            self.caller.setFocus()
            return
        if self.caller_id is None:
            self.new_caller_name.setText(self.caller.text().strip())
        self.new_caller_box.show()
        self.new_caller_email.setFocus()

    def _add_caller(self) -> None:
        """The new caller is written with the incident, in its transaction (the caller with the
        same e-mail address, if one exists, is the one named): a cancelled form leaves nothing
        behind, and pressing Add twice still names one caller."""
        name = " ".join(self.new_caller_name.text().split())
        email = self.new_caller_email.text().strip() or None
        dept = self.new_caller_department.text().strip() or None
        employee_id = self.new_caller_employee_id.text().strip() or None
        if not name:
            self._show_error(ValidationError("A caller needs a name", field="caller"))
            self.new_caller_name.setFocus()
            return
        if email and "@" not in email:
            self._show_error(ValidationError(f"{email!r} is not an e-mail address", field="caller"))
            self.new_caller_email.setFocus()
            return
        display = name + (f" ({dept})" if dept else "")
        self.caller_id = None
        self.pending_caller = callers.NewCaller(
            name, email=email, department=dept, employee_id=employee_id
        )
        self.caller_text = display
        self.caller.setText(display)
        self.caller_info.setText(f"✓ {display}: a new caller, added with the incident")
        self._clear_error("caller")
        self.new_caller_box.hide()
        self.channel.setFocus()

    # -- similar ------------------------------------------------------------------------------
    def _look_up_similar(self) -> None:
        text = f"{self.title.text()} {self.description.toPlainText()}".strip()
        if len(text) < 3:
            return
        desk = self.desk
        self.runner.run(
            lambda: queries.similar(desk, text, 9), self._similar_found, key=f"similar-{id(self)}"
        )

    def _similar_found(self, hits: list[SearchHit]) -> None:
        entries = rank_similar(list(hits), 9)
        self._entries = entries
        self._hits = [e.first for e in entries]
        self.similar.clear()
        for n, entry in enumerate(entries, start=1):
            item = QListWidgetItem(self._entry_text(n, entry, expanded=False))
            item.setData(ENTRY_ROLE, n - 1)
            if entry.known_error:
                item.setToolTip(
                    "Apply this workaround: fills the resolution notes and links the known error\n\n"
                    + (entry.first.workaround or "")
                )
            else:
                item.setToolTip(
                    "Link as parent incident"
                    + (
                        f" ({entry.first.number}, the first of {len(entry.hits)})"
                        if len(entry.hits) > 1
                        else ""
                    )
                )
            self.similar.addItem(item)

    @staticmethod
    def _entry_text(n: int, entry: SimilarEntry, *, expanded: bool) -> str:
        body = entry.body(expanded=expanded).replace("\n", "\n    ")
        return f"Alt+{n}  {entry.heading()}\n    {body}"

    def _similar_current(
        self, current: QListWidgetItem | None, previous: QListWidgetItem | None
    ) -> None:
        """The selected entry shows its whole workaround; the others stay short."""
        for item, expanded in ((previous, False), (current, True)):
            if item is None:
                continue
            i = item.data(ENTRY_ROLE)
            if isinstance(i, int) and 0 <= i < len(self._entries):
                item.setText(self._entry_text(i + 1, self._entries[i], expanded=expanded))

    def hits(self) -> list[SearchHit]:
        return list(self._hits)

    def use_hit(self, n: int) -> None:
        if not 0 <= n < len(self._hits):
            return
        hit = self._hits[n]
        if hit.kind == "known_error":
            self.known_error_id = hit.id
            self.resolution_notes.setPlainText(hit.workaround or "")
            idx = self.resolution_code.findData(ResolutionCode.WORKAROUND_PROVIDED.value)
            self.resolution_code.setCurrentIndex(idx)
        else:
            self.parent_id = hit.id
            self.parent_number = hit.number
            self.link_major.setChecked(False)  # the agent chose another parent
        self._show_links()

    def _show_links(self) -> None:
        parts = []
        major = self.linked_major()
        if major is not None:
            parts.append(f"Parent: {major.number} (the major incident)")
        elif self.parent_number:
            parts.append(f"Parent: {self.parent_number}")
        if self.known_error_id is not None:
            ke = next(
                (h for h in self._hits if h.kind == "known_error" and h.id == self.known_error_id),
                None,
            )
            parts.append(f"Known error: {ke.title if ke else self.known_error_id}")
        self.parent_info.setText(" · ".join(parts))

    # -- first contact --------------------------------------------------------------------------
    def _first_contact_toggled(self, on: bool) -> None:
        self.resolution_code.setEnabled(on)
        self.resolution_notes.setEnabled(on)
        if on and self.resolution_code.currentData() is None and self.known_error_id is not None:
            self.resolution_code.setCurrentIndex(
                self.resolution_code.findData(ResolutionCode.WORKAROUND_PROVIDED.value)
            )

    # -- saving -----------------------------------------------------------------------------------
    def new_incident(self) -> incidents.NewIncident:
        first = self.first_contact.isChecked()
        major = self.linked_major()
        return incidents.NewIncident(
            title=self.title.text(),
            description=self.description.toPlainText(),
            caller_id=self.caller_id,
            new_caller=self.pending_caller if self.caller_id is None else None,
            channel=str(self.channel.currentData()),
            category_id=self.category.currentData(),
            config_item_id=self.service.currentData(),
            also_affects=tuple(self.also_affected()),
            impact=int(self.impact.currentData()),
            urgency=int(self.urgency.currentData()),
            parent_id=major.id if major is not None else self.parent_id,
            parent_reason=major.warning if major is not None else None,
            known_error_id=self.known_error_id,
            resolution_code=(self.resolution_code.currentData() or "") if first else None,
            resolution_notes=self.resolution_notes.toPlainText() if first else None,
        )

    # -- an open major incident on the chosen services ---------------------------------------
    def _look_up_majors(self) -> None:
        ids = [self.service.currentData(), *self.also_affected()]
        chosen = [int(i) for i in ids if i is not None]
        desk = self.desk
        self.runner.run(
            lambda: affected.open_majors(desk, chosen),
            self._majors_found,
            key=f"majors-{id(self)}",
        )

    def _majors_found(self, majors: list[MajorOnService]) -> None:
        before = self.linked_major()
        self.majors = majors
        if not majors:
            self.major_box.hide()
            self.link_major.setChecked(False)
            self._show_links()
            return
        self.major_warning.setText("\n".join(f"{ERROR_SIGN} {m.warning}" for m in majors))
        first = majors[0]
        self.link_major.setText(f"Lin&k this incident as a child of {first.number}")
        self.link_major.setToolTip(
            f"Logging links it under the major incident {first.number} “{first.title}”: "
            "both histories say so"
        )
        if before is not None and before.id != first.id:
            self.link_major.setChecked(False)  # another major: the agent decides again
        self.major_box.show()
        self._show_links()

    def linked_major(self) -> MajorOnService | None:
        """The major incident the new one is logged under (the offer, accepted)."""
        if self.link_major.isChecked() and self.majors:
            return self.majors[0]
        return None

    def also_affected(self) -> list[int]:
        """The ticked services and CIs, as listed."""
        items = (self.also_affects.item(r) for r in range(self.also_affects.count()))
        return [
            int(i.data(Qt.ItemDataRole.UserRole))
            for i in items
            if i.checkState() == Qt.CheckState.Checked
        ]

    def save(self) -> None:
        if self._saving:
            return
        for name in self._errors:
            self._clear_error(name)
        self.general_error.hide()
        self.retry_button.hide()
        if not self.title.text().strip():
            self._show_error(ValidationError("A title is required", field="title"))
            return
        if self.caller.text().strip() and self.caller_id is None and self.pending_caller is None:
            self._show_error(
                ValidationError(
                    "Pick a caller from the list, or add a new one (Ctrl+Shift+N)", field="caller"
                )
            )
            return
        if self.impact.currentData() is None or self.urgency.currentData() is None:
            self._show_error(
                ValidationError(
                    "The priority matrix has not arrived yet: wait a moment and save again",
                    field="impact",
                )
            )
            return
        new = self.new_incident()
        desk, actor = self.desk, self.actor
        self._saving = True
        self.save_button.setEnabled(False)
        self.runner.run(
            lambda: incidents.log_incident(desk, actor, new),
            self._saved,
            self._failed,
            write=True,
            what=f"the new incident “{new.title.strip()}”",
        )

    def _saved(self, record: IncidentRecord) -> None:
        self._saving = False
        self.record = record
        self.logged.emit(record)
        self._dirty_ok = True
        self.accept()

    def _failed(self, exc: DeskError) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, EnvironmentProblem):  # nothing was logged; the form stays as typed
            self.general_error.setText(
                error_words(
                    f"Not logged yet. {exc}\nEverything you typed is kept: press Retry or Ctrl+Enter "
                    "to log it."
                )
            )
            self.general_error.show()
            self.retry_button.show()
            return
        self._show_error(exc)

    _FIELD_WIDGETS: ClassVar[dict[str, str]] = {
        "title": "title",
        "caller": "caller",
        "channel": "channel",
        "category": "category",
        "service": "service",
        "resolution_code": "resolution_code",
        "resolution_notes": "resolution_notes",
        "description": "description",
    }

    def _show_error(self, exc: DeskError) -> None:
        field = getattr(exc, "field", None)
        label = self._errors.get(self._FIELD_WIDGETS.get(field or "", ""), None)
        if label is None:
            label = self.general_error
        label.setText(error_words(str(exc)))
        label.show()
        widget = getattr(self, self._FIELD_WIDGETS.get(field or "", ""), None)
        if isinstance(widget, QWidget):
            if (
                field in ("resolution_code", "resolution_notes")
                and not self.first_contact.isChecked()
            ):
                self.first_contact.setChecked(True)
            widget.setFocus()

    def _clear_error(self, name: str) -> None:
        label = self._errors.get(name)
        if label is not None:
            label.hide()

    def error_text(self, name: str) -> str:
        label = self._errors.get(name, self.general_error)
        return plain_words(label.text()) if label.isVisible() or not label.isHidden() else ""

    def _title_changed(self, text: str) -> None:
        """A fixed title clears its message; one too long says so as it is typed or pasted."""
        n = len(text.strip())
        if n > incidents.MAX_TITLE:
            self._show_error(
                ValidationError(
                    f"The title has {n} characters; at most {incidents.MAX_TITLE} ({n - incidents.MAX_TITLE} too many)",
                    field="title",
                )
            )
        elif n:
            self._clear_error("title")

    def _field_changed(self, name: str) -> None:
        self._clear_error(name)

    def has_input(self) -> bool:
        return bool(
            self.title.text().strip()
            or self.description.toPlainText().strip()
            or self.caller.text()
        )

    _dirty_ok = False

    def reject(self) -> None:
        if self.has_input() and not self._dirty_ok:
            answer = QMessageBox.question(
                self, "Discard this incident?", "The form has text that was not logged. Discard it?"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._dirty_ok = True
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.has_input() and not self._dirty_ok and self.result() != QDialog.DialogCode.Accepted:
            answer = QMessageBox.question(
                self, "Discard this incident?", "The form has text that was not logged. Discard it?"
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            self._dirty_ok = True
        super().closeEvent(event)


def caller_line(m: CallerMatch) -> str:
    """'John Smith · Finance · E10442 · 2 open incidents · your caller': what tells two Johns
    apart."""
    parts = [m.caller.name]
    if m.caller.department:
        parts.append(m.caller.department)
    if m.caller.employee_id:
        parts.append(m.caller.employee_id)
    parts.append(
        f"{plural(m.open_incidents, 'open incident')}" if m.open_incidents else "no open incident"
    )
    if m.recent:
        parts.append("your recent caller")
    return " · ".join(parts)
