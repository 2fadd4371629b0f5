"""Strategies the fuzz targets share: JSON values, nasty text, and bytes in odd encodings."""

from __future__ import annotations

import codecs
import json
from typing import Any

from hypothesis import strategies as st

# text as people and machines send it: words, full-text syntax, quotes, control characters,
# NUL, right-to-left marks, lone surrogates left out (no file or socket carries them as text)
WORDS = st.sampled_from(
    [
        "printer",
        "vpn",
        "mail",
        "outlook",
        "disk",
        "full",
        "db1",
        "INC0000001",
        "the",
        "and",
        "OR",
        "NOT",
        "AND",
        "NEAR",
        "near",
        "Straße",
        "café",
        "日本語",
        "İstanbul",
        "ǅ",
        "²",
        "٣",
        "x" * 61,
        "e-42",
        "a_b",
        "über",
        "Ⅻ",
        "ﬁle",
    ]
)
SYNTAX = st.sampled_from(
    [
        '"',
        "'",
        "*",
        "NEAR(",
        "NEAR/3",
        ")",
        "(",
        " OR ",
        "&",
        "!",
        ":*",
        "|",
        "-",
        "+",
        "^",
        ":",
        "\\",
        "<->",
        "{",
        "}",
        "[",
        "]",
        ",",
        ";",
        "\x00",
        "\n",
        "\t",
        "\u200f",
        "\ufeff",
        "%",
        "_",
        "$1",
        "?",
        "--",
        "/*",
        "'; DROP TABLE incidents; --",
    ]
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
NASTY = st.lists(st.one_of(WORDS, SYNTAX, TEXT), max_size=12).map("".join)


def json_values(leaves: st.SearchStrategy[Any] | None = None) -> st.SearchStrategy[Any]:
    """Any JSON value (NaN and infinities too: Python writes and reads them)."""
    leaf = leaves or st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(),
        NASTY,
    )
    return st.recursive(
        leaf,
        lambda kids: st.one_of(
            st.lists(kids, max_size=5), st.dictionaries(st.one_of(NASTY, WORDS), kids, max_size=5)
        ),
        max_leaves=25,
    )


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252", "utf-32"])


def encoded(text: str, encoding: str) -> bytes:
    """`text` in `encoding`, what cannot be written there replaced."""
    return codecs.encode(text, encoding, "replace")


@st.composite
def mangled(draw: st.DrawFn, text: str) -> str:
    """`text`, or `text` cut short, or with a few characters put in or taken out."""
    how = draw(st.sampled_from(["as is"] * 5 + ["cut", "insert", "drop"]))
    if how == "as is" or not text:
        return text
    at = draw(st.integers(0, len(text)))
    if how == "cut":
        return text[:at]
    if how == "insert":
        return text[:at] + draw(st.one_of(SYNTAX, TEXT)) + text[at:]
    return text[:at] + text[at + draw(st.integers(1, 3)) :]


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# nested deeper than Python's JSON reader goes (it raises RecursionError, not a JSON error)
DEEP_JSON = "[" * 100_000 + "]" * 100_000


def one_in(draw: st.DrawFn, n: int) -> bool:
    """True about once in `n` draws. The rare side is the largest value: hypothesis starts its
    search from (and shrinks towards) the smallest, which is then the common case."""
    return bool(draw(st.integers(0, n - 1)) == n - 1)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`good` four times in five, else `bad`: most cases get past the first check."""
    return st.integers(0, 4).flatmap(lambda n: bad if n == 4 else good)
