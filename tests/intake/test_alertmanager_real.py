"""The real Alertmanager (Debian's prometheus-alertmanager) sending to the HTTP intake, on
SQLite and PostgreSQL: the test writes its configuration, starts it on loopback, and fires,
repeats and resolves an alert by posting to Alertmanager's own API."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.intake.http import IntakeServer
from app.services import alerts as alert_service
from app.services import queries
from app.services.context import Desk
from tests.intake.conftest import TOKEN

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
WAIT_S = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any]) -> Any:
    """Poll `check` until it returns something true (the real Alertmanager takes its time)."""
    tick = threading.Event()
    deadline = datetime.now(UTC) + timedelta(seconds=WAIT_S)
    while datetime.now(UTC) < deadline:
        value = check()
        if value:
            return value
        tick.wait(0.1)
    raise AssertionError(f"gave up waiting for {what} after {WAIT_S} s")


@pytest.fixture
def intake(desk: Desk) -> Iterator[IntakeServer]:
    srv = IntakeServer(("127.0.0.1", 0), desk, desk.system(), TOKEN)
    srv.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def alertmanager(intake: IntakeServer, tmp_path: Path) -> Iterator[str]:
    if BINARY is None:
        if os.environ.get("CI") == "true":
            pytest.fail("prometheus-alertmanager is not installed (scripts/setup.sh installs it)")
        pytest.skip("prometheus-alertmanager is not installed (scripts/setup.sh installs it)")
    port = _free_port()
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        "route:\n"
        "  receiver: desk\n"
        "  group_by: ['alertname']\n"
        "  group_wait: 100ms\n"
        "  group_interval: 1s\n"
        "  repeat_interval: 1s\n"
        "receivers:\n"
        "  - name: desk\n"
        "    webhook_configs:\n"
        f"      - url: http://127.0.0.1:{intake.port}/alertmanager\n"
        "        send_resolved: true\n"
        "        http_config:\n"
        "          authorization:\n"
        f"            credentials: {TOKEN}\n"
    )
    log = (tmp_path / "alertmanager.log").open("w")
    proc = subprocess.Popen(
        [
            BINARY,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def ready() -> bool:
            if proc.poll() is not None:
                raise AssertionError((tmp_path / "alertmanager.log").read_text())
            try:
                with urllib.request.urlopen(f"{base}/-/ready", timeout=2) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        wait_for("Alertmanager to be ready", ready)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def am_post(base: str, alerts: list[dict[str, Any]]) -> None:
    req = urllib.request.Request(
        f"{base}/api/v2/alerts",
        data=json.dumps(alerts).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200


def test_real_alertmanager_fires_repeats_and_resolves(alertmanager: str, desk: Desk) -> None:
    alert = {
        "labels": {"alertname": "DiskFull", "instance": "db1:9100", "severity": "warning"},
        "annotations": {"summary": "Disk almost full on db1", "description": "/var at 95%"},
        "startsAt": datetime.now(UTC).isoformat(),
    }
    am_post(alertmanager, [alert])
    [row] = wait_for("the incident", lambda: alert_service.alerts(desk))
    rec = queries.get_incident(desk, row.incident_number or "")
    assert (rec.title, rec.impact, rec.urgency, rec.channel) == (
        "Disk almost full on db1",
        2,
        2,
        "monitoring",
    )
    assert "/var at 95%" in rec.description and "instance=db1:9100" in rec.description
    # Alertmanager repeats it (repeat_interval 1 s): the same incident, seen again
    seen = wait_for(
        "a repeat", lambda: [a for a in alert_service.alerts(desk) if a.times_seen >= 2]
    )
    assert seen[0].incident_number == rec.number
    # resolve it in Alertmanager: the resolved notification notes it on the incident
    am_post(alertmanager, [alert | {"endsAt": datetime.now(UTC).isoformat()}])
    wait_for("the resolution", lambda: not alert_service.alerts(desk))
    [done] = alert_service.alerts(desk, open_only=False)
    assert done.resolved_at is not None and done.incident_number == rec.number
    bodies = [j.body for j in queries.journal(desk, rec.id)]
    assert any(b.startswith("Alert resolved (ended ") for b in bodies), bodies
    assert any(b.startswith("Alert seen again: ") for b in bodies), bodies
    # one incident, never a duplicate
    assert len(alert_service.alerts(desk, open_only=False)) == 1
