"""What comes in from outside the desk (a request body, a mail, a file), read the same way at
every door.

`loads` reads JSON as `json.loads` does, and JSON nested deeper than the reader goes (Python's
reader raises RecursionError) is one more `json.JSONDecodeError`, with the place where it got
too deep, so every door that already says "not JSON at line L, column C" says it for that too.

`text` drops the NUL characters a text may carry (a broken export, a hand-made alert): both
engines store the same text then, where PostgreSQL would refuse the row."""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 500  # Python's reader stops near its recursion limit (1,000): always deeper than this


def loads(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError(
            f"lists and objects nested more than {MAX_DEPTH} levels deep", text, too_deep_at(text)
        ) from None


def too_deep_at(text: str) -> int:
    """The index of the first '[' or '{' more than MAX_DEPTH levels deep (0 if none)."""
    depth = 0
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return i
        elif ch in "]}":
            depth -= 1
    return 0


def text(value: str) -> str:
    """`value` without NUL characters (PostgreSQL's text cannot hold them)."""
    return value.replace("\x00", "") if "\x00" in value else value


def scrubbed(value: Any) -> Any:
    """A JSON value with `text` applied to every string in it (keys too)."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, list):
        return [scrubbed(v) for v in value]
    if isinstance(value, dict):
        return {text(str(k)): scrubbed(v) for k, v in value.items()}
    return value
