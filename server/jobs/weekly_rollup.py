"""Snapshot last week's rollup every Monday from 07:00 hospital time, catching up missed weeks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Hospital, WeeklyRollup
from server.timeutil import local_date

PUBLISH_AT = time(7, 0)  # Monday, hospital time
CATCH_UP_WEEKS = 8


def iso_week(day: date) -> str:
    """Return the ISO week of ``day`` as ``2026-W47``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_due(hospital: Hospital, now: datetime) -> list[str]:
    """Return the finished weeks whose snapshot is due by ``now`` (newest last).

    A week is due from the following Monday 07:00 local time; weeks that ended before the
    hospital was set up are skipped.
    """
    tz = ZoneInfo(hospital.timezone)
    this_monday = local_date(now, hospital.timezone)
    this_monday -= timedelta(days=this_monday.weekday())
    due = []
    for back in range(CATCH_UP_WEEKS, 0, -1):
        monday = this_monday - timedelta(weeks=back)
        week_end = datetime.combine(monday + timedelta(days=7), time.min, tzinfo=tz)
        publish = datetime.combine(monday + timedelta(days=7), PUBLISH_AT, tzinfo=tz)
        if publish <= now and week_end > hospital.created_at:
            due.append(iso_week(monday))
    return due


def run(session: Session, now: datetime, config: dict) -> dict:
    """Store every due, missing snapshot (once per hospital and week)."""
    from server.services.rollups import snapshot_week

    stored = []
    for hospital in session.scalars(select(Hospital)):
        existing = set(
            session.scalars(
                select(WeeklyRollup.week).where(WeeklyRollup.hospital_id == hospital.id)
            )
        )
        for week in weeks_due(hospital, now):
            if week not in existing:
                snapshot_week(session, hospital, week, now)
                stored.append(f"{hospital.code}:{week}")
    return {"stored": stored}
