"""Problem records: their states and moves, and the values the services return.

New -> Assessed -> Root cause analysis -> Fix in progress -> Resolved -> Closed. An open problem
(New to Fix in progress) may move to any other open state or be resolved; a resolved one closes,
or goes back to Fix in progress when the fix did not hold; a closed one is final. Resolving
needs the fix (or the workaround that stands in for it) in words."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.domain.errors import ValidationError

MAX_TITLE = 300


class ProblemState(enum.StrEnum):
    NEW = "new"
    ASSESSED = "assessed"
    ROOT_CAUSE_ANALYSIS = "root_cause_analysis"
    FIX_IN_PROGRESS = "fix_in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def open(self) -> bool:
        return self in OPEN_STATES

    @classmethod
    def parse(cls, text: str) -> ProblemState:
        """A state by its value or its label, any case ("Root cause analysis", "rca" too)."""
        key = " ".join(text.replace("_", " ").replace("-", " ").split()).lower()
        for s in cls:
            if key in (s.value.replace("_", " "), s.label.lower()):
                return s
        if key == "rca":
            return cls.ROOT_CAUSE_ANALYSIS
        names = ", ".join(s.value for s in cls)
        raise ValidationError(f"Unknown problem state {text!r}; use one of: {names}", field="state")


_LABELS = {
    ProblemState.NEW: "New",
    ProblemState.ASSESSED: "Assessed",
    ProblemState.ROOT_CAUSE_ANALYSIS: "Root cause analysis",
    ProblemState.FIX_IN_PROGRESS: "Fix in progress",
    ProblemState.RESOLVED: "Resolved",
    ProblemState.CLOSED: "Closed",
}
OPEN_STATES = frozenset(
    {
        ProblemState.NEW,
        ProblemState.ASSESSED,
        ProblemState.ROOT_CAUSE_ANALYSIS,
        ProblemState.FIX_IN_PROGRESS,
    }
)


def allowed_moves(state: ProblemState) -> tuple[ProblemState, ...]:
    if state.open:
        return tuple(s for s in ProblemState if s is not state and s is not ProblemState.CLOSED)
    if state is ProblemState.RESOLVED:
        return (ProblemState.CLOSED, ProblemState.FIX_IN_PROGRESS)
    return ()


def check_move(number: str, state: ProblemState, to: ProblemState) -> None:
    if to is state:
        raise ValidationError(f"{number} is {state.label} already", field="state")
    moves = allowed_moves(state)
    if to not in moves:
        if not moves:
            raise ValidationError(f"{number} is {state.label}: it is final", field="state")
        raise ValidationError(
            f"{number} is {state.label}: it can move to "
            f"{', '.join(m.label for m in moves)}, not to {to.label}",
            field="state",
        )


def check_resolution(number: str, fix: str | None, workaround: str | None) -> str:
    """The words that resolve the problem (and its incidents): the fix, else its workaround."""
    text = (fix or "").strip() or (workaround or "").strip()
    if not text:
        raise ValidationError(
            f"Say how {number} was fixed (or record its workaround) before resolving it",
            field="fix",
        )
    return text


def check_title(title: str) -> str:
    text = " ".join((title or "").split())
    if not text:
        raise ValidationError("A problem needs a title: what goes wrong", field="title")
    if len(text) > MAX_TITLE:
        raise ValidationError(
            f"The title is {len(text)} characters; at most {MAX_TITLE}", field="title"
        )
    return text


@dataclass(frozen=True)
class LinkedIncident:
    id: int
    number: str
    title: str
    state: str  # the incident State's value
    state_label: str
    priority: int
    group_name: str | None


@dataclass(frozen=True)
class ProblemRecord:
    id: int
    number: str
    title: str
    description: str
    state: ProblemState
    root_cause: str
    workaround: str
    fix: str
    known_error: bool
    group_id: int | None
    group_name: str | None
    created_at: datetime
    created_by: str | None
    updated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int
    incidents: tuple[LinkedIncident, ...] = ()
    known_error_id: int | None = None

    @property
    def open_incidents(self) -> tuple[LinkedIncident, ...]:
        return tuple(i for i in self.incidents if i.state in ("new", "in_progress", "on_hold"))


@dataclass(frozen=True)
class ProblemRow:
    """One line of the problems list."""

    id: int
    number: str
    title: str
    state: ProblemState
    known_error: bool
    group_name: str | None
    incidents: int
    open_incidents: int
    updated_at: datetime | None


@dataclass(frozen=True)
class Resolution:
    """What resolving a problem did: the problem after it, the incidents it resolved, and
    those it left open with the reason (another group's incident, an open task...)."""

    problem: ProblemRecord
    resolved: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def numbers(items: Sequence[str]) -> str:
    return ", ".join(items) if items else "none"
