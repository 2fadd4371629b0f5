"""The priority matrix: impact x urgency -> priority.

Any size from 3x3 to 5x5 with labelled levels. Matrices are versioned: an incident
records the version that gave it its priority and keeps it until recomputed on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.errors import ValidationError

MIN_SIZE = 3
MAX_SIZE = 5
MAX_PRIORITIES = 9


def _whole(value: object) -> bool:
    """A whole number as the matrix means it: an int, never a bool (True is 1 to Python)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _level(value: object, count: int, what: str) -> int:
    """`value` as a level 1..count of `what` (impact or urgency), or a ValidationError."""
    if not _whole(value):
        raise ValidationError(
            f"{what.capitalize()} must be a whole number 1 to {count}, got {value!r}", field=what
        )
    assert isinstance(value, int)
    if not 1 <= value <= count:
        raise ValidationError(f"{what.capitalize()} must be 1 to {count}, got {value}", field=what)
    return value


def _labels(labels: object, what: str) -> tuple[str, ...]:
    if isinstance(labels, str) or not isinstance(labels, tuple | list):
        raise ValidationError(f"The {what} levels must be a list of names, got {labels!r}", field=what)
    for n, label in enumerate(labels, start=1):
        if not isinstance(label, str) or not label.strip():
            raise ValidationError(
                f"{what.capitalize()} level {n} needs a name, got {label!r}", field=what
            )
    return tuple(labels)


@dataclass(frozen=True)
class PriorityMatrix:
    """cells[impact-1][urgency-1] is the priority level (1 = most urgent)."""

    impact_labels: tuple[str, ...]
    urgency_labels: tuple[str, ...]
    priority_labels: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]
    version: int = 1

    def __post_init__(self) -> None:
        for what, labels in (
            ("impact", self.impact_labels),
            ("urgency", self.urgency_labels),
        ):
            labels = _labels(labels, what)
            if not MIN_SIZE <= len(labels) <= MAX_SIZE:
                raise ValidationError(
                    f"The matrix needs {MIN_SIZE} to {MAX_SIZE} {what} levels, got {len(labels)}",
                    field=what,
                )
        priorities = _labels(self.priority_labels, "priority")
        if not 1 <= len(priorities) <= MAX_PRIORITIES:
            raise ValidationError(
                f"The matrix needs 1 to {MAX_PRIORITIES} priority levels, got {len(priorities)}",
                field="priority",
            )
        if isinstance(self.cells, str) or not isinstance(self.cells, tuple | list):
            raise ValidationError(f"The matrix cells must be rows of priorities, got {self.cells!r}", field="cells")
        if len(self.cells) != len(self.impact_labels):
            raise ValidationError(
                f"The matrix has {len(self.cells)} rows for {len(self.impact_labels)} impact levels",
                field="cells",
            )
        for i, row in enumerate(self.cells, start=1):
            if isinstance(row, str) or not isinstance(row, tuple | list):
                raise ValidationError(f"Impact row {i} must be a row of priorities, got {row!r}", field="cells")
            if len(row) != len(self.urgency_labels):
                raise ValidationError(
                    f"Impact row {i} has {len(row)} cells for {len(self.urgency_labels)} urgency levels",
                    field="cells",
                )
            for u, p in enumerate(row, start=1):
                _check_cell(i, u, p, len(priorities))
        set_ = object.__setattr__  # frozen: keep tuples whatever sequences came in
        set_(self, "impact_labels", tuple(self.impact_labels))
        set_(self, "urgency_labels", tuple(self.urgency_labels))
        set_(self, "priority_labels", priorities)
        set_(self, "cells", tuple(tuple(r) for r in self.cells))

    @property
    def impacts(self) -> int:
        return len(self.impact_labels)

    @property
    def urgencies(self) -> int:
        return len(self.urgency_labels)

    @property
    def priorities(self) -> int:
        return len(self.priority_labels)

    def priority(self, impact: int, urgency: int) -> int:
        impact = _level(impact, self.impacts, "impact")
        urgency = _level(urgency, self.urgencies, "urgency")
        return self.cells[impact - 1][urgency - 1]

    def priority_label(self, priority: int) -> str:
        """'1 - Critical' style label (just the number for a level this matrix lacks)."""
        if not _whole(priority) or not 1 <= priority <= self.priorities:
            return f"{priority}"
        return f"{priority} - {self.priority_labels[priority - 1]}"

    def priority_levels(self) -> tuple[tuple[int, str], ...]:
        """Every priority the matrix defines, most urgent first: ((1, '1 - Critical'), ...)."""
        return tuple((p, self.priority_label(p)) for p in range(1, self.priorities + 1))

    def impact_label(self, impact: int) -> str:
        return f"{impact} - {self.impact_labels[_level(impact, self.impacts, 'impact') - 1]}"

    def urgency_label(self, urgency: int) -> str:
        return f"{urgency} - {self.urgency_labels[_level(urgency, self.urgencies, 'urgency') - 1]}"

    def impact_levels(self) -> tuple[tuple[int, str], ...]:
        """((1, '1 - High'), ...): what an impact picker lists."""
        return tuple((n, self.impact_label(n)) for n in range(1, self.impacts + 1))

    def urgency_levels(self) -> tuple[tuple[int, str], ...]:
        return tuple((n, self.urgency_label(n)) for n in range(1, self.urgencies + 1))

    def with_cell(self, impact: int, urgency: int, priority: int) -> PriorityMatrix:
        """A new (unsaved) matrix with one cell changed and the next version number.

        A level outside the matrix (0, a negative index, a float, a bool) is refused, never
        read Python's way (-1 would be the last row)."""
        impact = _level(impact, self.impacts, "impact")
        urgency = _level(urgency, self.urgencies, "urgency")
        _check_cell(impact, urgency, priority, self.priorities)
        rows = [list(r) for r in self.cells]
        rows[impact - 1][urgency - 1] = priority
        return PriorityMatrix(
            self.impact_labels,
            self.urgency_labels,
            self.priority_labels,
            tuple(tuple(r) for r in rows),
            version=self.version + 1,
        )

    def changed_cells(self, other: PriorityMatrix) -> list[tuple[int, int, int, int]]:
        """(impact, urgency, old priority, new priority) for cells that differ."""
        out = []
        for i in range(1, min(self.impacts, other.impacts) + 1):
            for u in range(1, min(self.urgencies, other.urgencies) + 1):
                a, b = self.priority(i, u), other.priority(i, u)
                if a != b:
                    out.append((i, u, a, b))
        return out


def _check_cell(impact: int, urgency: int, priority: object, priorities: int) -> None:
    if not _whole(priority):
        raise ValidationError(
            f"Cell impact {impact} x urgency {urgency} holds {priority!r}: "
            f"a priority is a whole number 1 to {priorities}",
            field="cells",
        )
    assert isinstance(priority, int)
    if not 1 <= priority <= priorities:
        raise ValidationError(
            f"Cell impact {impact} x urgency {urgency} holds priority {priority}, "
            f"outside 1..{priorities}",
            field="cells",
        )


def _matrix(
    impact: Sequence[str], urgency: Sequence[str], priority: Sequence[str], cells: Sequence[Sequence[int]]
) -> PriorityMatrix:
    return PriorityMatrix(
        tuple(impact), tuple(urgency), tuple(priority), tuple(tuple(r) for r in cells)
    )


def default_matrix() -> PriorityMatrix:
    """ServiceNow's base system 3x3 matrix."""
    return _matrix(
        ("High", "Medium", "Low"),
        ("High", "Medium", "Low"),
        ("Critical", "High", "Moderate", "Low", "Planning"),
        ((1, 2, 3), (2, 3, 4), (3, 4, 5)),
    )


def glpi_matrix() -> PriorityMatrix:
    """GLPI's default 5x5 (1 = very high in our orientation).

    GLPI lists rows by urgency and columns by impact with 1 = very low; we store
    impact-major with 1 = highest, so the table is mirrored and transposed.
    """
    glpi = ((1, 1, 2, 2, 2), (1, 2, 2, 3, 3), (2, 2, 3, 4, 4), (2, 3, 4, 4, 5), (2, 3, 4, 5, 5))
    # glpi[u][i]: urgency u (1 = very low), impact i (1 = very low) -> GLPI priority (1 = very low)
    cells = tuple(
        tuple(6 - glpi[5 - u][5 - i] for u in range(1, 6)) for i in range(1, 6)
    )
    levels = ("Very high", "High", "Medium", "Low", "Very low")
    return _matrix(levels, levels, ("Very high", "High", "Medium", "Low", "Very low"), cells)
