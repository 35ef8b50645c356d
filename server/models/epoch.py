"""The sync epochs of a database: which history of the change log devices are following.

A device's pull cursor means something only within one history. A fresh database starts one, and
so does every restore from a backup (the history after the snapshot is gone). The newest row is
the current epoch; the pull answer carries it, and a device that sees another one pulls again
from the start.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.timeutil import utcnow

EPOCH_REASONS = ("created", "restored")


class SyncEpoch(Base):
    """One history of the change log; ``snapshot_taken_at`` says which backup a restore used."""

    __tablename__ = "sync_epochs"

    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str] = mapped_column(String(20))
    snapshot_taken_at: Mapped[datetime | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
