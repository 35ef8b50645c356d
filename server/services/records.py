"""Logs kept at places (record-form entries), as their readers may see them.

Inspectors visiting a place look at its recent logs; a recorder looks back at the logs they kept
(the Records screen shows today's status from them). Scope follows the policy table: those who
read every log see their hospitals', everyone else only the entries they recorded themselves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import RecordEntry, User
from server.services.permissions import sees_all_records, visible_hospital_ids


def list_records(
    session: Session,
    user: User,
    *,
    location_id: int | None = None,
    record_type: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[RecordEntry]:
    """Return the newest logs the user may see, optionally of one place, form or period."""
    query = select(RecordEntry).where(RecordEntry.hospital_id.in_(visible_hospital_ids(user)))
    if not sees_all_records(user):
        query = query.where(RecordEntry.recorded_by_id == user.id)
    if location_id:
        query = query.where(RecordEntry.location_id == location_id)
    if record_type:
        query = query.where(RecordEntry.record_type == record_type)
    if since:
        query = query.where(RecordEntry.recorded_at >= since)
    return list(
        session.scalars(query.order_by(RecordEntry.recorded_at.desc()).limit(min(limit, 500)))
    )
