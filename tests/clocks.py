"""The desk's clock in a test: it says one instant until the test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 2026-03-02, 09:00 in Brussels (CET)


class Clock:
    """A clock for Desk(clock=...): `now` until the test sets it or advances it."""

    def __init__(self, now: datetime = MONDAY_9) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)
