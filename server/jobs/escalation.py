"""The escalation ladder: overdue N days → the supervisors, M days → leadership (院领导).

N and M are per hospital (hospital file settings ``escalate_to_supervisors_after_days`` and
``escalate_to_leadership_after_days``), by default ``ESCALATE_AFTER_DAYS`` and
``ESCALATE_TO_LEADERSHIP_AFTER_DAYS``. Each rung is climbed once per deadline; a task reaches
leadership only after its supervisors heard of it, so M below N means "together with them".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import OPEN_STATUSES, Hospital, RectificationTask
from server.services.changes import record_change
from server.services.notifications import Lookup, send, task_notice
from server.services.tasks import task_event


def thresholds(hospital: Hospital, config: dict) -> tuple[int, int]:
    """Return the hospital's days overdue before supervisors, and before leadership, hear."""
    first = hospital.settings.get("escalate_to_supervisors_after_days")
    second = hospital.settings.get("escalate_to_leadership_after_days")
    first = config["ESCALATE_AFTER_DAYS"] if first is None else first
    second = config["ESCALATE_TO_LEADERSHIP_AFTER_DAYS"] if second is None else second
    return first, max(first, second)


def run(session: Session, now: datetime, config: dict) -> dict:
    """Climb each long-overdue open task up the ladder, one rung at a time, once each."""
    counts = {"escalated": 0, "escalated_to_leadership": 0}
    notices, lookup = [], Lookup(session)
    for hospital in session.scalars(select(Hospital).order_by(Hospital.id)).all():
        first, second = thresholds(hospital, config)
        rungs = (
            ("escalated", first, RectificationTask.escalated_at, ()),
            (
                "escalated_to_leadership",
                second,
                RectificationTask.leadership_escalated_at,
                (RectificationTask.escalated_at.is_not(None),),
            ),
        )
        for event, days, climbed, below in rungs:
            stuck = session.scalars(
                select(RectificationTask)
                .where(
                    RectificationTask.hospital_id == hospital.id,
                    RectificationTask.status.in_(OPEN_STATUSES),
                    RectificationTask.due_at < now - timedelta(days=days),
                    climbed.is_(None),
                    *below,
                )
                .with_for_update(skip_locked=True)
            ).all()
            for task in stuck:
                setattr(task, climbed.key, now)
                if event == "escalated":
                    task.leadership_escalated_at = None  # a new deadline starts a new ladder
                task_event(session, task, None, event, {}, {"escalated": event, "days": days})
                notices.append(task_notice(session, task, event, None, lookup=lookup, days=days))
                record_change(session, "task", task.id, task.hospital_id)
            session.flush()  # the second rung sees the first one climbed in this run
            counts[event] += len(stuck)
    send(session, notices, now)
    return counts
