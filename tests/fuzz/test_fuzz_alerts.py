"""Alert payloads, generated, posted to the HTTP intake on loopback (both engines): any body,
JSON or not, shaped like Alertmanager's webhook or the generic alert or like nothing, is
answered 200 with what each alert did or 4xx with the reason; never a 500, never a dropped
connection (a crash in the handler closes the socket without an answer)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from app.intake.http import IntakeServer
from app.services.context import Desk
from tests.fuzz.conftest import cases
from tests.fuzz.strategies import DEEP_JSON, NASTY, TEXT, json_values, mangled, mostly, one_in
from tests.intake.conftest import TOKEN

LABEL_VALUE = mostly(
    st.one_of(NASTY, st.integers(), st.floats(), st.booleans()), st.one_of(st.none(), json_values())
)
LABELS = mostly(
    st.dictionaries(
        st.one_of(st.sampled_from(["alertname", "severity", "instance", "job"]), NASTY),
        st.one_of(st.sampled_from(["critical", "warning", "info", "Down"]), LABEL_VALUE),
        max_size=5,
    ),
    json_values(),
)
STATUS = mostly(st.sampled_from(["firing", "resolved", "FIRING", " resolved "]), json_values())
TIME = mostly(
    st.sampled_from(["2026-03-02T08:00:00Z", "0001-01-01T00:00:00Z", "yesterday", ""]),
    json_values(),
)
FINGERPRINT = mostly(st.text(min_size=1, max_size=12), st.one_of(st.just("f" * 201), json_values()))


@st.composite
def shaped(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """An object with some of `fields` (each now and then any JSON instead) and a stray key."""
    out: dict[str, Any] = {}
    for key, values in fields.items():
        if not one_in(draw, 8):
            out[key] = draw(values if not one_in(draw, 8) else json_values())
    if one_in(draw, 6):
        out[draw(NASTY)] = draw(json_values())
    return out


AM_ALERT = shaped(
    {
        "status": STATUS,
        "labels": LABELS,
        "annotations": LABELS,
        "startsAt": TIME,
        "endsAt": TIME,
        "generatorURL": NASTY,
        "fingerprint": FINGERPRINT,
    }
)
ALERTMANAGER = shaped(
    {
        "version": mostly(st.sampled_from(["4", 4]), st.one_of(st.just("3"), json_values())),
        "status": STATUS,
        "alerts": st.lists(AM_ALERT, max_size=3),
        "commonLabels": LABELS,
        "groupLabels": LABELS,
        "receiver": NASTY,
    }
)
GENERIC_ALERT = shaped(
    {
        "title": mostly(
            st.sampled_from(["Disk full on db1", "Down"]), st.one_of(NASTY, st.just("x" * 5000))
        ),
        "status": STATUS,
        "fingerprint": FINGERPRINT,
        "severity": st.one_of(st.sampled_from(["critical", "warning"]), LABEL_VALUE),
        "labels": LABELS,
        "description": st.one_of(NASTY, json_values()),
        "source": LABEL_VALUE,
    }
)
GENERIC = st.one_of(GENERIC_ALERT, shaped({"alerts": st.lists(GENERIC_ALERT, max_size=3)}))


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["alertmanager"] * 3 + ["generic"] * 3 + ["json", "text", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "text":
        return draw(TEXT).encode("utf-8")
    value = draw({"alertmanager": ALERTMANAGER, "generic": GENERIC, "json": json_values()}[kind])
    return draw(mangled(json.dumps(value, ensure_ascii=draw(st.booleans())))).encode(
        "utf-8", "surrogatepass"
    )


@pytest.fixture
def server(desk: Desk) -> Iterator[IntakeServer]:
    srv = IntakeServer(("127.0.0.1", 0), desk, desk.system(), TOKEN, max_body=200_000)
    srv.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def post(srv: IntakeServer, path: str, body: bytes) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )
        resp = conn.getresponse()  # a crash in the handler: RemoteDisconnected here
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


@cases(ci=25, long=2000)
@given(path=st.sampled_from(["/alertmanager", "/alerts"]), body=bodies())
@example(path="/alerts", body=DEEP_JSON.encode())
@example(path="/alertmanager", body=DEEP_JSON.encode())
@example(path="/alerts", body=b'{"title": "Disk \\u0000 full", "labels": {"host": "db\\u00001"}}')
@example(path="/alerts", body=json.dumps({"title": "t", "source": "s" * 100}).encode())
def test_any_body_is_answered_or_refused_with_a_reason(
    server: IntakeServer, path: str, body: bytes
) -> None:
    status, answer = post(server, path, body)
    assert status in (200, 400, 422), (status, answer)
    event(f"{path} {status}")
    if status == 200:
        assert isinstance(answer["alerts"], list)
        for outcome in answer["alerts"]:
            assert outcome["action"] in ("created", "repeated", "resolved", "ignored"), outcome
    else:
        assert isinstance(answer["error"], str) and len(answer["error"]) > 10, answer
