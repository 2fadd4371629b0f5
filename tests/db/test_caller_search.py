"""Finding the caller as the agent types, on SQLite and PostgreSQL: a word of the name, the
e-mail or the phone starts with what was typed; this agent's recent callers and callers with
open incidents first; how many more match; typing more narrows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import ValidationError
from app.services import callers, catalog, defaults, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def desk(engine):  # type: ignore[no-untyped-def]
    clock = {"now": NOW}
    d = Desk(engine, clock=lambda: clock["now"])
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor("dev")
    catalog.add_group(d, root, "Service Desk", 1)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ed", "Ed Other", "agent", groups=["Service Desk"])
    for i in range(25):
        callers.add_caller(d, root, f"Joao {chr(65 + i)}visser", department="Sales")
    ids = {
        "john": callers.add_caller(
            d, root, "John Smith", email="john.smith@example.com", department="Finance"
        ),
        "mary": callers.add_caller(d, root, "Mary Johnson", department="Legal"),
        "bob": callers.add_caller(d, root, "Bob Bloggs", email="jo.bloggs@example.com"),
        "josie": callers.add_caller(d, root, "Josie Recent", department="HR"),
        "old": callers.add_caller(d, root, "Jonas Longago", department="IT"),
        "eve": callers.add_caller(d, root, "Eve Phone", phone="+32 2 555-0147"),
        "pct": callers.add_caller(d, root, "Per 100% Cent"),
    }
    ana, ed = d.actor("ana"), d.actor("ed")
    # John has an open incident (logged by someone else); Josie called Ana last week (closed now)
    inc.log_incident(d, ed, inc.NewIncident("Expense tool down", caller_id=ids["john"]))
    inc.log_incident(d, ed, inc.NewIncident("Second open one", caller_id=ids["john"]))
    r = inc.log_incident(
        d,
        ana,
        inc.NewIncident(
            "Password reset", caller_id=ids["josie"], opened_at=NOW - timedelta(days=6)
        ),
    )
    r = inc.resolve(d, ana, r.id, r.version, "solution_provided", "Reset the password")
    inc.close(d, ana, r.id, r.version)
    # Jonas called Ana long ago: not "recent"
    r = inc.log_incident(
        d,
        ana,
        inc.NewIncident("Old call", caller_id=ids["old"], opened_at=NOW - timedelta(days=90)),
    )
    r = inc.resolve(d, ana, r.id, r.version, "solution_provided", "Done")
    inc.close(d, ana, r.id, r.version)
    d.ids = ids  # type: ignore[attr-defined]
    return d


def _names(found) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.caller.name for m in found.matches]


def test_recent_callers_then_open_incidents_then_names_with_the_count_of_the_rest(
    desk: Desk,
) -> None:
    found = callers.search_callers(desk, desk.actor("ana"), "jo", limit=20)
    names = _names(found)
    assert names[:2] == ["Josie Recent", "John Smith"]
    assert names[2:5] == ["Joao Avisser", "Joao Bvisser", "Joao Cvisser"]
    assert len(names) == 20
    # in all: 25 Joaos, John, Josie, Jonas, Mary Johnson (a last name), Bob (his e-mail)
    assert found.total == 30 and found.more == 10
    john = found.matches[1]
    assert john.caller.department == "Finance" and john.open_incidents == 2 and not john.recent
    assert found.matches[0].recent and found.matches[0].open_incidents == 0
    # another agent: Josie is not their caller; John's open incidents still lift him
    other = _names(callers.search_callers(desk, desk.actor("ed"), "jo", limit=20))
    assert other[0] == "John Smith" and "Josie Recent" not in other[:2]


def test_every_typed_word_narrows_and_each_way_in_finds(desk: Desk) -> None:
    ana = desk.actor("ana")
    assert _names(callers.search_callers(desk, ana, "jo sm")) == ["John Smith"]
    assert _names(callers.search_callers(desk, ana, "smith j")) == ["John Smith"]
    assert _names(callers.search_callers(desk, ana, "johns")) == ["Mary Johnson"]
    assert _names(callers.search_callers(desk, ana, "jo.bl")) == ["Bob Bloggs"]
    assert _names(callers.search_callers(desk, ana, "john.smith@")) == ["John Smith"]
    assert _names(callers.search_callers(desk, ana, "3225550")) == ["Eve Phone"]
    assert _names(callers.search_callers(desk, ana, "555")) == ["Eve Phone"]
    assert _names(callers.search_callers(desk, ana, "100%")) == ["Per 100% Cent"]
    assert _names(callers.search_callers(desk, ana, "10_")) == []  # no wildcard read into it
    assert _names(callers.search_callers(desk, ana, "ohn")) == []  # a word's start, not its middle
    found = callers.search_callers(desk, ana, "jon")
    assert _names(found) == ["Jonas Longago"] and found.more == 0 and not found.matches[0].recent


def test_the_employee_id_finds_the_caller_whatever_the_case_and_a_new_caller_keeps_it(
    desk: Desk,
) -> None:
    ana = desk.actor("ana")
    root = desk.actor("dev")
    kim = callers.add_caller(desk, root, "Kim Lee", employee_id=" e10442 ", department="Audit")
    callers.add_caller(desk, root, "Kai Long", employee_id="E20442")
    found = callers.search_callers(desk, ana, "e1044")
    assert _names(found) == ["Kim Lee"]
    assert found.matches[0].caller.employee_id == "E10442"  # stored as HR writes it
    assert _names(callers.search_callers(desk, ana, "E10442")) == ["Kim Lee"]
    assert _names(callers.search_callers(desk, ana, "e2")) == ["Kai Long"]
    assert set(_names(callers.search_callers(desk, ana, "k e"))) == {"Kim Lee", "Kai Long"}
    assert _names(callers.search_callers(desk, ana, "0442")) == []  # its start, not its middle
    assert _names(callers.search_callers(desk, ana, "kim e104")) == ["Kim Lee"]
    # logging with a new caller who gives an id the desk knows names that caller, not a twin
    rec = inc.log_incident(
        desk,
        ana,
        inc.NewIncident(
            "Badge refused", new_caller=callers.NewCaller("K. Lee", employee_id="e10442")
        ),
    )
    assert rec.caller_id == kim
    with pytest.raises(ValidationError, match="at most 40 characters"):
        callers.add_caller(desk, root, "Too Long", employee_id="X" * 41)
