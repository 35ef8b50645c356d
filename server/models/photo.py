"""Uploaded photos: the verified, re-encoded image and its thumbnail, stored by content hash."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base
from server.timeutil import utcnow


class Photo(Base):
    """A photo the device uploaded; ``sha256`` is of the bytes sent, the keys of what is stored."""

    __tablename__ = "photos"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_bytes: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(40))
    image_key: Mapped[str] = mapped_column(String(80))
    thumb_key: Mapped[str] = mapped_column(String(80))
    width: Mapped[int]
    height: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
