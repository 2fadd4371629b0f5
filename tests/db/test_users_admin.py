"""Users as an admin manages them (SQLite and PostgreSQL): edit with the admin audit, deactivate
(never the last admin, never oneself), reset a password (stored hashed, shown once), delete
refused with the referrers named; the command line's verbs say the same in one line."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app import cli
from app.domain.errors import PermissionDenied, ValidationError
from app.models import Agent
from app.services import admin_audit, catalog, defaults, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor("dev")
    catalog.add_group(d, root, "Service Desk", 1)
    catalog.add_group(d, root, "Network", 2)
    users.add_user(
        d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"], password="ana-pass-1"
    )
    users.add_user(d, root, "newbie", "New Bie", "agent")
    return d


def test_edit_changes_and_audits_field_by_field(desk: Desk) -> None:
    root = desk.actor("dev")
    rec = users.edit_user(
        desk,
        root,
        "ana",
        full_name="Ana María Garcia",
        role="specialist",
        groups=["Network", "Service Desk"],
    )
    assert (rec.full_name, rec.role, rec.group_names) == (
        "Ana María Garcia",
        "specialist",
        ("Network", "Service Desk"),
    )
    words = {(e.field, e.old, e.new) for e in admin_audit.admin_history(desk, "user", rec.id)}
    assert ("Full name", "Ana Garcia", "Ana María Garcia") in words
    assert ("Role", "Agent", "Specialist") in words
    assert ("Groups", "Service Desk", "Network, Service Desk") in words
    with pytest.raises(ValidationError, match="No group named 'Nowhere'"):
        users.edit_user(desk, root, "ana", groups=["Nowhere"])
    with pytest.raises(PermissionDenied, match="Only an admin may manage users"):
        users.edit_user(desk, desk.actor("ana"), "newbie", full_name="X")


def test_deactivate_keeps_the_last_admin_and_oneself(desk: Desk) -> None:
    root = desk.actor("dev")
    with pytest.raises(ValidationError, match="You cannot deactivate yourself"):
        users.set_active(desk, root, "dev", False)
    users.add_user(desk, root, "eve", "Eve Admin", "admin")
    eve = desk.actor("eve")
    users.set_active(desk, eve, "dev", False)
    with pytest.raises(ValidationError, match="Eve Admin is the desk's only active admin"):
        users.edit_user(desk, eve, "eve", role="agent")
    assert not users.set_active(desk, root, "ana", False).active
    with pytest.raises(PermissionDenied, match="deactivated"):
        desk.actor("ana")
    with pytest.raises(PermissionDenied, match="Wrong user name or password"):
        users.authenticate(desk, "ana", "ana-pass-1")


def test_reset_password_is_hashed_and_the_generated_one_works(desk: Desk) -> None:
    root = desk.actor("dev")
    new = users.reset_password(desk, root, "newbie")
    assert len(new) == 12
    with desk.read() as conn:
        stored = conn.execute(
            select(Agent.password_hash).where(Agent.username == "newbie")
        ).scalar_one()
    assert new not in stored and stored.startswith("scrypt$")
    assert users.authenticate(desk, "newbie", new).username == "newbie"
    with pytest.raises(ValidationError, match="at least 8 characters"):
        users.reset_password(desk, root, "newbie", "short")
    audit = [(e.field, e.new) for e in admin_audit.admin_history(desk, "user")]
    assert ("Password", "reset") in audit and all(
        new not in (e.new or "") for e in admin_audit.admin_history(desk)
    )


def test_delete_refused_naming_the_referrers_and_allowed_when_nothing_refers(desk: Desk) -> None:
    root = desk.actor("dev")
    ana = desk.actor("ana")
    a = inc.log_incident(desk, ana, inc.NewIncident("Outlook crashes", impact=2, urgency=2))
    inc.log_incident(
        desk,
        ana,
        inc.NewIncident(
            "Old one",
            impact=3,
            urgency=3,
            resolution_code="solution_provided",
            resolution_notes="ok",
        ),
    )
    with pytest.raises(ValidationError) as err:
        users.delete_user(desk, root, "ana")
    text = str(err.value)
    assert text.startswith("Ana Garcia cannot be deleted: 2 incidents (1 open: " + a.number + ")")
    assert "history entries" in text and text.endswith("Deactivate the user instead")
    users.delete_user(desk, root, "newbie")
    assert "newbie" not in {u.username for u in users.list_users(desk)}
    assert ("User", "New Bie", None) in {
        (e.field, e.old, e.new) for e in admin_audit.admin_history(desk, "user")
    }


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_verbs(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(capsys, "--db", db_url, "db", "upgrade")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("root-password\n"))
    assert (
        _run(
            capsys,
            "--db",
            db_url,
            "users",
            "add",
            "root",
            "--name",
            "Root",
            "--role",
            "admin",
            "--password-stdin",
        )[0]
        == 0
    )
    assert _run(capsys, "--db", db_url, "demo", "--incidents", "0")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert (
        _run(
            capsys,
            "--db",
            db_url,
            "--as",
            "root",
            "users",
            "add",
            "zoe",
            "--name",
            "Zoe",
            "--role",
            "agent",
        )[0]
        == 0
    )
    code, out, err = _run(
        capsys, "--db", db_url, "--as", "root", "users", "edit", "zoe", "--role", "supervisor"
    )
    assert code == 0, err
    assert out.startswith("zoe: Zoe, supervisor")
    code, out, _ = _run(capsys, "--db", db_url, "--as", "root", "users", "reset-password", "zoe")
    assert out.startswith("New password for zoe (shown once): ")
    code, out, _ = _run(capsys, "--db", db_url, "--as", "root", "users", "deactivate", "zoe")
    assert out == "zoe (Zoe) is deactivated.\n"
    code, _, err = _run(capsys, "--db", db_url, "--as", "root", "users", "deactivate", "root")
    assert (
        code == 2
        and err.strip() == "incidentdesk: error: You cannot deactivate yourself: ask another admin"
    )
    code, _, err = _run(
        capsys, "--db", db_url, "--as", "root", "users", "edit", "nobody", "--name", "X"
    )
    assert code == 2 and err.strip() == "incidentdesk: error: No user named 'nobody'"
    code, out, _ = _run(capsys, "--db", db_url, "--as", "root", "users", "delete", "zoe")
    assert (code, out) == (0, "Deleted zoe.\n")
