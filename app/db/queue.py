"""The incident queue: filtered, sorted, keyset-paged reads in SQLAlchemy Core (never OFFSET).

A sort is a tuple of expressions that always ends with ``incidents.id``, so every row has a
unique key. A page's ``next_cursor`` is the key of its last row; the next page is the rows whose
key compares after it, as one row-value comparison ``(a, b, id) > (:a, :b, :id)`` (``<`` when
descending), which both engines turn into an index range when the sort is index-backed.

Index-backed sorts (the first page and every keyset page read only ``limit`` index entries):

====================  =========================================================================
sort                  index
====================  =========================================================================
``priority``          open queue: ``ix_incidents_queue`` (active, priority, due_sort, id); on
                      PostgreSQL the partial ``ix_incidents_open_queue`` (... WHERE active).
                      One group: ``ix_incidents_group_queue``; one assignee or unassigned:
                      ``ix_incidents_assignee_queue``. All incidents: ``ix_incidents_priority``.
``sla``               open queue: ``ix_incidents_open_due`` (active, due_sort, id)
``updated``           open queue: ``ix_incidents_open_updated`` (active, updated_at, id);
                      all incidents: ``ix_incidents_updated`` (updated_at, id)
``number``            the primary key (all incidents; the open queue filters while it scans)
``state``             ``ix_incidents_state`` (state, priority, due_sort, id)
====================  =========================================================================

``title``, ``caller``, ``group`` and ``assignee`` sort case-insensitively on text (absent names
as ``''``); they are not index-backed: each page sorts the filtered rows (top-N), which is fine
for a queue of some thousands and slow-ish (tens of ms) for hundreds of thousands.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Table,
    and_,
    bindparam,
    false,
    event,
    func,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.engine import Connection

from app.db.search import matching_ids_clause
from app.domain.lifecycle import State
from app.domain.records import Page, QueueFilter, QueueRow
from app.models import Base, utcnow

__all__ = [
    "DEFAULT_SORT",
    "KEYS_CHUNK",
    "SORTS",
    "count",
    "fetch_keys",
    "fetch_page",
    "fetch_rows_by_ids",
    "queue_select",
    "sort_names",
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
}
DEFAULT_SORT = "priority"
KEYS_CHUNK = 50_000

# which joined table a sort reads (the key-only query joins just that one)
_SORT_JOINS: dict[str, str] = {"caller": "callers", "group": "groups", "assignee": "agents"}

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
)
_NROW = len(_ROW_COLUMNS)
_STATES: dict[str, State] = {s.value: s for s in State}


def sort_names() -> tuple[str, ...]:
    return tuple(SORTS)


def _sort_cols(sort: str) -> tuple[ColumnElement[Any], ...]:
    try:
        return SORTS[sort]
    except KeyError:
        raise ValueError(f"unknown queue sort {sort!r}; known: {', '.join(SORTS)}") from None


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


def _in(col: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    return col == values[0] if len(values) == 1 else col.in_(list(values))


def filter_clauses(
    flt: QueueFilter, now: datetime | None = None, dialect_name: str = "sqlite"
) -> list[ColumnElement[bool]]:
    """The WHERE terms of `flt`, on incidents columns only (so count() needs no join)."""
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
        where.append(_I.at_risk_at <= (now or utcnow()))
    if flt.major is not None:
        where.append(_I.major == (true() if flt.major else false()))
    if flt.text.strip():
        match = matching_ids_clause(dialect_name, flt.text, mode="all")
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


def _ordered(
    stmt: Select[Any],
    flt: QueueFilter,
    sort: str,
    descending: bool,
    after: Sequence[Any] | None,
    limit: int | None,
    now: datetime | None,
    dialect_name: str,
) -> Select[Any]:
    cols = _sort_cols(sort)
    where = filter_clauses(flt, now, dialect_name)
    if after is not None:
        where.append(_after_clause(cols, descending, after))
    if where:
        stmt = stmt.where(and_(*where))
    stmt = stmt.order_by(*[c.desc() if descending else c.asc() for c in cols])
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def queue_select(
    flt: QueueFilter,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    after: Sequence[Any] | None = None,
    limit: int = 200,
    now: datetime | None = None,
    *,
    dialect_name: str = "sqlite",
) -> Select[Any]:
    """One page of queue rows: the QueueRow columns, then the sort key as k0..kn."""
    cols = _sort_cols(sort)
    keys = [c.label(f"k{i}") for i, c in enumerate(cols)]
    stmt = select(*_ROW_COLUMNS, *keys).select_from(_joined(("callers", "groups", "agents")))
    return _ordered(stmt, flt, sort, descending, after, limit, now, dialect_name)


def _row(r: Sequence[Any]) -> QueueRow:
    return QueueRow(
        r[0],
        r[1],
        r[2],
        _STATES[r[3]],
        r[4],
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        bool(r[12]),
        bool(r[13]),
        bool(r[14]),
        r[15],
    )


def fetch_page(
    conn: Connection,
    flt: QueueFilter,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    after: Sequence[Any] | None = None,
    limit: int = 200,
    now: datetime | None = None,
) -> Page:
    """The `limit` rows after the cursor `after` (None: the first page)."""
    stmt = queue_select(flt, sort, descending, after, limit, now, dialect_name=conn.dialect.name)
    raw = conn.execute(stmt).all()
    rows = tuple(_row(r) for r in raw)
    cursor = tuple(raw[-1][_NROW:]) if len(raw) == limit and raw else None
    return Page(rows, cursor)


def keys_select(
    flt: QueueFilter,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    after: Sequence[Any] | None = None,
    limit: int | None = KEYS_CHUNK,
    now: datetime | None = None,
    *,
    dialect_name: str = "sqlite",
) -> Select[Any]:
    cols = _sort_cols(sort)
    src = _joined([_SORT_JOINS[sort]] if sort in _SORT_JOINS else [])
    stmt = select(*cols).select_from(src)
    return _ordered(stmt, flt, sort, descending, after, limit, now, dialect_name)


def fetch_keys(
    conn: Connection,
    flt: QueueFilter,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
    after: Sequence[Any] | None = None,
    limit: int = KEYS_CHUNK,
    now: datetime | None = None,
) -> list[tuple[Any, ...]]:
    """The sort keys (each ends with the incident id) of up to `limit` rows after `after`.

    A key is a valid cursor for fetch_page / fetch_keys; fewer than `limit` keys: the end.
    """
    stmt = keys_select(flt, sort, descending, after, limit, now, dialect_name=conn.dialect.name)
    return [tuple(r) for r in conn.execute(stmt)]


_BY_IDS_CHUNK = 500


def fetch_rows_by_ids(conn: Connection, ids: Sequence[int]) -> list[QueueRow]:
    """Queue rows of `ids`, in that order; ids that no longer exist are left out."""
    found: dict[int, QueueRow] = {}
    unique = list(dict.fromkeys(ids))
    base = select(*_ROW_COLUMNS).select_from(_joined(("callers", "groups", "agents")))
    for start in range(0, len(unique), _BY_IDS_CHUNK):
        chunk = unique[start : start + _BY_IDS_CHUNK]
        for r in conn.execute(base.where(_I.id.in_(chunk))):
            found[r[0]] = _row(r)
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
