"""Live updates between workstations: wait for a change, then read what changed.

PostgreSQL wakes the client through LISTEN/NOTIFY; SQLite through PRAGMA data_version.
Either way the client then reads change_log past its position (with an overlap, since
sequence order is not commit order) and gets each change once. Meant to run on a worker
thread: `wait` blocks.
"""

from __future__ import annotations

from app.db.changes import ChangeCursor, make_watcher
from app.domain.records import Change
from app.services.context import Desk, translated_errors

# entities whose change drops the desk's cached configuration (matrix, policies, calendars, zone)
CONFIGURATION = frozenset({"matrix", "policy", "calendar", "site"})


class ChangeFeed:
    """`cursor`: the position of a previous feed, so a reconnect replays what it missed."""

    def __init__(self, desk: Desk, cursor: ChangeCursor | None = None) -> None:
        self._desk = desk
        if cursor is None:
            with desk.read() as conn:
                cursor = ChangeCursor.at_latest(conn)
        self.cursor = cursor
        self._watcher = make_watcher(desk.engine, desk.listen_url)

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` s; True when something may have changed."""
        with translated_errors():
            return self._watcher.wait(timeout)

    def read(self) -> list[Change]:
        """The changes not reported yet, oldest first. A change of the matrix, an SLA policy,
        a calendar or the site made elsewhere also drops this desk's cached configuration."""
        with self._desk.read() as conn:
            changes = self.cursor.read(conn)
        if any(c.entity in CONFIGURATION for c in changes):
            self._desk.invalidate()
        return changes

    def close(self) -> None:
        self._watcher.close()

    def __enter__(self) -> ChangeFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_feed(desk: Desk, cursor: ChangeCursor | None = None) -> ChangeFeed:
    return ChangeFeed(desk, cursor)
