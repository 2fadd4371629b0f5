"""Loading the demo: the reference data of ``app.demo.profile`` and as many incidents as asked.

``load_demo(desk, n)`` creates what is missing of the demo catalogue (groups with their lines and
supervisors, the category tree with default groups, services, callers, agents with roles, group
memberships and the password ``demo-pass``, known errors and a few problems), then inserts ``n``
incidents drawn by :func:`app.demo.profile.generate`.

The catalogue goes through the catalogue services (``app.services.catalog``) where a row at a
time is reasonable (groups, categories, services, known errors, problems); callers and agents are inserted in one statement
each (2,000 callers one transaction at a time would take seconds, and every demo agent shares ONE
scrypt hash of the password: hashing is deliberately slow).

Incidents are inserted fast: rows are built as plain tuples and written with one executemany per
batch of :data:`BATCH` rows on SQLite (through the SQLAlchemy connection, values already in the
dialect's storage format) and with ``COPY ... FROM STDIN`` on PostgreSQL, all in ONE transaction,
so a failed load leaves nothing behind and :func:`ensure_demo` can trust "no incidents". The
stored SLA fields are the ones the services compute (:func:`sla_fields` is
``app.services.incidents.apply_sla`` as a pure function of the row), so a queue over demo data
sorts and colours exactly like one over logged incidents. For a large load the secondary indexes
of incidents are rebuilt once at the end and the full-text documents are filled in one statement
instead of by per-row triggers (see :class:`_SecondaryIndexes` and :class:`_SearchIndex`); a
million incidents take about a minute on SQLite on a two-core machine.

History: every incident gets a "created" audit row and a system journal entry only when
``n <= HISTORY_LIMIT`` (20,000); at a million rows that history would double the load time and the
database size for nothing a demo shows. On-hold incidents always get their open ``sla_pauses``
row (the resolution clock reads it). The change feed gets one ``("incident", last id, "bulk")``
entry per batch.
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update

from app.db.changes import append_change
from app.db.search import PG_SEARCH_FUNCTIONS, SQLITE_FTS_TRIGGERS, same_sql
from app.demo import FIRST_START_INCIDENTS, profile
from app.domain.calendar import BusinessCalendar, from_epoch, to_epoch
from app.domain.lifecycle import CloseReason, HoldReason, ResolutionCode, State
from app.domain.passwords import hash_password
from app.domain.records import Channel, incident_number
from app.domain.sla import Pause, SlaTarget, threshold_for
from app.models import (
    NO_DUE,
    Agent,
    AuditEntry,
    Caller,
    Group,
    Incident,
    JournalEntry,
    KnownError,
    Problem,
    Setting,
    SlaPause,
    agent_groups,
)
from app.services import catalog, defaults, queries, settings
from app.services import problems as problem_service
from app.services.context import Actor, Desk
from app.services.policies import PolicyBook, policy_book
from app.services.settings import DEMO_PASSWORD
from app.services.sla_fields import SlaFields, sla_fields

__all__ = [
    "BATCH",
    "DEMO_PASSWORD",
    "FIRST_START_INCIDENTS",
    "HISTORY_LIMIT",
    "DemoSummary",
    "SlaFields",
    "ensure_demo",
    "load_demo",
    "sla_fields",
]

BATCH = 20_000
HISTORY_LIMIT = 20_000  # audit + journal per incident only up to this many incidents
SQLITE_LOAD_CACHE_KIB = 1_048_576  # page cache of the loading connection while it rebuilds
SPAN_DAYS_MIN = 365
PER_DAY_MAX = 1_500  # a busy desk: more incidents than this a day stretch the span

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DemoSummary:
    incidents: int  # inserted by this call
    open: int  # of which still new / in progress / on hold
    first_number: str | None
    last_number: str | None
    seconds: float  # wall time of the whole load
    callers: int = 0  # catalogue rows created by this call
    agents: int = 0
    groups: int = 0
    timings: Mapping[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# values in storage format

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_TIME_OF_DAY = [
    f" {h:02d}:{m:02d}:{s:02d}.000000" for h in range(24) for m in range(60) for s in range(60)
]
_DAY_TEXT: dict[int, str] = {}


def _ts_epoch(seconds: int) -> str:
    """A UTC instant (whole epoch seconds) as SQLAlchemy stores DateTime on SQLite
    ('YYYY-MM-DD HH:MM:SS.ffffff'); PostgreSQL's COPY reads the same text into a timestamp."""
    day, second = divmod(seconds, 86_400)
    text_ = _DAY_TEXT.get(day)
    if text_ is None:
        text_ = _DAY_TEXT[day] = date.fromordinal(day + _EPOCH_ORDINAL).isoformat()
    return text_ + _TIME_OF_DAY[second]


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.microsecond:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return _ts_epoch(int(value.timestamp()))


class _BusinessClock:
    """Business-time arithmetic of one calendar on epoch seconds, fast over a window.

    The working spans of the window are listed once (through the calendar's own public
    answers, so holidays, zones and daylight saving are the calendar's), with the business
    seconds before each; then ``add`` and ``elapsed`` are two bisections instead of a walk
    over days. Outside the window it asks the calendar. The tests check it against the
    calendar on random instants.
    """

    def __init__(self, calendar: BusinessCalendar, lo: int, hi: int) -> None:
        self.calendar = calendar
        self.always = calendar.always
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []  # business seconds from the first span to each start
        self.through: list[int] = []  # ... to each end
        if self.always:
            self.lo, self.hi = lo, hi
            return
        total = 0
        t = lo
        while t < hi:
            a = to_epoch(calendar.add_working_seconds(from_epoch(t), 1)) - 1
            if a >= hi:
                break
            b = a + self._run_length(a)
            self.starts.append(a)
            self.ends.append(b)
            self.before.append(total)
            total += b - a
            self.through.append(total)
            t = b
        self.lo = self.starts[0] if self.starts else hi
        self.hi = self.ends[-1] if self.ends else hi

    def _run_length(self, a: int) -> int:
        """Seconds of uninterrupted business time from `a` (capped at 8 days)."""
        ws = self.calendar.working_seconds
        start = from_epoch(a)

        def whole(x: int) -> bool:
            return ws(start, from_epoch(a + x)) == x

        good, bad = 1, 60
        while whole(bad):
            good, bad = bad, bad * 2
            if bad > 8 * 86_400:
                return good
        while bad - good > 1:
            mid = (good + bad) // 2
            good, bad = (mid, bad) if whole(mid) else (good, mid)
        return good

    def _position(self, t: int) -> int:
        """Business seconds from the window's first span to `t` (t inside the window)."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.before[i] + ((t if t < end else end) - self.starts[i])

    def add(self, t: int, seconds: int) -> int:
        """calendar.add_working_seconds(t, seconds), on epoch seconds."""
        if self.always:
            return t + seconds
        if seconds > 0 and self.lo <= t < self.hi:
            goal = self._position(t) + seconds
            j = bisect_left(self.through, goal)
            if j < len(self.through):
                return self.starts[j] + (goal - self.before[j])
        return to_epoch(self.calendar.add_working_seconds(from_epoch(t), seconds))

    def back(self, t: int, seconds: int) -> int:
        """The instant `seconds` of business time before `t` (the window's start at most)."""
        if self.always:
            return t - seconds
        if not self.starts:
            return t
        goal = self._position(min(max(t, self.lo), self.hi)) - seconds
        if goal <= 0:
            return self.starts[0]
        j = bisect_right(self.before, goal) - 1
        return self.starts[j] + (goal - self.before[j])

    def elapsed(self, a: int, b: int) -> int:
        """calendar.working_seconds(a, b), on epoch seconds."""
        if b <= a:
            return 0
        if self.always:
            return b - a
        if self.lo <= a and b <= self.hi:
            return self._position(b) - self._position(a)
        return self.calendar.working_seconds(from_epoch(a), from_epoch(b))


def _fast_sla(
    clock: _BusinessClock,
    target: SlaTarget,
    active: bool,
    opened: int,
    stop: int | None,
    now: int,
) -> tuple[int, int, int | None, int | None, bool, int, int]:
    """:func:`sla_fields` of a clock without pauses, on epoch seconds: (response_due,
    resolution_due, warn_at, at_risk_at, breached, due_sort or -1 for NO_DUE, stage)."""
    add = clock.add
    total = target.resolution_s
    response_due = add(opened, target.response_s)
    due = add(opened, total)
    if not active:
        until = now if stop is None else stop
        breached = until >= due
        return response_due, due, None, None, breached, -1, 100 if breached else 0
    warn = add(opened, math.ceil(total * 0.5))
    at_risk = add(opened, math.ceil(total * 0.75))
    breached = now >= due
    stage = 0
    if breached:
        stage = 100
    elif now >= warn:
        stage = threshold_for(clock.elapsed(opened, now) * 100 / total).value
    return (
        response_due,
        due,
        now if now >= warn else warn,
        now if now >= at_risk else at_risk,
        breached,
        due,
        stage,
    )


# incidents columns written by the bulk insert, in this order
COLUMNS = (
    "id",
    "number",
    "title",
    "description",
    "caller_id",
    "channel",
    "category_id",
    "config_item_id",
    "impact",
    "urgency",
    "priority",
    "matrix_version",
    "state",
    "active",
    "hold_reason",
    "group_id",
    "assignee_id",
    "support_line",
    "reassignment_count",
    "reopen_count",
    "escalated_to_supervisor",
    "major",
    "problem_id",
    "known_error_id",
    "resolution_code",
    "resolution_notes",
    "resolved_at",
    "resolved_by_id",
    "closed_at",
    "closed_by_id",
    "close_reason",
    "cancel_reason",
    "sla_policy_id",
    "opened_at",
    "responded_at",
    "response_due",
    "resolution_due",
    "warn_at",
    "at_risk_at",
    "sla_paused",
    "sla_breached",
    "due_sort",
    "sla_stage",
    "version",
    "opened_by_id",
    "created_at",
    "updated_at",
)


# --------------------------------------------------------------------------------------
# producing rows


@dataclass(frozen=True)
class _Plan:
    n: int
    seed: int
    now: datetime  # whole seconds
    span_days: int
    base_id: int
    history: bool
    caller_ids: tuple[int, ...]  # by CALLERS index
    agent_ids: tuple[int, ...]  # by AGENTS index
    agent_names: tuple[str, ...]
    group_ids: Mapping[str, int]
    group_lines: Mapping[str, int]
    supervisor_ids: Mapping[str, int | None]  # group name -> supervisor agent id
    desk_agent_ids: tuple[int, ...]  # who logs calls (first line)
    system_id: int
    category_ids: Mapping[tuple[str, str], int]
    service_ids: tuple[int, ...]  # by SERVICES index
    known_error_ids: Mapping[tuple[str, str], int]
    problem_ids: Mapping[tuple[str, str], int]
    matrix_cells: tuple[tuple[int, ...], ...]
    matrix_version: int
    policy_id: int | None
    targets: Mapping[int, tuple[SlaTarget, BusinessCalendar]]


@dataclass
class _Batch:
    incidents: list[tuple[Any, ...]]
    pauses: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    journal: list[dict[str, Any]]
    open: int
    last_id: int


_PEOPLE_CHANNELS = {Channel.PHONE.value, Channel.WALK_IN.value, Channel.CHAT.value}
_AUTO_CLOSE_AFTER = 4 * 86_400
_NO_DUE_TEXT = _ts(NO_DUE)


def _produce(plan: _Plan, batch_size: int = BATCH) -> Iterator[_Batch]:
    """Generate the incidents of `plan` as ready-to-insert batches."""
    rnd = random.Random(plan.seed * 7_919 + 17).random
    now = plan.now
    now_e = int(now.timestamp())
    lo = now_e - (plan.span_days + 2) * 86_400
    hi = now_e + 120 * 86_400
    ts = _ts_epoch
    no_due = _NO_DUE_TEXT
    now_text = ts(now_e)
    states = {s.value: s for s in State}
    code_labels = {c.value: c.label for c in ResolutionCode}
    caller_ids = plan.caller_ids
    agent_ids = plan.agent_ids
    group_ids = plan.group_ids
    lines = plan.group_lines
    supervisors = plan.supervisor_ids
    desk_agents = plan.desk_agent_ids or (plan.system_id,)
    n_desk = len(desk_agents)
    system_id = plan.system_id
    cats = plan.category_ids
    services = plan.service_ids
    kes = plan.known_error_ids
    prbs = plan.problem_ids
    cells = plan.matrix_cells
    version = plan.matrix_version
    policy = plan.policy_id
    base = plan.base_id
    history = plan.history
    names = dict(zip(plan.agent_ids, plan.agent_names, strict=True))
    names[system_id] = "Incident Desk"
    by_calendar: dict[int, _BusinessClock] = {}
    clocks: dict[int, tuple[SlaTarget, BusinessCalendar, _BusinessClock]] = {}
    for priority, (target, cal) in plan.targets.items():
        clock = by_calendar.get(id(cal))
        if clock is None:
            clock = by_calendar[id(cal)] = _BusinessClock(cal, lo, hi)
        clocks[priority] = (target, cal, clock)
    known_error_code = ResolutionCode.KNOWN_ERROR.value
    problem_codes = (known_error_code, ResolutionCode.RESOLVED_BY_PROBLEM.value)
    auto_closed = CloseReason.AUTO_CLOSED.value
    confirmed = CloseReason.CALLER_CONFIRMED.value
    on_hold = State.ON_HOLD
    cancelled = State.CANCELLED

    rows: list[tuple[Any, ...]] = []
    pauses: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    journal: list[dict[str, Any]] = []
    n_open = 0
    last_id = base

    def open_since(priority: int, used: float) -> float:
        """When an open incident of `priority` that has used `used` of its resolution target
        by now was opened, on its own calendar (profile.generate's `open_since`)."""
        found = clocks.get(priority)
        if found is None:  # no target for this priority: a day per "target"
            return now_e - used * 86_400
        return found[2].back(now_e, int(used * found[0].resolution_s))

    for d in profile.generate(
        plan.n, seed=plan.seed, now=now, span_days=plan.span_days, open_since=open_since
    ):
        iid = base + d.seq
        last_id = iid
        number = incident_number(iid)
        state = states[d.state]
        active = state.active
        opened = int(d.opened_at.timestamp())
        resolved = None if d.resolved_at is None else int(d.resolved_at.timestamp())
        closed = None if d.closed_at is None else int(d.closed_at.timestamp())
        priority = cells[d.impact - 1][d.urgency - 1]
        key = (d.category, d.subcategory)
        assignee = agent_ids[d.assignee_index] if d.assignee_index is not None else None
        channel = d.channel
        opener = desk_agents[iid % n_desk] if channel in _PEOPLE_CHANNELS else system_id

        responded: int | None = None
        if assignee is not None or resolved is not None:
            responded = opened + int(60 + 5_400 * rnd() * rnd())
            end = resolved if resolved is not None else closed
            if end is not None and responded > end:
                responded = end
            if responded > now_e:
                responded = now_e
        updated = closed or resolved or responded or opened

        found = clocks.get(priority)
        if found is None:
            sla: tuple[Any, ...] = (
                None,
                None,
                None,
                None,
                1 if state is on_hold else 0,
                0,
                no_due,
                0,
            )
        elif state is on_hold:
            start = responded or opened
            held = start + int((now_e - start) * rnd())
            updated = max(updated, held)
            pauses.append(
                {
                    "incident_id": iid,
                    "started_at": from_epoch(held),
                    "ended_at": None,
                    "reason": d.hold_reason or HoldReason.AWAITING_CALLER.value,
                }
            )
            f = sla_fields(
                state=state,
                target=found[0],
                calendar=found[1],
                opened_at=d.opened_at,
                resolved_at=d.resolved_at,
                closed_at=d.closed_at,
                pauses=(Pause(from_epoch(held)),),
                now=now,
            )
            sla = (
                _ts(f.response_due),
                _ts(f.resolution_due),
                _ts(f.warn_at),
                _ts(f.at_risk_at),
                1 if f.sla_paused else 0,
                1 if f.sla_breached else 0,
                _ts(f.due_sort),
                f.stage,
            )
        else:
            r_due, due, warn, risk, breached, due_sort, stage = _fast_sla(
                found[2],
                found[0],
                active,
                opened,
                resolved if resolved is not None else closed,
                now_e,
            )
            due_text = ts(due)
            if due_sort < 0:
                sla = (ts(r_due), due_text, None, None, 0, 1 if breached else 0, no_due, stage)
            else:
                sla = (
                    ts(r_due),
                    due_text,
                    None if warn is None else now_text if warn == now_e else ts(warn),
                    None if risk is None else now_text if risk == now_e else ts(risk),
                    0,
                    1 if breached else 0,
                    due_text,
                    stage,
                )

        code = d.resolution_code
        notes = d.resolution_notes
        cancel_reason = None
        close_reason = None
        closed_by = None
        resolved_by = None
        if state is cancelled:
            cancel_reason, notes = notes, None
            closed_by = assignee or opener
        elif resolved is not None:
            resolved_by = assignee or supervisors.get(d.group) or opener
            if closed is not None:
                auto = closed - resolved >= _AUTO_CLOSE_AFTER
                close_reason = auto_closed if auto else confirmed
                closed_by = system_id if auto else resolved_by
        if active:
            n_open += 1
        opened_text = ts(opened)
        resolved_text = None if resolved is None else ts(resolved)
        closed_text = None if closed is None else ts(closed)
        responded_text = None if responded is None else ts(responded)
        if updated == closed:
            updated_text = closed_text
        elif updated == resolved:
            updated_text = resolved_text
        elif updated == responded:
            updated_text = responded_text
        elif updated == opened:
            updated_text = opened_text
        else:
            updated_text = ts(updated)
        rows.append(
            (
                iid,
                number,
                d.title,
                d.description,
                caller_ids[d.caller_index],
                channel,
                cats[key],
                services[d.service_index] if d.service_index is not None else None,
                d.impact,
                d.urgency,
                priority,
                version,
                d.state,
                1 if active else 0,
                d.hold_reason,
                group_ids[d.group],
                assignee,
                lines[d.group],
                d.reassignment_count,
                d.reopen_count,
                0,
                1 if d.major else 0,
                prbs.get(key) if code in problem_codes else None,
                kes.get(key) if code == known_error_code else None,
                code,
                notes,
                resolved_text,
                resolved_by,
                closed_text,
                closed_by,
                close_reason,
                cancel_reason,
                policy,
                opened_text,
                responded_text,
                *sla,
                1,
                opener,
                opened_text,
                updated_text,
            )
        )
        if history:
            audit.append(
                {
                    "incident_id": iid,
                    "field": "created",
                    "old_value": None,
                    "new_value": number,
                    "agent_id": opener,
                    "at": d.opened_at,
                    "reason": None,
                    "incident_version": 1,
                }
            )
            label = Channel(channel).label.lower()
            journal.append(
                {
                    "incident_id": iid,
                    "kind": "system",
                    "body": f"Logged by {names.get(opener, 'the desk')} via {label}",
                    "author_id": opener,
                    "created_at": d.opened_at,
                }
            )
            if d.resolved_at is not None and code is not None and resolved_by is not None:
                journal.append(
                    {
                        "incident_id": iid,
                        "kind": "system",
                        "body": f"Resolved by {names.get(resolved_by, 'the desk')} "
                        f"({code_labels.get(code, code)}): {notes or ''}".rstrip(": "),
                        "author_id": resolved_by,
                        "created_at": d.resolved_at,
                    }
                )
        if len(rows) >= batch_size:
            yield _Batch(rows, pauses, audit, journal, n_open, last_id)
            rows, pauses, audit, journal, n_open = [], [], [], [], 0
    if rows:
        yield _Batch(rows, pauses, audit, journal, n_open, last_id)


# --------------------------------------------------------------------------------------
# the catalogue


@dataclass(frozen=True)
class _Catalogue:
    plan_parts: dict[str, Any]
    created_callers: int
    created_agents: int
    created_groups: int


def _ensure_catalogue(desk: Desk, actor: Actor) -> _Catalogue:
    """Create what is missing of the demo catalogue; return the ids the rows refer to."""
    created_groups = 0
    group_ids = {g.name: g.id for g in queries.groups(desk)}
    for g in profile.GROUPS:
        if g.name not in group_ids:
            group_ids[g.name] = catalog.add_group(desk, actor, g.name, g.line)
            created_groups += 1

    created_agents = _ensure_agents(desk, group_ids)
    with desk.read() as conn:
        agent_by_name = dict(conn.execute(select(Agent.username, Agent.id)).tuples().all())
        supervisors = dict(conn.execute(select(Group.name, Group.supervisor_id)).tuples().all())
    for g in profile.GROUPS:
        if supervisors.get(g.name) is None and g.supervisor in agent_by_name:
            catalog.set_supervisor(desk, actor, group_ids[g.name], agent_by_name[g.supervisor])
            supervisors[g.name] = agent_by_name[g.supervisor]

    category_ids = _ensure_categories(desk, actor, group_ids)
    service_ids = _ensure_services(desk, actor, group_ids)
    caller_ids, created_callers = _ensure_callers(desk, actor)
    known_error_ids, problem_ids = _ensure_known_errors(desk, actor, category_ids)

    desk_group = profile.GROUPS[0].name
    desk_agents = tuple(
        agent_by_name[a.username]
        for a in profile.AGENTS
        if a.group == desk_group and a.role == "agent" and a.username in agent_by_name
    )
    parts: dict[str, Any] = {
        "caller_ids": caller_ids,
        "agent_ids": tuple(agent_by_name[a.username] for a in profile.AGENTS),
        "agent_names": tuple(a.full_name for a in profile.AGENTS),
        "group_ids": group_ids,
        "group_lines": {g.name: g.line for g in profile.GROUPS},
        "supervisor_ids": {g.name: supervisors.get(g.name) for g in profile.GROUPS},
        "desk_agent_ids": desk_agents,
        "category_ids": category_ids,
        "service_ids": service_ids,
        "known_error_ids": known_error_ids,
        "problem_ids": problem_ids,
    }
    return _Catalogue(parts, created_callers, created_agents, created_groups)


def _ensure_agents(desk: Desk, group_ids: Mapping[str, int]) -> int:
    with desk.read() as conn:
        existing = set(conn.execute(select(Agent.username)).scalars())
    missing = [a for a in profile.AGENTS if a.username not in existing]
    if not missing:
        return 0
    hashed = hash_password(DEMO_PASSWORD)  # once: scrypt is slow on purpose
    now = desk.now()
    with desk.write() as s:
        conn = s.connection()
        conn.execute(
            insert(Agent),
            [
                {
                    "username": a.username,
                    "full_name": a.full_name,
                    "email": f"{a.username}@example.com",
                    "role": a.role,
                    "password_hash": hashed,
                    "active": True,
                    "created_at": now,
                }
                for a in missing
            ],
        )
        ids = dict(
            conn.execute(
                select(Agent.username, Agent.id).where(
                    Agent.username.in_([a.username for a in missing])
                )
            )
            .tuples()
            .all()
        )
        conn.execute(
            insert(agent_groups),
            [{"agent_id": ids[a.username], "group_id": group_ids[a.group]} for a in missing],
        )
        for a in missing:
            append_change(conn, "agent", ids[a.username], "created", None)
        s.merge(Setting(key=settings.DEMO_USERS, value=_SAMPLE_USERS))
    return len(missing)


# named on the sign-in dialog: the people of a day at the desk
_SAMPLE_USERS = [
    a.username for a in profile.AGENTS if a.username.split(".")[0] in ("ana", "ben", "carla")
]


def _ensure_categories(
    desk: Desk, actor: Actor, group_ids: Mapping[str, int]
) -> dict[tuple[str, str], int]:
    existing = {c.path: c.id for c in queries.categories(desk)}
    by_parent: dict[str, list[profile.Category]] = {}
    for c in profile.CATEGORIES:
        by_parent.setdefault(c.category, []).append(c)
    out: dict[tuple[str, str], int] = {}
    for parent, subs in by_parent.items():
        parent_id = existing.get(parent)
        if parent_id is None:
            groups = [s.default_group for s in subs]
            common = max(groups, key=groups.count)
            parent_id = catalog.add_category(
                desk, actor, parent, default_group_id=group_ids[common]
            )
        for s in subs:
            path = f"{parent} > {s.subcategory}"
            cid = existing.get(path)
            if cid is None:
                cid = catalog.add_category(
                    desk,
                    actor,
                    s.subcategory,
                    parent_id=parent_id,
                    default_group_id=group_ids[s.default_group],
                )
            out[(s.category, s.subcategory)] = cid
    return out


def _ensure_services(desk: Desk, actor: Actor, group_ids: Mapping[str, int]) -> tuple[int, ...]:
    existing = {s.name: s.id for s in queries.services(desk)}
    ids = []
    for s in profile.SERVICES:
        sid = existing.get(s.name)
        if sid is None:
            sid = catalog.add_service(desk, actor, s.name, group_id=group_ids[s.group])
        ids.append(sid)
    return tuple(ids)


def demo_employee_id(index: int) -> str:
    """The demo caller at `index` of profile.CALLERS has this number in the HR directory."""
    return f"E{10001 + index}"


def _ensure_callers(desk: Desk, actor: Actor) -> tuple[tuple[int, ...], int]:
    emails = [c.email for c in profile.CALLERS]
    with desk.read() as conn:
        known = dict(
            conn.execute(select(Caller.email, Caller.id).where(Caller.email.is_not(None)))
            .tuples()
            .all()
        )
    missing = [c for c in profile.CALLERS if c.email not in known]
    if missing:
        now = desk.now()
        with desk.write() as s:
            conn = s.connection()
            conn.execute(
                insert(Caller),
                [
                    {
                        "name": c.name,
                        "name_key": c.name.lower(),
                        "email": c.email,
                        "phone": None,
                        "department": c.department,
                        "employee_id": demo_employee_id(emails.index(c.email)),
                        "vip": False,
                        "created_at": now,
                    }
                    for c in missing
                ],
            )
            known.update(
                conn.execute(
                    select(Caller.email, Caller.id).where(
                        Caller.email.in_([c.email for c in missing])
                    )
                )
                .tuples()
                .all()
            )
            append_change(conn, "caller", known[missing[-1].email], "bulk", actor.id)
    return tuple(known[e] for e in emails), len(missing)


def _ensure_known_errors(
    desk: Desk, actor: Actor, category_ids: Mapping[tuple[str, str], int]
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    with desk.read() as conn:
        existing = dict(conn.execute(select(KnownError.title, KnownError.id)).tuples().all())
        ke_problem = dict(conn.execute(select(KnownError.id, KnownError.problem_id)).tuples().all())
    kes: dict[tuple[str, str], int] = {}
    problem_ids: dict[tuple[str, str], int] = {}
    for i, k in enumerate(profile.KNOWN_ERRORS):
        key = (k.category, k.subcategory)
        kid = existing.get(k.title)
        if kid is None:
            problem_id = None
            if i % 3 == 0:  # a few known errors come from a problem record
                problem_id = problem_service.add_problem(
                    desk, actor, k.title, description=f"Root cause analysis: {k.symptom}"
                )
                with desk.write() as s:
                    s.execute(
                        update(Problem)
                        .where(Problem.id == problem_id)
                        .values(state="root_cause_analysis", root_cause=k.symptom)
                    )
            kid = problem_service.add_known_error(
                desk,
                actor,
                k.title,
                k.symptom,
                k.workaround,
                problem_id=problem_id,
                category_id=category_ids.get(key),
            )
            ke_problem[kid] = problem_id
        kes.setdefault(key, kid)
        pid = ke_problem.get(kid)
        if pid is not None:
            problem_ids.setdefault(key, pid)
    return kes, problem_ids


# --------------------------------------------------------------------------------------
# loading


def _span_days(n: int) -> int:
    return max(SPAN_DAYS_MIN, math.ceil(n / PER_DAY_MAX))


def _plan(
    desk: Desk,
    book: PolicyBook,
    catalogue: _Catalogue,
    n: int,
    seed: int,
    now: datetime,
    base_id: int,
) -> _Plan:
    matrix = book.matrix
    policy_id = book.default_policy_id
    targets: dict[int, tuple[SlaTarget, BusinessCalendar]] = {}
    for priority in range(1, matrix.priorities + 1):
        found = book.target(policy_id, priority)
        if found is not None:
            targets[priority] = found
    return _Plan(
        n=n,
        seed=seed,
        now=now,
        span_days=_span_days(n),
        base_id=base_id,
        history=n <= HISTORY_LIMIT,
        system_id=desk.system().id,
        matrix_cells=matrix.cells,
        matrix_version=matrix.version,
        policy_id=policy_id,
        targets=targets,
        **catalogue.plan_parts,
    )


def load_demo(
    desk: Desk,
    incidents: int,
    *,
    seed: int = 1,
    progress: Progress | None = None,
) -> DemoSummary:
    """Create the demo catalogue (what is missing) and insert `incidents` demo incidents.

    Numbers continue after the highest incident id; `progress(done, total)` is called after
    each batch.
    """
    if incidents < 0:
        raise ValueError("incidents must not be negative")
    started = time.perf_counter()
    timings: dict[str, float] = {}
    defaults.ensure_defaults(desk)
    actor = desk.system()
    catalogue = _ensure_catalogue(desk, actor)
    desk.invalidate()
    book = policy_book(desk)
    timings["catalogue_s"] = time.perf_counter() - started
    if incidents == 0:
        return DemoSummary(
            0,
            0,
            None,
            None,
            time.perf_counter() - started,
            catalogue.created_callers,
            catalogue.created_agents,
            catalogue.created_groups,
            timings,
        )
    now = desk.now().replace(microsecond=0)
    with desk.read() as conn:
        base_id = int(conn.execute(select(func.coalesce(func.max(Incident.id), 0))).scalar_one())
    plan = _plan(desk, book, catalogue, incidents, seed, now, base_id)

    done = 0
    n_open = 0
    insert_s = 0.0
    audit: list[dict[str, Any]] = []
    journal: list[dict[str, Any]] = []
    with desk.write() as session:
        conn = session.connection()
        existing = int(conn.execute(select(func.count()).select_from(Incident)).scalar_one())
        indexes = _SecondaryIndexes(conn, incidents, existing)
        indexes.suspend()
        search = _SearchIndex(conn, base_id)
        search.suspend()
        writer = _writer(conn)
        for batch in _produce(plan):
            t0 = time.perf_counter()
            writer(batch.incidents)
            if batch.pauses:
                conn.execute(insert(SlaPause), batch.pauses)
            audit += batch.audit
            journal += batch.journal
            append_change(conn, "incident", batch.last_id, "bulk", actor.id)
            insert_s += time.perf_counter() - t0
            done += len(batch.incidents)
            n_open += batch.open
            if progress is not None:
                progress(done, incidents)
        t0 = time.perf_counter()
        indexes.resume()
        timings["index_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        search.resume()
        timings["search_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # after the search documents exist: the journal's triggers append to them
        if audit:
            conn.execute(insert(AuditEntry), audit)
        if journal:
            conn.execute(insert(JournalEntry), journal)
        _finish(conn)
        timings["finish_s"] = time.perf_counter() - t0
    timings["bulk_search"] = 1.0 if search.bulk else 0.0
    if desk.dialect == "postgresql":
        # a fresh bulk load has no visibility map: without it index-only scans (the queue's
        # count and pages) visit the heap for every row until autovacuum comes round
        t0 = time.perf_counter()
        with desk.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("VACUUM (ANALYZE) incidents")
        timings["vacuum_s"] = time.perf_counter() - t0
    timings["insert_s"] = insert_s
    return DemoSummary(
        incidents=done,
        open=n_open,
        first_number=incident_number(base_id + 1),
        last_number=incident_number(base_id + done),
        seconds=time.perf_counter() - started,
        callers=catalogue.created_callers,
        agents=catalogue.created_agents,
        groups=catalogue.created_groups,
        timings=timings,
    )


# The search triggers fire once per inserted incident, which costs ten times what filling the
# search table in one statement does (SQLite FTS5: 80 against 7 microseconds a row; PostgreSQL
# tsvector plus foreign-key checks similarly). When the trigger is the one the schema ships
# (compared as text, so a changed trigger falls back to the slow, always-right path), the load
# takes it out of the way inside its transaction and fills the search table afterwards with the
# trigger's own expression. On PostgreSQL that takes a superuser (session_replication_role, as
# pg_restore --disable-triggers does); the transaction keeps it invisible to everybody else.

_SQLITE_TRIGGER = "incidents_fts_insert"
_SQLITE_TRIGGER_SQL = SQLITE_FTS_TRIGGERS[_SQLITE_TRIGGER]
_SQLITE_FILL = (
    "INSERT INTO incident_fts(rowid, title, description, journal) "
    "SELECT id, title, description, '' FROM incidents WHERE id > :base ORDER BY id"
)
_PG_FUNCTION = "incident_search_refresh"
_PG_FUNCTION_SRC = PG_SEARCH_FUNCTIONS[_PG_FUNCTION]
_PG_FILL = (
    "INSERT INTO incident_search (incident_id, doc) "
    "SELECT id, setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'B') "
    "FROM incidents WHERE id > :base"
)


class _SearchIndex:
    """Per-row search triggers out of the way during the load, one fill at the end."""

    def __init__(self, conn: Connection, base_id: int) -> None:
        self.conn = conn
        self.base_id = base_id
        self.bulk = False
        self._trigger_sql: str | None = None

    def suspend(self) -> None:
        conn = self.conn
        if conn.dialect.name == "sqlite":
            sql = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                {"n": _SQLITE_TRIGGER},
            ).scalar()
            if same_sql(sql, _SQLITE_TRIGGER_SQL):
                conn.exec_driver_sql(f"DROP TRIGGER {_SQLITE_TRIGGER}")
                self._trigger_sql = sql
                self.bulk = True
        elif conn.dialect.name == "postgresql":
            row = conn.execute(
                text(
                    "SELECT p.prosrc, r.rolsuper FROM pg_proc p, pg_roles r "
                    "WHERE p.proname = :f AND r.rolname = current_user"
                ),
                {"f": _PG_FUNCTION},
            ).first()
            if row is not None and row[1] and same_sql(row[0], _PG_FUNCTION_SRC):
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                self.bulk = True

    def resume(self) -> None:
        if not self.bulk:
            return
        conn = self.conn
        if conn.dialect.name == "sqlite":
            conn.execute(text(_SQLITE_FILL), {"base": self.base_id})
            assert self._trigger_sql is not None
            conn.exec_driver_sql(self._trigger_sql)
        else:
            conn.execute(text("SET LOCAL session_replication_role = origin"))
            conn.execute(text(_PG_FILL), {"base": self.base_id})


class _SecondaryIndexes:
    """The secondary indexes of incidents, dropped for a large load and rebuilt after it.

    Building an index once from sorted keys is far cheaper than a million random insertions
    into it (SQLite: 40 against about 20 microseconds a row at a million rows). The definitions
    are read back from the database and re-run verbatim, inside the load's transaction: other
    connections never see the table without them. Only for a load that at least doubles the
    table, and on PostgreSQL only into an empty table (DROP INDEX locks the table there).
    """

    MIN_ROWS = 50_000

    def __init__(self, conn: Connection, adding: int, existing: int) -> None:
        self.conn = conn
        self.enabled = adding >= self.MIN_ROWS and adding >= existing
        if conn.dialect.name == "postgresql":
            self.enabled = self.enabled and existing == 0
        self._definitions: list[tuple[str, str]] = []
        self._cache_size: Any = None

    def suspend(self) -> None:
        if not self.enabled:
            return
        conn = self.conn
        if conn.dialect.name == "sqlite":
            # room for the sorts of the rebuild (per connection; put back in resume)
            self._cache_size = conn.exec_driver_sql("PRAGMA cache_size").scalar()
            conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}")
            rows = conn.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = 'incidents' AND sql IS NOT NULL"
                )
            ).all()
        else:
            rows = conn.execute(
                text(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                    "WHERE i.schemaname = current_schema() AND i.tablename = 'incidents' "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                    "WHERE c.conindid = to_regclass(quote_ident(i.indexname)))"
                )
            ).all()
        self._definitions = [(str(r[0]), str(r[1])) for r in rows]
        for name, _sql in self._definitions:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')

    def resume(self) -> None:
        for _name, sql in self._definitions:
            self.conn.exec_driver_sql(sql)
        self._definitions = []
        if self._cache_size is not None:
            self.conn.exec_driver_sql(f"PRAGMA cache_size = {int(self._cache_size)}")
            self._cache_size = None


def _extra_columns() -> list[tuple[str, Any]]:
    """Columns of incidents the bulk insert does not compute, with the constant they get:
    NOT NULL columns with a constant default (a column added by a later schema)."""
    extras: list[tuple[str, Any]] = []
    for column in Incident.__table__.columns:
        if column.name in COLUMNS or column.nullable:
            continue
        default = column.default
        if default is not None and getattr(default, "is_scalar", False):
            extras.append((column.name, getattr(default, "arg", None)))
        elif column.server_default is None:
            raise RuntimeError(f"the demo loader does not fill incidents.{column.name}")
    return extras


def _writer(conn: Connection) -> Callable[[list[tuple[Any, ...]]], None]:
    """A function that writes incident tuples (COLUMNS order) fast on this connection."""
    extras = [(name, value) for name, value in _extra_columns()]
    names = ", ".join([*COLUMNS, *(name for name, _ in extras)])
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection
        sql = f"COPY incidents ({names}) FROM STDIN"
        tail = tuple(value for _, value in extras)

        def copy(rows: list[tuple[Any, ...]]) -> None:
            with raw.cursor() as cur, cur.copy(sql) as cp:
                if tail:
                    for row in rows:
                        cp.write_row(row + tail)
                else:
                    for row in rows:
                        cp.write_row(row)

        return copy
    marks = ", ".join(["?"] * len(COLUMNS) + [_sql_literal(v) for _, v in extras])
    stmt = f"INSERT INTO incidents ({names}) VALUES ({marks})"

    def executemany(rows: list[tuple[Any, ...]]) -> None:
        conn.exec_driver_sql(stmt, rows)

    return executemany


def _sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _finish(conn: Connection) -> None:
    """After the bulk insert: sequences past the explicit ids, fresh planner statistics."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('incidents', 'id'), "
                "(SELECT coalesce(max(id), 1) FROM incidents))"
            )
        )
        conn.execute(text("ANALYZE incidents"))
        conn.execute(text("ANALYZE incident_search"))
    else:
        # sampled statistics: a full ANALYZE of a million rows takes seconds
        conn.exec_driver_sql("PRAGMA analysis_limit = 2000")
        conn.exec_driver_sql("ANALYZE incidents")
        conn.exec_driver_sql("PRAGMA analysis_limit = 0")


def ensure_demo(
    desk: Desk, n: int, *, seed: int = 1, progress: Progress | None = None
) -> DemoSummary | None:
    """Load `n` demo incidents when the database has no incident at all; else do nothing."""
    with desk.read() as conn:
        any_incident = conn.execute(select(Incident.id).limit(1)).first()
    if any_incident is not None:
        return None
    return load_demo(desk, n, seed=seed, progress=progress)
