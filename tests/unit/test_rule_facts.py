"""The rules' facts, word for word and kind by kind: what `refusal` answers for things done
already or impossible (the FACT refusals), how `check` raises each kind, the snapshot the
windows take of a record, and the conflict the services raise for a stale version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from app.domain.errors import ConflictError, FieldChange, IllegalTransition, PermissionDenied
from app.domain.incident_rights import IncidentAction as A
from app.domain.lifecycle import State
from app.domain.permissions import IncidentFacts, Target, Why, check, refusal
from app.domain.roles import Role
from app.domain.sla import Threshold
from app.domain.wording import SlaLook, sla_look

SD, NET = 1, 2


@dataclass(frozen=True)
class Person:
    id: int
    role: Role
    group_ids: tuple[int, ...]


ANA = Person(10, Role.AGENT, (SD,))
BEN = Person(11, Role.SPECIALIST, (NET,))
CARLA = Person(12, Role.SUPERVISOR, (SD,))
LONER = Person(14, Role.SUPERVISOR, ())  # reaches any incident, but is in no group
OPEN = IncidentFacts("INC0000007", State.IN_PROGRESS, SD, "Service Desk", None, 1)


def test_facts_refusals_word_for_word() -> None:
    def fact(actor: Person, facts: IncidentFacts, action: A) -> str:
        found = refusal(actor, facts, action)
        assert found is not None and found.why is Why.FACT, found
        return found.reason

    mine = IncidentFacts("INC0000007", State.IN_PROGRESS, SD, "Service Desk", ANA.id)
    assert fact(ANA, mine, A.ASSIGN_TO_ME) == "INC0000007 is assigned to you already"
    assert fact(LONER, OPEN, A.ASSIGN_TO_ME) == (
        "You belong to no group: an admin must add you to one before you can take incidents"
    )
    top = IncidentFacts("INC0000007", State.IN_PROGRESS, SD, "Service Desk", None, 3)
    assert fact(CARLA, top, A.ESCALATE) == (
        "INC0000007 is with the 3rd line already: there is no higher line to escalate to"
    )
    assert (
        refusal(
            CARLA, IncidentFacts("INC0000007", State.IN_PROGRESS, SD, support_line=2), A.ESCALATE
        )
        is None
    )
    assert refusal(CARLA, top, A.HOLD) is None  # the line only matters to an escalation
    flagged = IncidentFacts("INC0000007", State.IN_PROGRESS, SD, escalated_to_supervisor=True)
    assert fact(CARLA, flagged, A.ESCALATE_TO_SUPERVISOR) == (
        "INC0000007 was escalated to its group's supervisor already"
    )
    nowhere = IncidentFacts("INC0000007", State.NEW)
    assert fact(CARLA, nowhere, A.ESCALATE_TO_SUPERVISOR) == (
        "INC0000007 is in no group, so it has no supervisor to escalate to"
    )
    assert refusal(CARLA, OPEN, A.ESCALATE_TO_SUPERVISOR) is None
    major = IncidentFacts("INC0000007", State.IN_PROGRESS, SD, major=True)
    assert fact(CARLA, major, A.MARK_MAJOR) == "INC0000007 is a major incident already"
    assert refusal(CARLA, major, A.UNMARK_MAJOR) is None
    assert refusal(CARLA, major, A.HOLD) is None  # the flag only matters to marking it
    assert fact(CARLA, OPEN, A.UNMARK_MAJOR) == "INC0000007 is not a major incident"
    assert refusal(CARLA, OPEN, A.MARK_MAJOR) is None


def test_check_raises_each_kind() -> None:
    with pytest.raises(
        PermissionDenied, match=r"^Only a supervisor or an admin may cancel an incident$"
    ):
        check(ANA, OPEN, A.CANCEL)
    with pytest.raises(PermissionDenied, match=r"^INC0000007 belongs to Service Desk"):
        check(BEN, OPEN, A.HOLD)
    with pytest.raises(IllegalTransition) as err:  # a move from the wrong state
        check(ANA, OPEN, A.RESUME)
    assert (err.value.state, err.value.action, err.value.allowed) == (
        "In Progress",
        "resume",
        ("put on hold", "resolve", "cancel"),
    )
    assert str(err.value) == (
        "INC0000007 is In Progress: only an incident that is On Hold can be resumed"
    )
    major = IncidentFacts("INC0000007", State.IN_PROGRESS, SD, major=True)
    with pytest.raises(IllegalTransition) as err:  # a fact, not a move: named by what it does
        check(CARLA, major, A.MARK_MAJOR)
    assert (err.value.state, err.value.action, str(err.value)) == (
        "In Progress",
        "marked major",
        "INC0000007 is a major incident already",
    )
    # the target of an assignment is part of the question
    check(BEN, IncidentFacts("INC0000008", State.NEW, NET, "Network"), A.ASSIGN_PERSON, Target(NET))
    with pytest.raises(
        PermissionDenied, match=r"^A specialist may assign someone else only within"
    ):
        check(
            BEN,
            IncidentFacts("INC0000008", State.NEW, NET, "Network"),
            A.ASSIGN_PERSON,
            Target(SD, "Service Desk"),
        )
    assert check(CARLA, OPEN, A.HOLD) is None


def test_the_windows_snapshot_of_a_record() -> None:
    record = SimpleNamespace(
        number="INC0000042",
        state=State.ON_HOLD,
        group_id=NET,
        group_name="Network",
        assignee_id=BEN.id,
        support_line=2,
        major=True,
        escalated_to_supervisor=True,
        parent_number="INC0000041",
        parent_state=State.RESOLVED,
        title="not part of the facts",
    )
    assert IncidentFacts.of(record) == IncidentFacts(  # type: ignore[arg-type]
        "INC0000042", State.ON_HOLD, NET, "Network", BEN.id, 2, True, True, "INC0000041 (Resolved)"
    )


@pytest.mark.parametrize(
    ("parent_state", "refused"),
    [
        (State.RESOLVED, True),
        (State.IN_PROGRESS, True),
        (State.CLOSED, False),
        (State.CANCELLED, False),
    ],
)
def test_a_child_closes_only_after_its_parent(parent_state: State, refused: bool) -> None:
    from app.domain.permissions import open_parent

    child = IncidentFacts(
        "INC0000042",
        State.RESOLVED,
        SD,
        "Service Desk",
        open_parent=open_parent("INC0000041", parent_state),
    )
    found = refusal(ANA, child, A.CLOSE)
    if refused:
        assert found is not None and found.why is Why.FACT
        assert found.reason.startswith(
            f"INC0000042 cannot close before its parent INC0000041 ({parent_state.label})"
        )
    else:
        assert found is None


def test_a_conflict_says_what_the_other_side_changed() -> None:
    changes = [
        FieldChange("urgency", "2", "1", "carla"),
        FieldChange("description", "", "x", "ben"),
    ]
    err = ConflictError("INC0000007", 3, 5, changes)
    assert str(err) == (
        "INC0000007 was changed by someone else (version 3 -> 5): description, urgency. "
        "Reload or merge; nothing was saved."
    )
    assert (err.number, err.expected_version, err.current_version) == ("INC0000007", 3, 5)
    assert err.changes == tuple(changes)
    bare = ConflictError("INC0000007", 3, 4)
    assert str(bare) == (
        "INC0000007 was changed by someone else (version 3 -> 4): the record. "
        "Reload or merge; nothing was saved."
    )
    assert bare.changes == ()


NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_the_wall_clock_words_at_their_edges() -> None:
    def look(seconds: int) -> SlaLook:
        return sla_look(NOW + timedelta(seconds=seconds), NOW, threshold=Threshold.OK)

    assert look(60).text == "due in 1m" and look(60).threshold is Threshold.OK
    assert look(59).text == "due now" and look(59).threshold is Threshold.OK
    assert look(1).threshold is Threshold.OK
    assert look(0).text == "due now" and look(0).threshold is Threshold.BREACHED
    assert look(-59).text == "due now"
    assert look(-60).text == "overdue 1m" and look(-60).threshold is Threshold.BREACHED
    assert sla_look(None, NOW, threshold=Threshold.WARNING) == SlaLook("—", None, None)
    late = sla_look(NOW + timedelta(hours=1), NOW, threshold=Threshold.OK, breached=True)
    assert late == SlaLook("due in 1h 00m", Threshold.BREACHED, NOW + timedelta(hours=1))
