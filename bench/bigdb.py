"""A large queue, fast: reference rows through the services, then N incidents in ONE SQL statement.

    from bench.bigdb import populate
    info = populate("sqlite:////tmp/big.sqlite3", 1_000_000)

Used by ``tests/qt/test_large_queue.py`` and ``bench/gui.py``. What it builds:

- the schema and defaults (``defaults.upgrade_database``), then through the services: an admin, four
  groups on lines 1-3, three agents per group plus the signed-in user of the benchmark
  (``bench``, an agent in "Service Desk", password :data:`PASSWORD`), 40 callers, a category per
  group;
- ``n`` incidents, every one of them open (New, In progress or On hold), written by one
  ``INSERT ... SELECT`` over a recursive CTE (SQLite) or ``generate_series`` (PostgreSQL). Each
  column is a deterministic function of the id: priority 1-5 (1%, 5%, 50%, 34%, 10%) with the
  impact and urgency the default matrix gives it, a title from a small vocabulary (searchable:
  "printer", "vpn", "outlook"...), group, caller, assignee (not for New), SLA instants at
  50/75/100% of a wall-clock stretch of the priority's resolution target with opening instants
  spread so that the oldest third of the queue is overdue, the stage the sweep would have announced
  (so a sweep has nothing to catch up on), and an open ``sla_pauses`` row for each On hold one.

The fast way, and why it stays honest. SQLite: the plain INSERT with every index and the FTS5
trigger in place (faster here than dropping and rebuilding them), on a connection without a
rollback journal (a fresh file: nothing to roll back to), with a large page cache; WAL again
afterwards. 1,000,000 rows: ~20 s. PostgreSQL: the secondary indexes and the search GIN index
are dropped for the INSERT and built again from their own stored definitions; the search
documents are written in one statement exactly as the insert trigger would have (computed once
per distinct title and description: ``to_tsvector`` is a pure function); foreign-key triggers are
skipped for rows whose references were just created (``session_replication_role = replica``, as
``pg_restore --disable-triggers``). 1,000,000 rows: ~30 s. The SLA instants are synthetic (a
fixed stretch of the business target, not the business calendar): the queue sorts and colours by
them as by real ones; an incident window recomputes its clocks from the policy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

PASSWORD = "bench-pass"
BENCH_USER = "bench"
NO_DUE_TEXT = "9999-12-31 00:00:00.000000"

SUBJECTS = (
    "Printer", "VPN", "Outlook", "Laptop", "Wi-Fi", "Monitor", "Teams", "SharePoint", "Badge reader",
    "Scanner", "Password", "Docking station", "Keyboard", "ERP", "Payroll app", "Phone", "Citrix",
    "File share", "Backup job", "Database",
)  # fmt: skip
PROBLEMS = (
    "does not start", "is very slow", "shows an error", "keeps disconnecting", "crashes on open",
    "cannot connect", "asks for credentials again", "freezes after update", "prints blank pages",
    "is not reachable", "reports a licence error", "lost its settings", "times out",
    "shows the wrong data", "will not sync",
)  # fmt: skip
GROUPS = (("Service Desk", 1), ("Desktop Support", 2), ("Network", 2), ("Infrastructure", 3))
FIRST = ("Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas")
LAST = ("Smith", "Jones", "Martin", "Silva", "Novak", "Berg", "Costa", "Keller")


@dataclass
class BigDb:
    url: str
    n: int
    username: str = BENCH_USER
    password: str = PASSWORD
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    group_ids: dict[str, int] = field(default_factory=dict)
    agent_ids: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def _case(expr: str, values: list[Any]) -> str:
    """SQL choosing values[expr] (expr in 0..len-1)."""
    whens = " ".join(f"WHEN {i} THEN {_lit(v)}" for i, v in enumerate(values))
    return f"(CASE {expr} {whens} END)"


def _lit(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def populate(url: str, n: int, *, now: datetime | None = None) -> BigDb:
    """A fresh database at `url` (empty: a new SQLite file or a new PostgreSQL database) with `n`
    open incidents; returns what a test or benchmark needs to know about it."""
    from app.db.engine import make_engine
    from app.services import callers, catalog, defaults, users
    from app.services.context import Desk

    info = BigDb(url, n, now=now or datetime.now(UTC).replace(microsecond=0))
    t0 = time.perf_counter()
    eng = make_engine(url)
    try:
        defaults.upgrade_database(eng)
        desk = Desk(eng)
        users.add_user(desk, None, "admin", "Bench Admin", "admin")
        admin = desk.actor("admin")
        for name, line in GROUPS:
            info.group_ids[name] = catalog.add_group(desk, admin, name, line)
        users.add_user(
            desk,
            admin,
            BENCH_USER,
            "Bea Bench",
            "agent",
            groups=["Service Desk"],
            password=PASSWORD,
        )
        info.agent_ids[BENCH_USER] = desk.actor(BENCH_USER).id
        for gi, (gname, _line) in enumerate(GROUPS):
            for k in range(3):
                uname = f"agent{gi}{k}"
                full = f"{FIRST[(gi * 3 + k) % len(FIRST)]} {LAST[(gi * 5 + k) % len(LAST)]}"
                rec = users.add_user(desk, admin, uname, full, "agent", groups=[gname])
                info.agent_ids[uname] = rec.id
        callers = [
            callers.add_caller(desk, admin, f"{FIRST[i % 10]} {LAST[(i // 10) % 8]} {i}",
                             email=f"caller{i}@example.com", department="Finance" if i % 2 else "Sales")
            for i in range(40)
        ]  # fmt: skip
        cats = [
            catalog.add_category(
                desk, admin, f"{gname} matters", default_group_id=info.group_ids[gname]
            )
            for gname, _ in GROUPS
        ]
        info.timings["reference_s"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        if eng.dialect.name == "sqlite":
            _sqlite_bulk(eng, info, callers, cats)
        else:
            with eng.begin() as conn:
                conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
                conn.execute(text("SET LOCAL synchronous_commit = off"))
                # no per-row FK triggers for rows whose references were just created (what
                # pg_restore --disable-triggers does); the search rows are written below
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                _bulk(conn, info, callers, cats)
        info.timings["incidents_s"] = time.perf_counter() - t1
        info.timings["total_s"] = time.perf_counter() - t0
        return info
    finally:
        eng.dispose()


def _sqlite_bulk(eng: Engine, info: BigDb, callers: list[int], cats: list[int]) -> None:
    """On its own connection without a journal (a fresh file: nothing to roll back to), a big
    page cache and in-memory sorting; WAL again afterwards, as the application expects."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    eng.dispose()
    bulk = create_engine(info.url, poolclass=NullPool)
    try:
        with bulk.connect() as conn:
            for pragma in (
                "journal_mode = OFF",
                "synchronous = OFF",
                "cache_size = -400000",
                "temp_store = MEMORY",
                "threads = 2",
                "foreign_keys = OFF",
            ):
                conn.exec_driver_sql(f"PRAGMA {pragma}")
            _bulk(conn, info, callers, cats)
            conn.commit()
            conn.exec_driver_sql("PRAGMA journal_mode = WAL")
    finally:
        bulk.dispose()


def _bulk(conn: Connection, info: BigDb, callers: list[int], cats: list[int]) -> None:
    pg = conn.dialect.name == "postgresql"
    n = info.n
    targets = dict(
        conn.execute(
            text("SELECT priority, resolution_s FROM sla_targets WHERE policy_id = "
                 "(SELECT min(id) FROM sla_policies)")
        ).all()
    )  # fmt: skip
    policy = conn.execute(text("SELECT min(id) FROM sla_policies")).scalar_one()
    matrix = conn.execute(text("SELECT max(id) FROM matrix_versions")).scalar_one()
    system = conn.execute(text("SELECT id FROM agents WHERE username = 'system'")).scalar_one()
    groups = [info.group_ids[g] for g, _ in GROUPS]
    lines = [line for _, line in GROUPS]
    agents = [[info.agent_ids[f"agent{gi}{k}"] for k in range(3)] for gi in range(len(GROUPS))]
    agents[0].append(info.agent_ids[BENCH_USER])

    # one pass computes the numbers each row is drawn from (materialised, so each is computed
    # once); the outer SELECT turns them into columns
    i = "g.i::bigint" if pg else "g.i"
    h = f"(({i} * 2654435761) % 4294967296)"
    pct = f"({h} % 100)"
    pri = f"(CASE WHEN {pct} < 1 THEN 1 WHEN {pct} < 6 THEN 2 WHEN {pct} < 56 THEN 3 WHEN {pct} < 90 THEN 4 ELSE 5 END)"
    now_epoch = int(info.now.timestamp())
    # wall-clock stretch of the business target: about what office hours make of it
    stretch = {1: 1.0, 2: 2.2, 3: 2.8, 4: 3.0, 5: 3.2}
    walls = {p: int(targets.get(p, 86400) * stretch[p]) for p in (1, 2, 3, 4, 5)}
    wall_of_pri = (
        "(CASE " + pri + " " + " ".join(f"WHEN {p} THEN {w}" for p, w in walls.items()) + " END)"
    )
    # later ids opened later, each up to 1.5 targets ago: the first third of the ids is overdue,
    # and each priority's due instants grow with the id (the indexes fill in order: fast)
    opened = (
        f"({now_epoch} - {wall_of_pri} * 3 / 2 * ({n + 1} - {i}) / {n + 1} - (({h} / 64) % 600))"
    )
    numbers = (
        f"SELECT g.i AS i, {h} AS h, {pri} AS pri, (({h} / 100) % 20) AS st, "
        f"(({h} / 2000) % {len(groups)}) AS gi, (({h} / 8000) % 4) AS ak, {opened} AS o"
    )
    pri_b = "b.pri"
    impact = f"(CASE {pri_b} WHEN 1 THEN 1 WHEN 2 THEN 1 WHEN 3 THEN 2 WHEN 4 THEN 2 ELSE 3 END)"
    urgency = f"(CASE {pri_b} WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 3 THEN 2 WHEN 4 THEN 3 ELSE 3 END)"
    wall = "(CASE b.pri " + " ".join(f"WHEN {p} THEN {w}" for p, w in walls.items()) + " END)"
    # 0-5 new, 6-16 in progress, 17-19 on hold
    state = "(CASE WHEN b.st < 6 THEN 'new' WHEN b.st < 17 THEN 'in_progress' ELSE 'on_hold' END)"
    held = "b.st >= 17"
    assignee = (
        "(CASE WHEN b.st < 6 THEN NULL ELSE (CASE b.gi "
        + " ".join(
            f"WHEN {g} THEN {_case(f'(b.ak % {len(a)})', list(a))}" for g, a in enumerate(agents)
        )
        + " END) END)"
    )
    title = (
        _case(f"(b.h % {len(SUBJECTS)})", list(SUBJECTS))
        + " || ' ' || "
        + _case(f"((b.h / 32) % {len(PROBLEMS)})", list(PROBLEMS))
    )
    if pg:

        def ts(epoch: str) -> str:
            return f"(to_timestamp({epoch}) AT TIME ZONE 'UTC')"

        number = "'INC' || lpad(b.i::text, 7, '0')"
        descr = "'Reported by phone; asset tag AT-' || (b.h % 90000 + 10000)::text"
        cte = f"WITH b AS MATERIALIZED ({numbers} FROM generate_series(1, {n}) AS g(i)) "
        t_true, t_false = "TRUE", "FALSE"
        no_due = f"TIMESTAMP '{NO_DUE_TEXT}'"
    else:

        def ts(epoch: str) -> str:
            # as SQLAlchemy stores a timestamp on SQLite
            return f"(datetime({epoch}, 'unixepoch') || '.000000')"

        number = "'INC' || printf('%07d', b.i)"
        descr = "'Reported by phone; asset tag AT-' || (b.h % 90000 + 10000)"
        cte = (
            f"WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n}), "
            f"b AS MATERIALIZED ({numbers} FROM g) "
        )
        t_true, t_false = "1", "0"
        no_due = f"'{NO_DUE_TEXT}'"
    age = f"({now_epoch} - b.o)"
    # what the sweep has announced by now (nothing to catch up on)
    stage = (
        f"(CASE WHEN {held} THEN 0 WHEN {wall} <= {age} THEN 100 "
        f"WHEN {wall} * 3 / 4 <= {age} THEN 75 WHEN {wall} / 2 <= {age} THEN 50 ELSE 0 END)"
    )

    def flag(cond: str) -> str:
        return f"(CASE WHEN {cond} THEN {t_true} ELSE {t_false} END)"

    def unless_held(expr: str) -> str:
        return f"(CASE WHEN {held} THEN NULL ELSE {expr} END)"

    cols = {
        "id": "b.i",
        "number": number,
        "title": title,
        "description": descr,
        "caller_id": _case(f"(b.i % {len(callers)})", callers),
        "channel": _case("((b.h / 7) % 3)", ["phone", "email", "self-service"]),
        "category_id": _case("b.gi", cats),
        "impact": impact,
        "urgency": urgency,
        "priority": pri_b,
        "matrix_version": str(matrix),
        "state": state,
        "active": t_true,
        "hold_reason": f"(CASE WHEN {held} THEN 'awaiting_vendor' ELSE NULL END)",
        "group_id": _case("b.gi", groups),
        "assignee_id": assignee,
        "support_line": _case("b.gi", lines),
        "reassignment_count": "0",
        "reopen_count": "0",
        "escalated_to_supervisor": t_false,
        "major": flag(f"{pri_b} = 1 AND b.i % 7 = 0"),
        "sla_policy_id": str(policy),
        "opened_at": ts("b.o"),
        "responded_at": f"(CASE WHEN b.st < 6 THEN NULL ELSE {ts('b.o + 600')} END)",
        "response_due": ts("b.o + 3600"),
        "resolution_due": unless_held(ts(f"b.o + {wall}")),
        "warn_at": unless_held(ts(f"b.o + {wall} / 2")),
        "at_risk_at": unless_held(ts(f"b.o + {wall} * 3 / 4")),
        "sla_paused": flag(held),
        "sla_breached": flag(f"NOT ({held}) AND {wall} <= {age}"),
        "sla_stage": stage,
        "due_sort": f"(CASE WHEN {held} THEN {no_due} ELSE {ts(f'b.o + {wall}')} END)",
        "version": "1",
        "opened_by_id": str(system),
        "created_at": ts("b.o"),
        "updated_at": ts(f"min({now_epoch}, b.o + 600 + (b.h / 3) % 7200)" if not pg
                         else f"least({now_epoch}, b.o + 600 + (b.h / 3) % 7200)"),
    }  # fmt: skip
    insert = (
        f"{cte}INSERT INTO incidents ({', '.join(cols)}) SELECT {', '.join(cols.values())} FROM b"
    )
    if not pg:  # SQLite: INSERT INTO t (...) WITH ... SELECT
        insert = f"INSERT INTO incidents ({', '.join(cols)}) {cte}SELECT {', '.join(cols.values())} FROM b"
    if pg:
        _pg_insert(conn, info, insert)
    else:  # the plain way is the fastest here: indexes and the FTS trigger as they are
        t = time.perf_counter()
        conn.execute(text(insert))
        info.timings["insert_s"] = time.perf_counter() - t
    conn.execute(
        text(
            "INSERT INTO sla_pauses (incident_id, started_at, ended_at, reason) "
            "SELECT id, updated_at, NULL, 'awaiting_vendor' FROM incidents WHERE state = 'on_hold'"
        )
    )
    if pg:
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('incidents', 'id'), max(id)) FROM incidents")
        )
        conn.execute(text("ANALYZE incidents"))
        conn.execute(text("ANALYZE incident_search"))


def _pg_insert(conn: Connection, info: BigDb, insert: str) -> None:
    """PostgreSQL: the secondary indexes (and the search GIN index) are dropped for the insert
    and built again from their own definitions; the search documents are written in one
    statement, as the insert trigger would have written them."""
    t = time.perf_counter()
    rows = conn.execute(
        text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.tablename IN ('incidents', 'incident_search') "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
    ).all()
    for name, _ddl in rows:
        conn.execute(text(f'DROP INDEX "{name}"'))
    conn.execute(text("ALTER TABLE incidents DISABLE TRIGGER incidents_search_insert"))
    conn.execute(text(insert))
    info.timings["insert_s"] = time.perf_counter() - t
    t = time.perf_counter()
    # the trigger's document, computed once per distinct title and description (the same
    # values: to_tsvector is a pure function) and joined back
    conn.execute(
        text(
            "WITH t AS (SELECT title, setweight(to_tsvector('english', coalesce(title, '')), 'A')"
            " AS v FROM (SELECT DISTINCT title FROM incidents) x), "
            "d AS (SELECT description, setweight(to_tsvector('english', coalesce(description, "
            "'')), 'B') AS v FROM (SELECT DISTINCT description FROM incidents) y) "
            "INSERT INTO incident_search (incident_id, doc) SELECT i.id, t.v || d.v "
            "FROM incidents i JOIN t ON t.title = i.title "
            "JOIN d ON d.description = i.description "
            "ON CONFLICT (incident_id) DO NOTHING"
        )
    )
    conn.execute(text("ALTER TABLE incidents ENABLE TRIGGER incidents_search_insert"))
    info.timings["search_s"] = time.perf_counter() - t
    t = time.perf_counter()
    for _name, ddl in rows:
        conn.execute(text(ddl))
    info.timings["index_s"] = time.perf_counter() - t


def expected_number(url: str, row: int) -> str:
    """The number at 0-based `row` of the open queue in its default order, asked independently
    of the application: plain SQL with OFFSET."""
    from sqlalchemy import create_engine

    eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                        if url.startswith("postgresql://") else url)  # fmt: skip
    try:
        with eng.connect() as conn:
            return str(
                conn.execute(
                    text(
                        "SELECT number FROM incidents WHERE active ORDER BY priority, due_sort, id "
                        "LIMIT 1 OFFSET :row"
                    ),
                    {"row": row},
                ).scalar_one()
            )
    finally:
        eng.dispose()


def rank_of(url: str, incident_id: int) -> int:
    """The 0-based row of incident `incident_id` in the open queue's default order, asked
    independently of the application: how many open incidents sort before it."""
    from sqlalchemy import create_engine

    eng = create_engine(url)
    try:
        with eng.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT COUNT(*) FROM incidents i, incidents x WHERE x.id = :id "
                        "AND i.active AND (i.priority < x.priority OR (i.priority = x.priority "
                        "AND (i.due_sort < x.due_sort OR (i.due_sort = x.due_sort AND i.id < x.id))))"
                    ),
                    {"id": incident_id},
                ).scalar_one()
            )
    finally:
        eng.dispose()


def sqlite_url(path: Any) -> str:
    return f"sqlite:///{path}"


__all__ = ["BENCH_USER", "PASSWORD", "BigDb", "expected_number", "populate", "rank_of"]


PG_ADMIN_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def create_pg_database(admin_url: str, prefix: str = "incidentdesk_bench") -> str:
    """A new, uniquely named PostgreSQL database; its SQLAlchemy URL."""
    import os
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return (
        make_url(admin_url)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def drop_pg_database(admin_url: str, url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
