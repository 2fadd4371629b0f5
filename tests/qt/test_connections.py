"""How many PostgreSQL connections one workstation holds, as the server counts them: an idle
main window holds two (the change feed's listener and one pooled connection), after its first
load and after an incident window was opened and closed; the connections a burst of reads
opened are closed once they have rested. The workstation that runs the desk's escalation round holds one
more while it has the lease."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from app.db.engine import make_engine
from app.services import incidents
from app.services.context import Desk
from app.services.incidents import NewIncident
from tests.conftest import pg_admin_url
from tests.qt.conftest import open_main

pytestmark = pytest.mark.parametrize(
    "world", [pytest.param("postgresql", marks=pytest.mark.pg)], indirect=True
)

IDLE = [("incidentdesk", "idle"), ("incidentdesk-listener", "idle")]
REST_S = 0.3


def held(database: str) -> list[tuple[str, str]]:
    """The sessions on `database`, as pg_stat_activity lists them: (application_name, state)."""
    with psycopg.connect(pg_admin_url(), autocommit=True, connect_timeout=3) as admin:
        rows = admin.execute(
            "SELECT application_name, state FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() ORDER BY application_name",
            (database,),
        ).fetchall()
    return [(str(name), str(state)) for name, state in rows]


def test_an_idle_workstation_holds_the_listener_and_one_pooled_connection(qtbot, world, runner) -> None:
    database = str(make_url(world.url).database)
    rec = incidents.log_incident(world.desk, world.ana, NewIncident("Printer jams", impact=3, urgency=3))
    world.desk.engine.dispose()  # the world's set-up is not the window's
    assert held(database) == []
    # the desk's own pool, resting a moment instead of PG_POOL_REST_S before it closes the rest
    world.desk = Desk(make_engine(world.url, pool_rest_s=REST_S))
    world.desk.load_zone()
    window = open_main(qtbot, world, runner, world.ana)
    window.select_view("All open")
    qtbot.waitUntil(lambda: window.model.row_of(rec.id) is not None)
    qtbot.waitUntil(lambda: runner.pending() == 0 and window.background.pending() == 0)
    assert world.desk.engine.pool.checkedout() == 0
    # the burst's connections close once rested; a closed one's server process may take a
    # moment to leave the list
    qtbot.waitUntil(lambda: held(database) == IDLE, timeout=5000)

    inc = window.open_incident(rec.id)
    qtbot.waitUntil(lambda: inc.record is not None and inc._lookups is not None)
    inc.close()
    qtbot.waitUntil(lambda: window.incident_window(rec.id) is None)
    qtbot.waitUntil(lambda: runner.pending() == 0 and window.background.pending() == 0)
    qtbot.waitUntil(lambda: held(database) == IDLE, timeout=5000)

    # the one workstation of the desk that holds the escalation lease holds it on a session
    # of its own (an advisory lock): one more, until it gives the lease up
    window.run_sweep()
    qtbot.waitUntil(lambda: not window._sweeping and window.background.pending() == 0)
    assert window.lease.hold()
    qtbot.waitUntil(lambda: held(database) == [("incidentdesk", "idle"), *IDLE], timeout=5000)

    window.shutdown()
    runner.wait()
    world.desk.engine.dispose()
    qtbot.waitUntil(lambda: held(database) == [], timeout=5000)
