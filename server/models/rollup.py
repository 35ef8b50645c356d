"""Weekly rollup snapshots: one per hospital and ISO week, written by the Monday job."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.timeutil import utcnow


class WeeklyRollup(Base):
    """The rollup of a finished week, frozen as the job computed it."""

    __tablename__ = "weekly_rollups"
    __table_args__ = (UniqueConstraint("hospital_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    week: Mapped[str] = mapped_column(String(8))  # "2026-W47"
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
