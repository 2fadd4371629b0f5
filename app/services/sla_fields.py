"""The stored SLA columns of an incident, as one pure function.

The services store what the clocks say so that the queue can sort and filter in SQL
(resolution due, the 50% and 75% instants, paused, breached) and the SLA sweep can announce
each threshold of both clocks once. Both the use cases (`incidents.mutation.apply_sla`) and the
demo loader compute them here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from app.domain.calendar import BusinessCalendar
from app.domain.lifecycle import State
from app.domain.sla import Pause, SlaTarget, Threshold, clock_starts, clock_status, threshold_for
from app.models import NO_DUE


@dataclass(frozen=True)
class SlaFields:
    """The stored SLA columns of one incident (see ``Incident``)."""

    response_due: datetime | None
    resolution_due: datetime | None
    warn_at: datetime | None
    at_risk_at: datetime | None
    sla_paused: bool
    sla_breached: bool
    due_sort: datetime
    # sla_stage, what the SLA sweep has announced (0, 50, 75, 100): for a running or paused
    # clock the threshold it has reached, so loading old open incidents does not announce every
    # past crossing; for a stopped clock 100 when breached, else 0 (the sweep reads open ones)
    stage: int = 0
    # the response clock while it runs (open and nobody responded yet): its 50% and 75%
    # instants and the threshold it has reached (like `stage`); None, None, 0 once stopped
    # (100 when the response came late)
    response_warn_at: datetime | None = None
    response_at_risk_at: datetime | None = None
    response_stage: int = 0


def sla_fields(
    *,
    state: State,
    target: SlaTarget | None,
    calendar: BusinessCalendar | None,
    opened_at: datetime,
    resolved_at: datetime | None,
    closed_at: datetime | None,
    pauses: Sequence[Pause],
    now: datetime,
    started_at: datetime | None = None,
    responded_at: datetime | None = None,
) -> SlaFields:
    """What the services store for an incident's clocks.

    Same rules: the clocks run from `opened_at` (from `started_at` when a priority change
    restarted them: a policy without retroactive start) with every pause; a stopped clock (not
    active) stops at resolved_at, else closed_at, else now. The response clock stops at
    `responded_at` (see `domain.sla.clock_starts` for where it starts). Without pauses a
    closed-form shortcut gives the same instants with two or four calendar calls instead of a
    full clock walk (the tests check both ways agree): the resolution is due when `target`
    business seconds have run from the start, the 50% / 75% instants likewise, or `now` once
    passed.
    """
    if target is None or calendar is None:
        return SlaFields(None, None, None, None, state is State.ON_HOLD, False, NO_DUE)
    response_start, start = clock_starts(opened_at, started_at, responded_at)
    response = _response(state, target, calendar, response_start, responded_at, now)
    resolution = _resolution(state, target, calendar, start, resolved_at, closed_at, pauses, now)
    return replace(
        resolution,
        response_due=response[0],
        response_warn_at=response[1],
        response_at_risk_at=response[2],
        response_stage=response[3],
    )


def _response(
    state: State,
    target: SlaTarget,
    calendar: BusinessCalendar,
    start: datetime,
    responded_at: datetime | None,
    now: datetime,
) -> tuple[datetime, datetime | None, datetime | None, int]:
    """(due, 50% instant, 75% instant, stage) of the response clock (it never pauses)."""
    add = calendar.add_working_seconds
    total = target.response_s
    due = add(start, total)
    if responded_at is not None or not state.active:
        late = responded_at is not None and responded_at >= due  # as clock_status: 100% is late
        return due, None, None, (Threshold.BREACHED if late else Threshold.OK).value
    warn = add(start, math.ceil(total * 0.5))
    at_risk = add(start, math.ceil(total * 0.75))
    stage = Threshold.OK.value
    if now >= due:
        stage = Threshold.BREACHED.value
    elif now >= warn:
        stage = _stage(calendar, start, now, total)
    return due, warn, at_risk, stage


def _resolution(
    state: State,
    target: SlaTarget,
    calendar: BusinessCalendar,
    opened_at: datetime,
    resolved_at: datetime | None,
    closed_at: datetime | None,
    pauses: Sequence[Pause],
    now: datetime,
) -> SlaFields:
    """The resolution clock's fields (`opened_at`: where it starts); response_due unset."""
    add = calendar.add_working_seconds
    response_due = None
    total = target.resolution_s
    if not pauses:
        due = add(opened_at, total)
        if not state.active:
            stop = resolved_at or closed_at or now
            breached = stop >= due
            stage = Threshold.BREACHED.value if breached else Threshold.OK.value
            return SlaFields(response_due, due, None, None, False, breached, NO_DUE, stage)
        warn = add(opened_at, math.ceil(total * 0.5))
        at_risk = add(opened_at, math.ceil(total * 0.75))
        breached = now >= due
        stage = Threshold.OK.value
        if breached:
            stage = Threshold.BREACHED.value
        elif now >= warn:
            stage = _stage(calendar, opened_at, now, total)
        return SlaFields(
            response_due,
            due,
            now if now >= warn else warn,
            now if now >= at_risk else at_risk,
            False,
            breached,
            due,
            stage,
        )
    halt = None if state.active else (resolved_at or closed_at or now)
    status = clock_status(
        start=opened_at, target_s=total, calendar=calendar, now=now, pauses=pauses, stop=halt
    )
    breached = status.threshold is Threshold.BREACHED
    if status.paused or status.stopped or status.due_at is None:
        due_sort = NO_DUE if (status.stopped or status.due_at is None) else status.due_at
        if status.paused:
            due_sort = NO_DUE
        return SlaFields(
            response_due,
            status.due_at,
            None,
            None,
            status.paused,
            breached,
            due_sort,
            (Threshold.BREACHED if breached else Threshold.OK).value
            if status.stopped
            else status.threshold.value,
        )

    def instant(share: float) -> datetime:
        left = math.ceil(total * share) - status.elapsed_s
        return now if left <= 0 else add(now, left)

    return SlaFields(
        response_due,
        status.due_at,
        instant(0.5),
        instant(0.75),
        status.paused,
        breached,
        status.due_at,
        status.threshold.value,
    )


def _stage(calendar: BusinessCalendar, opened_at: datetime, until: datetime, total: int) -> int:
    """The threshold reached by `until` by a clock without pauses (as clock_status tells it)."""
    percent = calendar.working_seconds(opened_at, until) * 100 / total
    return threshold_for(percent).value
