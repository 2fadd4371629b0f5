"""Periodic jobs (the SLA sweep, the views' counts) survive their own failures: told once, not at
every tick, and they keep running."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from app.domain.errors import ValidationError
from app.services import escalation, queries
from app.views.main_window import COUNT_ROLE


def quiet(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.runner.pending() == 0 and window.background.pending() == 0)


def test_a_sweep_that_fails_is_told_once_and_keeps_sweeping(  # type: ignore[no-untyped-def]
    qtbot, ana_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = ana_window
    quiet(qtbot, window)
    bugs: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda _k, exc, _tb: bugs.append(str(exc)))
    calls: list[str] = []
    real = escalation.run_once

    def sweep(desk: Any) -> Any:
        calls.append("sweep")
        if len(calls) <= 3:
            raise RuntimeError("the sweep has a bug")
        return real(desk)

    monkeypatch.setattr(escalation, "run_once", sweep)
    for n in range(1, 5):  # four ticks of the sweep timer
        window.run_sweep()
        qtbot.waitUntil(lambda n=n: len(calls) == n and not window._sweeping)
    assert bugs == ["the sweep has a bug"]  # once, not at every tick
    assert window.sweep_report.told == 0  # it swept again, and a later failure is told again


def test_failed_counts_are_told_once_and_the_counts_come_back(  # type: ignore[no-untyped-def]
    qtbot, world, ana_window, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = ana_window
    window.select_view("All open")
    quiet(qtbot, window)
    told: list[str] = []
    monkeypatch.setattr("app.views.main_window.show_problem", lambda _p, text: told.append(text))
    bugs: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda _k, exc, _tb: bugs.append(str(exc)))
    real = queries.queue_count
    broken = {"how": "refused"}

    def count(desk: Any, flt: Any) -> int:
        if broken["how"] == "refused":
            raise ValidationError("The count was refused")
        if broken["how"] == "bug":
            raise RuntimeError("the count has a bug")
        return real(desk, flt)

    monkeypatch.setattr(queries, "queue_count", count)
    for _ in range(2):
        window.refresh()
        quiet(qtbot, window)
    assert told == ["Counting the incidents of the views failed: The count was refused\n"
                    "It keeps running and is tried again."]
    broken["how"] = "bug"  # still failing (told already), now as our bug: still told once in all
    window.refresh()
    quiet(qtbot, window)
    assert bugs == [] and len(told) == 1
    from app.services import incidents

    incidents.log_incident(world.desk, world.ana, incidents.NewIncident(title="VPN drops", caller_id=world.john))
    broken["how"] = ""
    window.refresh()
    quiet(qtbot, window)
    assert window.count_report.told == 0 and window._counting == 0  # not stuck behind a busy flag
    assert window.count_label.text() == "1 incident"
    row = [v.name for v in window._views].index("All open")
    assert window.views_list.item(row).data(COUNT_ROLE) == 1
    broken["how"] = "bug"  # after a success, a new failure is told again
    window.refresh()
    quiet(qtbot, window)
    assert bugs == ["the count has a bug"]
