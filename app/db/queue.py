"""The incident queue: filtered, sorted, keyset-paged reads in SQLAlchemy Core (never OFFSET).

A sort is a tuple of expressions that always ends with ``incidents.id``, so every row has a
unique key. A page's ``next_cursor`` is the key of its last row; the next page is the rows whose
key compares after it, as one row-value comparison ``(a, b, id) > (:a, :b, :id)`` (``<`` when
descending), which both engines turn into an index range when the sort is index-backed.

Index-backed sorts (the first page and every keyset page read about ``limit`` index entries;
both directions; checked by tests/db/test_queue.py on both engines):

==============  ===========================================================================
sort            open queue (``active_only``)                     all incidents
==============  ===========================================================================
``priority``    ``ix_incidents_queue`` (active, priority,         ``ix_incidents_priority``
                due_sort, id); PostgreSQL may use the partial    (priority, due_sort, id)
                ``ix_incidents_open_queue``. One group:
                ``ix_incidents_group_queue``; one assignee or
                unassigned: ``ix_incidents_assignee_queue``
``sla``         ``ix_incidents_active_due`` (active, due_sort,   not index-backed
                id)
``updated``     ``ix_incidents_active_updated``                  ``ix_incidents_updated``
``number``      ``ix_incidents_active_id`` (active, id)          the primary key
``ping_pong``   ``ix_incidents_ping_pong`` (active,              not index-backed
                group_returns, id)
``state``       ``ix_incidents_state`` (state, priority,         ``ix_incidents_state``
                due_sort, id), through an added
                ``state IN (open states)``
==============  ===========================================================================

Filters narrow inside those scans; several groups or assignees, priorities and states use the
queue index and skip rows; ``breaching`` reads ``ix_incidents_at_risk`` and sorts what it finds;
``text`` sorts the matching open rows. (PostgreSQL, with statistics, sometimes prefers another
of these indexes or the primary key and filters: same order, no sort.)
``title``, ``caller``, ``group`` and ``assignee`` sort case-insensitively on text (absent names
as ``''``); they are not index-backed: each page sorts the filtered rows (top-N), a few ms for a
queue of some thousands, ~0.1-0.3 s for 175,000 open rows. A view over a large queue should call
:func:`fetch_keys` once (one sort) and :func:`fetch_rows_by_ids` for the rows on screen.

On SQLite the timestamp columns are read as their stored text and parsed here (6x faster than
the generic type round trip); values are the same aware UTC datetimes either way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    DateTime,
    FromClause,
    Select,
    String,
    Table,
    and_,
    bindparam,
    event,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection

from app.db.search import matching_ids_clause
from app.domain.lifecycle import State
from app.domain.records import Page, QueueFilter, QueueRow
from app.models import Base, UTCDateTime

__all__ = [
    "DEFAULT_SORT",
    "KEYS_CHUNK",
    "SORTS",
    "count",
    "explain",
    "fetch_keys",
    "fetch_page",
    "fetch_rows_by_ids",
    "filter_clauses",
    "queue_select",
]

incidents: Table = Base.metadata.tables["incidents"]
callers: Table = Base.metadata.tables["callers"]
groups: Table = Base.metadata.tables["groups"]
agents: Table = Base.metadata.tables["agents"]

_I = incidents.c


def _name_key(col: Any) -> ColumnElement[Any]:
    return func.coalesce(func.lower(col), "")


SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "priority": (_I.priority, _I.due_sort, _I.id),
    "number": (_I.id,),
    "updated": (_I.updated_at, _I.id),
    "state": (_I.state, _I.priority, _I.due_sort, _I.id),
    "sla": (_I.due_sort, _I.id),
    "title": (func.lower(_I.title), _I.id),
    "caller": (_name_key(callers.c.name), _I.id),
    "group": (_name_key(groups.c.name), _I.id),
    "assignee": (_name_key(agents.c.full_name), _I.id),
    "ping_pong": (_I.group_returns, _I.id),
}
DEFAULT_SORT = "priority"
KEYS_CHUNK = 50_000
_BY_IDS_CHUNK = 500

# which joined table a sort reads (the key-only query joins just that one)
_SORT_JOINS: dict[str, str] = {"caller": "callers", "group": "groups", "assignee": "agents"}
_ACTIVE_STATES = tuple(s.value for s in State if s.active)
_STATES: dict[str, State] = {s.value: s for s in State}

_ROW_COLUMNS: tuple[ColumnElement[Any], ...] = (
    _I.id,
    _I.number,
    _I.priority,
    _I.state,
    _I.title,
    callers.c.name.label("caller_name"),
    groups.c.name.label("group_name"),
    agents.c.full_name.label("assignee_name"),
    _I.updated_at,
    _I.resolution_due,
    _I.warn_at,
    _I.at_risk_at,
    _I.sla_paused,
    _I.sla_breached,
    _I.major,
    _I.version,
    _I.group_returns,
)
_NROW = len(_ROW_COLUMNS)


def _is_timestamp(col: ColumnElement[Any]) -> bool:
    return isinstance(col.type, UTCDateTime)


def _raw(col: ColumnElement[Any], sqlite: bool) -> ColumnElement[Any]:
    """A timestamp column selected without the UTCDateTime round trip (SQLite: its stored text;
    PostgreSQL: a naive datetime), for _sqlite_ts / _naive_ts; other columns unchanged."""
    if not _is_timestamp(col):
        return col
    name = getattr(col, "name", None)
    if sqlite:
        return type_coerce(col, String()).label(name)
    return type_coerce(col, DateTime()).label(name)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)


def _sqlite_ts(value: Any) -> datetime | None:
    """SQLite's stored 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:
            value = datetime.fromisoformat(value)
    return _naive_ts(value)


def _naive_ts(value: Any) -> datetime | None:
    """A naive UTC datetime as an aware one (10x faster than .replace(tzinfo=UTC))."""
    if value is None:
        return None
    when: datetime = value
    if when.tzinfo is not None:
        return when.astimezone(UTC)
    return _EPOCH + (when - _NAIVE_EPOCH)


TsConverter = Callable[[Any], "datetime | None"]


def _row_maker(ts: TsConverter) -> Callable[[Sequence[Any]], QueueRow]:
    def make(r: Sequence[Any]) -> QueueRow:
        return QueueRow(
            r[0], r[1], r[2], _STATES[r[3]], r[4], r[5], r[6], r[7],
            cast(datetime, ts(r[8])), ts(r[9]), ts(r[10]), ts(r[11]),
            bool(r[12]), bool(r[13]), bool(r[14]), r[15], int(r[16] or 0),
        )  # fmt: skip

    return make


_ROW_SHAPES: dict[bool, tuple[tuple[ColumnElement[Any], ...], Callable[..., QueueRow]]] = {
    sqlite: (
        tuple(_raw(c, sqlite) for c in _ROW_COLUMNS),
        _row_maker(_sqlite_ts if sqlite else _naive_ts),
    )
    for sqlite in (True, False)
}


def _fetch_all(conn: Connection, stmt: Select[Any]) -> Sequence[Sequence[Any]]:
    """All rows of `stmt` as the driver's tuples: every column is selected without a result
    type conversion (see _raw), and building 50,000 Row objects costs more than the query."""
    result = conn.execute(stmt)
    cursor = getattr(result, "cursor", None)
    if cursor is None:
        return result.all()
    try:
        return cast(Sequence[Sequence[Any]], cursor.fetchall())
    finally:
        result.close()


def _sort_cols(sort: str) -> tuple[ColumnElement[Any], ...]:
    try:
        return SORTS[sort]
    except KeyError:
        raise ValueError(f"unknown queue sort {sort!r}; known: {', '.join(SORTS)}") from None


KeyMaker = Callable[[Sequence[Any]], tuple[Any, ...]]


def _key_columns(sort: str, sqlite: bool) -> tuple[list[ColumnElement[Any]], KeyMaker]:
    """The key columns to select for `sort`, and a function turning a row's keys into a cursor."""
    cols = _sort_cols(sort)
    stamps = [i for i, c in enumerate(cols) if _is_timestamp(c)]
    if not stamps:
        return list(cols), tuple
    ts = _sqlite_ts if sqlite else _naive_ts

    def to_key(values: Sequence[Any]) -> tuple[Any, ...]:
        key = list(values)
        for i in stamps:
            key[i] = ts(key[i])
        return tuple(key)

    return [_raw(c, sqlite) for c in cols], to_key


def _joined(tables: Iterable[str]) -> FromClause:
    src: FromClause = incidents
    wanted = set(tables)
    if "callers" in wanted:
        src = src.outerjoin(callers, callers.c.id == _I.caller_id)
    if "groups" in wanted:
        src = src.outerjoin(groups, groups.c.id == _I.group_id)
    if "agents" in wanted:
        src = src.outerjoin(agents, agents.c.id == _I.assignee_id)
    return src


def _in(col: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    return col == values[0] if len(values) == 1 else col.in_(list(values))


def filter_clauses(
    flt: QueueFilter, now: datetime | None = None, dialect_name: str | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE terms of `flt`, on incidents columns only (so count() needs no join).

    A text filter needs `dialect_name` (full-text search differs per engine); text without
    searchable words (say ``"(*"``) does not narrow."""
    where: list[ColumnElement[bool]] = []
    if flt.active_only or flt.breaching:
        where.append(_I.active == true())
    if flt.states:
        where.append(_in(_I.state, [State(s).value for s in flt.states]))
    if flt.group_ids:
        where.append(_in(_I.group_id, flt.group_ids))
    if flt.unassigned and flt.assignee_ids:
        where.append(or_(_I.assignee_id.is_(None), _in(_I.assignee_id, flt.assignee_ids)))
    elif flt.unassigned:
        where.append(_I.assignee_id.is_(None))
    elif flt.assignee_ids:
        where.append(_in(_I.assignee_id, flt.assignee_ids))
    if flt.priorities:
        where.append(_in(_I.priority, flt.priorities))
    if flt.breaching:
        if now is None:  # never the machine's clock: the desk's (`desk.now()`) is the one
            raise ValueError("the breaching filter needs `now`, the desk's clock")
        where.append(_I.at_risk_at <= now)
    if flt.major is not None:
        where.append(_I.major == (true() if flt.major else false()))
    if flt.ping_pong:
        where.append(_I.group_returns > 0)
    if flt.text.strip():
        if dialect_name is None:
            raise ValueError("a text filter needs the dialect_name of the connection")
        # the last word may be half typed (unless the text ends with a space)
        match = matching_ids_clause(
            dialect_name, flt.text, mode="all", prefix_last=not flt.text.endswith(" ")
        )
        if match is not None:
            where.append(match)
    return where


def _after_clause(
    cols: tuple[ColumnElement[Any], ...], descending: bool, after: Sequence[Any]
) -> ColumnElement[bool]:
    if len(after) != len(cols):
        raise ValueError(f"cursor has {len(after)} values, the sort has {len(cols)}")
    binds = [bindparam(None, v, type_=c.type) for c, v in zip(cols, after, strict=True)]
    if len(cols) == 1:
        return cols[0] < binds[0] if descending else cols[0] > binds[0]
    left, right = tuple_(*cols), tuple_(*binds)
    return left < right if descending else left > right


def _ordered_parts(
    stmt: Select[Any],
    flt: QueueFilter,
    sort: str,
    descending: bool,
    after: Sequence[Any] | None,
    now: datetime | None,
    dialect_name: str | None,
) -> list[Select[Any]]:
    """`stmt` filtered, past the cursor and ordered, as one or more ordered parts (no LIMIT).

    The page is the first rows of the parts read one after the other. One part, except on
    SQLite with a cursor: SQLite turns ``(a, b, id) > (x, y, z)`` into an index range on
    ``(a, b)`` only (the id is the rowid), so a page deep inside a long run of equal (a, b) --
    800,000 closed P3 incidents share (3, no due) -- would scan the whole run. There the parts
    are ``a = x AND b = y AND id > z``, then ``a = x AND b > y``, then ``a > x``: exact index
    ranges, each already in order; a page usually needs the first one only."""
    cols = _sort_cols(sort)
    where = filter_clauses(flt, now, dialect_name)
    if sort == "state" and flt.active_only and not flt.states:
        # same rows (active <=> an open state); lets ix_incidents_state deliver them in order
        where.append(_I.state.in_(_ACTIVE_STATES))
    order = [c.desc() if descending else c.asc() for c in cols]
    if after is None or dialect_name != "sqlite" or len(cols) == 1:
        if after is not None:
            where.append(_after_clause(cols, descending, after))
        return [(stmt.where(and_(*where)) if where else stmt).order_by(*order)]
    if len(after) != len(cols):
        raise ValueError(f"cursor has {len(after)} values, the sort has {len(cols)}")
    binds = [bindparam(None, v, type_=c.type) for c, v in zip(cols, after, strict=True)]
    parts = []
    for i in range(len(cols) - 1, -1, -1):
        step = cols[i] < binds[i] if descending else cols[i] > binds[i]
        same = [cols[j] == binds[j] for j in range(i)]
        parts.append(stmt.where(and_(*where, *same, step)).order_by(*order))
    return parts


def _limited(stmt: Select[Any], limit: int | None) -> Select[Any]:
    if limit is None:
        return stmt
    # a literal: PostgreSQL plans a prepared "LIMIT $1" for an unknown row count
    return stmt.limit(literal_column(str(int(limit))))


def _ordered(
    stmt: Select[Any],
    flt: QueueFilter,
    sort: str,
    descending: bool,
    after: Sequence[Any] | None,
    limit: int | None,
    now: datetime | None,
    dialect_name: str | None,
) -> Select[Any]:
    """The page as one statement (the fetch functions read the parts one by one instead)."""
    parts = _ordered_parts(stmt, flt, sort, descending, after, now, dialect_name)
    if len(parts) == 1:
        return _limited(parts[0], limit)
    both = union_all(*[select(*p.c) for p in (_limited(q, limit).subquery() for q in parts)])
    sub = both.subquery()
    keys = list(sub.c)[-len(_sort_cols(sort)) :]
    ordered = select(*sub.c).order_by(*[k.desc() if descending else k.asc() for k in keys])
    return _limited(ordered, limit)


def _fetch_parts(
    conn: Connection, parts: list[Select[Any]], limit: int | None
) -> list[Sequence[Any]]:
    """The first `limit` rows of the parts read in turn."""
    rows: list[Sequence[Any]] = []
    for part in parts:
        need = None if limit is None else limit - len(rows)
        rows.extend(_fetch_all(conn, _limited(part, need)))
        if limit is not None and len(rows) >= limit:
            break
    return rows


def queue_select(
    flt: QueueFilter,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    after: Sequence[Any] | None = None,
    limit: int = 200,
    now: datetime | None = None,
    *,
    dialect_name: str | None = None,
) -> Select[Any]:
    """One page of the queue: the QueueRow columns, then the sort key (k0..kn).

    `after` is a cursor (a previous page's next_cursor or a key from fetch_keys); `now` decides
    "breaching" (default: the current time). Give the connection's `dialect_name`: it picks the
    full-text search and how timestamps are selected without type conversion (SQLite: stored
    text; otherwise naive UTC datetimes), which fetch_page turns into aware UTC datetimes."""
    stmt = _page_columns(sort, dialect_name)
    return _ordered(stmt, flt, sort, descending, after, limit, now, dialect_name)


def _page_columns(sort: str, dialect_name: str | None) -> Select[Any]:
    sqlite = dialect_name == "sqlite"
    key_cols, _ = _key_columns(sort, sqlite)
    row_cols, _make = _ROW_SHAPES[sqlite]
    keys = [c.label(f"k{i}") for i, c in enumerate(key_cols)]
    return select(*row_cols, *keys).select_from(_joined(("callers", "groups", "agents")))


def fetch_page(
    conn: Connection,
    flt: QueueFilter,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    after: Sequence[Any] | None = None,
    limit: int = 200,
    now: datetime | None = None,
) -> Page:
    """Up to `limit` queue rows after the cursor `after` (None: the first page).

    ``next_cursor`` is the last row's sort key, None when the page is short (the end)."""
    name = conn.dialect.name
    sqlite = name == "sqlite"
    parts = _ordered_parts(_page_columns(sort, name), flt, sort, descending, after, now, name)
    raw = _fetch_parts(conn, parts, limit)
    make = _ROW_SHAPES[sqlite][1]
    rows = tuple(make(r) for r in raw)
    cursor = None
    if raw and len(raw) >= limit:
        _, to_key = _key_columns(sort, sqlite)
        cursor = to_key(raw[-1][_NROW:])
    return Page(rows, cursor)


def _key_columns_select(sort: str, dialect_name: str | None) -> Select[Any]:
    key_cols, _ = _key_columns(sort, dialect_name == "sqlite")
    src = _joined([_SORT_JOINS[sort]] if sort in _SORT_JOINS else [])
    return select(*key_cols).select_from(src)


def fetch_keys(
    conn: Connection,
    flt: QueueFilter,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    after: Sequence[Any] | None = None,
    limit: int = KEYS_CHUNK,
    now: datetime | None = None,
) -> list[tuple[Any, ...]]:
    """The sort keys of up to `limit` rows after `after`, in order; each ends with the id.

    Each key is a cursor for fetch_page / fetch_keys; fewer than `limit` keys: the end."""
    name = conn.dialect.name
    _, to_key = _key_columns(sort, name == "sqlite")
    parts = _ordered_parts(_key_columns_select(sort, name), flt, sort, descending, after, now, name)
    rows = _fetch_parts(conn, parts, limit)
    if to_key is tuple:
        return [tuple(r) for r in rows]
    return [to_key(r) for r in rows]


def fetch_place(
    conn: Connection,
    flt: QueueFilter,
    sort: str,
    descending: bool,
    incident_id: int,
    window_end: Sequence[Any] | None,
    now: datetime | None = None,
) -> tuple[bool, int | None]:
    """Where one incident goes in a view that holds the query's rows up to the key
    `window_end` (None: every row): (inside, the id of the row just before it, None if first).

    Two keyed reads whatever the view holds: the incident's own key (filtered, and not past
    `window_end`), then the one row before that key (the parts read backwards, one row)."""
    name = conn.dialect.name
    _, to_key = _key_columns(sort, name == "sqlite")
    where = [*filter_clauses(flt, now, name), _I.id == incident_id]
    if window_end is not None:
        where.append(not_(_after_clause(_sort_cols(sort), descending, window_end)))
    own = conn.execute(_key_columns_select(sort, name).where(and_(*where))).first()
    if own is None:
        return False, None
    key = tuple(own) if to_key is tuple else to_key(own)
    parts = _ordered_parts(
        _key_columns_select(sort, name), flt, sort, not descending, key, now, name
    )
    before = _fetch_parts(conn, parts, 1)
    return True, (int(before[0][-1]) if before else None)


def fetch_rows_by_ids(conn: Connection, ids: Sequence[int]) -> list[QueueRow]:
    """Queue rows of `ids`, in that order; ids that no longer exist are left out."""
    row_cols, make = _ROW_SHAPES[conn.dialect.name == "sqlite"]
    base = select(*row_cols).select_from(_joined(("callers", "groups", "agents")))
    found: dict[int, QueueRow] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _BY_IDS_CHUNK):
        chunk = unique[start : start + _BY_IDS_CHUNK]
        for r in _fetch_all(conn, base.where(_I.id.in_(chunk))):
            found[r[0]] = make(r)
    return [found[i] for i in ids if i in found]


def count(conn: Connection, flt: QueueFilter, now: datetime | None = None) -> int:
    """How many incidents `flt` shows."""
    stmt = select(func.count()).select_from(incidents)
    where = filter_clauses(flt, now, conn.dialect.name)
    if where:
        stmt = stmt.where(and_(*where))
    return int(conn.execute(stmt).scalar_one())


def explain(conn: Connection, stmt: Select[Any]) -> list[str]:
    """The query plan of `stmt` (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL),
    one line a step; the statement itself runs too."""
    prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
    plan: list[str] = []

    def _capture(_c: Any, cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        cursor.execute(prefix + statement, parameters)
        plan.extend(str(r[-1]) for r in cursor.fetchall())

    event.listen(conn, "before_cursor_execute", _capture)
    try:
        conn.execute(stmt).all()
    finally:
        event.remove(conn, "before_cursor_execute", _capture)
    return plan
