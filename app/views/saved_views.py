"""The saved views on the left of the main window, and the filter bar's narrowing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from app.domain.lifecycle import State
from app.domain.records import QueueFilter
from app.services.context import Actor


@dataclass(frozen=True)
class SavedView:
    name: str
    flt: QueueFilter
    sort: str = "priority"
    descending: bool = False
    own: bool = False  # saved by the user
    description: str = ""  # the tooltip of a built-in view


def builtin_views(actor: Actor) -> list[SavedView]:
    return [
        SavedView(
            "My incidents",
            QueueFilter(assignee_ids=(actor.id,)),
            description="Open incidents assigned to you",
        ),
        SavedView(
            "My groups' unassigned",
            QueueFilter(group_ids=actor.group_ids or (-1,), unassigned=True),
            description="Open incidents of your groups that nobody has taken yet",
        ),
        SavedView("All open", QueueFilter(), description="Every open incident"),
        SavedView(
            "Breaching soon",
            QueueFilter(breaching=True),
            sort="sla",
            description="Open incidents past 75% of their resolution target, or breached",
        ),
        SavedView(
            "On hold",
            # On Hold is an open state: no `active` term, so the state index answers (and counts)
            QueueFilter(states=(State.ON_HOLD,), active_only=False),
            description="Waiting for the caller, a vendor, a change or a problem",
        ),
        SavedView("Major incidents", QueueFilter(major=True), description="Open major incidents"),
        SavedView(
            "Awaiting confirmation",
            QueueFilter(states=(State.RESOLVED,), active_only=False),
            sort="updated",
            descending=True,
            description="Resolved incidents awaiting the caller's confirmation (or auto-close)",
        ),
    ]


@dataclass(frozen=True)
class Narrowing:
    """What the filter bar adds to a saved view."""

    state: State | None = None
    priority: int | None = None
    group_id: int | None = None
    assignee_id: int | None = None  # -1: unassigned
    text: str = ""

    def apply(self, flt: QueueFilter) -> QueueFilter:
        out = flt
        if self.state is not None:
            out = replace(out, states=(self.state,), active_only=out.active_only and self.state.active)
        if self.priority is not None:
            out = replace(out, priorities=(self.priority,))
        if self.group_id is not None:
            out = replace(out, group_ids=(self.group_id,))
        if self.assignee_id == -1:
            out = replace(out, assignee_ids=(), unassigned=True)
        elif self.assignee_id is not None:
            out = replace(out, assignee_ids=(self.assignee_id,), unassigned=False)
        if self.text.strip():
            out = replace(out, text=self.text.strip())
        return out


def filter_to_json(flt: QueueFilter) -> str:
    data = asdict(flt)
    data["states"] = [s.value for s in flt.states]
    return json.dumps(data)


def filter_from_json(text: str) -> QueueFilter:
    data = json.loads(text)
    data["states"] = tuple(State(s) for s in data.get("states", ()))
    for key in ("group_ids", "assignee_ids", "priorities"):
        data[key] = tuple(data.get(key, ()))
    return QueueFilter(**data)
