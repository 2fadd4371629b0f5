"""The desk's reports ("Incident Review and Analysis"): each a few SQL aggregates over the
incidents of a period and a group, returned as a table and a ``totals`` object. No incident is
loaded into Python; the same statements run on SQLite and PostgreSQL. Where a figure is the
dashboard's (time to resolve, SLA compliance, ageing) its query is the dashboard's
(app.services.dashboard).

The period is [from, to) on the incidents' opening, except where a report says it reads the
resolution (time to resolve, resolution SLA): without a bound, every incident. The group is the
incident's current group (as the queue and the dashboard read it).

- ``resolve-time``: mean and median time from opening to resolution (wall clock), by priority
  and by group, of the incidents resolved in the period.
- ``sla``: response (met: someone took it before its target) and resolution compliance by
  priority. An imported incident that carries its source's own verdict (ServiceNow's
  ``made_sla``) counts by that verdict, whatever its state; the desk's own incidents count when
  resolved in the period with a target, met unless breached.
- ``first-contact``: of the incidents resolved, those never reassigned and never escalated (the
  first group, on the first line, resolved it); ``at_logging`` those resolved as they were logged.
- ``push-to-front`` (BPI 2013's first question): of the incidents resolved or closed, those that
  only ever were with first-line groups (``first_line_only``), by priority.
- ``reassignments``: reassignments per incident, the share reassigned at least once, the most.
- ``ping-pong``: incidents that went back to a group they had left (``incidents_returning``),
  the returns, the worst incidents.
- ``down-a-line``: incidents handed from a group to a group of a lower support line.
- ``reopens``: incidents reopened at least once (``reopened_incidents``), the reopens.
- ``wait-user`` (BPI 2013's third question): incidents put on hold awaiting the caller, and the
  hours they waited, by group, with the share of the incidents each group does it to.
- ``backlog``: the open incidents now, by age and by group, the oldest.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from app.domain.errors import ValidationError
from app.domain.lifecycle import HoldReason, State
from app.models import AuditEntry, Group, Incident, SlaPause
from app.services import dashboard as dash
from app.services.context import Desk

EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ReportFilter:
    """The period [start, end) (None: unbounded) and the groups (empty: every group)."""

    start: datetime | None = None
    end: datetime | None = None
    group_ids: tuple[int, ...] = ()

    def check(self) -> None:
        for at in (self.start, self.end):
            if at is not None and at.tzinfo is None:
                raise ValidationError("The period needs instants with a time zone", field="period")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError(
                "The period ends before it starts: pick a later end date", field="period"
            )

    @property
    def dashboard(self) -> dash.DashboardFilter:
        """The same period and groups as the dashboard's filter (its queries reused)."""
        return dash.DashboardFilter(self.start or EARLIEST, self.end or LATEST, self.group_ids)


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[list[Any]] = field(hash=False)
    totals: dict[str, Any] = field(hash=False)
    # what the report counts, in one sentence (the window shows it under the table)
    note: str = ""


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600.0, 2)


def _opened(flt: ReportFilter) -> ColumnElement[bool]:
    conds = []
    if flt.start is not None:
        conds.append(Incident.opened_at >= dash._at(flt.start))
    if flt.end is not None:
        conds.append(Incident.opened_at < dash._at(flt.end))
    if flt.group_ids:
        conds.append(Incident.group_id.in_(flt.group_ids))
    return and_(*conds) if conds else true()


def _resolved(flt: ReportFilter) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = [Incident.resolved_at.is_not(None)]
    if flt.start is not None:
        conds.append(Incident.resolved_at >= dash._at(flt.start))
    if flt.end is not None:
        conds.append(Incident.resolved_at < dash._at(flt.end))
    if flt.group_ids:
        conds.append(Incident.group_id.in_(flt.group_ids))
    return and_(*conds)


def _by(count: int, name: int) -> Callable[[list[Any]], tuple[float, str]]:
    """Sort rows by a count, largest first, then by a name."""
    return lambda row: (-float(row[count] or 0), str(row[name]).lower())


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _group_names(conn: Connection) -> dict[int | None, str]:
    names: dict[int | None, str] = {
        int(k): str(v) for k, v in conn.execute(select(Group.id, Group.name))
    }
    names[None] = "(no group)"
    return names


# -- the reports ----------------------------------------------------------------------------


def resolve_time(conn: Connection, flt: ReportFilter) -> Report:
    times = dash.resolve_times(conn, flt.dashboard, overall=True)
    by_priority, by_group, overall = times.by_priority, times.by_group, times.overall
    n = overall.count
    mean, median = (overall.mean_s, overall.median_s) if n else (None, None)
    rows = [
        ["priority", r.label, r.count, _hours(r.mean_s), _hours(r.median_s)] for r in by_priority
    ] + [["group", r.label, r.count, _hours(r.mean_s), _hours(r.median_s)] for r in by_group]
    return Report(
        "resolve-time",
        "Time to resolve",
        ("By", "Priority or group", "Resolved", "Mean hours", "Median hours"),
        rows,
        {"resolved": n, "mean_hours": _hours(mean), "median_hours": _hours(median)},
        "Opening to resolution, wall clock, of the incidents resolved in the period.",
    )


def sla(conn: Connection, flt: ReportFilter, now: datetime) -> Report:
    i = Incident
    response = dash.response_compliance(conn, flt.dashboard, now)
    # resolution: the source's verdict where it gave one (opened in the period), else the
    # desk's clock (resolved in the period, with a target, met unless breached). Two reads,
    # each from an index of its own (partial: the imports, the desk's own incidents), summed
    # by priority
    resolution: dict[int, tuple[int, int]] = {}
    for met, counted in (
        (i.made_sla.is_(True), and_(i.made_sla.is_not(None), _opened(flt))),
        (
            i.sla_breached.is_(False),
            and_(i.made_sla.is_(None), i.resolution_due.is_not(None), _resolved(flt)),
        ),
    ):
        for p, m, n in conn.execute(
            select(i.priority, _flag(met), func.count()).where(counted).group_by(i.priority)
        ):
            before = resolution.get(int(p), (0, 0))
            resolution[int(p)] = (before[0] + int(m), before[1] + int(n))
    rows: list[list[Any]] = []
    totals = {"response_met": 0, "response_missed": 0, "resolution_met": 0, "resolution_missed": 0}
    for p in sorted(set(response) | set(resolution)):
        r_met, r_missed = response.get(p, (0, 0))
        s_met, s_n = resolution.get(p, (0, 0))
        s_missed = s_n - s_met
        rows.append(
            [
                f"P{p}",
                r_met,
                r_missed,
                _share(r_met, r_met + r_missed),
                s_met,
                s_missed,
                _share(s_met, s_n),
            ]
        )
        totals["response_met"] += r_met
        totals["response_missed"] += r_missed
        totals["resolution_met"] += s_met
        totals["resolution_missed"] += s_missed
    resolved = totals["resolution_met"] + totals["resolution_missed"]
    answered = totals["response_met"] + totals["response_missed"]
    return Report(
        "sla",
        "SLA compliance",
        (
            "Priority",
            "Response met",
            "Response missed",
            "Response met share",
            "Resolution met",
            "Resolution missed",
            "Resolution met share",
        ),
        rows,
        {
            **totals,
            "response_missed_share": _share(totals["response_missed"], answered),
            "resolution_missed_share": _share(totals["resolution_missed"], resolved),
        },
        "Response: incidents opened in the period whose target passed or that were taken. "
        "Resolution: the source's own verdict for an import that has one, else incidents "
        "resolved in the period with a target.",
    )


def _only_first_line() -> ColumnElement[bool]:
    """The incident was only ever with first-line groups: on line 1 now, never escalated by
    line, and no group of its history (old or new side of a group change) above line 1. Plain
    NOT EXISTS conditions joined by AND, so that the planners make anti-joins of them."""
    a, g = AuditEntry, aliased(Group)

    def never(side: Any) -> ColumnElement[bool]:
        return ~exists().where(
            a.incident_id == Incident.id,
            a.field == "group_id",
            cast(g.id, String) == side,
            g.line > 1,
        )

    return and_(
        Incident.support_line <= 1,
        never(a.new_value),
        never(a.old_value),
        ~exists().where(a.incident_id == Incident.id, a.field == "support_line"),
    )


def push_to_front(conn: Connection, flt: ReportFilter) -> Report:
    i = Incident
    done = i.state.in_([State.RESOLVED.value, State.CLOSED.value])
    # two reads by priority: all of them, and those only ever on the first line, whose NOT
    # EXISTS conditions stand in the WHERE (anti-joins), not in a sum (a subquery per incident)
    every = {
        int(p): int(n)
        for p, n in conn.execute(
            select(i.priority, func.count()).where(done, _opened(flt)).group_by(i.priority)
        )
    }
    first_only = {
        int(p): int(n)
        for p, n in conn.execute(
            select(i.priority, func.count())
            .where(done, _opened(flt), _only_first_line())
            .group_by(i.priority)
        )
    }
    rows = sorted((p, first_only.get(p, 0), n) for p, n in every.items())
    first = sum(r[1] for r in rows)
    total = sum(r[2] for r in rows)
    return Report(
        "push-to-front",
        "Push to front: solved by the first line",
        ("Priority", "First line only", "Resolved or closed", "Share"),
        [[f"P{p}", a, n, _share(a, n)] for p, a, n in rows],
        {"resolved": total, "first_line_only": first, "first_line_share": _share(first, total)},
        "Incidents resolved or closed that were only ever with first-line groups.",
    )


def first_contact(conn: Connection, flt: ReportFilter) -> Report:
    i = Incident
    first = and_(i.reassignment_count == 0, i.support_line <= 1)
    at_logging = i.resolved_at == i.opened_at
    rows = sorted(
        (int(p), int(a), int(b), int(n))
        for p, a, b, n in conn.execute(
            select(i.priority, _flag(first), _flag(at_logging), func.count())
            .where(_resolved(flt))
            .group_by(i.priority)
        )
    )
    fc, al, total = (sum(r[k] for r in rows) for k in (1, 2, 3))
    return Report(
        "first-contact",
        "First-contact resolution",
        ("Priority", "First contact", "At logging", "Resolved", "Share"),
        [[f"P{p}", a, b, n, _share(a, n)] for p, a, b, n in rows],
        {
            "resolved": total,
            "first_contact": fc,
            "first_contact_share": _share(fc, total),
            "at_logging": al,
        },
        "Incidents resolved in the period by the group that logged them, never reassigned "
        "or escalated; at logging: resolved in the step that logged them.",
    )


def reassignments(conn: Connection, flt: ReportFilter) -> Report:
    i = Incident
    names = _group_names(conn)
    # one read: the totals are the groups' sums (and the largest of their largest)
    by_group = conn.execute(
        select(
            i.group_id,
            func.count(),
            _flag(i.reassignment_count > 0),
            func.coalesce(func.sum(i.reassignment_count), 0),
            func.coalesce(func.max(i.reassignment_count), 0),
        )
        .where(_opened(flt))
        .group_by(i.group_id)
    ).all()
    n = sum(int(r[1]) for r in by_group)
    reassigned = sum(int(r[2]) for r in by_group)
    total = sum(int(r[3]) for r in by_group)
    most = max((int(r[4]) for r in by_group), default=0)
    rows = sorted(
        (
            [names.get(g, "(no group)"), int(c), int(r), int(s), int(m), _share(int(r), int(c))]
            for g, c, r, s, m in by_group
        ),
        key=_by(3, 0),
    )
    return Report(
        "reassignments",
        "Reassignments",
        ("Group now", "Incidents", "Reassigned", "Reassignments", "Most", "Reassigned share"),
        rows,
        {
            "incidents": n,
            "reassigned": reassigned,
            "reassigned_share": _share(reassigned, n),
            "reassignments": total,
            "per_incident": round(total / n, 3) if n else None,
            "max": most,
        },
        "Incidents opened in the period, by the group they are in now.",
    )


def ping_pong(conn: Connection, flt: ReportFilter, top: int = 50) -> Report:
    i = Incident
    row = conn.execute(
        select(
            func.count(),
            _flag(i.group_returns > 0),
            func.coalesce(func.sum(i.group_returns), 0),
            func.coalesce(func.max(i.group_returns), 0),
        ).where(_opened(flt))
    ).one()
    n, returning, returns, most = (int(v) for v in row)
    names = _group_names(conn)
    worst = conn.execute(
        select(i.number, i.group_returns, i.reassignment_count, i.group_id, i.state)
        .where(_opened(flt), i.group_returns > 0)
        .order_by(i.group_returns.desc(), i.id)
        .limit(top)
    ).all()
    return Report(
        "ping-pong",
        "Ping-pong: back to a group it had left",
        ("Incident", "Returns", "Reassignments", "Group now", "State"),
        [
            [num, int(r), int(ra), names.get(g, "(no group)"), State(s).label]
            for num, r, ra, g, s in worst
        ],
        {
            "incidents": n,
            "incidents_returning": returning,
            "returning_share": _share(returning, n),
            "returns": returns,
            "max": most,
        },
        f"Incidents opened in the period; the {top} with the most returns listed.",
    )


def down_a_line(conn: Connection, flt: ReportFilter) -> Report:
    i, a = Incident, AuditEntry
    old_g, new_g = aliased(Group), aliased(Group)
    downs = (
        select(a.incident_id.label("iid"), func.count().label("n"))
        .join(old_g, cast(old_g.id, String) == a.old_value)
        .join(new_g, cast(new_g.id, String) == a.new_value)
        .where(a.field == "group_id", new_g.line < old_g.line)
        .group_by(a.incident_id)
        .subquery()
    )
    n = int(conn.execute(select(func.count()).select_from(i).where(_opened(flt))).scalar_one())
    row = conn.execute(
        select(func.count(), func.coalesce(func.sum(downs.c.n), 0))
        .select_from(i)
        .join(downs, downs.c.iid == i.id)
        .where(_opened(flt))
    ).one()
    down, moves = int(row[0]), int(row[1])
    names = _group_names(conn)
    by_group = conn.execute(
        select(i.group_id, func.count(), func.sum(downs.c.n))
        .select_from(i)
        .join(downs, downs.c.iid == i.id)
        .where(_opened(flt))
        .group_by(i.group_id)
    ).all()
    rows = sorted(
        ([names.get(g, "(no group)"), int(c), int(s or 0)] for g, c, s in by_group),
        key=_by(1, 0),
    )
    return Report(
        "down-a-line",
        "Down a support line",
        ("Group now", "Incidents sent down", "Moves down"),
        rows,
        {
            "incidents": n,
            "incidents_down": down,
            "down_share": _share(down, n),
            "moves_down": moves,
        },
        "Incidents opened in the period handed from a group to one of a lower support line.",
    )


def reopens(conn: Connection, flt: ReportFilter) -> Report:
    i = Incident
    names = _group_names(conn)
    ever_resolved = or_(i.resolved_at.is_not(None), i.reopen_count > 0)
    rows_ = conn.execute(
        select(
            i.group_id,
            func.count(),
            _flag(ever_resolved),
            _flag(i.reopen_count > 0),
            func.coalesce(func.sum(i.reopen_count), 0),
            func.coalesce(func.max(i.reopen_count), 0),
        )
        .where(_opened(flt))
        .group_by(i.group_id)
    ).all()
    n = sum(int(r[1]) for r in rows_)
    resolved = sum(int(r[2]) for r in rows_)
    reopened = sum(int(r[3]) for r in rows_)
    total = sum(int(r[4]) for r in rows_)
    most = max((int(r[5]) for r in rows_), default=0)
    rows = sorted(
        (
            [
                names.get(g, "(no group)"),
                int(c),
                int(res),
                int(ro),
                int(s),
                _share(int(ro), int(res)),
            ]
            for g, c, res, ro, s, _m in rows_
        ),
        key=_by(3, 0),
    )
    return Report(
        "reopens",
        "Reopens",
        ("Group now", "Incidents", "Resolved", "Reopened", "Reopens", "Reopen rate"),
        rows,
        {
            "incidents": n,
            "resolved": resolved,
            "reopened_incidents": reopened,
            "reopen_rate": _share(reopened, resolved),
            "reopens": total,
            "max": most,
        },
        "Incidents opened in the period; the rate is of those resolved at least once.",
    )


def wait_user(conn: Connection, flt: ReportFilter, now: datetime) -> Report:
    i, a, p = Incident, AuditEntry, SlaPause
    caller = HoldReason.AWAITING_CALLER.value
    # the incidents that ever went on hold for the caller, once each (joined: a correlated
    # EXISTS inside the sum would run once per incident)
    waiters = (
        select(a.incident_id.label("iid"))
        .where(a.field == "hold_reason", a.new_value == caller)
        .group_by(a.incident_id)
        .subquery()
    )
    seconds = func.coalesce(
        func.sum(
            dash._seconds(conn.dialect.name, func.coalesce(p.ended_at, dash._at(now)), p.started_at)
        ),
        0.0,
    )
    hours = (
        select(p.incident_id.label("iid"), seconds.label("s"))
        .where(p.reason == caller)
        .group_by(p.incident_id)
        .subquery()
    )
    names = _group_names(conn)
    rows_ = conn.execute(
        select(
            i.group_id,
            func.count(),
            _flag(waiters.c.iid.is_not(None)),
            func.coalesce(func.sum(hours.c.s), 0.0),
        )
        .select_from(i)
        .outerjoin(waiters, waiters.c.iid == i.id)
        .outerjoin(hours, hours.c.iid == i.id)
        .where(_opened(flt))
        .group_by(i.group_id)
    ).all()
    n = sum(int(r[1]) for r in rows_)
    waiting = sum(int(r[2]) for r in rows_)
    secs = sum(float(r[3]) for r in rows_)
    rows = sorted(
        (
            [
                names.get(g, "(no group)"),
                int(c),
                int(w),
                _share(int(w), int(c)),
                _hours(float(s)),
                _hours(float(s) / int(w)) if int(w) else None,
            ]
            for g, c, w, s in rows_
        ),
        key=_by(2, 0),
    )
    return Report(
        "wait-user",
        "Waiting on the caller",
        ("Group now", "Incidents", "Waited on the caller", "Share", "Hours waited", "Hours each"),
        rows,
        {
            "incidents": n,
            "incidents_waiting": waiting,
            "waiting_share": _share(waiting, n),
            "hours_waited": _hours(secs),
            "hours_per_waiting_incident": _hours(secs / waiting) if waiting else None,
        },
        "Incidents opened in the period put on hold awaiting the caller, and how long "
        "(the pauses of their resolution clock for that reason).",
    )


def backlog(conn: Connection, flt: ReportFilter, now: datetime) -> Report:
    i = Incident
    ages = dash.ageing(conn, flt.dashboard, now)
    names = _group_names(conn)
    stmt = select(i.group_id, func.count(), func.min(i.opened_at)).where(i.active)
    if flt.group_ids:
        stmt = stmt.where(i.group_id.in_(flt.group_ids))
    by_group = conn.execute(stmt.group_by(i.group_id)).all()
    oldest = min((r[2] for r in by_group if r[2] is not None), default=None)
    open_now = sum(int(r[1]) for r in by_group)
    rows: list[list[Any]] = [["age", a.label, a.count, None] for a in ages]
    rows += sorted(
        (
            [
                "group",
                names.get(g, "(no group)"),
                int(c),
                round((now - o).total_seconds() / 86400, 1) if o is not None else None,
            ]
            for g, c, o in by_group
        ),
        key=_by(2, 1),
    )
    return Report(
        "backlog",
        "Backlog and ageing",
        ("By", "Age or group", "Open incidents", "Oldest (days)"),
        rows,
        {
            "open": open_now,
            "oldest_days": round((now - oldest).total_seconds() / 86400, 1) if oldest else None,
            **{a.label.lower().replace(" ", "_").replace("-", "_"): a.count for a in ages},
        },
        "The open incidents now (the period does not apply), by age and by group.",
    )


Runner = Callable[[Connection, ReportFilter, datetime], Report]

REPORTS: dict[str, tuple[str, Runner]] = {
    "resolve-time": (
        "mean and median time to resolve by priority and group",
        lambda c, f, n: resolve_time(c, f),
    ),
    "sla": ("SLA compliance: response and resolution", sla),
    "first-contact": ("first-contact resolution", lambda c, f, n: first_contact(c, f)),
    "push-to-front": (
        "the share solved by the first line only",
        lambda c, f, n: push_to_front(c, f),
    ),
    "reassignments": ("reassignments per incident", lambda c, f, n: reassignments(c, f)),
    "ping-pong": ("incidents returning to a group they had left", lambda c, f, n: ping_pong(c, f)),
    "down-a-line": ("incidents sent down a support line", lambda c, f, n: down_a_line(c, f)),
    "reopens": ("reopen rate", lambda c, f, n: reopens(c, f)),
    "wait-user": ("time spent waiting on the caller", wait_user),
    "backlog": ("the open backlog and its ageing", backlog),
}


def report(desk: Desk, name: str, flt: ReportFilter) -> Report:
    """One report by name, in one read snapshot."""
    found = REPORTS.get(name)
    if found is None:
        raise ValidationError(
            f"No report named {name!r}; reports: {', '.join(REPORTS)}", field="report"
        )
    flt.check()
    now = desk.now()
    with desk.read() as conn:
        return found[1](conn, flt, now)


def write_csv(out: IO[str], rep: Report) -> int:
    writer = csv.writer(out)
    writer.writerow(rep.columns)
    for row in rep.rows:
        writer.writerow(["" if v is None else v for v in row])
    return len(rep.rows)


def as_json(rep: Report, flt: ReportFilter, group_names: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "report": rep.name,
        "title": rep.title,
        "from": flt.start.isoformat() if flt.start else None,
        "to": flt.end.isoformat() if flt.end else None,
        "groups": list(group_names),
        "columns": list(rep.columns),
        "rows": rep.rows,
        "totals": rep.totals,
        "note": rep.note,
    }


def day_bound(text: str, zone: Any, *, end: bool = False) -> datetime:
    """YYYY-MM-DD as the local midnight starting it (or, for `end`, the one after it)."""
    from datetime import date

    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(f"{text!r} is not a date (YYYY-MM-DD)", field="period") from None
    if end:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


__all__ = [
    "REPORTS",
    "Report",
    "ReportFilter",
    "as_json",
    "day_bound",
    "report",
    "write_csv",
]
