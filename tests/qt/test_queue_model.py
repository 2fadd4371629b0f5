"""The queue model: lazily fetched, sorted in SQL, updated row by row; qtmodeltester on it."""

from __future__ import annotations

from app.domain.records import QueueFilter
from app.services import incidents
from app.services.incidents import NewIncident
from app.views.queue_model import COLUMNS, ID_ROLE, NUMBER, PRIORITY, SLA, Query, QueueTableModel


def _log(world, n: int, **kw):  # type: ignore[no-untyped-def]
    return [
        incidents.log_incident(world.desk, world.ana, NewIncident(f"Printer {i} jams", **kw))
        for i in range(n)
    ]


def test_model_passes_qtmodeltester(qtbot, qtmodeltester, world, runner) -> None:
    _log(world, 5, impact=2, urgency=2)
    model = QueueTableModel(world.desk, runner)
    model.set_query(Query(QueueFilter()))
    qtbot.waitUntil(lambda: model.rowCount() == 5)
    qtmodeltester.check(model, force_py=True)
    qtbot.waitUntil(lambda: runner.pending() == 0)


def test_rows_sorted_in_sql_and_lazily_filled(qtbot, world, runner, monkeypatch) -> None:
    import app.views.queue_model as qm

    monkeypatch.setattr(qm, "FIRST_PAGE", 10)
    monkeypatch.setattr(qm, "KEY_CHUNK", 25)
    monkeypatch.setattr(qm, "BLOCK", 10)
    _log(world, 30, impact=3, urgency=3)
    _log(world, 3, impact=1, urgency=1)
    model = QueueTableModel(world.desk, runner)
    model.set_query(Query(QueueFilter()))
    qtbot.waitUntil(lambda: model.rowCount() == 10)
    assert model.index(0, PRIORITY).data() == "1 - Critical"
    assert model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 33)
    assert not model.canFetchMore()
    # a row beyond the first page is fetched when it is painted
    assert model.index(30, NUMBER).data() == "…"
    qtbot.waitUntil(lambda: model.index(30, NUMBER).data().startswith("INC"))
    # last updated first: sorted by the database
    model.sort(qm.UPDATED, qm.Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.query.sort == "updated" and model.index(0, NUMBER).data() == "INC0000033")
    assert [c.title for c in COLUMNS][SLA] == "SLA"


def test_refresh_updates_only_changed_rows(qtbot, world, runner) -> None:
    recs = _log(world, 4, impact=3, urgency=3)
    model = QueueTableModel(world.desk, runner)
    model.set_query(Query(QueueFilter()))
    qtbot.waitUntil(lambda: model.rowCount() == 4)
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    # a new P1 goes to the top; a resolved one leaves the open queue
    new = incidents.log_incident(world.desk, world.ana, NewIncident("VPN down", impact=1, urgency=1))
    incidents.resolve(world.desk, world.ana, recs[1].id, None, "solution_provided", "fixed")
    model.refresh_incidents({new.id, recs[1].id})
    qtbot.waitUntil(lambda: model.rowCount() == 4 and model.index(0, 0).data(ID_ROLE) == new.id)
    ids = [model.index(r, 0).data(ID_ROLE) for r in range(model.rowCount())]
    assert recs[1].id not in ids
    assert not resets
