"""The supervisor's dashboard: the figures behind its charts, over a period and a group filter.

Every figure is a SQL aggregate (a few dozen rows come back, whatever the size of the desk);
no incident is loaded into Python. The same statements run on SQLite and PostgreSQL: the only
difference is how a duration in seconds is written (``julianday`` on SQLite, ``extract(epoch)``
on PostgreSQL) and the times to resolve: their median is the middle value (the mean of the two
middle values for an even count), PostgreSQL's ``percentile_cont(0.5)`` and, on SQLite, which has
no such aggregate, that of the ``measures()`` the engine adds (app.db.engine), which also gives
every grouping from one read, as PostgreSQL's grouping sets do; both give the same figures.

What each chart counts (the group filter reads the incident's current group):

- backlog over time: at the end of each step (a day, or a week over more than 62 days), the
  incidents opened before that instant and neither resolved nor cancelled by then; the open
  count before the period plus, step by step, those opened minus those resolved or cancelled;
- incoming by channel and by category: incidents opened in the period;
- SLA compliance by priority: response, of the incidents opened in the period whose response
  target has passed or that were responded to (met: responded before the target); resolution,
  of the incidents resolved in the period with a target (met: not breached, pauses counted);
- mean and median time to resolve (opening to resolution, wall clock) of the incidents
  resolved in the period, by priority and by group;
- ageing of the open backlog now: how long ago the open incidents were opened;
- first-line resolution: of the incidents resolved in the period, the share resolved on the
  first support line (never escalated functionally, or brought back to it).
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import IO, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import QueryableAttribute

from app.domain.errors import ValidationError
from app.domain.lifecycle import State
from app.models import Category, Group, Incident
from app.models.base import UTCDateTime
from app.services.context import Desk

DAY = timedelta(days=1)
WEEK = timedelta(days=7)
DAILY_UP_TO = timedelta(days=62)  # a longer period steps by week
MAX_PERIOD = timedelta(days=3 * 366)

# (label, lower bound of age, upper bound or None)
AGE_BUCKETS: tuple[tuple[str, timedelta, timedelta | None], ...] = (
    ("Under 1 day", timedelta(0), DAY),
    ("1-3 days", DAY, 3 * DAY),
    ("3-7 days", 3 * DAY, 7 * DAY),
    ("1-4 weeks", 7 * DAY, 28 * DAY),
    ("Over 4 weeks", 28 * DAY, None),
)

CHANNEL_WORDS = {
    "phone": "Phone",
    "email": "E-mail",
    "self-service": "Self-service",
    "monitoring": "Monitoring",
    "walk-in": "Walk-in",
    "chat": "Chat",
}


@dataclass(frozen=True)
class DashboardFilter:
    """The period [start, end) and the groups (empty: every group)."""

    start: datetime
    end: datetime
    group_ids: tuple[int, ...] = ()

    def check(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValidationError("The period needs instants with a time zone", field="period")
        if self.end <= self.start:
            raise ValidationError(
                "The period ends before it starts: pick a later end date", field="period"
            )
        if self.end - self.start > MAX_PERIOD:
            raise ValidationError("The period is longer than three years", field="period")

    @property
    def step(self) -> timedelta:
        return DAY if self.end - self.start <= DAILY_UP_TO else WEEK


@dataclass(frozen=True)
class BacklogPoint:
    at: datetime  # the end of the step
    open: int


@dataclass(frozen=True)
class Count:
    label: str
    count: int


@dataclass(frozen=True)
class Compliance:
    priority: int
    response_met: int
    response_missed: int
    resolution_met: int
    resolution_missed: int

    @staticmethod
    def _share(met: int, missed: int) -> float | None:
        return 100.0 * met / (met + missed) if met + missed else None

    @property
    def response_pct(self) -> float | None:
        return self._share(self.response_met, self.response_missed)

    @property
    def resolution_pct(self) -> float | None:
        return self._share(self.resolution_met, self.resolution_missed)


@dataclass(frozen=True)
class ResolveTime:
    label: str  # "P1" or a group's name
    key: int | None  # the priority or the group's id (None: no group)
    count: int
    mean_s: float
    median_s: float


@dataclass(frozen=True)
class FirstLine:
    label: str  # "P1"... or "All"
    first_line: int
    resolved: int

    @property
    def pct(self) -> float | None:
        return 100.0 * self.first_line / self.resolved if self.resolved else None


@dataclass(frozen=True)
class Dashboard:
    flt: DashboardFilter
    now: datetime
    backlog: list[BacklogPoint] = field(hash=False)
    by_channel: list[Count] = field(hash=False)
    by_category: list[Count] = field(hash=False)
    compliance: list[Compliance] = field(hash=False)
    resolve_by_priority: list[ResolveTime] = field(hash=False)
    resolve_by_group: list[ResolveTime] = field(hash=False)
    ageing: list[Count] = field(hash=False)
    first_line: list[FirstLine] = field(hash=False)


# -- SQL building blocks ---------------------------------------------------------------------
def _at(value: datetime) -> ColumnElement[datetime]:
    return literal(value, UTCDateTime())


Column = ColumnElement[Any] | QueryableAttribute[Any]


def _seconds(dialect: str, later: Column, earlier: Column) -> ColumnElement[float]:
    """later - earlier in seconds, as a float, on either engine."""
    if dialect == "sqlite":
        return cast((func.julianday(later) - func.julianday(earlier)) * 86400.0, Float)
    return cast(func.extract("epoch", later - earlier), Float)


def step_ends(flt: DashboardFilter, zone: tzinfo, now: datetime) -> list[datetime]:
    """The instants the backlog is read at: each local midnight (or every seventh) after the
    start, the last one the period's end or now, whichever comes first."""
    last = min(flt.end, now)
    if last <= flt.start:
        return []
    local = flt.start.astimezone(zone)
    days = flt.step.days
    ends: list[datetime] = []
    n = 1
    while True:
        day = local.date() + timedelta(days=n * days)
        at = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        if at >= last:
            ends.append(last)
            return ends
        ends.append(at)
        n += 1


def _in_groups(stmt: Select[Any], flt: DashboardFilter) -> Select[Any]:
    return stmt.where(Incident.group_id.in_(flt.group_ids)) if flt.group_ids else stmt


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _resolved_in(flt: DashboardFilter) -> ColumnElement[bool]:
    i = Incident
    # a resolution time is set by resolving and cleared by reopening: the state need not be read
    return and_(i.resolved_at >= _at(flt.start), i.resolved_at < _at(flt.end))


def _opened_in(flt: DashboardFilter) -> ColumnElement[bool]:
    return and_(Incident.opened_at >= _at(flt.start), Incident.opened_at < _at(flt.end))


# -- the charts ---------------------------------------------------------------------------
def backlog(
    conn: Connection, flt: DashboardFilter, now: datetime, zone: tzinfo = UTC
) -> list[BacklogPoint]:
    """The open backlog at the end of each step of the period (up to now): the open count at
    the start, then step by step those opened less those resolved or cancelled, each a count
    over a range of an index (one statement per kind of event, one count per step)."""
    i = Incident
    ends = step_ends(flt, zone, now)
    # the step's events: from the previous step's end to the hour its own end falls in (`now`
    # may fall inside an hour), within the period
    hours = [math.ceil((at - flt.start).total_seconds() / 3600) for at in ends]
    bounds = [min(flt.start + timedelta(hours=h), flt.end) for h in hours]
    steps = list(zip([flt.start, *bounds], bounds, strict=False))
    cancelled = and_(i.state == State.CANCELLED.value, i.resolved_at.is_(None))

    def counts(at: Column, also: ColumnElement[bool] | None = None) -> list[int]:
        """Those before the start, then those of each step (`at` in its range)."""
        ranges = [at < _at(flt.start)] + [
            and_(at >= _at(low), at < _at(high)) for low, high in steps
        ]
        columns = [
            _in_groups(
                select(func.count()).where(cond if also is None else and_(also, cond)), flt
            ).scalar_subquery()
            for cond in ranges
        ]
        return [int(n) for n in conn.execute(select(*columns)).one()]

    opened = counts(i.opened_at)
    # resolved (whatever its state now: a closed incident was resolved first)
    resolved = counts(i.resolved_at)
    # cancelled without a resolution
    gone = counts(i.closed_at, cancelled)
    level = opened[0] - resolved[0] - gone[0]
    points: list[BacklogPoint] = []
    for k, at in enumerate(ends, start=1):
        level += opened[k] - resolved[k] - gone[k]
        points.append(BacklogPoint(at, level))
    return points


def _tally(
    conn: Connection,
    flt: DashboardFilter,
    where: ColumnElement[bool],
    key: Column,
    *flags: ColumnElement[bool],
) -> list[tuple[Any, ...]]:
    """(key, count, each flag's count) of the incidents `where` holds, by key. The flags are
    worked out before the grouping (on SQLite, a LIMIT keeps the subquery from being merged
    into the grouping, so that its sort holds the key and the flags, not the columns they are
    worked out from: a third of the time over a million rows)."""
    inner = _in_groups(
        select(
            key.label("k"), *(case((f, 1), else_=0).label(f"f{n}") for n, f in enumerate(flags))
        ).where(where),
        flt,
    )
    if conn.dialect.name == "sqlite":
        inner = inner.offset(0)
    sub = inner.subquery()
    stmt = select(
        sub.c.k, func.count(), *(func.sum(sub.c[f"f{n}"]) for n in range(len(flags)))
    ).group_by(sub.c.k)
    return [(k, *(int(n) for n in counts)) for k, *counts in conn.execute(stmt)]


def by_channel(conn: Connection, flt: DashboardFilter) -> list[Count]:
    rows = [
        Count(CHANNEL_WORDS.get(str(ch), str(ch).capitalize()), n)
        for ch, n in _tally(conn, flt, _opened_in(flt), Incident.channel)
    ]
    return sorted(rows, key=lambda c: (-c.count, c.label))


def by_category(conn: Connection, flt: DashboardFilter, top: int = 12) -> list[Count]:
    """Incoming per category ("Parent / Child"), the largest first; past `top`, "Other"."""
    counts = _tally(conn, flt, _opened_in(flt), Incident.category_id)
    cats = {
        int(r.id): (str(r.name), r.parent_id)
        for r in conn.execute(select(Category.id, Category.name, Category.parent_id))
    }

    def name(cid: int | None) -> str:
        if cid is None or cid not in cats:
            return "(no category)"
        own, parent = cats[cid]
        return f"{cats[parent][0]} / {own}" if parent in cats else own

    rows = sorted((Count(name(cid), n) for cid, n in counts), key=lambda c: (-c.count, c.label))
    if len(rows) > top:
        rest = sum(c.count for c in rows[top - 1 :])
        rows = [*rows[: top - 1], Count("Other", rest)]
    return rows


def response_compliance(
    conn: Connection, flt: DashboardFilter, now: datetime
) -> dict[int, tuple[int, int]]:
    """{priority: (met, missed)} of the response clock, over the incidents opened in the
    period whose target passed or that were taken."""
    i = Incident
    due = i.response_due
    late = or_(i.responded_at >= due, and_(i.responded_at.is_(None), due <= _at(now)))
    met = and_(i.responded_at.is_not(None), i.responded_at < due)
    rows = _tally(conn, flt, and_(_opened_in(flt), due.is_not(None)), i.priority, met, late)
    return {int(p): (a, b) for p, _n, a, b in rows}


@dataclass(frozen=True)
class _Resolved:
    """The incidents resolved in the period of one priority: how many, how many with a
    resolution target, met and breached, and how many on the first line."""

    priority: int
    count: int
    with_target: int
    met: int
    missed: int
    first_line: int


def _resolved(conn: Connection, flt: DashboardFilter) -> list[_Resolved]:
    """The incidents resolved in the period by priority, for the resolution and first-line
    charts: one read of the resolutions' index."""
    i = Incident
    target = i.resolution_due.is_not(None)
    rows = _tally(
        conn,
        flt,
        _resolved_in(flt),
        i.priority,
        target,
        and_(target, i.sla_breached.is_(False)),
        and_(target, i.sla_breached.is_(True)),
        i.support_line <= 1,
    )
    return sorted((_Resolved(int(p), *counts) for p, *counts in rows), key=lambda r: r.priority)


def _compliance(
    response: dict[int, tuple[int, int]], resolved: list[_Resolved]
) -> list[Compliance]:
    resolution = {r.priority: (r.met, r.missed) for r in resolved if r.with_target}
    return [
        Compliance(p, *response.get(p, (0, 0)), *resolution.get(p, (0, 0)))
        for p in sorted(set(response) | set(resolution))
    ]


def compliance(conn: Connection, flt: DashboardFilter, now: datetime) -> list[Compliance]:
    return _compliance(response_compliance(conn, flt, now), _resolved(conn, flt))


@dataclass(frozen=True)
class ResolveTimes:
    """Time to resolve of the incidents resolved in a period: per priority, per group, overall."""

    by_priority: list[ResolveTime]
    by_group: list[ResolveTime]
    overall: ResolveTime  # count 0 unless asked for


Measures = dict[Any, tuple[int, float, float]]  # {key: (count, mean s, median s)}


def _measures(conn: Connection, flt: DashboardFilter) -> tuple[Measures, Measures, Measures]:
    """Count, mean and median time to resolve of the incidents resolved in the period, by
    priority, by group and overall ({None: ...}, empty with none), from one aggregate over one
    read of the resolved incidents' index: GROUP BY GROUPING SETS on PostgreSQL (the median
    percentile_cont's: the mean of the two middle values for an even count), the measures()
    the engine adds on SQLite, which lacks them (app.db.engine; its median is median()'s)."""
    i = Incident
    seconds = _seconds(conn.dialect.name, i.resolved_at, i.opened_at)
    by_p: Measures = {}
    by_g: Measures = {}
    every: Measures = {}
    if conn.dialect.name == "postgresql":
        stmt = _in_groups(
            select(
                func.grouping(i.priority),
                func.grouping(i.group_id),
                i.priority,
                i.group_id,
                func.count(),
                func.avg(seconds),
                func.percentile_cont(0.5).within_group(seconds),
            )
            .where(_resolved_in(flt))
            .group_by(func.grouping_sets(tuple_(i.priority), tuple_(i.group_id), tuple_())),
            flt,
        )
        for no_p, no_g, p, g, n, mean, med in conn.execute(stmt):
            if not n:  # the overall row of no incidents
                continue
            figures = (int(n), float(mean), float(med))
            if not no_p:
                by_p[p] = figures
            elif not no_g:
                by_g[g] = figures
            else:
                every[None] = figures
        return by_p, by_g, every
    stmt = _in_groups(
        select(func.measures(i.priority, i.group_id, seconds)).where(_resolved_in(flt)), flt
    )
    text = conn.execute(stmt).scalar_one()  # NULL over no incidents, as any aggregate
    found = json.loads(text) if text is not None else {"a": [], "b": [], "all": None}
    for into, rows in ((by_p, found["a"]), (by_g, found["b"])):
        for key, n, mean, med in rows:
            into[key] = (int(n), float(mean), float(med))
    if found["all"] is not None:
        n, mean, med = found["all"]
        every[None] = (int(n), float(mean), float(med))
    return by_p, by_g, every


def resolve_times(conn: Connection, flt: DashboardFilter, *, overall: bool = False) -> ResolveTimes:
    """Count, mean and median time to resolve of the incidents resolved in the period, per
    priority and per group (and over all of them when `overall`): one SQL aggregate for the
    three groupings."""
    by_p, by_g, every_ = _measures(conn, flt)
    names = {int(k): str(v) for k, v in conn.execute(select(Group.id, Group.name))}
    by_priority = [ResolveTime(f"P{p}", int(p), *by_p[p]) for p in sorted(by_p)]
    by_group = sorted(
        (
            ResolveTime(names.get(g, "(no group)") if g is not None else "(no group)", g, *m)
            for g, m in by_g.items()
        ),
        key=lambda r: r.label.lower(),
    )
    every = ResolveTime("All", None, 0, 0.0, 0.0)
    if overall and by_p:
        every = ResolveTime("All", None, *every_[None])
    return ResolveTimes(by_priority, by_group, every)


def ageing(conn: Connection, flt: DashboardFilter, now: datetime) -> list[Count]:
    """The open incidents by how long ago they were opened (now, whatever the period)."""
    i = Incident
    columns = []
    for _label, low, high in AGE_BUCKETS:
        cond = i.opened_at <= _at(now - low)
        if high is not None:
            cond = and_(cond, i.opened_at > _at(now - high))
        columns.append(_flag(cond))
    row = conn.execute(_in_groups(select(*columns).where(i.active), flt)).one()
    return [Count(b[0], int(n)) for b, n in zip(AGE_BUCKETS, row, strict=True)]


def _first_line(resolved: list[_Resolved]) -> list[FirstLine]:
    out = [FirstLine(f"P{r.priority}", r.first_line, r.count) for r in resolved]
    out.append(
        FirstLine("All", sum(r.first_line for r in resolved), sum(r.count for r in resolved))
    )
    return out


def first_line(conn: Connection, flt: DashboardFilter) -> list[FirstLine]:
    return _first_line(_resolved(conn, flt))


def dashboard(desk: Desk, flt: DashboardFilter) -> Dashboard:
    """Every chart's figures, in one read snapshot (the incidents resolved in the period read
    once for the resolution and first-line charts)."""
    flt.check()
    now = desk.now()
    with desk.read() as conn:
        times = resolve_times(conn, flt)
        resolved = _resolved(conn, flt)
        return Dashboard(
            flt,
            now,
            backlog(conn, flt, now, desk.zone),
            by_channel(conn, flt),
            by_category(conn, flt),
            _compliance(response_compliance(conn, flt, now), resolved),
            times.by_priority,
            times.by_group,
            ageing(conn, flt, now),
            _first_line(resolved),
        )


def groups(desk: Desk) -> list[tuple[int, str]]:
    """The groups the filter offers, by name."""
    with desk.read() as conn:
        rows = conn.execute(select(Group.id, Group.name).order_by(func.lower(Group.name)))
        return [(int(k), str(v)) for k, v in rows]


# -- the charts' data as tables (CSV) ---------------------------------------------------------
def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.2f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def tables(d: Dashboard, zone: Any) -> dict[str, tuple[list[str], list[list[object]]]]:
    """Each chart's data as (header, rows), by the chart's key; times in `zone`."""
    return {
        "backlog": (
            ["At", "Open incidents"],
            [[f"{p.at.astimezone(zone):%Y-%m-%d %H:%M}", p.open] for p in d.backlog],
        ),
        "channel": (["Channel", "Incidents opened"], [[c.label, c.count] for c in d.by_channel]),
        "category": (
            ["Category", "Incidents opened"],
            [[c.label, c.count] for c in d.by_category],
        ),
        "compliance": (
            [
                "Priority",
                "Response met",
                "Response missed",
                "Response met %",
                "Resolution met",
                "Resolution missed",
                "Resolution met %",
            ],
            [
                [
                    f"P{c.priority}",
                    c.response_met,
                    c.response_missed,
                    _pct(c.response_pct),
                    c.resolution_met,
                    c.resolution_missed,
                    _pct(c.resolution_pct),
                ]
                for c in d.compliance
            ],
        ),
        "resolve_priority": (
            ["Priority", "Resolved", "Mean hours", "Median hours"],
            [
                [r.label, r.count, _hours(r.mean_s), _hours(r.median_s)]
                for r in d.resolve_by_priority
            ],
        ),
        "resolve_group": (
            ["Group", "Resolved", "Mean hours", "Median hours"],
            [[r.label, r.count, _hours(r.mean_s), _hours(r.median_s)] for r in d.resolve_by_group],
        ),
        "ageing": (["Age", "Open incidents"], [[c.label, c.count] for c in d.ageing]),
        "first_line": (
            ["Priority", "Resolved on the first line", "Resolved", "First-line %"],
            [[f.label, f.first_line, f.resolved, _pct(f.pct)] for f in d.first_line],
        ),
    }


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """One chart's data as CSV; returns the number of data rows."""
    writer = csv.writer(out)
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    return n
