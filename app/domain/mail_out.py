"""Mail to callers: what each notice says, how the desk's mail server is configured, and when a
mail the server did not take is tried again.

A notice's subject carries the incident's number in brackets ("[INC0001234] ..."), so that a
reply comes back to the incident (app.domain.mail); every notice carries the desk's own header
and ``Auto-Submitted: auto-generated``, so that it never opens an incident when it comes back
(a loop guard) and well-behaved auto-responders do not answer it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import timedelta

from app.domain.errors import ValidationError


class Notice(enum.StrEnum):
    LOGGED = "logged"
    COMMENT = "comment"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return {
            "logged": "Logged",
            "comment": "Comment for the caller",
            "resolved": "Resolved: please confirm",
        }[self.value]


TLS_MODES = ("none", "starttls", "ssl")
MAX_ATTEMPTS = 12  # then given up: about two days of tries, an hour apart at the end
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


@dataclass(frozen=True)
class MailServer:
    """The site's mail server the desk sends through (no password: that comes from the
    environment, INCIDENTDESK_SMTP_PASSWORD, never the database)."""

    host: str
    port: int
    sender: str  # the desk's address: From, and where replies go
    tls: str = "none"
    user: str | None = None

    def as_setting(self) -> dict[str, object]:
        return {
            "host": self.host,
            "port": self.port,
            "sender": self.sender,
            "tls": self.tls,
            "user": self.user,
        }

    def describe(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"{who}{self.host}:{self.port} ({self.tls}), from {self.sender}"


def check_server(
    host: str, port: int, sender: str, tls: str = "none", user: str | None = None
) -> MailServer:
    """A mail server as configured, or a ValidationError naming what is wrong."""
    host = host.strip()
    if not host or any(c.isspace() for c in host):
        raise ValidationError(f"{host!r} is not a host name", field="host")
    if not 0 < port < 65536:
        raise ValidationError(f"The port must be between 1 and 65535, not {port}", field="port")
    sender = sender.strip()
    if not _ADDRESS.match(sender):
        raise ValidationError(
            f"{sender!r} is not an e-mail address (the desk's From)", field="sender"
        )
    if tls not in TLS_MODES:
        raise ValidationError(
            f"Unknown TLS mode {tls!r}: use one of {', '.join(TLS_MODES)}", field="tls"
        )
    return MailServer(host, port, sender, tls, (user or "").strip() or None)


def server_from_setting(value: object) -> MailServer | None:
    if not isinstance(value, dict) or not value.get("host"):
        return None
    return MailServer(
        str(value["host"]),
        int(value.get("port") or 25),
        str(value.get("sender") or ""),
        str(value.get("tls") or "none"),
        str(value["user"]) if value.get("user") else None,
    )


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed try a mail is tried again: 1, 2, 4 ... minutes,
    an hour at most."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def notice_text(
    kind: Notice, number: str, title: str, caller: str, text: str = ""
) -> tuple[str, str]:
    """(subject, body) of a notice to `caller` about incident `number`."""
    hello = f"Hello {caller},\n\n" if caller else "Hello,\n\n"
    keep = (
        f"\n\nPlease keep [{number}] in the subject when you reply: your answer then goes "
        "straight to the incident."
    )
    if kind is Notice.LOGGED:
        subject = f"[{number}] Logged: {title}"
        body = (
            f'{hello}the service desk has logged your incident {number}, "{title}". '
            "We will keep you informed here." + keep
        )
    elif kind is Notice.COMMENT:
        subject = f"[{number}] {title}"
        body = f'{hello}about your incident {number}, "{title}":\n\n{text.strip()}' + keep
    else:
        subject = f"[{number}] Resolved, please confirm: {title}"
        body = (
            f'{hello}your incident {number}, "{title}", is resolved:\n\n{text.strip()}\n\n'
            'Reply "fixed" to confirm and close it, or "not fixed" (with what still goes '
            "wrong) to reopen it. Without an answer it closes by itself after a few working "
            "days." + keep
        )
    return subject, body


@dataclass(frozen=True)
class Delivery:
    """What one round of sending did."""

    sent: int = 0
    retrying: int = 0  # the server did not take them: tried again later
    gave_up: int = 0  # refused for good (a recipient the server rejects), or too many tries
    problem: str | None = None  # why the server did not take them, in words

    @property
    def tried(self) -> int:
        return self.sent + self.retrying + self.gave_up


@dataclass(frozen=True)
class OutboxRecord:
    id: int
    incident_number: str | None
    kind: str
    to_address: str
    subject: str
    created_at: object
    attempts: int
    next_attempt_at: object
    sent_at: object
    gave_up_at: object
    last_error: str | None

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return "sent"
        if self.gave_up_at is not None:
            return "given up"
        return "waiting" if self.attempts else "queued"
