"""The problem verbs on the command line, in-process, on SQLite and PostgreSQL: a problem from
two incidents, its state moved, flagged a known error, resolved with its open incidents; wrong
input is one line and exit status 2."""

from __future__ import annotations

import json

import pytest

from tests.db.test_cli import desk_url, one_error_line, run, stdin

__all__ = ["desk_url", "stdin"]  # fixtures


def test_new_link_state_known_error_and_resolve_with_incidents(
    desk_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ben = ("--db", desk_url, "--as", "ben.okafor")
    carla = ("--db", desk_url, "--as", "carla.rossi")
    numbers = []
    for title in ("VPN drops every hour", "VPN drops in office B", "VPN slow"):
        code, out, err = run(capsys, *ben, "incident", "new", "--title", title, "--json")
        assert code == 0, err
        numbers.append(json.loads(out)["number"])
    code, out, err = run(
        capsys, *ben, "problems", "new", "--title", "VPN concentrator memory leak",
        "--incident", numbers[0], "--incident", numbers[1], "--json",
    )  # fmt: skip
    assert code == 0, err
    made = json.loads(out)
    prb = made["number"]
    assert made["state"] == "new" and made["state_label"] == "New"
    assert [i["number"] for i in made["incidents"]] == numbers[:2]

    code, out, err = run(capsys, *ben, "problems", "link", prb, numbers[2])
    assert code == 0, err
    assert "Incidents (3, 3 open)" in out and numbers[2] in out
    code, out, err = run(capsys, *ben, "problems", "state", prb, "root cause analysis")
    assert code == 0, err
    assert "Root cause analysis" in out
    code, _, err = run(capsys, *ben, "problems", "state", prb, "resolved")
    assert code == 2 and "Resolve a problem with its fix" in one_error_line(err)
    code, _, err = run(capsys, *ben, "problems", "edit", prb, "--known-error", "yes")
    assert code == 2 and "needs its workaround" in one_error_line(err)
    code, out, err = run(
        capsys, *ben, "problems", "edit", prb, "--known-error", "yes", "--workaround", "Reconnect"
    )
    assert code == 0, err
    code, out, err = run(capsys, *ben, "problems", "list", "--known-errors", "--json")
    assert code == 0, err
    assert prb in [r["number"] for r in json.loads(out)]

    code, out, err = run(
        capsys, *carla, "problems", "resolve", prb, "--fix", "Firmware 7.2", "--resolve-incidents"
    )
    assert code == 0, err
    assert f"{prb} is Resolved." in out and "Resolved by problem: 3 incidents" in out
    code, out, err = run(capsys, *carla, "incident", "show", numbers[1], "--json")
    shown = json.loads(out)
    assert shown["state"] == "resolved" and shown["resolution_code"] == "resolved_by_problem"
    assert shown["resolution_notes"] == f"Resolved by problem {prb}: Firmware 7.2"
    code, out, err = run(capsys, *carla, "problems", "show", prb)
    assert "Resolved" in out and "Fix:\n  Firmware 7.2" in out
    code, _, err = run(capsys, *carla, "problems", "show", "PRB9999999")
    assert code == 2 and one_error_line(err) == "incidentdesk: error: No problem PRB9999999"
