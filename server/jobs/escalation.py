"""Escalate tasks overdue for more than ``ESCALATE_AFTER_DAYS`` to the hospital's supervisors."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import OPEN_STATUSES, RectificationTask
from server.services.changes import lock_change_log, record_change
from server.services.channels import configured_channels
from server.services.notifications import notify_about_task
from server.services.tasks import task_event
from server.services.users import users_with_role


def run(session: Session, now: datetime, config: dict) -> dict:
    """Escalate every long-overdue open task once."""
    lock_change_log(session)  # first, before any task row (docs/sync.md)
    cutoff = now - timedelta(days=config["ESCALATE_AFTER_DAYS"])
    channels = list(configured_channels(config))
    stuck = session.scalars(
        select(RectificationTask)
        .where(
            RectificationTask.status.in_(OPEN_STATUSES),
            RectificationTask.due_at < cutoff,
            RectificationTask.escalated_at.is_(None),
        )
        .with_for_update(skip_locked=True)
    ).all()
    for task in stuck:
        task.escalated_at = now
        task_event(session, task, None, "escalated", {}, {"escalated": True})
        supervisors = users_with_role(session, task.hospital_id, "supervisor")
        notify_about_task(session, task, supervisors, "escalated", channels, now)
        record_change(session, "task", task.id, task.hospital_id)
    return {"escalated": len(stuck)}
