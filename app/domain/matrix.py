"""The priority matrix: impact x urgency -> priority.

Any size from 3x3 to 5x5 with labelled levels. Matrices are versioned: an incident
records the version that gave it its priority and keeps it until recomputed on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
        raise ValidationError(
            f"The {what} levels must be a list of names, got {labels!r}", field=what
        )
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
            raise ValidationError(
                f"The matrix cells must be rows of priorities, got {self.cells!r}", field="cells"
            )
        if len(self.cells) != len(self.impact_labels):
            raise ValidationError(
                f"The matrix has {len(self.cells)} rows for {len(self.impact_labels)} impact levels",
                field="cells",
            )
        for i, row in enumerate(self.cells, start=1):
            if isinstance(row, str) or not isinstance(row, tuple | list):
                raise ValidationError(
                    f"Impact row {i} must be a row of priorities, got {row!r}", field="cells"
                )
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
    impact: Sequence[str],
    urgency: Sequence[str],
    priority: Sequence[str],
    cells: Sequence[Sequence[int]],
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
    cells = tuple(tuple(6 - glpi[5 - u][5 - i] for u in range(1, 6)) for i in range(1, 6))
    levels = ("Very high", "High", "Medium", "Low", "Very low")
    return _matrix(levels, levels, ("Very high", "High", "Medium", "Low", "Very low"), cells)


def itil_matrix() -> PriorityMatrix:
    """ITIL's example (Service Operation, the priority coding table): 3x3, priority codes
    1 Critical to 5 Planning. The same cells as ServiceNow's; ITIL calls level 3 "Medium"."""
    return _matrix(
        ("High", "Medium", "Low"),
        ("High", "Medium", "Low"),
        ("Critical", "High", "Medium", "Low", "Planning"),
        ((1, 2, 3), (2, 3, 4), (3, 4, 5)),
    )


# What the editor's Presets menu offers, in its order; the first is the desk's default.
PRESETS: tuple[tuple[str, Callable[[], PriorityMatrix]], ...] = (
    ("ServiceNow 3x3 (default)", default_matrix),
    ("GLPI 5x5", glpi_matrix),
    ("ITIL 3x3", itil_matrix),
)


def same_grid(a: PriorityMatrix, b: PriorityMatrix) -> bool:
    """Whether two matrices say the same (labels and cells), whatever their version numbers."""
    return (a.impact_labels, a.urgency_labels, a.priority_labels, a.cells) == (
        b.impact_labels,
        b.urgency_labels,
        b.priority_labels,
        b.cells,
    )


def resized(matrix: PriorityMatrix, impacts: int, urgencies: int) -> PriorityMatrix:
    """The matrix with `impacts` rows and `urgencies` columns (each 3..5): a removed level
    goes from the end (the least severe); an added one is named "Level N" and its cells are
    one priority less urgent than the level before it (at most the least urgent priority)."""
    for what, n in (("impact", impacts), ("urgency", urgencies)):
        if not _whole(n) or not MIN_SIZE <= n <= MAX_SIZE:
            raise ValidationError(
                f"The matrix needs {MIN_SIZE} to {MAX_SIZE} {what} levels, got {n!r}", field=what
            )
    rows = [list(r) for r in matrix.cells]
    worst = matrix.priorities
    impact_labels = list(matrix.impact_labels[:impacts])
    urgency_labels = list(matrix.urgency_labels[:urgencies])
    rows = [r[:urgencies] for r in rows[:impacts]]
    while len(urgency_labels) < urgencies:
        urgency_labels.append(f"Level {len(urgency_labels) + 1}")
        for r in rows:
            r.append(min(r[-1] + 1, worst))
    while len(impact_labels) < impacts:
        impact_labels.append(f"Level {len(impact_labels) + 1}")
        rows.append([min(p + 1, worst) for p in rows[-1]])
    return PriorityMatrix(
        tuple(impact_labels),
        tuple(urgency_labels),
        matrix.priority_labels,
        tuple(tuple(r) for r in rows),
        version=matrix.version,
    )


def relabelled(matrix: PriorityMatrix, what: str, level: int, label: str) -> PriorityMatrix:
    """The matrix with one level of `what` ("impact", "urgency" or "priority") renamed."""
    label = " ".join(label.split())
    attr = {"impact": "impact_labels", "urgency": "urgency_labels", "priority": "priority_labels"}
    if what not in attr:
        raise ValidationError(f"No {what!r} levels in a matrix", field=what)
    labels = list(getattr(matrix, attr[what]))
    level = _level(level, len(labels), what)
    labels[level - 1] = label
    names = {
        "impact_labels": matrix.impact_labels,
        "urgency_labels": matrix.urgency_labels,
        "priority_labels": matrix.priority_labels,
    }
    names[attr[what]] = tuple(labels)
    return PriorityMatrix(
        names["impact_labels"],
        names["urgency_labels"],
        names["priority_labels"],
        matrix.cells,
        version=matrix.version,
    )


def matrix_to_json(matrix: PriorityMatrix) -> dict[str, object]:
    """The matrix as `incidentdesk matrix show --json` prints it and the editor exports it:
    {"version": 3, "impact": [...], "urgency": [...], "priorities": [...], "cells": [[...]]}
    (cells[impact-1][urgency-1], 1 = most urgent). `version` is informative: reading ignores it."""
    return {
        "version": matrix.version,
        "impact": list(matrix.impact_labels),
        "urgency": list(matrix.urgency_labels),
        "priorities": list(matrix.priority_labels),
        "cells": [list(r) for r in matrix.cells],
    }


JSON_KEYS = ("impact", "urgency", "priorities", "cells")


def matrix_from_json(data: object) -> PriorityMatrix:
    """A matrix from the JSON `matrix_to_json` writes; a ValidationError that names the key
    (and the row or cell) otherwise."""
    if not isinstance(data, dict):
        raise ValidationError(
            f"A matrix is a JSON object with keys {', '.join(JSON_KEYS)}; got {type(data).__name__}",
            field="matrix",
        )
    missing = [k for k in JSON_KEYS if k not in data]
    if missing:
        raise ValidationError(
            f"The matrix has no {', '.join(repr(k) for k in missing)} "
            f"(expected keys: {', '.join(JSON_KEYS)})",
            field=missing[0],
        )
    unknown = sorted(set(data) - set(JSON_KEYS) - {"version"})
    if unknown:
        raise ValidationError(
            f"Unknown key {unknown[0]!r} in the matrix (expected keys: {', '.join(JSON_KEYS)})",
            field=unknown[0],
        )
    return PriorityMatrix(data["impact"], data["urgency"], data["priorities"], data["cells"])
