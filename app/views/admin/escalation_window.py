"""Admin > Escalation rules: what each SLA policy does by itself as its clocks run. A grid of
actions (notify the assignee, the group, its supervisor; escalate to the next line; escalate to
the supervisor; raise a flag) by the thresholds of each clock (50%, 75% and the breach of the
response and of the resolution target); a ticked cell is a rule the desk's own round fires once
per incident, clock and threshold. A functional escalation goes to the first group of the next
line, or to the group its cell names (F2 picks one). Every cell that differs from what is saved
is bold and says so; the rules are also listed in words. Save replaces the policy's rules in one
transaction, in the admin audit with the reason (the History tab), and every workstation follows
through the change feed. Only an admin opens it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DeskError, PermissionDenied
from app.domain.escalation import CLOCKS, THRESHOLDS, EscalationRule, RuleAction, line_label
from app.domain.records import GroupRecord
from app.domain.sla_config import AdminAuditRecord, PolicyRecord
from app.domain.wording import local_time, plural
from app.services import admin_audit, escalation_rules, queries, sla_policies
from app.services.context import Actor, Desk
from app.views.admin.models import RowsTableModel
from app.views.admin.sla_window import Message, may_edit_sla
from app.views.errors import ask_yes, show_problem
from app.views.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
LOAD_KEY = "escalation-window-load"
ENTITIES = frozenset({"policy", "group"})
COLUMNS = tuple((clock, t) for clock in CLOCKS for t in THRESHOLDS)
ACTIONS = tuple(RuleAction)
NEXT_LINE = "next line"  # a functional escalation's cell without a group named
Key = tuple[str, int, RuleAction]
Draft = dict[Key, int | None]  # a ticked cell -> its group (a functional escalation's), or None


def may_edit_escalation(actor: Actor) -> str | None:
    """None when `actor` may change the rules, else why not (the same right as the policies)."""
    return may_edit_sla(actor)


def column_title(clock: str, threshold: int) -> str:
    return f"{clock.capitalize()}\n{'breach' if threshold >= 100 else f'{threshold}%'}"


def draft_of(rules: tuple[EscalationRule, ...] | list[EscalationRule]) -> Draft:
    return {(r.clock, r.threshold, r.action): r.group_id for r in rules}


def rules_of(draft: Draft) -> list[EscalationRule]:
    order = {k: i for i, k in enumerate((c, t, a) for (c, t) in COLUMNS for a in ACTIONS)}
    return [
        EscalationRule(c, t, a, g)
        for (c, t, a), g in sorted(draft.items(), key=lambda kv: order[kv[0]])
    ]


class RulesGridModel(QAbstractTableModel):
    """The draft's rules: rows are actions, columns the clocks' thresholds; a cell is checked
    when the rule is in the draft. The functional-escalation row also shows (and edits) where
    it goes. A cell that differs from `saved` is bold and says so in its tooltip."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.draft: Draft = {}
        self.saved: Draft = {}
        self.group_names: dict[int, str] = {}
        self.changed: Callable[[], None] = lambda: None

    def show(self, draft: Draft, saved: Draft, group_names: dict[int, str]) -> None:
        self.beginResetModel()
        self.draft, self.saved, self.group_names = dict(draft), dict(saved), dict(group_names)
        self.endResetModel()

    def key(self, index: Index) -> Key:
        clock, threshold = COLUMNS[index.column()]
        return clock, threshold, ACTIONS[index.row()]

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(ACTIONS)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def is_changed(self, key: Key) -> bool:
        return (key in self.draft) != (key in self.saved) or (
            key in self.draft and self.draft[key] != self.saved[key]
        )

    def _where(self, key: Key) -> str:
        group = self.draft.get(key)
        return self.group_names.get(group, "?") if group is not None else NEXT_LINE

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not (
            0 <= index.row() < len(ACTIONS) and 0 <= index.column() < len(COLUMNS)
        ):
            return None
        key = self.key(index)
        on = key in self.draft
        functional = key[2] is RuleAction.ESCALATE_FUNCTIONAL
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            return self._where(key) if on and functional else ""
        if role == Qt.ItemDataRole.EditRole:
            return self.draft.get(key)
        if role == Qt.ItemDataRole.FontRole and self.is_changed(key):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            rule = EscalationRule(key[0], key[1], key[2], self.draft.get(key))
            text = rule.describe(self._where(key) if functional else None)
            if not on:
                text = "Not done: " + text[0].lower() + text[1:]
            if functional and on:
                text += " (F2 picks the group)"
            return text + (" — changed, not saved" if self.is_changed(key) else "")
        if role == Qt.ItemDataRole.AccessibleTextRole:
            mark = "ticked" if on else "not ticked"
            return f"{ACTIONS[index.row()].label}, {column_title(*COLUMNS[index.column()])}: {mark}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsUserCheckable
        )
        key = self.key(index)
        if key[2] is RuleAction.ESCALATE_FUNCTIONAL and key in self.draft:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid():
            return False
        key = self.key(index)
        if role == Qt.ItemDataRole.CheckStateRole:
            on = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2)
            if on == (key in self.draft):
                return False
            if on:
                self.draft[key] = self.saved.get(key)
            else:
                del self.draft[key]
        elif role == Qt.ItemDataRole.EditRole and key in self.draft:
            group = value if isinstance(value, int) else None
            if self.draft[key] == group:
                return False
            self.draft[key] = group
        else:
            return False
        self.dataChanged.emit(index, index)
        self.changed()
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return column_title(*COLUMNS[section])
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(ACTIONS):
            label = ACTIONS[section].label
            return label[0].upper() + label[1:]
        return None


class GroupDelegate(QStyledItemDelegate):
    """Where a functional escalation goes: the next line's first group, or a group it names."""

    def __init__(self, groups: Callable[[], list[GroupRecord]], parent: QWidget) -> None:
        super().__init__(parent)
        self._groups = groups

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.setAccessibleName("Escalate to")
        combo.addItem("Next line's first group", None)
        for g in self._groups():
            if g.line > 1:
                combo.addItem(f"{g.name} ({line_label(g.line)})", g.id)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        at = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(at, 0))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class EscalationWindow(QMainWindow):
    """The window (see the module docstring). Build it with :func:`open_escalation_window`."""

    saved = Signal(object)  # the policy's rules as saved

    def __init__(
        self, desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        refusal = may_edit_escalation(actor)
        if refusal is not None:
            raise PermissionDenied(refusal)
        super().__init__(parent, Qt.WindowType.Window)
        self.desk, self.actor, self.runner = desk, actor, runner
        self.setWindowTitle("Escalation rules — Incident Desk")
        self.policies: list[PolicyRecord] = []
        self.groups: list[GroupRecord] = []
        self.saved_rules: dict[int, tuple[EscalationRule, ...]] = {}
        self.history_rows: list[AdminAuditRecord] = []
        self.policy_id: int | None = None
        self.dirty = False
        self._filling = False
        # asks the admin to go ahead (title, text) -> yes; a test puts its own answer here
        self.confirm: Callable[[str, str], bool] = self._confirm

        self.policy = QComboBox()
        self.policy.setAccessibleName("Policy")
        self.policy.setMinimumWidth(260)
        self.policy.currentIndexChanged.connect(self._policy_chosen)
        policy_label = QLabel("&Policy:")
        policy_label.setBuddy(self.policy)
        top = QHBoxLayout()
        top.addWidget(policy_label)
        top.addWidget(self.policy)
        top.addStretch(1)

        self.model = RulesGridModel(self)
        self.model.changed = self._edited
        self.grid = QTableView()
        self.grid.setAccessibleName("Escalation rules")
        self.grid.setModel(self.model)
        self.grid.setItemDelegate(GroupDelegate(lambda: self.groups, self.grid))
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.grid.setWordWrap(True)
        self.grid.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.grid.horizontalHeader().setMinimumHeight(44)
        self.grid.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.grid.verticalHeader().setDefaultSectionSize(34)
        self.grid.setMinimumHeight(48 + 34 * len(ACTIONS) + 8)
        hint = QLabel(
            "Tick what the desk does by itself, once per incident, when a clock passes a "
            "threshold (arrows move, Space ticks). A functional escalation goes to the next "
            "line's first group unless its cell names one (F2 or a double click picks it). "
            "Bold cells are changed and not saved."
        )
        hint.setWordWrap(True)
        self.words = QListWidget()
        self.words.setAccessibleName("The rules in words")
        words_label = QLabel("In &words:")
        words_label.setBuddy(self.words)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("Why (kept in the History)")
        reason_label = QLabel("Rea&son:")
        reason_label.setBuddy(self.reason)
        self.save_button = QPushButton("&Save (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.clicked.connect(self.revert)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(reason_label)
        buttons.addWidget(self.reason, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        self.message = Message()

        rules_tab = QWidget()
        rl = QVBoxLayout(rules_tab)
        rl.addWidget(hint)
        rl.addWidget(self.grid)
        rl.addWidget(words_label)
        rl.addWidget(self.words, 1)
        rl.addLayout(buttons)
        rl.addWidget(self.message)

        self.history_model = RowsTableModel(("When", "Who", "Policy", "Was", "Now", "Why"), self)
        self.history = QTableView()
        self.history.setAccessibleName("History of the escalation rules")
        self.history.setModel(self.history_model)
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setWordWrap(True)
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.history.horizontalHeader().setStretchLastSection(True)

        self.tabs = QTabWidget()
        self.tabs.addTab(rules_tab, "&Rules")
        self.tabs.addTab(self.history, "&History")
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(10, 10, 10, 10)
        cl.addLayout(top)
        cl.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.resize(1100, 640)
        self._enable()
        self.load()

    # -- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        desk = self.desk

        def read() -> tuple[
            list[PolicyRecord],
            list[GroupRecord],
            dict[int, tuple[EscalationRule, ...]],
            list[AdminAuditRecord],
        ]:
            history = [
                e
                for e in admin_audit.admin_history(desk, "policy")
                if e.field == escalation_rules.RULES_FIELD
            ]
            return (
                sla_policies.policies(desk),
                queries.groups(desk),
                escalation_rules.all_rules(desk),
                history,
            )

        self.runner.run(read, self._loaded, self._failed, key=LOAD_KEY)

    def _loaded(
        self,
        data: tuple[
            list[PolicyRecord],
            list[GroupRecord],
            dict[int, tuple[EscalationRule, ...]],
            list[AdminAuditRecord],
        ],
    ) -> None:
        self.policies, self.groups, self.saved_rules, self.history_rows = data
        keep = self.policy_id
        ids = [p.id for p in self.policies]
        if keep not in ids:
            keep = next((p.id for p in self.policies if p.active), ids[0] if ids else None)
        self._filling = True
        self.policy.clear()
        for p in self.policies:
            self.policy.addItem(p.name + ("" if p.active else "  (inactive)"), p.id)
        self.policy.setCurrentIndex(ids.index(keep) if keep in ids else -1)
        self._filling = False
        self.policy_id = keep
        names = {g.id: g.name for g in self.groups}
        saved = draft_of(self.saved_rules.get(keep, ())) if keep is not None else {}
        draft = self.model.draft if self.dirty else saved
        self.model.show(draft, saved, names)
        self._fill_words()
        zone = self.desk.zone
        self.history_model.set_rows(
            [
                (
                    local_time(e.at, zone),
                    e.who or "",
                    e.entity_name,
                    e.old or "(none)",
                    e.new or "(none)",
                    e.reason or "",
                )
                for e in self.history_rows
            ]
        )
        self.history.resizeColumnsToContents()
        self.history.resizeRowsToContents()
        self._enable()

    def _failed(self, exc: DeskError) -> None:
        self.message.say(str(exc), error=True)

    # -- editing -----------------------------------------------------------------------------
    def _policy_chosen(self, row: int) -> None:
        if self._filling or not 0 <= row < len(self.policies):
            return
        wanted = self.policies[row].id
        if wanted == self.policy_id:
            return
        if self.dirty and not self.confirm(
            "Escalation rules", "The rules shown are changed and not saved. Drop the change?"
        ):
            self._filling = True
            self.policy.setCurrentIndex(self.policy.findData(self.policy_id))
            self._filling = False
            return
        self.policy_id = wanted
        self.dirty = False
        self._show_saved()

    def _show_saved(self) -> None:
        saved = draft_of(self.saved_rules.get(self.policy_id or 0, ()))
        self.model.show(saved, saved, {g.id: g.name for g in self.groups})
        self._fill_words()
        self._enable()

    def _edited(self) -> None:
        self.dirty = self.model.draft != self.model.saved
        self._fill_words()
        self._enable()
        self.message.say(" ")

    def _fill_words(self) -> None:
        self.words.clear()
        names = self.model.group_names
        rules = rules_of(self.model.draft)
        for r in rules:
            where = None
            if r.action is RuleAction.ESCALATE_FUNCTIONAL:
                where = names.get(r.group_id, "?") if r.group_id is not None else None
            self.words.addItem(r.describe(where))
        if not rules:
            self.words.addItem("Nothing: this policy's clocks only show, nobody is told")

    def _enable(self) -> None:
        self.save_button.setEnabled(self.dirty)
        self.revert_button.setEnabled(self.dirty)

    def revert(self) -> None:
        self.dirty = False
        self._show_saved()
        self.message.say("Reverted to the saved rules")

    def save(self) -> None:
        if not self.dirty or self.policy_id is None:
            return
        desk, actor, pid = self.desk, self.actor, self.policy_id
        rules = rules_of(self.model.draft)
        reason = self.reason.text().strip() or None
        name = self.policy.currentText().strip()
        self.message.say("Saving…")

        def done(saved: list[EscalationRule]) -> None:
            self.dirty = False
            self.reason.clear()
            self.saved_rules[pid] = tuple(saved)
            if self.policy_id == pid:
                self._show_saved()
            self.message.say(f"Saved: {name} has {plural(len(saved), 'rule')}")
            self.saved.emit(saved)
            self.load()

        self.runner.run(
            lambda: escalation_rules.set_rules(desk, actor, pid, rules, reason),
            done,
            lambda exc: self.message.say(f"Not saved: {exc}", error=True),
            write=True,
            what=f"the escalation rules of {name}",
        )

    # -- the live feed, closing --------------------------------------------------------------
    def others_changed(self, entities: set[str]) -> None:
        if entities & ENTITIES:
            if self.dirty:
                self.message.say(
                    "Changed on another workstation: the History shows it; your draft is kept"
                )
            self.load()

    def _confirm(self, title: str, text: str) -> bool:
        return ask_yes(self, title, text)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.dirty and not self.confirm(
            "Escalation rules", "A change is not saved. Close and lose it?"
        ):
            event.ignore()
            return
        self.runner.cancel(LOAD_KEY)
        super().closeEvent(event)


def open_escalation_window(
    desk: Desk, actor: Actor, runner: TaskRunner, parent: QWidget | None = None
) -> EscalationWindow | None:
    """The window, or None after telling a non-admin why not."""
    refusal = may_edit_escalation(actor)
    if refusal is not None:
        show_problem(parent, refusal, "Escalation rules")
        return None
    window = EscalationWindow(desk, actor, runner)
    window.show()
    return window
