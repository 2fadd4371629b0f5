"""Item models of the admin windows: the priority grid (impact rows x urgency columns) and a
plain read-only table of rows (the matrix preview's pairs and incidents, lists of records)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from app.domain.matrix import PriorityMatrix
from app.domain.records import CategoryRecord
from app.views.colors import priority_color

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()

CHANGED_ROLE = Qt.ItemDataRole.UserRole + 1  # True on a cell that differs from the active version
PRIORITY_ROLE = Qt.ItemDataRole.UserRole + 2  # the cell's priority (int)


def readable_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on `background`."""
    r, g, b = background.redF(), background.greenF(), background.blueF()
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return QColor("#000000") if luminance > 0.45 else QColor("#ffffff")


class MatrixTableModel(QAbstractTableModel):
    """The draft matrix's cells; a cell that differs from `base` (the active version) says so
    (CHANGED_ROLE, bold, and in its tooltip). Editing asks `edit(impact, urgency, priority)`,
    which the editor turns into an undoable command; the model shows what it is given."""

    def __init__(self, edit: Callable[[int, int, int], None], parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._edit = edit
        self.matrix: PriorityMatrix | None = None
        self.base: PriorityMatrix | None = None

    def show(self, matrix: PriorityMatrix, base: PriorityMatrix) -> None:
        old = self.matrix
        same_shape = old is not None and (old.impacts, old.urgencies) == (
            matrix.impacts,
            matrix.urgencies,
        )
        if not same_shape:
            self.beginResetModel()
            self.matrix, self.base = matrix, base
            self.endResetModel()
            return
        self.matrix, self.base = matrix, base
        self.dataChanged.emit(
            self.index(0, 0), self.index(matrix.impacts - 1, matrix.urgencies - 1)
        )
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, matrix.urgencies - 1)
        self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, matrix.impacts - 1)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() or self.matrix is None else self.matrix.impacts

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() or self.matrix is None else self.matrix.urgencies

    def changed(self, impact: int, urgency: int) -> bool:
        m, base = self.matrix, self.base
        if m is None or base is None:
            return False
        if impact > base.impacts or urgency > base.urgencies:
            return True
        return base.priority(impact, urgency) != m.priority(impact, urgency)

    def was(self, impact: int, urgency: int) -> str:
        base = self.base
        if base is None or impact > base.impacts or urgency > base.urgencies:
            return "a new cell"
        return f"{base.priority_label(base.priority(impact, urgency))} in version {base.version}"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        m = self.matrix
        if m is None or not index.isValid():
            return None
        impact, urgency = index.row() + 1, index.column() + 1
        if not (1 <= impact <= m.impacts and 1 <= urgency <= m.urgencies):
            return None
        p = m.priority(impact, urgency)
        if role == Qt.ItemDataRole.DisplayRole:
            return m.priority_label(p)
        if role in (Qt.ItemDataRole.EditRole, PRIORITY_ROLE):
            return p
        if role == CHANGED_ROLE:
            return self.changed(impact, urgency)
        if role == Qt.ItemDataRole.BackgroundRole:
            return priority_color(p, m.priorities)
        if role == Qt.ItemDataRole.ForegroundRole:
            return readable_on(priority_color(p, m.priorities))
        if role == Qt.ItemDataRole.FontRole and self.changed(impact, urgency):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            where = f"Impact {m.impact_label(impact)} x Urgency {m.urgency_label(urgency)}"
            tip = f"{where}: {m.priority_label(p)}"
            if self.changed(impact, urgency):
                tip += f"\nChanged: was {self.was(impact, urgency)}"
            return tip + "\nType a digit or press F2 to change it"
        if role == Qt.ItemDataRole.AccessibleDescriptionRole and self.changed(impact, urgency):
            return f"changed, was {self.was(impact, urgency)}"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        m = self.matrix
        if m is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        n = section + 1
        if orientation == Qt.Orientation.Horizontal:
            if not 1 <= n <= m.urgencies:
                return None
            return f"Urgency {m.urgency_label(n)}"
        if not 1 <= n <= m.impacts:
            return None
        return f"Impact {m.impact_label(n)}"

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        m = self.matrix
        if m is None or not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= m.priorities:
            return False
        if value != m.priority(index.row() + 1, index.column() + 1):
            self._edit(index.row() + 1, index.column() + 1, value)
        return True


class RowsTableModel(QAbstractTableModel):
    """Read-only rows of text under fixed headers; replaced whole when new rows arrive."""

    def __init__(self, headers: Sequence[str], parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.headers = tuple(headers)
        self.rows: list[tuple[str, ...]] = []
        self.tips: list[str | None] = []

    def set_rows(self, rows: Sequence[Sequence[str]], tips: Sequence[str | None] = ()) -> None:
        self.beginResetModel()
        self.rows = [tuple(r) for r in rows]
        self.tips = list(tips) + [None] * (len(self.rows) - len(tips))
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if not 0 <= index.column() < len(row):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tips[index.row()] or row[index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
            return self.headers[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self.rows):
            return str(section + 1)
        return None


class CategoryTreeModel(QAbstractItemModel):
    """The category tree (parents above their subcategories, each level by name): name, default
    group, default impact and urgency (in the matrix's words), active or not. An index's
    internal id is the category's id."""

    HEADERS = ("Category", "Default group", "Impact", "Urgency", "Status")

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._by_id: dict[int, CategoryRecord] = {}
        self._children: dict[int | None, list[int]] = {None: []}
        self._impact: Callable[[int], str] = str
        self._urgency: Callable[[int], str] = str

    def set_categories(
        self,
        categories: Sequence[CategoryRecord],
        impact_label: Callable[[int], str] = str,
        urgency_label: Callable[[int], str] = str,
    ) -> None:
        self.beginResetModel()
        self._by_id = {c.id: c for c in categories}
        self._children = {None: []}
        for c in sorted(categories, key=lambda c: c.name.casefold()):
            parent = c.parent_id if c.parent_id in self._by_id else None
            self._children.setdefault(parent, []).append(c.id)
        self._impact, self._urgency = impact_label, urgency_label
        self.endResetModel()

    def category(self, index: Index) -> CategoryRecord | None:
        return self._by_id.get(int(index.internalId())) if index.isValid() else None

    def index_of(self, category_id: int) -> QModelIndex:
        c = self._by_id.get(category_id)
        if c is None:
            return QModelIndex()
        parent = c.parent_id if c.parent_id in self._by_id else None
        return self.createIndex(self._children[parent].index(category_id), 0, category_id)

    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        key = int(parent.internalId()) if parent.isValid() else None
        kids = self._children.get(key, [])
        if not (0 <= row < len(kids) and 0 <= column < len(self.HEADERS)):
            return QModelIndex()
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        return self.createIndex(row, column, kids[row])

    def parent(self, index: Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        c = self.category(index)
        if c is None or c.parent_id not in self._by_id or c.parent_id is None:
            return QModelIndex()
        return self.index_of(c.parent_id)

    def rowCount(self, parent: Index = _ROOT) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        key = int(parent.internalId()) if parent.isValid() else None
        return len(self._children.get(key, []))

    def columnCount(self, parent: Index = _ROOT) -> int:
        return len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        c = self.category(index)
        if c is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return c.name
            if col == 1:
                return c.default_group_name or ""
            if col == 2:
                return self._impact(c.default_impact) if c.default_impact else ""
            if col == 3:
                return self._urgency(c.default_urgency) if c.default_urgency else ""
            return "Active" if c.active else "Deactivated"
        if role == Qt.ItemDataRole.ToolTipRole:
            return c.path
        if role == Qt.ItemDataRole.ForegroundRole and not c.active:
            return QColor("#808080")
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None
