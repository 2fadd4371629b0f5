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
            if not MIN_SIZE <= len(labels) <= MAX_SIZE:
                raise ValidationError(
                    f"The matrix needs {MIN_SIZE} to {MAX_SIZE} {what} levels, got {len(labels)}",
                    field=what,
                )
        if not 1 <= len(self.priority_labels) <= 9:
            raise ValidationError("The matrix needs 1 to 9 priority levels", field="priority")
        if len(self.cells) != len(self.impact_labels):
            raise ValidationError(
                f"The matrix has {len(self.cells)} rows for {len(self.impact_labels)} impact levels",
                field="cells",
            )
        for i, row in enumerate(self.cells, start=1):
            if len(row) != len(self.urgency_labels):
                raise ValidationError(
                    f"Impact row {i} has {len(row)} cells for {len(self.urgency_labels)} urgency levels",
                    field="cells",
                )
            for u, p in enumerate(row, start=1):
                if not 1 <= p <= len(self.priority_labels):
                    raise ValidationError(
                        f"Cell impact {i} x urgency {u} holds priority {p}, "
                        f"outside 1..{len(self.priority_labels)}",
                        field="cells",
                    )

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
        if not 1 <= impact <= self.impacts:
            raise ValidationError(f"Impact must be 1 to {self.impacts}, got {impact}", field="impact")
        if not 1 <= urgency <= self.urgencies:
            raise ValidationError(
                f"Urgency must be 1 to {self.urgencies}, got {urgency}", field="urgency"
            )
        return self.cells[impact - 1][urgency - 1]

    def priority_label(self, priority: int) -> str:
        """'1 - Critical' style label."""
        if not 1 <= priority <= self.priorities:
            return f"{priority}"
        return f"{priority} - {self.priority_labels[priority - 1]}"

    def impact_label(self, impact: int) -> str:
        return f"{impact} - {self.impact_labels[impact - 1]}"

    def urgency_label(self, urgency: int) -> str:
        return f"{urgency} - {self.urgency_labels[urgency - 1]}"

    def with_cell(self, impact: int, urgency: int, priority: int) -> PriorityMatrix:
        """A new (unsaved) matrix with one cell changed and the next version number."""
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
