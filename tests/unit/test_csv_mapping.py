"""The generic CSV import's mapping: guessed from header names, checked, read from JSON."""

from __future__ import annotations

import json

import pytest

from app.domain.csv_import import CsvMapping, guess_mapping, parse_mapping
from app.domain.errors import ValidationError


def test_the_guess_reads_usual_header_names() -> None:
    header = [
        "Ticket #",
        "Short description",
        "Description",
        "Caller",
        "Assignment group",
        "Priority",
        "Impact",
        "Urgency",
        "Status",
        "Created",
        "Resolved",
        "Closed at",
        "Contact type",
        "Notes",
    ]
    columns = guess_mapping(header).columns
    assert columns == {
        "Ticket #": "number",
        "Short description": "title",
        "Description": "description",
        "Caller": "caller",
        "Assignment group": "group",
        "Impact": "impact",
        "Urgency": "urgency",
        "Status": "state",
        "Created": "opened_at",
        "Resolved": "resolved_at",
        "Closed at": "closed_at",
        "Contact type": "channel",
    }
    guess_mapping(header).check(header)  # number and title found: usable as it is


def test_each_column_and_field_is_guessed_once() -> None:
    columns = guess_mapping(["id", "number", "summary", "title"]).columns
    assert sorted(columns.values()) == ["number", "title"]
    assert guess_mapping(["colour", "size"]).columns == {}


def test_a_mapping_is_checked_and_read_from_json() -> None:
    m = parse_mapping('{"source": "jira", "columns": {"Key": "number", "Summary": "title"}}')
    assert (m.source, m.column_of("title"), m.column_of("group")) == ("jira", "Summary", None)
    assert parse_mapping(json.dumps(m.to_json())) == m
    with pytest.raises(ValidationError, match="Both 'A' and 'B' are mapped to title"):
        CsvMapping({"N": "number", "A": "title", "B": "title"}).check()
    with pytest.raises(ValidationError, match="source is a name of 1 to 30 characters"):
        CsvMapping({"N": "number", "A": "title"}, source="x" * 31).check()
