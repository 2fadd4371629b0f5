"""One answer to "may I do this, and if not, why": for an actor, an incident and an action.

The services guard every incident write with ``check`` (inside the transaction, on the locked
row), the incident window enables its actions and writes their tooltips with ``why_not``, and
the command line prints the same reason. The rules are, in this order:

1. Closed and Cancelled incidents are read-only, except their problem, change and caused-by
   links, which an admin may still set (``incident_rights.FINAL_EDITORS``).
2. The role table (``incident_rights.RIGHTS``): no reach, the actor's own groups, or any.
3. The state: the lifecycle moves of ``lifecycle.TRANSITIONS``; assigning, escalating and
   editing need an open incident.
4. The facts: taken already, escalated already, major already, no higher line...
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from app.domain.errors import IllegalTransition, PermissionDenied
from app.domain.escalation import LINES, line_label
from app.domain.incident_rights import (
    FINAL_EDITORS,
    RIGHTS,
    IncidentAction,
    Reach,
)
from app.domain.lifecycle import TRANSITIONS, Action, State
from app.domain.records import IncidentRecord
from app.domain.roles import Role, only

A = IncidentAction

LIFECYCLE: dict[IncidentAction, Action] = {
    A.START: Action.START,
    A.HOLD: Action.HOLD,
    A.RESUME: Action.RESUME,
    A.RESOLVE: Action.RESOLVE,
    A.CLOSE: Action.CLOSE,
    A.REOPEN: Action.REOPEN,
    A.CANCEL: Action.CANCEL,
}
NEEDS_OPEN = frozenset(
    {
        A.EDIT,
        A.ASSIGN_TO_ME,
        A.ASSIGN_GROUP,
        A.ASSIGN_PERSON,
        A.ESCALATE,
        A.ESCALATE_TO_SUPERVISOR,
        A.OVERRIDE_PRIORITY,
    }
)


class Who(Protocol):
    """The acting agent: the services' Actor is one."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> Role: ...

    @property
    def group_ids(self) -> tuple[int, ...]: ...


@dataclass(frozen=True)
class IncidentFacts:
    """What the rules read of an incident: a small snapshot, taken from the locked row by
    the services and from the record by the views."""

    number: str
    state: State
    group_id: int | None = None
    group_name: str | None = None
    assignee_id: int | None = None
    support_line: int = 1
    major: bool = False
    escalated_to_supervisor: bool = False
    # the parent, while it is not closed or cancelled: "INC0000001 (Resolved)"
    open_parent: str | None = None

    @classmethod
    def of(cls, r: IncidentRecord) -> IncidentFacts:
        return cls(
            number=r.number,
            state=r.state,
            group_id=r.group_id,
            group_name=r.group_name,
            assignee_id=r.assignee_id,
            support_line=r.support_line,
            major=r.major,
            escalated_to_supervisor=r.escalated_to_supervisor,
            open_parent=open_parent(r.parent_number, r.parent_state),
        )


def open_parent(number: str | None, state: State | None) -> str | None:
    """The parent in words while it is still open or resolved (a child waits for it)."""
    if number is None or state is None or state.final:
        return None
    return f"{number} ({state.label})"


@dataclass(frozen=True)
class Target:
    """Where an assignment sends the incident (the group the named person works in)."""

    group_id: int | None
    group_name: str | None = None


class Why(enum.Enum):
    ROLE = "role"  # the role may never do it
    SCOPE = "scope"  # the role may, but not to another group's incident
    STATE = "state"  # not from the incident's state
    FACT = "fact"  # done already, or nothing to do it with


@dataclass(frozen=True)
class Refusal:
    reason: str
    why: Why


def _words(labels: Iterable[str]) -> str:
    items = list(labels)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def own(actor: Who, incident: IncidentFacts) -> bool:
    """The incident is the actor's group's: in one of their groups, theirs, or in no group."""
    return (
        incident.group_id is None
        or incident.group_id in actor.group_ids
        or (incident.assignee_id is not None and incident.assignee_id == actor.id)
    )


def _final(actor: Who, incident: IncidentFacts, action: IncidentAction) -> Refusal | None:
    if not incident.state.final:
        return None
    if action is A.LINK_RELATED and actor.role in FINAL_EDITORS:
        return None
    return Refusal(
        f"{incident.number} is {incident.state.label}: only its problem, change and caused-by "
        f"may still be set, by {only(r for r in Role if r in FINAL_EDITORS)}",
        Why.STATE,
    )


def _role(actor: Who, incident: IncidentFacts, action: IncidentAction) -> Refusal | None:
    reach = RIGHTS[action][actor.role]
    if reach is Reach.NONE:
        allowed = only(r for r in Role if RIGHTS[action][r] is not Reach.NONE)
        return Refusal(f"Only {allowed} may {action.doing}", Why.ROLE)
    if reach is Reach.OWN and not own(actor, incident):
        return Refusal(
            f"{incident.number} belongs to {incident.group_name or 'another group'}, not to one "
            f"of your groups: {actor.role.a} may {action.doing} only in their own groups",
            Why.SCOPE,
        )
    return None


def _state(incident: IncidentFacts, action: IncidentAction) -> Refusal | None:
    state, number = incident.state, incident.number
    move = LIFECYCLE.get(action)
    if move is not None and move not in TRANSITIONS[state]:
        sources = _words(s.label for s in State if move in TRANSITIONS[s])
        return Refusal(
            f"{number} is {state.label}: only an incident that is {sources} can be {action.done}",
            Why.STATE,
        )
    if action in NEEDS_OPEN and not state.active:
        hint = "; reopen it first" if action is A.EDIT and state is State.RESOLVED else ""
        opened = _words(s.label for s in State if s.active)
        return Refusal(
            f"{number} is {state.label}: only an open incident ({opened}) can be "
            f"{action.done}{hint}",
            Why.STATE,
        )
    return None


def _target(actor: Who, action: IncidentAction, target: Target | None) -> Refusal | None:
    if action is not A.ASSIGN_PERSON or target is None:
        return None
    if RIGHTS[action][actor.role] is Reach.OWN and target.group_id not in actor.group_ids:
        return Refusal(
            f"{actor.role.a.capitalize()} may assign someone else only within their own "
            f"groups, and {target.group_name or 'that group'} is not one of them",
            Why.SCOPE,
        )
    return None


def _facts(actor: Who, incident: IncidentFacts, action: IncidentAction) -> Refusal | None:
    number = incident.number
    if action is A.ASSIGN_TO_ME:
        if incident.assignee_id == actor.id:
            return Refusal(f"{number} is assigned to you already", Why.FACT)
        if not actor.group_ids:
            return Refusal(
                "You belong to no group: an admin must add you to one before you can take "
                "incidents",
                Why.FACT,
            )
    if action is A.ESCALATE and incident.support_line >= max(LINES):
        return Refusal(
            f"{number} is with the {line_label(incident.support_line)} already: there is no "
            "higher line to escalate to",
            Why.FACT,
        )
    if action is A.ESCALATE_TO_SUPERVISOR:
        if incident.escalated_to_supervisor:
            return Refusal(f"{number} was escalated to its group's supervisor already", Why.FACT)
        if incident.group_id is None:
            return Refusal(
                f"{number} is in no group, so it has no supervisor to escalate to", Why.FACT
            )
    if action is A.CLOSE and incident.open_parent:
        return Refusal(
            f"{number} cannot close before its parent {incident.open_parent}: it closes "
            "when the parent has",
            Why.FACT,
        )
    if action is A.MARK_MAJOR and incident.major:
        return Refusal(f"{number} is a major incident already", Why.FACT)
    if action is A.UNMARK_MAJOR and not incident.major:
        return Refusal(f"{number} is not a major incident", Why.FACT)
    return None


def refusal(
    actor: Who, incident: IncidentFacts, action: IncidentAction, target: Target | None = None
) -> Refusal | None:
    """None when `actor` may do `action` to `incident` now (towards `target`), else why not."""
    return (
        _final(actor, incident, action)
        or _role(actor, incident, action)
        or _state(incident, action)
        or _target(actor, action, target)
        or _facts(actor, incident, action)
    )


def why_not(
    actor: Who, incident: IncidentFacts, action: IncidentAction, target: Target | None = None
) -> str | None:
    """The reason in words, or None when it is allowed."""
    found = refusal(actor, incident, action, target)
    return None if found is None else found.reason


def check(
    actor: Who, incident: IncidentFacts, action: IncidentAction, target: Target | None = None
) -> None:
    """Raise the refusal: PermissionDenied for the role or the group, IllegalTransition for
    the state and the facts; both carry the reason as their message."""
    found = refusal(actor, incident, action, target)
    if found is None:
        return
    if found.why in (Why.ROLE, Why.SCOPE):
        raise PermissionDenied(found.reason)
    move = LIFECYCLE.get(action)
    allowed = [a.value for a in TRANSITIONS[incident.state]]
    raise IllegalTransition(
        incident.state.label, move.value if move else action.done, allowed, message=found.reason
    )
