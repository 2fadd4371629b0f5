"""A remote change places its one row: never the old row back from a read that started before it,
no re-read of the whole loaded window, and cached rows are still forgotten after live moves."""

from __future__ import annotations

import threading

import pytest

from app.domain.records import QueueFilter
from app.services import incidents, queries
from app.services.incidents import NewIncident
from app.views.queue_model import TITLE, Query, QueueTableModel


def _log(world, n: int, **kw):  # type: ignore[no-untyped-def]
    return [incidents.log_incident(world.desk, world.ana, NewIncident(f"Printer {i} jams", **kw)) for i in range(n)]


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    import app.views.queue_model as qm

    monkeypatch.setattr(qm, "FIRST_PAGE", 5)
    monkeypatch.setattr(qm, "BLOCK", 5)
    monkeypatch.setattr(qm, "KEY_CHUNK", 50)
    return qm


def loaded(qtbot, world, runner, flt: QueueFilter | None = None) -> QueueTableModel:  # type: ignore[no-untyped-def]
    model = QueueTableModel(world.desk, runner)
    model.set_query(Query(flt or QueueFilter()))
    qtbot.waitUntil(lambda: model.rowCount() > 0)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model._fetching_keys)
    return model


_KEYS = queries.queue_keys  # the truth, read past the spy below


def truth(world, flt: QueueFilter | None = None) -> list[int]:  # type: ignore[no-untyped-def]
    return [int(k[-1]) for k in _KEYS(world.desk, flt or QueueFilter(), limit=10_000)]  # type: ignore[call-overload]


def test_a_read_from_before_a_remote_change_never_puts_the_old_row_back(  # type: ignore[no-untyped-def]
    qtbot, world, runner, other_desk, small, monkeypatch
) -> None:
    recs = _log(world, 20, impact=3, urgency=3)
    model = loaded(qtbot, world, runner)
    assert model.rowCount() == 20
    target = model.incident_id(12)
    assert model.cached_row(target) is None  # beyond the first page: read when painted
    gate, read = threading.Event(), threading.Event()
    real = queries.queue_rows

    def slow_block(desk, ids):  # type: ignore[no-untyped-def]
        rows = real(desk, ids)  # the rows as they are now...
        read.set()
        assert gate.wait(30)  # ...arrive after the change below
        return rows

    monkeypatch.setattr(queries, "queue_rows", slow_block)
    assert model.index(12, TITLE).data() == ""  # painting it asks for its block
    qtbot.waitUntil(read.is_set)
    monkeypatch.setattr(queries, "queue_rows", real)
    admin = other_desk.actor("admin")
    incidents.update_fields(other_desk, admin, target, None, {"title": "Printer jams, renamed elsewhere"})
    model.refresh_incidents({target})
    qtbot.waitUntil(lambda: (model.cached_row(target) or recs[0]).title == "Printer jams, renamed elsewhere")
    gate.set()
    qtbot.waitUntil(lambda: runner.pending() == 0)
    assert model.cached_row(target).title == "Printer jams, renamed elsewhere"
    assert model.index(model.row_of(target), TITLE).data() == "Printer jams, renamed elsewhere"


def test_remote_changes_place_their_row_without_reading_the_window(  # type: ignore[no-untyped-def]
    qtbot, qtmodeltester, world, runner, other_desk, small, monkeypatch
) -> None:
    recs = _log(world, 12, impact=3, urgency=3)
    flt = QueueFilter(group_ids=(world.service_desk,))
    model = loaded(qtbot, world, runner, flt)
    qtmodeltester.check(model, force_py=True)
    assert model.incident_id(0) is not None and [model.incident_id(r) for r in range(12)] == truth(world, flt)
    keys_read: list[object] = []
    real_keys = queries.queue_keys
    monkeypatch.setattr(queries, "queue_keys", lambda *a, **k: keys_read.append(a) or real_keys(*a, **k))
    moves: list[tuple[int, int]] = []
    model.rowsMoved.connect(lambda _p, s, _e, _d, row: moves.append((s, row)))
    admin = other_desk.actor("admin")
    bottom, middle = recs[-1].id, recs[5].id
    steps = [
        lambda: incidents.set_impact_urgency(other_desk, admin, bottom, None, 1, 1),  # to the top
        lambda: incidents.set_impact_urgency(other_desk, admin, recs[0].id, None, 3, 3),  # same place
        lambda: incidents.assign(other_desk, admin, middle, None, group_id=world.network, assignee_id=None),  # leaves
        lambda: incidents.log_incident(  # enters, in the middle of the P3s by its due time
            other_desk, admin, NewIncident("Scanner offline", impact=3, urgency=3, group_id=world.service_desk)
        ),
        lambda: incidents.set_impact_urgency(other_desk, admin, bottom, None, 3, 3),  # back down
    ]
    for step in steps:
        changed = step()
        model.refresh_incidents({changed.id})
        want = truth(world, flt)
        qtbot.waitUntil(lambda want=want: [model.incident_id(r) for r in range(model.rowCount())] == want)
        qtbot.waitUntil(lambda: runner.pending() == 0)
    assert keys_read == []  # no change re-read the keys of what the view holds
    assert moves and moves[0] == (11, 0)  # moved, not removed and inserted: selection stays on it
    assert model.index(model.row_of(bottom), TITLE).data() == "Printer 11 jams"


def test_cached_rows_are_still_forgotten_after_live_moves(  # type: ignore[no-untyped-def]
    qtbot, world, runner, other_desk, small, monkeypatch
) -> None:
    monkeypatch.setattr(small, "MAX_BLOCKS", 2)
    recs = _log(world, 40, impact=3, urgency=3)
    model = loaded(qtbot, world, runner)
    admin = other_desk.actor("admin")
    moved = incidents.set_impact_urgency(other_desk, admin, recs[-1].id, None, 1, 1)
    model.refresh_incidents({moved.id})
    qtbot.waitUntil(lambda: model.incident_id(0) == moved.id)
    for row in range(0, 40, 5):  # the agent scrolls through every block
        model.index(row, TITLE).data()
        qtbot.waitUntil(lambda row=row: model.cached_row(model.incident_id(row)) is not None)
    assert model.cached_rows() <= 2 * 5  # MAX_BLOCKS fetches of BLOCK rows, however rows moved


def test_a_row_placed_after_one_that_moved_meanwhile_follows_it(  # type: ignore[no-untyped-def]
    qtbot, world, runner, other_desk, small, monkeypatch
) -> None:
    recs = _log(world, 6, impact=3, urgency=3)
    model = loaded(qtbot, world, runner)
    admin = other_desk.actor("admin")
    # elsewhere: the last P3 raised to P1, then a new P1 logged (it goes right after the raised one)
    raised = incidents.set_impact_urgency(other_desk, admin, recs[-1].id, None, 1, 1)
    new = incidents.log_incident(other_desk, admin, NewIncident("Core switch down", impact=1, urgency=1))
    assert truth(world)[:2] == [raised.id, new.id]
    gate, asked = threading.Event(), threading.Event()
    real = queries.queue_places

    def slow(*a, **k):  # type: ignore[no-untyped-def]
        answer = real(*a, **k)  # the database already says: after the raised one
        asked.set()
        assert gate.wait(30)
        return answer

    monkeypatch.setattr(queries, "queue_places", slow)
    model.refresh_incidents({new.id})  # the new one is placed while...
    qtbot.waitUntil(asked.is_set)
    monkeypatch.setattr(queries, "queue_places", real)
    model.refresh_incidents({raised.id})  # ...the raise is told, its row not moved yet
    gate.set()
    qtbot.waitUntil(lambda: [model.incident_id(r) for r in range(model.rowCount())] == truth(world))
    qtbot.waitUntil(lambda: runner.pending() == 0 and not model._refreshing)
    assert [model.incident_id(r) for r in range(model.rowCount())] == truth(world)


def test_a_row_whose_neighbour_has_not_arrived_yet_waits_for_it(  # type: ignore[no-untyped-def]
    qtbot, world, runner, other_desk, small
) -> None:
    _log(world, 6, impact=3, urgency=3)
    model = loaded(qtbot, world, runner)
    admin = other_desk.actor("admin")
    # elsewhere: two new P1s; the second is told first, the row before it is not here yet
    first = incidents.log_incident(other_desk, admin, NewIncident("Core switch down", impact=1, urgency=1))
    second = incidents.log_incident(other_desk, admin, NewIncident("Core router down", impact=1, urgency=1))
    assert truth(world)[:2] == [first.id, second.id]
    model.refresh_incidents({second.id})
    qtbot.waitUntil(lambda: runner.pending() == 0 and not model._refreshing)
    model.refresh_incidents({first.id})
    qtbot.waitUntil(lambda: [model.incident_id(r) for r in range(model.rowCount())] == truth(world))
