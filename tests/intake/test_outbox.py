"""Mail to callers, on SQLite and PostgreSQL, through a real SMTP server (aiosmtpd, standing in
for the site's mail server): each notice queued in the transaction of its change, sent by the
desk's round, kept while the server is down and sent once when it is back, never twice by two
runners, given up on a recipient refused for good; and a notice that comes back to the intake
opens nothing (the loop guard)."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.domain.mail_out import check_server
from app.intake.smtp import MailServer
from app.models import Incident, MailOutRow, MailRow
from app.services import escalation, outbox, queries
from app.services import incidents as inc
from app.services.callers import NewCaller
from app.services.context import Desk
from app.services.incidents import NewIncident
from tests.clocks import Clock


class Collector:
    """The site's mail server: keeps what it is given; refuses the addresses in `refuse`."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.raw: list[bytes] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content)
        self.raw.append(raw)
        self.messages.append(email.message_from_bytes(raw))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def site_mail() -> Iterator[tuple[Collector, Controller]]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield collector, controller
    controller.stop()


def configure(desk: Desk, port: int) -> None:
    outbox.configure(
        desk, desk.actor("dev"), check_server("127.0.0.1", port, "servicedesk@example.com")
    )


def log_for_john(desk: Desk, title: str = "Outlook crashes") -> int:
    rec = inc.log_incident(
        desk,
        desk.actor("ana"),
        NewIncident(title, new_caller=NewCaller("John Smith", email="john@example.com")),
    )
    return rec.id


def queued(desk: Desk) -> int:
    with desk.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(MailOutRow).where(MailOutRow.sent_at.is_(None))
            ).scalar_one()
        )


def test_each_notice_is_queued_with_its_change_and_the_round_sends_it(
    desk: Desk, site_mail: tuple[Collector, Controller]
) -> None:
    collector, controller = site_mail
    configure(desk, controller.port)
    incident_id = log_for_john(desk)
    ana = desk.actor("ana")
    inc.add_journal(desk, ana, incident_id, "work_note", "Profile looks corrupt")  # internal
    inc.add_journal(desk, ana, incident_id, "comment", "We are rebuilding your mail profile.")
    rec = queries.get_incident(desk, "INC0000001")
    inc.resolve(desk, ana, incident_id, rec.version, "solution_provided", "Profile rebuilt")
    assert queued(desk) == 3  # logged, the comment, resolved: not the work note

    result = escalation.run_once(desk)  # the desk's round sends them
    assert (result.mail.sent, result.mail.retrying, result.mail.problem) == (3, 0, None)
    assert [m["Subject"] for m in collector.messages] == [
        "[INC0000001] Logged: Outlook crashes",
        "[INC0000001] Outlook crashes",
        "[INC0000001] Resolved, please confirm: Outlook crashes",
    ]
    first = collector.messages[0]
    assert first["To"] == "john@example.com" and first["From"] == "servicedesk@example.com"
    assert first["Auto-Submitted"] == "auto-generated" and first["X-IncidentDesk"] == "logged"
    comment = collector.messages[1].get_payload(decode=True).decode()
    assert "We are rebuilding your mail profile." in comment
    assert "Profile looks corrupt" not in "".join(m.as_string() for m in collector.messages)
    resolved = collector.messages[2].get_payload(decode=True).decode()
    assert "Profile rebuilt" in resolved and 'Reply "fixed"' in resolved
    assert [r.status for r in outbox.outbox(desk)] == ["sent"] * 3
    assert outbox.deliver(desk).tried == 0  # nothing twice


def test_a_server_that_is_down_keeps_the_mail_and_it_goes_once_when_back(
    desk: Desk, clock: Clock
) -> None:
    port = free_port()  # nothing listens there yet
    configure(desk, port)
    log_for_john(desk)
    done = outbox.deliver(desk)
    assert (done.sent, done.retrying) == (0, 1)
    assert done.problem == "the mail server refused the connection (is it running?)"
    [waiting] = outbox.outbox(desk, waiting_only=True)
    assert waiting.status == "waiting" and waiting.attempts == 1
    assert waiting.last_error == done.problem
    assert outbox.deliver(desk).tried == 0  # not due before a minute

    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        clock.advance(minutes=1)
        assert outbox.deliver(desk).sent == 1
        clock.advance(hours=2)
        assert outbox.deliver(desk).tried == 0
    finally:
        controller.stop()
    assert [m["Subject"] for m in collector.messages] == ["[INC0000001] Logged: Outlook crashes"]
    assert outbox.outbox(desk)[0].status == "sent"


def test_two_runners_never_send_one_mail_twice(
    desk: Desk, clock: Clock, site_mail: tuple[Collector, Controller]
) -> None:
    collector, controller = site_mail
    configure(desk, controller.port)
    log_for_john(desk)
    claimed = outbox._claim(desk, "workstation-a", clock(), 10)  # A took it, then died
    assert len(claimed) == 1
    assert outbox.deliver(desk, "workstation-b").tried == 0  # B leaves A's claim alone
    clock.advance(minutes=6)  # A's claim ran out: B sends it
    assert outbox.deliver(desk, "workstation-b").sent == 1
    assert len(collector.messages) == 1


def test_a_recipient_refused_for_good_is_given_up_with_the_server_s_words(
    desk: Desk, site_mail: tuple[Collector, Controller]
) -> None:
    collector, controller = site_mail
    collector.refuse.add("john@example.com")
    configure(desk, controller.port)
    log_for_john(desk)
    done = outbox.deliver(desk)
    assert (done.sent, done.gave_up) == (0, 1)
    [record] = outbox.outbox(desk)
    assert record.status == "given up"
    assert "john@example.com refused (550 5.1.1 No such user here)" in (record.last_error or "")


def test_without_a_mail_server_nothing_is_queued(desk: Desk) -> None:
    log_for_john(desk)
    assert queued(desk) == 0 and outbox.deliver(desk).tried == 0


def test_a_notice_coming_back_to_the_intake_opens_nothing(
    desk: Desk, site_mail: tuple[Collector, Controller]
) -> None:
    import smtplib

    collector, controller = site_mail
    configure(desk, controller.port)
    log_for_john(desk)
    outbox.deliver(desk)
    intake = MailServer(desk, desk.system(), "127.0.0.1", 0)
    intake.start()
    try:
        with smtplib.SMTP("127.0.0.1", intake.port, timeout=60) as client:
            answer = client.sendmail("servicedesk@example.com", ["desk@example.com"], collector.raw[0])
        assert answer == {}
    finally:
        intake.stop()
    with desk.read() as conn:
        assert conn.execute(select(func.count()).select_from(Incident)).scalar_one() == 1
        assert conn.execute(select(MailRow.outcome, MailRow.reason)).all() == [
            ("ignored", "the desk's own notification")
        ]
    rec = queries.get_incident(desk, "INC0000001")
    assert not any("E-mail from" in j.body for j in queries.journal(desk, rec.id))
    assert queued(desk) == 0  # and it queued no notice of its own
