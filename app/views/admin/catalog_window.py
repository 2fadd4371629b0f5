"""Categories and services, as an admin shapes them, in one window of two tabs.

Categories: the tree (parents above their subcategories, deactivated ones greyed), and for the
selected one (or a new one, at the top or under the selected) its name, parent, default group
and default impact and urgency (the levels of the active priority matrix): an incident logged in
it starts there (``app.domain.catalog.starting_levels``). Services: the services and
configuration items with their kind, owner group and description. Both: deactivate or activate
(a category with what is under it), delete (refused with what refers to it named), and a History
tab with the admin audit.

Every action is a service call on the task runner (``services.catalog``): the same rules and the
same audit as ``incidentdesk categories|services ...``. A change made on another workstation
arrives through the change feed: the lists are read again, and a draft being typed is kept."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.domain.catalog import KINDS, descendants
from app.domain.errors import DeskError, PermissionDenied, ValidationError
from app.domain.matrix import PriorityMatrix
from app.domain.records import CategoryRecord, GroupRecord, ServiceRecord
from app.domain.sla_config import AdminAuditRecord
from app.services import admin_audit, catalog, queries
from app.services.context import Actor, Desk
from app.views.admin.models import CategoryTreeModel, RowsTableModel
from app.views.admin.parts import HISTORY_HEADERS, Message, history_rows, list_table, may_configure
from app.views.errors import show_problem
from app.views.tasks import TaskRunner

LIST_KEY = "catalog-lists"
CATEGORY_HISTORY_KEY = "catalog-category-history"
SERVICE_HISTORY_KEY = "catalog-service-history"
ENTITIES = frozenset({"category", "service", "group", "matrix"})


@dataclass(frozen=True)
class CatalogData:
    categories: list[CategoryRecord]
    services: list[ServiceRecord]
    groups: list[GroupRecord]
    matrix: PriorityMatrix


def _buttons(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for b in buttons:
        row.addWidget(b)
    row.addStretch(1)
    return row


class CatalogWindow(QMainWindow):
    changed = Signal()

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        refusal = may_configure(actor)
        if refusal is not None:
            raise PermissionDenied(refusal)
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.setWindowTitle("Categories and services — Incident Desk")
        self.data: CatalogData | None = None
        self.category: CategoryRecord | None = None  # the one in the form (None: a new one)
        self.new_parent: int | None = None  # a new one's parent
        self.service: ServiceRecord | None = None
        self.category_dirty = False
        self.service_dirty = False
        self._filling = False

        self.tabs = QTabWidget()
        self.tabs.addTab(self._categories_tab(), "&Categories")
        self.tabs.addTab(self._services_tab(), "Ser&vices and CIs")
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(10, 10, 10, 10)
        cl.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.resize(1200, 660)
        self._fill_category(None, None)
        self._fill_service(None)
        self.load()

    # -- building ------------------------------------------------------------------------
    def _categories_tab(self) -> QWidget:
        self.tree_model = CategoryTreeModel(self)
        self.tree = QTreeView()
        self.tree.setAccessibleName("Categories")
        self.tree.setModel(self.tree_model)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setStyleSheet("QTreeView::item { padding: 4px 2px; }")  # as tall as a table's
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._pick_category(cur)
        )

        self.cat_name = QLineEdit()
        self.cat_name.setAccessibleName("Name")
        self.cat_parent = QComboBox()
        self.cat_parent.setAccessibleName("Parent")
        self.cat_group = QComboBox()
        self.cat_group.setAccessibleName("Default group")
        self.cat_impact = QComboBox()
        self.cat_impact.setAccessibleName("Default impact")
        self.cat_urgency = QComboBox()
        self.cat_urgency.setAccessibleName("Default urgency")
        for combo in (self.cat_parent, self.cat_group, self.cat_impact, self.cat_urgency):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.activated.connect(self._category_edited)
        self.cat_name.textEdited.connect(self._category_edited)
        self.cat_status = QLabel()
        self.cat_status.setAccessibleName("Status")
        note = QLabel(
            "An incident logged in this category goes to its default group and starts with its "
            "impact and urgency, unless the agent picks others."
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Name:", self.cat_name)
        form.addRow("&Parent:", self.cat_parent)
        form.addRow("Default &group:", self.cat_group)
        levels = QHBoxLayout()
        levels.addWidget(self.cat_impact)
        urg = QLabel("U&rgency:")
        urg.setBuddy(self.cat_urgency)
        levels.addWidget(urg)
        levels.addWidget(self.cat_urgency)
        levels.addStretch(1)
        impact_label = QLabel("Default &impact:")
        impact_label.setBuddy(self.cat_impact)
        form.addRow(impact_label, levels)
        form.addRow("", note)
        self.cat_reason = QLineEdit()
        self.cat_reason.setAccessibleName("Reason")
        self.cat_reason.setPlaceholderText("Why (optional): kept in the History tab")
        form.addRow("Status:", self.cat_status)
        form.addRow("R&eason:", self.cat_reason)
        self._category_fields = {
            "name": self.cat_name,
            "parent": self.cat_parent,
            "group": self.cat_group,
            "default_impact": self.cat_impact,
            "default_urgency": self.cat_urgency,
        }

        self.cat_new = QPushButton("Ne&w category")
        self.cat_new.clicked.connect(lambda: self.new_category(None))
        self.cat_new_sub = QPushButton("New s&ubcategory")
        self.cat_new_sub.clicked.connect(
            lambda: self.new_category(
                (self.category.parent_id or self.category.id) if self.category else None
            )
        )
        self.cat_save = QPushButton("&Save")
        self.cat_save.setDefault(True)
        self.cat_save.clicked.connect(self.save_category)
        self.cat_active = QPushButton("&Deactivate")
        self.cat_active.clicked.connect(self.toggle_category)
        self.cat_delete = QPushButton("De&lete…")
        self.cat_delete.clicked.connect(self.delete_category)
        self.cat_message = Message()
        self.cat_message.setAccessibleName("Message")

        details = QWidget()
        dl = QVBoxLayout(details)
        dl.addLayout(form)
        dl.addLayout(
            _buttons(
                self.cat_new, self.cat_new_sub, self.cat_save, self.cat_active, self.cat_delete
            )
        )
        dl.addWidget(self.cat_message)
        dl.addStretch(1)
        self.cat_history_model = RowsTableModel(HISTORY_HEADERS, self)
        self.cat_history = list_table(self.cat_history_model, "History of the category")
        self.cat_tabs = QTabWidget()
        self.cat_tabs.addTab(details, "De&tails")
        self.cat_tabs.addTab(self.cat_history, "&History")
        return self._split(self.tree, self.cat_tabs)

    def _services_tab(self) -> QWidget:
        self.svc_model = RowsTableModel(("Name", "Kind", "Owner group", "Status"), self)
        self.svc_table = list_table(self.svc_model, "Services and configuration items")
        self.svc_table.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._pick_service(cur.row())
        )
        self.svc_name = QLineEdit()
        self.svc_name.setAccessibleName("Name")
        self.svc_kind = QComboBox()
        self.svc_kind.setAccessibleName("Kind")
        for value, label in KINDS.items():
            self.svc_kind.addItem(label, value)
        self.svc_group = QComboBox()
        self.svc_group.setAccessibleName("Owner group")
        self.svc_description = QLineEdit()
        self.svc_description.setAccessibleName("Description")
        self.svc_status = QLabel()
        self.svc_status.setAccessibleName("Status")
        for edit in (self.svc_name, self.svc_description):
            edit.textEdited.connect(self._service_edited)
        for combo in (self.svc_kind, self.svc_group):
            combo.activated.connect(self._service_edited)
        form = QFormLayout()
        form.addRow("&Name:", self.svc_name)
        form.addRow("&Kind:", self.svc_kind)
        form.addRow("&Owner group:", self.svc_group)
        form.addRow("Desc&ription:", self.svc_description)
        self.svc_reason = QLineEdit()
        self.svc_reason.setAccessibleName("Reason")
        self.svc_reason.setPlaceholderText("Why (optional): kept in the History tab")
        form.addRow("Status:", self.svc_status)
        form.addRow("R&eason:", self.svc_reason)
        self._service_fields = {
            "name": self.svc_name,
            "kind": self.svc_kind,
            "group": self.svc_group,
        }
        self.svc_new = QPushButton("Ne&w service or CI")
        self.svc_new.clicked.connect(self.new_service)
        self.svc_save = QPushButton("&Save")
        self.svc_save.setDefault(True)
        self.svc_save.clicked.connect(self.save_service)
        self.svc_active = QPushButton("&Deactivate")
        self.svc_active.clicked.connect(self.toggle_service)
        self.svc_delete = QPushButton("De&lete…")
        self.svc_delete.clicked.connect(self.delete_service)
        self.svc_message = Message()
        self.svc_message.setAccessibleName("Message")
        details = QWidget()
        dl = QVBoxLayout(details)
        dl.addLayout(form)
        dl.addLayout(_buttons(self.svc_new, self.svc_save, self.svc_active, self.svc_delete))
        dl.addWidget(self.svc_message)
        dl.addStretch(1)
        self.svc_history_model = RowsTableModel(HISTORY_HEADERS, self)
        self.svc_history = list_table(self.svc_history_model, "History of the service")
        self.svc_tabs = QTabWidget()
        self.svc_tabs.addTab(details, "De&tails")
        self.svc_tabs.addTab(self.svc_history, "&History")
        return self._split(self.svc_table, self.svc_tabs)

    def _split(self, left: QWidget, right: QWidget) -> QWidget:
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        split.setSizes([560, 620])
        return split

    # -- reading -------------------------------------------------------------------------
    def load(self) -> None:
        desk = self.desk
        self.runner.run(
            lambda: CatalogData(
                queries.categories(desk, inactive=True),
                queries.services(desk, inactive=True),
                queries.groups(desk),
                queries.matrix(desk),
            ),
            self._loaded,
            self._failed_load,
            key=LIST_KEY,
        )

    def _failed_load(self, exc: DeskError) -> None:
        self.cat_message.say(str(exc), error=True)

    def _loaded(self, data: CatalogData) -> None:
        self.data = data
        m = data.matrix
        self.tree_model.set_categories(data.categories, m.impact_label, m.urgency_label)
        self.tree.expandAll()
        self.svc_model.set_rows(
            [
                (
                    s.name,
                    KINDS.get(s.kind, s.kind),
                    s.group_name or "",
                    "Active" if s.active else "Deactivated",
                )
                for s in data.services
            ],
            [s.description for s in data.services],
        )
        # categories: the one in the form again (by id), unless a draft is being typed
        cid = self.category.id if self.category is not None else None
        found = next((c for c in data.categories if c.id == cid), None)
        if found is None and cid is None and not self.category_dirty and data.categories:
            found = data.categories[0]
        if found is not None:
            self._select_tree(found.id)
        if self.category_dirty:
            self._fill_category_choices(*self._category_draft_choices())
            if found is not None:
                self.category = found
        else:
            self._fill_category(found, self.new_parent)
        # services
        sid = self.service.id if self.service is not None else None
        row = next((i for i, s in enumerate(data.services) if s.id == sid), None)
        if row is None and sid is None and not self.service_dirty and data.services:
            row = 0
        if row is not None:
            self._select_row(row)
        if self.service_dirty:
            self._fill_groups(self.svc_group, self._draft(self.svc_group))
            if row is not None:
                self.service = data.services[row]
        else:
            self._fill_service(data.services[row] if row is not None else None)

    def _select_tree(self, category_id: int) -> None:
        sel = self.tree.selectionModel()
        sel.blockSignals(True)
        index = self.tree_model.index_of(category_id)
        sel.setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        sel.blockSignals(False)
        self.tree.scrollTo(index)
        self.tree.viewport().update()

    def _select_row(self, row: int) -> None:
        sel = self.svc_table.selectionModel()
        sel.blockSignals(True)
        sel.setCurrentIndex(
            self.svc_model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        sel.blockSignals(False)
        self.svc_table.viewport().update()

    @staticmethod
    def _draft(combo: QComboBox) -> object:
        return combo.currentData()

    def _fill_groups(self, combo: QComboBox, current: object) -> None:
        """(none) and the active groups (and the current one, should it be deactivated)."""
        self._filling = True
        try:
            combo.clear()
            combo.addItem("(none)", "")
            for g in self.data.groups if self.data else []:
                if g.active or g.name == current:
                    combo.addItem(g.name if g.active else f"{g.name} (deactivated)", g.name)
            combo.setCurrentIndex(max(combo.findData(current or ""), 0))
        finally:
            self._filling = False

    def _category_draft_choices(self) -> tuple[object, object, object, object]:
        return (
            self.cat_parent.currentData(),
            self.cat_group.currentData(),
            self.cat_impact.currentData(),
            self.cat_urgency.currentData(),
        )

    def _fill_category_choices(
        self, parent: object, group: object, impact: object, urgency: object
    ) -> None:
        data = self.data
        own = self.category.id if self.category is not None else None
        self._filling = True
        try:
            self.cat_parent.clear()
            self.cat_parent.addItem("(the top)", 0)
            if data is not None:
                under = catalog_descendants(data.categories, own) if own is not None else set()
                for c in data.categories:  # one level of subcategories: under a top one
                    if c.id != own and c.id not in under and c.parent_id is None:
                        shown = c.path if c.active else f"{c.path} (deactivated)"
                        self.cat_parent.addItem(shown, c.id)
            self.cat_parent.setCurrentIndex(max(self.cat_parent.findData(parent or 0), 0))
            for combo, levels, value in (
                (self.cat_impact, data.matrix.impact_levels() if data else [], impact),
                (self.cat_urgency, data.matrix.urgency_levels() if data else [], urgency),
            ):
                combo.clear()
                combo.addItem("(none)", 0)
                for n, label in levels:
                    combo.addItem(label, n)
                combo.setCurrentIndex(max(combo.findData(value or 0), 0))
        finally:
            self._filling = False
        self._fill_groups(self.cat_group, group)

    def _pick_category(self, index: QModelIndex) -> None:
        found = self.tree_model.category(index)
        if found is not None:
            self._fill_category(found, None)

    def _fill_category(self, c: CategoryRecord | None, new_parent: int | None) -> None:
        self.category, self.new_parent = c, (None if c is not None else new_parent)
        self.category_dirty = False
        self._filling = True
        self.cat_name.setText(c.name if c else "")
        self._filling = False
        self._fill_category_choices(
            (c.parent_id if c else new_parent) or 0,
            c.default_group_name if c else "",
            (c.default_impact if c else None) or 0,
            (c.default_urgency if c else None) or 0,
        )
        if c is None:
            self.cat_status.setText("New: not saved yet")
        else:
            self.cat_status.setText(
                "Active: offered when logging" if c.active else "Deactivated: not offered"
            )
        self.cat_active.setText("&Activate" if c is not None and not c.active else "&Deactivate")
        for b in (self.cat_active, self.cat_delete, self.cat_new_sub):
            b.setEnabled(c is not None)
        self.cat_save.setText("&Save" if c is not None else "&Add category")
        self.cat_history_model.set_rows([])
        if c is not None:
            desk, cid = self.desk, c.id
            self.runner.run(
                lambda: admin_audit.admin_history(desk, "category", cid),
                lambda e: self._history(self.cat_history_model, e),
                self._category_failed,
                key=CATEGORY_HISTORY_KEY,
            )

    def _pick_service(self, row: int) -> None:
        if self.data is not None and 0 <= row < len(self.data.services):
            self._fill_service(self.data.services[row])

    def _fill_service(self, svc: ServiceRecord | None) -> None:
        self.service = svc
        self.service_dirty = False
        self._filling = True
        try:
            self.svc_name.setText(svc.name if svc else "")
            self.svc_kind.setCurrentIndex(
                max(self.svc_kind.findData(svc.kind if svc else "service"), 0)
            )
            self.svc_description.setText((svc.description or "") if svc else "")
        finally:
            self._filling = False
        self._fill_groups(self.svc_group, svc.group_name if svc else "")
        if svc is None:
            self.svc_status.setText("New: not saved yet")
        else:
            self.svc_status.setText(
                "Active: offered when logging" if svc.active else "Deactivated: not offered"
            )
        self.svc_active.setText(
            "&Activate" if svc is not None and not svc.active else "&Deactivate"
        )
        for b in (self.svc_active, self.svc_delete):
            b.setEnabled(svc is not None)
        self.svc_save.setText("&Save" if svc is not None else "&Add")
        self.svc_history_model.set_rows([])
        if svc is not None:
            desk, sid = self.desk, svc.id
            self.runner.run(
                lambda: admin_audit.admin_history(desk, "service", sid),
                lambda e: self._history(self.svc_history_model, e),
                self._service_failed,
                key=SERVICE_HISTORY_KEY,
            )

    def _history(self, model: RowsTableModel, entries: list[AdminAuditRecord]) -> None:
        model.set_rows(history_rows(entries, self.desk.zone))

    def _category_edited(self, *_a: object) -> None:
        if not self._filling:
            self.category_dirty = True

    def _service_edited(self, *_a: object) -> None:
        if not self._filling:
            self.service_dirty = True

    # -- failures --------------------------------------------------------------------------
    def _category_failed(self, exc: DeskError) -> None:
        self._failed(exc, self.cat_message, self._category_fields)

    def _service_failed(self, exc: DeskError) -> None:
        self._failed(exc, self.svc_message, self._service_fields)

    @staticmethod
    def _failed(exc: DeskError, message: Message, fields: dict[str, QWidget]) -> None:
        message.say(str(exc), error=True)
        field = exc.field if isinstance(exc, ValidationError) else None
        widget = fields.get(field or "")
        if widget is not None:
            widget.setFocus()

    def _write(
        self, fn: object, message: Message, done_text: str, failed: object, what: str
    ) -> None:
        def finished(_result: object) -> None:
            if message is self.cat_message:
                self.category_dirty = False
                self.cat_reason.clear()
            else:
                self.service_dirty = False
                self.svc_reason.clear()
            message.say(done_text)
            self.changed.emit()
            self.load()

        self.runner.run(fn, finished, failed, write=True, what=what)  # type: ignore[arg-type]

    # -- categories: writing --------------------------------------------------------------
    def new_category(self, parent_id: int | None) -> None:
        self.tabs.setCurrentIndex(0)
        self.cat_tabs.setCurrentIndex(0)
        self.tree.clearSelection()
        self._fill_category(None, parent_id)
        self.cat_name.setFocus()

    def save_category(self) -> None:
        desk, actor, c = self.desk, self.actor, self.category
        name = self.cat_name.text()
        parent = int(self.cat_parent.currentData() or 0)
        group = str(self.cat_group.currentData() or "")
        impact = int(self.cat_impact.currentData() or 0)
        urgency = int(self.cat_urgency.currentData() or 0)
        reason = self.cat_reason.text().strip() or None
        if c is None:
            groups = {g.name: g.id for g in (self.data.groups if self.data else [])}

            def add() -> int:
                new_id = catalog.add_category(
                    desk,
                    actor,
                    name,
                    parent_id=parent or None,
                    default_group_id=groups.get(group),
                    default_impact=impact or None,
                    default_urgency=urgency or None,
                )
                return new_id

            def added(new_id: int) -> None:
                self.category_dirty = False
                self.category = CategoryRecord(new_id, name, parent or None, name, None, None)
                self.cat_message.say(f"Added the category {' '.join(name.split())}")
                self.changed.emit()
                self.load()

            self.runner.run(add, added, self._category_failed, write=True, what="the new category")
            return
        self._write(
            lambda: catalog.edit_category(
                desk,
                actor,
                c.id,
                name=name,
                parent_id=parent,
                default_group=group,
                default_impact=impact,
                default_urgency=urgency,
                reason=reason,
            ),
            self.cat_message,
            f"Saved {' '.join(name.split())}",
            self._category_failed,
            "the change to the category",
        )

    def toggle_category(self) -> None:
        c, desk, actor = self.category, self.desk, self.actor
        if c is None:
            return
        active = not c.active
        reason = self.cat_reason.text().strip() or None

        def done(n: int) -> None:
            self.category_dirty = False
            self.cat_reason.clear()
            if active:
                self.cat_message.say(f"{c.path} is active again")
            else:
                under = n - 1
                more = (
                    f" with the {under} under it"
                    if under > 1
                    else (" with the one under it" if under == 1 else "")
                )
                self.cat_message.say(f"{c.path} is deactivated{more}: not offered when logging")
            self.changed.emit()
            self.load()

        self.runner.run(
            lambda: catalog.set_category_active(desk, actor, c.id, active, reason=reason),
            done,
            self._category_failed,
            write=True,
            what="the change to the category",
        )

    def delete_category(self) -> None:
        c, desk, actor = self.category, self.desk, self.actor
        if c is None or not self._sure("Delete a category", f"Delete the category {c.path}?"):
            return

        def failed(exc: DeskError) -> None:
            self.cat_message.say(str(exc), error=True)
            show_problem(self, str(exc), "Delete a category")

        def deleted(_r: object) -> None:
            self.cat_message.say(f"Deleted {c.path}")
            self.category = None
            self.changed.emit()
            self.load()

        self.runner.run(
            lambda: catalog.delete_category(desk, actor, c.id),
            deleted,
            failed,
            write=True,
            what="the deletion",
        )

    # -- services: writing ----------------------------------------------------------------
    def new_service(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.svc_tabs.setCurrentIndex(0)
        self.svc_table.clearSelection()
        self._fill_service(None)
        self.svc_name.setFocus()

    def save_service(self) -> None:
        desk, actor, svc = self.desk, self.actor, self.service
        name, description = self.svc_name.text(), self.svc_description.text()
        kind, group = str(self.svc_kind.currentData()), str(self.svc_group.currentData() or "")
        shown = " ".join(name.split())
        reason = self.svc_reason.text().strip() or None
        if svc is None:

            def added(new_id: int) -> None:
                self.service_dirty = False
                self.service = ServiceRecord(new_id, shown, kind)
                self.svc_message.say(f"Added {shown}")
                self.changed.emit()
                self.load()

            self.runner.run(
                lambda: catalog.add_service(
                    desk, actor, name, kind=kind, group=group, description=description
                ),
                added,
                self._service_failed,
                write=True,
                what="the new service",
            )
            return
        self._write(
            lambda: catalog.edit_service(
                desk,
                actor,
                svc.name,
                new_name=name,
                kind=kind,
                group=group,
                description=description,
                reason=reason,
            ),
            self.svc_message,
            f"Saved {shown}",
            self._service_failed,
            "the change to the service",
        )

    def toggle_service(self) -> None:
        svc, desk, actor = self.service, self.desk, self.actor
        if svc is None:
            return
        active = not svc.active
        reason = self.svc_reason.text().strip() or None
        self._write(
            lambda: catalog.set_service_active(desk, actor, svc.name, active, reason=reason),
            self.svc_message,
            f"{svc.name} is {'active again' if active else 'deactivated: not offered when logging'}",
            self._service_failed,
            "the change to the service",
        )

    def delete_service(self) -> None:
        svc, desk, actor = self.service, self.desk, self.actor
        if svc is None or not self._sure("Delete a service", f"Delete {svc.name}?"):
            return

        def failed(exc: DeskError) -> None:
            self.svc_message.say(str(exc), error=True)
            show_problem(self, str(exc), "Delete a service")

        def deleted(_r: object) -> None:
            self.svc_message.say(f"Deleted {svc.name}")
            self.service = None
            self.changed.emit()
            self.load()

        self.runner.run(
            lambda: catalog.delete_service(desk, actor, svc.name),
            deleted,
            failed,
            write=True,
            what="the deletion",
        )

    def _sure(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            f"{text} Something an incident refers to cannot be deleted: deactivate it instead.",
        )
        return answer in (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Ok)

    # -- the live feed -------------------------------------------------------------------
    def others_changed(self, entities: set[str]) -> None:
        if entities & ENTITIES:
            text = "Changed on another workstation: the list shows it; your draft is kept"
            if self.category_dirty:
                self.cat_message.say(text)
            if self.service_dirty:
                self.svc_message.say(text)
            self.load()

    def closeEvent(self, event: QCloseEvent) -> None:
        for key in (LIST_KEY, CATEGORY_HISTORY_KEY, SERVICE_HISTORY_KEY):
            self.runner.cancel(key)
        super().closeEvent(event)


def catalog_descendants(categories: list[CategoryRecord], root: int) -> set[int]:
    return descendants(((c.id, c.parent_id) for c in categories), root)


def open_catalog_window(
    desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
) -> CatalogWindow | None:
    refusal = may_configure(actor)
    if refusal is not None:
        show_problem(parent, refusal, "Categories and services")
        return None
    window = CatalogWindow(desk, actor, runner)
    window.show()
    return window
