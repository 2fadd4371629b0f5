"""The workstation's pool (app.db.pool.RestingPool): a burst of reads reuses the connections the
last one opened, and once they have rested all but one are closed."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import create_engine, event, text

from app.db.pool import RestingPool

REST_S = 0.2


def _until(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _burst(engine, n: int) -> None:  # type: ignore[no-untyped-def]
    """n reads at once, as a window's lanes run them; all returned at the end."""
    with ExitStack() as stack:
        for _ in range(n):
            stack.enter_context(engine.connect()).execute(text("SELECT 1"))


def test_a_burst_reuses_the_connections_and_all_but_one_close_once_rested(tmp_path: Path) -> None:
    engine = create_engine(
        f"sqlite:///{tmp_path / 'pool.sqlite3'}",
        poolclass=RestingPool,
        pool_size=3,
        max_overflow=2,
        pool_rest_s=REST_S,
    )
    opened: list[int] = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    pool = engine.pool
    try:
        _burst(engine, 3)
        assert len(opened) == 3 and pool.checkedin() == 3
        _burst(engine, 3)  # the next burst, before they rested: no new connection
        assert len(opened) == 3
        _burst(engine, 5)  # beyond pool_size: the two more are closed as soon as returned
        assert len(opened) == 5 and pool.checkedin() == 3
        assert _until(lambda: pool.checkedin() == 1), pool.status()
        assert pool.checkedout() == 0
        _burst(engine, 2)  # one kept, one opened anew
        assert len(opened) == 6
        assert _until(lambda: pool.checkedin() == 1), pool.status()
        again = pool.recreate()  # as after a lost connection: the same rest
        assert isinstance(again, RestingPool) and again.pool_rest_s == REST_S and again.pool_keep == 1
        again.dispose()
    finally:
        engine.dispose()
    assert pool.checkedin() == 0
