"""Open a task when a place's expected log was not kept on a local day.

A record form may say how often it is expected (``expected: {per: day, count: N}``) and where
(``applies_to``: place uses). For each active place of those uses and each of the last
``LOOKBACK_DAYS`` finished local days (in the hospital's time zone) with fewer than N entries,
the job reports a problem ``<form>.missing`` routed like the form (``responsible``), with the
severity and points the form's ``expected`` gives. Each (place, form, day) is reported once
(``missing_logs`` holds it, unique), so a second run opens nothing; a second short day at the same
place adds an occurrence to the task while it is still open. Today is never judged: it is not
over yet.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from server.models import Hospital, Location, MissingLog, RecordEntry
from server.services import notifications
from server.services.checklists import current_versions
from server.services.locks import lock_every_hospital
from server.services.tasks import Problem, TaskLedger, record_rule_problem
from server.timeutil import end_of_local_day, local_date

# Yesterday and the day before: enough to catch up after a night's downtime, without opening
# tasks for the weeks before the forms were first expected.
LOOKBACK_DAYS = 2
RULE = "missing"


def run(session: Session, now: datetime, config: dict) -> dict:
    """Report every place, form and recent day whose log fell short of what is expected."""
    lock_every_hospital(session)  # first: it may open a task at any place (docs/sync.md)
    forms = _expected_forms(session)
    if not forms:
        return {"reported": 0}
    places = list(
        session.scalars(
            select(Location)
            .where(
                Location.active, Location.use.in_({u for _, f in forms for u in f["applies_to"]})
            )
            .options(joinedload(Location.hospital))
        )
    )
    if not places:
        return {"reported": 0}
    counts = _counts(session, places, {f["id"] for _, f in forms}, now)
    reported = _reported(session, places, now)
    short = sorted(
        (
            (place, checklist_id, form, day, counts[(place.id, form["id"], day)])
            for place in places
            for checklist_id, form in forms
            if place.use in form["applies_to"]
            for day in _days(now, place.hospital)
            if counts[(place.id, form["id"], day)] < form["expected"]["count"]
            and (place.id, form["id"], day) not in reported
        ),
        key=lambda row: row[3],
    )
    if not short:
        return {"reported": 0}
    ledger = TaskLedger(session, None, now)
    ledger.load_open({(p.hospital_id, p.id, f"{form['id']}.{RULE}") for p, _, form, _, _ in short})
    tasks = []
    for place, checklist_id, form, day, found in short:
        problem = _problem(place, checklist_id, form, day, found)
        tasks.append(ledger.report_failure(problem, place.hospital.timezone, source="record"))
    ledger.write()
    session.add_all(
        MissingLog(
            hospital_id=place.hospital_id,
            location_id=place.id,
            record_type=form["id"],
            day=day,
            found=found,
            task_id=task.id,
        )
        for (place, _, form, day, found), task in zip(short, tasks, strict=True)
    )
    session.flush()
    notifications.notify_ledger(session, ledger, None, now)
    return {"reported": len(short), "opened": len(ledger.opened)}


def _expected_forms(session: Session) -> list[tuple[str, dict]]:
    """Return (checklist id, form) for every current form that says how often it is expected."""
    return [
        (version.checklist_id, form)
        for version in current_versions(session)
        for form in version.definition.get("record_types", [])
        if form.get("expected", {}).get("per") == "day"
    ]


def _days(now: datetime, hospital: Hospital) -> list[date]:
    """Return the finished local days the job judges at ``hospital``, oldest first."""
    start = hospital.settings.get("logs_expected_from")
    if start is None:
        return []
    today = local_date(now, hospital.timezone)
    days = [today - timedelta(days=back) for back in range(LOOKBACK_DAYS, 0, -1)]
    return [day for day in days if day >= date.fromisoformat(start)]


def _counts(session: Session, places: list[Location], form_ids: set[str], now: datetime) -> Counter:
    """Count the entries of each place, form and local day in the lookback window."""
    tz_of = {place.id: place.hospital.timezone for place in places}
    rows = session.execute(
        select(RecordEntry.location_id, RecordEntry.record_type, RecordEntry.recorded_at).where(
            RecordEntry.location_id.in_(tz_of),
            RecordEntry.record_type.in_(form_ids),
            # A day's margin either side of the window for time zones.
            RecordEntry.recorded_at >= now - timedelta(days=LOOKBACK_DAYS + 1),
        )
    )
    return Counter(
        (location_id, record_type, local_date(recorded_at, tz_of[location_id]))
        for location_id, record_type, recorded_at in rows
    )


def _reported(session: Session, places: list[Location], now: datetime) -> set:
    """Return the (place, form, day) already reported in the window."""
    rows = session.execute(
        select(MissingLog.location_id, MissingLog.record_type, MissingLog.day).where(
            MissingLog.location_id.in_([place.id for place in places]),
            MissingLog.day >= (now - timedelta(days=LOOKBACK_DAYS + 1)).date(),
        )
    )
    return {tuple(row) for row in rows}


def _problem(place: Location, checklist_id: str, form: dict, day: date, found: int) -> Problem:
    """Describe one short day as a broken rule of the form, weighed as its ``expected`` says."""
    wanted = form["expected"]["count"]
    rule = {
        **form["expected"],
        "id": RULE,
        "text": {
            "zh-CN": f"{day.isoformat()} 应记录 {wanted} 次，实有 {found} 次",
            "en": f"{day.isoformat()} expected {wanted}, found {found}",
        },
    }
    found_at = end_of_local_day(day, place.hospital.timezone)
    return record_rule_problem(place, checklist_id, form, rule, found_at)
