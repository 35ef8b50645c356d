"""Remind the responsible people of tasks due soon (once per task and deadline)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.jobs.overdue import responsible_people
from server.models import RectificationTask
from server.services.channels import configured_channels
from server.services.notifications import notify
from server.timeutil import isoformat


def run(session: Session, now: datetime, config: dict) -> dict:
    """Notify about every open task due within ``REMIND_BEFORE_HOURS``."""
    horizon = now + timedelta(hours=config["REMIND_BEFORE_HOURS"])
    channels = list(configured_channels(config))
    due_soon = session.scalars(
        select(RectificationTask).where(
            RectificationTask.status.in_(("open", "assigned")),
            RectificationTask.due_at >= now,
            RectificationTask.due_at <= horizon,
        )
    ).all()
    sent = 0
    for task in due_soon:
        sent += len(
            notify(
                session,
                responsible_people(session, task),
                hospital_id=task.hospital_id,
                code="task.due_soon",
                task_id=task.id,
                channels=channels,
                params={
                    "task_id": task.id,
                    "title": task.title_zh,
                    "due_at": isoformat(task.due_at),
                },
                dedupe_key=f"task:{task.id}:due_soon:{isoformat(task.due_at)}",
            )
        )
    return {"tasks": len(due_soon), "notified": sent}
