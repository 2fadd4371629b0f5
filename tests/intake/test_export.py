"""CSV export of queue views, through the command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from app import cli
from app.services import incidents as inc
from app.services.context import Desk


@pytest.fixture
def logged(desk: Desk) -> str:
    ana = desk.actor("ana")
    first = inc.log_incident(
        desk, ana, inc.NewIncident(title="Mail down, everyone", impact=1, urgency=1)
    )
    inc.log_incident(desk, ana, inc.NewIncident(title="Mouse, left button", impact=3, urgency=3))
    done = inc.log_incident(desk, ana, inc.NewIncident(title="Toner", impact=2, urgency=2))
    inc.resolve(desk, ana, done.id, done.version, "solution_provided", "New toner")
    assert first.number == "INC0000001"
    return desk.engine.url.render_as_string(hide_password=False)


def export(
    capsys: pytest.CaptureFixture[str], url: str, *args: str
) -> tuple[int, list[list[str]], str]:
    code = cli.main(["--db", url, "--as", "ana", "export", "csv", *args])
    out, err = capsys.readouterr()
    return code, list(csv.reader(io.StringIO(out))), err


def test_the_open_queue_in_its_order_and_words(
    logged: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, rows, err = export(capsys, logged)
    assert code == 0, err
    assert rows[0][:4] == ["Number", "Priority", "State", "Title"]
    assert [r[:4] for r in rows[1:]] == [
        ["INC0000001", "1 - Critical", "New", "Mail down, everyone"],
        ["INC0000002", "5 - Planning", "New", "Mouse, left button"],
    ]
    assert rows[1][5] == "Service Desk" and rows[1][7].startswith("2026-03-02 09:00")
    assert "2 incidents exported" in err


def test_all_states_a_view_and_a_file(
    logged: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, rows, _ = export(capsys, logged, "--state", "resolved")
    assert [r[0] for r in rows[1:]] == ["INC0000003"] and rows[1][2] == "Resolved"
    code, rows, _ = export(capsys, logged, "--all")
    assert len(rows) == 4
    code, rows, _ = export(capsys, logged, "--view", "awaiting confirmation")
    assert code == 0 and [r[0] for r in rows[1:]] == ["INC0000003"]
    target = tmp_path / "queue.csv"
    code, _, err = export(capsys, logged, "-o", str(target))
    assert code == 0 and f"2 incidents exported to {target}" in err
    assert target.read_text("utf-8").splitlines()[1].startswith("INC0000001,1 - Critical,New,")
    code, _, err = export(capsys, logged, "--view", "nope")
    assert code == 2 and "No view named 'nope' (views: My incidents" in err
    code, _, err = export(capsys, logged, "-o", str(tmp_path / "no" / "such" / "dir.csv"))
    assert code == 2 and "Cannot write" in err
