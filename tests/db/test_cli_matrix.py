"""incidentdesk matrix show|preview|apply, end to end in-process, on SQLite and PostgreSQL:
show --json is what preview and apply read, preview --json's exact shape, apply moves exactly
what preview listed, and wrong input is one line and exit 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app import cli
from app.db.engine import make_engine
from app.services import queries
from app.services.context import Desk


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("incidentdesk: error: "), err
    return lines[0]


@pytest.fixture
def desk_url(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    """An admin 'root', an agent 'ana' and three open incidents (two at impact 2 x urgency 1)."""
    assert run(capsys, "--db", db_url, "db", "upgrade")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("root-password\n"))
    code, _, err = run(
        capsys,
        "--db",
        db_url,
        "users",
        "add",
        "root",
        "--name",
        "Root Admin",
        "--role",
        "admin",
        "--password-stdin",
    )
    assert code == 0, err
    assert run(capsys, "--db", db_url, "demo", "--incidents", "0")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(
        capsys,
        "--db",
        db_url,
        "--as",
        "root",
        "users",
        "add",
        "ana",
        "--name",
        "Ana",
        "--role",
        "agent",
    )
    assert code == 0, err
    for title, i, u in (
        ("Payroll export fails", 2, 1),
        ("Payroll slow", 2, 1),
        ("Printer jam", 3, 3),
    ):
        code, _, err = run(
            capsys, "--db", db_url, "--as", "ana", "incident", "new", "--title", title,
            "--impact", str(i), "--urgency", str(u),
        )  # fmt: skip
        assert code == 0, err
    return db_url


def _numbers(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        desk = Desk(engine)
        from app.domain.records import QueueFilter

        return {r.number: r.priority for r in queries.queue_page(desk, QueueFilter()).rows}
    finally:
        engine.dispose()


def test_show_preview_apply_round_trip(
    desk_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "--db", desk_url, "matrix", "show", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert list(shown) == ["version", "impact", "urgency", "priorities", "cells"]
    assert shown["cells"] == [[1, 2, 3], [2, 3, 4], [3, 4, 5]]
    code, out, _ = run(capsys, "--db", desk_url, "matrix", "show")
    assert out.splitlines()[0] == "Priority matrix version 1"
    assert "2 - High" in out.splitlines()[2]

    shown["cells"][1][0] = 1  # impact 2 x urgency 1 becomes Critical
    proposal = tmp_path / "matrix.json"
    proposal.write_text(json.dumps(shown), encoding="utf-8")
    code, out, err = run(capsys, "--db", desk_url, "matrix", "preview", str(proposal), "--json")
    assert code == 0, err
    preview = json.loads(out)
    before = _numbers(desk_url)
    moving = sorted(n for n, p in before.items() if p == 2)
    assert preview == {
        "count": 2,
        "changes": [{"number": n, "old": 2, "new": 1} for n in moving],
    }
    assert _numbers(desk_url) == before  # preview writes nothing
    code, out, _ = run(capsys, "--db", desk_url, "matrix", "preview", str(proposal))
    assert out.splitlines()[0] == "2 open incidents would change priority"

    # apply needs an admin
    code, _, err = run(
        capsys, "--db", desk_url, "--as", "ana", "matrix", "apply", str(proposal), "--reason", "x"
    )
    assert code == 2 and "Only an admin may configure the desk" in one_error_line(err)
    code, out, err = run(
        capsys,
        "--db",
        desk_url,
        "--as",
        "root",
        "matrix",
        "apply",
        str(proposal),
        "--reason",
        "Payroll first",
        "--json",
    )
    assert code == 0, err
    applied = json.loads(out)
    assert applied["version"] == 2 and applied["count"] == 2
    assert applied["changes"] == preview["changes"]  # exactly those
    after = _numbers(desk_url)
    assert {n: after[n] for n in moving} == dict.fromkeys(moving, 1)
    assert {n: p for n, p in after.items() if n not in moving} == {
        n: p for n, p in before.items() if n not in moving
    }
    code, out, _ = run(capsys, "--db", desk_url, "matrix", "preview", str(proposal), "--json")
    assert json.loads(out) == {"count": 0, "changes": []}
    # the same again: nothing to save
    code, _, err = run(
        capsys,
        "--db",
        desk_url,
        "--as",
        "root",
        "matrix",
        "apply",
        str(proposal),
        "--reason",
        "again",
    )
    assert code == 2 and "This is the active matrix (version 2)" in one_error_line(err)


def test_wrong_input_is_one_line_and_exit_2(
    desk_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nope.json"
    code, _, err = run(capsys, "--db", desk_url, "matrix", "preview", str(missing))
    assert code == 2 and f"Cannot read {missing}" in one_error_line(err)
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    code, _, err = run(capsys, "--db", desk_url, "matrix", "preview", str(broken))
    assert code == 2 and f"{broken} is not JSON: " in one_error_line(err)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(
        json.dumps(
            {
                "impact": ["a", "b", "c"],
                "urgency": ["a", "b", "c"],
                "priorities": ["x"],
                "cells": [[1, 1, 1], [1, 1, 1], [1, 1, 2]],
            }
        ),
        encoding="utf-8",
    )
    code, _, err = run(capsys, "--db", desk_url, "matrix", "preview", str(wrong))
    line = one_error_line(err)
    assert (
        code == 2 and f"{wrong}: Cell impact 3 x urgency 3 holds priority 2, outside 1..1" in line
    )
    code, _, err = run(capsys, "--db", desk_url, "--as", "root", "matrix", "apply", str(wrong))
    assert code == 2 and "--reason" in one_error_line(err)
    code, _, err = run(capsys, "--db", desk_url, "matrix", "apply", str(wrong), "--reason", "r")
    assert code == 2 and "say who acts" in one_error_line(err)
