"""Automatic escalation: the rules each SLA policy sets per clock and threshold, what they fired
(once per incident, clock, threshold and action), and the lease that lets one runner at a time
sweep."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class EscalationRuleRow(Base):
    """At `threshold` percent (50, 75, 100) of a `clock` ("response", "resolution") of an
    incident under `policy_id`, do `action` (app.domain.escalation.RuleAction)."""

    __tablename__ = "escalation_rules"
    __table_args__ = (UniqueConstraint("policy_id", "clock", "threshold", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("sla_policies.id", ondelete="CASCADE"))
    clock: Mapped[str] = mapped_column(String(12))
    threshold: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    # a functional escalation's group; None: the first group (by name) of the next line
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))


class EscalationFired(Base):
    """One action done (or refused) for one incident, clock and threshold: its key makes it
    happen once, whichever workstation or scheduled command sweeps."""

    __tablename__ = "escalation_fired"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    clock: Mapped[str] = mapped_column(String(12), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(30), primary_key=True)
    rule_id: Mapped[int | None] = mapped_column(Integer)  # the rule may be deleted later
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(500))  # what was done, or why not, in words


class Lease(Base):
    """Who runs a job alone ("escalation") until when. The holder renews it; a holder that
    stops renewing loses it at `expires_at` (on PostgreSQL an advisory lock decides, and this
    row only says who holds it)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
