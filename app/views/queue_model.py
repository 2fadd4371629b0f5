"""The queue table: a lazily fetching item model over the services' keyset paging.

Anki's browser habit: the model keeps the ordered incident ids (a compact ``array('q')``), not
rows. The first screen comes from one keyset page (rows included); further ids arrive in large
key chunks when the view scrolls to the end (``canFetchMore``/``fetchMore``), and rows are fetched
by id, a block at a time, for what the view actually paints. Sorting and filtering happen in SQL:
``sort()`` starts a new query. A change from another workstation places each changed row
(``queries.queue_places``: its own key and the row just before it, two keyed reads however deep
the agent scrolled) and moves, inserts or removes that one row (``beginMoveRows`` keeps the
selection on it): the model is never reset for a change, so selection and scroll stay.

Every service call runs on the task runner; each answer carries the query generation it was asked
for, and an answer for an older query is dropped. Within a query, each remote change gets a
sequence number: a block of rows or a chunk of keys read before a change and arriving after it
never puts the old row back (its changed rows are left out, and placed again if need be).
Cached rows are forgotten by the fetch they came with (oldest first, MAX_BLOCKS fetches), which
stays true when live changes move rows around.

Priority labels and colours come from the active priority matrix (``set_matrix``; each new query
brings the current one along, cached on the desk): under GLPI's 5x5 the queue says "1 - Very
high" as the incident does.
"""

from __future__ import annotations

import functools
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont

from app.domain.matrix import PriorityMatrix
from app.domain.records import PING_PONG_WARNING, Page, QueueFilter, QueueRow
from app.domain.sla import Threshold
from app.domain.wording import compact_time, local_time, plural, row_sla, row_sla_tooltip
from app.services import queries
from app.services.context import Desk
from app.views.colors import muted_color, priority_color, threshold_color
from app.views.tasks import TaskRunner

AnyIndex = QModelIndex | QPersistentModelIndex

FIRST_PAGE = 200
KEY_CHUNK = 50_000
BLOCK = 200
MAX_BLOCKS = 100  # rows kept in memory: 20,000


@dataclass(frozen=True)
class Column:
    title: str
    sort: str  # the services' sort name
    sample: str  # the widest text it usually shows: the column's width follows the font
    extra: int = 0  # room for a decoration


COLUMNS: tuple[Column, ...] = (
    Column("Number", "number", "INC0000000 ★"),
    Column("Priority", "priority", "3 - Moderate", extra=22),
    Column("SLA", "sla", "overdue 365d 23h"),
    Column("State", "state", "In Progress"),
    Column("Title", "title", "A title of about forty-five characters, or so"),
    Column("Caller", "caller", "Agnieszka Nowak"),
    Column("Group", "group", "Desktop Support"),
    Column("Assignee", "assignee", "Hannah Kowalski"),
    Column("Ping-pong", "ping_pong", "Ping-pong", extra=8),  # its header is its widest text
    Column("Updated", "updated", "30 Sep 23:59"),
)
NUMBER, PRIORITY, SLA, STATE, TITLE, CALLER, GROUP, ASSIGNEE, PING_PONG, UPDATED = range(
    len(COLUMNS)
)
ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class Query:
    flt: QueueFilter = field(default_factory=QueueFilter)
    sort: str = "priority"
    descending: bool = False


class QueueTableModel(QAbstractTableModel):
    """Incidents of one queue query, fetched lazily; see the module docstring."""

    loaded = Signal()  # the first page of a new query arrived
    fetching = Signal(bool)
    all_keys = Signal()  # every key of the query is loaded (after load_all_keys)

    def __init__(self, desk: Desk, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._desk = desk
        self._runner = runner
        self._query = Query()
        self._generation = 0
        self._loaded_generation = -1  # the query whose first page the model shows
        self._ids: array[int] = array("q")
        self._rows: dict[int, QueueRow] = {}
        # the cached rows by the fetch that brought them (oldest first) and each row's fetch
        self._blocks: OrderedDict[int, tuple[int, ...]] = OrderedDict()
        self._home: dict[int, int] = {}
        self._fetches = 0
        # remote changes within this query: a sequence, and the last one each incident had
        self._seq = 0
        self._touched: dict[int, int] = {}
        self._parked: dict[int, set[int]] = {}  # row not here yet -> rows to place after it
        self._wanted: set[int] = set()
        self._in_flight: set[int] = set()
        self._cursor: tuple[object, ...] | None = None
        self._more = False
        self._fetching_keys = False
        self._want_all = False  # load_all_keys: go on fetching keys until the end
        self._refreshing = False
        self._refresh_queue: set[int] = set()
        self._now = desk.now()
        self._matrix: PriorityMatrix | None = None  # labels and colours of the priorities
        self._colors: tuple[str | None, ...] = ()  # the admin's colours of the priorities
        self._want_timer = QTimer(self)
        self._want_timer.setSingleShot(True)
        self._want_timer.setInterval(0)
        self._want_timer.timeout.connect(self._fetch_wanted)

    # -- the query ------------------------------------------------------------------------
    @property
    def query(self) -> Query:
        return self._query

    def set_query(self, query: Query) -> None:
        """Show another query (filter or sort); the rows are replaced when they arrive."""
        self._query = query
        self._generation += 1
        self._want_all = False
        gen = self._generation
        desk, q = self._desk, query
        self._runner.run(
            lambda: (
                queries.queue_page(
                    desk, q.flt, sort=q.sort, descending=q.descending, limit=FIRST_PAGE
                ),
                queries.matrix(desk),
            ),
            lambda answer: self._first_page(gen, answer[0], answer[1]),
        )

    def set_filter(self, flt: QueueFilter) -> None:
        self.set_query(replace(self._query, flt=flt))

    def reload(self) -> None:
        self.set_query(self._query)

    def showing_query(self) -> bool:
        """False while the current query's first page has not arrived (or could not be read)."""
        return self._loaded_generation == self._generation

    def _first_page(self, gen: int, page: Page, matrix: PriorityMatrix | None = None) -> None:
        if gen != self._generation:
            return
        if matrix is not None:
            self._matrix = matrix
        self.beginResetModel()
        self._loaded_generation = gen
        self._ids = array("q", (r.id for r in page.rows))
        self._rows = {}
        self._blocks.clear()
        self._home.clear()
        self._touched.clear()
        self._parked.clear()
        self._remember(page.rows)
        self._wanted.clear()
        self._in_flight.clear()
        self._cursor = page.next_cursor
        self._more = page.next_cursor is not None
        self._fetching_keys = False
        self.endResetModel()
        self.loaded.emit()

    # -- Qt model API ---------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section].title
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Sort by {COLUMNS[section].title.lower()}"
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        incident_id = self._ids[index.row()]
        if role == ID_ROLE:
            return incident_id
        row = self._rows.get(incident_id)
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole:
                self._want(index.row())
                return "…" if index.column() == NUMBER else ""
            return None
        if role == ROW_ROLE:
            return row
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._display(row, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == PING_PONG and row.group_returns >= PING_PONG_WARNING:
                return threshold_color(Threshold.BREACHED)
            if col == PRIORITY:
                return self._priority_color(row.priority)
            if col == SLA:
                look = row_sla(row, self._now)
                return muted_color() if look.threshold is None else threshold_color(look.threshold)
            return None
        if role == Qt.ItemDataRole.DecorationRole and col == PRIORITY:
            return self._priority_color(row.priority)
        if role == Qt.ItemDataRole.FontRole and (
            (col == PRIORITY and row.priority <= 2) or (col == NUMBER and row.major)
        ):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == SLA:
                return row_sla_tooltip(row, self._now, self._desk.zone)
            if col == UPDATED:
                return f"Updated {local_time(row.updated_at, self._desk.zone)}"
            if col == TITLE:
                return row.title
            if col == NUMBER and row.major:
                return "Major incident"
            if col == PING_PONG and row.group_returns:
                times = plural(row.group_returns, "time")
                warn = ": check who should own it" if row.group_returns >= PING_PONG_WARNING else ""
                return f"Went back to a group it had left {times}{warn}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (SLA, PING_PONG):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: QueueRow, col: int) -> str:
        if col == NUMBER:
            return row.number + (" ★" if row.major else "")
        if col == PRIORITY:
            return self.priority_label(row.priority)
        if col == SLA:
            return row_sla(row, self._now).text
        if col == STATE:
            return row.state.label
        if col == TITLE:
            return row.title
        if col == CALLER:
            return row.caller_name or ""
        if col == GROUP:
            return row.group_name or ""
        if col == ASSIGNEE:
            return row.assignee_name or ""
        if col == PING_PONG:
            n = row.group_returns
            if not n:
                return ""
            return f"⚠ {n}" if n >= PING_PONG_WARNING else f"↩ {n}"
        if col == UPDATED:
            return compact_time(row.updated_at, self._now, self._desk.zone)
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if COLUMNS[column].sort == self._query.sort and descending == self._query.descending:
            return
        self.set_query(replace(self._query, sort=COLUMNS[column].sort, descending=descending))

    # -- more ids, lazily -------------------------------------------------------------------
    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._fetching_keys

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._fetching_keys = True
        self.fetching.emit(True)
        gen, desk, q, after, seq = (
            self._generation,
            self._desk,
            self._query,
            self._cursor,
            self._seq,
        )
        self._runner.run(
            lambda: queries.queue_keys(
                desk, q.flt, sort=q.sort, descending=q.descending, after=after, limit=KEY_CHUNK
            ),
            lambda keys: self._keys_arrived(gen, keys, seq),
            lambda _exc: self._keys_failed(gen),
        )

    def _keys_failed(self, gen: int) -> None:
        if gen == self._generation:
            self._want_all = False
            self._fetching_keys = False
            self.fetching.emit(False)

    def _keys_arrived(self, gen: int, keys: list[tuple[object, ...]], seq: int = 0) -> None:
        if gen != self._generation:
            return
        self._fetching_keys = False
        self.fetching.emit(False)
        self._more = len(keys) == KEY_CHUNK
        if keys:
            self._cursor = keys[-1]
            ids = [int(k[-1]) for k in keys]  # type: ignore[call-overload]
            moved = self._changed_since(ids, seq)
            if moved:  # read before a change: those rows are placed again, never doubled
                ids = [i for i in ids if i not in moved]
            if ids:
                first = len(self._ids)
                self.beginInsertRows(QModelIndex(), first, first + len(ids) - 1)
                self._ids.extend(ids)
                self.endInsertRows()
            if moved:
                self.refresh_incidents(moved)
        if self._want_all:
            if self._more:
                self.fetchMore()
            else:
                self._want_all = False
                self.all_keys.emit()

    def load_all_keys(self) -> None:
        """Fetch the rest of the query's keys (ids only, KEY_CHUNK per read, off the GUI
        thread; rows stay lazy), then emit all_keys: what Ctrl+A selects is the whole view."""
        if not self._more:
            self.all_keys.emit()
            return
        self._want_all = True
        if not self._fetching_keys:
            self.fetchMore()

    def ids_between(self, first: int, last: int) -> list[int]:
        """The ids of rows first..last (a selection range), without an index per row."""
        return list(self._ids[max(first, 0) : last + 1])

    def _changed_since(self, ids: Iterable[int], seq: int) -> set[int]:
        """Of `ids`, those a remote change reached after sequence number `seq`."""
        if self._seq == seq:
            return set()
        touched = self._touched
        return {i for i in ids if touched.get(i, 0) > seq}

    def loaded_rows(self) -> int:
        return len(self._ids)

    def has_more(self) -> bool:
        return self._more

    # -- rows, lazily -----------------------------------------------------------------------
    def _want(self, row: int) -> None:
        block = row // BLOCK
        if block in self._in_flight or block in self._wanted:
            return
        self._wanted.add(block)
        if not self._want_timer.isActive():
            self._want_timer.start()

    def _fetch_wanted(self) -> None:
        gen, desk, seq = self._generation, self._desk, self._seq
        for block in sorted(self._wanted):
            ids = tuple(self._ids[block * BLOCK : (block + 1) * BLOCK])
            if not ids:
                continue
            self._in_flight.add(block)
            self._runner.run(
                functools.partial(queries.queue_rows, desk, ids),
                functools.partial(self._rows_arrived, gen, block, ids, seq),
                functools.partial(self._rows_failed, block),
            )
        self._wanted.clear()

    def _rows_failed(self, block: int, _exc: Exception) -> None:
        self._in_flight.discard(block)

    def _rows_arrived(
        self, gen: int, block: int, ids: tuple[int, ...], seq: int, rows: list[QueueRow]
    ) -> None:
        if gen != self._generation:
            return
        self._in_flight.discard(block)
        stale = self._changed_since(ids, seq)  # read before a change that is shown already
        self._remember([r for r in rows if r.id not in stale])
        first = block * BLOCK
        last = min(first + BLOCK, len(self._ids)) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _remember(self, rows: Iterable[QueueRow]) -> None:
        """Cache `rows` as one fetch; forget the oldest fetches' rows beyond MAX_BLOCKS."""
        self._fetches += 1
        fetch = self._fetches
        ids = []
        for r in rows:
            self._rows[r.id] = r
            self._home[r.id] = fetch
            ids.append(r.id)
        if not ids:
            return
        self._blocks[fetch] = tuple(ids)
        while len(self._blocks) > MAX_BLOCKS:
            old, old_ids = self._blocks.popitem(last=False)
            for i in old_ids:
                if self._home.get(i) == old:  # not fetched again since
                    del self._home[i]
                    self._rows.pop(i, None)

    def cached_rows(self) -> int:
        return len(self._rows)

    # -- live ---------------------------------------------------------------------------------
    def tick(self, first: int, last: int, now: datetime | None = None) -> None:
        """Repaint the SLA column of rows first..last (the visible ones) at `now`."""
        self._now = now or self._desk.now()
        last = min(last, len(self._ids) - 1)
        if first < 0 or last < first:
            return
        self.dataChanged.emit(
            self.index(first, SLA),
            self.index(last, SLA),
            [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole],
        )

    def refresh_incidents(self, incident_ids: Iterable[int]) -> None:
        """Incidents changed elsewhere: read those rows and where each goes, then place them."""
        if self._loaded_generation != self._generation:
            return  # a new query is on its way: its first page has these changes already
        fresh = set(incident_ids) - self._refresh_queue
        for i in fresh:  # from now on, an older read of these rows is stale
            self._seq += 1
            self._touched[i] = self._seq
        self._refresh_queue.update(fresh)
        if self._refreshing or not self._refresh_queue:
            return
        changed = sorted(self._refresh_queue)
        self._refresh_queue.clear()
        self._refreshing = True
        gen, desk, q, seq = self._generation, self._desk, self._query, self._seq
        window_end = self._cursor if self._more else None

        def work() -> tuple[list[QueueRow], dict[int, tuple[bool, int | None]]]:
            return queries.queue_places(
                desk, q.flt, changed, sort=q.sort, descending=q.descending, window_end=window_end
            )

        def done(result: tuple[list[QueueRow], dict[int, tuple[bool, int | None]]]) -> None:
            self._refreshing = False
            if gen == self._generation == self._loaded_generation:
                if (self._cursor if self._more else None) != window_end:
                    self._refresh_queue.update(changed)  # more keys came meanwhile: again
                else:
                    rows, places = result
                    self.place(rows, places)
                    # a row placed after one that changed meanwhile (its change not placed
                    # yet): placed again together with it
                    self._refresh_queue.update(
                        i
                        for i, (inside, before) in places.items()
                        if inside and before is not None and self._touched.get(before, 0) > seq
                    )
            if self._refresh_queue:
                self.refresh_incidents(())

        def failed(_exc: Exception) -> None:
            self._refreshing = False
            self._refresh_queue.update(changed)

        self._runner.run(work, done, failed)

    def place(self, rows: Sequence[QueueRow], places: dict[int, tuple[bool, int | None]]) -> None:
        """Put each changed incident where its query says: after the row just before it (moved,
        inserted, or removed when it left the query or the loaded window); repaint its row."""
        for i in places:
            self._rows.pop(i, None)
        self._remember(rows)
        pending = {i for i, (inside, _b) in places.items() if inside}
        for i, (inside, _b) in places.items():
            if not inside:
                self._remove(i)
        while pending:  # a row goes after its predecessor: predecessors first
            # (reads of one batch agree on one order; should they not, never loop: go on)
            ready = [i for i in pending if places[i][1] not in pending] or [min(pending)]
            for i in sorted(ready):
                self._put_after(i, places[i][1])
                pending.discard(i)

    def _position(self, incident_id: int) -> int:
        try:
            return self._ids.index(incident_id)
        except ValueError:
            return -1

    def _remove(self, incident_id: int) -> None:
        cur = self._position(incident_id)
        if cur >= 0:
            self.beginRemoveRows(QModelIndex(), cur, cur)
            del self._ids[cur]
            self.endRemoveRows()

    def _put_after(self, incident_id: int, before: int | None) -> None:
        cur = self._position(incident_id)
        if before is None:
            final = 0
        else:
            p = self._position(before)
            if p < 0:
                # the row before it is not here yet (a new incident whose change is still to
                # come): this one waits for it and is placed again once it is here
                self._remove(incident_id)
                self._parked.setdefault(before, set()).add(incident_id)
                return
            final = p + 1 - (1 if 0 <= cur < p else 0)  # its index once it left its place
        waiting = self._parked.pop(incident_id, None)
        if waiting:
            self._refresh_queue.update(waiting)
        if cur < 0:
            self.beginInsertRows(QModelIndex(), final, final)
            self._ids.insert(final, incident_id)
            self.endInsertRows()
        elif cur != final:
            dest = final if final < cur else final + 1
            self.beginMoveRows(QModelIndex(), cur, cur, QModelIndex(), dest)
            del self._ids[cur]
            self._ids.insert(final, incident_id)
            self.endMoveRows()
        self.dataChanged.emit(self.index(final, 0), self.index(final, len(COLUMNS) - 1))

    # -- the priority matrix ------------------------------------------------------------------
    def set_matrix(self, matrix: PriorityMatrix, colors: Sequence[str | None] = ()) -> None:
        """Show priorities as `matrix` names and colours them (the admin's `colors` where set;
        a new matrix version or new colours saved somewhere): the priority column repaints,
        nothing else moves."""
        if matrix == self._matrix and tuple(colors) == self._colors:
            return
        self._matrix = matrix
        self._colors = tuple(colors)
        if self._ids:
            self.dataChanged.emit(
                self.index(0, PRIORITY),
                self.index(len(self._ids) - 1, PRIORITY),
                [
                    Qt.ItemDataRole.DisplayRole,
                    Qt.ItemDataRole.AccessibleTextRole,
                    Qt.ItemDataRole.ForegroundRole,
                    Qt.ItemDataRole.DecorationRole,
                ],
            )

    def matrix(self) -> PriorityMatrix | None:
        return self._matrix

    def priority_label(self, priority: int) -> str:
        """'1 - Very high': the active matrix's name for `priority` (the number until known)."""
        return self._matrix.priority_label(priority) if self._matrix is not None else str(priority)

    def _priority_color(self, priority: int) -> QColor:
        if self._matrix is None:
            return muted_color()
        return priority_color(priority, self._matrix.priorities, self._colors)

    # -- helpers for windows and tests --------------------------------------------------------
    def incident_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, incident_id: int) -> int | None:
        try:
            return self._ids.index(incident_id)
        except ValueError:
            return None

    def cached_row(self, incident_id: int) -> QueueRow | None:
        return self._rows.get(incident_id)

    def generation(self) -> int:
        return self._generation
