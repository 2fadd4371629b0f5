"""The catalog an admin shapes (SQLite and PostgreSQL): groups (line, supervisor, e-mail,
assignment mode, members, deactivated), categories (a tree with default group, impact and
urgency; moved, deactivated with what is under them) and services (owner group, deactivated);
each change in the admin audit and on the change feed; a category's defaults where an incident
starts; a deactivated group refused as a destination."""

from __future__ import annotations

import pytest

from app.domain.catalog import starting_levels
from app.domain.errors import PermissionDenied, ValidationError
from app.services import admin_audit, catalog, defaults, live, queries, users
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
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ben", "Ben Okafor", "specialist", groups=["Network"])
    return d


def _audit(desk: Desk, entity: str, entity_id: int) -> set[tuple[str, str | None, str | None]]:
    return {(e.field, e.old, e.new) for e in admin_audit.admin_history(desk, entity, entity_id)}


def test_a_group_edited_field_by_field_audited_and_on_the_feed(desk: Desk) -> None:
    root = desk.actor("dev")
    feed = live.open_feed(desk)
    try:
        catalog.edit_group(
            desk,
            root,
            "Network",
            line=3,
            supervisor="ben",
            email="net@example.com",
            assignment="least_loaded",
            members=["ben", "ana"],
            reason="Reorganisation",
        )
        changes = {(c.entity, c.kind) for c in feed.read()}
    finally:
        feed.close()
    assert ("group", "updated") in changes and ("agent", "updated") in changes
    got = catalog.group_detail(desk, "network")
    assert (got.line, got.supervisor_name, got.email, got.assignment, got.members) == (
        3, "Ben Okafor", "net@example.com", "least_loaded",
        (("ana", "Ana Garcia"), ("ben", "Ben Okafor")),
    )  # fmt: skip
    assert _audit(desk, "group", got.id) >= {
        ("Support line", "Line 2", "Line 3"),
        ("Supervisor", None, "Ben Okafor"),
        ("E-mail", None, "net@example.com"),
        ("Assignment", "Manual", "Least loaded"),
        ("Members", "Ben Okafor", "Ana Garcia, Ben Okafor"),
    }
    assert {e.reason for e in admin_audit.admin_history(desk, "group", got.id)} >= {
        "Reorganisation"
    }
    # a member removed; the user's own groups follow
    catalog.edit_group(desk, root, "Network", members=["ben"])
    assert next(u for u in users.list_users(desk) if u.username == "ana").group_names == (
        "Service Desk",
    )
    with pytest.raises(ValidationError, match="Unknown assignment 'random'"):
        catalog.edit_group(desk, root, "Network", assignment="random")
    with pytest.raises(ValidationError, match="No user named 'zed'"):
        catalog.edit_group(desk, root, "Network", members=["zed"])
    with pytest.raises(PermissionDenied):
        catalog.edit_group(desk, desk.actor("ana"), "Network", line=1)


def test_a_group_is_added_with_everything_and_the_mode_setting_is_audited(desk: Desk) -> None:
    from app.services import assignment

    root = desk.actor("dev")
    gid = catalog.add_group(
        desk, root, "Desktop", 2, supervisor="ben", email="desk@example.com",
        assignment="round_robin", members=["ana"],
    )  # fmt: skip
    got = catalog.group_detail(desk, "Desktop")
    assert (got.supervisor_username, got.assignment, got.members) == (
        "ben", "round_robin", (("ana", "Ana Garcia"),),
    )  # fmt: skip
    assert ("Members", None, "Ana Garcia") in _audit(desk, "group", gid)
    assignment.set_mode(desk, root, gid, "manual")
    assert ("Assignment", "Round robin", "Manual") in _audit(desk, "group", gid)


def test_a_deactivated_group_takes_no_new_incidents(desk: Desk) -> None:
    root, ana = desk.actor("dev"), desk.actor("ana")
    net = catalog.group_detail(desk, "Network").id
    vpn = catalog.add_category(desk, root, "VPN", default_group_id=net)
    a = inc.log_incident(desk, ana, inc.NewIncident("VPN down", category_id=vpn))
    with pytest.raises(ValidationError) as err:
        catalog.set_group_active(desk, root, "Network", False)
    assert str(err.value) == (
        "The group Network cannot be deactivated while something routes to it: "
        f"1 open incident ({a.number}); 1 active category (VPN). Move them to another group first"
    )
    inc.resolve(desk, root, a.id, None, "solution_provided", "Restarted")
    catalog.edit_category(desk, root, vpn, default_group="Service Desk")
    catalog.set_group_active(desk, root, "Network", False, reason="Merged into Service Desk")
    assert not catalog.group_detail(desk, "Network").active
    assert ("Active", "yes", "no") in _audit(desk, "group", net)
    with pytest.raises(ValidationError, match="The group Network is deactivated"):
        inc.log_incident(desk, ana, inc.NewIncident("Switch", group_id=net))
    b = inc.log_incident(desk, ana, inc.NewIncident("Printer"))
    with pytest.raises(ValidationError, match="The group Network is deactivated"):
        inc.assign(desk, ana, b.id, None, group_id=net, assignee_id=None)
    with pytest.raises(ValidationError, match="Network is deactivated: pick an active group"):
        catalog.edit_category(desk, root, vpn, default_group="Network")
    catalog.set_group_active(desk, root, "Network", True)
    assert catalog.group_detail(desk, "Network").active


def test_the_category_tree_its_defaults_and_where_an_incident_starts(desk: Desk) -> None:
    root, ana = desk.actor("dev"), desk.actor("ana")
    net = catalog.group_detail(desk, "Network").id
    software = catalog.add_category(desk, root, "Software")
    email = catalog.add_category(
        desk, root, "Email", parent_id=software, default_group_id=net,
        default_impact=2, default_urgency=1,
    )  # fmt: skip
    outlook = catalog.add_category(desk, root, "Outlook", parent_id=software)
    paths = {c.id: c.path for c in queries.categories(desk)}
    assert paths[outlook] == "Software > Outlook"
    with pytest.raises(ValidationError, match="Software > Email is a subcategory: a category has"):
        catalog.add_category(desk, root, "Calendar", parent_id=email)
    assert catalog.find_category(desk, "software>EMAIL").id == email
    assert _audit(desk, "category", email) == {
        ("Category", None, "Software > Email"),
        ("Default group", None, "Network"),
        ("Default impact", None, "2"),
        ("Default urgency", None, "1"),
    }
    # the category's defaults, unless the agent says
    a = inc.log_incident(desk, ana, inc.NewIncident("Mail stuck", category_id=email))
    assert (a.impact, a.urgency, a.priority, a.group_name) == (2, 1, 2, "Network")
    b = inc.log_incident(desk, ana, inc.NewIncident("Mail", category_id=email, impact=3))
    assert (b.impact, b.urgency) == (3, 1)
    c = inc.log_incident(desk, ana, inc.NewIncident("Other", category_id=outlook))
    assert (c.impact, c.urgency, c.group_name) == (3, 3, "Service Desk")
    assert starting_levels(None, None, 5, 4, 3, 3) == (3, 3)  # a smaller matrix: its lowest

    with pytest.raises(ValidationError, match="The default impact must be a level"):
        catalog.add_category(desk, root, "Bad", default_impact=4)
    with pytest.raises(ValidationError, match="exists already under Software"):
        catalog.add_category(desk, root, "Email", parent_id=software)
    with pytest.raises(ValidationError, match="cannot move under Software > Outlook: that is"):
        catalog.edit_category(desk, root, software, parent_id=outlook)
    hardware = catalog.add_category(desk, root, "Hardware")
    with pytest.raises(ValidationError, match="Software has subcategories, and a category has"):
        catalog.edit_category(desk, root, software, parent_id=hardware)
    # moved to the top, renamed, a default cleared
    catalog.edit_category(desk, root, email, name="Mail", parent_id=0, default_urgency=0)
    got = catalog.find_category(desk, "Mail")
    assert (got.parent_id, got.default_urgency, got.default_impact) == (None, None, 2)
    assert _audit(desk, "category", email) >= {
        ("Name", "Email", "Mail"),
        ("Parent", "Software", None),
        ("Default urgency", "1", None),
    }
    catalog.edit_category(desk, root, outlook, parent_id=email)  # under Mail, a top one now
    assert {c.id: c.path for c in queries.categories(desk)}[outlook] == "Mail > Outlook"


def test_a_category_deactivated_with_what_is_under_it(desk: Desk) -> None:
    root = desk.actor("dev")
    software = catalog.add_category(desk, root, "Software")
    email = catalog.add_category(desk, root, "Email", parent_id=software)
    assert catalog.set_category_active(desk, root, software, False) == 2
    assert [c.path for c in queries.categories(desk)] == []
    assert {c.path for c in queries.categories(desk, inactive=True)} == {
        "Software",
        "Software > Email",
    }
    with pytest.raises(ValidationError, match="is under Software, which is deactivated"):
        catalog.set_category_active(desk, root, email, True)
    other = catalog.add_category(desk, root, "Other")
    with pytest.raises(
        ValidationError, match="Software is deactivated: Other cannot move under it"
    ):
        catalog.edit_category(desk, root, other, parent_id=software)
    assert catalog.set_category_active(desk, root, software, True) == 1
    assert [c.path for c in queries.categories(desk)] == ["Other", "Software"]
    assert ("Active", "yes", "no") in _audit(desk, "category", email)


def test_services_with_an_owner_group_edited_and_deactivated(desk: Desk) -> None:
    root = desk.actor("dev")
    vpn = catalog.add_service(desk, root, "VPN", group="Network", description="Remote access")
    catalog.add_service(desk, root, "db-07", kind="ci")
    got = catalog.find_service(desk, "vpn")
    assert (got.group_name, got.description, got.kind) == ("Network", "Remote access", "service")
    catalog.edit_service(desk, root, "VPN", new_name="VPN gateway", kind="ci", group="")
    got = catalog.find_service(desk, "VPN gateway")
    assert (got.kind, got.group_name) == ("ci", None)
    assert _audit(desk, "service", vpn) >= {
        ("Service", None, "VPN"),
        ("Owner group", None, "Network"),
        ("Name", "VPN", "VPN gateway"),
        ("Kind", "Service", "Configuration item"),
        ("Owner group", "Network", None),
    }
    catalog.set_service_active(desk, root, "VPN gateway", False)
    assert [s.name for s in queries.services(desk)] == ["db-07"]
    assert not catalog.find_service(desk, "VPN gateway").active
    with pytest.raises(ValidationError, match="exists already"):
        catalog.edit_service(desk, root, "db-07", new_name="VPN gateway")
    with pytest.raises(ValidationError, match="the kind is 'service' or 'ci', not 'box'"):
        catalog.add_service(desk, root, "Fax", kind="box")


def test_deactivating_a_group_an_escalation_rule_points_at_is_refused(desk: Desk) -> None:
    from app.domain.escalation import EscalationRule, RuleAction
    from app.services import escalation_rules, sla_policies

    root = desk.actor("dev")
    desktop = catalog.add_group(desk, root, "Desktop", 3)
    policy = sla_policies.policies(desk)[0]
    kept = escalation_rules.list_rules(desk, policy.id)
    escalation_rules.set_rules(
        desk,
        root,
        policy.id,
        [*kept, EscalationRule("resolution", 100, RuleAction.ESCALATE_FUNCTIONAL, desktop)],
    )
    with pytest.raises(ValidationError) as err:
        catalog.set_group_active(desk, root, "Desktop", False)
    assert str(err.value) == (
        "The group Desktop cannot be deactivated while something routes to it: "
        f"1 escalation rule (of {policy.name}). Move them to another group first"
    )
    escalation_rules.set_rules(desk, root, policy.id, kept)
    catalog.set_group_active(desk, root, "Desktop", False)
    assert [g.name for g in queries.groups(desk) if not g.active] == ["Desktop"]
