"""The history in words: a field's label and the value a user knows, never a column or an id.

The audit keeps raw values (an id, an enum value, an ISO time); what refers to a row (a group,
a person, a category) is named by the services, which read the names. This module names the
rest: labels, states, reasons, codes, channels, yes/no, times in the site's zone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo

from app.domain.lifecycle import CancelReason, CloseReason, HoldReason, ResolutionCode, State
from app.domain.records import Channel
from app.domain.wording import local_time

FIELD_LABELS: Mapping[str, str] = {
    "created": "Logged",
    "title": "Title",
    "description": "Description",
    "caller_id": "Caller",
    "channel": "Channel",
    "category_id": "Category",
    "config_item_id": "Service",
    "affected": "Also affects",
    "impact": "Impact",
    "urgency": "Urgency",
    "priority": "Priority",
    "priority_overridden": "Priority set by hand",
    "matrix_version": "Priority matrix",
    "state": "State",
    "hold_reason": "On-hold reason",
    "group_id": "Group",
    "assignee_id": "Assignee",
    "support_line": "Support line",
    "reassignment_count": "Reassignments",
    "reopen_count": "Times reopened",
    "escalated_to_supervisor": "Escalated to a supervisor",
    "flagged": "Flagged",
    "parent_id": "Parent incident",
    "child": "Child incident",
    "attachment": "Attachment",
    "major": "Major incident",
    "problem_id": "Problem",
    "known_error_id": "Known error",
    "change_ref": "Change",
    "caused_by_id": "Caused by incident",
    "caused_by_change": "Caused by change",
    "resolution_code": "Resolution code",
    "resolution_notes": "Resolution notes",
    "close_reason": "Close reason",
    "cancel_reason": "Cancel reason",
    "active": "In a queue",
    "opened_at": "Opened",
    "responded_at": "Responded",
    "resolved_at": "Resolved",
    "resolved_by_id": "Resolved by",
    "closed_at": "Closed",
    "closed_by_id": "Closed by",
    "sla_policy_id": "SLA policy",
    "response_due": "Response due",
    "resolution_due": "Resolution due",
}

# fields whose value is the id of a row the services name: field -> what kind of row
REFERENCES: Mapping[str, str] = {
    "caller_id": "caller",
    "category_id": "category",
    "config_item_id": "service",
    "affected": "service",
    "group_id": "group",
    "assignee_id": "agent",
    "resolved_by_id": "agent",
    "closed_by_id": "agent",
    "parent_id": "incident",
    "child": "incident",
    "caused_by_id": "incident",
    "problem_id": "problem",
    "known_error_id": "known_error",
    "sla_policy_id": "policy",
}

_TIMES = frozenset(
    {"opened_at", "responded_at", "resolved_at", "closed_at", "response_due", "resolution_due"}
)
_YES_NO = {"yes": "yes", "no": "no", "True": "yes", "False": "no", "true": "yes", "false": "no"}


def field_label(field: str) -> str:
    """'Group' for 'group_id'; an unknown column still reads as words ('foo bar' -> 'Foo bar')."""
    return FIELD_LABELS.get(field) or field.replace("_id", "").replace("_", " ").capitalize()


def _enum_label(enum_type: Callable[[str], object], raw: str) -> str:
    try:
        value = enum_type(raw)
    except ValueError:
        return raw.replace("_", " ")
    return str(getattr(value, "label", raw))


def value_words(
    field: str,
    raw: str | None,
    zone: tzinfo,
    *,
    names: Mapping[tuple[str, str], str] | None = None,
    level: Callable[[str, int], str] | None = None,
) -> str | None:
    """What a user reads for one audited value; None stays None (shown as a dash).

    `names` maps (kind, id) to a name for the fields in REFERENCES; `level(field, n)` labels
    impact, urgency and priority levels ('2 - Medium')."""
    if raw is None or raw == "":
        return None
    kind = REFERENCES.get(field)
    if kind is not None:
        found = (names or {}).get((kind, raw))
        return found if found is not None else f"(deleted {kind.replace('_', ' ')})"
    if field == "state":
        return _enum_label(State, raw)
    if field == "hold_reason":
        return _enum_label(HoldReason, raw)
    if field == "resolution_code":
        return _enum_label(ResolutionCode, raw)
    if field == "cancel_reason":
        return _enum_label(CancelReason, raw)
    if field == "close_reason":
        return {
            CloseReason.CALLER_CONFIRMED.value: "Caller confirmed",
            CloseReason.AUTO_CLOSED.value: "Closed automatically",
        }.get(raw, raw.replace("_", " "))
    if field == "channel":
        return _enum_label(Channel, raw)
    if (
        field in ("impact", "urgency", "priority")
        and level is not None
        and raw.lstrip("-").isdigit()
    ):
        return level(field, int(raw))
    if field == "support_line":
        return f"Line {raw}"
    if field == "matrix_version":
        return f"Version {raw}"
    if raw in _YES_NO and field in (
        "major",
        "priority_overridden",
        "escalated_to_supervisor",
        "flagged",
        "active",
    ):
        return _YES_NO[raw]
    if field in _TIMES:
        try:
            return local_time(datetime.fromisoformat(raw), zone)
        except ValueError:
            return raw
    return raw
