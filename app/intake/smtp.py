"""`incidentdesk intake smtp`: mail in over SMTP (aiosmtpd), on loopback or behind the site's
mail server (which relays the desk's address here).

Each message is read (app.domain.mail) and handed to the mail service off the event loop (a
database call may wait; other connections keep talking). The SMTP answer says what became of
it: ``250 INC0000042 created``, ``250 comment on INC0000042``, ``250 not opened: Auto-Submitted:
auto-replied`` (a machine's mail is accepted, never bounced: that would loop), ``550`` for a
message the desk cannot take (no sender), ``451`` (try again later) when the database is
unavailable: the sending server keeps the mail and retries, nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from app.domain.errors import DeskError, EnvironmentProblem
from app.domain.mail import read_message
from app.services import mail as mail_service
from app.services.context import Actor, Desk

log = logging.getLogger("incidentdesk.intake.smtp")

MAX_MESSAGE = 40 * 1024 * 1024  # a 25 MB attachment, base64-encoded, fits


def message_limit(attachment_limit: int) -> int:
    """The largest message taken: one attachment at the admin's limit (in bytes), base64-encoded
    (4/3) with room for the rest, and never less than MAX_MESSAGE. A message over it is refused
    by SMTP (552); a file between the admin's limit and this is taken and noted, not kept."""
    return max(MAX_MESSAGE, attachment_limit * 4 // 3 + 6 * 1024 * 1024)


class MailHandler:
    def __init__(self, desk: Desk, actor: Actor) -> None:
        self.desk = desk
        self.actor = actor

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        if not raw:
            return "554 The message is empty"
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(None, self._take, bytes(raw), envelope.mail_from)
        except EnvironmentProblem as exc:
            log.warning("deferred: %s", exc)
            return f"451 {_one_line(str(exc))}"
        except DeskError as exc:
            log.info("refused: %s", exc)
            return f"550 {_one_line(str(exc))}"
        text = {
            mail_service.CREATED: f"{outcome.incident_number} created",
            mail_service.COMMENT: f"comment on {outcome.incident_number}"
            + (f"; {outcome.note}" if outcome.note else ""),
            mail_service.IGNORED: outcome.note,
            mail_service.DUPLICATE: f"{outcome.note} ({outcome.incident_number or 'no incident'})",
        }[outcome.outcome]
        log.info("%s %s: %s", envelope.mail_from, outcome.outcome, text)
        return f"250 {_one_line(text)}"

    def _take(self, raw: bytes, mail_from: str | None) -> mail_service.MailOutcome:
        mail = read_message(raw)
        if not mail.sender_email and mail_from and "@" in mail_from:
            from dataclasses import replace

            mail = replace(
                mail, sender_email=mail_from.lower(), sender_name=mail_from.split("@")[0]
            )
        return mail_service.receive_mail(self.desk, self.actor, mail)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:400]


class MailServer:
    """An SMTP listener on its own event loop and thread; `port` is the one bound."""

    def __init__(
        self, desk: Desk, actor: Actor, host: str, port: int, *, max_message: int = MAX_MESSAGE
    ):
        self.handler = MailHandler(desk, actor)
        self.host = host
        self.requested_port = port
        self.max_message = max_message
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    def _factory(self) -> SMTP:
        return SMTP(
            self.handler,
            data_size_limit=self.max_message,
            enable_SMTPUTF8=True,
            hostname="incidentdesk",
            ident="Incident Desk mail intake",
        )

    def bind(self) -> None:
        """Open the socket (raises OSError when the address is taken)."""
        server = self.loop.run_until_complete(
            self.loop.create_server(self._factory, host=self.host, port=self.requested_port)
        )
        self._server = server
        self.port = int(server.sockets[0].getsockname()[1])

    def serve_forever(self) -> None:
        if self._server is None:
            self.bind()
        self.loop.run_forever()

    def start(self) -> None:
        """Bind now, serve on a thread (tests, the bench)."""
        self.bind()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="intake-smtp", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        def close() -> None:
            if self._server is not None:
                self._server.close()
            self.loop.stop()

        if self.loop.is_running():
            self.loop.call_soon_threadsafe(close)
            if self._thread is not None:
                self._thread.join(10)
        else:
            close()
        if not self.loop.is_closed() and not self.loop.is_running():
            self.loop.close()

    def __enter__(self) -> MailServer:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
