"""The priority matrix refuses what Python would quietly accept: negative indices, floats and
booleans as levels or priorities; each refusal names the cell (or level) and the bad value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import ValidationError
from app.domain.matrix import PriorityMatrix, default_matrix, glpi_matrix

LEVELS = ("High", "Medium", "Low")
PRIORITIES = ("Critical", "High", "Moderate", "Low", "Planning")


def _with(cell: object) -> PriorityMatrix:
    return PriorityMatrix(LEVELS, LEVELS, PRIORITIES, ((1, 2, 3), (2, cell, 4), (3, 4, 5)))  # type: ignore[arg-type]


@pytest.mark.parametrize("impact", [-1, 0, 4])
def test_with_cell_refuses_an_impact_outside_the_matrix(impact: int) -> None:
    m = default_matrix()
    with pytest.raises(ValidationError, match=f"Impact must be 1 to 3, got {impact}") as err:
        m.with_cell(impact, 1, 1)
    assert err.value.field == "impact"
    assert m.cells == default_matrix().cells  # nothing edited


def test_with_cell_minus_one_never_edits_the_last_row() -> None:
    m = default_matrix()
    with pytest.raises(ValidationError, match="Urgency must be 1 to 3, got -1"):
        m.with_cell(3, -1, 1)
    assert m.priority(3, 3) == 5


@pytest.mark.parametrize("bad", [2.0, 2.5, True, False, "2", None])
def test_with_cell_refuses_a_priority_that_is_not_a_whole_number(bad: object) -> None:
    with pytest.raises(ValidationError) as err:
        default_matrix().with_cell(2, 2, bad)  # type: ignore[arg-type]
    text = str(err.value)
    assert "impact 2 x urgency 2" in text and repr(bad) in text
    assert err.value.field == "cells"


@pytest.mark.parametrize("bad", [3.0, True, "3"])
def test_a_matrix_with_a_float_or_bool_cell_is_refused(bad: object) -> None:
    with pytest.raises(ValidationError, match=rf"Cell impact 2 x urgency 2 holds {bad!r}: a priority is a whole number 1 to 5"):
        _with(bad)


@pytest.mark.parametrize("bad", [1.0, True, -1, 0])
def test_priority_refuses_levels_that_are_not_whole_numbers_in_range(bad: object) -> None:
    m = default_matrix()
    with pytest.raises(ValidationError, match="Impact must be"):
        m.priority(bad, 1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Urgency must be"):
        m.priority(1, bad)  # type: ignore[arg-type]


def test_a_level_needs_a_name() -> None:
    with pytest.raises(ValidationError, match="Urgency level 2 needs a name"):
        PriorityMatrix(LEVELS, ("High", " ", "Low"), PRIORITIES, ((1, 2, 3),) * 3)


def test_levels_list_what_a_picker_shows() -> None:
    m = glpi_matrix()
    assert m.priority_levels()[0] == (1, "1 - Very high")
    assert [p for p, _label in m.priority_levels()] == [1, 2, 3, 4, 5]
    assert default_matrix().impact_levels() == ((1, "1 - High"), (2, "2 - Medium"), (3, "3 - Low"))


@st.composite
def _matrices(draw: st.DrawFn) -> PriorityMatrix:
    impacts = draw(st.integers(3, 5))
    urgencies = draw(st.integers(3, 5))
    priorities = draw(st.integers(1, 9))
    cells = draw(
        st.lists(
            st.lists(st.integers(1, priorities), min_size=urgencies, max_size=urgencies),
            min_size=impacts,
            max_size=impacts,
        )
    )
    return PriorityMatrix(
        tuple(f"i{n}" for n in range(impacts)),
        tuple(f"u{n}" for n in range(urgencies)),
        tuple(f"p{n}" for n in range(priorities)),
        tuple(tuple(r) for r in cells),
    )


@given(
    m=_matrices(),
    impact=st.integers(-8, 8),
    urgency=st.integers(-8, 8),
    priority=st.one_of(st.integers(-3, 12), st.floats(allow_nan=False), st.booleans()),
)
def test_with_cell_changes_exactly_that_cell_or_refuses(
    m: PriorityMatrix, impact: int, urgency: int, priority: object
) -> None:
    valid = (
        1 <= impact <= m.impacts
        and 1 <= urgency <= m.urgencies
        and type(priority) is int
        and 1 <= priority <= m.priorities
    )
    if not valid:
        with pytest.raises(ValidationError):
            m.with_cell(impact, urgency, priority)  # type: ignore[arg-type]
        return
    edited = m.with_cell(impact, urgency, priority)  # type: ignore[arg-type]
    assert edited.priority(impact, urgency) == priority
    changed = m.changed_cells(edited)
    assert all((i, u) == (impact, urgency) for i, u, _a, _b in changed)
    assert len(changed) == (0 if m.priority(impact, urgency) == priority else 1)
