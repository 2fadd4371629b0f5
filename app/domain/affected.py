"""What an incident affects: one primary service or configuration item (the incident's
Service), and more as needed ("also affects"). The rules for the list, with no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.errors import ValidationError
from app.domain.wording import plural

MAX_AFFECTED = 20  # the primary and the others together, on one incident


@dataclass(frozen=True)
class AffectedItem:
    """One service or configuration item an incident affects."""

    id: int
    name: str
    kind: str  # "service" or "ci"
    primary: bool

    @property
    def kind_label(self) -> str:
        return "configuration item" if self.kind == "ci" else "service"


@dataclass(frozen=True)
class OtherIncident:
    """An open incident that affects a service or CI of this one."""

    id: int
    number: str
    title: str
    priority_label: str
    state_label: str
    major: bool


@dataclass(frozen=True)
class OnService:
    """The other open incidents on one of an incident's services or CIs (the first of them,
    most urgent first, and how many there are)."""

    item: AffectedItem
    count: int
    incidents: tuple[OtherIncident, ...]

    @property
    def summary(self) -> str:
        """'3 other open incidents on Remote access HQ'."""
        if not self.count:
            return f"No other open incident on {self.item.name}"
        return f"{plural(self.count, 'other open incident')} on {self.item.name}"


@dataclass(frozen=True)
class MajorOnService:
    """An open major incident on a service or CI the agent chose while logging."""

    id: int
    number: str
    title: str
    service_name: str

    @property
    def warning(self) -> str:
        return (
            f"{self.service_name} already has an open major incident: {self.number} “{self.title}”"
        )


def affected_list(primary: int | None, others: Iterable[int]) -> tuple[int | None, list[int]]:
    """The primary and the others, each once, the primary never among the others; with no
    primary the first of the others is it. More than MAX_AFFECTED is refused."""
    rest: list[int] = []
    for item in others:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValidationError(f"{item!r} is not a service or CI", field="affected")
        if item != primary and item not in rest:
            rest.append(item)
    if primary is None and rest:
        primary = rest.pop(0)
    total = len(rest) + (primary is not None)
    if total > MAX_AFFECTED:
        raise ValidationError(
            f"An incident lists at most {MAX_AFFECTED} services and CIs; this one would list "
            f"{total}",
            field="affected",
        )
    return primary, rest


def without(primary: int | None, others: list[int], item: int) -> tuple[int | None, list[int]]:
    """The list once `item` no longer affects the incident: when it was the primary, the
    first of the others takes its place."""
    if item == primary:
        return (others[0], others[1:]) if others else (None, [])
    return primary, [o for o in others if o != item]


def with_primary(primary: int | None, others: list[int], item: int) -> tuple[int | None, list[int]]:
    """`item` becomes the primary; the one it replaces stays on the list, first of the others."""
    if item == primary:
        return primary, list(others)
    rest = [o for o in others if o != item]
    if primary is not None:
        rest.insert(0, primary)
    return affected_list(item, rest)
