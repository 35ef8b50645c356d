"""The waste-store job: waste still in the temporary store after 48 h opens a same-day task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server.jobs import run_job
from server.models import RectificationTask
from tests import factories as f

PUSH = "/api/v1/sync/push"
STORED = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)  # Saturday 09:00 in Shanghai
ITEM = "medical_waste_transfer.stored_max_48h"


@pytest.fixture
def headers(make_user, infection_control):
    return make_user("inspector")[1]


def intake(client, headers, location_id: int, stored_at: datetime) -> str:
    fields = {
        "source_department": "内科",
        "waste_class": "infectious",
        "weight_kg": 3.2,
        "packages": 2,
        "stored_at": stored_at.isoformat(),
        "handed_over_by": "王护士",
        "received_by": "赵师傅",
    }
    return _push(client, headers, location_id, "medical_waste_handover", fields, stored_at)


def collection(client, headers, location_id: int, collected_at: datetime) -> str:
    fields = {
        "oldest_stored_at": (collected_at - timedelta(hours=1)).isoformat(),
        "collected_at": collected_at.isoformat(),
        "contractor": "市医疗废物集中处置中心",
        "manifest_no": "2026-3301-000123",
        "weight_kg": 40,
        "released_by": "赵师傅",
        "contractor_received_by": "钱司机",
    }
    return _push(client, headers, location_id, "medical_waste_transfer", fields, collected_at)


def _push(client, headers, location_id, record_type, fields, moment) -> str:
    record = f.record_payload(
        location_id, fields, record_type=record_type, recorded_at=moment.isoformat()
    )
    response = client.post(PUSH, json=f.push_body(records=[record]), headers=headers)
    assert response.json["results"][0]["status"] == "created", response.json
    return record["id"]


def tasks(session) -> list[RectificationTask]:
    session.commit()
    return session.scalars(select(RectificationTask).where(RectificationTask.item_id == ITEM)).all()


def test_waste_in_store_past_48_hours_opens_a_task_due_that_day(
    app, client, session, headers, place, general_affairs
):
    record_id = intake(client, headers, place.id, STORED)
    summary = run_job(app, "waste-store", STORED + timedelta(hours=48, minutes=1))
    assert summary == {"reported": 1, "opened": 1}
    [task] = tasks(session)
    assert task.location_id == place.id
    assert task.department_id == general_affairs.id
    assert task.due_at == datetime(2026, 11, 23, 15, 59, 59, 999999, tzinfo=UTC)  # Monday
    assert [str(r.id) for r in task.records] == [record_id]


def test_waste_in_store_for_exactly_48_hours_is_not_yet_late(app, client, session, headers, place):
    intake(client, headers, place.id, STORED)
    assert run_job(app, "waste-store", STORED + timedelta(hours=48)) == {"reported": 0}
    assert tasks(session) == []


def test_a_second_run_reports_nothing_again(app, client, session, headers, place):
    intake(client, headers, place.id, STORED)
    run_job(app, "waste-store", STORED + timedelta(hours=49))
    assert run_job(app, "waste-store", STORED + timedelta(hours=50)) == {"reported": 0}
    [task] = tasks(session)
    assert task.occurrences == 1


def test_a_second_late_intake_adds_an_occurrence_to_the_open_task(
    app, client, session, headers, place
):
    intake(client, headers, place.id, STORED)
    run_job(app, "waste-store", STORED + timedelta(hours=49))
    intake(client, headers, place.id, STORED + timedelta(hours=2))
    run_job(app, "waste-store", STORED + timedelta(hours=51))
    [task] = tasks(session)
    assert task.occurrences == 2


def test_a_collection_after_the_intake_takes_the_waste_away(app, client, session, headers, place):
    intake(client, headers, place.id, STORED)
    collection(client, headers, place.id, STORED + timedelta(hours=20))
    assert run_job(app, "waste-store", STORED + timedelta(hours=49)) == {"reported": 0}
    assert tasks(session) == []


def test_a_collection_before_the_intake_does_not_cover_it(app, client, session, headers, place):
    collection(client, headers, place.id, STORED - timedelta(hours=1))
    intake(client, headers, place.id, STORED)
    assert run_job(app, "waste-store", STORED + timedelta(hours=49))["reported"] == 1


def test_a_collection_at_another_store_does_not_cover_it(
    app, client, session, headers, hospital, place
):
    other = f.location(session, hospital, department=hospital.departments[0])
    session.commit()
    intake(client, headers, place.id, STORED)
    collection(client, headers, other.id, STORED + timedelta(hours=20))
    assert run_job(app, "waste-store", STORED + timedelta(hours=49))["reported"] == 1


def test_the_job_runs_from_the_command_line(app, client, session, headers, place, runner):
    intake(client, headers, place.id, STORED)
    moment = (STORED + timedelta(hours=49)).isoformat()
    result = runner.invoke(args=["run-job", "waste-store", "--now", moment])
    assert result.exit_code == 0, result.output
    assert len(tasks(session)) == 1
