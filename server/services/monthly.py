"""The monthly 通报: the department ranking of a calendar month and its worst problems.

Months are calendar months ("2026-11") in the hospital's time zone: [the 1st 00:00, the next
month's 1st 00:00) local. The 通报 is always computed from the stored rows (no snapshot): it is
read a few times a month, and a finding synced late should still count in its own month.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, select, union
from sqlalchemy.orm import Session

from server.errors import Invalid
from server.models import (
    Finding,
    Hospital,
    RecordEntry,
    RectificationTask,
    User,
    task_findings,
    task_records,
)
from server.services.deductions import corrected_findings, live_failures
from server.services.permissions import require, visible_hospital_ids
from server.services.ranking import Period, department_ranking
from server.services.rollups import problem_list, top_failing_items
from server.timeutil import as_utc, isoformat, local_date, month_bounds, utcnow

WORST = 10
_WORST_KEYS = (
    "task_id",
    "title",
    "location",
    "department",
    "severity",
    "occurrences",
    "status",
    "due_date",
    "late",
)
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
    rows = problem_list(
        session,
        hospital,
        as_of,
        and_(T.id.in_(_found_in(hospital.id, period, corrected)), T.status != "cancelled"),
        order_by=(severity, T.occurrences.desc(), T.due_at, T.id),
        limit=WORST,
    )
    return [{key: row[key] for key in _WORST_KEYS} for row in rows]


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
