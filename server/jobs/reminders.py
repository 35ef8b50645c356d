"""Remind the responsible people of tasks due soon (once per task and deadline)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import RectificationTask
from server.services.notifications import Lookup, send, task_notice


def run(session: Session, now: datetime, config: dict) -> dict:
    """Notify about every open task due within ``REMIND_BEFORE_HOURS``."""
    horizon = now + timedelta(hours=config["REMIND_BEFORE_HOURS"])
    due_soon = session.scalars(
        select(RectificationTask).where(
            RectificationTask.status.in_(("open", "assigned")),
            RectificationTask.due_at >= now,
            RectificationTask.due_at <= horizon,
        )
    ).all()
    lookup = Lookup(session)
    notices = [task_notice(session, task, "due_soon", None, lookup=lookup) for task in due_soon]
    return {"tasks": len(due_soon), "notified": send(session, notices, now)}
