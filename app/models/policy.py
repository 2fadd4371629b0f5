"""Priority matrix versions, SLA policies with their targets, business calendars, settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class MatrixVersion(Base):
    """One saved version of the priority matrix; the highest id is current."""

    __tablename__ = "matrix_versions"

    id: Mapped[int] = mapped_column(primary_key=True)  # the version number
    impact_labels: Mapped[list[str]] = mapped_column(JSON)
    urgency_labels: Mapped[list[str]] = mapped_column(JSON)
    priority_labels: Mapped[list[str]] = mapped_column(JSON)
    cells: Mapped[list[list[int]]] = mapped_column(JSON)  # [impact-1][urgency-1]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    note: Mapped[str | None] = mapped_column(String(500))


class BusinessCalendarRow(Base):
    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    always: Mapped[bool] = mapped_column(Boolean, default=False)  # 24x7
    # 7 lists (Monday first) of ["08:00", "17:00"] pairs
    week: Mapped[list[list[list[str]]]] = mapped_column(JSON)
    holiday_country: Mapped[str | None] = mapped_column(String(8))  # for the holidays package
    holiday_subdiv: Mapped[str | None] = mapped_column(String(16))
    custom_holidays: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates


class SlaPolicyRow(Base):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_close_days: Mapped[int] = mapped_column(
        Integer, default=7
    )  # business days after resolution
    # a priority change re-measures the incident from its opening (True, ServiceNow's
    # "retroactive start") or starts the new target's clocks at the change (False)
    retroactive_start: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class SlaTargetRow(Base):
    __tablename__ = "sla_targets"

    policy_id: Mapped[int] = mapped_column(
        ForeignKey("sla_policies.id", ondelete="CASCADE"), primary_key=True
    )
    priority: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_s: Mapped[int] = mapped_column(Integer)
    resolution_s: Mapped[int] = mapped_column(Integer)
    # a calendar for this priority alone (e.g. 24x7 for P1); else the policy's
    calendar_override_id: Mapped[int | None] = mapped_column(ForeignKey("calendars.id"))


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
