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


def test_times_outside_the_years_the_desk_keeps_are_problems_by_line() -> None:
    from datetime import UTC

    from app.domain.csv_import import read_csv
    from app.domain.imports import read_bpi2013, read_servicenow

    sn = read_servicenow(
        "number,incident_state,sys_updated_at,opened_at,impact,urgency,resolved_at\n"
        "INC1,New,02/03/0001 09:15,02/03/2026 09:15,1,1,\n"
        "INC2,New,02/03/2026 09:15,31/12/9999 23:59,1,1,\n"
        "INC3,Resolved,02/03/2026 09:15,02/03/2026 09:15,1,1,01/01/1899 00:00\n",
        UTC,
    )
    assert [(p.line, p.reason) for p in sn.problems] == [
        (
            2,
            "INC1: sys_updated_at '02/03/0001 09:15' is outside the years 1900 to 2999; row skipped",
        ),
        (
            3,
            "INC2: opened_at '31/12/9999 23:59' is outside the years 1900 to 2999; incident skipped",
        ),
        (4, "INC3: resolved_at '01/01/1899 00:00' is outside the years 1900 to 2999; left empty"),
    ]
    bpi = read_bpi2013(
        "SR Number,Change Date+Time,Status,Sub Status,Involved ST,ST Level\n"
        "1-1,9999-12-31T23:59:00-01:00,Accepted,In Progress,G1,L1\n"
    )
    assert [p.reason for p in bpi.problems] == [
        "1-1: Change Date+Time '9999-12-31T23:59:00-01:00' is outside the years 1900 to 2999; "
        "row skipped"
    ]
    csv = read_csv(
        "id,title,opened\nT-1,Printer,0001-01-01T00:00:00+01:00\n",
        CsvMapping({"id": "number", "title": "title", "opened": "opened_at"}),
        UTC,
    )
    assert csv.problems[0].reason == (
        "T-1: opened_at '0001-01-01T00:00:00+01:00' is outside the years 1900 to 2999; left empty"
    )


def test_a_field_longer_than_the_csv_modules_limit_is_read() -> None:
    from datetime import UTC

    from app.domain.imports import read_servicenow

    long = "x" * 200_000  # the csv module refuses fields over 131,072 characters by default
    log = read_servicenow(
        "number,incident_state,sys_updated_at,opened_at,impact,urgency,location\n"
        f"INC1,New,02/03/2026 09:15,02/03/2026 09:15,1,1,{long}\n",
        UTC,
    )
    assert [i.external_id for i in log.incidents] == ["INC1"] and not log.problems
    assert log.incidents[0].description.endswith(f"location {long}")
