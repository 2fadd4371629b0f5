"""Bulk actions on a supervisor's selection: Reassign, Escalate, Set priority (an override with
a reason), Put on hold, Add note, Resolve, Close.

Each incident is its own use case, in its own transaction, from the version the supervisor saw
when they chose the selection: one refusal or one conflict leaves the others done. Every item
goes through the same use case as the incident window, so the same rule answers and the same
audit is written. What each item came to is a BulkOutcome: done, refused (with the reason) or
conflicted (with who changed it meanwhile).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from app.domain.errors import ConflictError, DeskError, EnvironmentProblem
from app.domain.lifecycle import CloseReason
from app.domain.roles import Permission
from app.models import Incident
from app.services import incidents
from app.services.context import Actor, Desk


class BulkKind(enum.StrEnum):
    REASSIGN = "reassign"
    ESCALATE = "escalate"
    PRIORITY = "priority"
    HOLD = "hold"
    NOTE = "note"
    RESOLVE = "resolve"
    CLOSE = "close"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    BulkKind.REASSIGN: "Reassign",
    BulkKind.ESCALATE: "Escalate",
    BulkKind.PRIORITY: "Set priority",
    BulkKind.HOLD: "Put on hold",
    BulkKind.NOTE: "Add note",
    BulkKind.RESOLVE: "Resolve",
    BulkKind.CLOSE: "Close",
}


@dataclass(frozen=True)
class BulkAction:
    """What to do to every incident of the selection (the fields its kind needs)."""

    kind: BulkKind
    group_id: int | None = None
    assignee_id: int | None = None
    priority: int | None = None
    reason: str = ""  # escalation, priority override, the hold's reason code
    text: str = ""  # the hold's comment, the note, the resolution notes
    code: str = ""  # resolution code


class Outcome(enum.StrEnum):
    DONE = "done"
    REFUSED = "refused"
    CONFLICTED = "conflicted"
    NOT_DONE = "not done"  # cancelled before its turn, or the database was away


@dataclass(frozen=True)
class BulkOutcome:
    incident_id: int
    number: str
    outcome: Outcome
    detail: str  # what was done, the refusal, or who changed it


@dataclass(frozen=True)
class Item:
    """One incident of the selection, at the version the supervisor saw."""

    incident_id: int
    number: str
    version: int | None


ITEMS_CHUNK = 500  # ids per look-up of the rows a selection holds but the queue never read


def items_for(desk: Desk, incident_ids: Sequence[int]) -> list[Item]:
    """The selection's incidents that the queue never read (a Ctrl+A over a large view): their
    numbers and current versions, a chunk of ids per query, in the order given; an id that is
    gone is left out."""
    found: dict[int, Item] = {}
    with desk.read() as conn:
        for start in range(0, len(incident_ids), ITEMS_CHUNK):
            chunk = list(incident_ids[start : start + ITEMS_CHUNK])
            rows = conn.execute(
                select(Incident.id, Incident.number, Incident.version).where(Incident.id.in_(chunk))
            )
            for r in rows:
                found[int(r.id)] = Item(int(r.id), str(r.number), int(r.version))
    return [found[i] for i in incident_ids if i in found]


def check_may_bulk(actor: Actor) -> None:
    actor.require(Permission.BULK_EDIT)


def apply_one(desk: Desk, actor: Actor, action: BulkAction, item: Item) -> BulkOutcome:
    """Do `action` to one incident, in its own transaction; never raises for the item's own
    refusal or conflict (they are its outcome). The database being away is NOT_DONE."""
    check_may_bulk(actor)
    i, v = item.incident_id, item.version
    try:
        match action.kind:
            case BulkKind.REASSIGN:
                rec = incidents.assign(
                    desk,
                    actor,
                    i,
                    v,
                    group_id=action.group_id,
                    assignee_id=action.assignee_id,
                    reason=action.reason or None,
                )
                done = f"Assigned to {rec.group_name}" + (
                    f", {rec.assignee_name}" if rec.assignee_name else ""
                )
            case BulkKind.ESCALATE:
                if action.group_id is None:
                    rec = incidents.escalate_hierarchical(desk, actor, i, v, action.reason)
                    done = "Escalated to the supervisor"
                else:
                    rec = incidents.escalate_functional(
                        desk, actor, i, v, action.group_id, action.reason
                    )
                    done = f"Escalated to {rec.group_name}"
            case BulkKind.PRIORITY:
                rec = incidents.override_priority(
                    desk, actor, i, v, action.priority or 0, action.reason
                )
                done = f"Priority {rec.priority_label}"
            case BulkKind.HOLD:
                rec = incidents.hold(desk, actor, i, v, action.reason, action.text or None)
                done = "On hold"
            case BulkKind.NOTE:
                incidents.add_journal(desk, actor, i, "work_note", action.text)
                done = "Note added"
            case BulkKind.RESOLVE:
                rec = incidents.resolve(desk, actor, i, v, action.code, action.text)
                done = "Resolved"
            case BulkKind.CLOSE:
                rec = incidents.close(desk, actor, i, v, CloseReason.CALLER_CONFIRMED.value)
                done = "Closed"
    except ConflictError as exc:
        who = sorted({c.by_name or c.by or "someone" for c in exc.changes}) or ["someone"]
        fields = sorted({c.label or c.field for c in exc.changes})
        what = f" ({', '.join(fields)})" if fields else ""
        return BulkOutcome(
            i, item.number, Outcome.CONFLICTED, f"Changed meanwhile by {', '.join(who)}{what}"
        )
    except EnvironmentProblem as exc:
        return BulkOutcome(i, item.number, Outcome.NOT_DONE, str(exc))
    except DeskError as exc:
        return BulkOutcome(i, item.number, Outcome.REFUSED, str(exc))
    return BulkOutcome(i, item.number, Outcome.DONE, done)
