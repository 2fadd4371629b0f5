"""The role table: what each role may do to an incident, as data.

Each cell says how far a role reaches for one action: to no incident, to the incidents of
its own groups (those in one of the actor's groups, assigned to the actor, or in no group
yet), or to any incident. ``permissions.why_not`` reads this table; docs/roles.md is
generated from it (``roles_page``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.roles import Role


class Reach(enum.Enum):
    NONE = "no"
    OWN = "own groups"
    ANY = "any incident"


@dataclass(frozen=True)
class Wording:
    doing: str  # "cancel an incident": Only a supervisor or an admin may <doing>
    done: str  # "cancelled": only an incident that is New or In Progress can be <done>


class IncidentAction(enum.StrEnum):
    """Every lifecycle and editing action on one incident (the value names it for the CLI)."""

    ADD_NOTE = "note"
    EDIT = "edit"
    START = "start"
    ASSIGN_TO_ME = "assign_to_me"
    ASSIGN_GROUP = "assign_group"
    ASSIGN_PERSON = "assign_person"
    ESCALATE = "escalate"
    ESCALATE_TO_SUPERVISOR = "escalate_supervisor"
    HOLD = "hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"
    MARK_MAJOR = "mark_major"
    UNMARK_MAJOR = "unmark_major"
    OVERRIDE_PRIORITY = "override_priority"
    LINK_PARENT = "link_parent"
    LINK_RELATED = "link_related"

    @property
    def doing(self) -> str:
        return _WORDS[self].doing

    @property
    def done(self) -> str:
        return _WORDS[self].done


_WORDS: Mapping[IncidentAction, Wording] = {
    IncidentAction.ADD_NOTE: Wording("add a note to an incident", "given a note"),
    IncidentAction.EDIT: Wording("edit an incident's fields", "edited"),
    IncidentAction.START: Wording("start work on an incident", "started"),
    IncidentAction.ASSIGN_TO_ME: Wording("take an incident (assign it to themselves)", "assigned"),
    IncidentAction.ASSIGN_GROUP: Wording("route an incident to a group", "assigned"),
    IncidentAction.ASSIGN_PERSON: Wording("assign an incident to someone else", "assigned"),
    IncidentAction.ESCALATE: Wording("escalate an incident to a higher line", "escalated"),
    IncidentAction.ESCALATE_TO_SUPERVISOR: Wording(
        "escalate an incident to its group's supervisor", "escalated"
    ),
    IncidentAction.HOLD: Wording("put an incident on hold", "put on hold"),
    IncidentAction.RESUME: Wording("resume an incident", "resumed"),
    IncidentAction.RESOLVE: Wording("resolve an incident", "resolved"),
    IncidentAction.CLOSE: Wording("close an incident", "closed"),
    IncidentAction.REOPEN: Wording("reopen an incident", "reopened"),
    IncidentAction.CANCEL: Wording("cancel an incident", "cancelled"),
    IncidentAction.MARK_MAJOR: Wording("mark an incident major", "marked major"),
    IncidentAction.UNMARK_MAJOR: Wording("unmark a major incident", "unmarked"),
    IncidentAction.OVERRIDE_PRIORITY: Wording(
        "override an incident's priority", "given another priority"
    ),
    IncidentAction.LINK_PARENT: Wording("link an incident to a parent incident", "linked"),
    IncidentAction.LINK_RELATED: Wording(
        "link an incident to a problem, a change or its cause", "linked"
    ),
}

A = IncidentAction
_N, _O, _Y = Reach.NONE, Reach.OWN, Reach.ANY

# action: (agent, specialist, supervisor, admin)
_TABLE: Mapping[IncidentAction, tuple[Reach, Reach, Reach, Reach]] = {
    A.ADD_NOTE: (_Y, _Y, _Y, _Y),
    A.EDIT: (_O, _O, _Y, _Y),
    A.START: (_O, _O, _Y, _Y),
    A.ASSIGN_TO_ME: (_O, _O, _Y, _Y),
    A.ASSIGN_GROUP: (_O, _O, _Y, _Y),
    A.ASSIGN_PERSON: (_N, _O, _Y, _Y),
    A.ESCALATE: (_O, _O, _Y, _Y),
    A.ESCALATE_TO_SUPERVISOR: (_O, _O, _Y, _Y),
    A.HOLD: (_O, _O, _Y, _Y),
    A.RESUME: (_O, _O, _Y, _Y),
    A.RESOLVE: (_O, _O, _Y, _Y),
    A.CLOSE: (_O, _O, _Y, _Y),
    A.REOPEN: (_O, _O, _Y, _Y),
    A.CANCEL: (_N, _N, _Y, _Y),
    A.MARK_MAJOR: (_N, _N, _Y, _Y),
    A.UNMARK_MAJOR: (_N, _N, _Y, _Y),
    A.OVERRIDE_PRIORITY: (_N, _N, _Y, _Y),
    A.LINK_PARENT: (_O, _O, _Y, _Y),
    A.LINK_RELATED: (_N, _O, _Y, _Y),
}
_ROLES = (Role.AGENT, Role.SPECIALIST, Role.SUPERVISOR, Role.ADMIN)

RIGHTS: Mapping[IncidentAction, Mapping[Role, Reach]] = {
    action: dict(zip(_ROLES, reaches, strict=True)) for action, reaches in _TABLE.items()
}

# Closed and Cancelled incidents are read-only (ServiceNow's rule) except these links, which
# problem and change management still set afterwards, and only these roles set them.
ADMIN_FIELDS: tuple[str, ...] = ("problem", "change", "caused-by")
FINAL_EDITORS: frozenset[Role] = frozenset({Role.ADMIN})

# Why a desk runs it this way, one line per decision (printed in docs/roles.md).
NOTES: tuple[str, ...] = (
    "Agents (first line) and specialists (second and third line) work the incidents of their "
    "own groups: those in one of their groups, assigned to them, or not routed to any group "
    "yet. Another group's incident they may read and add notes to, nothing else: the group "
    "that has it works it, or a supervisor moves it.",
    "Routing an incident to a group is first-line work; naming the person who works it is the "
    "group's: a specialist may hand an incident to a colleague of their own group, an agent "
    "routes to the group and lets it take the incident.",
    "Closing (the caller confirmed) and reopening (the caller rejected the fix) are done by the "
    "group that resolved the incident; resolved incidents also close by themselves.",
    "Cancelling (a duplicate, not an incident, logged in error), declaring a major incident "
    "and overriding the priority the matrix gives are a supervisor's calls.",
    "Problem records and changes are second- and third-line work: a specialist links them.",
    "Closed and Cancelled incidents are read-only. Only an admin may still set their "
    "problem, change and caused-by links; never their priority, fields or major flag.",
)
