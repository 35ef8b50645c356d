"""Coverage (半月覆盖): tell supervisors which places nobody inspected in the last 14 days."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Hospital, Inspection, Location
from server.services.inspections import counts_as_visit
from server.services.notifications import notify
from server.services.users import users_with_role
from server.timeutil import local_date


def uncovered_locations(session: Session, hospital_id: int, since: datetime) -> list[Location]:
    """Return the hospital's inspectable places with no answered inspection since ``since``."""
    inspected = select(Inspection.id).where(
        Inspection.location_id == Location.id, Inspection.started_at >= since, counts_as_visit()
    )
    return list(
        session.scalars(
            select(Location)
            .where(
                Location.hospital_id == hospital_id,
                Location.active,
                Location.kind.in_(("area", "point")),
                ~inspected.exists(),
            )
            .order_by(Location.code)
        )
    )


def run(session: Session, now: datetime, config: dict) -> dict:
    """Notify each hospital's supervisors once a day while some place is not covered."""
    since = now - timedelta(days=config["COVERAGE_DAYS"])
    summary = {}
    for hospital in session.scalars(select(Hospital)):
        gaps = uncovered_locations(session, hospital.id, since)
        summary[hospital.code] = len(gaps)
        if not gaps:
            continue
        day = local_date(now, hospital.timezone).isoformat()
        notify(
            session,
            users_with_role(session, hospital.id, "supervisor"),
            hospital_id=hospital.id,
            code="coverage.gap",
            dedupe_key=f"coverage:{day}",
            now=now,
            chats=(None,),
            params={
                "count": len(gaps),
                "days": config["COVERAGE_DAYS"],
                "codes": [location.code for location in gaps[:20]],
            },
        )
    return {"uncovered": summary}
