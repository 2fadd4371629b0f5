"""Categories (a tree, each with a default group) and services / configuration items."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_categories_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    default_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
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
