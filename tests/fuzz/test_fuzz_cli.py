"""CLI arguments, generated from the command line's own parser (every command and option it
has, with good, bad and odd values, and stray words), run in-process against a desk: each run
exits 0, or 1/2 with a message (argparse's usage error or one `incidentdesk: error:` line);
never an uncaught exception. Commands that serve or loop until stopped, build installers,
set up the server's roles, fill a demo or send mail are left out (they are not argument
handling, and some would outlive the test)."""

from __future__ import annotations

import argparse
import io
from collections.abc import Iterator

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from app import cli
from app.services import incidents as inc
from app.services.context import Desk
from tests.fuzz.conftest import cases
from tests.fuzz.strategies import one_in

# not run: serve forever, loop, build installers, change the server's roles, slow, send mail
LEFT_OUT = (
    ("intake", "http"),
    ("intake", "smtp"),
    ("escalate",),
    ("package",),
    ("db", "roles"),
    ("demo",),
    ("mail", "send"),
)


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs and path:
        yield path, parser
    for sub in subs:
        for name, child in sub.choices.items():
            here = (*path, name)
            if not any(here[: len(skip)] == skip for skip in LEFT_OUT):
                yield from commands(child, here)


COMMANDS = sorted(commands(cli.build_parser()), key=lambda c: c[0])
# what a value may be: names and numbers the desk has, and not (no NUL: argv cannot hold one)
ODD = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)
VALUES = st.one_of(
    st.sampled_from(
        [
            "dev",
            "ana",
            "nobody",
            "Service Desk",
            "Network",
            "Hardware",
            "Hardware > Server",
            "INC0000001",
            "INC9999999",
            "TASK0000001",
            "1",
            "0",
            "-1",
            "3",
            "99999999999999999999",
            "1.5",
            "2026-03-02 09:00",
            "2026-13-45",
            "2026-03",
            "4h",
            "-",
            "",
            "agent",
            "admin",
            "manual",
            "round_robin",
            "awaiting_caller",
            "Solution provided",
            "Europe/Brussels",
            "Mars/Olympus",
            "mon-fri 09:00-17:00",
            "P1:resolution:75:notify",
            "alertname=Disk.*",
            "matrix.json",
            "missing.json",
            "x" * 500,
            "--",
        ]
    ),
    ODD,
)


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    path, parser = draw(st.sampled_from(COMMANDS))
    args: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or action.dest == "db":
            continue
        if not action.option_strings:  # a positional: mostly given
            if not one_in(draw, 6):
                args.append(draw(VALUES))
            continue
        if action.dest == "actor":
            if not one_in(draw, 5):
                args += [action.option_strings[0], draw(st.sampled_from(["dev", "ana", "nobody"]))]
            continue
        if draw(st.booleans()):
            continue
        args.append(draw(st.sampled_from(action.option_strings)))
        if action.nargs != 0:
            if action.choices is not None and draw(st.booleans()):
                args.append(str(draw(st.sampled_from(sorted(map(str, action.choices))))))
            else:
                args.append(draw(VALUES))
    if one_in(draw, 6):  # stray words and options
        args += draw(st.lists(st.one_of(VALUES, st.sampled_from(["--nope", "-x", "--json=1"]))))
    args = draw(st.permutations(args)) if one_in(draw, 6) else args
    return [*path, *args]


@pytest.fixture
def cli_desk(desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The desk's URL, with two incidents; the working folder a fresh one (files the commands
    write land there), with a matrix file; a password typed is always the same one."""
    admin = desk.actor("dev")
    for title in ("Printer jams", "VPN drops"):  # INC0000001 and INC0000002 to act on
        inc.log_incident(desk, admin, inc.NewIncident(title=title, group_id=desk.ids["sd"]))  # type: ignore[attr-defined]
    home = tmp_path_factory.mktemp("cli")
    (home / "matrix.json").write_text(
        '{"impact": ["H", "M", "L"], "urgency": ["H", "M", "L"], "priorities": ["1", "2"],'
        ' "cells": [[1, 1, 2], [1, 2, 2], [2, 2, 2]]}',
        "utf-8",
    )
    monkeypatch.chdir(home)
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: "fuzz-password-1")
    monkeypatch.delenv("INCIDENTDESK_USER", raising=False)
    return desk.engine.url.render_as_string(hide_password=False)


@cases(ci=60, long=3000)
@given(argv=argvs())
@example(argv=["incident", "list", "--limit", "x"])
@example(argv=["users", "show"])
@example(argv=["matrix", "preview", "missing.json"])
def test_any_arguments_exit_0_or_with_a_message(
    cli_desk: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("fuzz-password-1\n"))
    code = cli.main(["--db", cli_desk, *argv])
    out, err = capsys.readouterr()
    event(f"exit {code}")
    assert code in (0, 1, 2), (code, out, err)
    if code != 0:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines, (code, out)
        said = lines[-1]
        assert "error:" in said and len(said.split("error:", 1)[1].strip()) > 3, err
        assert "Traceback" not in err, err
        event("usage error" if "usage:" in err else "the desk's message")
