"""The HTTP intake with hand-written payloads, on SQLite and PostgreSQL: what it accepts, what
it refuses (and that a refusal creates nothing), and two identical alerts at the same instant
on two connections."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from app.intake.http import IntakeServer
from app.models import AlertRow, Incident
from app.services import alerts as alert_service
from app.services import queries
from app.services.context import Desk
from tests.intake.conftest import TOKEN


@pytest.fixture
def server(desk: Desk) -> Iterator[IntakeServer]:
    srv = IntakeServer(("127.0.0.1", 0), desk, desk.system(), TOKEN, max_body=20_000)
    srv.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def post(
    srv: IntakeServer,
    path: str,
    body: bytes | str | Any,
    *,
    token: str | None = TOKEN,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        data = (
            body
            if isinstance(body, bytes)
            else (body if isinstance(body, str) else json.dumps(body)).encode()
        )
        h = {"Content-Type": "application/json"}
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


def am_payload(status: str = "firing", fp: str = "a1b2c3", **labels: str) -> dict[str, Any]:
    labels = {"alertname": "HighLatency", "instance": "web1:9100", "severity": "critical", **labels}
    return {
        "version": "4",
        "groupKey": '{}:{alertname="HighLatency"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "incidentdesk",
        "groupLabels": {"alertname": "HighLatency"},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://am:9093",
        "alerts": [
            {
                "status": status,
                "labels": labels,
                "annotations": {"summary": "Latency above 2 s on web1", "description": "p99 2.4 s"},
                "startsAt": "2026-03-02T08:00:00Z",
                "endsAt": "2026-03-02T08:30:00Z"
                if status == "resolved"
                else "0001-01-01T00:00:00Z",
                "generatorURL": "http://prom:9090/graph",
                "fingerprint": fp,
            }
        ],
    }


def counts(desk: Desk) -> tuple[int, int]:
    with desk.read() as conn:
        return (
            int(conn.execute(select(func.count()).select_from(Incident)).scalar_one()),
            int(conn.execute(select(func.count()).select_from(AlertRow)).scalar_one()),
        )


def test_alertmanager_fires_repeats_and_resolves(server: IntakeServer, desk: Desk) -> None:
    status, body = post(server, "/alertmanager", am_payload())
    assert status == 200, body
    [first] = body["alerts"]
    assert first["action"] == "created"
    rec = queries.get_incident(desk, first["incident"])
    assert (rec.title, rec.impact, rec.urgency, rec.priority) == (
        "Latency above 2 s on web1",
        1,
        1,
        1,
    )
    assert "p99 2.4 s" in rec.description and "http://prom:9090/graph" in rec.description
    status, body = post(server, "/alertmanager", am_payload())
    assert body["alerts"][0] == {
        "fingerprint": "a1b2c3",
        "action": "repeated",
        "incident": rec.number,
        "times_seen": 2,
        "note": "",
    }
    status, body = post(server, "/alertmanager", am_payload("resolved"))
    assert (status, body["alerts"][0]["action"]) == (200, "resolved")
    assert counts(desk) == (1, 1)
    assert any(
        "Alert resolved (ended 2026-03-02T08:30:00Z)" in j.body
        for j in queries.journal(desk, rec.id)
    )


def test_generic_alert(server: IntakeServer, desk: Desk) -> None:
    status, body = post(
        server,
        "/alerts",
        {
            "title": "Backup failed on fs2",
            "severity": "warning",
            "labels": {"job": "backup"},
            "source": "cron",
        },
    )
    assert status == 200, body
    rec = queries.get_incident(desk, body["alerts"][0]["incident"])
    assert (rec.title, rec.impact, rec.urgency) == ("Backup failed on fs2", 2, 2)
    # no fingerprint given: the labels make one, so the same alert again is a repeat
    _, again = post(
        server,
        "/alerts",
        {"title": "Backup failed on fs2", "severity": "warning", "labels": {"job": "backup"}},
    )
    assert again["alerts"][0]["action"] == "repeated"


@pytest.mark.parametrize(
    ("path", "body", "kw", "status", "reason"),
    [
        ("/alertmanager", am_payload(), {"token": None}, 401, "A bearer token is required"),
        ("/alertmanager", am_payload(), {"token": "wrong"}, 401, "The bearer token is wrong"),
        ("/alertmanager", '{"version": "4", ', {}, 400, "Malformed JSON at line 1 column"),
        ("/alertmanager", b"\xff\xfe", {}, 400, "not UTF-8"),
        ("/alertmanager", {"version": "4"}, {}, 400, "payload: the field 'alerts' is missing"),
        (
            "/alertmanager",
            {**am_payload(), "version": "3"},
            {},
            400,
            "version '3' is not supported",
        ),
        (
            "/alertmanager",
            {**am_payload(), "alerts": [{**am_payload()["alerts"][0], "fingerprint": None}]},
            {},
            400,
            "alerts[0]: the field 'fingerprint' is missing",
        ),
        (
            "/alertmanager",
            {**am_payload(), "alerts": [am_payload()["alerts"][0], {"status": "firing"}]},
            {},
            400,
            "alerts[1]: the field 'labels' is missing",
        ),
        ("/alerts", {"labels": {"job": "x"}}, {}, 400, "alert: the field 'title' is missing"),
        (
            "/alerts",
            {"title": "x", "status": "burning"},
            {},
            400,
            "neither 'firing' nor 'resolved'",
        ),
        ("/alerts", [1, 2], {}, 400, "The body must be a JSON object"),
        ("/alerts", {"title": "x" * 30_000}, {}, 413, "at most 20,000"),
        (
            "/alertmanager",
            am_payload(),
            {"method": "PUT"},
            405,
            "PUT is not accepted at /alertmanager",
        ),
        ("/alertmanager", b"", {"method": "GET"}, 405, "GET is not accepted"),
        ("/nowhere", am_payload(), {}, 404, "Nothing at /nowhere"),
    ],
)
def test_refusals_say_why_and_create_nothing(
    server: IntakeServer,
    desk: Desk,
    path: str,
    body: Any,
    kw: dict[str, Any],
    status: int,
    reason: str,
) -> None:
    got, answer = post(server, path, body, **kw)
    assert got == status, answer
    assert reason in answer["error"]
    assert counts(desk) == (0, 0)


def test_no_content_length_is_refused(server: IntakeServer, desk: Desk) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/alerts")
    conn.putheader("Authorization", f"Bearer {TOKEN}")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"0\r\n\r\n")
    resp = conn.getresponse()
    assert resp.status == 411
    assert "Content-Length" in json.loads(resp.read())["error"]
    conn.close()
    assert counts(desk) == (0, 0)


def test_same_alert_same_instant_on_two_connections_is_one_incident(
    server: IntakeServer, desk: Desk
) -> None:
    rounds, results = 6, []
    lock = threading.Lock()
    for r in range(rounds):
        barrier = threading.Barrier(2)

        def fire(fp: str = f"race-{r}", barrier: threading.Barrier = barrier) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            data = json.dumps(am_payload(fp=fp)).encode()
            conn.connect()
            barrier.wait()
            conn.request(
                "POST",
                "/alertmanager",
                body=data,
                headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
            )
            resp = conn.getresponse()
            answer = json.loads(resp.read())
            conn.close()
            with lock:
                results.append(
                    (resp.status, answer["alerts"][0]["action"], answer["alerts"][0]["incident"])
                )

        threads = [threading.Thread(target=fire) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert all(status == 200 for status, _, _ in results), results
    assert sorted(a for _, a, _ in results) == ["created"] * rounds + ["repeated"] * rounds
    assert counts(desk) == (rounds, rounds)
    assert {r.times_seen for r in alert_service.alerts(desk)} == {2}
