"""APScheduler wiring: when each job runs. The jobs themselves live beside this module.

Every job runs once as soon as the scheduler starts (catching up after downtime) and then at its
interval; ``coalesce`` folds runs missed while busy into one, ``max_instances=1`` keeps a job from
overlapping itself. Run exactly one scheduler per database: inside ``wardwalk serve`` (the
embedded default), or as the single ``wardwalk scheduler`` process beside several web workers.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from server.jobs import JOBS, run_job
from server.timeutil import utcnow

log = logging.getLogger(__name__)


def _safe_run(app: Flask, name: str) -> None:
    """Run a job and log, not raise, its failure: the next tick tries again."""
    try:
        summary = run_job(app, name)
        log.info("job %s: %s", name, summary)
    except Exception:
        log.exception("job %s failed", name)


def add_jobs(scheduler: BaseScheduler, app: Flask) -> BaseScheduler:
    """Register every job, each first due right away."""
    start = utcnow()
    for offset, job in enumerate(JOBS.values()):
        scheduler.add_job(
            _safe_run,
            "interval",
            minutes=job.every_minutes,
            args=(app, job.name),
            id=job.name,
            name=job.name,
            next_run_time=start + timedelta(seconds=offset),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
            replace_existing=True,
        )
    return scheduler


def background_scheduler(app: Flask) -> BackgroundScheduler:
    """Build a scheduler that runs in threads of this process (inside ``wardwalk serve``)."""
    return add_jobs(BackgroundScheduler(timezone="UTC", daemon=True), app)


def blocking_scheduler(app: Flask) -> BlockingScheduler:
    """Build a scheduler that is the whole process (``wardwalk scheduler``)."""
    return add_jobs(BlockingScheduler(timezone="UTC"), app)
