"""The organisation a row belongs to: hospitals, their departments and their location tree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base
from server.timeutil import utcnow

LOCATION_KINDS = ("campus", "building", "floor", "area", "point")


class Hospital(Base):
    """A hospital: the scope every other row belongs to, with its own time zone and settings."""

    __tablename__ = "hospitals"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    departments: Mapped[list[Department]] = relationship(back_populates="hospital")


class Department(Base):
    """A department (科室) that can be responsible for a location or a rectification task."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("hospital_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))

    hospital: Mapped[Hospital] = relationship(back_populates="departments")


class Location(Base):
    """A place inspectors walk to: campus → building → floor → area/point, with a printable code.

    The code is what a QR label on the wall carries, so it is unique within a hospital.
    """

    __tablename__ = "locations"
    __table_args__ = (
        UniqueConstraint("hospital_id", "code"),
        CheckConstraint(
            "kind IN ('campus', 'building', 'floor', 'area', 'point')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # What the place is used for (server/domain/uses.py); None: unknown, every item applies.
    use: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)

    hospital: Mapped[Hospital] = relationship()
    parent: Mapped[Location | None] = relationship(remote_side=[id])
    department: Mapped[Department | None] = relationship()
