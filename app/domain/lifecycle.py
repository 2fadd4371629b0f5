"""Incident states, the moves between them, and the guards on each move.

The table follows ServiceNow's and iTop's model (see DESIGN.md): New, In Progress,
On Hold, Resolved, Closed, Cancelled.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from app.domain.errors import IllegalTransition, ValidationError


class State(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @property
    def active(self) -> bool:
        """Still in somebody's queue (not resolved, closed or cancelled)."""
        return self in (State.NEW, State.IN_PROGRESS, State.ON_HOLD)

    @property
    def final(self) -> bool:
        return self in (State.CLOSED, State.CANCELLED)


_STATE_LABELS: Mapping[State, str] = {
    State.NEW: "New",
    State.IN_PROGRESS: "In Progress",
    State.ON_HOLD: "On Hold",
    State.RESOLVED: "Resolved",
    State.CLOSED: "Closed",
    State.CANCELLED: "Cancelled",
}


class HoldReason(enum.StrEnum):
    AWAITING_CALLER = "awaiting_caller"
    AWAITING_VENDOR = "awaiting_vendor"
    AWAITING_CHANGE = "awaiting_change"
    AWAITING_PROBLEM = "awaiting_problem"

    @property
    def label(self) -> str:
        return "Awaiting " + self.value.split("_", 1)[1]


class ResolutionCode(enum.StrEnum):
    """ServiceNow's current resolution codes."""

    SOLUTION_PROVIDED = "solution_provided"
    WORKAROUND_PROVIDED = "workaround_provided"
    KNOWN_ERROR = "known_error"
    RESOLVED_BY_CALLER = "resolved_by_caller"
    RESOLVED_BY_CHANGE = "resolved_by_change"
    RESOLVED_BY_PROBLEM = "resolved_by_problem"
    RESOLVED_BY_REQUEST = "resolved_by_request"
    DUPLICATE = "duplicate"
    USER_ERROR = "user_error"
    NO_RESOLUTION = "no_resolution"

    @property
    def label(self) -> str:
        return _CODE_LABELS[self]


_CODE_LABELS: Mapping[ResolutionCode, str] = {
    ResolutionCode.SOLUTION_PROVIDED: "Solution provided",
    ResolutionCode.WORKAROUND_PROVIDED: "Workaround provided",
    ResolutionCode.KNOWN_ERROR: "Known error",
    ResolutionCode.RESOLVED_BY_CALLER: "Resolved by caller",
    ResolutionCode.RESOLVED_BY_CHANGE: "Resolved by change",
    ResolutionCode.RESOLVED_BY_PROBLEM: "Resolved by problem",
    ResolutionCode.RESOLVED_BY_REQUEST: "Resolved by request",
    ResolutionCode.DUPLICATE: "Duplicate",
    ResolutionCode.USER_ERROR: "User error",
    ResolutionCode.NO_RESOLUTION: "No resolution provided",
}


class CancelReason(enum.StrEnum):
    DUPLICATE = "duplicate"
    NOT_AN_INCIDENT = "not_an_incident"
    LOGGED_IN_ERROR = "logged_in_error"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class CloseReason(enum.StrEnum):
    CALLER_CONFIRMED = "caller_confirmed"
    AUTO_CLOSED = "auto_closed"


class Action(enum.StrEnum):
    """Lifecycle actions; each names the state it leads to in TRANSITIONS."""

    START = "start work on"
    HOLD = "put on hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"


# state -> action -> resulting state
TRANSITIONS: Mapping[State, Mapping[Action, State]] = {
    State.NEW: {
        Action.START: State.IN_PROGRESS,
        Action.RESOLVE: State.RESOLVED,
        Action.CANCEL: State.CANCELLED,
    },
    State.IN_PROGRESS: {
        Action.HOLD: State.ON_HOLD,
        Action.RESOLVE: State.RESOLVED,
        Action.CANCEL: State.CANCELLED,
    },
    State.ON_HOLD: {Action.RESUME: State.IN_PROGRESS},
    State.RESOLVED: {Action.CLOSE: State.CLOSED, Action.REOPEN: State.IN_PROGRESS},
    State.CLOSED: {},
    State.CANCELLED: {},
}


def allowed_actions(state: State) -> tuple[Action, ...]:
    return tuple(TRANSITIONS[state])


def next_state(state: State, action: Action) -> State:
    """The state `action` leads to from `state`, or IllegalTransition naming what is allowed."""
    try:
        return TRANSITIONS[state][action]
    except KeyError:
        allowed = [a.value for a in TRANSITIONS[state]]
        raise IllegalTransition(state.label, action.value, allowed) from None


def _required(value: str | None, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError(message, field=field)
    return text


def check_hold(state: State, reason: str | None, comment: str | None) -> HoldReason:
    """Guard for On Hold: a known reason; awaiting caller also needs a comment to the caller."""
    next_state(state, Action.HOLD)
    if not reason:
        raise ValidationError(
            "A reason is required to put an incident on hold "
            f"({', '.join(r.value for r in HoldReason)})",
            field="hold_reason",
        )
    try:
        hold = HoldReason(reason)
    except ValueError:
        raise ValidationError(
            f"Unknown hold reason {reason!r}; use one of: {', '.join(r.value for r in HoldReason)}",
            field="hold_reason",
        ) from None
    if hold is HoldReason.AWAITING_CALLER:
        _required(
            comment, "comment", "A comment to the caller is required: say what you are waiting for"
        )
    return hold


def check_resolve(state: State, code: str | None, notes: str | None) -> tuple[ResolutionCode, str]:
    """Guard for Resolved: one of the ten codes and non-empty notes."""
    next_state(state, Action.RESOLVE)
    if not code:
        raise ValidationError("A resolution code is required to resolve", field="resolution_code")
    try:
        rc = ResolutionCode(code)
    except ValueError:
        raise ValidationError(
            f"Unknown resolution code {code!r}; use one of: "
            f"{', '.join(c.value for c in ResolutionCode)}",
            field="resolution_code",
        ) from None
    return rc, _required(
        notes, "resolution_notes", "Resolution notes are required: say what restored the service"
    )


def check_cancel(state: State, reason: str | None) -> str:
    next_state(state, Action.CANCEL)
    return _required(reason, "cancel_reason", "A reason is required to cancel")


def check_reopen(state: State, reason: str | None) -> str:
    next_state(state, Action.REOPEN)
    return _required(reason, "reopen_reason", "A reason is required to reopen")
