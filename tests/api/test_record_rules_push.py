"""Record rules through a push: the hospital's sewage category and same-day legal limits."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.models import RectificationTask
from tests import factories as f

PUSH = "/api/v1/sync/push"
RECORDED = "2026-11-23T09:20:00+08:00"  # Monday; a legal limit is due 23:59:59 that day
SAME_DAY = datetime(2026, 11, 23, 15, 59, 59, 999999, tzinfo=UTC)
THIRD_DAY = datetime(2026, 11, 25, 15, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture
def inspector(make_user, infection_control):
    return make_user("inspector")


def push(client, headers, location_id: int, record_type: str, fields: dict) -> dict:
    record = f.record_payload(location_id, fields, record_type=record_type, recorded_at=RECORDED)
    response = client.post(PUSH, json=f.push_body(records=[record]), headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["results"][0]["status"] == "created", response.json
    return response.json


def reading(chlorine: float) -> dict:
    return {
        "measured_at": RECORDED,
        "sampling_point": "接触池出口",
        "residual_chlorine": chlorine,
        "contact_minutes": 70,
        "operator": "孙师傅",
    }


def test_a_pretreatment_hospital_passes_a_reading_of_2_5(
    client, session, hospital, inspector, place
):
    hospital.settings = {"sewage_category": "pretreatment"}
    session.commit()
    _, headers = inspector
    body = push(client, headers, place.id, "sewage_chlorine", reading(2.5))
    assert body["tasks"] == []


def test_chlorine_out_of_range_is_due_the_same_day(client, session, hospital, inspector, place):
    _, headers = inspector
    body = push(client, headers, place.id, "sewage_chlorine", reading(2.5))
    task = session.get(RectificationTask, body["tasks"][0]["id"])
    assert task.item_id == "sewage_chlorine.residual_chlorine_direct"
    assert task.severity == "major"
    assert task.due_at == SAME_DAY


def test_waste_collected_after_48_hours_is_due_the_same_day(client, session, inspector, place):
    _, headers = inspector
    fields = {
        "oldest_stored_at": "2026-11-21T08:00:00+08:00",
        "collected_at": "2026-11-23T09:00:00+08:00",
        "contractor": "市医疗废物集中处置中心",
        "manifest_no": "2026-3301-000123",
        "weight_kg": 40,
        "released_by": "赵师傅",
        "contractor_received_by": "钱司机",
    }
    body = push(client, headers, place.id, "medical_waste_transfer", fields)
    task = session.get(RectificationTask, body["tasks"][0]["id"])
    assert task.item_id == "medical_waste_transfer.stored_max_48h"
    assert task.due_at == SAME_DAY


def test_a_new_lamp_at_80_opens_a_task_by_its_severity(client, session, inspector, place):
    _, headers = inspector
    fields = {
        "lamp_code": "UV-3",
        "measured_at": RECORDED,
        "lamp_type": "standard_30w",
        "lamp_new": True,
        "irradiance": 80,
        "checked_by": "李护士",
    }
    body = push(client, headers, place.id, "uv_lamp_check", fields)
    task = session.get(RectificationTask, body["tasks"][0]["id"])
    assert task.item_id == "uv_lamp_check.irradiance_new_lamp"
    assert task.due_at == THIRD_DAY


def test_a_lamp_record_without_its_type_is_rejected_naming_the_field(client, inspector, place):
    _, headers = inspector
    fields = {"lamp_code": "UV-3", "measured_at": RECORDED, "lamp_new": False, "irradiance": 80}
    record = f.record_payload(place.id, fields, record_type="uv_lamp_check")
    response = client.post(PUSH, json=f.push_body(records=[record]), headers=headers)
    result = response.json["results"][0]
    assert result["status"] == "rejected"
    assert set(result["errors"]) == {"fields.lamp_type"}
