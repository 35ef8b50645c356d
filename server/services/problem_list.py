"""The problem list (问题清单) as hospitals keep it: what was found, when, by whom, and the outcome.

The weekly list is the open problems of the week's rollup. A period's list holds every task
opened in the period (local days, inclusive), closed and cancelled ones too, so a hospital can
file a month's problems with their outcome. The details a rollup does not carry (the date a
problem was found, the inspector and the inspector's note) come from the task's earliest finding;
a task opened from a record form or from outside the walk has only its own creation date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from server.models import Finding, Hospital, RectificationTask, User, task_findings
from server.services.permissions import require, visible_hospital_ids
from server.services.rollups import hospital_ref, problem_list
from server.timeutil import as_utc, local_date, start_of_local_day, utcnow

# The longest period one download may cover: a year, so a request stays a bounded query.
MAX_PERIOD_DAYS = 366
FINISHED = ("closed", "cancelled")


def period_problems(
    session: Session,
    user: User,
    first: date,
    last: date,
    hospital_id: int | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Return, per hospital the user may see, every task opened from ``first`` to ``last``."""
    now = as_utc(now or utcnow())
    require(user, "reports.read", hospital_id)
    ids = [hospital_id] if hospital_id is not None else visible_hospital_ids(user)
    hospitals = session.scalars(select(Hospital).where(Hospital.id.in_(ids)).order_by(Hospital.id))
    lists = []
    for hospital in hospitals:
        start = start_of_local_day(first, hospital.timezone)
        end = start_of_local_day(last + timedelta(days=1), hospital.timezone)
        task = RectificationTask
        problems = problem_list(
            session, hospital, now, and_(task.created_at >= start, task.created_at < end)
        )
        for problem in problems:  # a finished task is not late any more, whatever its deadline
            problem["overdue"] = problem["overdue"] and problem["status"] not in FINISHED
        lists.append({"hospital": hospital_ref(hospital), "problems": problems})
    return lists


def problem_details(session: Session, task_ids: list[int], tz: str) -> dict[int, dict]:
    """Return {task id: {"found", "inspector", "note"}} from each task's earliest finding."""
    details: dict[int, dict] = {}
    for index in range(0, len(task_ids), 500):
        rows = session.execute(
            select(task_findings.c.task_id, Finding.recorded_at, Finding.note, User.display_name)
            .join(Finding, Finding.id == task_findings.c.finding_id)
            .join(User, User.id == Finding.recorded_by_id)
            .where(task_findings.c.task_id.in_(task_ids[index : index + 500]))
            .order_by(task_findings.c.task_id, Finding.recorded_at)
        )
        for task_id, recorded_at, note, inspector in rows:
            details.setdefault(
                task_id,
                {"found": local_date(recorded_at, tz), "inspector": inspector, "note": note or ""},
            )
    return details
