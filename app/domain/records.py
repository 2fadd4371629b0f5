"""Frozen records the services return. Views and the CLI see these, never ORM objects."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from app.domain.lifecycle import State

if TYPE_CHECKING:
    from app.domain.sla import ClockStatus


def incident_number(seq: int) -> str:
    """Human number of an incident: INC0001234."""
    return f"INC{seq:07d}"


def problem_number(seq: int) -> str:
    return f"PRB{seq:07d}"


class Channel(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    SELF_SERVICE = "self-service"
    MONITORING = "monitoring"
    WALK_IN = "walk-in"
    CHAT = "chat"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


class JournalKind(enum.StrEnum):
    WORK_NOTE = "work_note"  # internal
    COMMENT = "comment"  # visible to the caller
    SYSTEM = "system"  # written by the desk itself (escalations, intake, auto-close)

    @property
    def label(self) -> str:
        return {"work_note": "Work note", "comment": "Comment", "system": "System"}[self.value]


@dataclass(frozen=True)
class AgentRecord:
    id: int
    username: str
    full_name: str
    role: str
    email: str | None
    active: bool
    group_ids: tuple[int, ...] = ()
    group_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupRecord:
    id: int
    name: str
    line: int
    supervisor_id: int | None
    supervisor_name: str | None
    email: str | None = None
    assignment: str = "manual"  # app.domain.assignment.AssignmentMode
    active: bool = True


@dataclass(frozen=True)
class GroupDetail:
    """A group as its admin edits it: with its members and how many open incidents it has."""

    id: int
    name: str
    line: int
    supervisor_username: str | None
    supervisor_name: str | None
    email: str | None
    assignment: str  # app.domain.assignment.AssignmentMode
    active: bool
    members: tuple[tuple[str, str], ...]  # (username, full name), by name
    open_incidents: int


@dataclass(frozen=True)
class CallerRecord:
    id: int
    name: str
    email: str | None
    phone: str | None
    department: str | None
    employee_id: str | None = None

    @property
    def display(self) -> str:
        return f"{self.name} ({self.department})" if self.department else self.name


@dataclass(frozen=True)
class CallerMatch:
    """One caller found as the agent types, with what tells them apart in a list."""

    caller: CallerRecord
    open_incidents: int  # not resolved, closed or cancelled
    recent: bool  # a caller of this agent's incidents of the last weeks

    @property
    def display(self) -> str:
        return self.caller.display


@dataclass(frozen=True)
class CallerMatches:
    """The best `matches`, and how many callers match in all ("12 more match")."""

    matches: tuple[CallerMatch, ...]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.matches))


@dataclass(frozen=True)
class CategoryRecord:
    id: int
    name: str
    parent_id: int | None
    path: str  # "Software > Email"
    default_group_id: int | None
    default_group_name: str | None
    default_impact: int | None = None  # what an incident logged in it starts with
    default_urgency: int | None = None
    active: bool = True


@dataclass(frozen=True)
class ServiceRecord:
    id: int
    name: str
    kind: str  # "service" or "ci"
    group_id: int | None = None  # the owner group
    group_name: str | None = None
    description: str | None = None
    active: bool = True


@dataclass(frozen=True)
class SlaTargetsRecord:
    """The targets a priority gets, with their wording for forms."""

    priority: int
    priority_label: str
    response_s: int
    resolution_s: int
    response_text: str  # "8 business hours"
    resolution_text: str  # "3 business days"


@dataclass(frozen=True)
class IncidentRecord:
    id: int
    number: str
    title: str
    description: str
    caller_id: int | None
    caller_name: str | None
    channel: str
    category_id: int | None
    category_path: str | None
    service_id: int | None
    service_name: str | None
    impact: int
    urgency: int
    priority: int
    priority_label: str
    matrix_version: int
    state: State
    hold_reason: str | None
    group_id: int | None
    group_name: str | None
    support_line: int
    assignee_id: int | None
    assignee_name: str | None
    reassignment_count: int
    reopen_count: int
    parent_id: int | None
    parent_number: str | None
    major: bool
    problem_id: int | None
    problem_number: str | None
    known_error_id: int | None
    resolution_code: str | None
    resolution_notes: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    close_reason: str | None
    cancel_reason: str | None
    opened_at: datetime
    responded_at: datetime | None
    response_due: datetime | None
    resolution_due: datetime | None
    sla_paused: bool
    sla_breached: bool
    escalated_to_supervisor: bool
    version: int
    created_at: datetime
    updated_at: datetime
    opened_by: str | None
    response: ClockStatus | None = None
    resolution: ClockStatus | None = None
    # the admin fields a closed incident still takes (with problem_id): see incident_rights
    change_ref: str | None = None
    caused_by_id: int | None = None
    caused_by_number: str | None = None
    caused_by_change: str | None = None
    priority_overridden: bool = False
    # the parent's state (None without a parent): a child closes only after its parent
    parent_state: State | None = None


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue table."""

    id: int
    number: str
    priority: int
    state: State
    title: str
    caller_name: str | None
    group_name: str | None
    assignee_name: str | None
    updated_at: datetime
    resolution_due: datetime | None
    warn_at: datetime | None  # the resolution clock passes 50%
    at_risk_at: datetime | None  # ... and 75%
    sla_paused: bool
    sla_breached: bool
    major: bool
    version: int
    group_returns: int = 0  # ping-pong: times it went back to a group it had left


# ping-pong this many times or more: the queue warns
PING_PONG_WARNING = 3


@dataclass(frozen=True)
class Page:
    rows: tuple[QueueRow, ...]
    next_cursor: tuple[object, ...] | None  # pass back to get the next page; None at the end


@dataclass(frozen=True)
class JournalRecord:
    id: int
    incident_id: int
    kind: JournalKind
    body: str
    author: str | None
    created_at: datetime
    time_worked_s: int = 0  # time the author spent on what the entry records


@dataclass(frozen=True)
class AuditRecord:
    id: int
    incident_id: int
    field: str
    old: str | None
    new: str | None
    by: str | None
    at: datetime
    reason: str | None
    # in words, as the history shows it: "Group", "Service Desk" -> "Network"
    label: str = ""
    old_text: str | None = None
    new_text: str | None = None


@dataclass(frozen=True)
class PauseRecord:
    start: datetime
    end: datetime | None
    reason: str


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "incident" or "known_error"
    id: int
    number: str  # INC... / KE title for known errors
    title: str
    state: str | None
    rank: float
    snippet: str = ""
    workaround: str | None = None


@dataclass(frozen=True)
class KnownErrorRecord:
    id: int
    title: str
    symptom: str
    workaround: str
    problem_id: int | None
    problem_number: str | None


@dataclass(frozen=True)
class Change:
    """One entry of the change feed: what changed, not how."""

    seq: int
    entity: str  # "incident", "journal", "matrix", ...
    entity_id: int
    kind: str  # "created", "updated", ...
    at: datetime


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows. Every field narrows; empty means no narrowing."""

    states: tuple[State, ...] = ()
    active_only: bool = True
    group_ids: tuple[int, ...] = ()
    assignee_ids: tuple[int, ...] = ()
    unassigned: bool = False
    priorities: tuple[int, ...] = ()
    breaching: bool = False  # past 75% of the resolution target or breached
    ping_pong: bool = False  # went back to a group it had left
    major: bool | None = None
    text: str = ""  # full-text search terms
