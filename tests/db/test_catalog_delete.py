"""Deleting groups, categories and services (SQLite and PostgreSQL): refused with what refers to
them named (how many incidents, which open, the categories, services, subcategories, known
errors), allowed when nothing does and then in the admin audit; the command line says the same
in one line with exit 2."""

from __future__ import annotations

import pytest

from app import cli
from app.domain.errors import PermissionDenied, ValidationError
from app.services import admin_audit, catalog, defaults, problems, queries, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor("dev")
    d.sd = catalog.add_group(d, root, "Service Desk", 1)  # type: ignore[attr-defined]
    d.net = catalog.add_group(d, root, "Network", 2)  # type: ignore[attr-defined]
    catalog.add_group(d, root, "Empty", 3)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk", "Empty"])
    d.software = catalog.add_category(d, root, "Software", default_group_id=d.sd)  # type: ignore[attr-defined]
    d.email = catalog.add_category(d, root, "Email", parent_id=d.software)  # type: ignore[attr-defined]
    d.vpn = catalog.add_service(d, root, "VPN", group_id=d.net)  # type: ignore[attr-defined]
    catalog.add_service(d, root, "Fax")
    return d


def test_a_referred_group_is_refused_naming_the_incidents_categories_and_services(
    desk: Desk,
) -> None:
    ana = desk.actor("ana")
    a = inc.log_incident(
        desk, ana, inc.NewIncident("Outlook crashes", impact=2, urgency=2, category_id=desk.email)
    )  # type: ignore[attr-defined]
    closed = inc.log_incident(
        desk,
        ana,
        inc.NewIncident(
            "Old", impact=3, urgency=3, resolution_code="solution_provided", resolution_notes="ok"
        ),
    )
    assert closed.group_name == "Service Desk" and a.group_name == "Service Desk"
    with pytest.raises(ValidationError) as err:
        catalog.delete_group(desk, desk.actor("dev"), "Service Desk")
    assert str(err.value) == (
        f"The group Service Desk cannot be deleted, referred to by 2 incidents (1 open: {a.number}); "
        "1 category (Software). Rename it or move what refers to it first"
    )
    with pytest.raises(
        ValidationError,
        match=r"The group Network cannot be deleted, referred to by 1 service \(VPN\)",
    ):
        catalog.delete_group(desk, desk.actor("dev"), "Network")
    with pytest.raises(PermissionDenied):
        catalog.delete_group(desk, ana, "Empty")
    catalog.delete_group(desk, desk.actor("dev"), "Empty")  # its member just leaves it
    assert "Empty" not in {g.name for g in queries.groups(desk)}
    assert users.list_users(desk)[0].group_names == ("Service Desk",)
    assert ("Group", "Empty", None) in {
        (e.field, e.old, e.new) for e in admin_audit.admin_history(desk, "group")
    }


def test_categories_and_services(desk: Desk) -> None:
    root = desk.actor("dev")
    problems.add_known_error(
        desk, root, "Mail stuck", "Outbox fills", "Restart Outlook", category_id=desk.email
    )  # type: ignore[attr-defined]
    with pytest.raises(
        ValidationError,
        match=r"The category Software cannot be deleted, referred to by 1 subcategory \(Email\)",
    ):
        catalog.delete_category(desk, root, desk.software)  # type: ignore[attr-defined]
    with pytest.raises(
        ValidationError,
        match=r"referred to by 1 known error \(Mail stuck\)\. Deactivate it instead",
    ):
        catalog.delete_category(desk, root, desk.email)  # type: ignore[attr-defined]
    inc.log_incident(
        desk,
        desk.actor("ana"),
        inc.NewIncident("VPN drops", impact=2, urgency=2, config_item_id=desk.vpn),
    )  # type: ignore[attr-defined]
    with pytest.raises(
        ValidationError,
        match=r"The service VPN cannot be deleted, referred to by 1 incident \(1 open: INC",
    ):
        catalog.delete_service(desk, root, "VPN")
    catalog.delete_service(desk, root, "Fax")
    assert [s.name for s in queries.services(desk)] == ["VPN"]


def test_the_command_line(desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db", db_url, "groups", "list", "--json"]) == 0
    names = [g["name"] for g in __import__("json").loads(capsys.readouterr().out)]
    assert set(names) == {"Service Desk", "Network", "Empty"}
    assert cli.main(["--db", db_url, "--as", "dev", "categories", "delete", "Software>Email"]) == 0
    assert capsys.readouterr().out == "Deleted Software>Email.\n"
    assert cli.main(["--db", db_url, "--as", "dev", "services", "delete", "VPN"]) == 0
    capsys.readouterr()
    code = cli.main(["--db", db_url, "--as", "dev", "groups", "delete", "Service Desk"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip() == (
        "incidentdesk: error: The group Service Desk cannot be deleted, referred to by 1 category "
        "(Software). Rename it or move what refers to it first"
    )
    code = cli.main(["--db", db_url, "groups", "delete", "Empty"])
    assert code == 2 and "say who acts" in capsys.readouterr().err


def test_groups_add_and_edit_from_the_command_line(
    desk: Desk, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli.main(
            [
                "--db",
                db_url,
                "--as",
                "dev",
                "groups",
                "add",
                "Databases",
                "--line",
                "3",
                "--email",
                "db@example.com",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == "Added the group Databases (line 3).\n"
    code = cli.main(
        [
            "--db",
            db_url,
            "--as",
            "dev",
            "groups",
            "edit",
            "Databases",
            "--rename",
            "DBA",
            "--line",
            "2",
            "--supervisor",
            "ana",
        ]
    )
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    got = next(g for g in queries.groups(desk) if g.name == "DBA")
    assert (got.line, got.supervisor_name) == (2, "Ana Garcia")
    words = {(e.field, e.old, e.new) for e in admin_audit.admin_history(desk, "group", got.id)}
    assert {
        ("Name", "Databases", "DBA"),
        ("Support line", "Line 3", "Line 2"),
        ("Supervisor", None, "Ana Garcia"),
    } <= words
    code = cli.main(
        ["--db", db_url, "--as", "dev", "groups", "edit", "DBA", "--supervisor", "nobody"]
    )
    assert (
        code == 2
        and capsys.readouterr().err.strip() == "incidentdesk: error: No user named 'nobody'"
    )
    code = cli.main(["--db", db_url, "--as", "dev", "groups", "edit", "DBA", "--rename", "Network"])
    assert code == 2 and "A group named 'Network' exists already" in capsys.readouterr().err
