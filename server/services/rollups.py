"""The weekly rollup: what happened to rectification tasks in one ISO week of one hospital.

Weeks are ISO weeks ("2026-W47") in the hospital's time zone: [Monday 00:00, next Monday 00:00)
local. Every figure is a SQL aggregate (conditional sums grouped by department and severity,
one row of sums for the eight-week trend); only small results come back to Python: up to three
rows per department, ten items, the week's failing inspections (to leave out corrected answers),
the tasks closed in the week (for the median) and the open problem list.

A figure "at the end of the week" is taken at ``as_of``: the week's end, or ``now`` for the
week that is still running (so a task due on Saturday is not overdue on Tuesday).

A finished week is frozen once per hospital by ``snapshot_week`` (the Monday job); readers get
the stored snapshot for a finished week and a live computation otherwise.
"""

from __future__ import annotations

import re
import statistics
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.errors import Invalid
from server.models import (
    ChecklistVersion,
    Department,
    Finding,
    Hospital,
    Inspection,
    Location,
    RectificationTask,
    TaskSubmission,
    User,
    WeeklyRollup,
)
from server.schemas.checklist_definition import iter_items
from server.services.deductions import corrected_findings, department_deductions, live_failures
from server.services.inspections import counts_as_visit
from server.services.permissions import require, visible_hospital_ids
from server.services.ranking import COVERED_KINDS, Period, department_ranking
from server.timeutil import (
    as_utc,
    iso_week_bounds,
    isoformat,
    local_date,
    utcnow,
)

SEVERITIES = ("minor", "major", "critical")
# Age of an open task in whole days since it was created: bucket → (min days, max days).
AGE_BUCKETS = {"0-3": (0, 3), "4-7": (4, 7), "8-14": (8, 14), ">14": (15, None)}
TREND_WEEKS = 8
COVERAGE_DAYS = 14
TOP_ITEMS = 10
UNCOVERED_LIMIT = 50
NO_DEPARTMENT = {"zh-CN": "未指定科室", "en": "No department"}

_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})", re.ASCII)
T = RectificationTask


# --- weeks -----------------------------------------------------------------------------------


def parse_week(week: str) -> tuple[int, int]:
    """Return (ISO year, week number) of "YYYY-Www", or raise 422 naming the field ``week``."""
    match = _WEEK.fullmatch(week or "")
    if match:
        year, number = int(match[1]), int(match[2])
        try:
            if 1900 <= year <= 9998:
                date.fromisocalendar(year, number, 1)
                return year, number
        except ValueError:
            pass
    raise Invalid(
        f"{week!r} is not an ISO week like 2026-W47.",
        code="report.invalid_week",
        errors={"week": ["Not an ISO week like 2026-W47."]},
    )


def format_week(day: date) -> str:
    """Return the ISO week of ``day`` as "YYYY-Www"."""
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


def week_bounds(week: str, tz: str) -> tuple[datetime, datetime]:
    """Return [start, end) of ``week`` in time zone ``tz``, as aware UTC."""
    return iso_week_bounds(*parse_week(week), tz)


def shift_week(week: str, weeks: int) -> str:
    """Return the week ``weeks`` weeks after (negative: before) ``week``."""
    return format_week(date.fromisocalendar(*parse_week(week), 1) + timedelta(weeks=weeks))


def current_week(tz: str, now: datetime | None = None) -> str:
    """Return the week that contains ``now`` in time zone ``tz``."""
    return format_week(local_date(now or utcnow(), tz))


def last_completed_week(hospital: Hospital, now: datetime | None = None) -> str:
    """Return the newest week of ``hospital`` that has ended by ``now``."""
    return shift_week(current_week(hospital.timezone, now), -1)


# --- SQL building blocks ---------------------------------------------------------------------


def _count(condition) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), 0 when there are no rows."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _open_at(moment: datetime):
    """Select tasks that exist at ``moment`` and were not closed or cancelled before it."""
    return and_(T.created_at < moment, or_(T.closed_at.is_(None), T.closed_at >= moment))


def _alive(start: datetime, end: datetime):
    """Select tasks that existed at some time in [start, end): all that any figure counts."""
    return and_(T.created_at < end, or_(T.closed_at.is_(None), T.closed_at >= start))


def _in(column, start: datetime, end: datetime):
    return and_(column >= start, column < end)


def _week_counts(start: datetime, end: datetime, as_of: datetime, suffix: str = "") -> list:
    """Return the labelled counts of one week: open, new, closed, cancelled, overdue."""
    open_then = _open_at(as_of)
    return [
        _count(open_then).label(f"open{suffix}"),
        _count(_in(T.created_at, start, end)).label(f"new{suffix}"),
        _count(and_(T.status == "closed", _in(T.closed_at, start, end))).label(f"closed{suffix}"),
        _count(and_(T.status == "cancelled", _in(T.closed_at, start, end))).label(
            f"cancelled{suffix}"
        ),
        _count(and_(open_then, T.due_at < as_of)).label(f"overdue{suffix}"),
    ]


def _bilingual(zh: str | None, en: str | None) -> dict[str, str | None]:
    return {"zh-CN": zh, "en": en}


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --- the figures -----------------------------------------------------------------------------


COUNTS = ("open", "new", "closed", "overdue")


def _task_counts(session: Session, hospital_id: int, start, end, as_of) -> tuple[dict, dict, dict]:
    """Return (totals, by_severity, by_department counts) from one query over the tasks.

    The query groups by (department, severity): at most three rows per department, added up
    here, so the task table is scanned once for all three breakdowns.
    """
    ages = []
    for label, (low, high) in AGE_BUCKETS.items():
        condition = [_open_at(as_of), T.created_at <= as_of - timedelta(days=low)]
        if high is not None:
            condition.append(T.created_at > as_of - timedelta(days=high + 1))
        ages.append(_count(and_(*condition)).label(f"age{label}"))
    on_time = _count(
        and_(T.status == "closed", _in(T.closed_at, start, end), T.closed_at <= T.due_at)
    ).label("on_time")
    rows = session.execute(
        select(T.department_id, T.severity, *_week_counts(start, end, as_of), *ages, on_time)
        .where(T.hospital_id == hospital_id, _alive(start, end))
        .group_by(T.department_id, T.severity)
    ).mappings()
    names = ("open", "new", "closed", "cancelled", "overdue")
    totals = dict.fromkeys((*names, "on_time", *(f"age{label}" for label in AGE_BUCKETS)), 0)
    by_severity = {severity: dict.fromkeys(COUNTS, 0) for severity in SEVERITIES}
    by_department: dict[int | None, dict] = {}
    for row in rows:
        for key in totals:
            totals[key] += int(row[key])
        department = by_department.setdefault(row["department_id"], dict.fromkeys(COUNTS, 0))
        severity = by_severity.setdefault(row["severity"], dict.fromkeys(COUNTS, 0))
        for key in COUNTS:
            department[key] += int(row[key])
            severity[key] += int(row[key])
    return totals, by_severity, by_department


def _median_days_to_close(session: Session, hospital_id: int, start, end) -> float | None:
    """Median of (closed_at - created_at) in days over the tasks closed in the week."""
    spans = [
        (as_utc(closed) - as_utc(created)).total_seconds() / 86400
        for created, closed in session.execute(
            select(T.created_at, T.closed_at).where(
                T.hospital_id == hospital_id, T.status == "closed", _in(T.closed_at, start, end)
            )
        )
    ]
    return round(statistics.median(spans), 2) if spans else None


def _by_department(
    session: Session, hospital_id: int, start, end, counts: dict[int | None, dict], corrected: list
) -> list[dict]:
    """Return ``counts`` and the week's deductions per department; every department is listed."""
    deductions = department_deductions(session, hospital_id, start, end, corrected)
    departments = session.execute(
        select(Department.id, Department.code, Department.name_zh, Department.name_en).where(
            Department.hospital_id == hospital_id
        )
    ).all()
    listed = [(d.id, d.code, _bilingual(d.name_zh, d.name_en)) for d in departments]
    if None in counts or None in deductions:
        listed.append((None, None, dict(NO_DEPARTMENT)))
    result = []
    for department_id, code, name in listed:
        row = counts.get(department_id) or {}
        deducted = round(float(deductions.get(department_id) or 0), 2)
        result.append(
            {
                "department_id": department_id,
                "code": code,
                "name": name,
                **{key: row.get(key, 0) for key in COUNTS},
                "deductions": deducted,
                "score": round(max(0.0, 100 - deducted), 2),
            }
        )
    # Worst first: what leadership reads top-down.
    result.sort(key=lambda d: (-d["deductions"], -d["open"], -d["overdue"], d["code"] or "\uffff"))
    return result


def _item_texts(session: Session, wanted: set[tuple[str, int]]) -> dict[tuple[str, str], dict]:
    """Return {(checklist_id, item_id): text} from the given checklist versions."""
    if not wanted:
        return {}
    versions = session.scalars(
        select(ChecklistVersion).where(
            or_(
                *(
                    and_(ChecklistVersion.checklist_id == cid, ChecklistVersion.version == number)
                    for cid, number in wanted
                )
            )
        )
    )
    return {
        (version.checklist_id, item["id"]): item["text"]
        for version in versions
        for item in iter_items(version.definition)
    }


def top_failing_items(
    session: Session, hospital_id: int, start, end, corrected: list
) -> list[dict]:
    """Return the items that failed most often in the week, with their checklist text."""
    failures = func.count().label("failures")
    rows = session.execute(
        select(
            Finding.checklist_id,
            Finding.item_id,
            failures,
            func.max(Finding.checklist_version).label("version"),
        )
        .where(live_failures(hospital_id, start, end, corrected))
        .group_by(Finding.checklist_id, Finding.item_id)
        .order_by(failures.desc(), Finding.checklist_id, Finding.item_id)
        .limit(TOP_ITEMS)
    ).all()
    texts = _item_texts(session, {(row.checklist_id, row.version) for row in rows})
    return [
        {
            "checklist_id": row.checklist_id,
            "item_id": row.item_id,
            "text": texts.get((row.checklist_id, row.item_id))
            or {"zh-CN": row.item_id, "en": row.item_id},
            "failures": int(row.failures),
        }
        for row in rows
    ]


def _coverage(session: Session, hospital: Hospital, as_of: datetime) -> dict:
    """Active areas and points, and which had an answered inspection in the 14 days to ``as_of``."""
    since = as_of - timedelta(days=COVERAGE_DAYS)
    # The window's inspections come off the (hospital, started_at) index once, not per location.
    visited = Location.id.in_(
        select(Inspection.location_id).where(
            Inspection.hospital_id == hospital.id,
            Inspection.started_at >= since,
            Inspection.started_at < as_of,
            counts_as_visit(),
        )
    )
    scope = and_(
        Location.hospital_id == hospital.id,
        Location.active.is_(True),
        Location.kind.in_(COVERED_KINDS),
    )
    total, inspected = session.execute(
        select(func.count(), _count(visited)).select_from(Location).where(scope)
    ).one()
    uncovered = session.execute(
        select(Location.id, Location.code, Location.name_zh, Location.name_en)
        .where(scope, ~visited)
        .order_by(Location.code)
        .limit(UNCOVERED_LIMIT)
    ).all()
    return {
        "days": COVERAGE_DAYS,
        "since": isoformat(since),
        "locations": int(total),
        "inspected": int(inspected),
        "rate": _ratio(int(inspected), int(total)),
        "uncovered": [
            {"id": row.id, "code": row.code, "name": _bilingual(row.name_zh, row.name_en)}
            for row in uncovered
        ],
    }


def _trend(session: Session, hospital: Hospital, week: str, now: datetime) -> list[dict]:
    """Return new, closed, open and overdue of the eight weeks ending with ``week`` (one query)."""
    weeks = [shift_week(week, offset) for offset in range(1 - TREND_WEEKS, 1)]
    columns = []
    for index, label in enumerate(weeks):
        start, end = week_bounds(label, hospital.timezone)
        columns += _week_counts(start, end, min(end, now), suffix=f"_{index}")
    first, _ = week_bounds(weeks[0], hospital.timezone)
    row = (
        session.execute(select(*columns).where(T.hospital_id == hospital.id, _alive(first, end)))
        .mappings()
        .one()
    )
    return [
        {
            "week": label,
            **{key: int(row[f"{key}_{index}"]) for key in ("new", "closed", "open", "overdue")},
        }
        for index, label in enumerate(weeks)
    ]


def _latest_checks(session: Session, task_ids: list[int]) -> dict[int, str | None]:
    """Return the result of the newest verification or re-check of each task."""
    checks: dict[int, str | None] = {}
    for index in range(0, len(task_ids), 500):
        checks.update(_latest_checks_of(session, task_ids[index : index + 500]))
    return checks


def _latest_checks_of(session: Session, task_ids: list[int]) -> dict[int, str | None]:
    ranked = (
        select(
            TaskSubmission.task_id,
            TaskSubmission.result,
            func.row_number()
            .over(
                partition_by=TaskSubmission.task_id,
                order_by=(TaskSubmission.created_at.desc(), TaskSubmission.id.desc()),
            )
            .label("rank"),
        )
        .where(
            TaskSubmission.kind.in_(("verification", "recheck")),
            TaskSubmission.task_id.in_(task_ids),
        )
        .subquery()
    )
    return dict(
        session.execute(select(ranked.c.task_id, ranked.c.result).where(ranked.c.rank == 1)).all()
    )


def _problems(session: Session, hospital: Hospital, as_of: datetime) -> list[dict]:
    """Return the open problem list (问题清单) at ``as_of``, by deadline."""
    return problem_list(session, hospital, as_of, _open_at(as_of))


def problem_list(
    session: Session,
    hospital: Hospital,
    as_of: datetime,
    condition,
    *,
    order_by: tuple = (),
    limit: int | None = None,
) -> list[dict]:
    """Return the hospital's tasks that meet ``condition`` as problem-list rows.

    By deadline unless ``order_by`` says otherwise; the first ``limit`` rows when given.
    """
    query = (
        select(
            T.id,
            T.title_zh,
            T.title_en,
            T.status,
            T.severity,
            T.due_at,
            T.occurrences,
            T.source,
            T.source_ref,
            T.origin_id,
            T.department_id,
            T.assignee_id,
            T.created_at,
            T.closed_at,
            Location.id.label("location_id"),
            Location.code.label("location_code"),
            Location.name_zh.label("location_zh"),
            Location.name_en.label("location_en"),
            Department.name_zh.label("department_zh"),
            Department.name_en.label("department_en"),
            User.display_name.label("assignee_name"),
        )
        .join(Location, Location.id == T.location_id)
        .outerjoin(Department, Department.id == T.department_id)
        .outerjoin(User, User.id == T.assignee_id)
        .where(T.hospital_id == hospital.id, condition)
        .order_by(*(order_by or (T.due_at, T.id)))
    )
    rows = session.execute(query if limit is None else query.limit(limit)).all()
    checks = _latest_checks(session, [row.id for row in rows])
    problems = []
    for number, row in enumerate(rows, start=1):
        department = None
        if row.department_id is not None:
            department = {
                "id": row.department_id,
                "name": _bilingual(row.department_zh, row.department_en),
            }
        assignee = None
        if row.assignee_id is not None:
            assignee = {"id": row.assignee_id, "display_name": row.assignee_name}
        problems.append(
            {
                "no": number,
                "task_id": row.id,
                "title": _bilingual(row.title_zh, row.title_en),
                "location": {
                    "id": row.location_id,
                    "code": row.location_code,
                    "name": _bilingual(row.location_zh, row.location_en),
                },
                "department": department,
                "assignee": assignee,
                "severity": row.severity,
                "created_at": isoformat(row.created_at),
                "due_at": isoformat(row.due_at),
                "due_date": local_date(row.due_at, hospital.timezone).isoformat(),
                "closed_at": isoformat(row.closed_at),
                "status": row.status,
                "overdue": as_utc(row.due_at) < as_of,
                # Missed its deadline: closed after it, or still open past it at ``as_of``.
                "late": as_utc(row.due_at) < (as_utc(row.closed_at) if row.closed_at else as_of),
                "recheck": checks.get(row.id),
                "occurrences": row.occurrences,
                "source": row.source,
                "source_ref": row.source_ref,
                "origin_id": row.origin_id,
            }
        )
    return problems


def hospital_ref(hospital: Hospital) -> dict:
    """Return the hospital as a rollup names it."""
    return {
        "id": hospital.id,
        "code": hospital.code,
        "name": _bilingual(hospital.name_zh, hospital.name_en),
        "timezone": hospital.timezone,
    }


def compute_rollup(
    session: Session, hospital: Hospital, week: str, now: datetime | None = None
) -> dict:
    """Compute the rollup of ``week`` for ``hospital`` from the stored rows (JSON-ready)."""
    now = as_utc(now or utcnow())
    start, end = week_bounds(week, hospital.timezone)
    as_of = min(end, now)
    totals, by_severity, by_department = _task_counts(session, hospital.id, start, end, as_of)
    corrected = corrected_findings(session, hospital.id, start, end)
    return {
        "hospital": hospital_ref(hospital),
        "week": week,
        "start": isoformat(start),
        "end": isoformat(end),
        "first_day": local_date(start, hospital.timezone).isoformat(),
        "last_day": (local_date(end, hospital.timezone) - timedelta(days=1)).isoformat(),
        "as_of": isoformat(as_of),
        "generated_at": isoformat(now),
        "snapshot": False,
        "totals": {key: totals[key] for key in ("open", "new", "closed", "cancelled", "overdue")},
        "by_department": _by_department(session, hospital.id, start, end, by_department, corrected),
        "by_severity": by_severity,
        "age_buckets": {label: totals[f"age{label}"] for label in AGE_BUCKETS},
        "on_time_rate": _ratio(totals["on_time"], totals["closed"]),
        "median_days_to_close": _median_days_to_close(session, hospital.id, start, end),
        "top_failing_items": top_failing_items(session, hospital.id, start, end, corrected),
        "coverage": _coverage(session, hospital, as_of),
        "trend": _trend(session, hospital, week, now),
        "problems": _problems(session, hospital, as_of),
        "ranking": weekly_ranking(session, hospital, week),
    }


def weekly_ranking(session: Session, hospital: Hospital, week: str) -> dict:
    """Rank the departments in ``week`` against the week before (see ``ranking``)."""
    previous = shift_week(week, -1)
    return department_ranking(
        session,
        hospital,
        Period(week, *week_bounds(week, hospital.timezone)),
        Period(previous, *week_bounds(previous, hospital.timezone)),
    )


# --- snapshots and readers -------------------------------------------------------------------


def _stored(session: Session, hospital_id: int, week: str) -> WeeklyRollup | None:
    return session.scalars(
        select(WeeklyRollup).where(
            WeeklyRollup.hospital_id == hospital_id, WeeklyRollup.week == week
        )
    ).first()


def snapshot_week(
    session: Session, hospital: Hospital, week: str, now: datetime | None = None
) -> WeeklyRollup:
    """Store the rollup of a finished week once; return the stored row (new or existing).

    Safe to run twice or from two processes: the insert runs in a savepoint, and the loser of a
    race on the unique (hospital, week) re-reads the winner's row.
    """
    now = as_utc(now or utcnow())
    _start, end = week_bounds(week, hospital.timezone)
    if end > now:
        raise Invalid(
            f"Week {week} has not ended yet; only finished weeks are stored.",
            code="report.week_not_finished",
            errors={"week": ["The week has not ended yet."]},
        )
    if existing := _stored(session, hospital.id, week):
        return existing
    data = {**compute_rollup(session, hospital, week, now), "snapshot": True}
    row = WeeklyRollup(hospital_id=hospital.id, week=week, data=data, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = _stored(session, hospital.id, week)
        if existing is None:
            raise
        return existing
    return row


def rollup_for(
    session: Session,
    user: User,
    week: str,
    hospital_id: int | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Return the rollup of ``week`` for each hospital the user may see (or just ``hospital_id``).

    A finished week answers with its snapshot when one is stored; otherwise, and always for the
    running week, the rollup is computed live.
    """
    now = as_utc(now or utcnow())
    require(user, "reports.read", hospital_id)
    parse_week(week)
    ids = [hospital_id] if hospital_id is not None else visible_hospital_ids(user)
    hospitals = session.scalars(select(Hospital).where(Hospital.id.in_(ids)).order_by(Hospital.id))
    rollups = []
    for hospital in hospitals:
        start, end = week_bounds(week, hospital.timezone)
        if start > now:
            raise Invalid(
                f"Week {week} has not begun yet.",
                code="report.week_in_future",
                errors={"week": ["The week has not begun yet."]},
            )
        stored = _stored(session, hospital.id, week) if end <= now else None
        if stored is None:
            rollups.append(compute_rollup(session, hospital, week, now))
            continue
        rollup = {**stored.data, "snapshot": True}
        if "ranking" not in rollup:  # stored before the ranking existed: ranked from the rows
            rollup["ranking"] = weekly_ranking(session, hospital, week)
        rollups.append(rollup)
    return rollups


def default_week(session: Session, user: User, fallback_tz: str, now: datetime | None = None):
    """Return the running week in the time zone of the first hospital the user may see."""
    first = session.scalars(
        select(Hospital.timezone)
        .where(Hospital.id.in_(visible_hospital_ids(user)))
        .order_by(Hospital.id)
        .limit(1)
    ).first()
    return current_week(first or fallback_tz, now)
