"""The incident use cases end to end on SQLite and PostgreSQL: rules, audit, journal,
change feed, SLA fields, authorisation and optimistic locking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.db.engine import make_engine
from app.domain.errors import ConflictError, IllegalTransition, PermissionDenied, ValidationError
from app.domain.lifecycle import State
from app.domain.records import QueueFilter
from app.models import NO_DUE, ChangeLogEntry
from app.services import callers, catalog, defaults, problems, queries, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.defaults import Defaults
from tests.clocks import Clock

# Monday 2026-03-02 09:00 in Brussels (CET, UTC+1)
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_9)


@pytest.fixture
def desk(engine, clock):  # type: ignore[no-untyped-def]
    d = Desk(engine, clock=clock)
    defaults.ensure_defaults(d, Defaults(tz="Europe/Brussels"))
    admin = users.add_user(d, None, "dev", "Dev Patel", "admin", password="admin-pass")
    root = d.actor(admin.username)
    sd = catalog.add_group(d, root, "Service Desk", 1)
    net = catalog.add_group(d, root, "Network", 2)
    msg = catalog.add_group(d, root, "Messaging", 2)
    users.add_user(d, root, "carla", "Carla Rossi", "supervisor", groups=["Service Desk"])
    catalog.set_supervisor(d, root, sd, d.actor("carla").id)
    users.add_user(d, root, "ana", "Ana Garcia", "agent", groups=["Service Desk"])
    users.add_user(d, root, "ben", "Ben Okafor", "specialist", groups=["Network"])
    software = catalog.add_category(d, root, "Software")
    email = catalog.add_category(d, root, "Email", parent_id=software, default_group_id=msg)
    d.ids = {"sd": sd, "net": net, "msg": msg, "email": email}  # type: ignore[attr-defined]
    d.john = callers.add_caller(
        d, root, "John Smith", department="Finance", email="john@example.com"
    )  # type: ignore[attr-defined]
    return d


def _log(desk: Desk, **kw: object) -> object:
    ana = desk.actor("ana")
    fields = {"title": "Outlook crashes when opening shared calendar", "impact": 3, "urgency": 2}
    fields.update(kw)
    return inc.log_incident(desk, ana, inc.NewIncident(**fields))  # type: ignore[arg-type]


def test_logging_gives_number_priority_group_and_history(desk: Desk) -> None:
    rec = _log(
        desk, caller_id=desk.john, category_id=desk.ids["email"], description="since the update"
    )  # type: ignore[attr-defined]
    assert rec.number == "INC0000001"
    assert (rec.priority, rec.priority_label) == (4, "4 - Low")
    assert rec.group_name == "Messaging" and rec.support_line == 2  # the category routes it
    assert rec.state is State.NEW and rec.caller_name == "John Smith"
    assert rec.category_path == "Software > Email"
    # P4: respond in 8 business hours from Monday 09:00 local -> Monday 17:00 local
    assert rec.response_due == datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    # resolve in 3 business days of 9 h = 27 h -> Thursday 09:00 local
    assert rec.resolution_due == datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert rec.resolution is not None and rec.resolution.elapsed_s == 0
    hist = queries.history(desk, rec.id)
    assert [h.field for h in hist] == ["created"]
    notes = queries.journal(desk, rec.id)
    assert notes[0].body == "Logged by Ana Garcia via phone"
    with desk.read() as conn:
        assert conn.execute(select(func.count()).select_from(ChangeLogEntry)).scalar_one() >= 1


def test_bad_input_is_named_and_nothing_is_written(desk: Desk) -> None:
    with pytest.raises(ValidationError) as err:
        _log(desk, title="   ")
    assert err.value.field == "title"
    with pytest.raises(ValidationError, match="Impact must be 1 to 3, got 9"):
        _log(desk, impact=9)
    with pytest.raises(ValidationError, match="Unknown channel 'pigeon'"):
        _log(desk, channel="pigeon")
    with pytest.raises(ValidationError, match="No caller with id 999"):
        _log(desk, caller_id=999)
    assert queries.queue_count(desk, QueueFilter()) == 0


def test_first_contact_fix_resolves_in_one_step_and_never_queues(desk: Desk) -> None:
    rec = _log(desk, resolution_code="workaround_provided", resolution_notes="Cleared the cache")
    assert rec.state is State.RESOLVED and rec.resolved_by == "Ana Garcia"
    assert rec.resolution_code == "workaround_provided"
    assert queries.queue_count(desk, QueueFilter()) == 0
    with pytest.raises(ValidationError, match="Resolution notes"):
        _log(desk, resolution_code="workaround_provided", resolution_notes="")


def test_functional_escalation_moves_group_counts_and_explains(desk: Desk) -> None:
    ana = desk.actor("ana")
    rec = _log(desk, title="VPN down for office B", impact=1, urgency=1, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    assert rec.priority == 1 and rec.group_name == "Service Desk"
    rec = inc.assign_to_me(desk, ana, rec.id, rec.version)
    assert rec.assignee_name == "Ana Garcia" and rec.state is State.IN_PROGRESS
    assert rec.reassignment_count == 0
    out = inc.escalate_functional(
        desk,
        ana,
        rec.id,
        rec.version,
        desk.ids["net"],
        "VPN concentrator unreachable from office B",  # type: ignore[attr-defined]
    )
    assert (out.group_name, out.support_line, out.assignee_id) == ("Network", 2, None)
    assert out.reassignment_count == 1
    moved = [h for h in queries.history(desk, rec.id) if h.field == "group_id"]
    assert moved[0].by == "Ana Garcia"
    assert moved[0].reason == "VPN concentrator unreachable from office B"
    mine = queries.queue_count(desk, QueueFilter(assignee_ids=(ana.id,)))
    network = queries.queue_count(desk, QueueFilter(group_ids=(desk.ids["net"],)))  # type: ignore[attr-defined]
    assert (mine, network) == (0, 1)
    ben = desk.actor("ben")
    taken = inc.assign_to_me(desk, ben, out.id, out.version)
    assert taken.assignee_name == "Ben Okafor" and taken.reassignment_count == 1
    with pytest.raises(ValidationError, match="Service Desk is 1st line"):
        inc.escalate_functional(desk, ben, out.id, taken.version, desk.ids["sd"], "back")  # type: ignore[attr-defined]


def test_hierarchical_escalation_flags_the_supervisor(desk: Desk) -> None:
    rec = _log(desk, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    out = inc.escalate_hierarchical(
        desk, desk.actor("ana"), rec.id, rec.version, "Caller is the CFO"
    )
    assert out.escalated_to_supervisor
    assert "supervisor Carla Rossi" in queries.journal(desk, rec.id)[-1].body


def test_hold_pauses_the_clock_and_resume_does_not_count_the_pause(
    desk: Desk, clock: Clock
) -> None:
    ana = desk.actor("ana")
    rec = _log(desk, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    rec = inc.assign_to_me(desk, ana, rec.id, rec.version)
    due_before = rec.resolution_due
    clock.advance(hours=1)
    with pytest.raises(ValidationError) as err:
        inc.hold(desk, ana, rec.id, rec.version, "awaiting_caller", "")
    assert err.value.field == "comment"
    held = inc.hold(desk, ana, rec.id, rec.version, "awaiting_caller", "Please send a screenshot")
    assert held.state is State.ON_HOLD and held.sla_paused
    assert held.resolution is not None and held.resolution.paused
    assert held.resolution.elapsed_s == 3600
    rows = queries.queue_page(desk, QueueFilter()).rows
    assert rows[0].sla_paused and rows[0].resolution_due is None
    assert queries.journal(desk, rec.id)[-1].kind.value == "comment"
    clock.advance(hours=2)
    back = inc.resume(desk, ana, rec.id, held.version)
    assert back.state is State.IN_PROGRESS and not back.sla_paused
    assert back.resolution is not None and back.resolution.elapsed_s == 3600
    assert back.resolution_due == due_before + timedelta(hours=2)
    assert [(p.reason, p.end is not None) for p in queries.pauses(desk, rec.id)] == [
        ("awaiting_caller", True)
    ]


def test_priority_change_keeps_the_original_start(desk: Desk, clock: Clock) -> None:
    ana = desk.actor("ana")
    rec = _log(desk, group_id=desk.ids["sd"])  # type: ignore[attr-defined]  # P4
    clock.advance(hours=2)
    up = inc.set_impact_urgency(desk, ana, rec.id, rec.version, 2, 2, reason="whole floor")
    assert up.priority == 3
    # P3 resolves in 2 business days (18 h) from the ORIGINAL start: Monday 09:00 + 18 h
    # of 08-17 office time (8 on Monday, 9 on Tuesday, 1 on Wednesday) = Wednesday 09:00 local
    assert up.resolution_due == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)
    assert up.resolution is not None and up.resolution.elapsed_s == 7200
    audit = {h.field: (h.old, h.new, h.reason) for h in queries.history(desk, rec.id)}
    assert audit["priority"] == ("4", "3", "whole floor")


def test_resolve_close_reopen_cancel(desk: Desk, clock: Clock) -> None:
    ana = desk.actor("ana")
    rec = _log(desk, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    rec = inc.assign_to_me(desk, ana, rec.id, rec.version)
    with pytest.raises(ValidationError, match="resolution code"):
        inc.resolve(desk, ana, rec.id, rec.version, "", "notes")
    done = inc.resolve(desk, ana, rec.id, rec.version, "solution_provided", "Rebuilt the profile")
    assert done.state is State.RESOLVED and done.resolution is not None and done.resolution.stopped
    clock.advance(hours=3)
    again = inc.reopen(desk, ana, rec.id, done.version, "Crashes again")
    assert (
        again.state is State.IN_PROGRESS
        and again.reopen_count == 1
        and again.resolution_code is None
    )
    # the three resolved hours are not counted
    assert again.resolution is not None and again.resolution.elapsed_s == 0
    done = inc.resolve(desk, ana, rec.id, again.version, "solution_provided", "New profile")
    closed = inc.close(desk, ana, rec.id, done.version)
    assert closed.state is State.CLOSED and closed.close_reason == "caller_confirmed"
    with pytest.raises(IllegalTransition, match="Closed"):
        inc.update_fields(desk, ana, rec.id, closed.version, {"title": "x"})
    other = _log(desk)
    with pytest.raises(ValidationError, match="reason"):
        inc.cancel(desk, desk.actor("carla"), other.id, other.version, " ")
    with pytest.raises(
        PermissionDenied, match=r"^Only a supervisor or an admin may cancel an incident$"
    ):
        inc.cancel(desk, ana, other.id, other.version, "Duplicate of INC0000001")
    cancelled = inc.cancel(
        desk, desk.actor("carla"), other.id, other.version, "Duplicate of INC0000001"
    )
    assert cancelled.state is State.CANCELLED
    with pytest.raises(IllegalTransition, match="INC0000002 is Cancelled: only its problem"):
        inc.reopen(desk, ana, other.id, cancelled.version, "no")


def test_auto_close_after_seven_business_days_but_never_a_major(desk: Desk, clock: Clock) -> None:
    rec = _log(desk, resolution_code="solution_provided", resolution_notes="done")
    major = _log(desk, title="Mail down for everyone")
    major = inc.mark_major(desk, desk.actor("carla"), major.id, major.version, True)
    inc.resolve(desk, desk.actor("ana"), major.id, major.version, "solution_provided", "restarted")
    clock.advance(days=8)  # Tuesday next week 09:00: 6 business days
    assert inc.auto_close_resolved(desk) == []
    clock.advance(days=1, hours=1)  # Wednesday 10:00: 7 business days and an hour
    assert inc.auto_close_resolved(desk) == [rec.number]
    closed = queries.get_incident(desk, rec.number)
    assert closed.close_reason == "auto_closed" and closed.closed_by == "Incident Desk"
    clock.advance(days=60)
    assert inc.auto_close_resolved(desk) == []  # a major incident is closed by a person
    assert queries.get_incident(desk, major.number).state is State.RESOLVED


def test_roles_are_checked_for_every_door(desk: Desk) -> None:
    rec = _log(desk)
    with pytest.raises(
        PermissionDenied, match=r"^Only a supervisor or an admin may mark an incident major$"
    ):
        inc.mark_major(desk, desk.actor("ana"), rec.id, rec.version)
    out = inc.mark_major(desk, desk.actor("carla"), rec.id, rec.version)
    assert out.major
    with pytest.raises(PermissionDenied):
        users.add_user(desk, desk.actor("ana"), "eve", "Eve", "admin")
    with pytest.raises(PermissionDenied, match="first user"):
        users.add_user(desk, None, "mallory", "Mallory", "admin")


def test_sign_in(desk: Desk) -> None:
    assert users.authenticate(desk, "DEV", "admin-pass").role.value == "admin"
    with pytest.raises(PermissionDenied, match="Wrong user name or password"):
        users.authenticate(desk, "dev", "nope-nope")
    with pytest.raises(PermissionDenied, match="Wrong user name or password"):
        users.authenticate(desk, "nobody", "admin-pass")


def test_two_workstations_edit_one_incident_and_nothing_is_lost(
    desk: Desk, db_url: str, clock: Clock
) -> None:
    """Ben edits the description of his group's incident while Carla (supervisor) changes its
    urgency; Ben's save is refused with Carla's change attached; Ben merges and saves; both
    edits are there."""
    rec = _log(desk, group_id=desk.ids["net"])  # type: ignore[attr-defined]
    other_engine = make_engine(db_url)
    try:
        ana_desk = Desk(other_engine, clock=clock)
        ana = ana_desk.actor("carla")
        ben = desk.actor("ben")
        seen_by_ben = queries.get_incident(desk, rec.id)
        inc.add_journal(ana_desk, ana, rec.id, "work_note", "Called John back")
        inc.set_impact_urgency(ana_desk, ana, rec.id, seen_by_ben.version, 3, 1)
        with pytest.raises(ConflictError) as err:
            inc.update_fields(
                desk, ben, rec.id, seen_by_ben.version, {"description": "Crash log attached"}
            )
        changed = {c.field: (c.old, c.new, c.by) for c in err.value.changes}
        assert changed["urgency"] == ("2", "1", "carla")
        assert "urgency" in str(err.value)
        current = queries.get_incident(desk, rec.id)
        assert current.description == ""  # Ben's edit was not half-applied
        merged = inc.update_fields(
            desk, ben, rec.id, current.version, {"description": "Crash log attached"}
        )
        assert (merged.description, merged.urgency) == ("Crash log attached", 1)
        assert any(j.body == "Called John back" for j in queries.journal(desk, rec.id))
    finally:
        other_engine.dispose()


def test_queue_orders_by_priority_then_due(desk: Desk, clock: Clock) -> None:
    low = _log(desk, title="Mouse wheel squeaks", impact=3, urgency=3)
    clock.advance(minutes=5)
    p1 = _log(desk, title="ERP down for everyone", impact=1, urgency=1)
    rows = queries.queue_page(desk, QueueFilter()).rows
    assert [r.number for r in rows] == [p1.number, low.number]
    assert rows[0].resolution_due is not None and rows[0].resolution_due < NO_DUE


def test_matrix_change_preview_save_and_recompute_keeps_history(desk: Desk) -> None:
    from app.services import matrix as matrix_service

    admin = desk.actor("dev")  # the matrix is the admin's
    a = _log(desk, title="Payroll export fails", impact=2, urgency=1)  # P2
    b = _log(desk, title="Printer jam", impact=3, urgency=3)  # P5
    done = _log(
        desk,
        title="Old one",
        impact=2,
        urgency=1,
        resolution_code="solution_provided",
        resolution_notes="ok",
    )
    current = queries.matrix(desk)
    proposed = current.with_cell(2, 1, 1)
    shifts = matrix_service.preview(desk, proposed)
    assert [(s.number, s.old_priority, s.new_priority) for s in shifts] == [(a.number, 2, 1)]
    for not_admin in ("ana", "carla"):
        with pytest.raises(
            PermissionDenied, match=r"^Only an admin may configure the desk: the priority matrix"
        ):
            matrix_service.save(desk, desk.actor(not_admin), proposed)
    saved = matrix_service.save(desk, admin, proposed, note="impact 2 x urgency 1 is critical")
    assert saved.version == current.version + 1
    # saving alone changes nobody's priority
    assert queries.get_incident(desk, a.id).priority == 2
    moved = matrix_service.recompute_open(desk, admin)
    assert [s.number for s in moved] == [a.number]
    after = queries.get_incident(desk, a.id)
    assert (after.priority, after.matrix_version) == (1, saved.version)
    assert queries.get_incident(desk, b.id).priority == 5
    old = queries.get_incident(desk, done.id)
    assert (old.priority, old.matrix_version) == (2, current.version)
    audit = [h for h in queries.history(desk, a.id) if h.field == "priority"]
    assert (audit[0].old, audit[0].new) == ("2", "1")


def test_sla_sweep_announces_each_threshold_once(desk: Desk, clock: Clock) -> None:
    from app.domain.sla import Threshold
    from app.services.sla_sweep import sweep

    rec = _log(desk, title="ERP slow", impact=1, urgency=1, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    # P1: respond in 15 minutes, resolve in 4 hours, around the clock; nobody takes it
    assert sweep(desk) == []
    clock.advance(hours=2, seconds=1)
    got = sweep(desk)
    assert [(c.clock, c.threshold) for c in got] == [
        ("response", Threshold.BREACHED),  # all three response thresholds passed: told once
        ("resolution", Threshold.WARNING),
    ]
    assert sweep(desk) == []
    clock.advance(hours=2)
    got = sweep(desk)
    assert [(c.number, c.threshold, c.group_name) for c in got] == [
        (rec.number, Threshold.BREACHED, "Service Desk")
    ]
    now = queries.get_incident(desk, rec.id)
    assert now.sla_breached and now.resolution is not None and now.resolution.breached
    assert queries.journal(desk, rec.id)[-1].body.startswith("SLA breached")
    assert queries.queue_count(desk, QueueFilter(breaching=True)) == 1


def test_a_priority_change_re_arms_the_sla_announcements(desk: Desk, clock: Clock) -> None:
    from app.domain.sla import Threshold
    from app.services.sla_sweep import sweep

    ana = desk.actor("ana")
    rec = _log(desk, title="Payroll down", impact=1, urgency=1, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    clock.advance(hours=4, seconds=1)  # P1: 4 h around the clock
    assert [c.threshold for c in sweep(desk) if c.clock == "resolution"] == [Threshold.BREACHED]
    low = inc.set_impact_urgency(desk, ana, rec.id, None, 3, 3)  # P5: 10 business days
    assert not low.sla_breached
    clock.advance(days=30)
    assert [c.threshold for c in sweep(desk) if c.clock == "resolution"] == [Threshold.BREACHED]
    assert queries.get_incident(desk, rec.id).sla_breached


def test_auto_close_goes_on_past_an_incident_someone_else_changed(
    desk: Desk, db_url: str, clock: Clock
) -> None:
    """The closing run reads the resolved incidents, then closes each from the version it
    read. Between the two, the caller rejects A's fix on another workstation and A is
    resolved again (so A is Resolved, but not as read): A is left alone, B still closes."""
    from sqlalchemy import event

    a = _log(desk, title="A", resolution_code="solution_provided", resolution_notes="ok")
    b = _log(desk, title="B", resolution_code="solution_provided", resolution_notes="ok")
    clock.advance(days=10)  # 8 business days
    other_engine = make_engine(db_url)
    other = Desk(other_engine, clock=clock)
    ana = other.actor("ana")
    meanwhile: list[int] = []

    def after_the_read(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if meanwhile or "incidents.resolved_at" not in statement or "UPDATE" in statement:
            return
        again = inc.reopen(other, ana, a.id, a.version, "the caller called back")
        meanwhile.append(
            inc.resolve(other, ana, a.id, again.version, "solution_provided", "Again").version
        )

    event.listen(desk.engine, "after_cursor_execute", after_the_read)
    try:
        assert inc.auto_close_resolved(desk) == [b.number]
    finally:
        event.remove(desk.engine, "after_cursor_execute", after_the_read)
        other_engine.dispose()
    assert meanwhile, "the other workstation's change came after the run's read"
    now_a = queries.get_incident(desk, a.id)
    assert (now_a.state, now_a.version, now_a.resolution_notes) == (
        State.RESOLVED,
        meanwhile[0],
        "Again",
    )
    assert queries.get_incident(desk, b.id).state is State.CLOSED
    assert not [h for h in queries.history(desk, a.id) if h.field == "close_reason"]


def test_closed_incidents_are_read_only_except_to_an_admin(desk: Desk) -> None:
    rec = _log(desk, resolution_code="solution_provided", resolution_notes="ok")
    rec = inc.close(desk, desk.actor("ana"), rec.id, rec.version)
    read_only = "^INC0000001 is Closed: only its problem, change and caused-by may still be set, by an admin$"
    with pytest.raises(IllegalTransition, match=read_only):
        inc.update_fields(desk, desk.actor("ana"), rec.id, rec.version, {"title": "New title"})
    with pytest.raises(IllegalTransition, match=read_only):
        inc.update_fields(desk, desk.actor("dev"), rec.id, rec.version, {"title": "New title"})
    problem = problems.add_problem(desk, desk.actor("ana"), "Outlook profile corruption")
    with pytest.raises(IllegalTransition, match="Closed"):
        inc.link_problem(desk, desk.actor("carla"), rec.id, rec.version, problem)
    fixed = inc.link_problem(desk, desk.actor("dev"), rec.id, rec.version, problem)
    assert fixed.problem_number and fixed.state is State.CLOSED
    with pytest.raises(IllegalTransition, match=read_only):
        inc.hold(desk, desk.actor("dev"), rec.id, fixed.version, "awaiting_vendor")
    with pytest.raises(IllegalTransition, match=read_only):
        inc.assign_to_me(desk, desk.actor("carla"), rec.id, fixed.version)


def test_every_stored_field_a_resolve_changes_is_audited(desk: Desk) -> None:
    """One audit row per changed field, each with its old and new value, who and why; no
    row for a field that did not change."""
    rec = _log(desk, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    ana = desk.actor("ana")
    at = str(MONDAY_9)  # the desk's clock stands still in this test

    def rows_of(step: object) -> list[tuple[str, str | None, str | None, str | None, str | None]]:
        seen = len(queries.history(desk, rec.id))
        assert callable(step)
        step()
        added = queries.history(desk, rec.id)[seen:]
        return sorted((h.field, h.old, h.new, h.by, h.reason) for h in added)

    taken = None

    def take() -> None:
        nonlocal taken
        taken = inc.assign_to_me(desk, ana, rec.id, rec.version)

    assert rows_of(take) == [
        ("assignee_id", None, str(ana.id), "Ana Garcia", None),
        ("responded_at", None, at, "Ana Garcia", None),
        ("state", "new", "in_progress", "Ana Garcia", None),
    ]
    assert taken is not None
    notes = "Rebuilt the profile"
    assert rows_of(
        lambda: inc.resolve(desk, ana, rec.id, taken.version, "solution_provided", notes)
    ) == [
        ("active", "yes", "no", "Ana Garcia", notes),
        ("resolution_code", None, "solution_provided", "Ana Garcia", notes),
        ("resolution_notes", None, notes, "Ana Garcia", notes),
        ("resolved_at", None, at, "Ana Garcia", notes),
        ("resolved_by_id", None, str(ana.id), "Ana Garcia", notes),
        ("state", "in_progress", "resolved", "Ana Garcia", notes),
    ]


def test_another_workstation_sees_a_new_matrix_when_it_logs(
    desk: Desk, db_url: str, clock: Clock
) -> None:
    from app.services import matrix as matrix_service

    other_engine = make_engine(db_url)
    try:
        other = Desk(other_engine, clock=clock)
        assert _log(other, impact=2, urgency=1).priority == 2  # caches matrix v1
        matrix_service.save(desk, desk.actor("dev"), queries.matrix(desk).with_cell(2, 1, 1))
        fresh = _log(other, impact=2, urgency=1)
        assert (fresh.priority, fresh.matrix_version) == (1, 2)
    finally:
        other_engine.dispose()


def test_reassignment_counts_moves_not_first_assignments(desk: Desk) -> None:
    carla = desk.actor("carla")
    rec = _log(desk, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    rec = inc.assign(
        desk, carla, rec.id, rec.version, group_id=desk.ids["sd"], assignee_id=desk.actor("ana").id
    )  # type: ignore[attr-defined]
    assert rec.reassignment_count == 0 and rec.state is State.IN_PROGRESS
    rec = inc.assign(
        desk, carla, rec.id, rec.version, group_id=desk.ids["sd"], assignee_id=carla.id
    )  # type: ignore[attr-defined]
    assert rec.reassignment_count == 1
    rec = inc.categorise(desk, carla, rec.id, rec.version, desk.ids["email"], reroute=True)  # type: ignore[attr-defined]
    assert (rec.group_name, rec.assignee_id, rec.reassignment_count) == ("Messaging", None, 2)
    with pytest.raises(ValidationError, match="Ana Garcia is not a member of Messaging"):
        inc.assign(
            desk,
            carla,
            rec.id,
            rec.version,
            group_id=desk.ids["msg"],
            assignee_id=desk.actor("ana").id,
        )  # type: ignore[attr-defined]


def test_start_work_and_parent_links(desk: Desk) -> None:
    ana = desk.actor("ana")
    parent = _log(desk, title="Wi-Fi down on floor 3")
    child = _log(desk, title="No Wi-Fi in room 3.12")
    started = inc.start_work(desk, ana, child.id, child.version)
    assert started.state is State.IN_PROGRESS and started.responded_at is not None
    linked = inc.link_parent(desk, ana, child.id, started.version, parent.id)
    assert linked.parent_number == parent.number
    assert [r.number for r in queries.children(desk, parent.id)] == [child.number]
    with pytest.raises(ValidationError, match="own ancestor"):
        inc.link_parent(desk, ana, parent.id, parent.version, child.id)


def test_the_form_saves_fields_category_and_priority_in_one_step(desk: Desk) -> None:
    ana = desk.actor("ana")
    rec = _log(desk, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    out = inc.update_fields(
        desk,
        ana,
        rec.id,
        rec.version,
        {
            "description": "Crash log attached",
            "category_id": desk.ids["email"],
            "impact": 1,
            "urgency": 1,
        },  # type: ignore[attr-defined]
    )
    assert out.version == rec.version + 1  # one transaction, one version
    assert (out.description, out.category_path, out.priority) == (
        "Crash log attached",
        "Software > Email",
        1,
    )
    assert out.group_name == "Service Desk"  # a field edit does not re-route
    with pytest.raises(ValidationError, match="Impact must be 1 to 3"):
        inc.update_fields(desk, ana, rec.id, out.version, {"description": "lost?", "impact": 7})
    assert queries.get_incident(desk, rec.id).description == "Crash log attached"


def test_the_supervisor_is_told_of_a_hierarchical_escalation(desk: Desk) -> None:
    from app.services import notifications

    carla = desk.actor("carla")
    ben = desk.actor("ben")
    with desk.read() as conn:
        from app.db.changes import latest_seq

        start = latest_seq(conn)
    watch_carla = notifications.watch(desk, carla)
    watch_ben = notifications.watch(desk, ben)
    rec = _log(desk, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    inc.escalate_hierarchical(desk, desk.actor("ana"), rec.id, rec.version, "Caller is the CFO")
    changes = queries.changes_since(desk, start)
    told, _ = notifications.notices(desk, watch_carla, changes)
    assert [(n.kind, n.number) for n in told] == [("escalated", rec.number)]
    assert notifications.notices(desk, watch_ben, changes)[0] == []


def test_a_new_caller_is_written_with_the_incident_or_not_at_all(desk: Desk) -> None:
    from app.models import Caller

    def named(name: str) -> int:
        with desk.read() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(Caller).where(Caller.name == name)
                ).scalar_one()
            )

    # refused inside the transaction, after the caller was added to it: both go
    with pytest.raises(ValidationError, match="No incident with id 999"):
        _log(desk, new_caller="Zed Newcomer", parent_id=999)
    assert named("Zed Newcomer") == 0
    rec = _log(desk, new_caller="Zed Newcomer")
    assert rec.caller_name == "Zed Newcomer" and named("Zed Newcomer") == 1


def test_a_new_caller_with_a_known_e_mail_is_the_caller_that_exists(desk: Desk) -> None:
    from app.models import Caller
    from app.services.callers import NewCaller

    def callers_named(name: str) -> int:
        with desk.read() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(Caller).where(Caller.name == name)
                ).scalar_one()
            )

    # the form typed John again, with his address in other letters: John is the caller
    rec = _log(
        desk, new_caller=NewCaller("J. Smith", email="John@Example.com", department="Finance")
    )
    assert rec.caller_id == desk.john  # type: ignore[attr-defined]
    assert callers_named("J. Smith") == 0
    # a new address: a new caller, with what the form said about them
    rec = _log(desk, new_caller=NewCaller("Zoe Quinn", email="zoe@example.com", department="Legal"))
    assert rec.caller_name == "Zoe Quinn" and callers_named("Zoe Quinn") == 1
    assert queries.caller(desk, rec.caller_id).department == "Legal"  # type: ignore[arg-type]
    again = _log(desk, new_caller=NewCaller("Zoe Quinn", email="zoe@example.com"))
    assert again.caller_id == rec.caller_id and callers_named("Zoe Quinn") == 1


def test_history_in_words_names_rows_levels_and_local_times(desk: Desk, clock: Clock) -> None:
    ana, ben = desk.actor("ana"), desk.actor("ben")
    rec = _log(desk, caller_id=desk.john, group_id=desk.ids["sd"])  # type: ignore[attr-defined]
    rec = inc.escalate_functional(
        desk, ana, rec.id, rec.version, desk.ids["net"], "Needs the network team"
    )  # type: ignore[attr-defined]
    rec = inc.assign_to_me(desk, ben, rec.id, rec.version)
    rec = inc.hold(desk, ben, rec.id, rec.version, "awaiting_vendor")
    clock.advance(hours=1)
    rec = inc.resume(desk, ben, rec.id, rec.version)
    rec = inc.resolve(desk, ben, rec.id, rec.version, "workaround_provided", "Rebooted the router")
    words = {(h.label, h.old_text, h.new_text) for h in queries.history(desk, rec.id)}
    assert ("Group", "Service Desk", "Network") in words
    assert ("Support line", "Line 1", "Line 2") in words
    assert ("Assignee", None, "Ben Okafor") in words
    assert ("On-hold reason", None, "Awaiting vendor") in words
    assert ("State", "On Hold", "In Progress") in words
    assert ("Resolution code", None, "Workaround provided") in words
    assert ("Resolved by", None, "Ben Okafor") in words
    assert ("Resolved", None, "2026-03-02 10:00") in words  # 09:00 UTC, in Brussels
    assert ("In a queue", "yes", "no") in words
