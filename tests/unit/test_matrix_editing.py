"""The matrix editor's rules without Qt: presets, resizing 3..5, renaming a level, JSON both ways
with its refusals in words."""

from __future__ import annotations

import json

import pytest

from app.domain.errors import ValidationError
from app.domain.matrix import (
    PRESETS,
    default_matrix,
    glpi_matrix,
    itil_matrix,
    matrix_from_json,
    matrix_to_json,
    relabelled,
    resized,
    same_grid,
)


def test_the_presets_in_order_servicenow_first() -> None:
    names = [name for name, _make in PRESETS]
    assert names == ["ServiceNow 3x3 (default)", "GLPI 5x5", "ITIL 3x3"]
    assert same_grid(PRESETS[0][1](), default_matrix())
    assert (glpi_matrix().impacts, glpi_matrix().urgencies) == (5, 5)
    assert (
        itil_matrix().priority_labels[2] == "Medium"
        and default_matrix().priority_labels[2] == "Moderate"
    )


def test_adding_levels_fills_one_priority_less_urgent_and_removing_takes_the_last() -> None:
    m = resized(default_matrix(), 4, 3)
    assert m.impact_labels == ("High", "Medium", "Low", "Level 4")
    assert m.cells[3] == (4, 5, 5)
    m = resized(m, 4, 4)
    assert [r[3] for r in m.cells] == [4, 5, 5, 5]
    back = resized(m, 3, 3)
    assert same_grid(back, default_matrix())


@pytest.mark.parametrize(("impacts", "urgencies"), [(2, 3), (3, 6), (0, 3)])
def test_a_size_outside_three_to_five_is_refused(impacts: int, urgencies: int) -> None:
    with pytest.raises(ValidationError, match=r"needs 3 to 5 (impact|urgency) levels"):
        resized(default_matrix(), impacts, urgencies)


def test_renaming_a_level_and_refusing_an_empty_name() -> None:
    m = relabelled(default_matrix(), "urgency", 1, "  Right   now ")
    assert m.urgency_labels[0] == "Right now"
    assert relabelled(m, "priority", 5, "Backlog").priority_labels[4] == "Backlog"
    with pytest.raises(ValidationError, match="Impact level 2 needs a name"):
        relabelled(m, "impact", 2, "   ")


def test_json_round_trip_and_the_version_is_informative() -> None:
    text = json.dumps(matrix_to_json(glpi_matrix()))
    data = json.loads(text)
    assert list(data) == ["version", "impact", "urgency", "priorities", "cells"]
    assert same_grid(matrix_from_json(data), glpi_matrix())
    del data["version"]
    assert same_grid(matrix_from_json(data), glpi_matrix())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            [1, 2],
            "A matrix is a JSON object with keys impact, urgency, priorities, cells; got list",
        ),
        ({"impact": ["a", "b", "c"]}, "The matrix has no 'urgency', 'priorities', 'cells'"),
        (
            {**matrix_to_json(default_matrix()), "colour": "red"},
            "Unknown key 'colour' in the matrix",
        ),
        (
            {**matrix_to_json(default_matrix()), "cells": [[1, 2, 3], [2, 3, 4], [3, 4, 9]]},
            "Cell impact 3 x urgency 3 holds priority 9, outside 1..5",
        ),
        (
            {**matrix_to_json(default_matrix()), "cells": [[1, 2, 3], [2, 3, 4]]},
            "The matrix has 2 rows for 3 impact levels",
        ),
    ],
)
def test_bad_json_is_refused_naming_what(data: object, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        matrix_from_json(data)
    assert str(err.value).startswith(message)
