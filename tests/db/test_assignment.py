"""Automatic assignment on SQLite and PostgreSQL, over a day of real logged incidents (the
ServiceNow sample's 6 March 2016): round robin and least loaded among the available members, in
the transaction that routes the incident, audited as the desk with the rule."""

from __future__ import annotations

import csv
import gzip
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app.domain.assignment import priority_weight
from app.domain.errors import PermissionDenied, ValidationError
from app.services import assignment, catalog, defaults, held_groups, queries, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock

SAMPLE = (
    Path(__file__).parents[1]
    / "data"
    / "event_logs"
    / "servicenow_incident_event_log_sample.csv.gz"
)
DAY = "6/3/2016"


def _at(text_: str) -> datetime | None:
    return None if text_ == "?" else datetime.strptime(text_, "%d/%m/%Y %H:%M").replace(tzinfo=UTC)


def day_of_incidents() -> list[tuple[datetime, str, int, int, datetime | None]]:
    """(opened, number, impact, urgency, resolved) of every incident opened that day, first row
    of each (its state when logged), in the order they were opened."""
    first: dict[str, dict[str, str]] = {}
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            first.setdefault(row["number"], row)
    out = []
    for number, row in first.items():
        if row["opened_at"].split()[0] == DAY:
            opened = _at(row["opened_at"])
            assert opened is not None
            out.append(
                (
                    opened,
                    number,
                    int(row["impact"][0]),
                    int(row["urgency"][0]),
                    _at(row["resolved_at"]),
                )
            )
    return sorted(out)


@pytest.fixture
def desk(engine: Engine) -> Desk:
    d = Desk(engine, clock=Clock(datetime(2016, 3, 6, tzinfo=UTC)))
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor(admin.username)
    sd = catalog.add_group(d, root, "Service Desk", 1)
    catalog.add_group(d, root, "Network", 2)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    for name, full in (("ben", "Ben Okafor"), ("eve", "Eve Moreau"), ("ivo", "Ivo Petrov")):
        users.add_user(d, root, name, full, "specialist", groups=["Service Desk"])
    d.sd = sd  # type: ignore[attr-defined]
    return d


def _run_day(desk: Desk, mode: str) -> list[dict[str, Any]]:
    """Log the day's incidents in Service Desk as they came, resolving each when the log says
    (if that day); Eve is away from 12:00 to 14:00. What each logging chose, with the loads the
    test keeps itself (open incidents per member, weighted by priority) just before."""
    root = desk.actor("dev")
    assignment.set_mode(desk, root, desk.sd, mode)  # type: ignore[attr-defined]
    ana, eve = desk.actor("ana"), desk.actor("eve")
    members = {desk.actor(n).id: n for n in ("ana", "ben", "eve", "ivo")}
    events: list[tuple[datetime, int, Any]] = []
    for opened, number, impact, urgency, resolved in day_of_incidents():
        events.append((opened, 1, (number, impact, urgency, resolved)))
        if (
            resolved is not None
            and resolved.strftime("%d/%m/%Y").lstrip("0").replace("/0", "/") == DAY
        ):
            events.append((resolved, 0, number))
    events += [
        (datetime(2016, 3, 6, 12, tzinfo=UTC), 0, "away"),
        (datetime(2016, 3, 6, 14, tzinfo=UTC), 0, "back"),
    ]
    events.sort(key=lambda e: (e[0], e[1]))
    open_of: dict[str, tuple[int, int]] = {}  # our number -> (assignee, priority)
    ours: dict[str, str] = {}  # the log's number -> ours
    away = False
    chosen: list[dict[str, Any]] = []
    for at, _order, what in events:
        desk._clock.now = at  # type: ignore[attr-defined]
        if what in ("away", "back"):
            away = what == "away"
            assignment.set_available(desk, eve, not away)
            continue
        if isinstance(what, str):
            if what in ours and ours[what] in open_of:
                rec = queries.get_incident(desk, ours[what])
                inc.resolve(
                    desk,
                    desk.actor(members[rec.assignee_id]),
                    rec.id,
                    rec.version,
                    "solution_provided",
                    "done",
                )
                del open_of[ours[what]]
            continue
        number, impact, urgency, _resolved = what
        loads = {m: 0 for m, n in members.items() if not (away and n == "eve")}
        for assignee, priority in open_of.values():
            if assignee in loads:
                loads[assignee] += priority_weight(priority)
        rec = inc.log_incident(
            desk,
            ana,
            inc.NewIncident(title=f"{number} from the log", impact=impact, urgency=urgency),
        )
        assert rec.assignee_id is not None, f"{number}: nobody was assigned"
        ours[number] = rec.number
        open_of[rec.number] = (rec.assignee_id, rec.priority)
        chosen.append(
            {
                "number": rec.number,
                "who": members[rec.assignee_id],
                "loads": loads,
                "load": loads[rec.assignee_id],
                "away": away,
            }
        )
    return chosen


def test_round_robin_over_a_day_takes_turns_among_the_available(desk: Desk) -> None:
    chosen = _run_day(desk, "round_robin")
    assert len(chosen) == 56
    turn = ["ana", "ben", "eve", "ivo"]
    last: str | None = None
    for c in chosen:
        order = [n for n in turn if not (c["away"] and n == "eve")]
        expected = (
            order[0]
            if last is None
            else next((n for n in order if turn.index(n) > turn.index(last)), order[0])
        )
        assert c["who"] == expected, c
        last = c["who"]
    assert not any(c["who"] == "eve" for c in chosen if c["away"])
    assert any(c["away"] for c in chosen)  # the day did have incidents while Eve was away


def test_least_loaded_over_a_day_gives_each_to_the_lightest_available(desk: Desk) -> None:
    chosen = _run_day(desk, "least_loaded")
    assert len(chosen) == 56
    for c in chosen:
        assert c["load"] == min(c["loads"].values()), c
        assert c["who"] in {n for n, _m in zip(["ana", "ben", "eve", "ivo"], range(4), strict=True)}
    assert not any(c["who"] == "eve" for c in chosen if c["away"])
    assert len({c["who"] for c in chosen}) == 4


def test_the_assignment_is_the_desks_with_the_rule_in_the_routing_transaction(desk: Desk) -> None:
    root, ana = desk.actor("dev"), desk.actor("ana")
    net = next(g.id for g in queries.groups(desk) if g.name == "Network")
    users.add_user(desk, root, "nora", "Nora Lind", "specialist", groups=["Network"])
    assignment.set_mode(desk, root, net, "least_loaded")
    rec = inc.log_incident(desk, ana, inc.NewIncident(title="VPN down", impact=2, urgency=2))
    assert rec.assignee_id is None  # Service Desk assigns by hand
    moved = inc.escalate_functional(desk, ana, rec.id, rec.version, net, "needs the network team")
    assert (moved.group_name, moved.assignee_name, moved.version) == (
        "Network",
        "Nora Lind",
        rec.version + 1,
    )
    with desk.read() as conn:
        rows = conn.execute(
            text(
                "SELECT a.field, g.username, a.reason, a.incident_version FROM audit a JOIN agents g ON g.id = a.agent_id "
                "WHERE a.incident_id = :i AND a.field IN ('group_id', 'assignee_id') ORDER BY a.id"
            ),
            {"i": rec.id},
        ).all()
    assert [tuple(r) for r in rows] == [
        ("group_id", "ana", "needs the network team", moved.version),
        (
            "assignee_id",
            "system",
            "Automatic assignment: least loaded in Network (load 0)",
            moved.version,
        ),
    ]
    # nobody available: nobody named, and the routing still happens
    assignment.set_available(desk, desk.actor("nora"), False)
    other = inc.log_incident(desk, ana, inc.NewIncident(title="Switch flapping"))
    other = inc.escalate_functional(desk, ana, other.id, other.version, net, "network")
    assert (other.group_name, other.assignee_id) == ("Network", None)


def test_only_an_admin_sets_a_groups_mode_and_a_bad_mode_is_named(desk: Desk) -> None:
    with pytest.raises(PermissionDenied):
        assignment.set_mode(desk, desk.actor("ana"), desk.sd, "round_robin")  # type: ignore[attr-defined]
    with pytest.raises(
        ValidationError,
        match="Unknown assignment 'random': use one of manual, round_robin, least_loaded",
    ):
        assignment.set_mode(desk, desk.actor("dev"), desk.sd, "random")  # type: ignore[attr-defined]
    assert assignment.is_available(desk, desk.actor("ana"))
    assignment.set_available(desk, desk.actor("ana"), False)
    assert not assignment.is_available(desk, desk.actor("ana"))


def test_two_routings_into_one_group_at_once_take_turns_without_waiting_on_each_other(
    desk: Desk, engine: Engine
) -> None:
    """Two workstations each write an incident into a round-robin group (the foreign key holds
    FOR KEY SHARE on the group's row), then each asks whose turn it is: the first gets its
    answer at once, the second waits for the first's commit and gets the next member, not the
    same one from the group it read before."""
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite has one writer at a time)")
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.models import Group

    assignment.set_mode(desk, desk.actor("dev"), desk.sd, "round_robin")  # type: ignore[attr-defined]
    group_id = desk.sd  # type: ignore[attr-defined]
    first, second = Session(engine), Session(engine)
    picked: list[Any] = []
    try:
        for s in (first, second):  # what inserting an incident into the group takes
            s.execute(
                select(Group.id)
                .where(Group.id == group_id)
                .with_for_update(read=True, key_share=True)
            )
        held_groups.group_of(second, group_id)  # the routing read it and holds it
        picked.append(assignment.pick(first, group_id, lock=True))
        waiting = threading.Thread(
            target=lambda: picked.append(assignment.pick(second, group_id, lock=True))
        )
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), "the second routing did not wait for the first"
        first.commit()
        waiting.join(10)
        assert not waiting.is_alive()
        second.commit()
    finally:
        first.close()
        second.close()
    assert picked[0] is not None and picked[1] is not None
    assert picked[0].agent_id != picked[1].agent_id
