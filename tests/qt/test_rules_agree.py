"""The rule, the services and the incident window agree, for every action x role x state.

For each role, on incidents of the actor's own group and of another, in every state (and
major or not, escalated, already theirs), the window's actions are enabled exactly when
app.domain.permissions allows them, a disabled one's tooltip gives the rule's reason, the
fields and the journal's Add follow the same answer, and the services refuse the disabled
ones with that very reason, writing nothing. (tests/db/test_role_table.py does every allowed
cell through the services on both engines.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.domain.errors import IllegalTransition, PermissionDenied
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import State
from app.domain.permissions import IncidentFacts, why_not
from app.domain.records import IncidentRecord
from app.services import incidents, queries
from app.services.context import Actor
from app.services.incidents import NewIncident
from app.views.incident import IncidentWindow
from app.views.incident.actions import ACTIONS, action_of

A = IncidentAction


def _incident(world, state: State, group: int, *, major: bool = False) -> IncidentRecord:  # type: ignore[no-untyped-def]
    d, admin = world.desk, world.admin
    r = incidents.log_incident(d, admin, NewIncident("Printer jams", group_id=group, major=major))
    if state in (State.IN_PROGRESS, State.ON_HOLD):
        r = incidents.start_work(d, admin, r.id, r.version)
    if state is State.ON_HOLD:
        r = incidents.hold(d, admin, r.id, r.version, "awaiting_vendor")
    if state in (State.RESOLVED, State.CLOSED):
        r = incidents.resolve(d, admin, r.id, r.version, "solution_provided", "New toner")
    if state is State.CLOSED:
        r = incidents.close(d, admin, r.id, r.version)
    if state is State.CANCELLED:
        r = incidents.cancel(d, admin, r.id, r.version, "Logged in error")
    return r


def _service_call(world, actor: Actor, action: IncidentAction, r: IncidentRecord) -> Callable[[], object]:  # type: ignore[no-untyped-def]
    d, v = world.desk, r.version
    higher = world.network if r.support_line == 1 else world.messaging
    return {
        A.ASSIGN_TO_ME: lambda: incidents.assign_to_me(d, actor, r.id, v),
        A.ASSIGN_GROUP: lambda: incidents.assign(d, actor, r.id, v, group_id=world.messaging, assignee_id=None),
        A.ESCALATE: lambda: incidents.escalate_functional(d, actor, r.id, v, higher, "Next line"),
        A.ESCALATE_TO_SUPERVISOR: lambda: incidents.escalate_hierarchical(d, actor, r.id, v, "CFO"),
        A.HOLD: lambda: incidents.hold(d, actor, r.id, v, "awaiting_vendor"),
        A.RESUME: lambda: incidents.resume(d, actor, r.id, v),
        A.RESOLVE: lambda: incidents.resolve(d, actor, r.id, v, "solution_provided", "Fixed"),
        A.CLOSE: lambda: incidents.close(d, actor, r.id, v),
        A.REOPEN: lambda: incidents.reopen(d, actor, r.id, v, "Back again"),
        A.CANCEL: lambda: incidents.cancel(d, actor, r.id, v, "Duplicate"),
        A.MARK_MAJOR: lambda: incidents.mark_major(d, actor, r.id, v, True),
        A.UNMARK_MAJOR: lambda: incidents.mark_major(d, actor, r.id, v, False),
        A.EDIT: lambda: incidents.update_fields(d, actor, r.id, v, {"title": "Printer jams again"}),
        A.ADD_NOTE: lambda: incidents.add_journal(d, actor, r.id, "work_note", "Checked"),
    }[action]


def test_window_services_and_rule_agree_for_every_action_role_and_state(qtbot, world, runner) -> None:  # type: ignore[no-untyped-def]
    cases: list[IncidentRecord] = []
    for state in State:
        for group in (world.service_desk, world.network):
            cases.append(_incident(world, state, group))
            cases.append(_incident(world, state, group, major=True))
    up = _incident(world, State.IN_PROGRESS, world.service_desk)
    cases.append(incidents.escalate_hierarchical(world.desk, world.admin, up.id, up.version, "CFO"))
    mine = _incident(world, State.NEW, world.service_desk)
    cases.append(incidents.assign(world.desk, world.admin, mine.id, mine.version,
                                  group_id=world.service_desk, assignee_id=world.ana.id))
    seen = {"enabled": 0, "disabled": 0}
    for actor in (world.ana, world.ben, world.carla, world.admin):
        for case in cases:
            window = IncidentWindow(world.desk, actor, runner, case.id)
            qtbot.addWidget(window)
            qtbot.waitUntil(lambda w=window: w.record is not None)
            record = window.record
            assert record is not None and record.version == case.version
            facts = IncidentFacts.of(record)
            where = f"{actor.username} on {record.number} ({record.state.label}, {record.group_name}, major={record.major})"
            checks = [(spec.name, window.actions_by_name[spec.name], action_of(spec, record)) for spec in ACTIONS]
            for name, qaction, action in checks:
                expected = why_not(actor, facts, action)
                assert qaction.isEnabled() == (expected is None), (where, name, expected)
                if expected is not None:
                    assert expected in qaction.toolTip(), (where, name, qaction.toolTip())
            for widget, action in ((window.title_edit, A.EDIT), (window.add_note_button, A.ADD_NOTE)):
                expected = why_not(actor, facts, action)
                assert widget.isEnabled() == (expected is None), (where, action)
                if expected is not None:
                    assert expected in widget.toolTip(), (where, action, widget.toolTip())
            window.close()
            # the services refuse what the window disables, with the same words, writing nothing
            for action in {a for _n, _q, a in checks} | {A.EDIT, A.ADD_NOTE}:
                expected = why_not(actor, facts, action)
                if expected is None:
                    seen["enabled"] += 1
                    continue
                seen["disabled"] += 1
                with pytest.raises((PermissionDenied, IllegalTransition)) as err:
                    _service_call(world, actor, action, record)()
                assert str(err.value) == expected, (where, action)
                assert queries.get_incident(world.desk, record.id).version == record.version
    assert seen["enabled"] > 50 and seen["disabled"] > 200, seen
