"""Imports from the two real logs (slices of ../shared/data), on SQLite and PostgreSQL:
history rebuilt, bad rows reported by line, idempotent, whole incidents only, resumable."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import cli
from app.domain.imports import read_bpi2013, read_servicenow
from app.domain.lifecycle import State
from app.models import AuditEntry, Group, ImportedRecord, Incident, SlaPause
from app.services import imports as svc
from app.services import queries
from app.services.context import Desk

DATA = Path(__file__).resolve().parents[1] / "data" / "event_logs"  # the two real logs, shipped
SERVICENOW = DATA / "servicenow_incident_event_log_sample.csv.gz"
BPI = DATA / "bpi2013_volvo_incidents.csv.gz"


def first_incidents(path: Path, key: str, n: int) -> tuple[list[str], list[list[str]]]:
    """The header and every row of the first `n` incidents of a real log."""
    if not path.is_file():
        pytest.skip(f"{path} is not there")
    reader = csv.reader(
        io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8").lstrip("\ufeff"))
    )
    header = next(reader)
    col = header.index(key)
    seen: list[str] = []
    rows = []
    for row in reader:
        if row[col] not in seen:
            if len(seen) == n:
                break
            seen.append(row[col])
        rows.append(row)
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def count(desk: Desk, model: type) -> int:
    with desk.read() as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())  # type: ignore[arg-type]


@pytest.fixture
def servicenow_csv(tmp_path: Path) -> Path:
    header, rows = first_incidents(SERVICENOW, "number", 30)
    state, updated = header.index("incident_state"), header.index("sys_updated_at")
    rows[5][state] = "-100"  # file line 7: a state the importer has never seen
    rows[9][updated] = "yesterday"  # file line 11
    return write_csv(tmp_path / "servicenow.csv", header, rows)


def test_servicenow_history_problems_and_a_second_run(desk: Desk, servicenow_csv: Path) -> None:
    log = read_servicenow(servicenow_csv.read_text("utf-8"), desk.zone)
    assert [(p.line, p.reason.split(": ", 1)[1]) for p in log.problems] == [
        (7, "unknown incident_state '-100'; row skipped"),
        (11, "sys_updated_at 'yesterday' is not d/m/Y H:M; row skipped"),
    ]
    assert len(log.incidents) == 30
    result = svc.import_incidents(desk, desk.system(), log.incidents, batch=7)
    assert (result.incidents, result.skipped, result.problems) == (30, 0, [])
    # INC0000045 of the log: New, then Resolved, then Closed, with the log's times
    rec = queries.get_incident(desk, "INC0000001")
    assert (
        rec.state is State.CLOSED
        and rec.caller_name == "Caller 2403"
        and rec.group_name == "Group 56"
    )
    assert rec.title == "Category 55 · Subcategory 170 · Symptom 72"
    assert (rec.category_path, rec.priority) == ("Category 55 > Subcategory 170", 3)
    states = [(h.old, h.new) for h in queries.history(desk, rec.id) if h.field == "state"]
    assert states == [("new", "resolved"), ("resolved", "closed")]
    assert "Imported from servicenow INC0000045 (lines 2-5)" in [
        j.body for j in queries.journal(desk, rec.id)
    ]
    audit_rows, incidents = count(desk, AuditEntry), count(desk, Incident)
    again = svc.import_incidents(desk, desk.system(), log.incidents)
    assert (again.incidents, again.skipped) == (0, 30)
    assert (count(desk, AuditEntry), count(desk, Incident)) == (audit_rows, incidents)


def test_a_crash_leaves_whole_incidents_and_the_next_run_resumes(
    desk: Desk, servicenow_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = read_servicenow(servicenow_csv.read_text("utf-8"), desk.zone)
    real = svc._write
    calls = {"n": 0}

    def dies_on_the_13th(*args, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 13:
            raise RuntimeError("killed")
        return real(*args, **kw)

    monkeypatch.setattr(svc, "_write", dies_on_the_13th)
    with pytest.raises(RuntimeError):
        svc.import_incidents(desk, desk.system(), log.incidents, batch=10)
    # the first batch of 10 is there whole; the second, with its 2 written, rolled back
    assert count(desk, ImportedRecord) == count(desk, Incident) == 10
    with desk.read() as conn:
        orphans = conn.execute(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.incident_id.not_in(select(Incident.id)))
        ).scalar_one()
    assert orphans == 0
    monkeypatch.setattr(svc, "_write", real)
    rest = svc.import_incidents(desk, desk.system(), log.incidents, batch=10)
    assert (rest.incidents, rest.skipped) == (20, 10)
    assert count(desk, Incident) == 30


def test_bpi2013_teams_lines_holds_and_major(desk: Desk, tmp_path: Path) -> None:
    header, rows = first_incidents(BPI, "SR Number", 40)
    status = header.index("Status")
    rows[3][status] = "Unmatched"
    path = write_csv(tmp_path / "bpi.csv", header, rows)
    log = read_bpi2013(path.read_text("utf-8"))
    assert [p.line for p in log.problems] == [5]
    assert "unknown status Unmatched/" in log.problems[0].reason
    result = svc.import_incidents(desk, desk.system(), log.incidents)
    assert result.incidents == 40
    with desk.read() as conn:
        lines = dict(conn.execute(select(Group.name, Group.line)).all())
        assert lines["V30"] == 1 and set(lines.values()) <= {1, 2, 3}
        held = conn.execute(select(func.count()).select_from(SlaPause)).scalar_one()
    assert held > 0  # the Wait statuses are pauses of the resolution clock
    rec = queries.get_incident(desk, "INC0000001")
    sr, team = header.index("SR Number"), header.index("Involved ST")
    teams = [r[team] for r in rows if r[sr] == rows[0][sr]]
    assert rec.title == "PROD582 (fr)" and rec.group_name == teams[-1]
    history = queries.history(desk, rec.id)
    assert [h.field for h in history].count("state") >= 2
    moves = [(h.old_text, h.new_text) for h in history if h.field == "group_id"]
    assert moves and moves[-1][1] == teams[-1] and moves[0][0] == teams[0]  # in words


def test_the_command_prints_rows_incidents_problems_and_writes_a_report(
    desk: Desk, servicenow_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = desk.engine.url.render_as_string(hide_password=False)
    code = cli.main(["--db", url, "import", "servicenow", str(servicenow_csv), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith(
        "190 rows, 30 incidents imported (0 already there), 2 problems found (listed in "
    )
    assert out.rstrip().endswith("rows/s")
    assert f"{servicenow_csv}:7: INC0000047: unknown incident_state '-100'; row skipped" in err
    report = servicenow_csv.with_name("servicenow.csv.errors.csv").read_text("utf-8").splitlines()
    assert report[0] == "line,problem" and report[1].startswith("7,")
    code = cli.main(["--db", url, "import", "servicenow", str(servicenow_csv), "--no-progress"])
    out, _ = capsys.readouterr()
    assert "0 incidents imported (30 already there)" in out


def test_names_longer_than_the_database_holds_skip_their_incident_by_line(
    desk: Desk, tmp_path: Path
) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "number,incident_state,sys_updated_at,opened_at,impact,urgency,caller_id,assignment_group\n"
        f"INC1,New,02/03/2026 09:15,02/03/2026 09:15,1,1,{'C' * 201},Service Desk\n"
        f"INC2,New,02/03/2026 09:15,02/03/2026 09:15,1,1,Jane Roe,{'G' * 121}\n"
        "INC3,New,02/03/2026 09:15,02/03/2026 09:15,1,1,Jane Roe,Service Desk\n",
        "utf-8",
    )
    done = svc.import_file(desk, desk.actor("dev"), "servicenow", path)
    assert done.incidents == 1
    assert [(p.line, p.reason) for p in done.problems] == [
        (2, f"INC1: not imported: The caller's name '{'C' * 40}…' has 201 characters; at most 200"),
        (3, f"INC2: not imported: The group name '{'G' * 40}…' has 121 characters; at most 120"),
    ]
