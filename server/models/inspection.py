"""What a device recorded: inspections, their findings, record-form entries and photo slots.

All of these are created on a device with a UUID and are immutable once stored; ``content_sha256``
is the hash of the normalised content, so a replay can be told from a conflicting edit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, JSONType
from server.timeutil import utcnow

INSPECTION_KINDS = ("self", "mutual", "supervision", "unannounced")


class Inspection(Base):
    """One visit to one location with one checklist version."""

    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('self', 'mutual', 'supervision', 'unannounced')", name="kind_known"
        ),
        Index("ix_inspections_hospital_started", "hospital_id", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    checklist_id: Mapped[str] = mapped_column(String(80))
    checklist_version: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # The same-day feedback's handwritten signatures: [{"role", "name", "photo_id", "signed_at"}].
    signatures: Mapped[list[Any] | None] = mapped_column(JSONType, nullable=True)
    device_id: Mapped[str] = mapped_column(String(120))
    content_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    findings: Mapped[list[Finding]] = relationship(back_populates="inspection")


class Finding(Base):
    """The answer to one checklist item; ``verdict`` is the server's judgement of it."""

    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint("result IN ('pass', 'fail', 'na')", name="result_known"),
        CheckConstraint("verdict IN ('pass', 'fail', 'na')", name="verdict_known"),
        Index("ix_findings_location_item", "location_id", "item_id"),
        Index("ix_findings_hospital_recorded", "hospital_id", "recorded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"), index=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    checklist_id: Mapped[str] = mapped_column(String(80))
    checklist_version: Mapped[int]
    item_id: Mapped[str] = mapped_column(String(80))
    result: Mapped[str] = mapped_column(String(4))
    verdict: Mapped[str] = mapped_column(String(4))
    # A number, a choice option id or a text, depending on the item type.
    value: Mapped[Any | None] = mapped_column(JSONType, nullable=True)
    severity: Mapped[str] = mapped_column(String(10))
    points: Mapped[float]
    note: Mapped[str] = mapped_column(Text, default="")
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("findings.id"), index=True)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    inspection: Mapped[Inspection] = relationship(back_populates="findings")
    photo_slots: Mapped[list[PhotoSlot]] = relationship(
        viewonly=True, order_by="PhotoSlot.position"
    )


class RecordEntry(Base):
    """A filled-in record form (waste handover, disinfection log, …) judged against its rules."""

    __tablename__ = "record_entries"
    __table_args__ = (
        CheckConstraint("verdict IN ('pass', 'fail')", name="verdict_known"),
        Index("ix_record_entries_hospital_type", "hospital_id", "record_type"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inspections.id"), index=True
    )
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    record_type: Mapped[str] = mapped_column(String(60))
    checklist_id: Mapped[str] = mapped_column(String(80))
    checklist_version: Mapped[int]
    fields: Mapped[dict[str, Any]]
    verdict: Mapped[str] = mapped_column(String(4))
    # The rules the record broke: [{"id", "severity", "points"}].
    failed_rules: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    device_id: Mapped[str] = mapped_column(String(120))
    content_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhotoSlot(Base):
    """A photo a finding, task evidence or a signature says it has: expected until uploaded.

    The slot is what ties a photo to something a user may see; the bytes arrive separately, before
    or after, as a ``Photo`` with the same id. A handwritten signature's image has a slot naming
    its inspection (the same-day feedback) or its record entry (a form's signature field).
    """

    __tablename__ = "photo_slots"

    photo_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    finding_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("findings.id"), index=True)
    submission_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("task_submissions.id"), index=True
    )
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("inspections.id"), index=True
    )
    record_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("record_entries.id"), index=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    bytes: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    # A marked-up copy (circles, arrows, words drawn on the device) names the photo of the same
    # finding it was drawn on; that original stays beside it, unchanged.
    original_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
