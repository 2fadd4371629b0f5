"""Mail in: a message logs an incident (subject as title, text as description, the sender as
caller, added when new), or, when its subject names an open incident, becomes the caller's
comment on it, which takes an incident on hold awaiting the caller back to In Progress.
Attachments are kept on the incident. Mail from machines (auto-replies, bounces, lists, the
desk's own notifications) is recorded and opens nothing; a message delivered twice (the same
Message-ID) is taken once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.changes import append_change
from app.domain.errors import DeskError, ValidationError
from app.domain.incident_rights import IncidentAction
from app.domain.lifecycle import CloseReason, HoldReason, State
from app.domain.mail import CONFIRM, REJECT, MailIn, reply_verdict, title_of
from app.domain.mail_out import Notice
from app.domain.records import Channel, JournalKind
from app.domain.roles import Permission
from app.domain.wording import plural
from app.models import Incident, MailRow
from app.services.alerts import default_group
from app.services.attachments import add_in_session
from app.services.callers import NewCaller
from app.services.context import Actor, Desk
from app.services.incidents.lifecycle import close, reopen, resume
from app.services.incidents.mutation import guard, write_journal
from app.services.incidents.new import NewIncident, log_in_session
from app.services.outbox import queue_notice

CREATED = "created"
COMMENT = "comment"
IGNORED = "ignored"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class MailOutcome:
    outcome: str  # CREATED, COMMENT, IGNORED, DUPLICATE
    incident_number: str | None
    note: str = ""


def _claim(
    s: Session, mail: MailIn, outcome: str, now: datetime, reason: str | None = None
) -> MailRow | None:
    """The mail's row; None when a mail of this Message-ID was taken already."""
    row = MailRow(
        message_id=mail.message_id,
        sender=mail.sender_email[:300] or "(none)",
        subject=mail.subject[:500],
        outcome=outcome,
        reason=reason,
        received_at=now,
    )
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:
        return None
    return row


def _duplicate(s: Session, mail: MailIn) -> MailOutcome:
    number = s.scalar(
        select(Incident.number)
        .join(MailRow, MailRow.incident_id == Incident.id)
        .where(MailRow.message_id == mail.message_id)
    )
    return MailOutcome(DUPLICATE, number, f"already received ({mail.message_id})")


def _attach(s: Session, actor: Actor, inc: Incident, mail: MailIn, now: datetime) -> list[str]:
    notes: list[str] = []
    for a in mail.attachments:
        try:
            with s.begin_nested():
                add_in_session(s, actor, inc.id, a.filename, a.content_type, a.data, now)
        except ValidationError as exc:
            notes.append(f"Not kept: {exc}")
    kept = len(mail.attachments) - len(notes)
    if kept:
        notes.insert(0, f"{plural(kept, 'attachment')} kept")
    for n in notes:
        if n.startswith("Not kept"):
            write_journal(s, inc, JournalKind.SYSTEM, n, actor, now)
    return notes


def receive_mail(desk: Desk, actor: Actor, mail: MailIn) -> MailOutcome:
    """What one message becomes (module docstring)."""
    actor.require(Permission.LOG)
    now = desk.now()
    if mail.machine is not None:
        with desk.write() as s:
            if _claim(s, mail, IGNORED, now, mail.machine) is None:
                return _duplicate(s, mail)
        return MailOutcome(IGNORED, None, f"not opened: {mail.machine}")
    if not mail.sender_email or "@" not in mail.sender_email:
        raise ValidationError("The message has no sender address (From:)", field="from")
    resume_id: int | None = None
    verdict: tuple[int, str] | None = None  # a resolved incident, and what its caller says
    group_id = default_group(desk)
    with desk.write() as s:
        row = _claim(s, mail, CREATED, now)
        if row is None:
            return _duplicate(s, mail)
        inc = None
        refused = ""
        if mail.incident_number is not None:
            inc = s.scalar(select(Incident).where(Incident.number == mail.incident_number))
            if inc is not None:
                try:
                    guard(s, inc, actor, IncidentAction.ADD_NOTE)
                    if inc.state in (State.CLOSED.value, State.CANCELLED.value):
                        raise ValidationError(f"{inc.number} is {inc.state.replace('_', ' ')}")
                except DeskError as exc:
                    refused = f"; a reply to {inc.number}, which takes no comment ({exc})"
                    inc = None
        if inc is not None:
            body = mail.body or "(the reply has no text)"
            who = f"{mail.sender_name} <{mail.sender_email}>"
            write_journal(s, inc, JournalKind.COMMENT, f"E-mail from {who}:\n\n{body}", actor, now)
            notes = _attach(s, actor, inc, mail, now)
            s.flush()
            append_change(s, "incident", inc.id, "journal", actor.id)
            row.outcome = COMMENT
            row.incident_id = inc.id
            number = inc.number
            if (
                inc.state == State.ON_HOLD.value
                and inc.hold_reason == HoldReason.AWAITING_CALLER.value
            ):
                resume_id = inc.id
            if inc.state == State.RESOLVED.value:
                said = reply_verdict(mail.body)
                if said is not None:
                    verdict = (inc.id, said)
        else:
            description = mail.body
            if refused:
                description = (description + "\n\n" if description else "") + (
                    f"(Follow-up by e-mail to {mail.incident_number})"
                )
            new = log_in_session(
                desk,
                s,
                actor,
                NewIncident(
                    title=title_of(mail.subject),
                    description=description,
                    new_caller=NewCaller(
                        mail.sender_name or mail.sender_email, email=mail.sender_email
                    ),
                    channel=Channel.EMAIL.value,
                    group_id=group_id,
                ),
                now,
            )
            notes = _attach(s, actor, new, mail, now)
            queue_notice(s, new, Notice.LOGGED, now)
            row.incident_id = new.id
            row.reason = refused.lstrip("; ") or None
            number = new.number
        s.flush()
    note = "; ".join(notes)
    if resume_id is not None:
        try:
            resume(desk, actor, resume_id, None, comment="The caller replied by e-mail")
            note = "; ".join([*notes, "back to In Progress"])
        except DeskError as exc:
            note = "; ".join([*notes, f"not resumed: {exc}"])
    if verdict is not None:
        incident_id, said = verdict
        try:
            if said == CONFIRM:
                close(desk, actor, incident_id, None, CloseReason.CALLER_CONFIRMED.value)
                note = "; ".join([*notes, "closed: the caller confirmed"])
            elif said == REJECT:
                reopen(desk, actor, incident_id, None, f"The caller replied: {mail.body[:1000]}")
                note = "; ".join([*notes, "reopened: the caller says it is not fixed"])
        except DeskError as exc:
            note = "; ".join([*notes, f"left as it is: {exc}"])
    return MailOutcome(COMMENT if inc is not None else CREATED, number, note)
