"""Post-incident reviews (app.domain.review): one per incident, its pages as JSON."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class IncidentReview(Base):
    __tablename__ = "incident_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(20))  # app.domain.review.ReviewState
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the pages' texts, the five whys and the action items (JSON object)
    content: Mapped[str] = mapped_column(Text, default="{}")
    # the timeline lines, each with its evidence (JSON list)
    timeline: Mapped[str] = mapped_column(Text, default="[]")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012
