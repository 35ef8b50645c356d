"""The change log devices pull: one row per changed entity, at its newest sequence number.

A row is written in the same transaction as the change it announces. Older rows of the same
entity are deleted, so a pull returns each entity once, at its current state.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.timeutil import utcnow

CHANGE_KINDS = ("task", "checklist", "location", "department")


class Change(Base):
    """``seq`` orders changes; ``hospital_id`` None means every hospital (checklists)."""

    __tablename__ = "changes"
    # AUTOINCREMENT on SQLite: a plain INTEGER PRIMARY KEY reuses the highest rowid once that row
    # is deleted, and replacing an entity's row deletes it — a device whose cursor is at that
    # number would never see the new change. PostgreSQL's sequence never goes back.
    __table_args__ = (
        Index("ix_changes_kind_entity", "kind", "entity_id"),
        {"sqlite_autoincrement": True},
    )

    # SQLite only autoincrements an INTEGER PRIMARY KEY; PostgreSQL gets a bigint.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    hospital_id: Mapped[int | None] = mapped_column(ForeignKey("hospitals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[str] = mapped_column(String(80))
    op: Mapped[str] = mapped_column(String(10), default="upsert")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
