"""History: the journal, the append-only field audit, SLA pauses, the change feed, and the
append-only audit of the desk's configuration (calendars, SLA policies, the site)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class JournalEntry(Base):
    __tablename__ = "journal"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # domain.records.JournalKind
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # time the author spent on what the entry records (seconds; 0: not said)
    time_worked_s: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditEntry(Base):
    """One field change: who, when, old, new. Append-only (triggers refuse update/delete)."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    # the incident version this change produced: a stale editor reads what came after its own
    incident_version: Mapped[int] = mapped_column(Integer, default=0)


class SlaPause(Base):
    __tablename__ = "sla_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(30))


class ChangeLogEntry(Base):
    """Written in the same transaction as every change; workstations read past their position."""

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    agent_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdminAuditEntry(Base):
    """One change of the desk's configuration: who, when, what (entity and its name at the
    time), which field, old and new value in words. Append-only (triggers refuse update/delete)."""

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    entity: Mapped[str] = mapped_column(String(30))  # "calendar", "policy", "site"
    entity_id: Mapped[int | None] = mapped_column(Integer)
    entity_name: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


Index("ix_journal_incident", JournalEntry.incident_id, JournalEntry.id)
Index("ix_audit_incident", AuditEntry.incident_id, AuditEntry.id)
Index("ix_sla_pauses_incident", SlaPause.incident_id)
Index(
    "ix_admin_audit_entity", AdminAuditEntry.entity, AdminAuditEntry.entity_id, AdminAuditEntry.id
)
