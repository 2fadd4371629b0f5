"""The task verbs on the command line, in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from tests.db.test_cli import desk_url, one_error_line, run, stdin

__all__ = ["desk_url", "stdin"]  # fixtures


def test_add_list_close_and_the_resolve_rule(
    desk_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ana = ("--db", desk_url, "--as", "ana.garcia")
    ben = ("--db", desk_url, "--as", "ben.okafor")
    code, _, err = run(capsys, *ana, "incident", "new", "--title", "VPN down for office B")
    assert code == 0, err
    code, out, err = run(
        capsys,
        *ana,
        "task",
        "add",
        "INC0000001",
        "--title",
        "Check the firewall",
        "--group",
        "network",
        "--to",
        "ben.okafor",
        "--due",
        "2030-03-03",
    )
    assert code == 0, err
    assert "TASK0000001" in out and "Network" in out and "Ben Okafor" in out and "Open" in out
    code, out, err = run(capsys, *ben, "task", "list", "--json")
    assert code == 0, err
    assert [t["number"] for t in json.loads(out)] == ["TASK0000001"]  # Ben's group's queue

    code, _, err = run(
        capsys,
        *ana,
        "incident",
        "resolve",
        "INC0000001",
        "--code",
        "solution_provided",
        "--notes",
        "fixed",
    )
    assert code == 2
    assert "open task (TASK0000001)" in one_error_line(err)

    code, out, err = run(capsys, *ben, "task", "start", "task0000001")
    assert code == 0, err
    assert "Work in progress" in out
    code, _, err = run(capsys, *ben, "task", "close", "TASK0000001", "--incomplete")
    assert code == 2 and "a note is required" in one_error_line(err)
    code, out, err = run(
        capsys,
        *ben,
        "task",
        "close",
        "TASK0000001",
        "--note",
        "rule added",
        "--minutes",
        "45",
        "--json",
    )
    assert code == 0, err
    done = json.loads(out)[0]
    assert (done["state"], done["time_worked_s"]) == ("closed_complete", 2700)

    code, out, err = run(capsys, *ana, "task", "list", "INC0000001", "--all")
    assert code == 0 and "Closed complete" in out
    code, out, err = run(
        capsys,
        *ana,
        "incident",
        "resolve",
        "INC0000001",
        "--code",
        "solution_provided",
        "--notes",
        "fixed",
    )
    assert code == 0, err
    assert "Resolved" in out


def test_resolve_closing_the_open_tasks_with_a_reason(
    desk_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ana = ("--db", desk_url, "--as", "ana.garcia")
    run(capsys, *ana, "incident", "new", "--title", "Printer jam")
    code, _, err = run(
        capsys,
        *ana,
        "task",
        "add",
        "INC0000001",
        "--title",
        "Order toner",
        "--group",
        "Desktop Support",
    )
    assert code == 0, err
    code, _, err = run(capsys, *ana, "task", "add", "INC0000001", "--title", "x", "--group", "Nope")
    assert code == 2 and "No group named 'Nope'" in one_error_line(err)
    code, _, err = run(
        capsys,
        *ana,
        "incident",
        "resolve",
        "INC0000001",
        "--code",
        "solution_provided",
        "--notes",
        "cleared",
        "--close-tasks",
        "jam cleared",
    )
    assert code == 0, err
    code, out, _ = run(capsys, *ana, "task", "list", "INC0000001", "--all", "--json")
    task = json.loads(out)[0]
    assert (task["state"], task["close_note"]) == ("closed_incomplete", "jam cleared")
