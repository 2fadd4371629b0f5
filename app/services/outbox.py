"""Mail to callers (app.domain.mail_out): queued in the transaction of the change it tells about,
so a change is never told without being made nor made without being told, and sent from that
queue by whichever runner holds the escalation lease (a desktop, ``incidentdesk escalate``) or
by ``incidentdesk mail send``.

A mail the server does not take (down, refusing, timing out) stays queued with the reason and is
tried again later (1, 2, 4 ... minutes, an hour at most) until MAX_ATTEMPTS; a recipient the
server refuses for good is given up at once. A runner claims each mail (a guarded UPDATE) before
it sends it, so two runners never send one twice; a runner that dies after sending and before
writing "sent" leaves the claim to expire, and the mail goes once more (at least once, never
lost). Nothing is queued while no mail server is configured.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, cast

from sqlalchemy import CursorResult, Result, or_, select, update
from sqlalchemy.orm import Session

from app.domain.mail import OWN_HEADER
from app.domain.mail_out import (
    MAX_ATTEMPTS,
    Delivery,
    MailServer,
    Notice,
    OutboxRecord,
    notice_text,
    retry_delay,
    server_from_setting,
)
from app.domain.roles import Permission
from app.domain.sla_config import FieldDiff
from app.models import Caller, Incident, MailOutRow, Setting
from app.services.admin_audit import record_changes
from app.services.context import Actor, Desk
from app.services.settings import read_setting, write_setting

SETTING = "mail_server"
PASSWORD_ENV = "INCIDENTDESK_SMTP_PASSWORD"
CLAIM = timedelta(minutes=5)
TIMEOUT_S = 10
BATCH = 100


# -- configuration -------------------------------------------------------------------------


def mail_server(desk: Desk) -> MailServer | None:
    """The mail server the desk sends through, or None (no mail to callers)."""
    return server_from_setting(read_setting(desk, SETTING))


def configure(
    desk: Desk, actor: Actor, server: MailServer | None, reason: str | None = None
) -> MailServer | None:
    """Set (or, with None, turn off) the desk's mail server: an admin's change, audited."""
    actor.require(Permission.CONFIGURE)
    with desk.write() as s:
        row = s.get(Setting, SETTING)
        old = server_from_setting(row.value if row is not None else None)
        if old == server:
            return server
        write_setting(s, SETTING, server.as_setting() if server is not None else {})
        record_changes(
            s,
            actor,
            "mail",
            None,
            "Mail to callers",
            [
                FieldDiff(
                    "mail server",
                    old.describe() if old else None,
                    server.describe() if server else None,
                )
            ],
            desk.now(),
            reason,
        )
    return server


# -- queueing, in the caller's transaction ---------------------------------------------------


def queue_notice(
    session: Session, inc: Incident, kind: Notice, now: datetime, text: str = ""
) -> MailOutRow | None:
    """Queue the notice of `kind` to the incident's caller (None: no server, no address)."""
    setting = session.get(Setting, SETTING)
    server = server_from_setting(setting.value if setting is not None else None)
    if server is None or inc.caller_id is None:
        return None
    caller = session.get(Caller, inc.caller_id)
    if caller is None or not caller.email or "@" not in caller.email:
        return None
    subject, body = notice_text(kind, inc.number, inc.title, caller.name, text)
    domain = server.sender.rpartition("@")[2]
    row = MailOutRow(
        incident_id=inc.id,
        kind=kind.value,
        to_address=caller.email,
        subject=subject[:500],
        body=body,
        message_id=make_msgid(idstring=f"{inc.number}.{kind.value}", domain=domain),
        created_at=now,
        next_attempt_at=now,
        attempts=0,
    )
    session.add(row)
    return row


# -- sending -------------------------------------------------------------------------------


def message_of(row: MailOutRow, server: MailServer) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = server.sender
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = row.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg[OWN_HEADER] = row.kind
    msg.set_content(row.body)
    return msg


def _connect(server: MailServer, password: str | None) -> smtplib.SMTP:
    if server.tls == "ssl":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, timeout=TIMEOUT_S, context=ssl.create_default_context()
        )
    else:
        conn = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_S)
        if server.tls == "starttls":
            conn.starttls(context=ssl.create_default_context())
    if server.user:
        if not password:
            conn.close()
            raise smtplib.SMTPAuthenticationError(
                535, f"no password for {server.user}: set {PASSWORD_ENV} for the sender".encode()
            )
        conn.login(server.user, password)
    return conn


def _claim(desk: Desk, name: str, now: datetime, limit: int) -> list[MailOutRow]:
    """The mails due now that this runner claims: one guarded UPDATE under a token of its own
    (a mail another runner claimed first is not due, so not taken twice)."""
    o = MailOutRow
    due = (
        o.sent_at.is_(None),
        o.gave_up_at.is_(None),
        o.next_attempt_at <= now,
        or_(o.claimed_until.is_(None), o.claimed_until < now),
    )
    token = f"{name[:80]} {uuid.uuid4().hex}"
    with desk.write() as s:
        ids = s.scalars(select(o.id).where(*due).order_by(o.id).limit(limit)).all()
        if not ids:
            return []
        s.execute(
            update(o)
            .where(o.id.in_(ids), *due)
            .values(claimed_by=token, claimed_until=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
        rows = list(s.scalars(select(o).where(o.claimed_by == token).order_by(o.id)))
        for r in rows:
            s.expunge(r)
        return rows


def _rows(result: Result[Any]) -> int:
    """How many rows an UPDATE changed."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _why(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"the mail server answered {exc.smtp_code}: {' '.join(text.split())}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{who} refused ({code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg})"
            for who, (code, msg) in exc.recipients.items()
        )
    if isinstance(exc, ConnectionRefusedError):
        return "the mail server refused the connection (is it running?)"
    if isinstance(exc, TimeoutError):
        return f"the mail server did not answer within {TIMEOUT_S} s"
    return str(exc) or type(exc).__name__


def deliver(desk: Desk, name: str = "", *, limit: int = BATCH) -> Delivery:
    """Send what is due (module docstring); one connection to the server for the round."""
    server = mail_server(desk)
    if server is None:
        return Delivery()
    from app.services.escalation import runner_name

    now = desk.now()
    rows = _claim(desk, name or runner_name(), now, limit)
    if not rows:
        return Delivery()
    outcomes: dict[int, str | None] = {}  # id -> None (sent) or why not
    permanent: set[int] = set()
    problem: str | None = None
    try:
        conn = _connect(server, os.environ.get(PASSWORD_ENV))
    except (OSError, smtplib.SMTPException) as exc:
        problem = _why(exc)
        outcomes = {r.id: problem for r in rows}
    else:
        try:
            for r in rows:
                try:
                    conn.send_message(message_of(r, server))
                    outcomes[r.id] = None
                except smtplib.SMTPRecipientsRefused as exc:
                    outcomes[r.id] = _why(exc)
                    if all(code >= 500 for code, _ in exc.recipients.values()):
                        permanent.add(r.id)
                except smtplib.SMTPServerDisconnected as exc:
                    problem = _why(exc)
                    for left in rows:
                        outcomes.setdefault(left.id, problem)
                    break
                except (OSError, smtplib.SMTPException) as exc:
                    outcomes[r.id] = problem = _why(exc)
        finally:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
    return _record(desk, rows, outcomes, permanent, problem)


def _record(
    desk: Desk,
    rows: Sequence[MailOutRow],
    outcomes: dict[int, str | None],
    permanent: set[int],
    problem: str | None,
) -> Delivery:
    now = desk.now()
    sent = retrying = gave_up = 0
    with desk.write() as s:
        for r in rows:
            why = outcomes.get(r.id, "not tried")
            values: dict[str, object] = {"claimed_by": None, "claimed_until": None}
            if why is None:
                values["sent_at"] = now
                sent += 1
            else:
                attempts = r.attempts + 1
                values.update(attempts=attempts, last_error=why[:2000])
                if r.id in permanent or attempts >= MAX_ATTEMPTS:
                    values["gave_up_at"] = now
                    gave_up += 1
                else:
                    values["next_attempt_at"] = now + retry_delay(attempts)
                    retrying += 1
            s.execute(
                update(MailOutRow)
                .where(MailOutRow.id == r.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    return Delivery(sent, retrying, gave_up, problem)


# -- reading -------------------------------------------------------------------------------


def outbox(desk: Desk, *, waiting_only: bool = False, limit: int = 200) -> list[OutboxRecord]:
    """The newest mails to callers first (only those not sent yet, if asked)."""
    o = MailOutRow
    stmt = (
        select(o, Incident.number)
        .outerjoin(Incident, Incident.id == o.incident_id)
        .order_by(o.id.desc())
        .limit(limit)
    )
    if waiting_only:
        stmt = stmt.where(o.sent_at.is_(None), o.gave_up_at.is_(None))
    with desk.query() as s:
        return [
            OutboxRecord(
                r.id,
                number,
                r.kind,
                r.to_address,
                r.subject,
                r.created_at,
                r.attempts,
                r.next_attempt_at,
                r.sent_at,
                r.gave_up_at,
                r.last_error,
            )
            for r, number in s.execute(stmt)
        ]


def retry_now(desk: Desk, actor: Actor) -> int:
    """Everything waiting (and given up) is tried at the next round: after fixing the server."""
    actor.require(Permission.CONFIGURE)
    now = desk.now()
    with desk.write() as s:
        result = s.execute(
            update(MailOutRow)
            .where(MailOutRow.sent_at.is_(None))
            .values(next_attempt_at=now, gave_up_at=None, claimed_until=None, attempts=0)
            .execution_options(synchronize_session=False)
        )
        return _rows(result)


def password_set() -> bool:
    """Whether this process has the mail server's password (from the environment)."""
    return bool(os.environ.get(PASSWORD_ENV))
