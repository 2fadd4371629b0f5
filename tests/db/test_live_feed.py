"""A change on one workstation reaches another through the change feed."""

from __future__ import annotations

import threading

from app.db.engine import make_engine
from app.services import defaults, users
from app.services import incidents as inc
from app.services.context import Desk
from app.services.live import open_feed


def test_a_commit_on_a_second_engine_wakes_the_feed_and_names_the_incident(engine, db_url) -> None:  # type: ignore[no-untyped-def]
    a = Desk(engine)
    defaults.ensure_defaults(a)
    users.add_user(a, None, "dev", "Dev Patel", "admin")
    other = make_engine(db_url)
    try:
        b = Desk(other)
        with open_feed(a) as feed:
            assert feed.read() == []
            woke = threading.Event()

            def watch() -> None:
                if feed.wait(20.0):
                    woke.set()

            t = threading.Thread(target=watch)
            t.start()  # the commit may land before or during its wait: either wakes it
            rec = inc.log_incident(b, b.actor("dev"), inc.NewIncident(title="Badge reader offline"))
            t.join(30)
            assert woke.is_set()
            got = feed.read()
            assert [(c.entity, c.entity_id, c.kind) for c in got] == [
                ("incident", rec.id, "created")
            ]
            assert feed.read() == []  # each change once
    finally:
        other.dispose()


def test_a_reconnected_feed_replays_what_it_missed(engine) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(engine)
    defaults.ensure_defaults(desk)
    users.add_user(desk, None, "dev", "Dev Patel", "admin")
    dev = desk.actor("dev")
    first = open_feed(desk)
    first.close()  # the connection drops
    missed = inc.log_incident(desk, dev, inc.NewIncident(title="Logged while offline"))
    with open_feed(desk, first.cursor) as again:
        assert [(c.entity_id, c.kind) for c in again.read()] == [(missed.id, "created")]
    with open_feed(desk) as fresh:  # a new client starts from now
        assert fresh.read() == []
