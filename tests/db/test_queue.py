"""The queue: ordering, keyset paging, filters, counts and index use, on both engines."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from seed import (
    AGENTS,
    CALLERS,
    GROUPS,
    T0,
    add_journal,
    insert_incidents,
    random_incidents,
    seed_people,
)
from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from app.db import queue
from app.db.queue import SORTS, count, fetch_keys, fetch_page, fetch_rows_by_ids, queue_select
from app.domain.lifecycle import State
from app.domain.records import QueueFilter

N = 300
NOW = T0 + timedelta(hours=20)
ALL = QueueFilter(active_only=False)
OPEN = QueueFilter()

Row = dict[str, Any]


@pytest.fixture
def rows(engine: Engine) -> list[Row]:
    data = random_incidents(N)
    with engine.begin() as conn:
        seed_people(conn)
        insert_incidents(conn, data)
    return data


@pytest.fixture
def conn(engine: Engine, rows: list[Row]) -> Iterator[Connection]:
    with engine.connect() as c:
        yield c


def _name(table: dict[int, str], key: int | None) -> str:
    return table[key].lower() if key is not None else ""


# the expected order of each sort, computed in Python from the seeded rows
PY_KEYS: dict[str, Callable[[Row], tuple[Any, ...]]] = {
    "priority": lambda r: (r["priority"], r["due_sort"], r["id"]),
    "number": lambda r: (r["id"],),
    "updated": lambda r: (r["updated_at"], r["id"]),
    "state": lambda r: (r["state"], r["priority"], r["due_sort"], r["id"]),
    "sla": lambda r: (r["due_sort"], r["id"]),
    "title": lambda r: (r["title"].lower(), r["id"]),
    "caller": lambda r: (_name(CALLERS, r["caller_id"]), r["id"]),
    "group": lambda r: (_name(GROUPS, r["group_id"]), r["id"]),
    "assignee": lambda r: (_name(AGENTS, r["assignee_id"]), r["id"]),
    "ping_pong": lambda r: (r["group_returns"], r["id"]),
}


def expected_ids(
    rows: list[Row], sort: str, descending: bool, pred: Callable[[Row], bool]
) -> list[int]:
    chosen = sorted((r for r in rows if pred(r)), key=PY_KEYS[sort], reverse=descending)
    return [r["id"] for r in chosen]


def all_pages(conn: Connection, flt: QueueFilter, sort: str, desc: bool, limit: int) -> list[int]:
    ids: list[int] = []
    after = None
    for _ in range(N + 2):
        page = fetch_page(conn, flt, sort, desc, after, limit, now=NOW)
        assert len(page.rows) <= limit
        ids += [r.id for r in page.rows]
        if page.next_cursor is None:
            return ids
        assert page.next_cursor[-1] == page.rows[-1].id
        after = page.next_cursor
    raise AssertionError("paging did not end")


def test_sorts_end_with_the_id() -> None:
    for name, cols in SORTS.items():
        assert cols[-1] is queue.incidents.c.id, name
    assert set(PY_KEYS) == set(SORTS)


def test_default_queue_order_is_priority_then_due_then_number(
    conn: Connection, rows: list[Row]
) -> None:
    page = fetch_page(conn, OPEN, limit=1000, now=NOW)
    assert [r.id for r in page.rows] == expected_ids(rows, "priority", False, lambda r: r["active"])
    assert page.next_cursor is None
    # the ties are real: several rows share priority and due (NO_DUE for paused clocks)
    keys = [(r.priority, r.resolution_due) for r in page.rows]
    assert len(set(keys)) < len(keys) / 2
    first = page.rows[0]
    assert isinstance(first.state, State) and first.state.active
    assert first.updated_at.tzinfo is not None


def test_queue_row_fields(conn: Connection, rows: list[Row]) -> None:
    by_id = {r["id"]: r for r in rows}
    for row in fetch_page(conn, ALL, "number", limit=N, now=NOW).rows:
        src = by_id[row.id]
        assert row.number == src["number"]
        assert row.title == src["title"]
        assert row.state == State(src["state"])
        assert row.caller_name == (CALLERS[src["caller_id"]] if src["caller_id"] else None)
        assert row.group_name == (GROUPS[src["group_id"]] if src["group_id"] else None)
        assert row.assignee_name == (AGENTS[src["assignee_id"]] if src["assignee_id"] else None)
        assert row.resolution_due == src["resolution_due"]
        assert row.at_risk_at == src["at_risk_at"]
        assert row.updated_at == src["updated_at"]
        assert (row.sla_paused, row.major, row.version) == (src["sla_paused"], src["major"], 1)


@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", list(SORTS))
def test_keyset_pages_concatenate_to_the_full_order(
    conn: Connection, rows: list[Row], sort: str, desc: bool
) -> None:
    for flt, pred in ((OPEN, lambda r: r["active"]), (ALL, lambda r: True)):
        expected = expected_ids(rows, sort, desc, pred)
        got = all_pages(conn, flt, sort, desc, limit=23)
        assert len(got) == len(set(got)), "a row came twice"
        assert got == expected
        # and key chunks walk the same order, each key a valid cursor
        keys = _all_keys(conn, flt, sort, desc, chunk=40)
        assert [k[-1] for k in keys] == expected


def _all_keys(conn: Connection, flt: QueueFilter, sort: str, desc: bool, chunk: int) -> list[tuple]:
    keys: list[tuple] = []
    after = None
    while True:
        got = fetch_keys(conn, flt, sort, desc, after, chunk, now=NOW)
        keys += got
        if len(got) < chunk:
            return keys
        after = got[-1]


def test_page_ending_exactly_at_the_end(conn: Connection, rows: list[Row]) -> None:
    n_open = sum(r["active"] for r in rows)
    page = fetch_page(conn, OPEN, limit=n_open, now=NOW)
    assert len(page.rows) == n_open and page.next_cursor is not None
    last = fetch_page(conn, OPEN, after=page.next_cursor, limit=n_open, now=NOW)
    assert last.rows == () and last.next_cursor is None


def test_keys_are_cursors_for_pages(conn: Connection) -> None:
    keys = fetch_keys(conn, OPEN, "priority", limit=10_000)
    page = fetch_page(conn, OPEN, "priority", after=keys[99], limit=5, now=NOW)
    assert [r.id for r in page.rows] == [k[-1] for k in keys[100:105]]
    ids = [k[-1] for k in keys[40:60]]
    assert [r.id for r in fetch_rows_by_ids(conn, ids)] == ids


def test_fetch_rows_by_ids_keeps_order_and_skips_missing(conn: Connection) -> None:
    ids = [250, 3, 999_999, 77, 3, 1]
    got = fetch_rows_by_ids(conn, ids)
    assert [r.id for r in got] == [250, 3, 77, 3, 1]
    assert fetch_rows_by_ids(conn, []) == []
    many = list(range(N, 0, -1))  # more than one IN chunk
    assert [r.id for r in fetch_rows_by_ids(conn, many)] == many


FILTERS: dict[str, tuple[QueueFilter, Callable[[Row], bool]]] = {
    "open": (OPEN, lambda r: r["active"]),
    "all": (ALL, lambda r: True),
    "states": (
        QueueFilter(active_only=False, states=(State.NEW, State.RESOLVED)),
        lambda r: r["state"] in ("new", "resolved"),
    ),
    "one group": (QueueFilter(group_ids=(2,)), lambda r: r["active"] and r["group_id"] == 2),
    "groups": (
        QueueFilter(group_ids=(1, 3)),
        lambda r: r["active"] and r["group_id"] in (1, 3),
    ),
    "assignee": (QueueFilter(assignee_ids=(2,)), lambda r: r["active"] and r["assignee_id"] == 2),
    "unassigned": (
        QueueFilter(unassigned=True),
        lambda r: r["active"] and r["assignee_id"] is None,
    ),
    "mine or unassigned": (
        QueueFilter(unassigned=True, assignee_ids=(1,)),
        lambda r: r["active"] and r["assignee_id"] in (None, 1),
    ),
    "group unassigned": (
        QueueFilter(group_ids=(1,), unassigned=True),
        lambda r: r["active"] and r["group_id"] == 1 and r["assignee_id"] is None,
    ),
    "priorities": (
        QueueFilter(priorities=(1, 2)),
        lambda r: r["active"] and r["priority"] in (1, 2),
    ),
    "breaching": (
        QueueFilter(breaching=True),
        lambda r: r["active"] and r["at_risk_at"] is not None and r["at_risk_at"] <= NOW,
    ),
    "major": (QueueFilter(active_only=False, major=True), lambda r: r["major"]),
    "not major": (QueueFilter(major=False), lambda r: r["active"] and not r["major"]),
    "text": (
        QueueFilter(active_only=False, text="Printer"),
        lambda r: "printer" in (r["title"] + " " + r["description"]).lower(),
    ),
    "text, two words": (
        QueueFilter(text="vpn laptop"),
        lambda r: (
            r["active"]
            and {"vpn", "laptop"} <= set((r["title"] + " " + r["description"]).lower().split())
        ),
    ),
    "text without words": (QueueFilter(text=' "(*: '), lambda r: r["active"]),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_filters(conn: Connection, rows: list[Row], name: str) -> None:
    flt, pred = FILTERS[name]
    expected = expected_ids(rows, "priority", False, pred)
    assert expected, "the seed should give every filter something to find"
    assert all_pages(conn, flt, "priority", False, limit=50) == expected
    assert count(conn, flt, NOW) == len(expected)
    assert [k[-1] for k in fetch_keys(conn, flt, now=NOW)] == expected


def test_breaching_depends_on_now(conn: Connection, rows: list[Row]) -> None:
    early = T0 - timedelta(days=1)
    assert count(conn, QueueFilter(breaching=True), early) == 0
    late = T0 + timedelta(days=10)
    n_running = sum(1 for r in rows if r["active"] and r["at_risk_at"] is not None)
    assert count(conn, QueueFilter(breaching=True), late) == n_running
    with pytest.raises(ValueError, match="the desk's clock"):  # never the machine's
        count(conn, QueueFilter(breaching=True))


def test_text_filter_sees_the_journal(engine: Engine, rows: list[Row]) -> None:
    with engine.begin() as c:
        add_journal(c, 42, "The zeppelin adapter overheated")
    with engine.connect() as c:
        flt = QueueFilter(active_only=False, text="zeppelin")
        assert [r.id for r in fetch_page(c, flt, now=NOW).rows] == [42]
        assert count(c, flt, NOW) == 1


def test_bad_sort_and_bad_cursor(conn: Connection) -> None:
    with pytest.raises(ValueError, match="unknown queue sort"):
        fetch_page(conn, OPEN, "colour")
    with pytest.raises(ValueError, match="cursor"):
        fetch_page(conn, OPEN, "priority", after=(1, 2))


def test_no_offset(conn: Connection) -> None:
    keys = fetch_keys(conn, OPEN, limit=50)
    stmt = queue_select(OPEN, "number", after=keys[-1][-1:], dialect_name=conn.dialect.name)
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    # SQLAlchemy writes "OFFSET 0" on SQLite whatever we do; a real offset never appears
    assert not re.search(r"OFFSET\s+(?!0\b)", sql)


# --- index use ------------------------------------------------------------------------------


def _plan(
    conn: Connection,
    flt: QueueFilter,
    sort: str = "priority",
    after: Any = None,
    desc: bool = False,
) -> str:
    if conn.dialect.name == "postgresql":
        # a few hundred rows: make the planner show whether an index gives the order
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            conn.execute(text(f"SET {setting} = off"))
    stmt = queue_select(flt, sort, desc, after, 200, NOW, dialect_name=conn.dialect.name)
    return "\n".join(queue.explain(conn, stmt))


def _assert_ordered_index_scan(plan: str, dialect: str, index: str) -> None:
    """`index` (or any of "a|b") reads the rows in the wanted order: no sort, no table scan."""
    assert any(name in plan for name in index.split("|")), plan
    if dialect == "sqlite":
        assert "TEMP B-TREE" not in plan, plan
        assert not re.search(r"SCAN incidents(?! USING (COVERING )?INDEX)", plan), plan
    else:
        assert not re.search(r"^\s*(->\s*)?Sort\b", plan, re.M), plan
        assert "Seq Scan on incidents" not in plan, plan


@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
def test_open_queue_page_uses_the_queue_index(conn: Connection, desc: bool) -> None:
    dialect = conn.dialect.name
    # PostgreSQL has the partial open-queue index too; with real statistics it takes either
    index = (
        "ix_incidents_queue"
        if dialect == "sqlite"
        else "ix_incidents_open_queue|ix_incidents_queue"
    )
    _assert_ordered_index_scan(_plan(conn, OPEN, desc=desc), dialect, index)
    cursor = fetch_keys(conn, OPEN, "priority", desc, limit=30)[-1]
    plan = _plan(conn, OPEN, after=cursor, desc=desc)
    if dialect == "sqlite":
        # one exact index range per key prefix (see queue._sqlite_keyset); only the merged
        # parts, at most 3 x 200 rows, are sorted again
        op = "<" if desc else ">"
        for rng in (
            f"active=? AND priority=? AND due_sort=? AND id{op}?",
            f"active=? AND priority=? AND due_sort{op}?",
            f"active=? AND priority{op}?",
        ):
            assert f"USING INDEX ix_incidents_queue ({rng})" in plan, plan
        assert not re.search(r"SCAN incidents(?! USING (COVERING )?INDEX)", plan), plan
    else:
        _assert_ordered_index_scan(plan, dialect, index)
        assert re.search(r"Index Cond: \(ROW\(priority, due_sort, id\) [<>] ROW\(", plan), plan


# (filter, sort, index on SQLite, index on PostgreSQL)
INDEXED = {
    "group": (QueueFilter(group_ids=(2,)), "priority", "ix_incidents_group_queue", None),
    "assignee": (QueueFilter(assignee_ids=(2,)), "priority", "ix_incidents_assignee_queue", None),
    # PostgreSQL does not take "assignee_id IS NULL" as fixing the leading column: it walks
    # the open queue and skips assigned rows
    "unassigned": (
        QueueFilter(unassigned=True),
        "priority",
        "ix_incidents_assignee_queue",
        "ix_incidents_open_queue|ix_incidents_queue",
    ),
    "all": (ALL, "priority", "ix_incidents_priority", None),
    "all-updated": (ALL, "updated", "ix_incidents_updated", None),
    "all-state": (ALL, "state", "ix_incidents_state", None),
    "all-number": (ALL, "number", "pk_incidents", None),
    "open-updated": (OPEN, "updated", "ix_incidents_active_updated", None),
    "open-sla": (OPEN, "sla", "ix_incidents_active_due", None),
    "open-number": (OPEN, "number", "ix_incidents_active_id", None),
    "open-state": (OPEN, "state", "ix_incidents_state", None),
}


@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("name", list(INDEXED))
def test_common_filters_and_sorts_use_an_index(conn: Connection, name: str, desc: bool) -> None:
    flt, sort, sqlite_index, pg_index = INDEXED[name]
    dialect = conn.dialect.name
    index = sqlite_index if dialect == "sqlite" else (pg_index or sqlite_index)
    if index == "pk_incidents" and dialect == "sqlite":
        plan = _plan(conn, flt, sort, desc=desc)
        assert plan.startswith("SCAN incidents") and "TEMP B-TREE" not in plan, plan
        return
    _assert_ordered_index_scan(_plan(conn, flt, sort, desc=desc), dialect, index)


def test_count_of_the_open_queue_reads_an_index(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET enable_seqscan = off"))
    stmt = (
        queue.select(queue.func.count())
        .select_from(queue.incidents)
        .where(*queue.filter_clauses(OPEN, NOW, conn.dialect.name))
    )
    plan = "\n".join(queue.explain(conn, stmt))
    assert "ix_incidents_" in plan and "SCAN incidents\n" not in plan + "\n", plan


def test_timestamps_are_aware(conn: Connection) -> None:
    row = fetch_page(conn, OPEN, limit=1, now=NOW).rows[0]
    assert all(
        d is None or (isinstance(d, datetime) and d.utcoffset() == timedelta(0))
        for d in (row.updated_at, row.resolution_due, row.warn_at, row.at_risk_at)
    )


def test_timestamp_parsing_of_raw_values() -> None:
    from datetime import UTC

    from app.db.queue import _naive_ts, _sqlite_ts

    want = datetime(2026, 1, 5, 9, 30, 0, 123456, tzinfo=UTC)
    assert _sqlite_ts("2026-01-05 09:30:00.123456") == want
    assert _sqlite_ts("2026-01-05T09:30:00.123456") == want
    assert _sqlite_ts("2026-01-05 10:30:00.123456+01:00") == want
    assert _sqlite_ts("9999-12-31 00:00:00.000000") == datetime(9999, 12, 31, tzinfo=UTC)
    assert _sqlite_ts(None) is None
    assert _naive_ts(datetime(2026, 1, 5, 9, 30, 0, 123456)) == want
    assert _naive_ts(want) == want and _naive_ts(None) is None
    assert _sqlite_ts("2026-01-05 09:30:00.123456").tzinfo is UTC


@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("sort", list(SORTS))
def test_a_row_is_placed_after_the_row_just_before_it(
    conn: Connection, rows: list[Row], sort: str, desc: bool
) -> None:
    """fetch_place answers, for any row of any sort, what the full order says: inside the
    window or not, and the id just before it."""
    from app.db.queue import fetch_place

    expected = expected_ids(rows, sort, desc, lambda r: r["active"])
    keys = _all_keys(conn, OPEN, sort, desc, chunk=1000)
    window = 120  # the view holds the first 120 rows
    end = keys[window - 1]
    closed = next(r["id"] for r in rows if not r["active"])
    samples = [*expected[:3], *expected[window - 2 : window + 2], expected[-1], closed]
    for incident_id in samples:
        inside, before = fetch_place(conn, OPEN, sort, desc, incident_id, end, now=NOW)
        if incident_id == closed:
            assert (inside, before) == (False, None)
            continue
        pos = expected.index(incident_id)
        assert inside == (pos < window), (sort, desc, pos)
        if inside:
            assert before == (expected[pos - 1] if pos else None), (sort, desc, pos)
        everything = fetch_place(conn, OPEN, sort, desc, incident_id, None, now=NOW)
        assert everything == (True, expected[pos - 1] if pos else None)
