"""Open a task for medical waste still in the temporary store 48 hours after it went in.

The transfer form (``medical_waste_transfer``) judges a collection that came late; this job finds
the waste nobody has collected yet: an intake (``medical_waste_handover``) at a store with no
collection recorded at that store since it went in. A collection takes away everything stored
before it. Each overdue intake is reported once (it stays linked to its task), so a second run
opens nothing; intakes recorded in the last ``LOOKBACK`` are considered, enough to catch up after
downtime without reading the whole register every hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from server.models import Location, RecordEntry, RectificationTask, task_records
from server.services import notifications
from server.services.checklists import current_versions
from server.services.locks import lock_every_hospital
from server.services.tasks import TaskLedger, record_rule_problem

INTAKE, COLLECTION, RULE = "medical_waste_handover", "medical_waste_transfer", "stored_max_48h"
LOOKBACK = timedelta(days=14)


def run(session: Session, now: datetime, config: dict) -> dict:
    """Report every intake stored longer than the rule allows with no collection since."""
    lock_every_hospital(session)  # first: it may open a task at any place (docs/sync.md)
    found = _current_rule(session)
    if found is None:
        return {"reported": 0}
    checklist_id, form, rule = found
    limit = timedelta(hours=rule["max"])
    overdue = _uncollected(session, now, limit)
    if not overdue:
        return {"reported": 0}
    locations = {
        place.id: place
        for place in session.scalars(
            select(Location)
            .where(Location.id.in_({r.location_id for r in overdue}))
            .options(joinedload(Location.hospital))
        )
    }
    ledger = TaskLedger(session, None, now)
    ledger.load_open({(r.hospital_id, r.location_id, f"{COLLECTION}.{RULE}") for r in overdue})
    for intake in sorted(overdue, key=lambda r: _moment(r.fields["stored_at"])):
        place = locations[intake.location_id]
        found_at = _moment(intake.fields["stored_at"]) + limit
        problem = record_rule_problem(place, checklist_id, form, rule, found_at)
        ledger.report_failure(problem, place.hospital.timezone, record_id=intake.id)
    ledger.write()
    notifications.notify_ledger(session, ledger, None, now)
    return {"reported": len(overdue), "opened": len(ledger.opened)}


def _uncollected(session: Session, now: datetime, limit: timedelta) -> list[RecordEntry]:
    """Return the intakes not yet reported, stored longer than ``limit``, not collected since."""
    reported = (
        select(task_records.c.record_id)
        .join(RectificationTask, RectificationTask.id == task_records.c.task_id)
        .where(RectificationTask.item_id == f"{COLLECTION}.{RULE}")
    )
    intakes = session.scalars(
        select(RecordEntry).where(
            RecordEntry.record_type == INTAKE,
            RecordEntry.recorded_at >= now - LOOKBACK,
            RecordEntry.id.not_in(reported),
        )
    ).all()
    late = [r for r in intakes if now - _moment(r.fields["stored_at"]) > limit]
    if not late:
        return []
    # A collection is recorded after the waste went in; a day's margin for devices' clocks.
    earliest = min(_moment(r.fields["stored_at"]) for r in late) - timedelta(days=1)
    collections = _collections(session, {r.location_id for r in late}, earliest)
    return [
        r
        for r in late
        if not any(t >= _moment(r.fields["stored_at"]) for t in collections.get(r.location_id, ()))
    ]


def _current_rule(session: Session) -> tuple[str, dict, dict] | None:
    """Return the checklist, transfer form and 48-hour rule of the current versions, if any."""
    for version in current_versions(session):
        for form in version.definition.get("record_types", []):
            if form["id"] == COLLECTION:
                rule = next((r for r in form["rules"] if r["id"] == RULE), None)
                return (version.checklist_id, form, rule) if rule else None
    return None


def _collections(session: Session, location_ids: set[int], since: datetime) -> dict:
    """Return when each store's waste was collected, by location, from the transfer records."""
    rows = session.scalars(
        select(RecordEntry).where(
            RecordEntry.record_type == COLLECTION,
            RecordEntry.location_id.in_(location_ids),
            RecordEntry.recorded_at >= since,
        )
    )
    found: dict[int, list[datetime]] = {}
    for row in rows:
        found.setdefault(row.location_id, []).append(_moment(row.fields["collected_at"]))
    return found


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)
