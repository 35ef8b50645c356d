"""Recorders (ward nurses, porters, sewage operators) keep their own department's logs.

They push record forms at their department's places without an inspection, see those places and
the logs they kept, and nothing else; inspectors read every log of the place they visit.
"""

from __future__ import annotations

import pytest

from tests import factories as f

PUSH, RECORDS, LOCATIONS = "/api/v1/sync/push", "/api/v1/records", "/api/v1/locations"
USERS = "/api/v1/users"


def sewage_reading(location_id: int, **overrides) -> dict:
    fields = {
        "measured_at": "2026-11-23T09:00:00+08:00",
        "sampling_point": "接触池出口",
        "residual_chlorine": 5,
        "contact_minutes": 90,
        "operator": "孙师傅",
    }
    return f.record_payload(
        location_id,
        fields,
        record_type="sewage_chlorine",
        recorded_at="2026-11-23T01:00:00+00:00",
        **overrides,
    )


@pytest.fixture
def station(session, hospital, general_affairs):
    place = f.location(session, hospital, use="sewage_station", department_id=general_affairs.id)
    session.commit()
    return place


@pytest.fixture
def ward(session, hospital):
    department = f.department(session, hospital, code="ward_5")
    place = f.location(session, hospital, use="ward", department_id=department.id)
    session.commit()
    return place


@pytest.fixture
def operator(make_user, infection_control, general_affairs):
    """The sewage station's operator: a recorder of general affairs, which owns the station."""
    return make_user("recorder", department_id=general_affairs.id)


def _pushed(client, headers, **body) -> dict:
    response = client.post(PUSH, json=f.push_body(**body), headers=headers)
    assert response.status_code == 200, response.json
    [result] = response.json["results"]
    return result


def test_a_recorder_logs_a_reading_at_their_departments_place(client, operator, station):
    _user, headers = operator
    assert _pushed(client, headers, records=[sewage_reading(station.id)])["status"] == "created"


def test_a_recorder_may_not_log_at_another_departments_place(client, operator, ward):
    _user, headers = operator
    result = _pushed(client, headers, records=[sewage_reading(ward.id)])
    assert (result["status"], result["code"]) == ("rejected", "sync.outside_department")
    assert set(result["errors"]) == {"location_id"}


def test_a_recorder_may_not_push_an_inspection(client, operator, station):
    _user, headers = operator
    result = _pushed(client, headers, inspections=[f.inspection_payload(station.id)])
    assert (result["status"], result["code"]) == ("rejected", "sync.records_only")


def test_a_department_head_may_not_push_logs(client, make_user, assert_error, station):
    _user, headers = make_user("department_head")
    response = client.post(
        PUSH, json=f.push_body(records=[sewage_reading(station.id)]), headers=headers
    )
    assert_error(response, 403, "auth.forbidden")


def test_a_recorder_sees_only_their_departments_places(client, operator, station, ward):
    _user, headers = operator
    ids = {place["id"] for place in client.get(LOCATIONS, headers=headers).json}
    assert station.id in ids and ward.id not in ids


def test_a_recorder_reads_the_logs_they_kept_and_no_one_elses(client, make_user, operator, station):
    _user, headers = operator
    _other, other_headers = make_user("inspector")
    mine = sewage_reading(station.id)
    _pushed(client, headers, records=[mine])
    _pushed(client, other_headers, records=[sewage_reading(station.id)])
    listed = client.get(RECORDS, headers=headers).json
    assert [entry["id"] for entry in listed] == [mine["id"]]


def test_an_inspector_reads_every_log_of_the_place_visited(client, make_user, operator, station):
    _user, headers = operator
    kept = sewage_reading(station.id)
    _pushed(client, headers, records=[kept])
    _inspector, inspector_headers = make_user("inspector")
    listed = client.get(
        RECORDS, query_string={"location_id": station.id}, headers=inspector_headers
    )
    [entry] = listed.json
    assert (entry["id"], entry["record_type"]) == (kept["id"], "sewage_chlorine")
    assert entry["fields"]["sampling_point"] == "接触池出口"


def test_a_recorder_reads_no_tasks(client, operator, assert_error):
    _user, headers = operator
    assert_error(client.get("/api/v1/tasks", headers=headers), 403, "auth.forbidden")


def test_an_admin_grants_the_recorder_role(client, hospital, make_user):
    _admin, headers = make_user("admin")
    body = {
        "username": "ward.nurse",
        "display_name": "病区护士",
        "password": "ward-round-7",
        "roles": ["recorder"],
        "hospital_ids": [hospital.id],
    }
    response = client.post(USERS, json=body, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["roles"] == ["recorder"]
