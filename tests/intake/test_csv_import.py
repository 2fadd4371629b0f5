"""`incidentdesk import csv FILE --mapping MAPPING.json` on SQLite and PostgreSQL: fields by the
mapping, history from one row or from an event log, problems by line in the report, the
mapping kept in the database for the next run, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import cli
from app.domain.csv_import import CsvMapping, read_csv
from app.domain.lifecycle import State
from app.domain.records import QueueFilter
from app.services import catalog, imports, queries
from app.services.context import Desk

TICKETS = """\
Ticket,Summary,Details,Reporter,Category,Sub,Team,Impact,Urgency,Status,Opened,Resolved,Closed,Via,Service
T-1,Printer jams on floor 3,Paper jam every morning,Jane Roe,Hardware,Printer,Service Desk,2,3,Closed,2026-01-05 09:10,2026-01-05 11:00,2026-01-07 09:00,e-mail,Printing
T-2,VPN drops,Every 10 minutes,John Doe,Network,,Network,1 - High,High,In Progress,2026-01-06T08:00:00+01:00,,,phone,Remote access
T-3,Mail slow,,Jane Roe,,,Service Desk,medium,low,Escalated,2026-01-06 10:00,,,phone,
T-4,Laptop screen broken,,Ann Lee,Hardware,,Service Desk,3,huge,Resolved,06/01/2026 12:30,07/01/2026 08:15,,carrier pigeon,
,No number here,,,,,,,,,2026-01-06 10:00,,,,
T-5,Disk full on db-07,,,,,Network,2,2,New,yesterday,,,,
"""
MAPPING = {
    "source": "oldtool",
    "columns": {
        "Ticket": "number",
        "Summary": "title",
        "Details": "description",
        "Reporter": "caller",
        "Category": "category",
        "Sub": "subcategory",
        "Team": "group",
        "Impact": "impact",
        "Urgency": "urgency",
        "Status": "state",
        "Opened": "opened_at",
        "Resolved": "resolved_at",
        "Closed": "closed_at",
        "Via": "channel",
        "Service": "service",
    },
}


def by_title(desk: Desk, title: str):  # type: ignore[no-untyped-def]
    hits = [h for h in queries.search(desk, title) if h.title == title]
    assert len(hits) == 1, title
    return queries.get_incident(desk, hits[0].number)


def test_the_command_imports_by_the_mapping_and_keeps_it(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = desk.actor("dev")
    catalog.add_service(desk, root, "Printing")
    path = tmp_path / "tickets.csv"
    path.write_text(TICKETS, "utf-8")
    mapping = tmp_path / "tickets.mapping.json"
    mapping.write_text(json.dumps(MAPPING), "utf-8")
    url = desk.engine.url.render_as_string(hide_password=False)
    argv = ["--db", url, "import", "csv", str(path), "--no-progress"]
    code = cli.main([*argv, "--mapping", str(mapping)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("6 rows, 3 incidents imported (0 already there), 7 problems found")
    assert out.rstrip().endswith("rows/s")
    report = path.with_name("tickets.csv.errors.csv").read_text("utf-8").splitlines()
    assert report == [
        "line,problem",
        "3,T-2: no service named 'Remote access'; left empty",
        "4,T-3: unknown state 'Escalated'; row skipped",
        "5,T-4: urgency 'huge' is not a level; left at the default",
        "5,T-4: unknown channel 'carrier pigeon'; phone kept",
        "6,no number: row skipped",
        "7,T-5: opened_at 'yesterday' is not a date and time; left empty",
        "7,T-5: no opened_at or updated_at to place it; row skipped",
    ]
    assert f"{path}:4: T-3: unknown state 'Escalated'; row skipped" in err

    printer = by_title(desk, "Printer jams on floor 3")
    assert (printer.state, printer.caller_name, printer.group_name) == (
        State.CLOSED,
        "Jane Roe",
        "Service Desk",
    )
    assert (printer.category_path, printer.priority, printer.channel) == (
        "Hardware > Printer",
        4,  # impact 2 x urgency 3
        "email",
    )
    assert printer.service_name == "Printing"
    assert by_title(desk, "VPN drops").service_name is None  # "Remote access": not the desk's
    states = [(h.old, h.new) for h in queries.history(desk, printer.id) if h.field == "state"]
    assert states == [("new", "resolved"), ("resolved", "closed")]
    assert printer.opened_at.isoformat() == "2026-01-05T08:10:00+00:00"  # 09:10 in Brussels
    assert printer.resolved_at is not None and printer.resolved_at.hour == 10
    vpn = by_title(desk, "VPN drops")
    assert (vpn.state, vpn.priority, vpn.impact, vpn.urgency) == (State.IN_PROGRESS, 1, 1, 1)
    laptop = by_title(desk, "Laptop screen broken")
    assert (laptop.state, laptop.opened_at.day, laptop.channel) == (State.RESOLVED, 6, "phone")

    kept = imports.saved_mapping(desk, list(MAPPING["columns"]))  # type: ignore[arg-type]
    assert kept is not None and kept.source == "oldtool" and kept.columns == MAPPING["columns"]
    code = cli.main(argv)  # no --mapping: the one kept
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Columns the mapping kept from the last import of these columns" in err
    assert "0 incidents imported (3 already there)" in out


def test_a_mapping_that_does_not_fit_is_refused_saying_why(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tickets.csv"
    path.write_text(TICKETS, "utf-8")
    url = desk.engine.url.render_as_string(hide_password=False)
    for data, words in (
        (
            {"columns": {"Ticket": "number", "Summary": "headline"}},
            "'headline', which is not a field",
        ),
        ({"columns": {"Ticket": "number"}}, "no column for title (required)"),
        ({"columns": {"Ticket": "number", "Subject": "title"}}, "The file has no column 'Subject'"),
        ([1, 2], 'expected {"columns"'),
    ):
        mapping = tmp_path / "m.json"
        mapping.write_text(json.dumps(data), "utf-8")
        code = cli.main(
            ["--db", url, "import", "csv", str(path), "--mapping", str(mapping), "--no-progress"]
        )
        _, err = capsys.readouterr()
        assert code != 0 and words in err, err
    mapping.write_text("{not json", "utf-8")
    code = cli.main(["--db", url, "import", "csv", str(path), "--mapping", str(mapping)])
    _, err = capsys.readouterr()
    assert code != 0 and f"{mapping}: not JSON (line 1, column 2" in err
    assert queries.queue_count(desk, QueueFilter(active_only=False)) == 0


def test_an_event_log_gives_each_row_as_a_step(desk: Desk, tmp_path: Path) -> None:
    log = """\
id,title,state,group,updated,opened
A7,Payroll run fails,New,Service Desk,2026-02-02 09:00,2026-02-02 09:00
A7,Payroll run fails,In Progress,Network,2026-02-02 09:30,2026-02-02 09:00
A7,Payroll run fails,On Hold,Network,2026-02-02 10:00,2026-02-02 09:00
A7,Payroll run fails,In Progress,Network,2026-02-02 12:00,2026-02-02 09:00
A7,Payroll run fails again,Resolved,Service Desk,2026-02-02 13:00,2026-02-02 09:00
"""
    mapping = CsvMapping(
        {
            "id": "number",
            "title": "title",
            "state": "state",
            "group": "group",
            "updated": "updated_at",
            "opened": "opened_at",
        }
    )
    read = read_csv(log, mapping, desk.zone)
    assert (read.rows, len(read.incidents), read.problems) == (5, 1, [])
    result = imports.import_incidents(desk, desk.system(), read.incidents)
    assert result.incidents == 1
    rec = by_title(desk, "Payroll run fails again")
    assert (rec.state, rec.group_name, rec.reassignment_count) == (
        State.RESOLVED,
        "Service Desk",
        2,
    )
    history = queries.history(desk, rec.id)
    assert [(h.old, h.new) for h in history if h.field == "state"] == [
        ("new", "in_progress"),
        ("in_progress", "on_hold"),
        ("on_hold", "in_progress"),
        ("in_progress", "resolved"),
    ]
    pauses = queries.pauses(desk, rec.id)
    assert [(p.start.hour, p.end.hour if p.end else None) for p in pauses] == [
        (9, 11)  # 10:00 to 12:00 in Brussels
    ]
