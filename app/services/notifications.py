"""What an agent is told about: an incident assigned to them, a P1/P2 arriving in one of their
groups, their incident's resolution clock passing 75% (and 100%), the response clock of an
incident nobody has taken yet in one of their groups (of their own incident, if assigned)
passing 75% (and 100%), for a supervisor, an incident of their group escalated to them
(hierarchical escalation) and a P1, P2 or major incident of their group resolved (the
post-incident review offered), and whatever an SLA policy's escalation rules say to tell the
assignee, the group or its supervisor ("tell_group_resolution_75", app.services.escalation_rules).

The desktop passes the change feed's entries through :func:`notices`; a :class:`Watch` holds what
the agent already knows (the open incidents assigned to them, the open P1/P2 of their groups), so
"assigned to me" means "assigned to me and not before", whichever workstation did it. What the
agent did themselves is not announced to them (the change log says who made each change). The
SLA announcements come from ``sla_sweep`` ("sla_75", "sla_100", "response_75", "response_100"),
which any workstation runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.domain.records import Change
from app.models import ChangeLogEntry, Group, Incident
from app.services.context import Actor, Desk
from app.services.escalation_rules import parse_tell

URGENT = (1, 2)  # the priorities a group is told about
ESCALATED_TO_SUPERVISOR = "escalated_to_supervisor"  # the change kind incidents.py writes
RESOLVED = "resolved"  # a P1, P2 or major incident resolved offers its group's supervisor a review
SLA_KINDS = {"sla_75": 75, "sla_100": 100}
RESPONSE_KINDS = {"response_75": 75, "response_100": 100}
_IGNORED_KINDS = {"bulk", "journal", "sla_50", "response_50"}


@dataclass(frozen=True)
class Notice:
    incident_id: int
    number: str
    title: str
    priority: int
    kind: (
        str  # "assigned", "urgent", "sla_75", "sla_100", "response_75", "response_100", "escalated"
    )
    text: str  # one line for people: "INC0000123 is assigned to you: VPN down"
    at: datetime


@dataclass(frozen=True)
class Watch:
    """What the agent knows already: open incidents assigned to them, open P1/P2 of their groups."""

    agent_id: int
    group_ids: tuple[int, ...]
    assigned: frozenset[int]
    urgent: frozenset[int]


def watch(desk: Desk, actor: Actor) -> Watch:
    """The starting point: what is assigned to `actor` and urgent in their groups right now."""
    with desk.read() as conn:
        assigned = conn.execute(
            select(Incident.id).where(Incident.assignee_id == actor.id, Incident.active)
        ).scalars()
        mine = frozenset(assigned)
        urgent: frozenset[int] = frozenset()
        if actor.group_ids:
            rows = conn.execute(
                select(Incident.id).where(
                    Incident.group_id.in_(actor.group_ids),
                    Incident.active,
                    Incident.priority.in_(URGENT),
                )
            ).scalars()
            urgent = frozenset(rows)
    return Watch(actor.id, tuple(actor.group_ids), mine, urgent)


def notices(desk: Desk, watch: Watch, changes: Sequence[Change]) -> tuple[list[Notice], Watch]:
    """The notices `changes` (from the change feed) make for the watching agent, and the watch
    updated with them. Changes the agent made themselves update the watch silently."""
    wanted = [c for c in changes if c.entity == "incident" and c.kind not in _IGNORED_KINDS]
    if not wanted:
        return [], watch
    ids = sorted({c.entity_id for c in wanted})
    seqs = [c.seq for c in wanted]
    with desk.read() as conn:
        authors: dict[int, int | None] = {
            seq: agent_id
            for seq, agent_id in conn.execute(
                select(ChangeLogEntry.seq, ChangeLogEntry.agent_id).where(
                    ChangeLogEntry.seq.in_(seqs)
                )
            )
        }
        rows = {
            r.id: r
            for r in conn.execute(
                select(
                    Incident.id,
                    Incident.number,
                    Incident.title,
                    Incident.priority,
                    Incident.group_id,
                    Incident.assignee_id,
                    Incident.active,
                    Incident.major,
                    Incident.state,
                    Group.name.label("group_name"),
                    Group.supervisor_id,
                )
                .outerjoin(Group, Group.id == Incident.group_id)
                .where(Incident.id.in_(ids))
            )
        }
    now = desk.now()
    by_others: set[int] = set()
    sla: dict[int, int] = {}
    response: dict[int, int] = {}
    to_supervisor: set[int] = set()
    resolved: set[int] = set()
    tells: dict[int, list[tuple[str, str, int]]] = {}
    for c in wanted:
        told = parse_tell(c.kind)
        if told is not None:
            tells.setdefault(c.entity_id, []).append(told)
            continue
        if c.kind == RESOLVED:
            resolved.add(c.entity_id)
        if c.kind == ESCALATED_TO_SUPERVISOR and authors.get(c.seq) != watch.agent_id:
            to_supervisor.add(c.entity_id)
        if authors.get(c.seq) != watch.agent_id:
            by_others.add(c.entity_id)
        if c.kind in SLA_KINDS:
            sla[c.entity_id] = max(sla.get(c.entity_id, 0), SLA_KINDS[c.kind])
        if c.kind in RESPONSE_KINDS:
            response[c.entity_id] = max(response.get(c.entity_id, 0), RESPONSE_KINDS[c.kind])
    assigned, urgent = set(watch.assigned), set(watch.urgent)
    out: list[Notice] = []
    for incident_id in ids:
        r = rows.get(incident_id)
        if r is None:
            assigned.discard(incident_id)
            urgent.discard(incident_id)
            continue

        def notice(kind: str, text: str, r: Any = r) -> Notice:
            return Notice(r.id, r.number, r.title, r.priority, kind, text, now)

        mine = bool(r.active) and r.assignee_id == watch.agent_id
        hot = bool(r.active) and r.priority in URGENT and r.group_id in watch.group_ids
        if mine and incident_id not in assigned and incident_id in by_others:
            out.append(notice("assigned", f"{r.number} is assigned to you: {r.title}"))
        if hot and incident_id not in urgent and incident_id in by_others:
            out.append(notice("urgent", f"P{r.priority} for {r.group_name}: {r.number} {r.title}"))
        if incident_id in to_supervisor and r.supervisor_id == watch.agent_id:
            out.append(notice("escalated", f"{r.number} was escalated to you: {r.title}"))
        if (
            incident_id in resolved
            and r.state == "resolved"
            and (r.priority in URGENT or r.major)
            and r.supervisor_id == watch.agent_id
        ):
            what = "major incident" if r.major else f"P{r.priority}"
            out.append(
                notice(
                    "review",
                    f"{r.number} ({what}, {r.group_name}) is resolved: run its post-incident "
                    f"review: {r.title}",
                )
            )
        level = sla.get(incident_id)
        if level is not None and mine:
            if level >= 100:
                text = f"{r.number} breached its resolution target: {r.title}"
            else:
                text = f"{r.number} passed 75% of its resolution target: {r.title}"
            out.append(notice(f"sla_{level}", text))
        level = response.get(incident_id)
        waiting = bool(r.active) and r.assignee_id is None and r.group_id in watch.group_ids
        if level is not None and (mine or waiting):
            if level >= 100:
                text = f"{r.number} breached its response target: {r.title}"
            else:
                text = f"{r.number} passed 75% of its response target: {r.title}"
            if waiting:
                text += f" (nobody in {r.group_name} has taken it yet)"
            out.append(notice(f"response_{level}", text))
        # one notice per clock and threshold: the assignee who is also in the group, the
        # supervisor who is also a member, hear of it once
        said = {n.kind for n in out if n.incident_id == incident_id}
        for who, clock, level in tells.get(incident_id, ()):
            kind = f"{'sla' if clock == 'resolution' else 'response'}_{level}"
            line = _rule_text(r, who, clock, level, watch)
            if line is not None and kind not in said:
                said.add(kind)
                out.append(notice(kind, line))
        (assigned.add if mine else assigned.discard)(incident_id)
        (urgent.add if hot else urgent.discard)(incident_id)
    return out, replace(watch, assigned=frozenset(assigned), urgent=frozenset(urgent))


def _rule_text(r: Any, who: str, clock: str, level: int, watch: Watch) -> str | None:
    """What an escalation rule's notification says to the watching agent, if it is for them:
    the assignee, a member of the group, or the group's supervisor."""
    if not r.active:
        return None
    passed = (
        f"breached its {clock} target" if level >= 100 else f"passed {level}% of its {clock} target"
    )
    if who == "assignee" and r.assignee_id == watch.agent_id:
        return f"{r.number} {passed}: {r.title}"
    if who == "group" and r.group_id in watch.group_ids:
        return f"{r.number} {passed}: {r.title} (told to {r.group_name})"
    if who == "supervisor" and r.supervisor_id == watch.agent_id:
        return f"{r.number} {passed}: {r.title} (you supervise {r.group_name})"
    return None


__all__ = ["Notice", "Watch", "notices", "watch"]
