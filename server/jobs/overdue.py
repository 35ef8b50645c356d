"""Mark tasks whose deadline has passed: once per task, with an event and a notification."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import OPEN_STATUSES, RectificationTask
from server.services.changes import record_change
from server.services.notifications import Lookup, send, task_notice
from server.services.tasks import task_event


def run(session: Session, now: datetime, config: dict) -> dict:
    """Mark every open task past its deadline that is not marked yet; tell its department."""
    late = session.scalars(
        select(RectificationTask)
        .where(
            RectificationTask.status.in_(OPEN_STATUSES),
            RectificationTask.due_at < now,
            RectificationTask.overdue_marked_at.is_(None),
        )
        .with_for_update(skip_locked=True)
    ).all()
    notices, lookup = [], Lookup(session)
    for task in late:
        task.overdue_marked_at = now
        task_event(session, task, None, "overdue", {"overdue": False}, {"overdue": True})
        notices.append(task_notice(session, task, "overdue", None, lookup=lookup))
        record_change(session, "task", task.id, task.hospital_id)
    send(session, notices, now)
    return {"marked": len(late)}
