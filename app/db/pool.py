"""A workstation's PostgreSQL connection pool: the connections a burst of reads opened are kept
while they are used, and all but one are closed once they have rested.

SQLAlchemy's QueuePool keeps `pool_size` connections open for good (an idle workstation would
hold them all), or, with a small `pool_size`, closes every connection beyond it as soon as it
is returned (each change arriving would open, and the server start, a new session: a few ms of
server CPU each, on every workstation at once). This pool keeps up to `pool_size` while they
are in use and closes those beyond `pool_keep` after `pool_rest_s` seconds unused. It hands out
the connection returned last (LIFO), so the others rest and the oldest-rested close first.
"""

from __future__ import annotations

import threading
import time
from typing import Any, cast

from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

RETURNED = "incidentdesk_returned_at"  # in a connection's info: when it came back to the pool


class RestingPool(QueuePool):
    # not keyword-only: create_engine() hands a pool class the arguments its signature names
    def __init__(
        self, creator: Any, pool_keep: int = 1, pool_rest_s: float = 10.0, **kw: Any
    ) -> None:
        kw["use_lifo"] = True  # the one used last goes out first: the others rest
        super().__init__(creator, **kw)
        self.pool_keep = max(0, pool_keep)
        self.pool_rest_s = max(0.0, pool_rest_s)
        self._timer_lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        record.info[RETURNED] = time.monotonic()
        super()._do_return_conn(record)
        if self._pool.qsize() > self.pool_keep:
            self._close_later(self.pool_rest_s)

    def _close_later(self, delay: float) -> None:
        with self._timer_lock:
            if self._timer is not None:
                return
            timer = threading.Timer(delay, self._rested)
            timer.daemon = True
            timer.name = "incidentdesk-pool-rest"
            self._timer = timer
        timer.start()

    def _rested(self) -> None:
        with self._timer_lock:
            self._timer = None
        wait = self.close_rested()
        if wait is not None:
            self._close_later(wait)

    def close_rested(self) -> float | None:
        """Close the idle connections beyond `pool_keep` unused for `pool_rest_s` or more;
        the seconds until the next one will have rested (None: no more to close)."""
        now = time.monotonic()
        rested: list[ConnectionPoolEntry] = []
        wait: float | None = None
        queue: Any = self._pool  # sqlalchemy.util.queue.Queue: a deque under a lock
        with queue.mutex:  # the idle ones, least recently returned first (LIFO takes the last)
            idle = queue.queue
            while len(idle) > self.pool_keep:
                age = now - idle[0].info.get(RETURNED, now)
                if age < self.pool_rest_s:
                    wait = self.pool_rest_s - age
                    break
                rested.append(idle.popleft())
        for record in rested:
            try:
                record.close()
            finally:
                self._dec_overflow()
        return wait

    def recreate(self) -> RestingPool:
        new = cast(RestingPool, super().recreate())
        new.pool_keep, new.pool_rest_s = self.pool_keep, self.pool_rest_s
        return new

    def dispose(self) -> None:
        with self._timer_lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        super().dispose()
