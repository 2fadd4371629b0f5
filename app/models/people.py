"""Agents, their groups and roles, and callers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, utcnow

agent_groups = Table(
    "agent_groups",
    Base.metadata,
    Column("agent_id", ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # domain.roles.Role
    # deferred: no load of an Agent reads it (a person's own PostgreSQL role may not: only
    # admins' may, app.db.pg_roles), only a query that names it
    password_hash: Mapped[str | None] = mapped_column(String(300), deferred=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the agent says whether automatic assignment may give them incidents (main window)
    available: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # sign-in lock-out (app.services.users.authenticate): wrong passwords in a row, and until
    # when the user is locked out after too many
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    groups: Mapped[list[Group]] = relationship(
        secondary=agent_groups, back_populates="members", lazy="raise"
    )


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    line: Mapped[int] = mapped_column(Integer, default=1)  # support line 1, 2, 3
    supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL", use_alter=True)
    )
    email: Mapped[str | None] = mapped_column(String(200))
    # how an incident routed to the group gets its assignee: "manual", "round_robin",
    # "least_loaded" (app.domain.assignment)
    assignment: Mapped[str] = mapped_column(String(20), default="manual", server_default="manual")
    # round robin: the member who got the last one
    last_assigned_id: Mapped[int | None] = mapped_column(Integer)
    # a deactivated group leaves the pickers and takes no new incidents; its history stays
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    members: Mapped[list[Agent]] = relationship(
        secondary=agent_groups, back_populates="groups", lazy="raise"
    )


class Caller(Base):
    __tablename__ = "callers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # lower-cased name for prefix look-up as the agent types (range scan on an index)
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(60))
    department: Mapped[str | None] = mapped_column(String(120))
    # the caller's number in the organisation's HR directory (upper-cased), as callers give it
    employee_id: Mapped[str | None] = mapped_column(String(40), index=True)
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


Index("ix_agent_groups_group", agent_groups.c.group_id)
