"""The reports on the desk's own incidents, on SQLite and PostgreSQL: each figure from a few
incidents whose story the test tells (logged, escalated, sent back, held for the caller,
reopened, resolved at logging), the period and the group filters, and the command line's
--json totals and --csv table."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import ValidationError
from app.services import catalog, defaults, reports, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock
from tests.db.test_cli import desk_url, one_error_line, run, stdin

__all__ = ["desk_url", "stdin"]  # fixtures

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    d = Desk(engine, clock=Clock(MONDAY_9), zone="Europe/Brussels")
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor(admin.username)
    sd = catalog.add_group(d, root, "Service Desk", 1)
    net = catalog.add_group(d, root, "Network", 2)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "sue", "Sue Lin", "supervisor", groups=["Service Desk", "Network"])
    d.ids = {"sd": sd, "net": net}  # type: ignore[attr-defined]
    return d


def _at(desk: Desk, minutes: int) -> None:
    desk._clock.now = MONDAY_9 + timedelta(minutes=minutes)  # type: ignore[attr-defined]


def _story(desk: Desk) -> dict[str, int]:
    """1: resolved at logging; 2: escalated to Network, sent back to the Service Desk (down a
    line) and back to Network (a return), resolved; 3: held for the caller for an hour,
    resolved, reopened, resolved; 4: open."""
    ana, sue = desk.actor("ana"), desk.actor("sue")
    sd, net = desk.ids["sd"], desk.ids["net"]  # type: ignore[attr-defined]
    one = inc.log_incident(
        desk,
        ana,
        inc.NewIncident(
            title="Password reset", impact=3, urgency=3, group_id=sd,
            resolution_code="solution_provided", resolution_notes="Reset it",
        ),
    )  # fmt: skip
    two = inc.log_incident(
        desk, ana, inc.NewIncident(title="VPN down", impact=1, urgency=1, group_id=sd)
    )
    r = inc.escalate_functional(desk, ana, two.id, None, net, "needs the network team")
    r = inc.assign(desk, sue, two.id, r.version, group_id=sd, assignee_id=None, reason="not ours")
    r = inc.assign(desk, sue, two.id, r.version, group_id=net, assignee_id=None, reason="ours")
    _at(desk, 120)
    inc.resolve(desk, sue, two.id, None, "solution_provided", "Restarted")
    three = inc.log_incident(
        desk, ana, inc.NewIncident(title="Printer", impact=3, urgency=2, group_id=sd)
    )
    r = inc.assign_to_me(desk, ana, three.id, None)
    r = inc.hold(desk, ana, three.id, r.version, "awaiting_caller", "Which printer?")
    _at(desk, 180)
    r = inc.resume(desk, ana, three.id, r.version)
    r = inc.resolve(desk, ana, three.id, r.version, "solution_provided", "Driver")
    r = inc.reopen(desk, ana, three.id, r.version, "Still jams")
    inc.resolve(desk, ana, three.id, r.version, "solution_provided", "New drum")
    four = inc.log_incident(
        desk, ana, inc.NewIncident(title="Slow PC", impact=3, urgency=3, group_id=sd)
    )
    return {"one": one.id, "two": two.id, "three": three.id, "four": four.id}


def _totals(desk: Desk, name: str, **kw: object) -> dict[str, object]:
    return reports.report(desk, name, reports.ReportFilter(**kw)).totals  # type: ignore[arg-type]


def test_each_report_counts_the_story(desk: Desk) -> None:
    _story(desk)
    assert _totals(desk, "first-contact") == {
        "resolved": 3, "first_contact": 2, "first_contact_share": 0.6667, "at_logging": 1,
    }  # fmt: skip
    assert _totals(desk, "reassignments")["max"] == 3
    assert _totals(desk, "reassignments")["reassigned_share"] == 0.25
    assert _totals(desk, "ping-pong")["incidents_returning"] == 1
    assert _totals(desk, "down-a-line")["incidents_down"] == 1
    assert _totals(desk, "reopens")["reopened_incidents"] == 1
    wait = _totals(desk, "wait-user")
    assert (wait["incidents_waiting"], wait["hours_waited"]) == (1, 1.0)
    front = _totals(desk, "push-to-front")
    assert (front["resolved"], front["first_line_only"]) == (3, 2)
    rt = _totals(desk, "resolve-time")
    assert (rt["resolved"], rt["mean_hours"], rt["median_hours"]) == (3, 1.0, 1.0)  # 0, 2 and 1 h
    assert _totals(desk, "backlog")["open"] == 1
    sla = _totals(desk, "sla")
    assert sla["resolution_met"] + sla["resolution_missed"] == 3  # type: ignore[operator]


def test_the_period_and_the_group_narrow_every_report(desk: Desk) -> None:
    _story(desk)
    later = MONDAY_9 + timedelta(days=1)
    assert _totals(desk, "reopens", start=later)["incidents"] == 0
    assert _totals(desk, "reassignments", end=later)["incidents"] == 4
    net = desk.ids["net"]  # type: ignore[attr-defined]
    assert _totals(desk, "reassignments", group_ids=(net,))["incidents"] == 1
    with pytest.raises(ValidationError, match="ends before it starts"):
        _totals(desk, "sla", start=later, end=MONDAY_9)
    with pytest.raises(ValidationError, match="No report named 'nope'"):
        reports.report(desk, "nope", reports.ReportFilter())


def test_the_command_prints_totals_as_json_and_the_table_as_csv(
    desk_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ana = ("--db", desk_url, "--as", "ana.garcia")
    for title in ("VPN down", "Printer jams"):
        code, _, err = run(capsys, *ana, "incident", "new", "--title", title)
        assert code == 0, err
    code, out, err = run(capsys, "--db", desk_url, "report", "reassignments", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["report"] == "reassignments" and data["totals"]["incidents"] == 2
    assert {"reassigned_share", "max"} <= set(data["totals"])
    for name, key in (("reopens", "reopened_incidents"), ("sla", "resolution_missed_share"),
                      ("ping-pong", "incidents_returning"), ("push-to-front", "first_line_only")):  # fmt: skip
        code, out, err = run(capsys, "--db", desk_url, "report", name, "--json")
        assert code == 0, err
        assert key in json.loads(out)["totals"]
    code, out, err = run(
        capsys, "--db", desk_url, "report", "reopens", "--csv", "--group", "service desk"
    )
    assert code == 0, err
    table = list(csv.reader(io.StringIO(out)))
    assert table[0][:3] == ["Group now", "Incidents", "Resolved"] and table[1][:2] == [
        "Service Desk",
        "2",
    ]
    code, _, err = run(capsys, "--db", desk_url, "report", "sla", "--from", "2026-13-01")
    assert code == 2 and "'2026-13-01' is not a date (YYYY-MM-DD)" in one_error_line(err)
