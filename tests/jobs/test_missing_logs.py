"""The missing-logs job: a place whose expected log fell short on a day gets a task, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.jobs import run_job
from server.models import RectificationTask
from tests import factories as f

PUSH = "/api/v1/sync/push"
ITEM = "sewage_chlorine.missing"
DAY = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
NEXT_MORNING = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Tuesday 01:00 in Shanghai


@pytest.fixture
def station(session, hospital, general_affairs):
    """A sewage station, where two chlorine readings a day are expected, at a hospital that keeps
    its logs in Wardwalk since before the days judged."""
    hospital.settings = {**hospital.settings, "logs_expected_from": "2026-11-01"}
    place = f.location(session, hospital, use="sewage_station", department_id=general_affairs.id)
    session.commit()
    return place


@pytest.fixture
def headers(make_user, infection_control):
    return make_user("inspector")[1]


def reading(client, headers, location_id: int, moment: datetime) -> None:
    fields = {
        "measured_at": moment.isoformat(),
        "sampling_point": "接触池出口",
        "residual_chlorine": 5,
        "contact_minutes": 90,
        "operator": "孙师傅",
    }
    record = f.record_payload(
        location_id, fields, record_type="sewage_chlorine", recorded_at=moment.isoformat()
    )
    response = client.post(PUSH, json=f.push_body(records=[record]), headers=headers)
    assert response.json["results"][0]["status"] == "created", response.json


def tasks(session) -> list[RectificationTask]:
    session.commit()
    return session.scalars(select(RectificationTask).where(RectificationTask.item_id == ITEM)).all()


def _both_lookback_days_read_twice(client, headers, station, backs=(0, 1)) -> None:
    for back in backs:
        day = DAY - timedelta(days=back)
        reading(client, headers, station.id, day)
        reading(client, headers, station.id, day + timedelta(hours=8))


def test_a_day_with_one_of_two_readings_opens_a_task_for_the_station(
    app, client, session, headers, station, general_affairs
):
    _both_lookback_days_read_twice(client, headers, station)
    reading(client, headers, station.id, NEXT_MORNING - timedelta(hours=1))  # Tuesday's first
    summary = run_job(app, "missing-logs", NEXT_MORNING + timedelta(days=1))  # judges Mon, Tue
    assert summary == {"reported": 1, "opened": 1}
    [task] = tasks(session)
    assert task.location_id == station.id
    assert task.department_id == general_affairs.id
    assert task.source == "record"
    assert (task.severity, task.points) == ("major", 2)
    assert "2026-11-24" in task.title_zh and "found 1" in task.title_en


def test_days_with_every_expected_reading_open_nothing(app, client, session, headers, station):
    _both_lookback_days_read_twice(client, headers, station)
    assert run_job(app, "missing-logs", NEXT_MORNING) == {"reported": 0}
    assert tasks(session) == []


def test_a_second_run_reports_the_same_day_again_never(app, client, session, headers, station):
    _both_lookback_days_read_twice(client, headers, station)
    later = NEXT_MORNING + timedelta(days=1)
    assert run_job(app, "missing-logs", later) == {"reported": 1, "opened": 1}
    assert run_job(app, "missing-logs", later + timedelta(hours=1)) == {"reported": 0}
    [task] = tasks(session)
    assert task.occurrences == 1


def test_two_short_days_are_two_occurrences_of_one_task(app, session, headers, station):
    assert run_job(app, "missing-logs", NEXT_MORNING) == {"reported": 2, "opened": 1}
    [task] = tasks(session)
    assert task.occurrences == 2


def test_today_is_not_judged_before_it_is_over(app, client, session, headers, station):
    _both_lookback_days_read_twice(client, headers, station, backs=(1, 2))  # Saturday, Sunday
    reading(client, headers, station.id, DAY)  # Monday: one reading so far
    assert run_job(app, "missing-logs", DAY + timedelta(hours=2)) == {"reported": 0}


def test_a_place_of_another_use_is_not_expected_to_read_chlorine(
    app, session, headers, hospital, general_affairs
):
    f.location(session, hospital, use="toilet", department_id=general_affairs.id)
    session.commit()
    assert run_job(app, "missing-logs", NEXT_MORNING) == {"reported": 0}


def test_a_hospital_that_has_not_started_its_logs_is_not_judged(
    session, app, headers, hospital, station
):
    hospital.settings = {k: v for k, v in hospital.settings.items() if k != "logs_expected_from"}
    session.commit()
    assert run_job(app, "missing-logs", NEXT_MORNING) == {"reported": 0}
    assert tasks(session) == []


def test_days_before_the_logs_started_are_not_judged(session, app, headers, hospital, station):
    hospital.settings = {**hospital.settings, "logs_expected_from": DAY.date().isoformat()}
    session.commit()
    # Two finished days are in reach, Sunday and Monday, and nothing was read on either; the
    # logs started on Monday, so only Monday is short.
    assert run_job(app, "missing-logs", NEXT_MORNING)["reported"] == 1
    assert [task.occurrences for task in tasks(session)] == [1]
