"""A day a place lacked an expected log, reported once: keeps the missing-logs job idempotent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.timeutil import utcnow


class MissingLog(Base):
    """One (place, form, local day) whose log fell short, and the task it went into.

    The unique key makes "once per place, form and day" a database guarantee, whichever process
    runs the job; the task may collect several days as occurrences.
    """

    __tablename__ = "missing_logs"
    __table_args__ = (UniqueConstraint("location_id", "record_type", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    record_type: Mapped[str] = mapped_column(String(60))
    day: Mapped[date] = mapped_column(Date)
    found: Mapped[int]  # entries there were, fewer than expected
    task_id: Mapped[int] = mapped_column(ForeignKey("rectification_tasks.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
