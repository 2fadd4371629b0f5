"""`incidentdesk --self-test`: the check an admin (and the packaging test) runs on an installed
workstation. It passes on a working installation and names the step that failed otherwise."""

from __future__ import annotations

import io

import pytest

from app import cli
from app.self_test import run_self_test
from app.services import incidents


def test_self_test_logs_and_resolves_an_incident_and_exits_0(qtbot) -> None:
    out = io.StringIO()
    assert run_self_test(out) == 0
    text = out.getvalue()
    assert "self-test: ok" in text
    assert "INC0000001 logged and resolved" in text
    assert "FAILED" not in text


def test_a_failing_step_is_named_and_exits_1(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the resolution was refused")

    monkeypatch.setattr(incidents, "resolve", broken)
    out = io.StringIO()
    assert run_self_test(out) == 1
    assert "self-test: FAILED at resolving the incident: RuntimeError: the resolution was refused" in out.getvalue()


def test_the_command_line_flag_runs_it(qtbot, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--self-test"]) == 0
    assert "self-test: ok" in capsys.readouterr().err
