"""Remind the responsible people of tasks due soon (once per task and deadline)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import RectificationTask
from server.services.channels import configured_channels
from server.services.notifications import notify_about_task
from server.services.tasks import responsible_people


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
        people = responsible_people(session, task)
        sent += len(notify_about_task(session, task, people, "due_soon", channels, now))
    return {"tasks": len(due_soon), "notified": sent}
