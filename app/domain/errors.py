"""Error types shared by every layer.

Two families: :class:`DeskError` subclasses are the user's or the environment's
problem and are shown as a clear message; anything else is our bug and crashes
loudly with a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


class DeskError(Exception):
    """An expected failure with a message fit for the user."""


class ValidationError(DeskError):
    """Bad input: the message names the field and what is wrong with it."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IllegalTransition(DeskError):
    """A lifecycle move the current state does not allow."""

    def __init__(
        self, state: str, action: str, allowed: Sequence[str], *, message: str | None = None
    ) -> None:
        moves = ", ".join(allowed) if allowed else "none (the incident is final)"
        super().__init__(
            message or f"Cannot {action} an incident that is {state}; allowed from {state}: {moves}"
        )
        self.state = state
        self.action = action
        self.allowed = tuple(allowed)


class PermissionDenied(DeskError):
    """The acting agent's role (or the incident's group) does not allow the action."""


class NotFound(DeskError):
    """A record the caller named does not exist."""


@dataclass(frozen=True)
class FieldChange:
    """One field another user changed: what it was, what it became, who did it."""

    field: str
    old: str | None
    new: str | None
    by: str | None = None  # the user name
    # in words, for the conflict dialog: "Urgency", "3 - Low" -> "2 - Medium", by "Ana Garcia" at
    label: str = ""
    old_text: str | None = None
    new_text: str | None = None
    by_name: str | None = None
    at: datetime | None = None


class ConflictError(DeskError):
    """The record changed since the caller read it; carries what the other side changed."""

    def __init__(
        self,
        number: str,
        expected_version: int,
        current_version: int,
        changes: Sequence[FieldChange] = (),
    ) -> None:
        names = ", ".join(sorted({c.field for c in changes})) or "the record"
        super().__init__(
            f"{number} was changed by someone else (version {expected_version} -> "
            f"{current_version}): {names}. Reload or merge; nothing was saved."
        )
        self.number = number
        self.expected_version = expected_version
        self.current_version = current_version
        self.changes = tuple(changes)


class EnvironmentProblem(DeskError):
    """The database or disk is unreachable, locked or full: retry later."""


class DatabaseTooNew(DeskError):
    """The database was migrated by a newer release of the application."""
