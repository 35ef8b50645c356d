"""The monthly 通报: the department ranking of a calendar month and its worst problems.

Months are calendar months ("2026-11") in the hospital's time zone: [the 1st 00:00, the next
month's 1st 00:00) local. The 通报 is always computed from the stored rows (no snapshot): it is
read a few times a month, and a finding synced late should still count in its own month.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import case, select, union
from sqlalchemy.orm import Session

from server.errors import Invalid
from server.models import (
    Department,
    Finding,
    Hospital,
    Location,
    RecordEntry,
    RectificationTask,
    User,
    task_findings,
    task_records,
)
from server.services.deductions import corrected_findings, live_failures
from server.services.permissions import require, visible_hospital_ids
from server.services.ranking import Period, department_ranking
from server.services.rollups import top_failing_items
from server.timeutil import as_utc, isoformat, local_date, month_bounds, utcnow

WORST = 10
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_SEVERITY_ORDER = {"critical": 0, "major": 1, "minor": 2}
T = RectificationTask


def parse_month(month: str) -> tuple[int, int]:
    """Return (year, month) of "YYYY-MM", or raise 422 naming the field ``month``."""
    match = _MONTH.fullmatch(month or "")
    if match and 1900 <= int(match[1]) <= 9998 and 1 <= int(match[2]) <= 12:
        return int(match[1]), int(match[2])
    raise Invalid(
        f"{month!r} is not a month like 2026-11.",
        code="report.invalid_month",
        errors={"month": ["Not a month like 2026-11."]},
    )


def format_month(day: date) -> str:
    """Return the month of ``day`` as "YYYY-MM"."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(month: str) -> str:
    """Return the month before ``month``."""
    year, number = parse_month(month)
    return format_month(date(year, number, 1) - timedelta(days=1))


def month_period(month: str, tz: str) -> Period:
    """Return ``month`` as a period in time zone ``tz``."""
    return Period(month, *month_bounds(*parse_month(month), tz))


def _found_in(hospital_id: int, period: Period, corrected: list):
    """Select the tasks of the month's live failures and broken record rules."""
    failures = select(Finding.id).where(
        live_failures(hospital_id, period.start, period.end, corrected)
    )
    breaches = select(RecordEntry.id).where(
        RecordEntry.hospital_id == hospital_id,
        RecordEntry.verdict == "fail",
        RecordEntry.recorded_at >= period.start,
        RecordEntry.recorded_at < period.end,
    )
    return union(
        select(task_findings.c.task_id).where(task_findings.c.finding_id.in_(failures)),
        select(task_records.c.task_id).where(task_records.c.record_id.in_(breaches)),
    )


def _worst_problems(
    session: Session, hospital: Hospital, period: Period, as_of, corrected: list
) -> list[dict]:
    """Return the problems found in the month, worst first: most severe, most repeated, due first.

    "Found in the month" goes by when the failure was recorded, not when the task reached the
    server, so a phone that synced late still reports its problems in their month.
    """
    severity = case(_SEVERITY_ORDER, value=T.severity, else_=len(_SEVERITY_ORDER))
    rows = session.execute(
        select(
            T.id,
            T.title_zh,
            T.title_en,
            T.severity,
            T.status,
            T.occurrences,
            T.due_at,
            T.closed_at,
            Location.id.label("location_id"),
            Location.code.label("location_code"),
            Location.name_zh.label("location_zh"),
            Location.name_en.label("location_en"),
            Department.id.label("department_id"),
            Department.name_zh.label("department_zh"),
            Department.name_en.label("department_en"),
        )
        .join(Location, Location.id == T.location_id)
        .outerjoin(Department, Department.id == T.department_id)
        .where(
            T.hospital_id == hospital.id,
            T.id.in_(_found_in(hospital.id, period, corrected)),
            T.status != "cancelled",
        )
        .order_by(severity, T.occurrences.desc(), T.due_at, T.id)
        .limit(WORST)
    ).all()
    problems = []
    for row in rows:
        due_at = as_utc(row.due_at)
        finished = as_utc(row.closed_at) if row.closed_at else None
        problems.append(
            {
                "task_id": row.id,
                "title": {"zh-CN": row.title_zh, "en": row.title_en},
                "location": {
                    "id": row.location_id,
                    "code": row.location_code,
                    "name": {"zh-CN": row.location_zh, "en": row.location_en},
                },
                "department": None
                if row.department_id is None
                else {
                    "id": row.department_id,
                    "name": {"zh-CN": row.department_zh, "en": row.department_en},
                },
                "severity": row.severity,
                "occurrences": row.occurrences,
                "status": row.status,
                "due_date": local_date(due_at, hospital.timezone).isoformat(),
                # Missed its deadline: closed after it, or still open past it at ``as_of``.
                "late": due_at < (finished or as_of),
            }
        )
    return problems


def compute_monthly(
    session: Session, hospital: Hospital, month: str, now: datetime | None = None
) -> dict:
    """Compute the 通报 of ``month`` for ``hospital`` (JSON-ready)."""
    now = as_utc(now or utcnow())
    period = month_period(month, hospital.timezone)
    previous = month_period(previous_month(month), hospital.timezone)
    as_of = min(period.end, now)
    corrected = corrected_findings(session, hospital.id, period.start, period.end)
    return {
        "hospital": {
            "id": hospital.id,
            "code": hospital.code,
            "name": {"zh-CN": hospital.name_zh, "en": hospital.name_en},
            "timezone": hospital.timezone,
        },
        "month": month,
        "start": isoformat(period.start),
        "end": isoformat(period.end),
        "first_day": local_date(period.start, hospital.timezone).isoformat(),
        "last_day": (local_date(period.end, hospital.timezone) - timedelta(days=1)).isoformat(),
        "as_of": isoformat(as_of),
        "generated_at": isoformat(now),
        "ranking": department_ranking(session, hospital, period, previous),
        "top_failing_items": top_failing_items(
            session, hospital.id, period.start, period.end, corrected
        ),
        "worst_problems": _worst_problems(session, hospital, period, as_of, corrected),
    }


def monthly_for(
    session: Session,
    user: User,
    month: str,
    hospital_id: int | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Return the 通报 of ``month`` for each hospital the user may see (or just ``hospital_id``)."""
    now = as_utc(now or utcnow())
    require(user, "reports.read", hospital_id)
    parse_month(month)
    ids = [hospital_id] if hospital_id is not None else visible_hospital_ids(user)
    hospitals = session.scalars(select(Hospital).where(Hospital.id.in_(ids)).order_by(Hospital.id))
    reports = []
    for hospital in hospitals:
        if month_period(month, hospital.timezone).start > now:
            raise Invalid(
                f"Month {month} has not begun yet.",
                code="report.month_in_future",
                errors={"month": ["The month has not begun yet."]},
            )
        reports.append(compute_monthly(session, hospital, month, now))
    return reports


def default_month(session: Session, user: User, fallback_tz: str, now: datetime | None = None):
    """Return the running month in the time zone of the first hospital the user may see."""
    first = session.scalars(
        select(Hospital.timezone)
        .where(Hospital.id.in_(visible_hospital_ids(user)))
        .order_by(Hospital.id)
        .limit(1)
    ).first()
    return format_month(local_date(now or utcnow(), first or fallback_tz))
