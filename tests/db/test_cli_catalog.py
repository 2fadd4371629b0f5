"""incidentdesk groups|categories|services list|show|add|edit|deactivate|activate (SQLite and
PostgreSQL), text and --json, each change in the admin history; wrong input one line on stderr
and exit 2; the users verbs in the same shape (show, --json on add, deactivate, reset-password)."""

from __future__ import annotations

import json

import pytest

from app import cli
from app.services import admin_audit, catalog, defaults, users
from app.services.context import Desk
from app.services.defaults import Defaults


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor("dev")
    catalog.add_group(d, root, "Service Desk", 1)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ben", "Ben Okafor", "specialist")
    return d


def _run(capsys: pytest.CaptureFixture[str], db_url: str, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["--db", db_url, "--as", "dev", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_groups(desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys, db_url, "groups", "add", "Network", "--line", "2", "--supervisor", "ben",
        "--assignment", "round_robin", "--member", "ben", "--member", "ana", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert (data["name"], data["line"], data["supervisor"], data["assignment"]) == (
        "Network", 2, "ben", "round_robin",
    )  # fmt: skip
    assert [m["username"] for m in data["members"]] == ["ana", "ben"]
    code, out, err = _run(
        capsys, db_url, "groups", "edit", "network", "--remove-member", "ana",
        "--email", "net@example.com", "--reason", "Ana moved",
    )  # fmt: skip
    assert (code, out) == (0, "Saved the group Network.\n"), err
    code, out, _ = _run(capsys, db_url, "groups", "show", "Network")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("Network  (line 2; supervisor: Ben Okafor; round robin; 1 member; 0 open)")
    assert lines[1:3] == ["  e-mail: net@example.com", "  members: Ben Okafor (ben)"]
    assert any("Members: Ana Garcia, Ben Okafor -> Ben Okafor  (Ana moved)" in x for x in lines)
    code, out, _ = _run(capsys, db_url, "groups", "deactivate", "Network")
    assert (code, out) == (0, "The group Network is deactivated.\n")
    code, out, _ = _run(capsys, db_url, "groups", "list")
    assert out == "Service Desk  (line 1; supervisor: -; manual; 1 member; 0 open)\n"
    code, out, _ = _run(capsys, db_url, "groups", "list", "--all", "--json")
    assert [(g["name"], g["active"]) for g in json.loads(out)] == [
        ("Service Desk", True),
        ("Network", False),
    ]
    # wrong input: one line, exit 2
    for argv, said in (
        (("groups", "edit", "Network", "--assignment", "random"), "argument --assignment"),
        (("groups", "edit", "Nowhere", "--line", "3"), "No group named 'Nowhere' (groups:"),
        (("groups", "add", "X", "--line", "4"), "argument --line: invalid choice: 4"),
        (("groups", "edit", "Network", "--member", "ben", "--no-members"), "contradict"),
        (("groups", "edit", "Network", "--member", "zed"), "No user named 'zed'"),
    ):
        code, out, err = _run(capsys, db_url, *argv)
        assert code == 2 and out == "" and len(err.splitlines()) == 1 and said in err, err
        assert err.startswith("incidentdesk: error: ")


def test_categories(desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, db_url, "categories", "add", "Software", "--group", "Service Desk")[0] == 0
    code, out, err = _run(
        capsys, db_url, "categories", "add", "Software > Email", "--impact", "2", "--urgency",
        "1", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert (data["path"], data["default_impact"], data["default_urgency"]) == (
        "Software > Email", 2, 1,
    )  # fmt: skip
    code, out, _ = _run(capsys, db_url, "categories", "list")
    assert out == (
        "Software  (-> Service Desk)\nSoftware > Email  (-> no default group; impact 2; urgency 1)\n"
    )
    # logged from the command line in Email, without levels: the category's
    code, out, err = _run(
        capsys, db_url, "incident", "new", "--title", "Mail stuck", "--category",
        "Software > Email", "--json",
    )  # fmt: skip
    assert code == 0, err
    logged = json.loads(out)
    assert (logged["impact"], logged["urgency"], logged["priority"]) == (2, 1, 2)
    code, out, err = _run(
        capsys, db_url, "categories", "edit", "software>email", "--rename", "Mail",
        "--parent", "", "--urgency", "0", "--reason", "Flatter tree",
    )  # fmt: skip
    assert (code, out) == (0, "Saved the category Mail.\n"), err
    code, out, _ = _run(capsys, db_url, "categories", "show", "Mail", "--json")
    assert json.loads(out)["parent_id"] is None and json.loads(out)["default_urgency"] is None
    code, out, _ = _run(capsys, db_url, "categories", "deactivate", "Software")
    assert (code, out) == (0, "The category Software is deactivated.\n")
    for argv, said in (
        (("categories", "add", "Nowhere > Leaf"), "No category 'Nowhere'"),
        (("categories", "add", "Hardware", "--impact", "9"), "The default impact must be a level"),
        (("categories", "edit", "Mail", "--group", "Nobody"), "No group named 'Nobody'"),
        (("categories", "edit", "Mail", "--impact", "x"), "argument --impact: invalid int"),
    ):
        code, out, err = _run(capsys, db_url, *argv)
        assert code == 2 and out == "" and len(err.splitlines()) == 1 and said in err, err
    history = {(e.field, e.reason) for e in admin_audit.admin_history(desk, "category")}
    assert ("Name", "Flatter tree") in history and ("Active", None) in history


def test_services(desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys, db_url, "services", "add", "db-07", "--kind", "ci", "--group", "Service Desk",
        "--description", "Database server",
    )  # fmt: skip
    assert (code, out) == (0, "Added the configuration item db-07.\n"), err
    code, out, _ = _run(capsys, db_url, "services", "edit", "db-07", "--group", "", "--json")
    assert json.loads(out) == {
        "id": json.loads(out)["id"],
        "name": "db-07",
        "kind": "ci",
        "group": None,
        "description": "Database server",
        "active": True,
    }
    code, out, _ = _run(capsys, db_url, "services", "show", "db-07")
    assert out.splitlines()[:2] == [
        "db-07  (configuration item; owner: -)",
        "  description: Database server",
    ]
    assert "Owner group: Service Desk -> -" in out
    _run(capsys, db_url, "services", "deactivate", "db-07")
    assert _run(capsys, db_url, "services", "list")[1] == ""
    assert _run(capsys, db_url, "services", "list", "--all")[1] == (
        "db-07  (configuration item; owner: -; deactivated)\n"
    )
    code, out, err = _run(capsys, db_url, "services", "add", "Fax", "--kind", "box")
    assert code == 2 and "invalid choice: 'box'" in err and len(err.splitlines()) == 1
    code, _, err = _run(capsys, db_url, "services", "show", "Nothing")
    assert code == 2 and "No service or configuration item named 'Nothing'" in err


def test_users_have_the_same_shape(
    desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        capsys, db_url, "users", "add", "cara", "--name", "Cara Diaz", "--role", "supervisor",
        "--group", "Service Desk", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["group_names"] == ["Service Desk"]
    code, out, _ = _run(capsys, db_url, "users", "deactivate", "cara", "--json")
    assert code == 0 and json.loads(out)["active"] is False
    code, out, _ = _run(capsys, db_url, "users", "reset-password", "cara", "--json")
    new = json.loads(out)["password"]
    assert code == 0 and len(new) == 12
    code, out, _ = _run(capsys, db_url, "users", "show", "cara")
    assert out.splitlines()[0] == "cara  Cara Diaz (Supervisor, deactivated)"
    assert "Password: - -> reset" in out and "Active: yes -> no" in out
    code, out, _ = _run(capsys, db_url, "users", "show", "cara", "--json")
    assert json.loads(out)["username"] == "cara"
    code, _, err = _run(capsys, db_url, "users", "show", "nobody")
    assert code == 2 and err.strip() == "incidentdesk: error: No user named 'nobody'"
