"""Scheduled jobs: plain idempotent ``run(session, now, config)`` functions.

Each job does everything that is due up to ``now`` — not just what fell in its own tick — so a
run after downtime catches up, and a second run finds nothing left to do. The scheduler only
decides when to call them (``server/jobs/scheduler.py``); ``wardwalk run-job NAME`` calls one by
hand, and tests call them with a fixed clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask

from server.jobs import (
    coverage,
    deliveries,
    escalation,
    missing_logs,
    overdue,
    reminders,
    waste_store,
    weekly_rollup,
)


@dataclass(frozen=True)
class Job:
    """A job and how often the scheduler runs it."""

    name: str
    run: Callable[..., dict[str, Any]]
    every_minutes: int


JOBS = {
    job.name: job
    for job in (
        Job("overdue", overdue.run, 5),
        Job("reminders", reminders.run, 15),
        Job("escalation", escalation.run, 60),
        Job("coverage", coverage.run, 60),
        # Hourly, so each hospital's snapshot is taken in the hour after Monday 07:00 local.
        Job("weekly-rollup", weekly_rollup.run, 60),
        Job("deliveries", deliveries.run, 1),
        # Hourly: waste still in the temporary store past 48 h is due the same day.
        Job("waste-store", waste_store.run, 60),
        # Hourly: a day's missing logs are reported in the first hour after local midnight.
        Job("missing-logs", missing_logs.run, 60),
    )
}


def run_job(app: Flask, name: str, now: datetime | None = None) -> dict[str, Any]:
    """Run one job in its own app context and transaction; return its summary."""
    from server.extensions import db
    from server.timeutil import utcnow
    from server.write_intent import sqlite_write_intent

    with app.app_context(), sqlite_write_intent():
        try:
            summary = JOBS[name].run(db.session, now or utcnow(), app.config)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
    return summary
