"""Imports: incidents read from another tool's log (app.domain.imports) written with their
history. Each incident is logged by `log_incident`'s rules (title, channel, levels, caller,
group, SLA policy), then its steps are replayed as audit rows at the times the log gives
(state, group, impact, urgency, priority; hold periods as SLA pauses), and its final fields
set: resolution, closure, reassignment and reopen counts.

How it is written, for speed (tens of thousands of log rows a second): the incidents of a batch
(BATCH, 1,000) are checked in Python first (an incident the rules refuse is reported and
written not at all); their groups, categories and callers are looked up once for the batch
(and created, in the order the incidents name them); then every incident, audit, journal and
SLA pause row of the batch is built as a plain dict and written with one executemany per
table, in the batch's one transaction, and each new incident's full-text document once, with
the journal in it (`app.db.search`: the triggers would rewrite it at every journal entry).
What `log_in_session` would have done differently is only the desk's automatic assignment: an
incident whose first group assigns automatically is logged through it (`_write_orm`), in
order, so both ways give the same rows.

A batch commits whole or not at all, so a crash or a kill leaves whole incidents, and a second
run skips every incident already imported (`imported_records`, unique by source and key):
running an import twice changes nothing, and a killed import resumes where it stopped."""

from __future__ import annotations

import csv
import gc
import gzip
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from app.db.changes import append_change, append_changes
from app.db.search import (
    forget_pg_documents,
    pg_search_is_the_schemas,
    resume_sqlite_fts,
    suspend_sqlite_fts,
    write_pg_documents,
)
from app.domain.assignment import AssignmentMode
from app.domain.csv_import import CsvMapping, guess_mapping, mapping_from_json, read_csv
from app.domain.errors import DeskError, EnvironmentProblem, ValidationError
from app.domain.imports import (
    ImportedIncident,
    Problem,
    ReadLog,
    read_bpi2013,
    read_servicenow,
)
from app.domain.lifecycle import CloseReason, HoldReason, ResolutionCode, State
from app.domain.records import Channel, JournalKind, incident_number
from app.domain.roles import Permission
from app.domain.sla import Pause
from app.models import (
    AuditEntry,
    Caller,
    Category,
    ConfigItem,
    Group,
    ImportedRecord,
    Incident,
    JournalEntry,
    Setting,
    SlaPause,
)
from app.models.base import UTCDateTime
from app.services.callers import new_caller
from app.services.context import Actor, Desk
from app.services.incidents.mutation import (
    MAX_TITLE,
    apply_sla,
    audit_text,
    require_active,
    sla_values,
    write_journal,
)
from app.services.incidents.new import NewIncident, log_in_session
from app.services.limits import check_length, limit_of
from app.services.policies import PolicyBook, fresh_policy_book, policy_book
from app.services.settings import read_setting, write_setting

BATCH = 1000
_LOOKUP_CHUNK = 500  # names per IN (...) look-up
_TRIGGERED = frozenset({"incidents", "journal"})  # their SQLite triggers feed incident_fts


@dataclass
class ImportResult:
    incidents: int = 0  # written now
    skipped: int = 0  # imported by an earlier run
    problems: list[Problem] = field(default_factory=list)


@contextmanager
def _few_collections() -> Iterator[None]:
    """No cyclic garbage collection while a log is read and written: its rows, steps and
    planned rows are hundreds of thousands of small objects without cycles, which every
    collection would walk through again and again for nothing (a third of the time spent
    reading a large log). Reference counting frees them as usual; collection resumes after
    (left off if someone had turned it off)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _key(name: str) -> str:
    return " ".join(name.split()).lower()


def _new_ids(s: Session, table: str, n: int) -> list[int]:
    """The ids the next `n` rows of `table` get: SQLite gives max(id) + 1 (the write lock is
    the transaction's), PostgreSQL takes them from the table's sequence."""
    if n <= 0:
        return []
    if s.get_bind().dialect.name == "postgresql":
        return sorted(
            int(i)
            for i in s.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table, "n": n},
            ).scalars()
        )
    top = s.execute(text(f"SELECT max(id) FROM {table}")).scalar()
    first = int(top or 0) + 1
    return list(range(first, first + n))


def _bulk_insert(
    s: Session, table: Table, rows: list[dict[str, Any]], *, triggered: bool = True
) -> None:
    """`rows` (every one with the same keys) in one executemany on the driver: values as the
    column types would bind them (UTC datetimes naive, SQLite's as SQLAlchemy's text), without
    the per-value work of a Core insert."""
    if not rows:
        return
    conn = s.connection()
    sqlite = conn.dialect.name == "sqlite"
    # a column the rows do not name gets its model's plain default, as the ORM would give it
    # (a server default, or NULL, otherwise)
    extra = {
        c.name: c.default.arg  # type: ignore[attr-defined]
        for c in table.columns
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    }
    if extra:
        rows = [{**r, **extra} for r in rows]
    names = list(rows[0])
    columns = ", ".join(names)
    times = [i for i, n in enumerate(names) if isinstance(table.c[n].type, UTCDateTime)]
    mark = "?" if sqlite else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    cache: dict[int, object] = {}  # by id: `rows` keeps every value alive meanwhile

    def db_time(value: datetime | None) -> object:
        if value is None:
            return None
        out = cache.get(id(value))
        if out is None:
            utc = value.astimezone(UTC)
            # SQLite: "YYYY-MM-DD HH:MM:SS.ffffff", the naive text before the "+00:00"
            out = cache[id(value)] = (
                utc.isoformat(" ", "microseconds")[:26] if sqlite else utc.replace(tzinfo=None)
            )
        return out

    params = []
    for row in rows:
        values = list(row.values())
        for i in times:
            values[i] = db_time(values[i])
        params.append(tuple(values))
    if not sqlite:  # COPY: PostgreSQL's fastest way in (row triggers fire as for INSERT)
        raw = conn.connection.driver_connection
        with (
            raw.cursor() as cur,  # type: ignore[union-attr]
            cur.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy,
        ):
            for param in params:
                copy.write_row(param)
        return
    if table.name not in _TRIGGERED or not triggered:
        conn.exec_driver_sql(sql, params)
        return
    # A row trigger writing to the full-text index (FTS5) in its own statement flushes the
    # index's pending terms at every row; one INSERT ... SELECT of them all flushes once.
    staged = f"temp.import_{table.name}"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {staged}")
    conn.exec_driver_sql(
        f"CREATE TABLE {staged} AS SELECT {columns} FROM main.{table.name} WHERE 0"
    )
    conn.exec_driver_sql(
        sql.replace(f"INSERT INTO {table.name} ", f"INSERT INTO {staged} "), params
    )
    conn.exec_driver_sql(
        f"INSERT INTO main.{table.name} ({columns}) SELECT {columns} FROM {staged}"
    )
    conn.exec_driver_sql(f"DROP TABLE {staged}")


def _log_changes(s: Session, entity: str, ids: Sequence[int], agent_id: int | None) -> None:
    """The change feed's "created" entries, one statement for the batch (and one notification
    on PostgreSQL)."""
    append_changes(s, entity, ids, "created", agent_id)


class _Names:
    """Groups, categories and callers by name, created on first use (in the transaction).
    The groups and categories are read whole once; callers by name, a batch at a time."""

    def __init__(self) -> None:
        self.groups: dict[str, int] = {}
        self.categories: dict[tuple[str, ...], int] = {}
        self.callers: dict[str, int] = {}
        self.by_key: dict[str, int] = {}  # callers by name_key
        self.group_line: dict[int, int] = {}
        self.group_mode: dict[int, str] = {}
        self.category_group: dict[int, int | None] = {}
        self.services: dict[str, int] = {}  # the desk's services and CIs by name
        self._loaded = False

    def load(self, s: Session) -> None:
        if self._loaded:
            return
        for gid, name, line, mode in s.execute(
            select(Group.id, Group.name, Group.line, Group.assignment).order_by(Group.id)
        ):
            self.groups.setdefault(name, int(gid))
            self.group_line[int(gid)] = int(line or 1)
            self.group_mode[int(gid)] = mode or AssignmentMode.MANUAL.value
        rows = s.execute(
            select(
                Category.id, Category.name, Category.parent_id, Category.default_group_id
            ).order_by(Category.id)
        ).all()
        ids = {int(r.id): r for r in rows}

        def path(cid: int) -> tuple[str, ...]:
            r = ids[cid]
            return (*path(int(r.parent_id)), r.name) if r.parent_id in ids else (r.name,)

        self.services = {
            name: int(cid) for cid, name in s.execute(select(ConfigItem.id, ConfigItem.name))
        }
        for r in rows:
            self.category_group[int(r.id)] = r.default_group_id
            if r.parent_id is None or r.parent_id in ids:
                self.categories.setdefault(path(int(r.id)), int(r.id))
        self._loaded = True

    # one at a time (the ORM way, for `_write_orm`): the cache first
    def group(self, s: Session, actor: Actor, name: str, line: int) -> int:
        gid = self.groups.get(name)
        if gid is None:
            gid = s.scalar(select(Group.id).where(Group.name == name))
            if gid is None:
                g = Group(name=name, line=line)
                s.add(g)
                s.flush()
                append_change(s, "group", g.id, "created", actor.id)
                gid = g.id
                self.group_mode[int(gid)] = AssignmentMode.MANUAL.value
            self.groups[name] = int(gid)
            self.group_line.setdefault(int(gid), line)
        return self.groups[name]

    def category(self, s: Session, path: tuple[str, ...]) -> int | None:
        if not path:
            return None
        if path in self.categories:
            return self.categories[path]
        parent = self.category(s, path[:-1])
        cid = s.scalar(
            select(Category.id).where(
                Category.name == path[-1],
                Category.parent_id.is_(None) if parent is None else Category.parent_id == parent,
            )
        )
        if cid is None:
            c = Category(name=path[-1], parent_id=parent)
            s.add(c)
            s.flush()
            cid = c.id
            self.category_group[int(cid)] = None
        self.categories[path] = int(cid)
        return int(cid)

    def caller(self, s: Session, actor: Actor, name: str) -> int:
        if name not in self.callers:
            key = _key(name)
            cid = self.by_key.get(key)
            if cid is None:
                cid = s.scalar(
                    select(Caller.id).where(Caller.name_key == key).order_by(Caller.id).limit(1)
                )
            if cid is None:
                row = new_caller(name)
                s.add(row)
                s.flush()
                append_change(s, "caller", row.id, "created", actor.id)
                cid = row.id
            self.callers[name] = self.by_key[key] = int(cid)
        return self.callers[name]

    # a batch at a time
    def prepare(
        self, s: Session, actor: Actor, items: Sequence[ImportedIncident], now: datetime
    ) -> None:
        """Look up (and create, in the order the incidents name them, as one at a time would)
        every group, category and caller of `items`, in a few statements."""
        self.load(s)
        new_groups: dict[str, int] = {}  # name -> line, in order
        new_categories: dict[tuple[str, ...], None] = {}
        caller_names: dict[str, None] = {}
        for item in items:
            first = item.steps[0]
            if first.group and first.group not in self.groups:
                new_groups.setdefault(first.group, first.group_line)
            if item.caller and item.caller not in self.callers:
                caller_names.setdefault(item.caller, None)
            for n in range(1, len(item.category) + 1):
                if item.category[:n] not in self.categories:
                    new_categories.setdefault(item.category[:n], None)
            for step in item.steps:
                if step.group and step.group not in self.groups:
                    new_groups.setdefault(step.group, step.group_line)
        if new_groups:
            ids = _new_ids(s, "groups", len(new_groups))
            rows = []
            for (name, line), gid in zip(new_groups.items(), ids, strict=True):
                rows.append(
                    {
                        "id": gid,
                        "name": name,
                        "line": line,
                        "supervisor_id": None,
                        "email": None,
                        "assignment": AssignmentMode.MANUAL.value,
                        "last_assigned_id": None,
                    }
                )
                self.groups[name] = gid
                self.group_line[gid] = line
                self.group_mode[gid] = AssignmentMode.MANUAL.value
            _bulk_insert(s, Group.__table__, rows)  # type: ignore[arg-type]
            _log_changes(s, "group", ids, actor.id)
        if new_categories:
            ids = _new_ids(s, "categories", len(new_categories))
            rows = []
            for path, cid in zip(new_categories, ids, strict=True):
                parent = self.categories[path[:-1]] if len(path) > 1 else None
                rows.append(
                    {
                        "id": cid,
                        "name": path[-1],
                        "parent_id": parent,
                        "default_group_id": None,
                        "active": True,
                    }
                )
                self.categories[path] = cid
                self.category_group[cid] = None
            _bulk_insert(s, Category.__table__, rows)  # type: ignore[arg-type]
        # callers: the unknown keys looked up at once, the missing ones created at once
        wanted = list(caller_names)
        keys = list(dict.fromkeys(k for k in map(_key, wanted) if k not in self.by_key))
        for start in range(0, len(keys), _LOOKUP_CHUNK):
            part = keys[start : start + _LOOKUP_CHUNK]
            for key, cid in s.execute(
                select(Caller.name_key, func.min(Caller.id))
                .where(Caller.name_key.in_(part))
                .group_by(Caller.name_key)
            ):
                self.by_key[key] = int(cid)
        missing: dict[str, str] = {}  # key -> the name it is created with
        for name in wanted:
            if _key(name) not in self.by_key:
                missing.setdefault(_key(name), name)
        if missing:
            ids = _new_ids(s, "callers", len(missing))
            created = now
            rows = []
            for (key, name), cid in zip(missing.items(), ids, strict=True):
                clean = " ".join(name.split())  # new_caller's name and key
                rows.append(
                    {
                        "id": cid,
                        "name": clean,
                        "name_key": clean.lower(),
                        "email": None,
                        "phone": None,
                        "department": None,
                        "employee_id": None,
                        "vip": False,
                        "created_at": created,
                    }
                )
                self.by_key[key] = cid
            _bulk_insert(s, Caller.__table__, rows)  # type: ignore[arg-type]
            _log_changes(s, "caller", ids, actor.id)
        for name in wanted:
            self.callers[name] = self.by_key[_key(name)]

    def forget(self) -> None:
        """After a rollback: what was created in it is gone."""
        self.groups.clear()
        self.categories.clear()
        self.callers.clear()
        self.by_key.clear()
        self.group_line.clear()
        self.group_mode.clear()
        self.category_group.clear()
        self.services.clear()
        self._loaded = False


def _clean_title(item: ImportedIncident) -> str:
    title = item.title if len(item.title) <= MAX_TITLE else item.title[: MAX_TITLE - 1] + "…"
    return " ".join(title.split())


# the columns' limits, read once (reading one goes through the mapped attribute's machinery)
_LIMITS = tuple(
    limit_of(c)
    for c in (
        ImportedRecord.external_id,
        Caller.name,
        Category.name,
        Group.name,
        Incident.change_ref,
    )
)


def _check(item: ImportedIncident) -> None:
    """What `log_in_session` refuses, in its order, before anything of `item` is written;
    then the names longer than their column holds."""
    if item.caller is not None and not item.caller.split():
        raise ValidationError("A caller needs a name", field="caller")  # as new_caller says
    number, caller, category, group, change = _LIMITS
    check_length("number", item.external_id, number)
    check_length("caller's name", " ".join((item.caller or "").split()), caller)
    for part in item.category:
        check_length("category name", part, category)
    for name in dict.fromkeys(step.group for step in item.steps):  # each once, in order
        check_length("group name", name, group)
    check_length("change", item.change_ref, change)
    if not _clean_title(item):
        raise ValidationError("A title is required", field="title")
    try:
        Channel(item.channel)
    except ValueError:
        raise ValidationError(
            f"Unknown channel {item.channel!r}; use one of: {', '.join(c.value for c in Channel)}",
            field="channel",
        ) from None


class _Plan:
    """One batch's rows, built as plain dicts and written table by table (`flush`)."""

    def __init__(
        self, desk: Desk, s: Session, actor: Actor, names: _Names, now: datetime, book: PolicyBook
    ) -> None:
        self.desk, self.s, self.actor, self.names, self.now, self.book = (
            desk,
            s,
            actor,
            names,
            now,
            book,
        )
        self.size = len(book.matrix.impact_labels), len(book.matrix.urgency_labels)
        self.incidents: list[dict[str, Any]] = []
        self.audit: list[dict[str, Any]] = []
        self.journal: list[dict[str, Any]] = []
        self.pauses: list[dict[str, Any]] = []
        self.records: list[dict[str, Any]] = []
        self._ids: list[int] = []
        self._priority: dict[tuple[int, int], int] = {}
        self.reference = False  # every incident the ORM way (what the bulk way must equal)
        # how many incidents from this one on are planned in a row (PostgreSQL takes their ids
        # at once: as many as that, so the numbers stay consecutive)
        self.remaining = 0

    def next_id(self) -> int:
        """The id the next planned incident will have (taken for the rest of the batch)."""
        if not self._ids:
            self._ids = _new_ids(self.s, "incidents", max(self.remaining, 1))[::-1]
        return self._ids.pop()

    def initial_group(self, item: ImportedIncident) -> int | None:
        first = item.steps[0]
        if first.group:
            return self.names.groups[first.group]
        category = self.names.categories.get(item.category) if item.category else None
        if category is not None and self.names.category_group.get(category) is not None:
            return self.names.category_group[category]
        return self.actor.group_ids[0] if self.actor.group_ids else None

    def by_orm(self, item: ImportedIncident) -> bool:
        """Whether `item` is logged the ORM way: its first group assigns automatically (or
        every incident, for `reference`)."""
        if self.reference:
            return True
        gid = self.initial_group(item)
        return gid is not None and self.names.group_mode.get(gid) not in (
            None,
            AssignmentMode.MANUAL.value,
        )

    def flush(self) -> None:
        """Write what is planned, table by table (the incidents first: the rest refer to them)."""
        s = self.s
        conn = s.connection()
        # SQLite: the search documents written once each, not by the triggers row by row
        # and PostgreSQL: each written once, not rewritten at every journal entry
        sqlite = conn.dialect.name == "sqlite"
        triggers = suspend_sqlite_fts(conn) if self.incidents and sqlite else None
        pg_documents = bool(self.incidents) and not sqlite and pg_search_is_the_schemas(conn)
        for model, rows in (
            (Incident, self.incidents),
            (AuditEntry, self.audit),
            (JournalEntry, self.journal),
            (SlaPause, self.pauses),
            (ImportedRecord, self.records),
        ):
            _bulk_insert(s, model.__table__, rows, triggered=triggers is None)  # type: ignore[arg-type]
            if model is Incident and pg_documents:
                forget_pg_documents(conn, [r["id"] for r in rows])
        if triggers is not None or pg_documents:
            bodies: dict[int, list[str]] = {r["id"]: [] for r in self.incidents}
            for j in self.journal:
                bodies[j["incident_id"]].append(j["body"])
        if triggers is not None:
            documents = [
                (r["id"], r["title"], r["description"], "".join(f" {b}" for b in bodies[r["id"]]))
                for r in self.incidents
            ]
            resume_sqlite_fts(conn, triggers, documents)
        if pg_documents:
            write_pg_documents(conn, bodies)
        if self.incidents:
            ids = [r["id"] for r in self.incidents]
            _log_changes(s, "incident", ids, self.actor.id)
        for rows in (self.incidents, self.audit, self.journal, self.pauses, self.records):
            rows.clear()

    def after_orm(self) -> None:
        """An incident went in by the ORM (its own id): ids are taken anew."""
        self._ids.clear()

    def priority(self, impact: int, urgency: int) -> int:
        key = (impact, urgency)
        found = self._priority.get(key)
        if found is None:
            found = self._priority[key] = self.book.matrix.priority(impact, urgency)
        return found


_VALUES: dict[object, str] = {**{s: s.value for s in State}, **{h: h.value for h in HoldReason}}
_STATES: dict[object, State] = {s.value: s for s in State}  # State(value), without the call


def _write(plan: _Plan, item: ImportedIncident) -> None:
    """Plan `item`'s rows (an incident, its audit, journal and pauses, its import record); an
    incident whose first group assigns automatically is written whole now, the ORM way."""
    if plan.by_orm(item):
        plan.flush()
        s = plan.s
        with s.begin_nested():
            _write_orm(plan.desk, s, plan.actor, item, plan.names, plan.now)
        plan.after_orm()
        return
    names, book, actor, now = plan.names, plan.book, plan.actor, plan.now
    n_impact, n_urgency = plan.size

    def level(value: int | None, n: int) -> int:
        return min(max(value or 3, 1), n)

    values = _VALUES  # an enum's .value is a property: read once

    first = item.steps[0]
    inc_id = plan.next_id()
    number = incident_number(inc_id)
    opened = item.opened_at
    group_id = plan.initial_group(item)
    line = names.group_line.get(group_id, 1) if group_id is not None else 1
    impact, urgency = level(first.impact, n_impact), level(first.urgency, n_urgency)
    matrix = book.matrix
    priority = plan.priority(impact, urgency)
    channel = Channel(item.channel)
    audit, pauses_rows = plan.audit, plan.pauses
    audit.append(
        {
            "incident_id": inc_id,
            "field": "created",
            "old_value": None,
            "new_value": number,
            "agent_id": actor.id,
            "at": opened,
            "reason": None,
            "incident_version": 1,
        }
    )
    lines = (
        f"line {item.first_line}"
        if item.first_line == item.last_line
        else f"lines {item.first_line}-{item.last_line}"
    )
    for body, at in (
        (f"Logged by {actor.full_name} via {channel.label.lower()}", opened),
        (f"Imported from {item.source} {item.external_id} ({lines})", now),
    ):
        plan.journal.append(
            {
                "incident_id": inc_id,
                "kind": JournalKind.SYSTEM.value,
                "body": body,
                "author_id": actor.id,
                "created_at": at,
                "time_worked_s": 0,
            }
        )
    version = 1
    current: dict[str, object] = {
        "state": State.NEW.value,
        "group_id": group_id,
        "impact": impact,
        "urgency": urgency,
        "priority": priority,
        "hold_reason": None,
    }
    reassignments = reopens = returns = 0
    left: set[object] = set()  # the groups it was taken away from (ping-pong)
    pause_start: datetime | None = None
    resolved_at: datetime | None = None
    pauses: list[Pause] = []
    for step in item.steps:
        new: dict[str, object] = {
            "state": values[step.state],
            "hold_reason": values[step.hold_reason] if step.hold_reason else None,
        }
        if step.group:
            new["group_id"] = names.groups[step.group]
        si, su = step.impact, step.urgency
        if si is not None:
            new["impact"] = si if 1 <= si <= n_impact else level(si, n_impact)
        if su is not None:
            new["urgency"] = su if 1 <= su <= n_urgency else level(su, n_urgency)
        new["priority"] = plan.priority(
            new.get("impact", current["impact"]),  # type: ignore[arg-type]
            new.get("urgency", current["urgency"]),  # type: ignore[arg-type]
        )
        changed = {k: v for k, v in new.items() if current.get(k) != v}
        if not changed:
            continue
        version += 1
        if "group_id" in changed and current["group_id"] is not None:
            reassignments += 1
            left.add(current["group_id"])
            if changed["group_id"] in left:
                returns += 1
        if "state" in changed:
            old_state = _STATES[current["state"]]
            if old_state in (State.RESOLVED, State.CLOSED) and step.state.active:
                reopens += 1
            if step.state is State.ON_HOLD and pause_start is None:
                pause_start = step.at
            if step.state is not State.ON_HOLD and pause_start is not None:
                pauses.append(Pause(pause_start, step.at))
                pauses_rows.append(
                    {
                        "incident_id": inc_id,
                        "started_at": pause_start,
                        "ended_at": step.at,
                        "reason": str(current["hold_reason"] or "awaiting_caller"),
                    }
                )
                pause_start = None
            if step.state is State.RESOLVED:
                resolved_at = step.at
        reason = f"imported from {item.source} line {step.line}"
        for k, v in changed.items():
            audit.append(
                {
                    "incident_id": inc_id,
                    "field": k,
                    "old_value": audit_text(current.get(k)),
                    "new_value": audit_text(v),
                    "agent_id": actor.id,
                    "at": step.at,
                    "reason": reason,
                    "incident_version": version,
                }
            )
        current.update(changed)
    final = _STATES[current["state"]]
    if pause_start is not None:
        pauses.append(Pause(pause_start, None))
        pauses_rows.append(
            {
                "incident_id": inc_id,
                "started_at": pause_start,
                "ended_at": None,
                "reason": str(current["hold_reason"] or "awaiting_caller"),
            }
        )
    final_group = int(current["group_id"]) if current["group_id"] is not None else None  # type: ignore[call-overload]
    if final_group is not None:
        line = names.group_line.get(final_group, 1)
    started = [st.at for st in item.steps if st.state is not State.NEW]
    last_at = item.steps[-1].at
    row: dict[str, Any] = {
        "id": inc_id,
        "number": number,
        "title": _clean_title(item),
        "description": item.description.strip(),
        "caller_id": names.callers[item.caller] if item.caller else None,
        "channel": channel.value,
        "category_id": names.categories.get(item.category) if item.category else None,
        "config_item_id": names.services.get(item.service) if item.service else None,
        "impact": int(current["impact"]),  # type: ignore[call-overload]
        "urgency": int(current["urgency"]),  # type: ignore[call-overload]
        "priority": int(current["priority"]),  # type: ignore[call-overload]
        "matrix_version": matrix.version,
        "priority_overridden": False,
        "state": final.value,
        "active": final.active,
        "hold_reason": str(current["hold_reason"]) if current["hold_reason"] else None,
        "group_id": final_group,
        "assignee_id": None,
        "support_line": line,
        "reassignment_count": item.reassignment_count
        if item.reassignment_count is not None
        else reassignments,
        "reopen_count": item.reopen_count if item.reopen_count is not None else reopens,
        "group_returns": returns,
        "escalated_to_supervisor": False,
        "flagged": False,
        "parent_id": None,
        "major": item.major,
        "problem_id": None,
        "known_error_id": None,
        "change_ref": item.change_ref[:40] if item.change_ref else None,
        "made_sla": item.made_sla,
        "caused_by_id": None,
        "caused_by_change": None,
        "resolution_code": None,
        "resolution_notes": None,
        "resolved_at": None,
        "resolved_by_id": None,
        "closed_at": None,
        "closed_by_id": None,
        "close_reason": None,
        "cancel_reason": None,
        "sla_policy_id": book.default_policy_id,
        "opened_at": opened,
        "responded_at": min(started) if started else None,
        "sla_stage": 0,
        "response_stage": 0,
        "sla_started_at": None,
        "version": version,
        "opened_by_id": actor.id,
        "created_at": opened,
        "updated_at": max(last_at, opened),
    }
    if final in (State.RESOLVED, State.CLOSED):
        row["resolved_at"] = item.resolved_at or resolved_at or last_at
        row["resolution_code"] = ResolutionCode.SOLUTION_PROVIDED.value
        row["resolution_notes"] = item.resolution_notes or f"Imported from {item.source}"
        row["resolved_by_id"] = actor.id
    if final is State.CLOSED:
        row["closed_at"] = item.closed_at or last_at
        row["closed_by_id"] = actor.id
        row["close_reason"] = CloseReason.CALLER_CONFIRMED.value
    if final is State.CANCELLED:
        row["cancel_reason"] = f"Cancelled in {item.source}"
        row["closed_at"] = last_at
    pauses.sort(key=lambda p: p.start)
    row.update(sla_values(SimpleNamespace(**row), book, pauses, now))
    plan.incidents.append(row)
    plan.records.append(
        {
            "source": item.source,
            "external_id": item.external_id,
            "incident_id": inc_id,
            "imported_at": now,
        }
    )


def _write_orm(
    desk: Desk, s: Session, actor: Actor, item: ImportedIncident, names: _Names, now: datetime
) -> None:
    book = policy_book(desk)  # log_in_session below reloads it if another desk changed it
    first = item.steps[0]
    size = len(book.matrix.impact_labels), len(book.matrix.urgency_labels)

    def level(value: int | None, n: int) -> int:
        return min(max(value or 3, 1), n)

    group_id = names.group(s, actor, first.group, first.group_line) if first.group else None
    title = item.title if len(item.title) <= MAX_TITLE else item.title[: MAX_TITLE - 1] + "…"
    inc = log_in_session(
        desk,
        s,
        actor,
        NewIncident(
            title=title,
            description=item.description,
            caller_id=names.caller(s, actor, item.caller) if item.caller else None,
            channel=item.channel,
            category_id=names.category(s, item.category),
            config_item_id=names.services.get(item.service) if item.service else None,
            impact=level(first.impact, size[0]),
            urgency=level(first.urgency, size[1]),
            group_id=group_id,
            major=item.major,
            opened_at=item.opened_at,
        ),
        item.opened_at,  # logged when the source logged it: its audit and journal say so
    )
    lines = (
        f"line {item.first_line}"
        if item.first_line == item.last_line
        else f"lines {item.first_line}-{item.last_line}"
    )
    write_journal(
        s,
        inc,
        JournalKind.SYSTEM,
        f"Imported from {item.source} {item.external_id} ({lines})",
        actor,
        now,
    )
    book = policy_book(desk)  # as log_in_session found it
    version = inc.version
    state = State.NEW
    current: dict[str, object] = {
        "state": state.value,
        "group_id": inc.group_id,
        "impact": inc.impact,
        "urgency": inc.urgency,
        "priority": inc.priority,
        "hold_reason": None,
    }
    reassignments = reopens = returns = 0
    left: set[object] = set()  # the groups it was taken away from (ping-pong)
    pause_start: datetime | None = None
    resolved_at: datetime | None = None
    for step in item.steps:
        new: dict[str, object] = {
            "state": step.state.value,
            "hold_reason": step.hold_reason.value if step.hold_reason else None,
        }
        if step.group:
            new["group_id"] = names.group(s, actor, step.group, step.group_line)
        if step.impact is not None:
            new["impact"] = level(step.impact, size[0])
        if step.urgency is not None:
            new["urgency"] = level(step.urgency, size[1])
        new["priority"] = book.matrix.priority(
            int(new.get("impact", current["impact"])),  # type: ignore[call-overload]
            int(new.get("urgency", current["urgency"])),  # type: ignore[call-overload]
        )
        changed = {k: v for k, v in new.items() if current.get(k) != v}
        if not changed:
            continue
        version += 1
        if "group_id" in changed and current["group_id"] is not None:
            reassignments += 1
            left.add(current["group_id"])
            if changed["group_id"] in left:
                returns += 1
        old_state = State(str(current["state"]))
        if "state" in changed:
            if old_state in (State.RESOLVED, State.CLOSED) and step.state.active:
                reopens += 1
            if step.state is State.ON_HOLD and pause_start is None:
                pause_start = step.at
            if step.state is not State.ON_HOLD and pause_start is not None:
                s.add(
                    SlaPause(
                        incident_id=inc.id,
                        started_at=pause_start,
                        ended_at=step.at,
                        reason=str(current["hold_reason"] or "awaiting_caller"),
                    )
                )
                pause_start = None
            if step.state is State.RESOLVED:
                resolved_at = step.at
        for k, v in changed.items():
            s.add(
                AuditEntry(
                    incident_id=inc.id,
                    field=k,
                    old_value=audit_text(current.get(k)),
                    new_value=audit_text(v),
                    agent_id=actor.id,
                    at=step.at,
                    reason=f"imported from {item.source} line {step.line}",
                    incident_version=version,
                )
            )
        current.update(changed)
    final = State(str(current["state"]))
    if pause_start is not None:
        s.add(
            SlaPause(
                incident_id=inc.id,
                started_at=pause_start,
                ended_at=None,
                reason=str(current["hold_reason"] or "awaiting_caller"),
            )
        )
    inc.state = final.value
    inc.active = final.active
    inc.hold_reason = str(current["hold_reason"]) if current["hold_reason"] else None
    inc.group_id = int(current["group_id"]) if current["group_id"] is not None else None  # type: ignore[call-overload]
    if inc.group_id is not None:
        g = s.get(Group, inc.group_id)
        inc.support_line = g.line if g is not None else 1
    inc.impact = int(current["impact"])  # type: ignore[call-overload]
    inc.urgency = int(current["urgency"])  # type: ignore[call-overload]
    inc.priority = int(current["priority"])  # type: ignore[call-overload]
    inc.reassignment_count = (
        item.reassignment_count if item.reassignment_count is not None else reassignments
    )
    inc.reopen_count = item.reopen_count if item.reopen_count is not None else reopens
    inc.change_ref = item.change_ref[:40] if item.change_ref else None
    inc.made_sla = item.made_sla
    inc.group_returns = returns
    started = [st.at for st in item.steps if st.state is not State.NEW]
    inc.responded_at = min(started) if started else None
    last_at = item.steps[-1].at
    if final in (State.RESOLVED, State.CLOSED):
        inc.resolved_at = item.resolved_at or resolved_at or last_at
        inc.resolution_code = ResolutionCode.SOLUTION_PROVIDED.value
        inc.resolution_notes = item.resolution_notes or f"Imported from {item.source}"
        inc.resolved_by_id = actor.id
    if final is State.CLOSED:
        inc.closed_at = item.closed_at or last_at
        inc.closed_by_id = actor.id
        inc.close_reason = CloseReason.CALLER_CONFIRMED.value
    if final is State.CANCELLED:
        inc.cancel_reason = f"Cancelled in {item.source}"
        inc.closed_at = last_at
    inc.updated_at = max(last_at, item.opened_at)
    inc.version = version
    s.flush()
    apply_sla(s, inc, book, now)
    s.add(
        ImportedRecord(
            source=item.source, external_id=item.external_id, incident_id=inc.id, imported_at=now
        )
    )
    s.flush()


@_few_collections()
def import_incidents(
    desk: Desk,
    actor: Actor,
    items: Sequence[ImportedIncident],
    *,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
    cancelled: Callable[[], bool] | None = None,
    reference: bool = False,
) -> ImportResult:
    """Write `items` (skipping those imported before); `progress(rows)` after each batch with
    the log rows its incidents came from. `cancelled()` is asked between batches: what was
    committed stays, and the next run resumes after it. `reference` writes every incident
    through `log_in_session` and the ORM, one at a time: the slow way the bulk one equals."""
    actor.require(Permission.CONFIGURE)  # an import creates groups and categories
    result = ImportResult()
    names = _Names()
    for start in range(0, len(items), batch):
        if cancelled is not None and cancelled():
            break
        chunk = items[start : start + batch]
        now = desk.now()
        done = 0
        problems: list[Problem] = []
        try:
            with desk.write() as s:
                source = chunk[0].source
                keys = [i.external_id for i in chunk]
                known = set(
                    s.scalars(
                        select(ImportedRecord.external_id).where(
                            ImportedRecord.source == source, ImportedRecord.external_id.in_(keys)
                        )
                    )
                )
                todo: list[ImportedIncident] = []
                for item in chunk:
                    if item.external_id in known:
                        result.skipped += 1
                        continue
                    try:
                        actor.require(Permission.LOG)
                        _check(item)
                    except DeskError as exc:
                        problems.append(
                            Problem(item.first_line, f"{item.external_id}: not imported: {exc}")
                        )
                        continue
                    todo.append(item)
                if todo:
                    try:
                        require_active(s, actor)
                    except DeskError as exc:
                        problems.extend(
                            Problem(i.first_line, f"{i.external_id}: not imported: {exc}")
                            for i in todo
                        )
                        todo = []
                if todo:
                    book = fresh_policy_book(desk, s)
                    names.prepare(s, actor, todo, now)
                    problems.extend(
                        Problem(
                            i.first_line,
                            f"{i.external_id}: no service named {i.service!r}; left empty",
                        )
                        for i in todo
                        if i.service and i.service not in names.services
                    )
                    plan = _Plan(desk, s, actor, names, now, book)
                    plan.reference = reference
                    runs = [0] * (len(todo) + 1)
                    for i in range(len(todo) - 1, -1, -1):
                        runs[i] = 0 if plan.by_orm(todo[i]) else runs[i + 1] + 1
                    for i, item in enumerate(todo):
                        plan.remaining = runs[i]
                        try:
                            _write(plan, item)
                        except DeskError as exc:
                            problems.append(
                                Problem(item.first_line, f"{item.external_id}: not imported: {exc}")
                            )
                            continue
                        done += 1
                    plan.flush()
        except BaseException:
            names.forget()
            raise
        result.incidents += done
        result.problems.extend(problems)
        if progress is not None:
            progress(sum(len(i.steps) for i in chunk))
    return result


def read_text(path: Path) -> str:
    """A log file's text: plain or gzip-compressed UTF-8 (a byte-order mark is dropped later)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ValidationError(f"{path}: a damaged gzip file ({exc})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


KINDS = ("servicenow", "bpi2013", "csv")


@_few_collections()
def read_log(kind: str, text: str, zone: tzinfo, mapping: CsvMapping | None = None) -> ReadLog:
    """The incidents of a `kind` ("servicenow", "bpi2013", or "csv" by `mapping`) log's text."""
    if kind == "servicenow":
        return read_servicenow(text, zone)
    if kind == "bpi2013":
        return read_bpi2013(text)
    if kind == "csv":
        if mapping is None:
            raise ValidationError("A CSV import needs a column mapping", field="mapping")
        return read_csv(text, mapping, zone)
    raise ValidationError(f"Unknown log kind {kind!r}; use one of: {', '.join(KINDS)}")


def report_path(path: Path) -> Path:
    """Where the problems of importing `path` are written: next to it."""
    return path.with_name(path.name + ".errors.csv")


def write_report(path: Path, problems: Sequence[Problem]) -> Path | None:
    """The problems (by line) as CSV next to the imported file; None when there were none.
    A report of an earlier run is replaced."""
    report = report_path(path)
    if not problems:
        return None
    try:
        with report.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["line", "problem"])
            for p in sorted(problems, key=lambda p: p.line):
                w.writerow([p.line, p.reason])
    except OSError as exc:
        raise EnvironmentProblem(
            f"Cannot write the error report {report}: {exc.strerror or exc}"
        ) from exc
    return report


@dataclass(frozen=True)
class FileImport:
    """What an import of a file did (the command's last line, the wizard's result page)."""

    rows: int
    incidents: int
    skipped: int
    problems: tuple[Problem, ...]
    report: Path | None
    seconds: float
    cancelled: bool = False

    @property
    def rows_per_s(self) -> float:
        return self.rows / max(self.seconds, 1e-9)


def import_file(
    desk: Desk,
    actor: Actor,
    kind: str,
    path: Path,
    *,
    mapping: CsvMapping | None = None,
    started: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> FileImport:
    """Read, import and report `path` (see `import_incidents`); `started(rows)` once the file
    is read, with the rows its incidents hold, then `progress(rows)` after each batch."""
    clock = time.perf_counter()
    log = read_log(kind, read_text(path), desk.zone, mapping)
    if started is not None:
        started(sum(len(i.steps) for i in log.incidents))
    result = import_incidents(
        desk, actor, log.incidents, progress=progress, cancelled=cancelled, batch=BATCH
    )
    problems = sorted([*log.problems, *result.problems], key=lambda p: p.line)
    report = write_report(path, problems)
    stopped = result.incidents + result.skipped < len(log.incidents)
    return FileImport(
        log.rows,
        result.incidents,
        result.skipped,
        tuple(problems),
        report,
        time.perf_counter() - clock,
        stopped,
    )


# -- CSV mappings, kept in the database for the next run --------------------------------------

MAPPINGS = "csv_import_mappings"  # settings key: {json(header): mapping}


def _signature(header: Sequence[str]) -> str:
    return json.dumps(list(header), ensure_ascii=False)


def saved_mapping(desk: Desk, header: Sequence[str]) -> CsvMapping | None:
    """The mapping last used for a file with this header (any workstation), or None."""
    saved = read_setting(desk, MAPPINGS, {})
    data = saved.get(_signature(header)) if isinstance(saved, dict) else None
    if data is None:
        return None
    try:
        return mapping_from_json(data)
    except ValidationError:
        return None  # written by a newer release: guessed anew


def save_mapping(desk: Desk, actor: Actor, header: Sequence[str], mapping: CsvMapping) -> None:
    """Keep `mapping` for the next file with this header."""
    actor.require(Permission.CONFIGURE)
    mapping.check(header)
    with desk.write() as s:
        saved = s.scalar(select(Setting.value).where(Setting.key == MAPPINGS))
        value = dict(saved) if isinstance(saved, dict) else {}
        value[_signature(header)] = mapping.to_json()
        write_setting(s, MAPPINGS, value)


def mapping_for(desk: Desk, header: Sequence[str]) -> tuple[CsvMapping, bool]:
    """The saved mapping for this header, else the one its names suggest; and whether it was
    saved."""
    saved = saved_mapping(desk, header)
    if saved is not None:
        return saved, True
    return guess_mapping(header), False


def imported_count(desk: Desk, source: str) -> int:
    with desk.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(ImportedRecord)
                .where(ImportedRecord.source == source)
            ).scalar_one()
        )
