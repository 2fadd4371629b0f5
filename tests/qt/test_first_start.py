"""The first start: the schema and the demo desk are made on a worker thread while a window with
a progress bar says so; the GUI thread keeps painting."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer

from app.db.config import DatabaseConfig
from app.services import defaults, queries
from app.views import first_start


def test_first_start_works_off_the_gui_thread_behind_a_progress_bar(  # type: ignore[no-untyped-def]
    qtbot, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.demo
    from app.main import _open_database

    monkeypatch.setattr(app.demo, "FIRST_START_INCIDENTS", 60)
    threads: list[str] = []
    real = defaults.prepare_database

    def prepare(engine):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(engine)

    monkeypatch.setattr(defaults, "prepare_database", prepare)
    seen: list[tuple[str, int, int]] = []
    ticks: list[int] = []

    def look() -> None:  # the GUI thread, while the work runs: it paints and the window shows
        ticks.append(1)
        d = first_start.last_dialog
        if d is not None and d.isVisible():
            seen.append((d.labelText(), d.value(), d.maximum()))

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(look)
    timer.start()
    engine, desk = _open_database(DatabaseConfig(f"sqlite:///{tmp_path / 'first.sqlite3'}", "test"), True)
    timer.stop()
    try:
        assert threads == ["first-start"]  # not the GUI thread
        assert seen, "no progress window was on screen"
        labels = [s[0] for s in seen]
        assert labels[0] in ("Preparing the database…", "Creating or upgrading the database schema…")
        assert any(t.startswith("Loading the demo desk") for t in labels)
        assert not first_start.last_dialog.isVisible()  # gone once ready
        assert queries.latest_change(desk) > 0 and defaults.has_incidents(desk)
    finally:
        engine.dispose()
    # a second start of the same database: nothing to prepare, no window
    first_start.last_dialog = None
    engine, _desk = _open_database(DatabaseConfig(f"sqlite:///{tmp_path / 'first.sqlite3'}", "test"), True)
    engine.dispose()
    assert first_start.last_dialog is None and threads == ["first-start"]
