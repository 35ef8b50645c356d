"""The rectification workflow: move, assign, reschedule, cancel, evidence, verify; and reading.

Every change locks the task row, checks the role and the state, writes an append-only event
(who, what, when, before → after) and announces the change to the pull log. Evidence and
verifications carry a client UUID: the same submission twice changes nothing the second time.

    open ──assign──▶ assigned ──evidence──▶ submitted ──verify pass──▶ closed
      │                 ▲                        │
      │                 └──verify fail, new due──┘
      ├──(any open state) move ──▶ the same state in another department
      └──(any open state) cancel ──▶ cancelled

Two levels, as hospitals work: the supervisor owns the department (moves a task to another one
with a reason), the deadline and cancelling; the department head of the task's department names
the person (责任人) within the department, and only its active members can be named.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from server.errors import Conflict, Forbidden, Invalid, NotFound
from server.models import (
    OPEN_STATUSES,
    ChecklistVersion,
    Department,
    Hospital,
    Location,
    Photo,
    PhotoSlot,
    RectificationTask,
    TaskEvent,
    TaskSubmission,
    User,
)
from server.schemas.checklist_definition import rectification_days_of
from server.schemas.common import MAX_ID
from server.services.changes import record_change
from server.services.locks import lock_task_place
from server.services.notifications import notify_task_event
from server.services.permissions import (
    allowed,
    is_named_assignee,
    may_assign_in,
    may_submit_evidence_for,
    require,
)
from server.services.tasks import due_at_for, task_event, visible_task_query
from server.timeutil import isoformat, utcnow


def get_task(session: Session, user: User, task_id: int, *, for_update: bool = False):
    """Return a task the user may see (404 otherwise), optionally locked for a change."""
    require(user, "tasks.read")
    query = visible_task_query(user).where(RectificationTask.id == task_id)
    if for_update:
        lock_task_place(session, task_id)  # first, before the row: the lock order (docs/sync.md)
        query = query.with_for_update().execution_options(populate_existing=True)
    task = session.scalars(query).first()
    if task is None:
        raise NotFound("No such task.", code="task.not_found")
    return task


# The orders of the task list; ties go by id, so pages never overlap.
TASK_SORTS = ("due_at", "-due_at", "created_at", "-created_at", "severity")
_MOST_SEVERE_FIRST = case(
    {"critical": 0, "major": 1, "minor": 2}, value=RectificationTask.severity, else_=3
)
_ORDERS = {
    "due_at": (RectificationTask.due_at, RectificationTask.id),
    "-due_at": (RectificationTask.due_at.desc(), RectificationTask.id.desc()),
    "created_at": (RectificationTask.created_at, RectificationTask.id),
    "-created_at": (RectificationTask.created_at.desc(), RectificationTask.id.desc()),
    "severity": (_MOST_SEVERE_FIRST, RectificationTask.due_at, RectificationTask.id),
}


def _matching(words: str):
    """Return the condition "the task's title, place or department contains ``words``".

    ``#41`` finds the task with id 41 alone; a plain number also finds it, beside the tasks whose
    words hold it (a place such as "2号楼"). Case is ignored; ``%`` and ``_`` are themselves.
    """
    words = words.strip()
    number = words.removeprefix("#")
    by_id = number.isascii() and number.isdigit() and int(number) <= MAX_ID
    if words.startswith("#") and by_id:
        return RectificationTask.id == int(number)
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    columns = (
        RectificationTask.title_zh,
        RectificationTask.title_en,
        Location.name_zh,
        Location.name_en,
        Department.name_zh,
        Department.name_en,
    )
    condition = or_(*(column.ilike(f"%{escaped}%", escape="\\") for column in columns))
    return condition | (RectificationTask.id == int(number)) if by_id else condition


def list_tasks(
    session: Session,
    user: User,
    *,
    q: str | None = None,
    status: list[str] | None = None,
    severity: list[str] | None = None,
    source: list[str] | None = None,
    department_id: int | None = None,
    location_id: int | None = None,
    assignee_id: int | None = None,
    overdue: bool | None = None,
    sort: str = "due_at",
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> tuple[list[RectificationTask], int]:
    """Return one page of the tasks the user may see, in ``sort`` order, and the total.

    The scope is ``visible_task_query``'s; every filter only narrows it.
    """
    require(user, "tasks.read")
    now = now or utcnow()
    query = visible_task_query(user)
    for column, values in (
        (RectificationTask.status, status),
        (RectificationTask.severity, severity),
        (RectificationTask.source, source),
    ):
        if values:
            query = query.where(column.in_(values))
    for column, value in (
        (RectificationTask.department_id, department_id),
        (RectificationTask.location_id, location_id),
        (RectificationTask.assignee_id, assignee_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if overdue is not None:
        late = RectificationTask.status.in_(OPEN_STATUSES) & (RectificationTask.due_at < now)
        query = query.where(late if overdue else ~late)
    if q and q.strip():
        query = (
            query.join(Location, Location.id == RectificationTask.location_id)
            .outerjoin(Department, Department.id == RectificationTask.department_id)
            .where(_matching(q))
        )
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(
        query.options(
            selectinload(RectificationTask.department), selectinload(RectificationTask.location)
        )
        .order_by(*_ORDERS[sort])
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def _require_open(task: RectificationTask) -> None:
    if task.status not in OPEN_STATUSES:
        raise Conflict(f"The task is {task.status}.", code="task.not_open")


def _changed(session: Session, task: RectificationTask) -> None:
    task.updated_at = utcnow()
    session.flush()
    record_change(session, "task", task.id, task.hospital_id)


# What only the supervisor changes; naming the assignee is also the department head's.
MANAGED_FIELDS = ("department_id", "due_at", "status")


def update_task(session: Session, user: User, task: RectificationTask, changes: dict):
    """Apply a PATCH: move, assignee, deadline or cancellation (all but the assignee need a reason).

    A move comes first, so an assignee named in the same PATCH is checked against the new
    department.
    """
    if any(name in changes for name in MANAGED_FIELDS):
        require(user, "tasks.manage", task.hospital_id)
    else:
        require(user, "tasks.assign", task.hospital_id)
        if not may_assign_in(user, task.department_id):
            raise Forbidden(
                "Only the task's department head or a supervisor names its assignee.",
                code="task.not_your_department",
            )
    _require_open(task)
    assigned = "assignee_id" in changes and changes["assignee_id"] is not None
    moved_from = task.department_id
    if "department_id" in changes:
        _move(session, user, task, changes["department_id"], changes["reason"])
    if "assignee_id" in changes:
        _assign(session, user, task, changes["assignee_id"])
    if "due_at" in changes:
        before = {"due_at": isoformat(task.due_at)}
        task.due_at = changes["due_at"]
        if task.due_at > utcnow():
            task.overdue_marked_at = None  # a new deadline may become overdue (and marked) again
            task.escalated_at = None
            task.leadership_escalated_at = None
        task_event(
            session,
            task,
            user,
            "deadline_changed",
            before,
            {"due_at": isoformat(task.due_at)},
            changes["reason"],
        )
    if changes.get("status") == "cancelled":
        before = {"status": task.status}
        task.status = "cancelled"
        task.closed_at = utcnow()
        task_event(
            session, task, user, "cancelled", before, {"status": "cancelled"}, changes["reason"]
        )
    _changed(session, task)
    if "department_id" in changes:
        notify_task_event(
            session, task, "moved", user, task.updated_at, from_department_id=moved_from
        )
    if assigned and task.status in OPEN_STATUSES:
        notify_task_event(session, task, "assigned", user, task.updated_at)
    return task


def _member(session: Session, user_id: int, task: RectificationTask) -> bool:
    """Return whether ``user_id`` may be named on the task: an active member of its department.

    Of its department and hospital, and in a role that acts on tasks: a leader reads only, a
    recorder keeps logs and sees no tasks.
    """
    user = session.get(User, user_id)
    return (
        user is not None
        and user.active
        and allowed(user, "tasks.submit_evidence_as_assignee")
        and task.department_id is not None
        and user.department_id == task.department_id
        and task.hospital_id in user.hospital_ids
    )


def _move(session: Session, user: User, task: RectificationTask, department_id: int, reason: str):
    """Give the task to another department; an assignee who is not one of its members goes."""
    department = session.get(Department, department_id)
    if department is None or department.hospital_id != task.hospital_id:
        raise Invalid(
            "Unknown department.",
            code="task.unknown_department",
            errors={"department_id": ["Not a department of the task's hospital."]},
        )
    if department.id == task.department_id:
        raise Invalid(
            "The task is that department's already.",
            code="task.same_department",
            errors={"department_id": ["The task is this department's already."]},
        )
    before = {
        "department_id": task.department_id,
        "assignee_id": task.assignee_id,
        "status": task.status,
    }
    task.department_id = department.id
    if task.assignee_id is not None and not _member(session, task.assignee_id, task):
        task.assignee_id = None
        if task.status == "assigned":
            task.status = "open"
    after = {
        "department_id": task.department_id,
        "assignee_id": task.assignee_id,
        "status": task.status,
    }
    task_event(session, task, user, "moved", before, after, reason)


def _assign(session: Session, user: User, task: RectificationTask, assignee_id: int | None):
    if assignee_id is not None and not _member(session, assignee_id, task):
        reason = (
            "Not an active member of the task's department."
            if task.department_id is not None
            else "The task has no department yet: move it to one first."
        )
        raise Invalid(
            "The assignee is not one of the department's people.",
            code="task.assignee_not_member",
            errors={"assignee_id": [reason]},
        )
    before = {"assignee_id": task.assignee_id, "status": task.status}
    task.assignee_id = assignee_id
    if task.status in ("open", "assigned"):
        task.status = "assigned" if assignee_id is not None else "open"
    task_event(
        session,
        task,
        user,
        "assigned",
        before,
        {"assignee_id": task.assignee_id, "status": task.status},
    )


def _digest(**content) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _replayed(
    session: Session, task: RectificationTask, submission_id: uuid.UUID, digest: str
) -> bool:
    """Return True for a replay of a stored submission; raise if the id means something else."""
    existing = session.get(TaskSubmission, submission_id)
    if existing is None:
        return False
    if existing.task_id != task.id or existing.content_sha256 != digest:
        raise Conflict(
            "This submission id was used for other content.", code="task.submission_conflict"
        )
    return True


def attach_photos(
    session: Session,
    task: RectificationTask,
    submission: TaskSubmission,
    photo_ids: list[uuid.UUID],
    user: User,
) -> None:
    """Give photos to a submission: the submitter's own uploads, not yet claimed by anything."""
    for position, photo_id in enumerate(photo_ids):
        photo = session.get(Photo, photo_id)
        if (
            photo is None
            or photo.uploaded_by_id != user.id
            or session.get(PhotoSlot, photo_id) is not None
        ):
            raise Invalid(
                "Unknown photo.",
                code="task.photo_unavailable",
                errors={"photo_ids": [f"Upload {photo_id} first (PUT /photos)."]},
            )
        session.add(
            PhotoSlot(
                photo_id=photo_id,
                submission_id=submission.id,
                hospital_id=task.hospital_id,
                sha256=photo.sha256,
                bytes=photo.uploaded_bytes,
                position=position,
            )
        )


def _submit(session, user, task, submission_id, kind, result, note, photo_ids, finding_id=None):
    submission = TaskSubmission(
        id=submission_id,
        task_id=task.id,
        kind=kind,
        result=result,
        note=note,
        photo_ids=[str(p) for p in photo_ids],
        finding_id=finding_id,
        actor_id=user.id,
        content_sha256=_digest(
            kind=kind, result=result, note=note, photo_ids=[str(p) for p in photo_ids]
        ),
    )
    session.add(submission)
    session.flush()
    attach_photos(session, task, submission, photo_ids, user)
    return submission


def submit_evidence(
    session: Session,
    user: User,
    task: RectificationTask,
    submission_id: uuid.UUID,
    note: str,
    photo_ids: list[uuid.UUID],
):
    """Record the department's evidence that the problem is fixed; the task awaits verification.

    The department's head sends it, or the person named on the task (责任人) for their own fix.
    """
    if not is_named_assignee(user, task.department_id, task.assignee_id):
        require(user, "tasks.submit_evidence", task.hospital_id)
    digest = _digest(kind="evidence", result=None, note=note, photo_ids=[str(p) for p in photo_ids])
    if _replayed(session, task, submission_id, digest):
        return task
    if not may_submit_evidence_for(user, task.department_id, task.assignee_id):
        raise Forbidden(
            "Only the responsible department submits evidence.", code="task.not_your_department"
        )
    _require_open(task)
    _submit(session, user, task, submission_id, "evidence", None, note, photo_ids)
    before = {"status": task.status}
    task.status = "submitted"
    task_event(session, task, user, "evidence_submitted", before, {"status": "submitted"}, note)
    _changed(session, task)
    notify_task_event(session, task, "evidence_submitted", user, task.updated_at)
    return task


def verify(
    session: Session,
    user: User,
    task: RectificationTask,
    submission_id: uuid.UUID,
    result: str,
    note: str,
    photo_ids: list[uuid.UUID],
):
    """Check the fix: pass closes the task (销号), fail sends it back to the department."""
    require(user, "tasks.verify", task.hospital_id)
    digest = _digest(
        kind="verification", result=result, note=note, photo_ids=[str(p) for p in photo_ids]
    )
    if _replayed(session, task, submission_id, digest):
        return task
    if task.status != "submitted":
        raise Conflict("Only submitted work can be verified.", code="task.not_submitted")
    latest = session.scalars(
        select(TaskSubmission)
        .where(TaskSubmission.task_id == task.id, TaskSubmission.kind.in_(("evidence", "recheck")))
        .order_by(TaskSubmission.created_at.desc())
    ).first()
    if latest is not None and latest.actor_id == user.id:
        raise Forbidden("Nobody verifies their own evidence.", code="task.self_verification")
    _submit(session, user, task, submission_id, "verification", result, note, photo_ids)
    before = {"status": task.status}
    after = {"result": result}
    now = utcnow()
    if result == "pass":
        task.status, task.closed_at = "closed", now
    else:
        task.status = "assigned" if task.assignee_id else "open"
        before["due_at"] = isoformat(task.due_at)
        _new_deadline(session, task, now)
        after["due_at"] = isoformat(task.due_at)
    task_event(session, task, user, "verified", before, {"status": task.status, **after}, note)
    _changed(session, task)
    if result == "fail":
        notify_task_event(session, task, "verification_failed", user, task.updated_at, note=note)
    return task


def _new_deadline(session: Session, task: RectificationTask, failed_at: datetime) -> None:
    """Count the deadline again from a failed verification, by the rule that set the first one.

    The old deadline has usually passed by then; keeping it would make the task overdue the
    moment it goes back. The item's ``rectification_days`` is read from the checklist's current
    version (tasks of items no longer there, or from outside a checklist, go by severity).
    """
    current = session.scalars(
        select(ChecklistVersion)
        .where(ChecklistVersion.checklist_id == task.checklist_id)
        .order_by(ChecklistVersion.version.desc())
        .limit(1)
    ).first()
    days = rectification_days_of(current.definition, task.item_id) if current else None
    tz = session.get(Hospital, task.hospital_id).timezone
    task.due_at = due_at_for(failed_at, task.severity, days, tz)
    task.overdue_marked_at = None  # the new deadline may become overdue (and marked) again
    task.escalated_at = None
    task.leadership_escalated_at = None


def events(session: Session, user: User, task_id: int) -> list[TaskEvent]:
    """Return a task's history, oldest first."""
    task = get_task(session, user, task_id)
    return list(
        session.scalars(
            select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)
        )
    )
