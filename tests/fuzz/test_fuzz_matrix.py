"""Matrix files, generated: `matrix preview FILE` and the JSON matrix reader it shares with
the editor's import take valid-ish and broken JSON, in any encoding, and either read a matrix
or refuse with a message that names the file and what is wrong in it; never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from app import cli
from app.cli_admin import read_matrix
from app.domain.errors import ValidationError
from app.domain.matrix import PriorityMatrix
from app.services.context import Desk
from tests.fuzz.conftest import cases
from tests.fuzz.strategies import (
    DEEP_JSON,
    ENCODINGS,
    NASTY,
    encoded,
    json_text,
    json_values,
    mangled,
    mostly,
    one_in,
)

LABELS = mostly(
    st.lists(
        st.sampled_from(["High", "Medium", "Low", "Very high", "Planning"]), min_size=3, max_size=5
    ),
    st.lists(st.one_of(st.sampled_from(["High", " ", ""]), NASTY), max_size=7),
)
CELL = mostly(
    st.integers(1, 3),
    st.one_of(st.integers(-2, 11), st.floats(), st.booleans(), st.none(), st.sampled_from(["1"])),
)
ROWS = st.lists(st.one_of(st.lists(CELL, max_size=7), CELL, NASTY), max_size=7)


@st.composite
def matrix_documents(draw: st.DrawFn) -> Any:
    """Mostly something shaped like a matrix (keys, labels, rows), now and then any JSON."""
    if one_in(draw, 10):
        return draw(json_values())
    doc: dict[str, Any] = {}
    for key, values in (
        ("impact", LABELS),
        ("urgency", LABELS),
        ("priorities", LABELS),
        ("cells", ROWS),
        ("version", json_values()),
    ):
        if not one_in(draw, 20):  # a key missing now and then
            doc[key] = draw(values if not one_in(draw, 20) else json_values())
    if one_in(draw, 8):
        doc[draw(NASTY)] = draw(json_values())
    if draw(mostly(st.just(True), st.just(False))):  # a grid of the labels' sizes
        impacts = len(doc.get("impact") or []) if isinstance(doc.get("impact"), list) else 3
        urgencies = len(doc.get("urgency") or []) if isinstance(doc.get("urgency"), list) else 3
        doc["cells"] = draw(
            st.lists(
                st.lists(CELL, min_size=urgencies, max_size=urgencies),
                min_size=impacts,
                max_size=impacts,
            )
        )
    return doc


@st.composite
def matrix_files(draw: st.DrawFn) -> bytes:
    text = draw(mangled(json_text(draw(matrix_documents()))))
    return encoded(text, draw(mostly(st.just("utf-8"), ENCODINGS)))


def read_or_refuse(path: Path) -> PriorityMatrix | ValidationError:
    try:
        matrix = read_matrix(str(path))
    except ValidationError as exc:
        event("refused: " + ("not JSON" if "not JSON" in str(exc) else f"field {exc.field}"))
        assert str(exc).startswith(str(path)) or f" {path}" in str(exc), exc
        assert len(str(exc)) > len(str(path)) + 5, exc  # says more than the file's name
        return exc
    event("read a matrix")
    return matrix


@cases(ci=100, long=3000)
@given(data=matrix_files())
@example(
    data=b'{"impact": ["a", "b", "c"], "urgency": ["a", "b", "c"], "priorities": ["p"], "cells": [[1, 1, 1], [1, 1, 1], [1, 1, 1]]}'
)
@example(data='{"impact": ["Élevé"]}'.encode("latin-1"))  # not UTF-8
@example(data=DEEP_JSON.encode())  # deeper than the JSON reader goes
@example(data="\ufeff{}".encode())  # a byte-order mark, as Windows editors write
def test_a_matrix_file_is_read_or_refused_naming_the_file(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("matrix") / "matrix.json"
    path.write_bytes(data)
    read_or_refuse(path)


@cases(ci=10, long=300)
@given(data=matrix_files())
@example(data='{"impact": ["Élevé"]}'.encode("latin-1"))
@example(data=DEEP_JSON.encode())
def test_matrix_preview_answers_or_says_what_is_wrong(
    desk: Desk,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    data: bytes,
) -> None:
    path = tmp_path_factory.mktemp("matrix") / "matrix.json"
    path.write_bytes(data)
    url = desk.engine.url.render_as_string(hide_password=False)
    code = cli.main(["--db", url, "matrix", "preview", str(path), "--json"])
    out, err = capsys.readouterr()
    read = read_or_refuse(path)
    if isinstance(read, ValidationError):
        assert code == 2, (out, err)
        [line] = err.splitlines()
        assert line.startswith("incidentdesk: error: ") and str(path) in line, err
    else:
        assert code == 0, err
        assert '"count"' in out
