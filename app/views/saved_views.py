"""The filter bar's narrowing of a saved view, and the views a workstation kept locally before.

The views themselves (built in and each user's own, stored in the database) are
``app.services.saved_views``'s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from app.domain.errors import ValidationError
from app.domain.lifecycle import State
from app.domain.records import QueueFilter
from app.services.saved_views import SavedView, builtin_views, filter_from_dict

__all__ = ["LEGACY_KEY", "Narrowing", "SavedView", "builtin_views", "legacy_views"]

# where a workstation kept a user's own views before they were stored in the database
# (QSettings, under users/<username>/): read once, imported, then removed
LEGACY_KEY = "saved_views"


@dataclass(frozen=True)
class Narrowing:
    """What the filter bar adds to a saved view."""

    state: State | None = None
    priority: int | None = None
    group_id: int | None = None
    assignee_id: int | None = None  # -1: unassigned
    text: str = ""
    every_state: bool = False  # closed, resolved and cancelled too, whatever the view says

    def apply(self, flt: QueueFilter) -> QueueFilter:
        out = flt
        if self.every_state:
            out = replace(out, states=(), active_only=False)
        if self.state is not None:
            out = replace(
                out, states=(self.state,), active_only=out.active_only and self.state.active
            )
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


def legacy_views(raw: object) -> tuple[list[SavedView], list[str]]:
    """The views of the old QSettings value (a JSON list of {"name", "filter": JSON text,
    "sort", "descending"}) and, for each entry that cannot be read, why."""
    views: list[SavedView] = []
    problems: list[str] = []
    try:
        items = json.loads(str(raw)) if raw else []
    except ValueError as exc:
        return [], [f"the stored list is not JSON ({exc})"]
    if not isinstance(items, list):
        return [], ["the stored value is not a list"]
    for i, item in enumerate(items, 1):
        try:
            name = str(item["name"])
            flt = filter_from_dict(json.loads(item["filter"]), f"Saved view {name!r}")
            views.append(
                SavedView(
                    name,
                    flt,
                    str(item.get("sort", "priority")),
                    bool(item.get("descending", False)),
                    own=True,
                )
            )
        except (ValueError, KeyError, TypeError, ValidationError) as exc:
            problems.append(f"view {i}: {exc}")
    return views, problems
