"""Text and JSON from outside the desk: too deep JSON is a JSON error with its place, NUL
characters are dropped."""

from __future__ import annotations

import json

import pytest

from app.domain import inbound


def test_json_nested_too_deep_is_a_json_error_at_the_place_it_got_too_deep() -> None:
    text = '{"a": "[[[[", "b":\n' + "[" * 5000 + "]" * 5000 + "}"
    with pytest.raises(json.JSONDecodeError) as caught:
        inbound.loads(text)
    assert caught.value.msg == "lists and objects nested more than 500 levels deep"
    # the brackets inside the string do not count; the object is the first level
    assert (caught.value.lineno, caught.value.colno) == (2, 500)


def test_json_as_deep_as_the_reader_goes_is_read() -> None:
    assert inbound.loads("[" * 400 + "]" * 400) is not None


def test_nul_characters_are_dropped_everywhere_in_a_json_value() -> None:
    assert inbound.scrubbed({"t\x00": ["a\x00b", 1, None, {"k": "\x00"}]}) == {
        "t": ["ab", 1, None, {"k": ""}]
    }
    assert inbound.text("plain") == "plain"
