"""Read use cases: the queue, one incident with its history, search, look-ups for forms."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import defer

from app.db import changes as change_feed
from app.db import queue as queue_db
from app.db import search as search_db
from app.domain.catalog import paths as category_paths
from app.domain.errors import NotFound, ValidationError
from app.domain.matrix import PriorityMatrix
from app.domain.records import (
    AgentRecord,
    AuditRecord,
    CallerRecord,
    CategoryRecord,
    Change,
    GroupRecord,
    IncidentRecord,
    JournalKind,
    JournalRecord,
    KnownErrorRecord,
    Page,
    PauseRecord,
    QueueFilter,
    QueueRow,
    SearchHit,
    ServiceRecord,
    SlaTargetsRecord,
)
from app.models import (
    Agent,
    AuditEntry,
    Caller,
    Category,
    ConfigItem,
    Group,
    Incident,
    JournalEntry,
    KnownError,
    Problem,
    SlaPause,
    agent_groups,
)
from app.services.callers import search_callers
from app.services.context import Desk
from app.services.history_words import Wording
from app.services.incident_records import find_id, load_record
from app.services.policies import policy_book

PAGE = 200


def get_incident(desk: Desk, number_or_id: str | int) -> IncidentRecord:
    """One incident with its clocks, by number ('INC0001234') or id."""
    book = policy_book(desk)
    with desk.read() as conn:
        return load_record(conn, find_id(conn, number_or_id), book, desk.now())


def queue_page(
    desk: Desk,
    flt: QueueFilter,
    *,
    sort: str = "priority",
    descending: bool = False,
    after: tuple[object, ...] | None = None,
    limit: int = PAGE,
) -> Page:
    """One keyset page of the queue (priority, then SLA due, then number by default)."""
    if sort not in queue_db.SORTS:
        raise ValidationError(
            f"Unknown sort {sort!r}; use one of: {', '.join(queue_db.SORTS)}", field="sort"
        )
    with desk.read() as conn:
        return queue_db.fetch_page(conn, flt, sort, descending, after, limit, desk.now())


def queue_keys(
    desk: Desk,
    flt: QueueFilter,
    *,
    sort: str = "priority",
    descending: bool = False,
    after: tuple[object, ...] | None = None,
    limit: int = 50_000,
) -> list[tuple[object, ...]]:
    """Sort keys only, in large chunks: a view keeps the ordered keys and fetches rows lazily."""
    with desk.read() as conn:
        return queue_db.fetch_keys(conn, flt, sort, descending, after, limit, desk.now())


def queue_places(
    desk: Desk,
    flt: QueueFilter,
    incident_ids: Sequence[int],
    *,
    sort: str = "priority",
    descending: bool = False,
    window_end: tuple[object, ...] | None = None,
) -> tuple[list[QueueRow], dict[int, tuple[bool, int | None]]]:
    """Incidents changed elsewhere, for a view holding the queue up to `window_end`: their rows,
    and for each (inside the view, the id just before it). Two keyed reads per incident, however
    many rows the view holds (a view never re-reads its whole window for one change)."""
    now = desk.now()
    with desk.read() as conn:
        rows = queue_db.fetch_rows_by_ids(conn, incident_ids)
        places = {
            i: queue_db.fetch_place(conn, flt, sort, descending, i, window_end, now)
            for i in incident_ids
        }
    return rows, places


def queue_rows(desk: Desk, ids: Sequence[int]) -> list[QueueRow]:
    with desk.read() as conn:
        return queue_db.fetch_rows_by_ids(conn, ids)


def queue_count(desk: Desk, flt: QueueFilter) -> int:
    with desk.read() as conn:
        return queue_db.count(conn, flt, desk.now())


def journal(desk: Desk, incident_id: int) -> list[JournalRecord]:
    with desk.query() as conn:
        rows = conn.execute(
            select(JournalEntry, Agent.full_name)
            .outerjoin(Agent, Agent.id == JournalEntry.author_id)
            .where(JournalEntry.incident_id == incident_id)
            .order_by(JournalEntry.id)
        ).all()
    return [
        JournalRecord(
            j.id, j.incident_id, JournalKind(j.kind), j.body, name, j.created_at, j.time_worked_s
        )
        for j, name in rows
    ]


def history(desk: Desk, incident_id: int) -> list[AuditRecord]:
    """The audit, field by field, oldest first: the raw values and, for people, the words
    (labels, names of groups, people, categories; levels by the matrix; times in the site's zone)."""
    book = policy_book(desk)
    with desk.query() as conn:
        rows = conn.execute(
            select(AuditEntry, Agent.full_name)
            .outerjoin(Agent, Agent.id == AuditEntry.agent_id)
            .where(AuditEntry.incident_id == incident_id)
            .order_by(AuditEntry.id)
        ).all()
        values = [(a.field, v) for a, _ in rows for v in (a.old_value, a.new_value)]
        words = Wording.read(conn, values, book, desk.zone)
    return [
        AuditRecord(
            a.id,
            a.incident_id,
            a.field,
            a.old_value,
            a.new_value,
            name,
            a.at,
            a.reason,
            label=words.label(a.field),
            old_text=words.value(a.field, a.old_value),
            new_text=words.value(a.field, a.new_value),
        )
        for a, name in rows
    ]


def pauses(desk: Desk, incident_id: int) -> list[PauseRecord]:
    with desk.query() as conn:
        rows = conn.execute(
            select(SlaPause)
            .where(SlaPause.incident_id == incident_id)
            .order_by(SlaPause.started_at)
        ).scalars()
        return [PauseRecord(p.started_at, p.ended_at, p.reason) for p in rows]


def children(desk: Desk, incident_id: int) -> list[QueueRow]:
    with desk.read() as conn:
        ids = (
            conn.execute(
                select(Incident.id).where(Incident.parent_id == incident_id).order_by(Incident.id)
            )
            .scalars()
            .all()
        )
        return queue_db.fetch_rows_by_ids(conn, list(ids))


def search(desk: Desk, text: str, limit: int = 50, *, active_only: bool = False) -> list[SearchHit]:
    """Ranked full-text search over title, description and journal."""
    with desk.read() as conn:
        return search_db.search_incidents(conn, text, limit, active_only=active_only)


def similar(
    desk: Desk, text: str, limit: int = 10, exclude_id: int | None = None
) -> list[SearchHit]:
    """Incidents and known errors that look like `text`, best first."""
    with desk.read() as conn:
        return search_db.similar(conn, text, limit, exclude_id=exclude_id)


# -- look-ups for forms ------------------------------------------------------------------


def find_callers(desk: Desk, text: str, limit: int = 20) -> list[CallerRecord]:
    """Callers for `text`, best first (see callers.search_callers), without the ranking by agent."""
    return [m.caller for m in search_callers(desk, None, text, limit).matches]


def caller(desk: Desk, caller_id: int) -> CallerRecord:
    with desk.query() as conn:
        c = conn.execute(select(Caller).where(Caller.id == caller_id)).scalars().first()
    if c is None:
        raise NotFound(f"No caller with id {caller_id}")
    return CallerRecord(c.id, c.name, c.email, c.phone, c.department, c.employee_id)


def groups(desk: Desk) -> list[GroupRecord]:
    with desk.query() as conn:
        rows = conn.execute(
            select(Group, Agent.full_name)
            .outerjoin(Agent, Agent.id == Group.supervisor_id)
            .order_by(Group.line, Group.name)
        ).all()
    return [
        GroupRecord(
            g.id, g.name, g.line, g.supervisor_id, name, g.email, g.assignment, bool(g.active)
        )
        for g, name in rows
    ]


def agents(desk: Desk, group_id: int | None = None) -> list[AgentRecord]:
    with desk.query() as conn:
        # never the password hash: on PostgreSQL a desk role may not read it (app.db.pg_roles)
        stmt = select(Agent).options(defer(Agent.password_hash)).order_by(Agent.full_name)
        if group_id is not None:
            stmt = stmt.join(agent_groups, agent_groups.c.agent_id == Agent.id).where(
                agent_groups.c.group_id == group_id
            )
        people = conn.execute(stmt).scalars().all()
        memberships = conn.execute(
            select(agent_groups.c.agent_id, Group.id, Group.name)
            .join(Group, Group.id == agent_groups.c.group_id)
            .order_by(Group.name)
        ).all()
    by_agent: dict[int, list[tuple[int, str]]] = {}
    for agent_id, gid, gname in memberships:
        by_agent.setdefault(agent_id, []).append((gid, gname))
    return [
        AgentRecord(
            a.id,
            a.username,
            a.full_name,
            a.role,
            a.email,
            a.active,
            tuple(g for g, _ in by_agent.get(a.id, [])),
            tuple(n for _, n in by_agent.get(a.id, [])),
        )
        for a in people
        if a.username != "system"
    ]


def categories(desk: Desk, *, inactive: bool = False) -> list[CategoryRecord]:
    """The categories by path ("Software > Email"), active ones only unless `inactive`."""
    with desk.query() as conn:
        rows = conn.execute(
            select(Category, Group.name).outerjoin(Group, Group.id == Category.default_group_id)
        ).all()
    path = category_paths((c.id, c.name, c.parent_id) for c, _g in rows)
    out = [
        CategoryRecord(
            c.id,
            c.name,
            c.parent_id,
            path[c.id],
            c.default_group_id,
            gname,
            c.default_impact,
            c.default_urgency,
            bool(c.active),
        )
        for c, gname in rows
        if inactive or c.active
    ]
    return sorted(out, key=lambda c: [p.casefold() for p in c.path.split(" > ")])


def services(desk: Desk, *, inactive: bool = False) -> list[ServiceRecord]:
    """Services and configuration items by name, active ones only unless `inactive`."""
    stmt = select(ConfigItem, Group.name).outerjoin(Group, Group.id == ConfigItem.group_id)
    if not inactive:
        stmt = stmt.where(ConfigItem.active)
    with desk.query() as conn:
        rows = conn.execute(stmt).all()
    out = [
        ServiceRecord(s.id, s.name, s.kind, s.group_id, gname, s.description, bool(s.active))
        for s, gname in rows
    ]
    return sorted(out, key=lambda s: s.name.casefold())


def known_errors(desk: Desk) -> list[KnownErrorRecord]:
    with desk.query() as conn:
        rows = conn.execute(
            select(KnownError, Problem.number)
            .outerjoin(Problem, Problem.id == KnownError.problem_id)
            .where(KnownError.active)
            .order_by(KnownError.title)
        ).all()
    return [
        KnownErrorRecord(k.id, k.title, k.symptom, k.workaround, k.problem_id, number)
        for k, number in rows
    ]


def known_error(desk: Desk, known_error_id: int) -> KnownErrorRecord:
    """One known error by id, retired or not (an incident may still point at it)."""
    with desk.query() as conn:
        row = conn.execute(
            select(KnownError, Problem.number)
            .outerjoin(Problem, Problem.id == KnownError.problem_id)
            .where(KnownError.id == known_error_id)
        ).first()
    if row is None:
        raise NotFound(f"No known error with id {known_error_id}")
    k, number = row
    return KnownErrorRecord(k.id, k.title, k.symptom, k.workaround, k.problem_id, number)


def priority_for(desk: Desk, impact: int, urgency: int) -> SlaTargetsRecord:
    """The priority the current matrix gives, and its SLA targets in words, for the form."""
    book = policy_book(desk)
    matrix = book.matrix
    priority = matrix.priority(impact, urgency)
    found = book.target(None, priority)
    words = book.describe(None, priority) or ("no target", "no target")
    response_s, resolution_s = (found[0].response_s, found[0].resolution_s) if found else (0, 0)
    return SlaTargetsRecord(
        priority, matrix.priority_label(priority), response_s, resolution_s, words[0], words[1]
    )


def matrix(desk: Desk) -> PriorityMatrix:
    """The current priority matrix (domain object)."""
    return policy_book(desk).matrix


# -- the change feed ---------------------------------------------------------------------


def latest_change(desk: Desk) -> int:
    with desk.read() as conn:
        return change_feed.latest_seq(conn)


def changes_since(desk: Desk, seq: int) -> list[Change]:
    with desk.read() as conn:
        return change_feed.changes_since(conn, seq)
