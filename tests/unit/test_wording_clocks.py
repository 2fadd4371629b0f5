"""The words of a queue row's SLA cell and tooltip, and of an incident's clocks: every
branch, exactly as the windows and the command line show them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.domain.lifecycle import State
from app.domain.records import QueueRow
from app.domain.sla import ClockStatus, Threshold
from app.domain.wording import (
    SlaLook,
    clock_sla,
    clock_text,
    clock_tooltip,
    row_sla,
    row_sla_tooltip,
    row_threshold,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # Thursday 10:00 in Brussels
BRUSSELS = ZoneInfo("Europe/Brussels")
H = timedelta(hours=1)

ROW = QueueRow(
    id=1,
    number="INC0000001",
    priority=3,
    state=State.IN_PROGRESS,
    title="VPN drops",
    caller_name=None,
    group_name=None,
    assignee_name=None,
    updated_at=NOW,
    resolution_due=NOW + 4 * H,
    warn_at=NOW + H,
    at_risk_at=NOW + 2 * H,
    sla_paused=False,
    sla_breached=False,
    major=False,
    version=1,
)


def test_a_rows_threshold_follows_the_stored_instants() -> None:
    assert row_threshold(ROW, NOW) is Threshold.OK
    assert row_threshold(ROW, NOW + H - timedelta(seconds=1)) is Threshold.OK
    assert row_threshold(ROW, NOW + H) is Threshold.WARNING
    assert row_threshold(ROW, NOW + 2 * H) is Threshold.AT_RISK
    assert row_threshold(ROW, NOW + 4 * H) is Threshold.BREACHED
    assert row_threshold(replace(ROW, sla_breached=True), NOW) is Threshold.BREACHED
    bare = replace(ROW, resolution_due=None, warn_at=None, at_risk_at=None)
    assert row_threshold(bare, NOW + 100 * H) is Threshold.OK


def test_a_rows_cell() -> None:
    assert row_sla(ROW, NOW) == SlaLook("due in 4h 00m", Threshold.OK, NOW + 4 * H)
    assert row_sla(ROW, NOW + 3 * H) == SlaLook("due in 1h 00m", Threshold.AT_RISK, NOW + 4 * H)
    assert row_sla(replace(ROW, sla_paused=True), NOW) == SlaLook("paused", None, None)
    assert row_sla(replace(ROW, state=State.ON_HOLD), NOW) == SlaLook("paused", None, None)
    assert row_sla(replace(ROW, state=State.RESOLVED), NOW) == SlaLook("met", None, None)
    assert row_sla(replace(ROW, state=State.CLOSED, sla_breached=True), NOW) == SlaLook(
        "breached", None, None
    )
    assert row_sla(replace(ROW, sla_breached=True), NOW).threshold is Threshold.BREACHED


def test_a_rows_tooltip() -> None:
    assert row_sla_tooltip(ROW, NOW, BRUSSELS) == (
        "Resolution due Thu 26 Nov 14:00\n50% of the business time at Thu 26 Nov 11:00\n75% at Thu 26 Nov 12:00"
    )
    only_due = replace(ROW, warn_at=None, at_risk_at=None)
    assert row_sla_tooltip(only_due, NOW, BRUSSELS) == "Resolution due Thu 26 Nov 14:00"
    assert (
        row_sla_tooltip(replace(ROW, resolution_due=None), NOW, BRUSSELS) == "No resolution target"
    )
    paused = "The resolution clock is paused (on hold)"
    assert row_sla_tooltip(replace(ROW, sla_paused=True), NOW, BRUSSELS) == paused
    assert row_sla_tooltip(replace(ROW, state=State.ON_HOLD), NOW, BRUSSELS) == paused
    assert (
        row_sla_tooltip(replace(ROW, state=State.RESOLVED), NOW, BRUSSELS)
        == "Resolution target met"
    )
    breached = replace(ROW, state=State.CANCELLED, sla_breached=True)
    assert row_sla_tooltip(breached, NOW, BRUSSELS) == "Resolution target breached"


RUNNING = ClockStatus(
    target_s=8 * 3600,
    elapsed_s=5 * 3600,
    remaining_s=3 * 3600 + 300,
    percent=62.5,
    threshold=Threshold.WARNING,
    paused=False,
    due_at=NOW + 2 * H + timedelta(minutes=5),
    stopped=False,
)


def test_an_incidents_clock() -> None:
    assert clock_sla(None, NOW) == SlaLook("no target", None, None)
    assert clock_sla(RUNNING, NOW) == SlaLook("due in 2h 05m", Threshold.WARNING, RUNNING.due_at)
    assert clock_sla(replace(RUNNING, paused=True, due_at=None), NOW) == SlaLook(
        "paused", None, None
    )
    assert clock_sla(replace(RUNNING, stopped=True), NOW) == SlaLook("met", None, None)
    late = replace(RUNNING, stopped=True, threshold=Threshold.BREACHED)
    assert clock_sla(late, NOW) == SlaLook("breached", None, None)


def test_an_incidents_clock_in_its_header() -> None:
    assert clock_text(None, "Response", NOW, BRUSSELS) == "Response: no target"
    assert clock_text(RUNNING, "Resolution", NOW, BRUSSELS) == (
        "Resolution: due in 2h 05m · due Thu 26 Nov 12:05 · 62% used"
    )
    paused = replace(RUNNING, paused=True, due_at=None, percent=1234.4)
    assert clock_text(paused, "Resolution", NOW, BRUSSELS) == "Resolution: paused · 1,234% used"


def test_an_incidents_clock_tooltip() -> None:
    assert clock_tooltip(None, "Response") == "No response target for this priority"
    assert clock_tooltip(RUNNING, "Resolution") == (
        "Resolution target: 62% of the business time used, 3h 05m business time left "
        "(a day is 24 h).\nColours: 50% warning, 75% at risk, 100% breached."
    )
    over = replace(RUNNING, remaining_s=-60, percent=100.2)
    assert clock_tooltip(over, "Response").startswith(
        "Response target: 100% of the business time used, none business time left"
    )
    assert (
        clock_tooltip(replace(RUNNING, remaining_s=0), "Response")
        .split(", ")[1]
        .startswith("0m business")
    )
