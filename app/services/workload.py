"""The workload board: per group and per agent, the open incidents by priority, at risk (past
75% of the resolution target, as the "Breaching soon" view counts them), breached, on hold, and
the oldest one's opening. One SQL aggregate over the open incidents (grouped by group, assignee
and priority: a few hundred rows, whatever the size of the desk); nothing is loaded per
incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, case, func, or_, select

from app.domain.lifecycle import State
from app.models import Agent, Group, Incident
from app.services.context import Desk

TOTAL = 0  # agent_id of a group's total row
UNASSIGNED = -1  # agent_id of a group's incidents nobody is assigned


@dataclass(frozen=True)
class WorkloadRow:
    group_id: int | None  # None: incidents in no group
    group_name: str
    agent_id: int  # TOTAL, UNASSIGNED or the agent's id
    agent_name: str
    by_priority: dict[int, int] = field(hash=False)
    open: int = 0
    at_risk: int = 0
    breached: int = 0
    on_hold: int = 0
    oldest: datetime | None = None


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((cond, 1), else_=0))


@dataclass
class _Acc:
    by_priority: dict[int, int] = field(default_factory=dict)
    open: int = 0
    at_risk: int = 0
    breached: int = 0
    on_hold: int = 0
    oldest: datetime | None = None

    def add(self, r: Row[Any]) -> None:
        n = int(r.n)
        self.by_priority[r.priority] = self.by_priority.get(r.priority, 0) + n
        self.open += n
        self.at_risk += int(r.at_risk or 0)
        self.breached += int(r.breached or 0)
        self.on_hold += int(r.on_hold or 0)
        if r.oldest is not None and (self.oldest is None or r.oldest < self.oldest):
            self.oldest = r.oldest


def board(desk: Desk, group_ids: Sequence[int] = ()) -> list[WorkloadRow]:
    """Every group's total row, then its agents (by name), then its unassigned incidents."""
    now = desk.now()
    i = Incident
    at_risk = i.at_risk_at <= now
    breached = or_(i.sla_breached.is_(True), i.resolution_due <= now)
    stmt = (
        select(
            i.group_id,
            i.assignee_id,
            i.priority,
            func.count().label("n"),
            _flag(at_risk).label("at_risk"),
            _flag(breached).label("breached"),
            _flag(i.state == State.ON_HOLD.value).label("on_hold"),
            func.min(i.opened_at).label("oldest"),
        )
        .where(i.active)
        .group_by(i.group_id, i.assignee_id, i.priority)
    )
    if group_ids:
        stmt = stmt.where(i.group_id.in_(group_ids))
    with desk.read() as conn:
        rows = conn.execute(stmt).all()
        groups: dict[int, str] = {
            int(k): str(v) for k, v in conn.execute(select(Group.id, Group.name))
        }
        names: dict[int, str] = {
            int(k): str(v) for k, v in conn.execute(select(Agent.id, Agent.full_name))
        }
    acc: dict[tuple[int | None, int], _Acc] = {}
    for r in rows:
        acc.setdefault((r.group_id, TOTAL), _Acc()).add(r)
        acc.setdefault(
            (r.group_id, r.assignee_id if r.assignee_id is not None else UNASSIGNED), _Acc()
        ).add(r)

    def group_name(gid: int | None) -> str:
        return groups.get(gid, "(no group)") if gid is not None else "(no group)"

    def agent_name(aid: int) -> str:
        if aid == TOTAL:
            return "All"
        if aid == UNASSIGNED:
            return "Unassigned"
        return names.get(aid, f"agent {aid}")

    def order(key: tuple[int | None, int]) -> tuple[str, int, str]:
        gid, aid = key
        rank = 0 if aid == TOTAL else 2 if aid == UNASSIGNED else 1
        return (group_name(gid).lower(), rank, agent_name(aid).lower())

    return [
        WorkloadRow(
            key[0],
            group_name(key[0]),
            key[1],
            agent_name(key[1]),
            dict(a.by_priority),
            a.open,
            a.at_risk,
            a.breached,
            a.on_hold,
            a.oldest,
        )
        for key in sorted(acc, key=order)
        for a in (acc[key],)
    ]
