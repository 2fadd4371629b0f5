"""A queue over 1,000,000 open incidents, scrolled deep, as an agent sees it.

The database is built fast by ``bench/bigdb.py`` (reference rows through the services, the
incidents in one INSERT ... SELECT; ~20 s), then the real main window opens on it, the agent
drags the scroll bar down (each time it reaches the end the model fetches the next 50,000 keys)
and goes to row 100,000. What is painted there must be the 100,000th incident in queue order,
asked independently of the application (plain SQL with OFFSET).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractItemView

from app.domain.records import QueueFilter
from app.services import incidents
from app.views.queue_model import ID_ROLE, NUMBER, SLA, TITLE, Query, QueueTableModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.bigdb import expected_number, populate, rank_of

N = 1_000_000
DEEP = 99_999  # row 100,000 (0-based)
# the desk's clock for this test, whatever the hour it runs at: a Thursday, 13:00 in Brussels
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class PaintSpy(QObject):
    """Records, at each paint of the table, the numbers of the rows it paints."""

    def __init__(self, table) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.table = table
        self.painted: list[dict[int, str]] = []
        table.viewport().installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            t = self.table
            top = t.rowAt(0)
            bottom = t.rowAt(t.viewport().height() - 1)
            if top >= 0:
                bottom = bottom if bottom >= 0 else t.model().rowCount() - 1
                model = t.model()
                self.painted.append(
                    {r: model.index(r, NUMBER).data() for r in range(top, bottom + 1)}
                )
        return False


@pytest.mark.slow
@pytest.mark.timeout(900)  # a million rows built and scrolled: minutes on a loaded two-core machine
def test_million_open_incidents_scrolled_deep(
    qtbot, qtmodeltester, tmp_path, runner, monkeypatch
) -> None:
    from app.db.engine import make_engine
    from app.services.context import Desk
    from app.views.main_window import MainWindow

    url = f"sqlite:///{tmp_path / 'million.sqlite3'}"
    info = populate(url, N, now=NOW)
    expected = expected_number(url, DEEP)
    engine = make_engine(url)
    desk = Desk(engine, clock=lambda: NOW)
    try:
        window = MainWindow(desk, desk.actor(info.username), runner, database="million.sqlite3")
        qtbot.addWidget(window)
        window.resize(1400, 800)
        window.show()
        assert window.feed.wait_ready()
        window.select_view("All open")
        model, table = window.model, window.table
        qtbot.waitUntil(
            lambda: model.query.flt == QueueFilter() and model.rowCount() > 0, timeout=10_000
        )
        qtbot.waitUntil(lambda: window.count_label.text() == f"{N:,} incidents", timeout=10_000)
        spy = PaintSpy(table)

        # the agent drags the scroll bar to the end until row 100,000 exists
        bar = table.verticalScrollBar()
        while model.rowCount() <= DEEP:
            loaded = model.rowCount()
            bar.setValue(bar.maximum())
            qtbot.waitUntil(lambda loaded=loaded: model.rowCount() > loaded, timeout=10_000)
        assert model.rowCount() < N  # keys come in chunks: nowhere near all of them

        spy.painted.clear()
        table.scrollTo(model.index(DEEP, 0), QAbstractItemView.ScrollHint.PositionAtCenter)

        def deep_row_painted() -> bool:
            return any(
                DEEP in p and all(v.startswith("INC") for v in p.values()) for p in spy.painted
            )

        qtbot.waitUntil(deep_row_painted, timeout=10_000)
        shown = next(
            p for p in spy.painted if DEEP in p and all(v.startswith("INC") for v in p.values())
        )
        assert shown[DEEP].rstrip(" ★") == expected
        assert table.visualRect(model.index(DEEP, NUMBER)).intersects(table.viewport().rect())
        # the rows around it are the neighbours in queue order too
        above = expected_number(url, DEEP - 1)
        if DEEP - 1 in shown:
            assert shown[DEEP - 1].rstrip(" ★") == above
        assert model.index(DEEP, SLA).data()  # the SLA cell is worded
        assert len(model._rows) <= 20_000  # rows kept in memory stay bounded

        # a second workstation changes the incident on screen: the model updates that row (its
        # SLA instants are recomputed from the business calendar, so it may move: the synthetic
        # instants are not the calendar's) and places it where the queue order puts it now (or
        # beyond the loaded keys), never resets, and the view stays deep
        resets: list[bool] = []
        model.modelReset.connect(lambda: resets.append(True))
        other = make_engine(url)
        try:
            second = Desk(other, clock=lambda: NOW)
            incident_id = model.index(DEEP, 0).data(ID_ROLE)
            incidents.update_fields(
                second, second.actor("admin"), incident_id, None, {"title": "Renamed far down"}
            )

            rank = rank_of(url, incident_id)  # where it belongs now, by plain SQL

            def placed() -> bool:
                row = model.row_of(incident_id)
                if rank >= model.rowCount():
                    return row is None
                return row == rank and model.index(row, TITLE).data() == "Renamed far down"

            qtbot.waitUntil(placed, timeout=10_000)
        finally:
            other.dispose()
        assert not resets
        assert abs(table.rowAt(table.viewport().height() // 2) - DEEP) < 100
        window.shutdown()
        runner.wait()

        # qtmodeltester over the same million (Qt's C++ tester: the Python one walks every loaded
        # cell in Python, minutes at this size). The tester fetches more itself and re-checks
        # every loaded row on each signal, so this model fetches keys 5,000 at a time.
        import app.views.queue_model as qm

        monkeypatch.setattr(qm, "KEY_CHUNK", 5_000)
        checked = QueueTableModel(desk, runner)
        checked.set_query(Query(QueueFilter()))
        qtbot.waitUntil(lambda: checked.rowCount() > 0, timeout=10_000)
        qtmodeltester.check(checked, force_py=False)
        qtbot.waitUntil(lambda: checked.rowCount() >= 10_200, timeout=20_000)
        checked.blockSignals(True)  # done: no more re-checks of every row
        runner.wait()
    finally:
        runner.shutdown()
        engine.dispose()
        for f in tmp_path.glob("million.sqlite3*"):  # ~1 GB: not left in pytest's kept folders
            f.unlink()
