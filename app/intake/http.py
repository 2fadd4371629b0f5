"""`incidentdesk intake http`: monitoring alerts over HTTP, on a small threaded listener.

    POST /alertmanager   Prometheus Alertmanager's webhook (payload version 4)
    POST /alerts         the desk's generic alert (app.domain.alerts describes it)
    GET  /health         200 "ok" (no token needed): for a load balancer or a test

Every POST needs ``Authorization: Bearer TOKEN``. What is refused is refused whole and
creates nothing, with the reason in the body (``{"error": "..."}``): 400 malformed JSON or a
missing or wrong field, 401 no or a wrong token, 404 another path, 405 another method, 411 no
Content-Length, 413 a body over the limit. 503 (with Retry-After) when the database is
unavailable: Alertmanager retries. 200 answers what each alert did
(``{"alerts": [{"fingerprint", "action", "incident", "times_seen", "note"}]}``).
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable, Sequence
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from app.domain import inbound
from app.domain.alerts import Alert, parse_alertmanager, parse_generic
from app.domain.errors import DeskError, EnvironmentProblem, PermissionDenied, ValidationError
from app.services import alerts as alert_service
from app.services.context import Actor, Desk

log = logging.getLogger("incidentdesk.intake.http")

MAX_BODY = 1_000_000  # bytes; Alertmanager's largest groups stay far below
ROUTES: dict[str, Callable[[Any], list[Alert]]] = {
    "/alertmanager": parse_alertmanager,
    "/alerts": parse_generic,
}
RETRY_AFTER_S = 5


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, reason: str, headers: Sequence[tuple[str, str]] = ()):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = tuple(headers)


class IntakeServer(ThreadingHTTPServer):
    """The listener; one thread per connection, every request one call of the alert service."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # Alertmanager and friends open many connections at once

    def __init__(
        self,
        address: tuple[str, int],
        desk: Desk,
        actor: Actor,
        token: str,
        *,
        max_body: int = MAX_BODY,
    ) -> None:
        if not token:
            raise ValidationError(
                "The intake needs a token (INCIDENTDESK_INTAKE_TOKEN or [intake] token)"
            )
        self.desk = desk
        self.actor = actor
        self.token = token
        self.max_body = max_body
        super().__init__(address, _Handler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> threading.Thread:
        """Serve on a thread (tests, the bench); `shutdown()` stops it."""
        thread = threading.Thread(target=self.serve_forever, name="intake-http", daemon=True)
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: IntakeServer
    protocol_version = "HTTP/1.1"
    server_version = "IncidentDesk-Intake"
    # TCP_NODELAY: the answer's headers and body are two writes; with Nagle's algorithm the
    # body waits for the client's delayed ACK of the headers (40 ms a request on Linux)
    disable_nagle_algorithm = True

    # -- the methods ------------------------------------------------------------------------
    def do_POST(self) -> None:
        try:
            parse = self._route()
            self._authorise()
            body = self._body()
            try:
                payload = inbound.loads(body.decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise _Refused(HTTPStatus.BAD_REQUEST, f"The body is not UTF-8: {exc}") from None
            except json.JSONDecodeError as exc:
                raise _Refused(
                    HTTPStatus.BAD_REQUEST,
                    f"Malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                ) from None
            try:
                alerts = parse(payload)
            except ValidationError as exc:
                raise _Refused(HTTPStatus.BAD_REQUEST, str(exc)) from None
            outcomes = alert_service.receive(self.server.desk, self.server.actor, alerts)
        except _Refused as refused:
            self._send(refused.status, {"error": refused.reason}, refused.headers)
            return
        except EnvironmentProblem as exc:
            self._send(
                HTTPStatus.SERVICE_UNAVAILABLE,
                {"error": str(exc)},
                [("Retry-After", str(RETRY_AFTER_S))],
            )
            return
        except PermissionDenied as exc:
            self._send(HTTPStatus.FORBIDDEN, {"error": str(exc)})
            return
        except DeskError as exc:  # a rule of the desk refused the incident (a level, a title)
            self._send(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(exc)})
            return
        for o in outcomes:
            log.info("%s %s -> %s %s", o.action, o.fingerprint, o.incident_number or "-", o.note)
        self._send(
            HTTPStatus.OK,
            {
                "alerts": [
                    {
                        "fingerprint": o.fingerprint,
                        "action": o.action,
                        "incident": o.incident_number,
                        "times_seen": o.times_seen,
                        "note": o.note,
                    }
                    for o in outcomes
                ]
            },
        )

    def do_GET(self) -> None:
        if self.path == "/health":
            self._send(HTTPStatus.OK, {"status": "ok"})
            return
        self._wrong_method()

    def do_PUT(self) -> None:
        self._wrong_method()

    def do_DELETE(self) -> None:
        self._wrong_method()

    def do_PATCH(self) -> None:
        self._wrong_method()

    # -- the checks -------------------------------------------------------------------------
    def _wrong_method(self) -> None:
        self._drain()
        if self.path in ROUTES:
            self._send(
                HTTPStatus.METHOD_NOT_ALLOWED,
                {"error": f"{self.command} is not accepted at {self.path}: use POST"},
                [("Allow", "POST")],
            )
        else:
            self._send(HTTPStatus.NOT_FOUND, {"error": f"Nothing at {self.path}"})

    def _route(self) -> Callable[[Any], list[Alert]]:
        parse = ROUTES.get(self.path.split("?", 1)[0])
        if parse is None:
            self._drain()
            paths = ", ".join(ROUTES)
            raise _Refused(HTTPStatus.NOT_FOUND, f"Nothing at {self.path}: POST to {paths}")
        return parse

    def _authorise(self) -> None:
        header = self.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            self._drain()
            raise _Refused(
                HTTPStatus.UNAUTHORIZED,
                "A bearer token is required (Authorization: Bearer TOKEN)",
                [("WWW-Authenticate", 'Bearer realm="incidentdesk"')],
            )
        if not hmac.compare_digest(given.strip().encode(), self.server.token.encode()):
            self._drain()
            raise _Refused(
                HTTPStatus.UNAUTHORIZED,
                "The bearer token is wrong",
                [("WWW-Authenticate", 'Bearer realm="incidentdesk", error="invalid_token"')],
            )

    def _length(self) -> int | None:
        text = self.headers.get("Content-Length")
        if text is None:
            return None
        try:
            n = int(text)
        except ValueError:
            return -1
        return n

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            raise _Refused(
                HTTPStatus.LENGTH_REQUIRED,
                "Send a Content-Length (chunked bodies are not accepted)",
            )
        n = self._length()
        if n is None or n < 0:
            self.close_connection = True
            raise _Refused(HTTPStatus.LENGTH_REQUIRED, "A Content-Length header is required")
        if n > self.server.max_body:
            self.close_connection = True  # the rest of the body is not read
            raise _Refused(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"The body has {n:,} bytes; at most {self.server.max_body:,}",
            )
        return self.rfile.read(n)

    def _drain(self) -> None:
        """Read a refused request's small body so the connection stays usable."""
        n = self._length()
        if n is None or n <= 0:
            return
        if n > self.server.max_body:
            self.close_connection = True
            return
        self.rfile.read(n)

    def _send(
        self, status: HTTPStatus, data: dict[str, Any], headers: Sequence[tuple[str, str]] = ()
    ) -> None:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)


def serve(
    desk: Desk, actor: Actor, token: str, host: str, port: int, *, max_body: int = MAX_BODY
) -> IntakeServer:
    """A started listener (its thread serves until `shutdown()`)."""
    server = IntakeServer((host, port), desk, actor, token, max_body=max_body)
    server.start()
    return server
