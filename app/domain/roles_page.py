"""docs/roles.md, generated from the role table and the rules (never written by hand):
``python scripts/roles_page.py`` writes it, a test checks the committed page equals this."""

from __future__ import annotations

from app.domain.incident_rights import (
    ADMIN_FIELDS,
    FINAL_EDITORS,
    NOTES,
    RIGHTS,
    IncidentAction,
    Reach,
)
from app.domain.lifecycle import TRANSITIONS, State
from app.domain.permissions import LIFECYCLE, NEEDS_OPEN
from app.domain.roles import GRANTS, Permission, Role, only

PAGE = "docs/roles.md"
_CELL = {Reach.NONE: "—", Reach.OWN: "own groups", Reach.ANY: "any incident"}


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _states(action: IncidentAction) -> str:
    move = LIFECYCLE.get(action)
    if move is not None:
        return ", ".join(s.label for s in State if move in TRANSITIONS[s])
    if action in NEEDS_OPEN:
        return ", ".join(s.label for s in State if s.active)
    return ", ".join(s.label for s in State if not s.final)


def roles_markdown() -> str:
    roles = list(Role)
    head = ["action", *(r.label for r in roles), "in states"]
    lines = [
        "# Roles",
        "",
        "<!-- Generated from app/domain/incident_rights.py and app/domain/roles.py by "
        "`python scripts/roles_page.py`; tests/unit/test_roles_page.py fails when this page "
        "and the code disagree. -->",
        "",
        "Four roles work the desk: **agents** (first line), **specialists** (second and third "
        "line), **supervisors** and **admins**. One function, `app.domain.permissions.why_not`, "
        "answers for every door (the desktop, the command line, imports and the automatic "
        "jobs) whether a person may do an action to an incident, and if not, why.",
        "",
        "## What each role may do to an incident",
        "",
        "*own groups*: the incident is in one of the person's groups, is assigned to them, "
        "or is in no group yet. *any incident*: whichever group has it.",
        "",
        _row(head),
        _row(["---"] * len(head)),
    ]
    for action in IncidentAction:
        cells = [_CELL[RIGHTS[action][r]] for r in roles]
        lines.append(_row([_first_up(action.doing), *cells, _states(action)]))
    fields = ", ".join(ADMIN_FIELDS[:-1]) + " and " + ADMIN_FIELDS[-1]
    lines += [
        "",
        "## Closed and Cancelled incidents",
        "",
        f"Read-only for everyone. Only {only(r for r in roles if r in FINAL_EDITORS)} may "
        f"still set their {fields} links; never their priority, fields or major flag.",
        "",
        "## Rights over the whole desk",
        "",
        _row(["right", *(r.label for r in roles)]),
        _row(["---"] * (len(roles) + 1)),
    ]
    for permission in Permission:
        cells = ["yes" if permission in GRANTS[r] else "—" for r in roles]
        lines.append(_row([_first_up(permission.value), *cells]))
    lines += ["", "## Why the desk runs it this way", ""]
    lines += [f"- {note}" for note in NOTES]
    return "\n".join(lines) + "\n"
