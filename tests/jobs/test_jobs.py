"""Scheduled jobs with a controllable clock: each does what is due, once, and catches up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from server.jobs import JOBS, run_job
from server.models import Notification, RectificationTask, TaskEvent, WeeklyRollup
from server.models.org import Location
from tests import factories as f

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai


def _count(session, model, *where) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def head(session, hospital, make_user):
    department = hospital.departments[0]
    user, _ = make_user("department_head", department_id=department.id)
    return user


@pytest.fixture
def supervisor(make_user):
    user, _ = make_user("supervisor")
    return user


def test_overdue_marks_a_late_task_once_with_an_event(app, session, hospital, head):
    task = f.task(session, hospital, due_at=NOW - timedelta(hours=1))
    session.commit()
    first = run_job(app, "overdue", NOW)
    second = run_job(app, "overdue", NOW + timedelta(minutes=5))
    assert (first, second) == ({"marked": 1}, {"marked": 0})
    assert (
        _count(session, TaskEvent, TaskEvent.task_id == task.id, TaskEvent.action == "overdue") == 1
    )
    assert (
        _count(
            session,
            Notification,
            Notification.code == "task.overdue",
            Notification.user_id == head.id,
        )
        == 1
    )


def test_overdue_leaves_tasks_due_later_and_closed_tasks_alone(app, session, hospital):
    f.task(session, hospital, due_at=NOW + timedelta(hours=1))
    f.task(
        session,
        hospital,
        due_at=NOW - timedelta(days=2),
        status="closed",
        closed_at=NOW - timedelta(days=1),
    )
    session.commit()
    assert run_job(app, "overdue", NOW) == {"marked": 0}


def test_a_new_deadline_lets_the_task_be_marked_overdue_again(
    app, session, hospital, client, make_user
):
    task = f.task(session, hospital, due_at=NOW - timedelta(hours=1))
    session.commit()
    run_job(app, "overdue", NOW)
    _, headers = make_user("supervisor")
    later = datetime.now(UTC) + timedelta(hours=2)
    client.patch(
        f"/api/v1/tasks/{task.id}",
        headers={**headers, "If-Match": '"2"'},
        json={"due_at": later.isoformat(), "reason": "parts on order"},
    )
    session.commit()
    assert session.get(RectificationTask, task.id).overdue_marked_at is None
    assert run_job(app, "overdue", later + timedelta(minutes=1)) == {"marked": 1}


def test_reminders_notify_once_per_task_and_deadline(app, session, hospital, head):
    f.task(session, hospital, due_at=NOW + timedelta(hours=20))
    f.task(session, hospital, due_at=NOW + timedelta(days=3))  # not yet
    session.commit()
    assert run_job(app, "reminders", NOW)["notified"] == 1
    assert run_job(app, "reminders", NOW + timedelta(minutes=15))["notified"] == 0
    assert _count(session, Notification, Notification.code == "task.due_soon") == 1


def test_reminders_go_to_the_assignee_when_there_is_one(app, session, hospital, make_user):
    assignee, _ = make_user("department_head")
    f.task(
        session,
        hospital,
        due_at=NOW + timedelta(hours=2),
        assignee_id=assignee.id,
        status="assigned",
    )
    session.commit()
    run_job(app, "reminders", NOW)
    recipients = set(session.scalars(select(Notification.user_id)))
    assert recipients == {assignee.id}


def test_escalation_reaches_supervisors_after_the_grace_days_once(
    app, session, hospital, supervisor
):
    f.task(session, hospital, due_at=NOW - timedelta(days=2))  # overdue, not long enough
    late = f.task(session, hospital, due_at=NOW - timedelta(days=4))
    session.commit()
    assert run_job(app, "escalation", NOW) == {"escalated": 1, "escalated_to_leadership": 0}
    again = run_job(app, "escalation", NOW + timedelta(hours=1))
    assert again == {"escalated": 0, "escalated_to_leadership": 0}
    note = session.scalars(select(Notification)).one()
    assert (note.user_id, note.code, note.task_id) == (supervisor.id, "task.escalated", late.id)


def test_a_task_long_overdue_climbs_both_rungs_in_one_run(app, session, hospital, supervisor):
    late = f.task(session, hospital, due_at=NOW - timedelta(days=8))
    session.commit()

    assert run_job(app, "escalation", NOW) == {"escalated": 1, "escalated_to_leadership": 1}
    actions = session.scalars(
        select(TaskEvent.action).where(TaskEvent.task_id == late.id).order_by(TaskEvent.id)
    ).all()
    assert actions == ["escalated", "escalated_to_leadership"]
    assert run_job(app, "escalation", NOW + timedelta(days=1)) == {
        "escalated": 0,
        "escalated_to_leadership": 0,
    }


def test_the_ladder_follows_the_hospitals_own_days(app, session, hospital, supervisor):
    hospital.settings = {
        "escalate_to_supervisors_after_days": 1,
        "escalate_to_leadership_after_days": 2,
    }
    task = f.task(session, hospital, due_at=NOW - timedelta(days=1, hours=1))
    session.commit()

    assert run_job(app, "escalation", NOW) == {"escalated": 1, "escalated_to_leadership": 0}
    later = NOW + timedelta(days=1)
    assert run_job(app, "escalation", later) == {"escalated": 0, "escalated_to_leadership": 1}
    session.commit()
    row = session.get(RectificationTask, task.id)
    assert (row.escalated_at, row.leadership_escalated_at) == (NOW, later)
    note = session.scalars(select(Notification).where(Notification.user_id == supervisor.id)).one()
    assert (note.code, note.params["days"]) == ("task.escalated", 1)


def test_a_new_deadline_starts_a_new_ladder(app, session, hospital, supervisor):
    task = f.task(session, hospital, due_at=NOW - timedelta(days=8))
    session.commit()
    run_job(app, "escalation", NOW)
    row = session.get(RectificationTask, task.id)
    row.due_at = NOW + timedelta(days=1)
    row.escalated_at = None  # as a writer that knows only the first rung leaves it
    session.commit()

    summary = run_job(app, "escalation", NOW + timedelta(days=5))

    assert summary == {"escalated": 1, "escalated_to_leadership": 0}
    session.commit()
    assert session.get(RectificationTask, task.id).leadership_escalated_at is None


def test_a_department_head_is_told_when_their_task_becomes_overdue(app, session, hospital, head):
    task = f.task(session, hospital, due_at=NOW - timedelta(hours=1))
    session.commit()
    run_job(app, "overdue", NOW)
    session.commit()
    note = session.scalars(select(Notification).where(Notification.user_id == head.id)).one()
    assert (note.code, note.task_id, note.created_at) == ("task.overdue", task.id, NOW)


def test_coverage_names_places_not_inspected_in_14_days_once_a_day(
    app, session, hospital, supervisor
):
    places = list(session.scalars(select(Location).where(Location.hospital_id == hospital.id)))
    summary = run_job(app, "coverage", NOW)
    assert summary["uncovered"][hospital.code] == len(places)
    run_job(app, "coverage", NOW + timedelta(hours=1))
    assert _count(session, Notification, Notification.code == "coverage.gap") == 1
    run_job(app, "coverage", NOW + timedelta(days=1))
    assert _count(session, Notification, Notification.code == "coverage.gap") == 2


def test_the_weekly_rollup_job_run_twice_stores_one_snapshot(app, session, hospital):
    hospital.created_at = datetime(2026, 11, 1, tzinfo=UTC)
    session.commit()
    monday_8am = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # Monday 08:00 Shanghai
    first = run_job(app, "weekly-rollup", monday_8am)
    again = run_job(app, "weekly-rollup", monday_8am + timedelta(hours=1))
    assert f"{hospital.code}:2026-W48" in first["stored"]
    assert again == {"stored": []}
    assert _count(session, WeeklyRollup, WeeklyRollup.week == "2026-W48") == 1


def test_the_weekly_rollup_waits_for_monday_seven_oclock_local(app, session, hospital):
    hospital.created_at = datetime(2026, 11, 20, tzinfo=UTC)
    session.commit()
    monday_6am = datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # Monday 30 Nov 06:00 Shanghai
    # The week before (W47) was due last Monday; W48 is not due yet.
    assert run_job(app, "weekly-rollup", monday_6am) == {"stored": [f"{hospital.code}:2026-W47"]}
    monday_7am = monday_6am + timedelta(hours=1)
    assert run_job(app, "weekly-rollup", monday_7am) == {"stored": [f"{hospital.code}:2026-W48"]}


def test_missed_mondays_are_caught_up(app, session, hospital):
    hospital.created_at = datetime(2026, 11, 1, tzinfo=UTC)
    session.commit()
    # Nothing ran since the hospital was set up on Sunday 1 Nov (the last day of W44).
    summary = run_job(app, "weekly-rollup", datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    assert summary["stored"] == [f"{hospital.code}:2026-W{week}" for week in (44, 45, 46, 47, 48)]


def test_weeks_before_the_hospital_existed_get_no_snapshot(app, session, hospital):
    hospital.created_at = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)  # Monday of W48
    session.commit()
    summary = run_job(app, "weekly-rollup", datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
    assert summary["stored"] == [f"{hospital.code}:2026-W48"]


def test_every_job_is_a_cli_command(app, session, hospital):
    session.commit()
    runner = app.test_cli_runner()
    for name in JOBS:
        result = runner.invoke(args=["run-job", name, "--now", "2026-11-25T10:00:00+08:00"])
        assert result.exit_code == 0, (name, result.output)


def test_run_job_refuses_an_unknown_name_and_a_naive_time(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["run-job", "nope"]).exit_code != 0
    assert runner.invoke(args=["run-job", "overdue", "--now", "2026-11-25T10:00"]).exit_code != 0
