"""The bulk import (rows built as dicts, one executemany or COPY per table and batch) writes
exactly what logging each incident through the ORM writes, on SQLite and PostgreSQL; an
incident whose group assigns automatically still gets its assignee; and imported incidents
are found by search and in the queue like any other."""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app.db.engine import make_engine
from app.domain.imports import read_bpi2013, read_servicenow
from app.domain.records import QueueFilter
from app.services import assignment, imports, queries
from app.services.context import Desk
from tests.intake.test_imports import BPI, SERVICENOW, first_incidents, write_csv

# what two databases written at different wall-clock instants cannot share
WALL_CLOCK = {"callers": ("created_at",), "change_log": ("seq", "at")}
TABLES = (
    "incidents",
    "audit",
    "journal",
    "sla_pauses",
    "imported_records",
    "callers",
    "groups",
    "categories",
    "change_log",
)


def dump(engine: Engine) -> dict[str, Any]:
    """Every row an import writes, with the full-text index, as comparable values."""
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in TABLES:
            rows = conn.execute(text(f"SELECT * FROM {table}")).mappings().all()
            values = [
                tuple(
                    sorted((k, str(v)) for k, v in r.items() if k not in WALL_CLOCK.get(table, ()))
                )
                for r in rows
            ]
            out[table] = Counter(values)
        if engine.dialect.name == "sqlite":
            search = "SELECT rowid, title, description, journal FROM incident_fts"
        else:
            search = "SELECT incident_id, doc::text FROM incident_search"
        out["search"] = sorted(tuple(r) for r in conn.execute(text(search)))
    return out


def first_difference(a: Counter[Any], b: Counter[Any]) -> object:
    """The columns (bulk value, ORM value) of the first row only one side has."""
    x, y = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if not (x and y):
        return (x or y)[:1]
    one, other = dict(x[0]), dict(y[0])
    return {k: (v, other.get(k)) for k, v in one.items() if v != other.get(k)}


@pytest.fixture
def twin(desk: Desk, tmp_path: Path) -> Iterator[Desk]:
    """A second desk on a copy of `desk`'s database as it is now, with the same clock."""
    engine = desk.engine
    if engine.dialect.name == "sqlite":
        path = tmp_path / "twin.sqlite3"
        with sqlite3.connect(str(engine.url.database)) as src, sqlite3.connect(path) as dst:
            src.backup(dst)
        other = make_engine(f"sqlite:///{path}")
        yield Desk(other, clock=desk.now, zone="Europe/Brussels")
        other.dispose()
        return
    from tests.conftest import _pg_admin_connect

    source = engine.url.database
    name = f"incidentdesk_twin_{uuid.uuid4().hex[:8]}"
    engine.dispose()  # a template must have no other connection
    with _pg_admin_connect() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    other = make_engine(engine.url.set(database=name))
    try:
        yield Desk(other, clock=desk.now, zone="Europe/Brussels")
    finally:
        other.dispose()
        with _pg_admin_connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_bulk_way_writes_what_the_orm_way_writes(
    desk: Desk, twin: Desk, tmp_path: Path
) -> None:
    header, rows = first_incidents(SERVICENOW, "number", 40)
    caller = header.index("caller_id")
    rows[3][caller] = "  " + rows[0][caller].upper().replace(" ", "   ")  # the same caller
    sn = read_servicenow(write_csv(tmp_path / "sn.csv", header, rows).read_text("utf-8"), desk.zone)
    header, rows = first_incidents(BPI, "SR Number", 40)
    bpi = read_bpi2013(write_csv(tmp_path / "bpi.csv", header, rows).read_text("utf-8"))
    results = []
    for d, reference in ((desk, False), (twin, True)):
        results.append(
            [
                imports.import_incidents(d, d.system(), log.incidents, batch=9, reference=reference)
                for log in (sn, bpi)
            ]
        )
    bulk, orm = results
    assert [(r.incidents, r.skipped, r.problems) for r in bulk] == [(40, 0, []), (40, 0, [])]
    assert [(r.incidents, r.skipped, r.problems) for r in orm] == [(40, 0, []), (40, 0, [])]
    a, b = dump(desk.engine), dump(twin.engine)
    for table in (*TABLES, "search"):
        assert a[table] == b[table], (table, first_difference(a[table], b[table]))
    assert sum(a["audit"].values()) > 300 and sum(a["sla_pauses"].values()) > 0


def test_a_group_that_assigns_automatically_still_assigns(desk: Desk, tmp_path: Path) -> None:
    header, rows = first_incidents(SERVICENOW, "number", 30)
    group = header.index("assignment_group")
    first_rows: dict[str, int] = {}
    for i, r in enumerate(rows):
        first_rows.setdefault(r[header.index("number")], i)
    picked = sorted(first_rows.values())[4]  # the 5th incident starts in the Network group
    rows[picked][group] = "Network"
    root = desk.actor("dev")
    assignment.set_mode(desk, root, desk.ids["net"], "round_robin")  # type: ignore[attr-defined]
    from app.services import users

    users.add_user(desk, root, "ben", "Ben Okafor", "agent", groups=["Network"])
    log = read_servicenow(
        write_csv(tmp_path / "sn.csv", header, rows).read_text("utf-8"), desk.zone
    )
    result = imports.import_incidents(desk, desk.system(), log.incidents, batch=7)
    assert (result.incidents, result.problems) == (30, [])
    numbers = [queries.get_incident(desk, i + 1).number for i in range(30)]
    assert numbers == [f"INC{i:07d}" for i in range(1, 31)]  # in order, however written
    fifth = queries.get_incident(desk, 5)
    assert fifth.assignee_name == "Ben Okafor"
    assert all(queries.get_incident(desk, i).assignee_name is None for i in (4, 6))
    journal = [j.body for j in queries.journal(desk, fifth.id)]
    assert any(body.startswith("Assigned to Ben Okafor by the desk") for body in journal)


def test_imported_incidents_are_found_by_search_and_in_the_queue(
    desk: Desk, tmp_path: Path
) -> None:
    header, rows = first_incidents(SERVICENOW, "number", 30)
    log = read_servicenow(
        write_csv(tmp_path / "sn.csv", header, rows).read_text("utf-8"), desk.zone
    )
    imports.import_incidents(desk, desk.system(), log.incidents)
    hits = queries.search(desk, "Symptom 72")
    assert "INC0000001" in [h.number for h in hits]
    everything = QueueFilter(active_only=False)  # the slice's incidents are all closed
    page = queries.queue_page(desk, everything, limit=200)
    assert {r.number for r in page.rows} == {f"INC{n:07d}" for n in range(1, 31)}
    assert {" ".join(i.title.split()) for i in log.incidents} == {r.title for r in page.rows}
    assert queries.queue_count(desk, everything) == 30
    assert queries.queue_count(desk, QueueFilter()) == 0  # nothing open: none in the open queue

    def last_group(item: Any) -> str | None:
        return next((s.group for s in reversed(item.steps) if s.group), None)

    name = last_group(log.incidents[0])
    gid = next(g.id for g in queries.groups(desk) if g.name == name)
    flt = QueueFilter(active_only=False, group_ids=(gid,))
    rows_of_group = queries.queue_page(desk, flt, limit=200).rows
    assert {r.group_name for r in rows_of_group} == {name}
    assert len(rows_of_group) == sum(1 for i in log.incidents if last_group(i) == name)


def test_after_an_import_new_incidents_and_notes_are_searchable(
    desk: Desk, tmp_path: Path
) -> None:
    """The bulk way writes the search documents itself, with the schema's search triggers out
    of the way inside its transaction: they are back, as they were, once it is committed."""
    from app.services import incidents

    def triggers() -> list[tuple[str, str]]:
        with desk.read() as conn:
            if desk.dialect == "sqlite":
                sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            else:
                sql = (
                    "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                    "WHERE NOT tgisinternal ORDER BY tgname"
                )
            return [tuple(r) for r in conn.execute(text(sql))]  # type: ignore[misc]

    before = triggers()
    header, rows = first_incidents(SERVICENOW, "number", 12)
    log = read_servicenow(
        write_csv(tmp_path / "sn.csv", header, rows).read_text("utf-8"), desk.zone
    )
    assert imports.import_incidents(desk, desk.system(), log.incidents, batch=5).incidents == 12
    assert triggers() == before
    ana = desk.actor("ana")
    rec = incidents.log_incident(
        desk, ana, incidents.NewIncident(title="Plotter jams on A0", impact=3, urgency=3)
    )
    incidents.add_journal(desk, ana, rec.id, "work_note", "Replaced the pinch roller")
    assert [h.number for h in queries.search(desk, "plotter")] == [rec.number]
    assert [h.number for h in queries.search(desk, "pinch roller")] == [rec.number]
