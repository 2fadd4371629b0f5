"""The command line end to end, in-process, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json

import pytest

from app import cli


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
def stdin(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def feed(text: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(text))

    feed("")
    return feed


@pytest.fixture
def desk_url(db_url: str, capsys: pytest.CaptureFixture[str], stdin) -> str:  # type: ignore[no-untyped-def]
    """A database set up with the demo catalogue (no incidents) and an admin 'root'."""
    code, out, err = run(capsys, "--db", db_url, "db", "upgrade")
    assert code == 0, err
    assert "schema" in out
    stdin("root-password\n")
    code, out, err = run(
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
    assert "Added root" in out
    code, _, err = run(capsys, "--db", db_url, "demo", "--incidents", "0")
    assert code == 0, err
    return db_url


def test_users_bootstrap_then_only_admins_add(
    desk_url: str, capsys: pytest.CaptureFixture[str], stdin
) -> None:  # type: ignore[no-untyped-def]
    # a second admin without --as: the bootstrap is over
    code, _, err = run(
        capsys, "--db", desk_url, "users", "add", "eve", "--name", "Eve", "--role", "admin"
    )
    assert code == 2
    assert "admin" in one_error_line(err)
    # an agent may not add users
    code, _, err = run(
        capsys,
        "--db",
        desk_url,
        "--as",
        "ana.garcia",
        "users",
        "add",
        "bob",
        "--name",
        "Bob",
        "--role",
        "agent",
    )
    assert code == 2 and "Only an admin may manage users" in one_error_line(err)
    stdin("bobs-password\n")
    code, out, err = run(
        capsys,
        "--db",
        desk_url,
        "users",
        "add",
        "bob",
        "--name",
        "Bob Stone",
        "--role",
        "specialist",
        "--group",
        "Network",
        "--password-stdin",
        "--as",
        "root",
    )
    assert code == 0, err
    assert "Network" in out
    code, out, _ = run(capsys, "--db", desk_url, "users", "list", "--json")
    people = {p["username"]: p for p in json.loads(out)}
    assert people["bob"]["role"] == "specialist"
    assert people["bob"]["group_names"] == ["Network"]
    assert "root" in people and "system" not in people
    code, out, _ = run(capsys, "--db", desk_url, "users", "list")
    assert code == 0 and "bob" in out and "Bob Stone" in out


def test_new_show_list(desk_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = ("--db", desk_url, "--as", "ana.garcia", "incident")
    code, out, err = run(
        capsys,
        *base,
        "new",
        "--title",
        "Outlook crashes when opening shared calendar",
        "--caller",
        "John Smith",
        "--category",
        "Software > Email",
        "--impact",
        "3",
        "--urgency",
        "2",
        "--description",
        "Since this morning",
    )
    assert code == 0, err
    assert out.startswith("Logged INC0000001")
    assert "4 - Low" in out and "Messaging" in out

    code, out, err = run(
        capsys,
        *base,
        "new",
        "--title",
        "VPN down for office B",
        "--impact",
        "1",
        "--urgency",
        "1",
        "--channel",
        "email",
        "--json",
    )
    assert code == 0, err
    vpn = json.loads(out)
    assert vpn["number"] == "INC0000002" and vpn["priority"] == 1
    assert vpn["state"] == "new" and vpn["channel"] == "email"
    assert vpn["opened_at"].endswith("+00:00")
    assert vpn["resolution"]["threshold"] == 0

    code, out, err = run(capsys, *base, "show", "INC0000001")
    assert code == 0, err
    assert "INC0000001  Outlook crashes" in out
    assert "John Smith" in out and "Software > Email" in out and "Messaging" in out
    assert "Journal" in out and "Logged by Ana Garcia via phone" in out
    assert "History" in out and "created" in out

    code, out, err = run(capsys, *base, "assign", "INC0000002", "--to", "ana.garcia")
    assert code == 0, err
    code, out, err = run(capsys, *base, "show", "INC0000002")
    assert code == 0, err
    assert "ana.garcia" not in out.split("History")[1]  # names, not user names or ids
    assert "Assignee: - -> Ana Garcia" in out and "State: New -> In Progress" in out

    code, out, err = run(capsys, *base, "show", "1", "--json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["caller_name"] == "John Smith"
    assert shown["category_path"] == "Software > Email"
    assert [j["kind"] for j in shown["journal"]] == ["system"]
    assert shown["history"][0]["field"] == "created"

    code, out, err = run(capsys, *base, "list", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert [r["number"] for r in listed] == ["INC0000002", "INC0000001"]  # P1 first
    code, out, _ = run(capsys, *base, "list", "--group", "Messaging")
    assert "INC0000001" in out and "INC0000002" not in out
    code, out, _ = run(capsys, *base, "list", "--state", "closed")
    assert code == 0 and "(none)" in out


def test_times_are_printed_in_the_sites_zone_not_the_machines(
    desk_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import time
    from datetime import datetime

    from app.db.engine import make_engine
    from app.domain.wording import local_time
    from app.services.context import Desk

    base = ("--db", desk_url, "--as", "ana.garcia", "incident")
    code, out, err = run(capsys, *base, "new", "--title", "Printer jam", "--json")
    assert code == 0, err
    opened = datetime.fromisoformat(json.loads(out)["opened_at"])
    engine = make_engine(desk_url)
    try:
        zone = Desk(engine).zone
    finally:
        engine.dispose()
    machine = "Pacific/Kiritimati" if str(zone) != "Pacific/Kiritimati" else "Pacific/Niue"
    before = os.environ.get("TZ")
    os.environ["TZ"] = machine  # the machine is half a world away from the site
    time.tzset()
    try:
        code, out, err = run(capsys, *base, "show", "INC0000001")
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
    assert code == 0, err
    opened_line = next(line for line in out.splitlines() if line.strip().startswith("Opened"))
    assert f"{local_time(opened, zone)} by Ana Garcia" in opened_line


def test_unknown_caller_is_added_and_ambiguous_one_refused(
    desk_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("--db", desk_url, "--as", "ana.garcia", "incident", "new", "--title", "Printer")
    code, out, err = run(capsys, *base, "--caller", "Zed Newcomer", "--json")
    assert code == 0, err
    assert json.loads(out)["caller_name"] == "Zed Newcomer"
    code, _, err = run(capsys, *base, "--caller", "John")
    assert code == 2 and "ambiguous" in one_error_line(err)
    code, _, err = run(capsys, *base, "--category", "Nothing > Here")
    assert code == 2 and "No category" in one_error_line(err)


@pytest.mark.parametrize(
    "argv,words",
    [
        (("--as", "ana.garcia", "incident", "show", "INC0009999"), "No incident"),
        (("--as", "nobody", "incident", "list"), "No user"),
        (("--as", "ana.garcia", "incident", "new", "--title", "x", "--impact", "7"), "Impact"),
        (("--as", "ana.garcia", "incident", "list", "--group", "Nope"), "No group"),
    ],
)
def test_refusals_are_one_line(
    desk_url: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], words: str
) -> None:
    code, _out, err = run(capsys, "--db", desk_url, *argv)
    assert code == 2
    assert words in one_error_line(err)


def test_database_without_schema_says_upgrade(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--db", db_url, "users", "list")
    assert code == 2
    assert "db upgrade" in one_error_line(err)


def test_unreachable_postgresql_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "--db", "postgresql://postgres@127.0.0.1:1/x", "--as", "a", "incident", "list"
    )
    assert code == 2
    assert "cannot be reached" in one_error_line(err)


def test_bad_address_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", "oracle://scott@tiger/x", "db", "upgrade")
    assert code == 2
    assert "oracle" in one_error_line(err)


def test_demo_command_reports_and_numbers_continue(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", db_url, "demo", "--incidents", "120", "--seed", "2")
    assert code == 0, err
    assert "120 demo incidents" in out and "INC0000001..INC0000120" in out
    assert "demo: 120/120 incidents" in err
    code, out, _ = run(capsys, "--db", db_url, "demo", "--incidents", "5")
    assert "INC0000121..INC0000125" in out
    code, out, _ = run(
        capsys, "--db", db_url, "--as", "carla.rossi", "incident", "list", "--limit", "3", "--json"
    )
    assert code == 0 and len(json.loads(out)) == 3


def test_env_chooses_database_and_user(
    desk_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INCIDENTDESK_DB", desk_url)
    monkeypatch.setenv(cli.ENV_USER, "ana.garcia")
    code, out, err = run(capsys, "incident", "new", "--title", "From the environment")
    assert code == 0, err
    assert out.startswith("Logged INC0000001")


def test_sla_sweep_announces_once(desk_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "--db",
        desk_url,
        "--as",
        "root",
        "incident",
        "new",
        "--title",
        "ERP down",
        "--impact",
        "1",
        "--urgency",
        "1",
        "--json",
    )
    assert code == 0, err
    number = json.loads(out)["number"]
    code, out, err = run(capsys, "--db", desk_url, "sla", "sweep")
    assert code == 0, err
    assert number not in out and "0 thresholds announced" in err  # a fresh P1: nothing yet


def test_a_mistyped_sqlite_path_is_not_created(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "no" / "such" / "desk.sqlite3"
    code, _, err = run(capsys, "--db", str(missing), "users", "list")
    assert code == 2
    assert f"No database at {missing}" in one_error_line(err)
    assert not missing.parent.exists()


def _callers_named(url: str, name: str) -> int:
    from sqlalchemy import func, select

    from app.db.engine import make_engine
    from app.models import Caller

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(Caller).where(Caller.name == name)
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_a_new_caller_is_added_with_the_incident_or_not_at_all(
    desk_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ("--db", desk_url, "--as", "root", "incident", "new")
    assert _callers_named(desk_url, "Zed Newcomer") == 0
    code, _, err = run(capsys, *base, "--title", "x", "--caller", "Zed Newcomer", "--impact", "9")
    assert code == 2 and "Impact must be 1 to 3" in one_error_line(err)
    assert _callers_named(desk_url, "Zed Newcomer") == 0  # the failed attempt left no caller
    code, out, err = run(
        capsys, *base, "--title", "Badge refused", "--caller", "Zed Newcomer", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["caller_name"] == "Zed Newcomer"
    assert "New caller Zed Newcomer" not in err  # --json prints the record only
    assert _callers_named(desk_url, "Zed Newcomer") == 1
    # the same submitted again: the caller is found this time, not added twice
    code, out, err = run(capsys, *base, "--title", "Again", "--caller", "Zed Newcomer", "--json")
    assert code == 0 and json.loads(out)["caller_name"] == "Zed Newcomer", err
    assert _callers_named(desk_url, "Zed Newcomer") == 1


def test_lifecycle_verbs_walk_an_incident_through_the_same_rules(
    desk_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.db.engine import make_engine
    from app.domain.incident_rights import IncidentAction
    from app.domain.permissions import IncidentFacts, why_not
    from app.services import queries
    from app.services.context import Desk

    def act(user: str, *argv: str) -> tuple[int, str, str]:
        return run(capsys, "--db", desk_url, "--as", user, "incident", *argv)

    def refused(user: str, *argv: str) -> str:
        code, out, err = act(user, *argv)
        assert code == 2 and out == "", (out, err)
        return one_error_line(err).removeprefix("incidentdesk: error: ")

    code, out, err = act("ana.garcia", "new", "--title", "VPN down for office B", "--json")
    assert code == 0, err
    number = json.loads(out)["number"]
    code, out, err = act("ana.garcia", "assign", number, "--to", "ana.garcia")
    assert code == 0, err
    assert out == f"{number} is In Progress · Service Desk (line 1) · Ana Garcia\n"
    code, out, err = act(
        "ana.garcia",
        "hold",
        number,
        "--reason",
        "awaiting_caller",
        "--comment",
        "Send a screenshot",
    )
    assert code == 0 and "is On Hold (Awaiting caller)" in out, err
    code, out, err = act("ana.garcia", "resume", number)
    assert code == 0 and "is In Progress" in out, err
    code, out, err = act(
        "ana.garcia", "note", number, "--text", "Screenshot received", "--caller-visible", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["number"] == number
    code, out, err = act(
        "ana.garcia",
        "escalate",
        number,
        "--group",
        "Network",
        "--reason",
        "Concentrator unreachable",
        "--json",
    )
    assert code == 0, err
    moved = json.loads(out)
    assert (moved["group_name"], moved["support_line"], moved["assignee_id"]) == (
        "Network",
        2,
        None,
    )

    # Network has it now: the agent may add a note, not resolve; the CLI prints the rule's words
    reason = refused("ana.garcia", "resolve", number, "--code", "solution_provided", "--notes", "x")
    assert reason == (
        f"{number} belongs to Network, not to one of your groups: an agent may resolve an "
        "incident only in their own groups"
    )
    engine = make_engine(desk_url)
    try:
        desk = Desk(engine)
        record = queries.get_incident(desk, number)
        assert reason == why_not(
            desk.actor("ana.garcia"), IncidentFacts.of(record), IncidentAction.RESOLVE
        )
    finally:
        engine.dispose()
    code, _, err = act("ana.garcia", "note", number, "--text", "The caller called again")
    assert code == 0, err

    code, out, err = act("ben.okafor", "assign", number, "--to", "nina.petrova")
    assert code == 0 and "Nina Petrova" in out, err
    code, out, err = act(
        "ben.okafor", "escalate-supervisor", number, "--reason", "Caller is the CFO"
    )
    assert code == 0, err
    assert refused("ben.okafor", "escalate-supervisor", number, "--reason", "Again") == (
        f"{number} was escalated to its group's supervisor already"
    )
    code, out, err = act(
        "ben.okafor", "resolve", number, "--code", "solution_provided", "--notes", "Restarted it"
    )
    assert code == 0 and "is Resolved" in out, err
    code, out, err = act("ben.okafor", "reopen", number, "--reason", "Down again")
    assert code == 0 and "is In Progress" in out, err
    assert (
        refused("ben.okafor", "major", number)
        == "Only a supervisor or an admin may mark an incident major"
    )
    code, out, err = act("carla.rossi", "major", number, "--json")
    assert code == 0 and json.loads(out)["major"] is True, err
    code, out, err = act("carla.rossi", "major", number, "--unmark", "--json")
    assert code == 0 and json.loads(out)["major"] is False, err
    code, out, err = act(
        "ben.okafor", "resolve", number, "--code", "workaround_provided", "--notes", "Failover"
    )
    assert code == 0, err
    code, out, err = act("ben.okafor", "close", number, "--json")
    assert code == 0 and json.loads(out)["state"] == "closed", err
    assert refused("dev.patel", "major", number) == (
        f"{number} is Closed: only its problem, change and caused-by may still be set, by an admin"
    )

    code, out, err = act("ana.garcia", "new", "--title", "VPN down (second call)", "--json")
    second = json.loads(out)["number"]
    assert refused("ana.garcia", "cancel", second, "--reason", "Duplicate") == (
        "Only a supervisor or an admin may cancel an incident"
    )
    code, out, err = act("carla.rossi", "cancel", second, "--reason", f"Duplicate of {number}")
    assert code == 0 and "is Cancelled" in out, err

    code, out, err = act("ana.garcia", "show", number, "--json")
    shown = json.loads(out)
    kinds = [(j["kind"], j["body"]) for j in shown["journal"]]
    assert ("comment", "Screenshot received") in kinds and (
        "work_note",
        "The caller called again",
    ) in kinds


@pytest.mark.parametrize(
    "argv,words",
    [
        (("assign", "INC0000001"), "--to USER, --group G, or both"),
        (("assign", "INC0000001", "--to", "nobody"), "No active user named 'nobody'"),
        (
            ("escalate", "INC0000001", "--group", "Nowhere", "--reason", "r"),
            "No group named 'Nowhere'",
        ),
        (("hold", "INC0000001", "--reason", "lunch"), "invalid choice: 'lunch'"),
        (("hold", "INC0000001", "--reason", "awaiting_caller"), "A comment to the caller"),
        (
            ("resolve", "INC0000001", "--code", "solution_provided", "--notes", " "),
            "Resolution notes",
        ),
        (("close", "INC0000009"), "No incident INC0000009"),
        (
            ("resume", "INC0000001"),
            "INC0000001 is New: only an incident that is On Hold can be resumed",
        ),
    ],
)
def test_lifecycle_verbs_refuse_in_one_line(
    desk_url: str, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], words: str
) -> None:
    base = ("--db", desk_url, "--as", "ana.garcia", "incident")
    code, _, err = run(capsys, *base, "new", "--title", "Printer jams")
    assert code == 0, err
    if argv[0] == "hold":
        code, _, err = run(capsys, *base, "assign", "INC0000001", "--to", "ana.garcia")
        assert code == 0, err
    code, out, err = run(capsys, *base, *argv)
    assert code == 2 and out == ""
    assert words in one_error_line(err)


def test_attachments_limit_shown_and_set_by_an_admin(
    desk_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--db", desk_url, "attachments", "limit")
    assert (code, out) == (0, "The largest file kept: 25 MB\n"), err
    code, out, err = run(capsys, "--db", desk_url, "--as", "root", "attachments", "limit", "10")
    assert (code, out) == (0, "The largest file kept: 10 MB\n"), err
    code, _out, err = run(capsys, "--db", desk_url, "--as", "ana.garcia", "attachments", "limit", "50")
    assert code == 2 and "admin" in one_error_line(err).lower()
