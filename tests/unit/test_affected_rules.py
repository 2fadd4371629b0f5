"""The rules of an incident's list of services and CIs: one primary, each once, at most 20."""

from __future__ import annotations

import pytest

from app.domain.affected import (
    MAX_AFFECTED,
    AffectedItem,
    OnService,
    affected_list,
    with_primary,
    without,
)
from app.domain.errors import ValidationError


def test_the_primary_is_never_among_the_others_and_each_is_listed_once() -> None:
    assert affected_list(3, [5, 3, 5, 7]) == (3, [5, 7])


def test_with_no_primary_the_first_of_the_others_is_it() -> None:
    assert affected_list(None, [4, 2]) == (4, [2])
    assert affected_list(None, []) == (None, [])


def test_more_than_the_most_is_refused_with_the_numbers() -> None:
    with pytest.raises(ValidationError, match=f"at most {MAX_AFFECTED} services and CIs.*21"):
        affected_list(1, list(range(2, 22)))
    assert affected_list(1, list(range(2, 21)))[1] == list(range(2, 21))


def test_taking_off_the_primary_promotes_the_first_other() -> None:
    assert without(1, [2, 3], 1) == (2, [3])
    assert without(1, [2, 3], 3) == (1, [2])
    assert without(1, [], 1) == (None, [])


def test_a_new_primary_keeps_the_old_one_listed_first() -> None:
    assert with_primary(1, [2, 3], 3) == (3, [1, 2])
    assert with_primary(None, [2], 2) == (2, [])
    assert with_primary(1, [2], 1) == (1, [2])


def test_the_summary_names_the_count_and_the_service() -> None:
    item = AffectedItem(1, "Remote access HQ", "service", True)
    assert OnService(item, 3, ()).summary == "3 other open incidents on Remote access HQ"
    assert OnService(item, 1, ()).summary == "1 other open incident on Remote access HQ"
    assert OnService(item, 0, ()).summary == "No other open incident on Remote access HQ"
