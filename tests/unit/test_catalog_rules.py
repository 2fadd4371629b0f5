"""The catalog's rules without Qt or a database: where an incident starts (given levels, else
the category's defaults, else level 3, within the matrix), category paths and what is under a
category, and the checks on a default level, a support line and a kind."""

from __future__ import annotations

import pytest

from app.domain.catalog import (
    check_kind,
    check_level,
    check_line,
    descendants,
    paths,
    starting_levels,
)
from app.domain.errors import ValidationError


@pytest.mark.parametrize(
    ("given", "defaults", "size", "expected"),
    [
        ((None, None), (None, None), (3, 3), (3, 3)),  # nothing said: level 3
        ((None, None), (2, 1), (3, 3), (2, 1)),  # the category's
        ((1, None), (2, 2), (3, 3), (1, 2)),  # the agent's wins, field by field
        ((None, None), (5, 4), (3, 3), (3, 3)),  # a default beyond a smaller matrix: its lowest
        ((None, None), (None, None), (5, 5), (3, 3)),
        ((None, None), (None, 1), (2, 2), (2, 1)),  # level 3 does not exist in a 2-level matrix
    ],
)
def test_starting_levels(
    given: tuple[int | None, int | None],
    defaults: tuple[int | None, int | None],
    size: tuple[int, int],
    expected: tuple[int, int],
) -> None:
    assert starting_levels(*given, *defaults, *size) == expected


def test_paths_and_what_is_under_a_category() -> None:
    rows = [(1, "Software", None), (2, "Email", 1), (3, "Outlook", 2), (4, "Network", None)]
    assert paths(rows) == {
        1: "Software",
        2: "Software > Email",
        3: "Software > Email > Outlook",
        4: "Network",
    }
    assert paths([(1, "A", 2), (2, "B", 1)]) == {1: "B > A", 2: "A > B"}  # a loop stops
    assert descendants([(i, p) for i, _n, p in rows], 1) == {2, 3}
    assert descendants([(i, p) for i, _n, p in rows], 4) == set()


def test_the_checks_name_what_is_wrong() -> None:
    assert check_level(None, 3, "impact") is None and check_level(2, 3, "impact") == 2
    with pytest.raises(ValidationError) as err:
        check_level(4, 3, "urgency")
    assert str(err.value) == (
        "The default urgency must be a level of the priority matrix, 1 to 3; got 4"
    )
    assert err.value.field == "default_urgency"
    with pytest.raises(ValidationError, match="Support line must be 1, 2 or 3, got 0"):
        check_line(0)
    with pytest.raises(ValidationError, match="Fax: the kind is 'service' or 'ci', not 'box'"):
        check_kind("box", "Fax")
