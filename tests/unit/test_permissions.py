"""The one answer to "may I do this, and if not, why" (app.domain.permissions): the reasons
are words a desk agent reads, in the order the rules apply."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from app.domain.errors import IllegalTransition, PermissionDenied
from app.domain.incident_rights import RIGHTS, IncidentAction, Reach
from app.domain.lifecycle import State
from app.domain.permissions import IncidentFacts, Target, check, why_not
from app.domain.roles import Role
from app.domain.roles_page import PAGE, roles_markdown

A = IncidentAction
SERVICE_DESK, NETWORK = 1, 2


@dataclass(frozen=True)
class Person:
    id: int
    role: Role
    group_ids: tuple[int, ...]


ANA = Person(10, Role.AGENT, (SERVICE_DESK,))
BEN = Person(11, Role.SPECIALIST, (NETWORK,))
CARLA = Person(12, Role.SUPERVISOR, (SERVICE_DESK,))
DEV = Person(13, Role.ADMIN, ())


def facts(state: State = State.IN_PROGRESS, **kw: object) -> IncidentFacts:
    values: dict[str, object] = {"group_id": SERVICE_DESK, "group_name": "Service Desk"}
    values.update(kw)
    return IncidentFacts("INC0000012", state, **values)  # type: ignore[arg-type]


def test_the_reasons_in_words() -> None:
    closed = facts(State.CLOSED)
    assert why_not(DEV, closed, A.MARK_MAJOR) == (
        "INC0000012 is Closed: only its problem, change and caused-by may still be set, by an admin"
    )
    assert why_not(DEV, closed, A.LINK_RELATED) is None
    assert why_not(CARLA, facts(State.CANCELLED), A.LINK_RELATED) == (
        "INC0000012 is Cancelled: only its problem, change and caused-by may still be set, by an admin"
    )
    assert why_not(ANA, facts(), A.CANCEL) == "Only a supervisor or an admin may cancel an incident"
    assert why_not(ANA, facts(), A.ASSIGN_PERSON) == (
        "Only a specialist, a supervisor or an admin may assign an incident to someone else"
    )
    assert why_not(BEN, facts(), A.HOLD) == (
        "INC0000012 belongs to Service Desk, not to one of your groups: a specialist may put an "
        "incident on hold only in their own groups"
    )
    assert why_not(ANA, facts(State.NEW), A.HOLD) == (
        "INC0000012 is New: only an incident that is In Progress can be put on hold"
    )
    assert why_not(ANA, facts(State.ON_HOLD), A.RESOLVE) == (
        "INC0000012 is On Hold: only an incident that is New or In Progress can be resolved"
    )
    assert why_not(ANA, facts(State.RESOLVED), A.EDIT) == (
        "INC0000012 is Resolved: only an open incident (New, In Progress or On Hold) can be "
        "edited; reopen it first"
    )
    assert why_not(ANA, facts(escalated_to_supervisor=True), A.ESCALATE_TO_SUPERVISOR) == (
        "INC0000012 was escalated to its group's supervisor already"
    )
    assert why_not(ANA, facts(assignee_id=ANA.id), A.ASSIGN_TO_ME) == "INC0000012 is assigned to you already"
    assert why_not(DEV, facts(), A.ASSIGN_TO_ME) == (
        "You belong to no group: an admin must add you to one before you can take incidents"
    )
    assert why_not(CARLA, facts(support_line=3), A.ESCALATE) == (
        "INC0000012 is with the 3rd line already: there is no higher line to escalate to"
    )
    assert why_not(CARLA, facts(major=True), A.MARK_MAJOR) == "INC0000012 is a major incident already"
    assert why_not(CARLA, facts(), A.UNMARK_MAJOR) == "INC0000012 is not a major incident"


def test_a_specialist_names_a_person_only_within_their_own_groups() -> None:
    mine = facts(group_id=NETWORK, group_name="Network")
    assert why_not(BEN, mine, A.ASSIGN_PERSON, Target(NETWORK, "Network")) is None
    assert why_not(BEN, mine, A.ASSIGN_PERSON, Target(SERVICE_DESK, "Service Desk")) == (
        "A specialist may assign someone else only within their own groups, and Service Desk "
        "is not one of them"
    )
    assert why_not(CARLA, mine, A.ASSIGN_PERSON, Target(NETWORK, "Network")) is None


def test_own_groups_are_the_actors_groups_their_own_incidents_and_unrouted_ones() -> None:
    other = facts(group_id=NETWORK, group_name="Network")
    assert why_not(ANA, other, A.RESOLVE) is not None
    assert why_not(ANA, other, A.ADD_NOTE) is None  # notes on any open incident
    assert why_not(ANA, facts(group_id=None, group_name=None), A.RESOLVE) is None
    assert why_not(ANA, facts(group_id=NETWORK, assignee_id=ANA.id), A.RESOLVE) is None
    assert why_not(CARLA, other, A.RESOLVE) is None  # a supervisor reaches every group


def test_agent_and_specialist_differ_and_every_role_has_a_say() -> None:
    differ = [a for a in A if RIGHTS[a][Role.AGENT] != RIGHTS[a][Role.SPECIALIST]]
    assert differ == [A.ASSIGN_PERSON, A.LINK_RELATED]
    for action in A:
        assert RIGHTS[action][Role.ADMIN] is Reach.ANY, action


def test_check_raises_the_same_reason_with_the_kind_of_refusal() -> None:
    with pytest.raises(PermissionDenied) as denied:
        check(ANA, facts(), A.CANCEL)
    assert str(denied.value) == why_not(ANA, facts(), A.CANCEL)
    with pytest.raises(IllegalTransition) as illegal:
        check(ANA, facts(State.NEW), A.HOLD)
    assert str(illegal.value) == why_not(ANA, facts(State.NEW), A.HOLD)
    check(ANA, facts(), A.HOLD)  # allowed: nothing raised


def test_no_reason_names_an_enum_value() -> None:
    values = {s.value for s in State if "_" in s.value} | {a.value for a in A if "_" in a.value}
    for role in (ANA, BEN, CARLA, DEV):
        for state in State:
            for action in A:
                reason = why_not(role, facts(state, group_id=NETWORK, group_name="Network"), action)
                if reason is None:
                    continue
                assert not any(value in reason for value in values), reason


def test_the_committed_roles_page_is_what_the_code_says() -> None:
    page = Path(__file__).resolve().parents[2] / PAGE
    assert page.read_text(encoding="utf-8") == roles_markdown(), (
        "docs/roles.md is stale: run .venv/bin/python scripts/roles_page.py"
    )
