"""Rectification tasks born from failures: deadlines, one open task per problem, history.

A failed finding or a record that breaks a rule reports a *problem*: an item (or record rule)
at a location. The first report opens a task with a responsible department and a deadline; a
repeat while the task is open adds an occurrence instead of a second task.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import (
    OPEN_STATUSES,
    Department,
    Finding,
    Location,
    RecordEntry,
    RectificationTask,
    TaskEvent,
    TaskSubmission,
    User,
    task_findings,
)
from server.services.changes import record_change
from server.services.permissions import visible_hospital_ids
from server.services.users import users_with_role
from server.timeutil import end_of_local_day, local_date, utcnow

# "End of the Nth local day", the day of the finding being day 1.
SEVERITY_DAYS = {"critical": 1, "major": 3, "minor": 7}


def due_at_for(found_at: datetime, severity: str, rectification_days: int | None, tz: str):
    """Return the deadline: the end of the Nth local day in ``tz`` (0 and 1: the same day)."""
    days = SEVERITY_DAYS[severity] if rectification_days is None else rectification_days
    last_day = local_date(found_at, tz) + timedelta(days=max(days, 1) - 1)
    return end_of_local_day(last_day, tz)


@dataclass(frozen=True)
class Problem:
    """What failed, where, and what the checklist says about it."""

    hospital_id: int
    location: Location
    checklist_id: str
    item_id: str
    text_zh: str
    text_en: str
    department_code: str | None
    severity: str
    points: float
    rectification_days: int | None
    found_at: datetime


def _department_id(session: Session, problem: Problem) -> int | None:
    """Return the item's department in this hospital, else the location's."""
    if problem.department_code:
        found = session.scalar(
            select(Department.id).where(
                Department.hospital_id == problem.hospital_id,
                Department.code == problem.department_code,
            )
        )
        if found:
            return found
    return problem.location.department_id


def task_event(
    session: Session,
    task: RectificationTask,
    actor: User | None,
    action: str,
    before: dict,
    after: dict,
    note: str = "",
) -> None:
    """Append one event (who, what, before → after) to the task's history."""
    session.add(
        TaskEvent(
            task_id=task.id,
            actor_id=actor.id if actor else None,
            action=action,
            before=before,
            after=after,
            note=note,
        )
    )


def open_task_for(session: Session, hospital_id: int, location_id: int, item_id: str):
    """Return the open task for a problem, locked for update, if there is one.

    The row lock makes concurrent repeats of one problem take turns (on PostgreSQL; SQLite has
    one writer anyway), and ``populate_existing`` refreshes a copy the session already holds.
    """
    return session.scalars(
        select(RectificationTask)
        .where(
            RectificationTask.hospital_id == hospital_id,
            RectificationTask.location_id == location_id,
            RectificationTask.item_id == item_id,
            RectificationTask.status.in_(OPEN_STATUSES),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def report_failure(
    session: Session,
    problem: Problem,
    tz: str,
    actor: User,
    *,
    finding: Finding | None = None,
    record: RecordEntry | None = None,
) -> RectificationTask:
    """Open a task for the problem, or add an occurrence to its open task; return the task."""
    now = utcnow()
    task = open_task_for(session, problem.hospital_id, problem.location.id, problem.item_id)
    if task is None:
        task = RectificationTask(
            hospital_id=problem.hospital_id,
            location_id=problem.location.id,
            department_id=_department_id(session, problem),
            checklist_id=problem.checklist_id,
            item_id=problem.item_id,
            title_zh=f"{problem.location.name_zh}：{problem.text_zh}"[:300],
            title_en=f"{problem.location.name_en}: {problem.text_en}"[:300],
            severity=problem.severity,
            points=problem.points,
            status="open",
            due_at=due_at_for(problem.found_at, problem.severity, problem.rectification_days, tz),
            occurrences=1,
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        session.flush()  # the partial unique index settles a race here (IntegrityError)
        task_event(
            session,
            task,
            actor,
            "created",
            {},
            {"status": "open", "due_at": task.due_at.isoformat()},
        )
    else:
        before = {"occurrences": task.occurrences, "status": task.status}
        task.occurrences += 1
        task.updated_at = now
        if task.status == "submitted":  # reported fixed, but it failed again: back to work
            task.status = "assigned" if task.assignee_id else "open"
        task_event(
            session,
            task,
            actor,
            "occurrence_added",
            before,
            {"occurrences": task.occurrences, "status": task.status},
        )
    if finding is not None:
        task.findings.append(finding)
    if record is not None:
        task.records.append(record)
    session.flush()
    record_change(session, "task", task.id, task.hospital_id)
    return task


def correct_finding(
    session: Session, old: Finding, new: Finding, problem: Problem | None, tz: str, actor: User
) -> RectificationTask | None:
    """Apply a device's correction (``new`` supersedes ``old``) to the task ``old`` reported.

    A correction is not a new occurrence. If the corrected answer still fails, it joins the same
    task; if it no longer fails, the occurrence is withdrawn, and a task left with none is
    cancelled.
    """
    task = session.scalars(
        select(RectificationTask)
        .where(RectificationTask.findings.any(Finding.id == old.id))
        .where(RectificationTask.status.in_(OPEN_STATUSES))
    ).first()
    if task is None:
        return report_failure(session, problem, tz, actor, finding=new) if problem else None
    if problem is not None:
        task.findings.append(new)
        task_event(
            session, task, actor, "corrected", {"finding": str(old.id)}, {"finding": str(new.id)}
        )
    else:
        before = {"occurrences": task.occurrences, "status": task.status}
        task.occurrences -= 1
        if task.occurrences <= 0:
            task.status = "cancelled"
            task.closed_at = utcnow()
        task_event(
            session,
            task,
            actor,
            "corrected",
            before,
            {"occurrences": task.occurrences, "status": task.status},
            note="The inspector corrected the failed answer.",
        )
    task.updated_at = utcnow()
    session.flush()
    record_change(session, "task", task.id, task.hospital_id)
    return task


def visible_task_query(user: User):
    """Tasks a user may see: department heads their department's, other roles their hospitals'."""
    query = select(RectificationTask).where(
        RectificationTask.hospital_id.in_(visible_hospital_ids(user))
    )
    if user.has_role("admin", "supervisor", "inspector"):
        return query
    return query.where(RectificationTask.department_id == user.department_id)


def tasks_of_finding(session: Session, finding_id: uuid.UUID) -> list[int]:
    """Return the ids of the tasks a finding is linked to."""
    return list(
        session.scalars(
            select(task_findings.c.task_id).where(task_findings.c.finding_id == finding_id)
        )
    )


def visible_tasks(session: Session, user: User, task_ids: list) -> list[RectificationTask]:
    """Return those of ``task_ids`` that ``user`` may see."""
    ids = [int(task_id) for task_id in task_ids]
    return list(session.scalars(visible_task_query(user).where(RectificationTask.id.in_(ids))))


def _latest_failure(task: RectificationTask) -> datetime:
    """Return when the newest failure linked to the task was recorded."""
    moments = [f.recorded_at for f in task.findings if f.verdict == "fail"]
    moments += [record.recorded_at for record in task.records]
    return max(moments, default=task.created_at)


def recheck_id(finding_id: uuid.UUID) -> uuid.UUID:
    """Return the id of the re-check a finding records: derived, so a replay records none."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"wardwalk:recheck:{finding_id}")


def record_recheck(
    session: Session, finding: Finding, location: Location, actor: User
) -> RectificationTask | None:
    """Record a passing answer on the next visit as a re-check of the problem's open task.

    The re-check is evidence: the task waits for a verifier, unless the hospital closes tasks on
    a passing re-check (``auto_close_on_recheck``).
    """
    task = open_task_for(session, finding.hospital_id, finding.location_id, finding.item_id)
    if task is None or finding.recorded_at <= _latest_failure(task):
        # A pass recorded before the failure (a device syncing late) re-checks nothing.
        return None
    session.add(
        TaskSubmission(
            id=recheck_id(finding.id),
            task_id=task.id,
            kind="recheck",
            result="pass",
            note=finding.note,
            photo_ids=[],
            finding_id=finding.id,
            actor_id=actor.id,
            content_sha256=finding.content_sha256,
        )
    )
    before = {"status": task.status}
    auto_close = bool(location.hospital.settings.get("auto_close_on_recheck"))
    task.status = "closed" if auto_close else "submitted"
    task.closed_at = utcnow() if auto_close else None
    task.updated_at = utcnow()
    task_event(
        session,
        task,
        actor,
        "rechecked",
        before,
        {"status": task.status, "result": "pass"},
        "auto-closed on re-check" if auto_close else "",
    )
    session.flush()
    record_change(session, "task", task.id, task.hospital_id)
    return task


def responsible_people(session: Session, task: RectificationTask) -> list[User]:
    """Return whom a task's deadline concerns: its assignee, else its department's heads."""
    if task.assignee_id is not None:
        return [session.get(User, task.assignee_id)]
    if task.department_id is None:
        return []
    return users_with_role(session, task.hospital_id, "department_head", task.department_id)
