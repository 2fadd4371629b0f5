"""Saved queue views: the built-in ones every user has, and each user's own, kept in the database.

A user's own views follow them to any workstation: ``list_views``, ``save_view`` (create, or
replace the view of that name) and ``delete_view`` act on the actor's own views only, one short
transaction each, with a change-feed entry ``("saved_view", <the owner's agent id>, ...)`` so that
the user's other workstations reload their list. ``import_views`` takes the views a workstation
kept locally before (once, on its first start with this release) without replacing any view of
the same name already stored.

A view is stored as JSON: ``{"filter": {...QueueFilter fields...}, "sort": ..., "descending": ...}``;
reading it back checks every field, so a row written by hand or by another release gives a clear
error naming the view and the field instead of a queue that shows the wrong thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy import exc as sa_exc

from app.db.changes import append_change
from app.db.queue import DEFAULT_SORT, SORTS
from app.domain.errors import ValidationError
from app.domain.lifecycle import State
from app.domain.records import QueueFilter
from app.models import SavedView as SavedViewRow
from app.services.context import Actor, Desk

NAME_MAX = 120  # saved_views.name
MAX_VIEWS = 100  # own views a user may keep
ENTITY = "saved_view"


@dataclass(frozen=True)
class SavedView:
    """A view of the queue: what it shows and how it sorts."""

    name: str
    flt: QueueFilter
    sort: str = DEFAULT_SORT
    descending: bool = False
    own: bool = False  # saved by the user (else built in)
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
            "Ping-pong",
            QueueFilter(ping_pong=True),
            sort="ping_pong",
            descending=True,
            description="Open incidents that went back to a group they had left, the most "
            "returns first",
        ),
        SavedView(
            "Awaiting confirmation",
            QueueFilter(states=(State.RESOLVED,), active_only=False),
            sort="updated",
            descending=True,
            description="Resolved incidents awaiting the caller's confirmation (or auto-close)",
        ),
    ]


# the built-in names (they do not depend on the actor; a test checks them against the list)
BUILTIN_NAMES = frozenset(
    name.casefold()
    for name in (
        "My incidents",
        "My groups' unassigned",
        "All open",
        "Breaching soon",
        "On hold",
        "Major incidents",
        "Ping-pong",
        "Awaiting confirmation",
    )
)


# -- storage format ---------------------------------------------------------------------------


def filter_to_dict(flt: QueueFilter) -> dict[str, Any]:
    return {
        "states": [s.value for s in flt.states],
        "active_only": flt.active_only,
        "group_ids": list(flt.group_ids),
        "assignee_ids": list(flt.assignee_ids),
        "unassigned": flt.unassigned,
        "priorities": list(flt.priorities),
        "breaching": flt.breaching,
        "major": flt.major,
        "text": flt.text,
        # only when set: views saved before it existed read the same
        **({"ping_pong": True} if flt.ping_pong else {}),
    }


_FILTER_FIELDS = {f.name for f in fields(QueueFilter)}


def filter_from_dict(data: Any, where: str) -> QueueFilter:
    """A QueueFilter from its stored form; ValidationError naming `where` and the field."""
    if not isinstance(data, Mapping):
        raise ValidationError(f"{where}: the filter is not an object", field="filter")
    unknown = sorted(set(data) - _FILTER_FIELDS)
    if unknown:
        raise ValidationError(f"{where}: unknown filter field {unknown[0]!r}", field="filter")
    out: dict[str, Any] = {}
    for key in ("active_only", "unassigned", "breaching", "ping_pong"):
        if key in data:
            out[key] = _bool(data[key], where, key)
    if "major" in data:
        out["major"] = None if data["major"] is None else _bool(data["major"], where, "major")
    for key in ("group_ids", "assignee_ids", "priorities"):
        if key in data:
            out[key] = _ints(data[key], where, key)
    if "states" in data:
        values = data["states"]
        if not isinstance(values, list | tuple):
            raise ValidationError(f"{where}: states must be a list", field="states")
        known = {s.value: s for s in State}
        for v in values:
            if v not in known:
                raise ValidationError(
                    f"{where}: unknown state {v!r} (known: {', '.join(known)})", field="states"
                )
        out["states"] = tuple(known[v] for v in values)
    if "text" in data:
        if not isinstance(data["text"], str):
            raise ValidationError(f"{where}: the search text must be text", field="text")
        out["text"] = data["text"]
    return QueueFilter(**out)


def _bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"{where}: {key} must be true or false", field=key)
    return value


def _ints(value: Any, where: str, key: str) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValidationError(f"{where}: {key} must be a list of whole numbers", field=key)
    return tuple(value)


def _stored(view: SavedView) -> dict[str, Any]:
    return {"filter": filter_to_dict(view.flt), "sort": view.sort, "descending": view.descending}


def _from_stored(name: str, data: Any) -> SavedView:
    where = f"Saved view {name!r}"
    if not isinstance(data, Mapping):
        raise ValidationError(f"{where}: not a stored view", field="filter")
    sort = data.get("sort", DEFAULT_SORT)
    _check_sort(sort, where)
    descending = _bool(data.get("descending", False), where, "descending")
    return SavedView(
        name, filter_from_dict(data.get("filter", {}), where), sort, descending, own=True
    )


def _check_sort(sort: Any, where: str) -> None:
    if sort not in SORTS:
        raise ValidationError(
            f"{where}: unknown sort {sort!r} (known: {', '.join(SORTS)})", field="sort"
        )


def clean_name(name: str) -> str:
    """The name as stored: spaces collapsed; ValidationError when it cannot be a view's name."""
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise ValidationError("A saved view needs a name", field="name")
    if len(cleaned) > NAME_MAX:
        raise ValidationError(
            f"A saved view's name is at most {NAME_MAX} characters (this one has {len(cleaned)})",
            field="name",
        )
    if cleaned.casefold() in BUILTIN_NAMES:
        raise ValidationError(
            f"“{cleaned}” is the name of a built-in view: choose another name", field="name"
        )
    return cleaned


# -- use cases --------------------------------------------------------------------------------


def list_views(desk: Desk, actor: Actor) -> list[SavedView]:
    """The actor's own views, in the order they were first saved."""
    with desk.read() as conn:
        rows = conn.execute(
            select(SavedViewRow.name, SavedViewRow.filter)
            .where(SavedViewRow.agent_id == actor.id)
            .order_by(SavedViewRow.id)
        ).all()
    return [_from_stored(name, data) for name, data in rows]


def save_view(
    desk: Desk,
    actor: Actor,
    name: str,
    flt: QueueFilter,
    sort: str = DEFAULT_SORT,
    descending: bool = False,
) -> SavedView:
    """Create the actor's view `name`, or replace the one of that name (keeping its place)."""
    view = SavedView(clean_name(name), flt, sort, bool(descending), own=True)
    _check_sort(sort, f"Saved view {view.name!r}")
    stored = _stored(view)
    filter_from_dict(stored["filter"], f"Saved view {view.name!r}")  # what is read back later
    for attempt in (1, 2):
        try:
            with desk.write() as s:
                row = s.scalar(
                    select(SavedViewRow).where(
                        SavedViewRow.agent_id == actor.id, SavedViewRow.name == view.name
                    )
                )
                if row is None:
                    count = s.scalar(
                        select(func.count())
                        .select_from(SavedViewRow)
                        .where(SavedViewRow.agent_id == actor.id)
                    )
                    if (count or 0) >= MAX_VIEWS:
                        raise ValidationError(
                            f"You have {MAX_VIEWS} saved views, the most one user can keep: "
                            "delete one first",
                            field="name",
                        )
                    s.add(SavedViewRow(agent_id=actor.id, name=view.name, filter=stored))
                    kind = "created"
                else:
                    row.filter = stored
                    kind = "updated"
                s.flush()
                append_change(s, ENTITY, actor.id, kind, actor.id)
            return view
        except sa_exc.IntegrityError:
            # another workstation of this user created the same name in between: replace it
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def delete_view(desk: Desk, actor: Actor, name: str) -> None:
    """Delete the actor's own view `name`."""
    cleaned = " ".join(str(name).split())
    if cleaned.casefold() in BUILTIN_NAMES:
        raise ValidationError(f"“{cleaned}” is built in and cannot be deleted", field="name")
    with desk.write() as s:
        gone = s.scalars(
            delete(SavedViewRow)
            .where(SavedViewRow.agent_id == actor.id, SavedViewRow.name == cleaned)
            .returning(SavedViewRow.id)
        ).all()
        if not gone:
            raise ValidationError(f"You have no saved view named “{cleaned}”", field="name")
        append_change(s, ENTITY, actor.id, "deleted", actor.id)


@dataclass(frozen=True)
class Imported:
    added: tuple[str, ...]  # names stored
    kept: tuple[str, ...]  # names already stored: the stored view was kept
    refused: tuple[str, ...]  # "name: why" of views that cannot be stored


def import_views(desk: Desk, actor: Actor, views: Iterable[SavedView]) -> Imported:
    """Store views kept elsewhere (a workstation's own settings) in one transaction; a view
    whose name is already stored keeps the stored one, a view that cannot be stored is named."""
    added: list[str] = []
    kept: list[str] = []
    refused: list[str] = []
    ready: list[SavedView] = []
    for view in views:
        try:
            cleaned = clean_name(view.name)
            _check_sort(view.sort, f"Saved view {cleaned!r}")
        except ValidationError as exc:
            refused.append(f"{view.name}: {exc}")
            continue
        if any(v.name == cleaned for v in ready):
            kept.append(cleaned)
            continue
        ready.append(SavedView(cleaned, view.flt, view.sort, view.descending, own=True))
    if not ready:
        return Imported((), tuple(kept), tuple(refused))
    with desk.write() as s:
        existing = set(
            s.scalars(select(SavedViewRow.name).where(SavedViewRow.agent_id == actor.id))
        )
        room = MAX_VIEWS - len(existing)
        for view in ready:
            if view.name in existing:
                kept.append(view.name)
            elif room <= 0:
                refused.append(f"{view.name}: more than {MAX_VIEWS} saved views")
            else:
                s.add(SavedViewRow(agent_id=actor.id, name=view.name, filter=_stored(view)))
                added.append(view.name)
                room -= 1
        if added:
            s.flush()
            append_change(s, ENTITY, actor.id, "imported", actor.id)
    return Imported(tuple(added), tuple(kept), tuple(refused))


def views_changed(changes: Sequence[Any], actor: Actor) -> bool:
    """Whether change-feed entries (app.domain.records.Change) touch the actor's own views."""
    return any(c.entity == ENTITY and c.entity_id == actor.id for c in changes)
