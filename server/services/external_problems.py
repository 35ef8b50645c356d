"""Problems from outside the walk: a city notice, a third-party or unannounced visit (issue #12).

A supervisor enters the problem as the notice states it; it becomes a task like any other (routed
to the place's department, due by severity, announced, pulled), tagged ``source: external`` with
the notice's reference number. The report itself is stored as a submission of kind ``report``
under the client's id: that makes the request idempotent and gives its photos the slots evidence
uses. **举一反三** copies the problem to other places (every place of the same use, or places
named): each copy is a task of its own place's department that points to the original.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.errors import Conflict, Invalid
from server.models import Hospital, Location, RectificationTask, TaskSubmission, User
from server.services import notifications
from server.services.changes import record_changes
from server.services.locks import lock_hospitals
from server.services.permissions import in_scope, require
from server.services.task_workflow import attach_photos
from server.services.tasks import due_at_for, owner_in_tree, place_tree, task_event
from server.timeutil import utcnow

# Every task from outside the walk names this instead of a checklist.
EXTERNAL_CHECKLIST = "external"
SAME_USE = "same_use"


def _digest(report: dict) -> str:
    apply_to = report.get("apply_to")
    content = {
        "location_id": report["location_id"],
        "description": report["description"],
        "severity": report["severity"],
        "source_ref": report["source_ref"],
        "photo_ids": [str(p) for p in report["photo_ids"]],
        "apply_to": sorted(apply_to) if isinstance(apply_to, list) else apply_to,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _unknown_place(field: str, reason: str) -> Invalid:
    return Invalid("Unknown location.", code="task.unknown_location", errors={field: [reason]})


def _place(session: Session, user: User, location_id: int) -> Location:
    """Return the place the problem was found at: active and in the user's hospitals (else 422)."""
    location = session.get(Location, location_id)
    if location is None or not location.active or not in_scope(user, location.hospital_id):
        raise _unknown_place("location_id", "No such location in your hospitals.")
    return location


def _copy_places(session: Session, origin: Location, apply_to) -> list[Location]:
    """Return the other places the problem is copied to (举一反三), in id order.

    ``same_use``: every other active place of the hospital with the origin's use; a list: those
    places, each an active place of the same hospital. The origin itself is never copied to.
    """
    if apply_to is None:
        return []
    query = select(Location).where(
        Location.hospital_id == origin.hospital_id,
        Location.active,
        Location.id != origin.id,
    )
    if apply_to == SAME_USE:
        if origin.use is None:
            raise Invalid(
                "The place has no use to match.",
                code="task.no_use",
                errors={"apply_to": ["The place has no use: name the places instead."]},
            )
        return list(session.scalars(query.where(Location.use == origin.use).order_by(Location.id)))
    wanted = set(apply_to) - {origin.id}
    found = list(session.scalars(query.where(Location.id.in_(wanted)).order_by(Location.id)))
    missing = sorted(wanted - {place.id for place in found})
    if missing:
        raise _unknown_place(
            "apply_to", f"Not active places of the problem's hospital: {missing[:20]}."
        )
    return found


def _replayed(session: Session, user: User, report: dict, digest: str) -> RectificationTask | None:
    """Return the task a stored report with this id and content made; None if the id is new.

    The same id with other content, or used for something else, is a conflict; another
    hospital's id says nothing of its content either.
    """
    stored = session.get(TaskSubmission, report["id"])
    if stored is None:
        return None
    task = session.get(RectificationTask, stored.task_id)
    if (
        stored.kind != "report"
        or stored.content_sha256 != digest
        or not in_scope(user, task.hospital_id)
    ):
        raise Conflict("This id was used for other content.", code="task.conflict")
    return task


def _store(
    session: Session,
    user: User,
    report: dict,
    digest: str,
    places: list[Location],
    now: datetime,
) -> tuple[list[RectificationTask], TaskSubmission]:
    """Open one task per place (the first is the origin) and store the report beside it."""
    origin = places[0]
    tz = session.get(Hospital, origin.hospital_id).timezone
    owners = place_tree(session, origin.hospital_id)
    due_at = due_at_for(now, report["severity"], None, tz)
    tasks = []
    for place in places:
        task = RectificationTask(
            hospital_id=place.hospital_id,
            location_id=place.id,
            department_id=owner_in_tree(owners, place.id),
            source="external",
            checklist_id=EXTERNAL_CHECKLIST,
            # One item per reported problem: its copies share it, one open task per place.
            item_id=f"external:{report['id']}",
            title_zh=f"{place.name_zh}：{report['description']}"[:300],
            title_en=f"{place.name_en}: {report['description']}"[:300],
            description=report["description"],
            source_ref=report["source_ref"],
            origin_id=tasks[0].id if tasks else None,
            severity=report["severity"],
            status="open",
            due_at=due_at,
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        session.flush()
        after = {"status": "open", "due_at": task.due_at.isoformat(), "source": "external"}
        if task.origin_id is not None:
            after["origin_id"] = task.origin_id
        task_event(session, task, user, "created", {}, after, report["source_ref"])
        tasks.append(task)
    submission = TaskSubmission(
        id=report["id"],
        task_id=tasks[0].id,
        kind="report",
        note=report["description"],
        photo_ids=[str(p) for p in report["photo_ids"]],
        actor_id=user.id,
        content_sha256=digest,
        created_at=now,
    )
    session.add(submission)
    session.flush()
    return tasks, submission


def report_external(session: Session, user: User, report: dict) -> tuple[RectificationTask, bool]:
    """Store a problem from outside the walk and its copies; return the task and whether it is new.

    The same id with the same content returns the stored task (a replay); with other content, or
    an id used for something else, it is a conflict.
    """
    require(user, "tasks.report_external")
    # First, the lock order of docs/sync.md: the whole hospital, since a report may be copied
    # to any of its places; the same id reported twice at once in it meets the first one's rows.
    named = session.get(Location, report["location_id"])  # checked by _place below
    if named is not None:
        lock_hospitals(session, [named.hospital_id])
    digest = _digest(report)
    if (task := _replayed(session, user, report, digest)) is not None:
        return task, False
    origin = _place(session, user, report["location_id"])  # in the caller's hospitals
    places = [origin, *_copy_places(session, origin, report.get("apply_to"))]
    now = utcnow()
    try:
        # A report at another hospital (another lock) may store the same id meanwhile.
        with session.begin_nested():
            tasks, submission = _store(session, user, report, digest, places, now)
    except IntegrityError:
        if (task := _replayed(session, user, report, digest)) is not None:
            return task, False
        raise
    attach_photos(session, tasks[0], submission, report["photo_ids"], user)
    record_changes(session, "task", [(task.id, task.hospital_id) for task in tasks])
    notifications.notify_tasks_opened(session, tasks, user, now)
    return tasks[0], True
