"""Affected services and CIs on SQLite and PostgreSQL: logged with the incident, edited through
the incident's rules, each change in its history (in words) and the change feed; the other open
incidents on the same ones; the open major incidents on a service; a listed service cannot be
deleted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from app.domain.errors import PermissionDenied, ValidationError
from app.models import ChangeLogEntry, ConfigItem
from app.services import affected, catalog, defaults, queries, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine, clock=Clock(MONDAY_9))
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor(admin.username)
    sd = catalog.add_group(d, root, "Service Desk", 1)
    net = catalog.add_group(d, root, "Network", 2)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ben", "Ben Okafor", "specialist", groups=["Network"])
    users.add_user(d, root, "carla", "Carla Ruiz", "supervisor", groups=["Service Desk"])
    d.ids = {  # type: ignore[attr-defined]
        "sd": sd,
        "net": net,
        "hq": catalog.add_service(d, root, "Remote access HQ"),
        "mail": catalog.add_service(d, root, "E-mail"),
        "fw": catalog.add_service(d, root, "fw-hq-01", kind="ci"),
    }
    return d


def _log(desk: Desk, title: str, primary: int | None, *others: int, group: str = "sd") -> int:
    return inc.log_incident(
        desk,
        desk.actor("ana"),
        inc.NewIncident(
            title=title,
            impact=2,
            urgency=2,
            group_id=desk.ids[group],  # type: ignore[attr-defined]
            config_item_id=primary,
            also_affects=others,
        ),
    ).id


def _names(desk: Desk, iid: int) -> list[tuple[str, bool]]:
    return [(a.name, a.primary) for a in affected.affected(desk, iid)]


def test_logged_with_a_primary_and_others_in_words_in_the_history(desk: Desk) -> None:
    ids = desk.ids  # type: ignore[attr-defined]
    iid = _log(desk, "VPN down at HQ", ids["hq"], ids["fw"], ids["hq"], ids["mail"])
    assert _names(desk, iid) == [("Remote access HQ", True), ("fw-hq-01", False), ("E-mail", False)]
    assert queries.get_incident(desk, iid).service_name == "Remote access HQ"
    lines = [(h.label, h.new_text) for h in queries.history(desk, iid) if h.field == "affected"]
    assert lines == [("Also affects", "fw-hq-01"), ("Also affects", "E-mail")]


def test_add_remove_and_make_primary_go_through_the_incident_rules(desk: Desk) -> None:
    ids = desk.ids  # type: ignore[attr-defined]
    ana = desk.actor("ana")
    iid = _log(desk, "VPN down at HQ", ids["hq"])
    with desk.read() as conn:
        seq = conn.execute(select(func.max(ChangeLogEntry.seq))).scalar_one()
    rec = inc.add_affected(desk, ana, iid, None, ids["fw"])
    assert rec.version == 2
    with desk.read() as conn:
        feed = conn.execute(
            select(ChangeLogEntry.entity, ChangeLogEntry.entity_id).where(ChangeLogEntry.seq > seq)
        ).all()
    assert ("incident", iid) in feed  # the other workstations hear of it
    inc.make_primary(desk, ana, iid, None, ids["fw"])
    assert _names(desk, iid) == [("fw-hq-01", True), ("Remote access HQ", False)]
    inc.remove_affected(desk, ana, iid, None, ids["fw"])  # the primary: the next one takes over
    assert _names(desk, iid) == [("Remote access HQ", True)]
    service = [
        (h.old_text, h.new_text) for h in queries.history(desk, iid) if h.field == "config_item_id"
    ]
    assert service == [("Remote access HQ", "fw-hq-01"), ("fw-hq-01", "Remote access HQ")]
    # the form's Service set to one listed among the others: listed once, as the primary
    inc.add_affected(desk, ana, iid, None, ids["mail"])
    inc.update_fields(desk, ana, iid, None, {"config_item_id": ids["mail"]})
    assert _names(desk, iid) == [("E-mail", True)]
    # someone who may not edit the incident may not change what it affects either
    net_iid = _log(desk, "Switch loop", ids["fw"], group="net")
    with pytest.raises(PermissionDenied):
        inc.add_affected(desk, ana, net_iid, None, ids["mail"])
    assert _names(desk, net_iid) == [("fw-hq-01", True)]


def test_a_retired_service_cannot_be_added_and_a_listed_one_cannot_be_deleted(desk: Desk) -> None:
    ids = desk.ids  # type: ignore[attr-defined]
    admin = desk.actor("dev")
    iid = _log(desk, "Mail slow", ids["mail"], ids["fw"])
    with pytest.raises(ValidationError, match="fw-hq-01"):
        catalog.delete_service(desk, admin, "fw-hq-01")  # listed as another, not the primary
    with desk.write() as s:  # retired: out of the pickers, kept in the history
        s.execute(update(ConfigItem).where(ConfigItem.id == ids["hq"]).values(active=False))
    with pytest.raises(ValidationError, match="Remote access HQ is no longer in use"):
        inc.add_affected(desk, desk.actor("ana"), iid, None, ids["hq"])
    assert _names(desk, iid) == [("E-mail", True), ("fw-hq-01", False)]


def test_the_other_open_incidents_on_the_same_services_counted_and_listed(desk: Desk) -> None:
    ids = desk.ids  # type: ignore[attr-defined]
    ana = desk.actor("ana")
    mine = _log(desk, "Cannot reach intranet over VPN", ids["hq"], ids["fw"])
    a = _log(desk, "VPN down at HQ", ids["hq"])
    b = _log(desk, "Tunnel flaps", ids["mail"], ids["hq"])  # on HQ as another listing
    c = _log(desk, "Firewall CPU high", ids["fw"])
    done = _log(desk, "VPN slow yesterday", ids["hq"])
    inc.resolve(desk, ana, done, None, "solution_provided", "Restarted the concentrator")
    _log(desk, "Mail bounces", ids["mail"])
    on = affected.others_on(desk, mine)
    assert [o.summary for o in on] == [
        "2 other open incidents on Remote access HQ",
        "1 other open incident on fw-hq-01",
    ]
    assert {i.id for i in on[0].incidents} == {a, b}
    assert [i.id for i in on[1].incidents] == [c]
    assert on[0].incidents[0].priority_label and on[0].incidents[0].state_label == "New"
    assert len(affected.others_on(desk, mine, limit=1)[0].incidents) == 1  # all still counted
    assert affected.others_on(desk, mine, limit=1)[0].count == 2


def test_the_open_major_incidents_on_the_chosen_services(desk: Desk) -> None:
    ids = desk.ids  # type: ignore[attr-defined]
    carla = desk.actor("carla")
    major = _log(desk, "HQ remote access outage", ids["fw"], ids["hq"])
    inc.mark_major(desk, carla, major, None)
    _log(desk, "Not major", ids["hq"])
    found = affected.open_majors(desk, [ids["hq"], ids["mail"]])
    assert [(m.id, m.service_name) for m in found] == [(major, "Remote access HQ")]
    assert found[0].warning.startswith("Remote access HQ already has an open major incident: INC")
    assert affected.open_majors(desk, [ids["mail"]]) == []
    assert affected.open_majors(desk, []) == []
    inc.mark_major(desk, carla, major, None, False)
    assert affected.open_majors(desk, [ids["hq"]]) == []


def test_logged_as_the_child_of_the_major_incident_each_history_says_so(desk: Desk) -> None:
    ids = desk.ids  # type: ignore[attr-defined]
    major = _log(desk, "HQ remote access outage", ids["hq"])
    inc.mark_major(desk, desk.actor("carla"), major, None)
    [found] = affected.open_majors(desk, [ids["hq"]])
    with desk.read() as conn:
        seen = conn.execute(select(func.max(ChangeLogEntry.seq))).scalar_one()
    child = inc.log_incident(
        desk,
        desk.actor("ana"),
        inc.NewIncident(
            title="Cannot connect from HQ",
            config_item_id=ids["hq"],
            parent_id=found.id,
            parent_reason=found.warning,
        ),
    )
    assert child.parent_number == found.number
    [on_child] = [h for h in queries.history(desk, child.id) if h.field == "parent_id"]
    assert (on_child.label, on_child.old_text, on_child.new_text, on_child.by) == (
        "Parent incident",
        None,
        found.number,
        "Ana Garcia",
    )
    assert on_child.reason == found.warning
    [on_parent] = [h for h in queries.history(desk, major) if h.field == "child"]
    assert (on_parent.label, on_parent.new_text) == ("Child incident", child.number)
    assert [c.number for c in queries.children(desk, major)] == [child.number]
    with desk.read() as conn:
        told = conn.execute(
            select(ChangeLogEntry.entity_id).where(ChangeLogEntry.seq > seen)
        ).scalars()
        assert major in set(told)
