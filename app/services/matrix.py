"""Editing the priority matrix: preview what would change, save a new version, recompute.

`preview_matrix` says which open incidents a matrix would move (how many, per old -> new
pair, and the first of them with the due time they would get); nothing is written. `apply_matrix`
saves the matrix as the next version and moves exactly those incidents, in ONE transaction: the
version, every incident's new priority, matrix version and clocks, an audit row per changed
field with the version and the admin's reason, the admin audit of the matrix itself and the
change feed. One transaction and not resumable batches: 10,000 incidents take a few seconds
and a crash leaves nothing half-applied (the database rolls the whole change back).

An incident whose priority was set by hand keeps it; an open incident at an impact or urgency
level the new matrix lacks keeps its priority (the preview counts them). Closed incidents are
never touched: each keeps the priority, and the matrix version, that gave it.

Every query is a range of one index (`ix_incidents_matrix`: active, impact, urgency, priority,
priority_overridden, id), cell by cell: an incident whose priority is the one its cell gives
is never read, so a one-cell change over a million incidents reads that cell only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from app.db.changes import append_change, append_changes
from app.domain.errors import ValidationError
from app.domain.matrix import PriorityMatrix, same_grid
from app.domain.roles import Permission
from app.domain.sla import Pause, restart_at
from app.domain.sla_config import FieldDiff
from app.models import Base, Incident, MatrixVersion, SlaPause
from app.services import incidents
from app.services.admin_audit import record_changes
from app.services.context import Actor, Desk
from app.services.incidents.mutation import require_active, sla_values
from app.services.policies import PolicyBook, fresh_policy_book, policy_book

PREVIEW_LIST = 200  # how many of the moving incidents a preview lists (the count is of all)
_CHUNK = 500  # ids per IN list


@dataclass(frozen=True)
class PriorityShift:
    incident_id: int
    number: str
    title: str
    old_priority: int
    new_priority: int
    new_due: datetime | None = None  # the resolution due time the new priority gives
    paused: bool = False  # on hold: the resolution clock is paused, no due time while it is


@dataclass(frozen=True)
class MatrixPreview:
    """What saving `matrix` would do to the open incidents."""

    matrix: PriorityMatrix
    count: int  # open incidents that would change priority
    pairs: tuple[tuple[int, int, int], ...]  # (old, new, how many), most first
    shifts: tuple[PriorityShift, ...]  # the first PREVIEW_LIST of them, by number
    unmapped: int = 0  # open incidents at a level the matrix lacks: they keep their priority


@dataclass(frozen=True)
class MatrixApplied:
    version: int
    count: int
    pairs: tuple[tuple[int, int, int], ...]
    changes: tuple[tuple[str, int, int], ...] = ()  # (number, old, new) of every moved incident


@dataclass
class _Clock:
    """An incident's clock columns with its new priority (`mutation.ClockRow`)."""

    state: str
    sla_policy_id: int | None
    priority: int
    opened_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    sla_started_at: datetime | None
    responded_at: datetime | None
    sla_stage: int
    response_stage: int


_I = Incident
_TABLES = Base.metadata.tables  # Core statements for the bulk change
_OPEN = (_I.active == true(), _I.priority_overridden == false())
_CLOCK_COLUMNS = (
    _I.id,
    _I.number,
    _I.title,
    _I.impact,
    _I.urgency,
    _I.priority,
    _I.matrix_version,
    _I.version,
    _I.state,
    _I.sla_policy_id,
    _I.opened_at,
    _I.resolved_at,
    _I.closed_at,
    _I.sla_started_at,
    _I.responded_at,
    _I.sla_stage,
    _I.response_stage,
)


def _cells(matrix: PriorityMatrix) -> Iterator[tuple[int, int, int]]:
    for i, row in enumerate(matrix.cells, start=1):
        for u, p in enumerate(row, start=1):
            yield i, u, p


def _sides(i: int, u: int, p: int) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """The open incidents of cell (i, u) whose priority is below or above `p`: two index ranges."""
    cell = (*_OPEN, _I.impact == i, _I.urgency == u)
    return and_(*cell, _I.priority < p), and_(*cell, _I.priority > p)


def _moving(matrix: PriorityMatrix) -> ColumnElement[bool]:
    """The open incidents whose priority `matrix` would change."""
    return or_(*(side for i, u, p in _cells(matrix) for side in _sides(i, u, p)))


def _pairs(
    conn: Connection | Session, matrix: PriorityMatrix
) -> dict[tuple[int, int, int, int], int]:
    """(impact, urgency, old, new) -> how many open incidents move so."""
    out: dict[tuple[int, int, int, int], int] = {}
    for i, u, p in _cells(matrix):
        for side in _sides(i, u, p):
            for old, n in conn.execute(
                select(_I.priority, func.count()).where(side).group_by(_I.priority)
            ):
                out[(i, u, int(old), p)] = int(n)
    return out


def _unmapped(conn: Connection | Session, matrix: PriorityMatrix) -> int:
    """Open incidents at an impact or urgency level the matrix lacks."""
    n = conn.execute(
        select(func.count()).where(_I.active == true(), _I.impact > matrix.impacts)
    ).scalar_one()
    for i in range(1, matrix.impacts + 1):
        n += conn.execute(
            select(func.count()).where(
                _I.active == true(), _I.impact == i, _I.urgency > matrix.urgencies
            )
        ).scalar_one()
    return int(n)


def _summed(pairs: dict[tuple[int, int, int, int], int]) -> tuple[tuple[int, int, int], ...]:
    total: dict[tuple[int, int], int] = {}
    for (_i, _u, old, new), n in pairs.items():
        total[(old, new)] = total.get((old, new), 0) + n
    return tuple(
        (old, new, n) for (old, new), n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def _pauses(conn: Connection | Session, ids: Sequence[int]) -> dict[int, list[Pause]]:
    out: dict[int, list[Pause]] = {i: [] for i in ids}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = conn.execute(
            select(SlaPause.incident_id, SlaPause.started_at, SlaPause.ended_at)
            .where(SlaPause.incident_id.in_(chunk))
            .order_by(SlaPause.incident_id, SlaPause.started_at)
        )
        for r in rows:
            out[int(r.incident_id)].append(Pause(r.started_at, r.ended_at))
    return out


def _new_clock(row: object, new: int, book: PolicyBook, now: datetime) -> _Clock:
    """The clock columns of `row` once its priority is `new` (the start moves by the policy's
    retroactive-start rule, as `mutation.restart_clocks` moves it)."""
    r = row  # a Row of _CLOCK_COLUMNS
    started = restart_at(
        retroactive=book.retroactive_start(r.sla_policy_id),  # type: ignore[attr-defined]
        active=True,
        started_at=r.sla_started_at,  # type: ignore[attr-defined]
        now=now,
    )
    return _Clock(
        state=r.state,  # type: ignore[attr-defined]
        sla_policy_id=r.sla_policy_id,  # type: ignore[attr-defined]
        priority=new,
        opened_at=r.opened_at,  # type: ignore[attr-defined]
        resolved_at=r.resolved_at,  # type: ignore[attr-defined]
        closed_at=r.closed_at,  # type: ignore[attr-defined]
        sla_started_at=started,
        responded_at=r.responded_at,  # type: ignore[attr-defined]
        sla_stage=r.sla_stage or 0,  # type: ignore[attr-defined]
        response_stage=r.response_stage or 0,  # type: ignore[attr-defined]
    )


def preview_matrix(desk: Desk, matrix: PriorityMatrix, limit: int = PREVIEW_LIST) -> MatrixPreview:
    """What saving `matrix` would change: the count of open incidents that would move, per old
    -> new pair, and the first `limit` of them (by number) with their new resolution due time."""
    book = policy_book(desk)
    now = desk.now()
    with desk.read() as conn:
        pairs = _pairs(conn, matrix)
        # the first `limit` by id: each (cell, old priority) is one index range in id order
        ids: list[int] = []
        for (i, u, old, _new), _n in pairs.items():
            ids.extend(
                conn.execute(
                    select(_I.id)
                    .where(*_OPEN, _I.impact == i, _I.urgency == u, _I.priority == old)
                    .order_by(_I.id)
                    .limit(limit)
                ).scalars()
            )
        ids = sorted(ids)[:limit]
        rows = (
            conn.execute(select(*_CLOCK_COLUMNS).where(_I.id.in_(ids)).order_by(_I.id)).all()
            if ids
            else []
        )
        pauses = _pauses(conn, ids)
        unmapped = _unmapped(conn, matrix)
    shifts = []
    for r in rows:
        new = matrix.priority(r.impact, r.urgency)
        values = sla_values(_new_clock(r, new, book, now), book, pauses[r.id], now)
        due = values["resolution_due"]
        shifts.append(
            PriorityShift(
                r.id,
                r.number,
                r.title,
                r.priority,
                new,
                due if isinstance(due, datetime) else None,
                paused=bool(values["sla_paused"]),
            )
        )
    return MatrixPreview(
        matrix=matrix,
        count=sum(pairs.values()),
        pairs=_summed(pairs),
        shifts=tuple(shifts),
        unmapped=unmapped,
    )


def preview(desk: Desk, matrix: PriorityMatrix) -> list[PriorityShift]:
    """Every open incident whose priority `matrix` would change (by number; no due times)."""
    with desk.read() as conn:
        rows = conn.execute(
            select(_I.id, _I.number, _I.title, _I.impact, _I.urgency, _I.priority)
            .where(_moving(matrix))
            .order_by(_I.id)
        ).all()
    return [
        PriorityShift(r.id, r.number, r.title, r.priority, matrix.priority(r.impact, r.urgency))
        for r in rows
    ]


def store_matrix(
    session: Session, matrix: PriorityMatrix, by: int | None, at: datetime, note: str | None
) -> MatrixVersion:
    """Add `matrix` as the next version in the caller's transaction."""
    row = MatrixVersion(
        impact_labels=list(matrix.impact_labels),
        urgency_labels=list(matrix.urgency_labels),
        priority_labels=list(matrix.priority_labels),
        cells=[list(r) for r in matrix.cells],
        created_by_id=by,
        created_at=at,
        note=note,
    )
    session.add(row)
    session.flush()
    return row


def matrix_diff(before: PriorityMatrix | None, after: PriorityMatrix) -> list[FieldDiff]:
    """The admin audit's words for a new matrix version: the size, each renamed level and
    each changed cell ("Impact 1 - High x Urgency 2 - Medium: 2 - High -> 1 - Critical")."""
    if before is None:
        return [FieldDiff("Matrix", None, f"{after.impacts} x {after.urgencies}")]
    out: list[FieldDiff] = []
    if (before.impacts, before.urgencies) != (after.impacts, after.urgencies):
        out.append(
            FieldDiff(
                "Size",
                f"{before.impacts} impact x {before.urgencies} urgency levels",
                f"{after.impacts} impact x {after.urgencies} urgency levels",
            )
        )
    for what, old, new in (
        ("Impact level", before.impact_labels, after.impact_labels),
        ("Urgency level", before.urgency_labels, after.urgency_labels),
        ("Priority", before.priority_labels, after.priority_labels),
    ):
        for n in range(1, max(len(old), len(new)) + 1):
            a = old[n - 1] if n <= len(old) else None
            b = new[n - 1] if n <= len(new) else None
            if a != b:
                out.append(FieldDiff(f"{what} {n}", a, b))
    for i, u, p in _cells(after):
        was = before.cells[i - 1][u - 1] if i <= before.impacts and u <= before.urgencies else None
        if was != p:
            out.append(
                FieldDiff(
                    f"Impact {after.impact_label(i)} x Urgency {after.urgency_label(u)}"[:60],
                    None if was is None else before.priority_label(was),
                    after.priority_label(p),
                )
            )
    return out


def apply_matrix(desk: Desk, actor: Actor, matrix: PriorityMatrix, reason: str) -> MatrixApplied:
    """Save `matrix` as the next version and move the open incidents it changes, audited with
    the version and `reason`, in one transaction (see the module docstring)."""
    actor.require(Permission.CONFIGURE)  # the matrix is the admin's
    why = " ".join((reason or "").split())
    if not why:
        raise ValidationError(
            "Say why the matrix changes: the reason goes into the history of every incident it moves",
            field="reason",
        )
    now = desk.now()
    with desk.write() as s:
        require_active(s, actor)
        book = fresh_policy_book(desk, s)
        active = book.matrix
        if same_grid(active, matrix):
            raise ValidationError(
                f"This is the active matrix (version {active.version}): nothing to save",
                field="matrix",
            )
        row = store_matrix(s, matrix, actor.id, now, why)
        version = row.id
        record_changes(
            s, actor, "matrix", version, f"Priority matrix version {version}",
            matrix_diff(active, matrix), now, why,
        )  # fmt: skip
        # which (cell, old priority) hold incidents that move: index-only counts; then those
        # rows by equality on the index's leading columns
        moving = [
            and_(*_OPEN, _I.impact == i, _I.urgency == u, _I.priority == old)
            for (i, u, old, _new) in _pairs(s, matrix)
        ]
        stmt = select(*_CLOCK_COLUMNS).where(or_(*moving) if moving else false())
        if desk.dialect == "postgresql":
            stmt = stmt.with_for_update()
        rows = s.execute(stmt.order_by(_I.id)).all()
        pauses = _pauses(s, [r.id for r in rows])
        updates: list[dict[str, object]] = []
        audits: list[dict[str, object]] = []
        pairs: dict[tuple[int, int, int, int], int] = {}
        for r in rows:
            new = matrix.priority(r.impact, r.urgency)
            clock = _new_clock(r, new, book, now)
            values = {
                "sla_stage": clock.sla_stage,
                "response_stage": clock.response_stage,
                **sla_values(clock, book, pauses[r.id], now),
            }
            next_version = r.version + 1
            updates.append(
                {
                    "b_id": r.id,
                    "priority": new,
                    "matrix_version": version,
                    "sla_started_at": clock.sla_started_at,
                    "version": next_version,
                    "updated_at": now,
                    **values,
                }
            )
            for field, old_value, new_value in (
                ("priority", r.priority, new),
                ("matrix_version", r.matrix_version, version),
            ):
                audits.append(
                    {
                        "incident_id": r.id,
                        "field": field,
                        "old_value": str(old_value),
                        "new_value": str(new_value),
                        "agent_id": actor.id,
                        "at": now,
                        "reason": why,
                        "incident_version": next_version,
                    }
                )
            key = (r.impact, r.urgency, r.priority, new)
            pairs[key] = pairs.get(key, 0) + 1
        if updates:
            _update_rows(s, updates)
            s.execute(_TABLES["audit"].insert(), audits)
            append_changes(s, "incident", [r.id for r in rows], "updated", actor.id)
        append_change(s, "matrix", version, "created", actor.id)
    desk.invalidate()
    return MatrixApplied(
        version=version,
        count=len(rows),
        pairs=_summed(pairs),
        changes=tuple((r.number, r.priority, matrix.priority(r.impact, r.urgency)) for r in rows),
    )


def _update_rows(s: Session, updates: list[dict[str, object]]) -> None:
    """Write the new columns of many incidents: one prepared UPDATE run for every row (tried:
    one UPDATE ... FROM (VALUES ...) per 1,000 rows on PostgreSQL was no faster; each row's
    index entries are the cost)."""
    table = _TABLES["incidents"]
    columns = [k for k in updates[0] if k != "b_id"]
    s.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values({c: bindparam(c) for c in columns}),
        updates,
    )


def save(
    desk: Desk, actor: Actor, matrix: PriorityMatrix, note: str | None = None
) -> PriorityMatrix:
    """Store `matrix` as the next version; incidents keep theirs until recomputed."""
    actor.require(Permission.CONFIGURE)  # the matrix is the admin's
    with desk.write() as s:
        before = fresh_policy_book(desk, s).matrices
        row = store_matrix(s, matrix, actor.id, desk.now(), note)
        record_changes(
            s, actor, "matrix", row.id, f"Priority matrix version {row.id}",
            matrix_diff(before[max(before)] if before else None, matrix), desk.now(), note,
        )  # fmt: skip
        append_change(s, "matrix", row.id, "created", actor.id)
    desk.invalidate()
    return policy_book(desk).matrix


def recompute_open(
    desk: Desk, actor: Actor, incident_ids: Sequence[int] | None = None, reason: str | None = None
) -> list[PriorityShift]:
    """Move open incidents to the current matrix (all, or the given ones); returns what changed."""
    actor.require(Permission.CONFIGURE)
    matrix = policy_book(desk).matrix
    shifts = preview(desk, matrix)
    if incident_ids is not None:
        wanted = set(incident_ids)
        shifts = [s for s in shifts if s.incident_id in wanted]
    why = reason or f"Priority matrix version {matrix.version}"
    for shift in shifts:
        current = incidents.get_version(desk, shift.incident_id)
        with desk.read() as conn:
            iu = conn.execute(
                select(Incident.impact, Incident.urgency).where(Incident.id == shift.incident_id)
            ).one()
        incidents.set_impact_urgency(
            desk, actor, shift.incident_id, current, iu.impact, iu.urgency, reason=why
        )
    return shifts


@dataclass(frozen=True)
class PriorityTerms:
    """What a priority promises under the default SLA policy, in words."""

    priority: int
    response: str | None  # "15 minutes"
    resolution: str | None  # "4 hours", "3 business days"
    policy: str | None
    calendar: str | None


@dataclass(frozen=True)
class MatrixState:
    """The editor's starting point: the active matrix, who saved it and why, and each
    priority's targets."""

    matrix: PriorityMatrix
    saved_by: str | None
    saved_at: datetime | None
    note: str | None
    terms: dict[int, PriorityTerms]


def matrix_state(desk: Desk) -> MatrixState:
    from app.domain.sla import describe_duration
    from app.models import Agent

    book = policy_book(desk)
    active = book.matrix
    with desk.read() as conn:
        row = conn.execute(
            select(MatrixVersion.created_at, MatrixVersion.note, Agent.full_name)
            .outerjoin(Agent, Agent.id == MatrixVersion.created_by_id)
            .where(MatrixVersion.id == active.version)
        ).first()
    pid = book.default_policy_id
    policy = book.policy_names.get(pid) if pid is not None else None
    terms: dict[int, PriorityTerms] = {}
    for p in range(1, max(active.priorities, MAX_PRIORITY_TERMS) + 1):
        found = book.target(pid, p)
        if found is None:
            terms[p] = PriorityTerms(p, None, None, policy, None)
            continue
        target, cal = found
        terms[p] = PriorityTerms(
            p,
            describe_duration(target.response_s, cal),
            describe_duration(target.resolution_s, cal),
            policy,
            cal.name,
        )
    return MatrixState(
        matrix=active,
        saved_by=row.full_name if row is not None else None,
        saved_at=row.created_at if row is not None else None,
        note=row.note if row is not None else None,
        terms=terms,
    )


MAX_PRIORITY_TERMS = 9
