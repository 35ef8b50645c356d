"""Reading stored inspections and how complete their photos are (who sees which: permissions)."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from server.errors import NotFound
from server.models import Finding, Inspection, Photo, PhotoSlot, RecordEntry, User
from server.services.permissions import (
    may_see_inspection,
    sees_all_inspections,
    visible_hospital_ids,
)


def counts_as_visit() -> ColumnElement[bool]:
    """Return the condition under which an ``Inspection`` row counts as coverage.

    An inspection is stored when it arrives, before its answers (they may come in a later push,
    docs/sync.md#empty-inspections); it counts once it holds a judged answer (pass or fail, not
    only N/A) or a record form. An inspection nobody answered checked nothing.
    """
    judged = select(Finding.id).where(
        Finding.inspection_id == Inspection.id, Finding.result != "na"
    )
    recorded = select(RecordEntry.id).where(RecordEntry.inspection_id == Inspection.id)
    return or_(judged.exists(), recorded.exists())


def _photo_states(session: Session, finding_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict]]:
    rows = session.execute(
        select(PhotoSlot, Photo.id.is_not(None))
        .outerjoin(Photo, Photo.id == PhotoSlot.photo_id)
        .where(PhotoSlot.finding_id.in_(finding_ids))
        .order_by(PhotoSlot.position)
    )
    states: dict[uuid.UUID, list[dict]] = {}
    for slot, present in rows:
        states.setdefault(slot.finding_id, []).append(
            {
                "photo_id": slot.photo_id,
                "sha256": slot.sha256,
                "bytes": slot.bytes,
                "present": bool(present),
                "original_id": slot.original_id,
            }
        )
    return states


def _signature_states(session: Session, inspection: Inspection) -> list[dict]:
    """Return the inspection's signatures, each with its image's slot and whether it arrived."""
    if not inspection.signatures:
        return []
    rows = session.execute(
        select(PhotoSlot, Photo.id.is_not(None))
        .outerjoin(Photo, Photo.id == PhotoSlot.photo_id)
        .where(PhotoSlot.inspection_id == inspection.id)
    )
    slots = {
        str(slot.photo_id): {
            "photo_id": slot.photo_id,
            "sha256": slot.sha256,
            "bytes": slot.bytes,
            "present": present,
        }
        for slot, present in rows
    }
    return [
        {**signature, "photo": slots[signature["photo_id"]]}
        for signature in inspection.signatures
        if signature["photo_id"] in slots
    ]


def describe(session: Session, inspection: Inspection) -> dict:
    """Return the inspection with its findings, photo states and completeness."""
    findings = list(
        session.scalars(
            select(Finding)
            .where(Finding.inspection_id == inspection.id)
            .order_by(Finding.recorded_at)
        )
    )
    states = _photo_states(session, [f.id for f in findings])
    superseded = {f.supersedes_id for f in findings if f.supersedes_id}
    described = [
        {
            **{
                c: getattr(f, c)
                for c in (
                    "id",
                    "item_id",
                    "result",
                    "verdict",
                    "value",
                    "note",
                    "severity",
                    "points",
                    "supersedes_id",
                    "recorded_at",
                )
            },
            "superseded": f.id in superseded,
            "photos": states.get(f.id, []),
        }
        for f in findings
    ]
    signed = _signature_states(session, inspection)
    slots = [slot for photos in states.values() for slot in photos] + [
        signature["photo"] for signature in signed
    ]
    present = sum(1 for slot in slots if slot["present"])
    fields = (
        "id",
        "hospital_id",
        "location_id",
        "inspector_id",
        "checklist_id",
        "checklist_version",
        "kind",
        "started_at",
        "finished_at",
        "note",
        "received_at",
    )
    return {
        **{name: getattr(inspection, name) for name in fields},
        "findings": described,
        "signatures": signed,
        "photos_expected": len(slots),
        "photos_present": present,
        "complete": present == len(slots),
    }


def get_inspection(session: Session, user: User, inspection_id: uuid.UUID) -> dict:
    """Return one inspection the user may see (404 otherwise)."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or not may_see_inspection(user, inspection):
        raise NotFound("No such inspection.", code="inspection.not_found")
    return describe(session, inspection)


def list_inspections(
    session: Session,
    user: User,
    *,
    location_id: int | None = None,
    mine: bool = False,
    limit: int = 50,
) -> list[dict]:
    """Return the newest inspections the user may see (``mine``: only those they made)."""
    query = select(Inspection).where(Inspection.hospital_id.in_(visible_hospital_ids(user)))
    if mine or not sees_all_inspections(user):
        query = query.where(Inspection.inspector_id == user.id)
    if location_id:
        query = query.where(Inspection.location_id == location_id)
    rows = session.scalars(query.order_by(Inspection.started_at.desc()).limit(min(limit, 200)))
    return [describe(session, inspection) for inspection in rows]
