"""Problem records on SQLite and PostgreSQL: created from an incident, from a selection, linked
and unlinked (each in the incident's history), moved through their states, flagged as known
errors (found by initial diagnosis), and resolved with their open incidents ("Resolved by
problem", the fix in the notes, each audited; another group's incident named and left open).
Parent and child incidents: the parent's resolution and its comments reach the children, and a
child does not close before its parent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.db.search import similar
from app.domain.errors import ConflictError, IllegalTransition, PermissionDenied, ValidationError
from app.domain.lifecycle import State
from app.domain.problems import ProblemState
from app.models import AuditEntry, JournalEntry, KnownError
from app.services import catalog, defaults, problems, queries, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from app.services.problems import ProblemEdit
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
    users.add_user(d, root, "sue", "Sue Lin", "supervisor", groups=["Service Desk"])
    d.ids = {"sd": sd, "net": net}  # type: ignore[attr-defined]
    return d


def _log(desk: Desk, title: str, group: str = "sd", who: str = "ana") -> int:
    rec = inc.log_incident(
        desk,
        desk.actor(who),
        inc.NewIncident(title=title, impact=2, urgency=2, group_id=desk.ids[group]),  # type: ignore[attr-defined]
    )
    return rec.id


def _history(desk: Desk, iid: int, field: str) -> list[tuple[str | None, str | None, str | None]]:
    with desk.read() as conn:
        return [
            (r.old_value, r.new_value, r.reason)
            for r in conn.execute(
                select(AuditEntry).where(AuditEntry.incident_id == iid, AuditEntry.field == field)
            )
        ]


def test_a_problem_from_a_selection_links_each_incident_in_its_history(desk: Desk) -> None:
    ben = desk.actor("ben")
    a, b = _log(desk, "VPN drops every hour", "net", "ben"), _log(desk, "VPN drops", "net", "ben")
    rec = problems.create_from_incidents(desk, ben, [a, b], title="VPN concentrator memory leak")
    assert rec.number == "PRB0000001" and rec.state is ProblemState.NEW
    assert rec.group_name == "Network"  # the owner group: the first incident's
    assert [i.number for i in rec.incidents] == ["INC0000001", "INC0000002"]
    assert _history(desk, a, "problem_id") == [(None, str(rec.id), "linked to problem PRB0000001")]
    assert queries.get_incident(desk, b).problem_number == "PRB0000001"
    listed = problems.list_problems(desk)
    assert [(r.number, r.incidents, r.open_incidents) for r in listed] == [("PRB0000001", 2, 2)]

    rec = problems.unlink_incidents(desk, ben, rec.number, [b])
    assert [i.number for i in rec.incidents] == ["INC0000001"]
    assert _history(desk, b, "problem_id")[-1] == (
        str(rec.id),
        None,
        "unlinked from problem PRB0000001",
    )
    with pytest.raises(ValidationError, match="INC0000002 is not linked to PRB0000001"):
        problems.unlink_incidents(desk, ben, rec.number, [b])


def test_an_agent_may_not_link_another_groups_incident(desk: Desk) -> None:
    ana = desk.actor("ana")
    iid = _log(desk, "Printer jams", "net", "ben")
    with pytest.raises(
        PermissionDenied, match="Only a specialist, a supervisor or an admin may link"
    ):
        problems.create_from_incidents(desk, ana, [iid])
    assert problems.list_problems(desk) == []  # nothing half-made


def test_states_move_and_a_stale_version_conflicts(desk: Desk) -> None:
    ben = desk.actor("ben")
    pid = problems.add_problem(desk, ben, "Disk controller firmware")
    rec = problems.get_problem(desk, pid)
    rec = problems.move_problem(desk, ben, pid, rec.version, "Assessed")
    rec = problems.move_problem(desk, ben, pid, rec.version, ProblemState.ROOT_CAUSE_ANALYSIS)
    with pytest.raises(ConflictError):
        problems.move_problem(desk, ben, pid, rec.version - 1, ProblemState.FIX_IN_PROGRESS)
    with pytest.raises(ValidationError, match=r"can move to .*not to Closed"):
        problems.move_problem(desk, ben, pid, rec.version, ProblemState.CLOSED)
    with pytest.raises(ValidationError, match="Say how PRB0000001 was fixed"):
        problems.resolve_problem(desk, ben, pid, rec.version, "  ")
    done = problems.resolve_problem(desk, ben, pid, rec.version, "Firmware 4.2 on every node")
    assert done.problem.state is ProblemState.RESOLVED and done.resolved == ()
    rec = problems.move_problem(desk, ben, pid, done.problem.version, ProblemState.CLOSED)
    assert rec.state is ProblemState.CLOSED and rec.closed_at == MONDAY_9
    with pytest.raises(ValidationError, match="final"):
        problems.move_problem(desk, ben, pid, rec.version, ProblemState.ASSESSED)
    history = [(h.field, h.old, h.new) for h in problems.problem_history(desk, pid)]  # type: ignore[attr-defined]
    assert ("state", "Assessed", "Root cause analysis") in history
    assert ("fix", None, "Firmware 4.2 on every node") in history


def test_a_known_error_flag_puts_the_problem_in_initial_diagnosis(desk: Desk) -> None:
    ben = desk.actor("ben")
    pid = problems.add_problem(
        desk,
        ben,
        "Outlook shared calendar crash",
        description="Outlook crashes opening a shared calendar",
    )
    rec = problems.get_problem(desk, pid)
    with pytest.raises(ValidationError, match="needs its workaround"):
        problems.update_problem(desk, ben, pid, rec.version, ProblemEdit(known_error=True))
    rec = problems.update_problem(
        desk, ben, pid, rec.version, ProblemEdit(known_error=True, workaround="Open it in OWA")
    )
    assert rec.known_error and rec.known_error_id is not None
    with desk.read() as conn:
        hits = similar(conn, "outlook shared calendar crash")
    ke = [h for h in hits if h.kind == "known_error"]
    assert [(h.id, h.title, h.workaround) for h in ke] == [
        (rec.known_error_id, "Outlook shared calendar crash", "Open it in OWA")
    ]
    assert queries.known_error(desk, rec.known_error_id).problem_number == "PRB0000001"
    rec = problems.update_problem(desk, ben, pid, rec.version, ProblemEdit(known_error=False))
    with desk.read() as conn:
        assert [
            h for h in similar(conn, "outlook shared calendar crash") if h.kind == "known_error"
        ] == []


def test_a_known_error_without_a_problem_gets_one(desk: Desk) -> None:
    kid = problems.add_known_error(
        desk, desk.actor("ana"), "VPN token expired", "Cannot connect", "Resync the token"
    )
    with desk.read() as conn:
        pid = conn.execute(select(KnownError.problem_id).where(KnownError.id == kid)).scalar()
    rec = problems.get_problem(desk, pid)
    assert rec.known_error and rec.workaround == "Resync the token"
    assert rec.state is ProblemState.ASSESSED


def test_resolving_a_problem_resolves_its_open_incidents_each_audited(desk: Desk) -> None:
    ben, sue = desk.actor("ben"), desk.actor("sue")
    mine = _log(desk, "VPN drops", "net", "ben")
    other = _log(desk, "VPN drops for Finance", "sd", "ana")
    done_before = _log(desk, "VPN slow", "net", "ben")
    inc.resolve(desk, ben, done_before, None, "solution_provided", "Rebooted")
    pid = problems.create_from_incidents(desk, sue, [mine, other, done_before]).id
    rec = problems.update_problem(desk, ben, pid, None, ProblemEdit(workaround="Reconnect"))

    result = problems.resolve_problem(
        desk, ben, pid, rec.version, "Concentrator firmware 7.2", resolve_incidents=True
    )
    assert result.resolved == ("INC0000001",)
    assert [n for n, _ in result.refused] == ["INC0000002"]  # Service Desk's: not Ben's to resolve
    assert "belongs to Service Desk" in result.refused[0][1]
    mine_rec = queries.get_incident(desk, mine)
    assert mine_rec.state is State.RESOLVED and mine_rec.resolution_code == "resolved_by_problem"
    assert mine_rec.resolution_notes == "Resolved by problem PRB0000001: Concentrator firmware 7.2"
    assert ("in_progress", "resolved") in [(o, n) for o, n, _ in _history(desk, mine, "state")] or (
        "new",
        "resolved",
    ) in [(o, n) for o, n, _ in _history(desk, mine, "state")]
    assert queries.get_incident(desk, other).state is State.NEW
    assert (
        queries.get_incident(desk, done_before).resolution_code == "solution_provided"
    )  # left as it was
    assert problems.get_problem(desk, pid).state is ProblemState.RESOLVED

    # a supervisor's resolution reaches every group's incidents; the workaround stands in
    pid2 = problems.create_from_incidents(desk, sue, [other], title="Finance VPN profile").id
    rec2 = problems.update_problem(desk, sue, pid2, None, ProblemEdit(workaround="Use the web VPN"))
    result = problems.resolve_problem(desk, sue, pid2, rec2.version, None, resolve_incidents=True)
    assert result.resolved == ("INC0000002",) and result.refused == ()
    assert (
        queries.get_incident(desk, other).resolution_notes
        == "Resolved by problem PRB0000002: Use the web VPN"
    )


# -- parent and child incidents -------------------------------------------------------------


def _family(desk: Desk) -> tuple[int, int, int]:
    ana = desk.actor("ana")
    parent = _log(desk, "Mail down for everyone")
    kids = []
    for title in ("Mail down in Finance", "Mail down in HR"):
        child = _log(desk, title)
        inc.link_parent(desk, ana, child, None, parent)
        kids.append(child)
    return parent, kids[0], kids[1]


def test_resolving_a_parent_resolves_its_open_children_with_its_code_and_notes(desk: Desk) -> None:
    ana = desk.actor("ana")
    parent, a, b = _family(desk)
    inc.resolve(desk, ana, b, None, "user_error", "Wrong profile")
    rec = inc.resolve(desk, ana, parent, None, "solution_provided", "Restarted the transport")
    child = queries.get_incident(desk, a)
    assert child.state is State.RESOLVED
    assert (child.resolution_code, child.resolution_notes) == (
        "solution_provided",
        "Restarted the transport",
    )
    assert _history(desk, a, "resolution_code") == [
        (None, "solution_provided", "Restarted the transport")
    ]
    assert (
        queries.get_incident(desk, b).resolution_code == "user_error"
    )  # resolved before: left as it was
    with desk.read() as conn:
        notes = (
            conn.execute(select(JournalEntry.body).where(JournalEntry.incident_id == parent))
            .scalars()
            .all()
        )
    assert "Resolved with it: INC0000002" in notes
    assert rec.state is State.RESOLVED


def test_a_comment_to_the_caller_reaches_the_children(desk: Desk) -> None:
    ana = desk.actor("ana")
    parent, a, b = _family(desk)
    inc.add_journal(desk, ana, parent, "comment", "We are on it; next update at 10:00")
    inc.add_journal(desk, ana, parent, "work_note", "Transport queue stuck")
    for child in (a, b):
        with desk.read() as conn:
            bodies = conn.execute(
                select(JournalEntry.kind, JournalEntry.body).where(
                    JournalEntry.incident_id == child
                )
            ).all()
        assert ("comment", "From INC0000001: We are on it; next update at 10:00") in [
            tuple(r) for r in bodies
        ]
        assert not any("Transport queue" in r.body for r in bodies)  # work notes stay


def test_a_child_does_not_close_before_its_parent(desk: Desk) -> None:
    ana = desk.actor("ana")
    parent, a, _b = _family(desk)
    inc.resolve(desk, ana, parent, None, "solution_provided", "Fixed")
    with pytest.raises(
        IllegalTransition,
        match="INC0000002 cannot close before its parent INC0000001 \\(Resolved\\)",
    ):
        inc.close(desk, ana, a, None)
    inc.close(desk, ana, parent, None)
    assert inc.close(desk, ana, a, None).state is State.CLOSED
