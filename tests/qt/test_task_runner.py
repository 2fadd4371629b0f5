"""The task runner: reads never wait behind writes, writes keep their order, and quitting saves
every queued write or says what was not saved."""

from __future__ import annotations

import threading

import pytest

from app.domain.errors import EnvironmentProblem
from app.views.tasks import TaskRunner


def gated_write(gate: threading.Event, done: list[int], n: int):  # type: ignore[no-untyped-def]
    def write() -> int:
        assert gate.wait(30), "the test never opened the gate"
        done.append(n)
        return n

    return write


def test_a_read_does_not_wait_behind_queued_writes(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner(threads=3)
    gate = threading.Event()
    written: list[int] = []
    try:
        for n in range(5):  # more writes than the pool has threads, all waiting for the database
            runner.run(gated_write(gate, written, n), write=True, what=f"change {n}")
        answers: list[str] = []
        runner.run(lambda: "rows", answers.append)
        qtbot.waitUntil(lambda: answers == ["rows"], timeout=5000)
        assert written == []  # the read came back while every write still waited
    finally:
        gate.set()
        assert runner.shutdown() == []
    assert written == [0, 1, 2, 3, 4]  # one at a time, in the order they were asked for


def test_quitting_waits_for_queued_writes_with_a_note(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    gate = threading.Event()
    written: list[int] = []
    notes: list[int] = []
    for n in range(3):
        runner.run(gated_write(gate, written, n), write=True, what=f"change {n}")
    runner.run(lambda: "a read nobody waits for any more")

    def note(pending: int) -> None:  # quitting takes long: the user is told, then it goes on
        notes.append(pending)
        gate.set()

    assert runner.shutdown(note=note) == []
    assert written == [0, 1, 2]  # nothing queued was dropped
    assert notes == [3]


def test_quitting_says_what_could_not_be_saved(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = TaskRunner()
    gate = threading.Event()

    def refused() -> None:
        gate.wait(30)
        raise EnvironmentProblem("The database is not reachable.")

    saved: list[int] = []
    runner.run(refused, write=True, what="the changes to INC0000042")
    runner.run(gated_write(gate, saved, 1), write=True, what="the note on INC0000042")
    lost = runner.shutdown(note=lambda _n: gate.set())
    assert lost == ["the changes to INC0000042: The database is not reachable."]
    assert saved == [1]


def test_closing_the_window_saves_the_queued_writes_and_reports_the_rest(  # type: ignore[no-untyped-def]
    qtbot, world, runner, ana_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtCore import QTimer

    from app.services import incidents, queries

    window = ana_window
    desk, ana = world.desk, world.ana
    record = incidents.log_incident(desk, ana, incidents.NewIncident(title="Printer jams", caller_id=world.john))
    shown: list[str] = []
    monkeypatch.setattr("app.views.main_window.show_problem", lambda _parent, text: shown.append(text))
    gate = threading.Event()

    def slow_note() -> object:
        assert gate.wait(30)
        return incidents.add_journal(desk, ana, record.id, "work_note", "Called the caller back")

    def stale_title() -> object:  # based on a version that never existed: refused
        return incidents.update_fields(desk, ana, record.id, record.version + 7, {"title": "Printer jams again"})

    runner.run(slow_note, write=True, what="the note on " + record.number)
    runner.run(lambda: incidents.add_journal(desk, ana, record.id, "work_note", "Toner ordered"),
               write=True, what="the second note on " + record.number)
    runner.run(stale_title, write=True, what="the changes to " + record.number)
    notes: list[str] = []

    def look() -> None:  # what the user sees while the window waits for the database
        note = window.saving_note
        if note is not None and note.isVisible():
            notes.append(note.labelText())
            gate.set()
        else:
            QTimer.singleShot(20, look)

    QTimer.singleShot(0, look)
    window.close()
    assert notes == ["Saving 3 changes before quitting…"]
    assert not window.saving_note.isVisible()
    texts = [e.body for e in queries.journal(desk, record.id)]
    assert "Called the caller back" in texts and "Toner ordered" in texts  # saved, none dropped
    assert queries.get_incident(desk, record.id).title == "Printer jams"
    assert len(shown) == 1
    assert shown[0].startswith("These changes could not be saved:\n• the changes to " + record.number + ": ")
    assert "note" not in shown[0]
