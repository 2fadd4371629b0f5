"""Categories (a tree, each with a default group) and services / configuration items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_categories_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    default_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    # what an incident logged in the category starts with (None: the form's own default)
    default_impact: Mapped[int | None] = mapped_column(Integer)
    default_urgency: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ConfigItem(Base):
    """An affected service or configuration item."""

    __tablename__ = "config_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="service")  # service | ci
    description: Mapped[str | None] = mapped_column(String(1000))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class IncidentService(Base):
    """A service or configuration item an incident also affects, beside its primary one
    (`incidents.config_item_id`)."""

    __tablename__ = "incident_services"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    config_item_id: Mapped[int] = mapped_column(ForeignKey("config_items.id"), primary_key=True)
    # the order the agent listed them in
    position: Mapped[int] = mapped_column(Integer, default=0)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# the open incidents on a service: its secondary listings (the primary ones: ix_incidents_service)
Index("ix_incident_services_item", IncidentService.config_item_id, IncidentService.incident_id)
