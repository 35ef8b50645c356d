"""The scheduler wiring: every job registered, first run at start, and really running."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from server.jobs import JOBS
from server.jobs.scheduler import background_scheduler
from server.models import RectificationTask
from tests import factories as f


def test_every_job_is_scheduled_to_run_at_start(app):
    scheduler = background_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(JOBS)
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1


def test_a_started_scheduler_runs_the_overdue_job(app, session, hospital):
    task = f.task(session, hospital, due_at=datetime.now(UTC) - timedelta(hours=1))
    session.commit()
    scheduler = background_scheduler(app)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            session.commit()  # a fresh snapshot each look
            if session.get(RectificationTask, task.id).overdue_marked_at is not None:
                break
            time.sleep(0.2)
    finally:
        scheduler.shutdown(wait=True)
    session.commit()
    assert session.get(RectificationTask, task.id).overdue_marked_at is not None
