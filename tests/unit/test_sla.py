"""SLA clock: hand-computed cases with the expected numbers worked out in comments.

Calendar unless said otherwise: Mon-Fri 08:00-17:00 Europe/Brussels. March 2024:
Mon 4, Tue 5, Wed 6, Fri 8, Sat 9, Sun 10, Mon 11, Tue 12 (CET = UTC+1 until 31 March).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.calendar import BusinessCalendar
from app.domain.sla import (
    ClockStatus,
    Pause,
    SlaPolicy,
    SlaTarget,
    Threshold,
    clock_status,
    default_policy,
    describe_duration,
    format_remaining,
    threshold_for,
)

BRU = ZoneInfo("Europe/Brussels")
H = 3600
M = 60

OFFICE = BusinessCalendar.office_hours("BE office", "Europe/Brussels")  # 08-17, 9 h days
OFFICE_9_17 = BusinessCalendar.office_hours("BE 9-17", "Europe/Brussels", start=time(9))
H24 = BusinessCalendar.twenty_four_seven()


def bru(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BRU)


def status(
    start: datetime,
    target_s: int,
    now: datetime,
    pauses: tuple[Pause, ...] = (),
    stop: datetime | None = None,
    calendar: BusinessCalendar = OFFICE,
) -> ClockStatus:
    return clock_status(
        start=start, target_s=target_s, calendar=calendar, now=now, pauses=pauses, stop=stop
    )


# -- thresholds --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (-5.0, Threshold.OK),
        (0.0, Threshold.OK),
        (49.999, Threshold.OK),
        (50.0, Threshold.WARNING),
        (74.999, Threshold.WARNING),
        (75.0, Threshold.AT_RISK),
        (99.999, Threshold.AT_RISK),
        (100.0, Threshold.BREACHED),
        (250.0, Threshold.BREACHED),
    ],
)
def test_threshold_for(percent: float, expected: Threshold) -> None:
    assert threshold_for(percent) is expected


def test_threshold_values_and_order() -> None:
    assert [int(t) for t in Threshold] == [0, 50, 75, 100]
    assert Threshold.OK < Threshold.WARNING < Threshold.AT_RISK < Threshold.BREACHED


def test_threshold_for_nan_raises() -> None:
    with pytest.raises(ValueError, match="NaN"):
        threshold_for(math.nan)


def test_clock_thresholds_at_exactly_50_75_100_percent() -> None:
    start = bru(2024, 3, 4, 9)  # Monday 09:00, target 4 h -> due 13:00
    # 10:59:59 -> 7199 s = 49.99 %
    assert status(start, 4 * H, bru(2024, 3, 4, 10, 59, 59)).threshold is Threshold.OK
    # 11:00 -> 2 h = 50 %
    s50 = status(start, 4 * H, bru(2024, 3, 4, 11))
    assert (s50.elapsed_s, s50.percent, s50.threshold) == (2 * H, 50.0, Threshold.WARNING)
    # 12:00 -> 3 h = 75 %
    s75 = status(start, 4 * H, bru(2024, 3, 4, 12))
    assert (s75.elapsed_s, s75.percent, s75.threshold) == (3 * H, 75.0, Threshold.AT_RISK)
    # 13:00 -> 4 h = 100 %: breached, nothing remaining, due now
    s100 = status(start, 4 * H, bru(2024, 3, 4, 13))
    assert (s100.elapsed_s, s100.remaining_s, s100.percent) == (4 * H, 0, 100.0)
    assert s100.threshold is Threshold.BREACHED
    assert s100.breached
    assert s100.due_at == bru(2024, 3, 4, 13)


# -- running clock --------------------------------------------------------------------


def test_running_clock() -> None:
    # Mon 09:00 -> 11:00 = 2 h of a 4 h target
    s = status(bru(2024, 3, 4, 9), 4 * H, bru(2024, 3, 4, 11))
    assert s == ClockStatus(
        target_s=4 * H,
        elapsed_s=2 * H,
        remaining_s=2 * H,
        percent=50.0,
        threshold=Threshold.WARNING,
        paused=False,
        due_at=datetime(2024, 3, 4, 12, tzinfo=UTC),  # 13:00 CET
        stopped=False,
    )
    assert s.due_at is not None and s.due_at.tzinfo is UTC


def test_clock_over_the_weekend() -> None:
    # Fri 8 March 15:00 -> Mon 11 March 09:00: Fri 15-17 (2 h) + Mon 08-09 (1 h) = 3 h
    s = status(bru(2024, 3, 8, 15), 4 * H, bru(2024, 3, 11, 9))
    assert s.elapsed_s == 3 * H
    assert s.threshold is Threshold.AT_RISK  # 75 %
    assert s.due_at == bru(2024, 3, 11, 10)  # 1 h left from Mon 09:00


def test_overdue_clock_reports_the_breach_instant() -> None:
    # Mon 09:00, target 4 h, now Mon 13:10: 4 h 10 elapsed, 10 min over, breached at 13:00
    s = status(bru(2024, 3, 4, 9), 4 * H, bru(2024, 3, 4, 13, 10))
    assert s.remaining_s == -10 * M
    assert s.percent == pytest.approx(250 / 240 * 100)  # 104.17 %
    assert s.threshold is Threshold.BREACHED
    assert s.due_at == bru(2024, 3, 4, 13)


def test_breach_landing_at_close_of_business() -> None:
    # Fri 8 March 16:00, target 1 h, now Mon 11 March 10:00: breached Fri 17:00, not Mon 08:00
    s = status(bru(2024, 3, 8, 16), H, bru(2024, 3, 11, 10))
    assert s.elapsed_s == 3 * H
    assert s.due_at == bru(2024, 3, 8, 17)


def test_now_before_start_counts_nothing() -> None:
    # clocks of two workstations disagree by a minute
    start = bru(2024, 3, 4, 9)
    s = status(start, H, start - timedelta(minutes=1))
    assert (s.elapsed_s, s.remaining_s, s.threshold) == (0, H, Threshold.OK)
    assert s.due_at == bru(2024, 3, 4, 10)


def test_24x7_clock_across_spring_forward() -> None:
    # Sat 30 March 12:00 CET -> Sun 31 March 12:00 CEST: 23 real hours, of a 24 h target
    s = status(bru(2024, 3, 30, 12), 24 * H, bru(2024, 3, 31, 12), calendar=H24)
    assert s.elapsed_s == 23 * H
    assert s.remaining_s == H
    assert s.threshold is Threshold.AT_RISK  # 95.8 %
    assert s.due_at == bru(2024, 3, 31, 13)
    assert s.due_at == datetime(2024, 3, 31, 11, tzinfo=UTC)


# -- pauses ------------------------------------------------------------------------


def test_weekend_pause_removes_only_two_working_hours() -> None:
    # 09:00-17:00 calendar. Clock from Fri 8 March 09:00, now Mon 11 March 12:00.
    # Running time without a pause: Fri 09-17 (8 h) + Mon 09-12 (3 h) = 11 h.
    # Pause Fri 15:00 -> Mon 09:00 overlaps only Fri 15-17 of working time: 2 h.
    start, now = bru(2024, 3, 8, 9), bru(2024, 3, 11, 12)
    pause = Pause(bru(2024, 3, 8, 15), bru(2024, 3, 11, 9))
    plain = status(start, 16 * H, now, calendar=OFFICE_9_17)
    paused = status(start, 16 * H, now, (pause,), calendar=OFFICE_9_17)
    assert plain.elapsed_s == 11 * H
    assert paused.elapsed_s == 9 * H
    assert plain.elapsed_s - paused.elapsed_s == 2 * H
    assert paused.paused is False
    # 7 h left from Mon 12:00: Mon 12-17 (5 h) + Tue 09-11 (2 h) -> Tue 12 March 11:00
    assert paused.due_at == bru(2024, 3, 12, 11)
    # On 08-17 the same pause also covers Mon 08-09: 2 h + 1 h = 3 h removed (12 h -> 9 h)
    assert status(start, 16 * H, now).elapsed_s == 12 * H
    assert status(start, 16 * H, now, (pause,)).elapsed_s == 9 * H


def test_pause_within_the_weekend_removes_nothing() -> None:
    # Sat 9 March 10:00 -> Sun 10 March 20:00 covers no working time
    start, now = bru(2024, 3, 8, 9), bru(2024, 3, 11, 10)
    pause = Pause(bru(2024, 3, 9, 10), bru(2024, 3, 10, 20))
    # Fri 09-17 (8 h) + Mon 08-10 (2 h) = 10 h either way
    assert status(start, 20 * H, now).elapsed_s == 10 * H
    assert status(start, 20 * H, now, (pause,)).elapsed_s == 10 * H


def test_open_pause_freezes_the_clock() -> None:
    # Mon 4 March 09:00, target 8 h, on hold since Mon 10:00 (still open)
    start = bru(2024, 3, 4, 9)
    pauses = (Pause(bru(2024, 3, 4, 10)),)
    tue = status(start, 8 * H, bru(2024, 3, 5, 15), pauses)
    assert tue.elapsed_s == H  # only Mon 09-10
    assert tue.paused is True
    assert tue.due_at is None  # unknown until resumed
    assert tue.percent == 12.5
    assert tue.threshold is Threshold.OK
    # a week later: still 1 h
    later = status(start, 8 * H, bru(2024, 3, 11, 15), pauses)
    assert later.elapsed_s == H
    assert later.paused is True


def test_resumed_pause() -> None:
    # Mon 09:00, on hold Mon 10:00 -> Tue 10:00, now Tue 11:00
    # elapsed = Mon 09-10 (1 h) + Tue 10-11 (1 h) = 2 h; 6 h left -> Tue 17:00
    start = bru(2024, 3, 4, 9)
    pauses = (Pause(bru(2024, 3, 4, 10), bru(2024, 3, 5, 10)),)
    s = status(start, 8 * H, bru(2024, 3, 5, 11), pauses)
    assert (s.elapsed_s, s.paused) == (2 * H, False)
    assert s.due_at == bru(2024, 3, 5, 17)


def test_overlapping_pauses_count_once() -> None:
    # Mon 09:00 -> 15:00 = 6 h; pauses 10-12 and 11-13 merge to 10-13 (3 h) -> 3 h
    start, now = bru(2024, 3, 4, 9), bru(2024, 3, 4, 15)
    pauses = (
        Pause(bru(2024, 3, 4, 11), bru(2024, 3, 4, 13)),
        Pause(bru(2024, 3, 4, 10), bru(2024, 3, 4, 12)),
        Pause(bru(2024, 3, 4, 10, 30), bru(2024, 3, 4, 11)),  # nested
    )
    assert status(start, 8 * H, now, pauses).elapsed_s == 3 * H


def test_pause_starting_before_the_clock() -> None:
    # on hold from Sunday until Mon 10:00; clock from Mon 09:00; now 12:00 -> 10-12 = 2 h
    pauses = (Pause(bru(2024, 3, 3, 12), bru(2024, 3, 4, 10)),)
    assert status(bru(2024, 3, 4, 9), 4 * H, bru(2024, 3, 4, 12), pauses).elapsed_s == 2 * H


def test_paused_after_breach_still_reports_the_breach_instant() -> None:
    # Mon 09:00, target 2 h; pause 10:00-14:00; paused again from 15:30 (open); now 16:00
    # running: 09-10 (1 h) + 14-15:30 (1 h 30) = 2 h 30; the 2nd hour ended at 15:00
    start = bru(2024, 3, 4, 9)
    pauses = (
        Pause(bru(2024, 3, 4, 10), bru(2024, 3, 4, 14)),
        Pause(bru(2024, 3, 4, 15, 30)),
    )
    s = status(start, 2 * H, bru(2024, 3, 4, 16), pauses)
    assert s.elapsed_s == 2 * H + 30 * M
    assert s.paused is True
    assert s.breached
    assert s.due_at == bru(2024, 3, 4, 15)


def test_future_pause_does_not_pause_now() -> None:
    start, now = bru(2024, 3, 4, 9), bru(2024, 3, 4, 11)
    s = status(start, 4 * H, now, (Pause(bru(2024, 3, 4, 12)),))
    assert (s.elapsed_s, s.paused) == (2 * H, False)
    assert s.due_at == bru(2024, 3, 4, 13)


def test_pause_validation() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Pause(bru(2024, 3, 4, 12), bru(2024, 3, 4, 11))
    with pytest.raises(ValueError, match="pause start must be timezone-aware"):
        Pause(datetime(2024, 3, 4, 12))
    with pytest.raises(ValueError, match="pause end must be timezone-aware"):
        Pause(bru(2024, 3, 4, 12), datetime(2024, 3, 4, 13))
    Pause(bru(2024, 3, 4, 12), bru(2024, 3, 4, 12))  # empty pause is fine


# -- stopped clock -------------------------------------------------------------------


def test_stopped_clock_freezes_at_stop() -> None:
    # Mon 09:00, responded Mon 11:30; looked at on Wednesday: 2 h 30 of 4 h
    s = status(bru(2024, 3, 4, 9), 4 * H, bru(2024, 3, 6, 10), stop=bru(2024, 3, 4, 11, 30))
    assert s.stopped is True
    assert s.paused is False
    assert (s.elapsed_s, s.remaining_s) == (2 * H + 30 * M, 90 * M)
    assert (s.percent, s.threshold) == (62.5, Threshold.WARNING)  # 2 h 30 of 4 h
    assert s.due_at == bru(2024, 3, 4, 13)  # the theoretical due instant


def test_stopped_after_breach() -> None:
    # Mon 09:00, target 4 h, resolved Tue 09:00: Mon 09-17 (8 h) + Tue 08-09 (1 h) = 9 h
    s = status(bru(2024, 3, 4, 9), 4 * H, bru(2024, 3, 8, 9), stop=bru(2024, 3, 5, 9))
    assert (s.elapsed_s, s.remaining_s, s.percent) == (9 * H, -5 * H, 225.0)
    assert s.breached and s.stopped
    assert s.due_at == bru(2024, 3, 4, 13)


def test_stopped_while_paused() -> None:
    # on hold from Mon 10:00 (open), resolved at 11:00: 1 h elapsed, not "paused"
    s = status(
        bru(2024, 3, 4, 9),
        4 * H,
        bru(2024, 3, 4, 15),
        (Pause(bru(2024, 3, 4, 10)),),
        stop=bru(2024, 3, 4, 11),
    )
    assert (s.elapsed_s, s.paused, s.stopped) == (H, False, True)
    assert s.due_at == bru(2024, 3, 4, 14)  # 3 h left from the stop at 11:00


# -- retroactive start ---------------------------------------------------------------


def test_priority_change_keeps_original_start_and_pauses() -> None:
    # Logged Mon 09:00 as P3 (resolve in 2 business days = 18 h on 08-17).
    # On hold Mon 14:00 -> Tue 10:00. Now Tue 12:00, raised to P1 (resolve in 4 h).
    # Elapsed: Mon 09-14 (5 h) + Tue 10-12 (2 h) = 7 h, whatever the target.
    policy = default_policy(OFFICE)
    start = bru(2024, 3, 4, 9)
    pauses = (Pause(bru(2024, 3, 4, 14), bru(2024, 3, 5, 10)),)
    now = bru(2024, 3, 5, 12)

    p3 = status(start, policy.target_for(3).resolution_s, now, pauses)
    assert (p3.target_s, p3.elapsed_s) == (18 * H, 7 * H)
    assert p3.threshold is Threshold.OK  # 38.9 %
    # 11 h left from Tue 12:00: Tue 12-17 (5 h), Wed 08-14 (6 h) -> Wed 14:00
    assert p3.due_at == bru(2024, 3, 6, 14)

    p1 = status(start, policy.target_for(1).resolution_s, now, pauses)
    assert (p1.target_s, p1.elapsed_s, p1.remaining_s) == (4 * H, 7 * H, -3 * H)
    assert p1.threshold is Threshold.BREACHED
    assert p1.due_at == bru(2024, 3, 4, 13)  # 4 h after Mon 09:00, before the hold

    p2 = status(start, policy.target_for(2).resolution_s, now, pauses)
    assert (p2.elapsed_s, p2.percent) == (7 * H, 87.5)
    assert p2.threshold is Threshold.AT_RISK
    # 1 h left from Tue 12:00 -> Tue 13:00
    assert p2.due_at == bru(2024, 3, 5, 13)

    # restarting the clock at the change would lose the 7 h: that is the GLPI bug
    assert status(now, 4 * H, now).elapsed_s == 0


def test_clock_status_is_pure() -> None:
    kwargs = {
        "start": bru(2024, 3, 4, 9),
        "target_s": 4 * H,
        "calendar": OFFICE,
        "now": bru(2024, 3, 5, 12),
        "pauses": (Pause(bru(2024, 3, 4, 14), bru(2024, 3, 5, 10)),),
    }
    assert clock_status(**kwargs) == clock_status(**kwargs)  # type: ignore[arg-type]


# -- argument checks ----------------------------------------------------------------


def test_naive_datetimes_raise() -> None:
    naive = datetime(2024, 3, 4, 9)
    aware = bru(2024, 3, 4, 9)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        status(naive, H, aware)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        status(aware, H, naive)
    with pytest.raises(ValueError, match="stop must be timezone-aware"):
        status(aware, H, aware, stop=naive)


@pytest.mark.parametrize("target", [0, -60])
def test_non_positive_target_raises(target: int) -> None:
    with pytest.raises(ValueError, match="target_s"):
        status(bru(2024, 3, 4, 9), target, bru(2024, 3, 4, 10))


def test_non_int_target_raises() -> None:
    with pytest.raises(TypeError, match="target_s"):
        status(bru(2024, 3, 4, 9), True, bru(2024, 3, 4, 10))


# -- wording ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "calendar", "expected"),
    [
        (15 * M, OFFICE, "15 minutes"),
        (15 * M, H24, "15 minutes"),
        (4 * H, H24, "4 hours"),
        (4 * H, OFFICE, "4 business hours"),
        (8 * H, OFFICE, "8 business hours"),
        (1 * H, OFFICE, "1 business hour"),
        (1 * H, H24, "1 hour"),
        (1 * M, H24, "1 minute"),
        (3 * 9 * H, OFFICE, "3 business days"),  # a business day is 9 h here
        (9 * H, OFFICE, "1 business day"),
        (10 * H, OFFICE, "10 business hours"),
        (2 * 86_400, H24, "2 days"),
        (86_400, H24, "1 day"),
        (36 * H, H24, "36 hours"),
        (90 * M, OFFICE, "1 business hour 30 minutes"),
        (90 * M, H24, "1 hour 30 minutes"),
        (H + 5, H24, "1 hour 5 seconds"),
        (0, OFFICE, "0 minutes"),
    ],
)
def test_describe_duration(seconds: int, calendar: BusinessCalendar, expected: str) -> None:
    assert describe_duration(seconds, calendar) == expected


def test_describe_duration_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        describe_duration(-1, OFFICE)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (2 * H + 5 * M, "2h 05m"),
        (45 * M, "45m"),
        (3 * 86_400 + 4 * H + 59 * M, "3d 4h"),
        (-(1 * H + 10 * M), "-1h 10m"),
        (0, "0m"),
        (59, "0m"),
        (-59, "0m"),
        (60, "1m"),
        (-60, "-1m"),
        (H, "1h 00m"),
        (86_400, "1d"),
        (-(2 * 86_400 + 3 * H), "-2d 3h"),
        (23 * H + 59 * M + 59, "23h 59m"),
    ],
)
def test_format_remaining(seconds: int, expected: str) -> None:
    assert format_remaining(seconds) == expected


# -- policy ---------------------------------------------------------------------------


def test_default_policy_on_office_hours() -> None:
    policy = default_policy(OFFICE)
    day = 9 * H  # OFFICE.day_seconds()
    assert policy.calendar is OFFICE
    assert dict(policy.targets) == {
        1: SlaTarget(15 * M, 4 * H),
        2: SlaTarget(1 * H, 8 * H),
        3: SlaTarget(4 * H, 2 * day),
        4: SlaTarget(8 * H, 3 * day),
        5: SlaTarget(2 * day, 10 * day),
    }
    assert policy.describe_target(4) == "respond in 8 business hours, resolve in 3 business days"
    assert policy.describe_target(1) == "respond in 15 minutes, resolve in 4 business hours"
    assert policy.describe_target(5) == "respond in 2 business days, resolve in 10 business days"


def test_default_policy_on_24x7() -> None:
    policy = default_policy(H24)
    assert policy.target_for(5) == SlaTarget(2 * 86_400, 10 * 86_400)
    assert policy.describe_target(1) == "respond in 15 minutes, resolve in 4 hours"
    assert policy.describe_target(3) == "respond in 4 hours, resolve in 2 days"


def test_target_for_missing_priority_names_it() -> None:
    policy = SlaPolicy("Small", OFFICE, {1: SlaTarget(H, 4 * H)})
    assert policy.target_for(1) == SlaTarget(H, 4 * H)
    with pytest.raises(ValueError, match="priority 7"):
        policy.target_for(7)


def test_policy_targets_are_a_read_only_copy() -> None:
    targets = {1: SlaTarget(H, 4 * H)}
    policy = SlaPolicy("Copy", OFFICE, targets)
    targets[2] = SlaTarget(H, 8 * H)
    assert 2 not in policy.targets
    with pytest.raises(TypeError):
        policy.targets[3] = SlaTarget(H, H)  # type: ignore[index]
    assert policy == SlaPolicy("Copy", OFFICE, {1: SlaTarget(H, 4 * H)})
    hash(policy)


def test_policy_and_target_validation() -> None:
    with pytest.raises(ValueError, match="priority levels"):
        SlaPolicy("Bad", OFFICE, {0: SlaTarget(H, H)})
    with pytest.raises(ValueError, match="response_s"):
        SlaTarget(0, H)
    with pytest.raises(ValueError, match="resolution_s"):
        SlaTarget(H, -1)
    with pytest.raises(TypeError, match="response_s"):
        SlaTarget(1.5, H)  # type: ignore[arg-type]


# -- properties -----------------------------------------------------------------------

_instants = st.integers(min_value=0, max_value=60 * 86_400).map(
    lambda s: bru(2024, 3, 1) + timedelta(seconds=s)
)


@st.composite
def _pauses(draw: st.DrawFn) -> tuple[Pause, ...]:
    result = []
    for _ in range(draw(st.integers(0, 4))):
        a = draw(_instants)
        if draw(st.booleans()):
            result.append(Pause(a, a + timedelta(seconds=draw(st.integers(0, 5 * 86_400)))))
        else:
            result.append(Pause(a))
    return tuple(result)


@settings(max_examples=200, deadline=None)
@given(
    cal=st.sampled_from([OFFICE, OFFICE_9_17, H24]),
    start=_instants,
    now=_instants,
    pauses=_pauses(),
    targets=st.tuples(st.integers(1, 30 * 86_400), st.integers(1, 30 * 86_400)),
)
def test_clock_properties(
    cal: BusinessCalendar,
    start: datetime,
    now: datetime,
    pauses: tuple[Pause, ...],
    targets: tuple[int, int],
) -> None:
    a = clock_status(start=start, target_s=targets[0], calendar=cal, now=now, pauses=pauses)
    b = clock_status(start=start, target_s=targets[1], calendar=cal, now=now, pauses=pauses)
    # elapsed does not depend on the target (retroactive start)
    assert a.elapsed_s == b.elapsed_s
    # pauses only ever remove time
    assert 0 <= a.elapsed_s <= cal.working_seconds(start, now)
    assert a.remaining_s == a.target_s - a.elapsed_s
    assert a.threshold is threshold_for(a.percent)
    if a.due_at is None:
        assert a.paused and a.remaining_s > 0
    elif a.remaining_s > 0:
        # running from now: exactly the remaining business time until due
        assert cal.working_seconds(max(start, now), a.due_at) == a.remaining_s
    elif not pauses:
        # breached without pauses: due is where the target was reached
        assert cal.working_seconds(start, a.due_at) == a.target_s
