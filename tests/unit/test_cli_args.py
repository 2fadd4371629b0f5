"""The command line's arguments and error lines, without a database."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app import cli
from app.domain.lifecycle import State
from app.domain.records import QueueRow


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("incidentdesk: error: "), err
    return lines[0]


def test_parses_every_command() -> None:
    p = cli.build_parser()
    a = p.parse_args(["db", "upgrade"])
    assert (a.command, a.db_command, a.db) == ("db", "upgrade", None)
    a = p.parse_args(["demo", "--incidents", "500", "--seed", "3"])
    assert (a.incidents, a.seed) == (500, 3)
    a = p.parse_args(
        ["users", "add", "ana", "--name", "Ana Garcia", "--role", "agent", "--group", "A",
         "--group", "B", "--password-stdin"]
    )
    assert (a.username, a.name, a.role, a.group, a.password_stdin) == (
        "ana", "Ana Garcia", "agent", ["A", "B"], True
    )
    a = p.parse_args(["incident", "list", "--state", "new", "--state", "on_hold", "--limit", "5"])
    assert (a.state, a.limit, a.json) == (["new", "on_hold"], 5, False)
    a = p.parse_args(["incident", "new", "--title", "T", "--impact", "1", "--urgency", "2"])
    assert (a.title, a.impact, a.urgency, a.channel) == ("T", 1, 2, "phone")
    a = p.parse_args([])
    assert a.command is None and a.demo_if_empty is False
    assert p.parse_args(["--demo-if-empty"]).demo_if_empty is True


def test_db_and_as_before_or_after_the_command() -> None:
    p = cli.build_parser()
    before = p.parse_args(["--db", "x.sqlite3", "--as", "ana", "incident", "show", "INC0000001"])
    after = p.parse_args(["incident", "show", "INC0000001", "--db", "x.sqlite3", "--as", "ana"])
    for a in (before, after):
        assert (a.db, a.actor, a.number) == ("x.sqlite3", "ana", "INC0000001")
    neither = p.parse_args(["incident", "show", "INC1"])
    assert neither.db is None and neither.actor is None


@pytest.mark.parametrize(
    "argv",
    [
        ["--bogus"],
        ["incident"],
        ["incident", "new"],  # --title is required
        ["demo", "--incidents", "many"],
        ["demo", "--incidents", "-5"],
        ["users", "add", "x", "--name", "X", "--role", "emperor"],
        ["incident", "list", "--state", "sleeping"],
    ],
)
def test_wrong_arguments_give_one_line_and_exit_2(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = one_error_line(err)
    assert "--help" in line


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out, _ = capsys.readouterr()
    assert "incident" in out and "--db" in out


def test_unsupported_address_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db", "mysql://root@localhost/desk", "users", "list"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "mysql" in line


def test_incident_commands_need_someone_to_act(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv(cli.ENV_USER, raising=False)
    assert cli.main(["--db", "mysql://nowhere/x", "incident", "list"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "--as" in line and cli.ENV_USER in line


def test_json_values_are_plain() -> None:
    at = datetime(2026, 3, 4, 9, 30, tzinfo=UTC)
    row = QueueRow(
        1, "INC0000001", 3, State.ON_HOLD, "t", None, "G", None, at, None, None, None, True,
        False, False, 2,
    )
    plain = cli._plain(row)
    assert plain["state"] == "on_hold"
    assert plain["updated_at"] == "2026-03-04T09:30:00+00:00"
    assert json.loads(json.dumps(plain)) == plain


def test_gui_without_qt_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import sys

    real_import = builtins.__import__

    def no_qt(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] == "PySide6":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.delitem(sys.modules, "app.main", raising=False)
    for mod in [m for m in sys.modules if m.startswith(("PySide6", "app.views"))]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setattr(builtins, "__import__", no_qt)
    assert cli.main([]) == 2
    assert "PySide6" in one_error_line(capsys.readouterr().err)
