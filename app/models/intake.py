"""What comes in from outside: monitoring alerts and the rules that map them, mail received,
attachments (their bytes, once per content), and the keys of imported records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class AlertRuleRow(Base):
    """Labels (regular expressions, all must match) to category, service, group, levels."""

    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    matchers: Mapped[dict[str, Any]] = mapped_column(JSON)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    config_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("config_items.id", ondelete="SET NULL")
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    impact: Mapped[int | None] = mapped_column(Integer)
    urgency: Mapped[int | None] = mapped_column(Integer)
    # a resolved alert resolves the incident with this code; NULL: a note only
    resolve_code: Mapped[str | None] = mapped_column(String(40))


class AlertRow(Base):
    """One alert that logged an incident, and how often it was seen while that stayed open.

    `open_fingerprint` is the fingerprint while the incident is open, NULL after: its unique
    constraint is what keeps two identical alerts arriving at once (on two connections, two
    intake processes) from logging two incidents, on PostgreSQL and SQLite alike."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(200), index=True)
    open_fingerprint: Mapped[str | None] = mapped_column(String(200), unique=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rules.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))
    labels: Mapped[dict[str, Any]] = mapped_column(JSON)
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailRow(Base):
    """One mail received: what it became (an incident, a comment, nothing and why). The
    Message-ID is unique, so a mail delivered twice is taken once."""

    __tablename__ = "mail_received"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    sender: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(500))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(20))  # created, comment, ignored
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttachmentBlob(Base):
    """The bytes of attachments, once per content (keyed by SHA-256)."""

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Attachment(Base):
    """A file kept on an incident: its name, type and content (shared with identical files)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.sha256"))
    # the journal entry it came with (a screenshot pasted into a note), if any
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journal.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportedRecord(Base):
    """An incident brought in by an import, by its key in the source: a second run of the same
    file finds it and changes nothing."""

    __tablename__ = "imported_records"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(30))  # "servicenow", "bpi2013"
    external_id: Mapped[str] = mapped_column(String(100))
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_attachments_incident", Attachment.incident_id, Attachment.id)


class MailOutRow(Base):
    """A mail to a caller, queued in the transaction of the change it tells about (logged, a
    comment for the caller, resolved: please confirm) and sent from there by whichever runner
    holds the escalation lease, or ``incidentdesk mail send``. It stays queued while the mail
    server is down, tried again later (`next_attempt_at`), until sent or given up; a runner
    claims a row (`claimed_until`) before it sends, so two runners never send it twice."""

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "sent_at", "gave_up_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    to_address: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
