"""incidentdesk calendars|policies|priorities, end to end in-process on SQLite and PostgreSQL:
an edit previewed then applied to exactly the incidents it re-measures, the calendar's due times
against ones worked out by hand, and wrong input one line and exit 2."""

from __future__ import annotations

import io
import json

import pytest

from tests.db.test_cli_matrix import one_error_line, run


@pytest.fixture
def url(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    """An admin 'root', an agent 'ana', one open P2 and one open P1 (24x7)."""
    assert run(capsys, "--db", db_url, "db", "upgrade")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("root-password\n"))
    code, _, err = run(
        capsys, "--db", db_url, "users", "add", "root", "--name", "Root", "--role", "admin",
        "--password-stdin",
    )  # fmt: skip
    assert code == 0, err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(
        capsys, "--db", db_url, "--as", "root", "users", "add", "ana", "--name", "Ana", "--role",
        "agent",
    )  # fmt: skip
    assert code == 0, err
    for title, i, u in (("Mail slow", 1, 2), ("ERP down", 1, 1)):
        code, _, err = run(
            capsys, "--db", db_url, "--as", "ana", "incident", "new", "--title", title,
            "--impact", str(i), "--urgency", str(u),
        )  # fmt: skip
        assert code == 0, err
    return db_url


def test_edit_previews_then_recomputes_exactly_those(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    edit = ("--db", url, "--as", "root", "calendars", "edit", "Office hours")
    change = ("--tz", "Europe/Brussels", "--holidays", "BE", "--hours",
              "mon-fri=08:00-12:00,13:00-17:00", "--day-off", "2026-03-03")  # fmt: skip
    code, out, err = run(capsys, *edit, *change, "--preview", "--json")
    assert code == 0, err
    preview = json.loads(out)
    assert (preview["count"], preview["per_priority"]) == (1, {"2": 1})  # the P1 runs on 24x7
    code, out, err = run(capsys, *edit, *change, "--reason", "Lunch break", "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["measured"] == 1
    assert [c["number"] for c in done["changes"]] == [c["number"] for c in preview["changes"]]

    # Monday 2 March 11:30 CET: 30 min before lunch + 30 after; 8 h: Tuesday is closed
    code, out, err = run(
        capsys, "--db", url, "calendars", "due", "Office hours", "--start", "2026-03-02 11:30",
        "--response", "1h", "--resolution", "8 hours", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == {
        "start": "2026-03-02T11:30:00+01:00",
        "response_due": "2026-03-02T13:30:00+01:00",
        "resolution_due": "2026-03-04T11:30:00+01:00",
    }
    code, out, _ = run(capsys, "--db", url, "calendars", "month", "Office hours", "2026-04")
    assert "Mon 2026-04-06  off: Easter Monday" in out.splitlines()

    code, out, err = run(
        capsys, "--db", url, "--as", "root", "policies", "edit", "Default", "--target", "2=1h/9h",
        "--retroactive", "no", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["moved"] == 1
    code, out, _ = run(capsys, "--db", url, "policies", "show", "Default", "--json")
    shown = json.loads(out)
    assert shown["retroactive_start"] is False
    assert shown["targets"][1] == {
        "priority": 2, "response_s": 3600, "resolution_s": 9 * 3600, "calendar": "Office hours",
    }  # fmt: skip
    assert run(capsys, "--db", url, "--as", "root", "priorities", "color", "3", "#00AA00")[0] == 0
    code, out, _ = run(capsys, "--db", url, "priorities", "list", "--json")
    assert [p["color"] for p in json.loads(out)] == [None, None, "#00aa00", None, None]


# the same words on both engines (tests/db/test_sla_changes.py): SQLite only, to keep the suite short
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("calendars", "edit", "Office hours", "--tz", "Europe/Brusels"), "Unknown time zone 'Europe/Brusels'"),
        (("calendars", "edit", "Office hours", "--hours", "tue=08:00-12:00,11:00-17:00"),
         "Tuesday: intervals must be sorted and must not overlap"),
        (("calendars", "edit", "Office hours", "--hours", "tue=17:00-08:00"), "must end after it starts"),
        (("calendars", "edit", "Office hours", "--hours", "someday=closed"), "'someday' is not a weekday"),
        (("policies", "edit", "Default", "--target", "3=two/days"), "P3 response: 'two' is not a duration"),
        (("calendars", "show", "Nope"), "No calendar named 'Nope' (calendars: 24x7, Office hours)"),
        (("priorities", "color", "2", "red"), "P2 colour: 'red' is not a colour"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_wrong_input_is_one_line_and_exit_2(
    url: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, "--db", url, "--as", "root", *argv)
    assert code == 2
    assert message in one_error_line(err)


def test_an_agent_is_refused(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "--db", url, "--as", "ana", "calendars", "edit", "Office hours", "--tz", "UTC"
    )
    assert code == 2 and "admin" in one_error_line(err).lower()


def test_a_policy_s_rules_are_shown_replaced_and_audited(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", url, "policies", "rules", "Default", "--json")
    assert code == 0, err
    assert {"clock": "resolution", "threshold": 75, "action": "notify_group", "group": None} in (
        json.loads(out)
    )
    code, _, err = run(
        capsys, "--db", url, "--as", "root", "groups", "add", "Network", "--line", "2"
    )
    assert code == 0, err
    code, out, err = run(
        capsys, "--db", url, "--as", "root", "policies", "set-rules", "Default",
        "--rule", "resolution:100:escalate_functional:network", "--rule", "response:50:flag",
        "--reason", "Network takes the breaches",
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines() == [
        "Default: 2 rules saved",
        "  At 50% of the response target: raise a flag",
        "  At breach of the resolution target: escalate to the next line's group (Network)",
    ]
    code, out, err = run(capsys, "--db", url, "policies", "rules", "Default", "--json")
    assert json.loads(out) == [
        {"clock": "response", "threshold": 50, "action": "flag", "group": None},
        {"clock": "resolution", "threshold": 100, "action": "escalate_functional",
         "group": "Network"},
    ]  # fmt: skip
    code, out, err = run(capsys, "--db", url, "--as", "root", "policies", "set-rules", "Default",
                         "--none")  # fmt: skip
    assert code == 0 and "no rule" in out
    code, _, err = run(
        capsys, "--db", url, "--as", "ana", "policies", "set-rules", "Default", "--none"
    )
    assert code == 2 and "admin" in one_error_line(err).lower()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("resolution:75", "write CLOCK:THRESHOLD:ACTION[:GROUP]"),
        ("resolution:80:flag", "fires at 50, 75 or 100 percent of a target, not 80"),
        ("reply:75:flag", "Unknown clock 'reply'"),
        ("resolution:75:page_everyone", "Unknown rule action 'page_everyone'"),
        ("resolution:75:flag:Network", "no group named 'Network'"),
        ("resolution:75:notify_group:Service Desk", "no group named"),
    ],
)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_wrong_rule_is_one_line_and_nothing_changes(
    url: str, capsys: pytest.CaptureFixture[str], rule: str, message: str
) -> None:
    before = run(capsys, "--db", url, "policies", "rules", "Default", "--json")[1]
    code, _, err = run(
        capsys, "--db", url, "--as", "root", "policies", "set-rules", "Default", "--rule", rule
    )
    assert code == 2
    line = one_error_line(err)
    assert message in line and rule in line
    assert run(capsys, "--db", url, "policies", "rules", "Default", "--json")[1] == before
