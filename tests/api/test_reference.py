"""Departments and locations a device caches: only the caller's hospitals (contract)."""

import pytest

from tests import factories

DEPARTMENTS = "/api/v1/departments"
LOCATIONS = "/api/v1/locations"


def test_departments_are_those_of_the_callers_hospital(
    client, session, hospital, other_hospital, make_user
):
    _user, headers = make_user("inspector")
    nursing = factories.department(session, hospital, code="nursing")
    session.commit()
    response = client.get(DEPARTMENTS, headers=headers)
    assert response.status_code == 200
    expected = {department.id for department in hospital.departments} | {nursing.id}
    assert {department["id"] for department in response.json} == expected


def test_a_department_carries_its_code_and_bilingual_name(client, session, hospital, make_user):
    _user, headers = make_user("inspector")
    department = factories.department(
        session, hospital, code="nursing", name_zh="护理部", name_en="Nursing"
    )
    session.commit()
    listed = {entry["id"]: entry for entry in client.get(DEPARTMENTS, headers=headers).json}
    assert listed[department.id]["code"] == "nursing"
    assert listed[department.id]["name"] == {"zh-CN": "护理部", "en": "Nursing"}


def test_a_user_of_two_hospitals_sees_the_departments_of_both(
    client, session, hospital, other_hospital, make_user
):
    user, headers = make_user("supervisor")
    user.hospitals.append(other_hospital)
    session.commit()
    response = client.get(DEPARTMENTS, headers=headers)
    expected = {d.id for d in hospital.departments} | {d.id for d in other_hospital.departments}
    assert {department["id"] for department in response.json} == expected


def test_locations_are_those_of_the_callers_hospital(client, hospital, other_hospital, make_user):
    _user, headers = make_user("inspector")
    response = client.get(LOCATIONS, headers=headers)
    assert response.status_code == 200
    hospitals = {location["hospital_id"] for location in response.json}
    assert hospitals == {hospital.id}
    assert len(response.json) == 1


def test_a_location_carries_the_contract_fields(client, session, hospital, make_user):
    _user, headers = make_user("inspector")
    department = factories.department(session, hospital)
    floor = factories.location(session, hospital, code="OPD-1F", kind="floor")
    hall = factories.location(
        session,
        hospital,
        code="OPD-1F-HALL",
        name_zh="门诊大厅",
        name_en="Outpatient hall",
        parent_id=floor.id,
        department_id=department.id,
        use="outpatient_hall",
    )
    session.commit()
    listed = {entry["id"]: entry for entry in client.get(LOCATIONS, headers=headers).json}
    assert listed[hall.id] == {
        **listed[hall.id],
        "id": hall.id,
        "code": "OPD-1F-HALL",
        "name": {"zh-CN": "门诊大厅", "en": "Outpatient hall"},
        "parent_id": floor.id,
        "department_id": department.id,
        "kind": "area",
        "use": "outpatient_hall",
    }
    assert listed[floor.id]["parent_id"] is None
    assert listed[floor.id]["kind"] == "floor"


def test_a_place_without_a_use_answers_null(client, session, hospital, make_user):
    _user, headers = make_user("inspector")
    place = factories.location(session, hospital)
    session.commit()

    listed = {entry["id"]: entry for entry in client.get(LOCATIONS, headers=headers).json}

    assert listed[place.id]["use"] is None


def test_inactive_locations_are_not_listed(client, session, hospital, make_user):
    _user, headers = make_user("inspector")
    closed = factories.location(session, hospital, active=False)
    session.commit()
    listed = {entry["id"] for entry in client.get(LOCATIONS, headers=headers).json}
    assert closed.id not in listed
    assert len(listed) == 1


@pytest.mark.parametrize("role", ["admin", "supervisor", "inspector", "department_head"])
def test_every_role_can_read_reference_data(client, make_user, role):
    _user, headers = make_user(role)
    assert client.get(DEPARTMENTS, headers=headers).status_code == 200
    assert client.get(LOCATIONS, headers=headers).status_code == 200


@pytest.mark.parametrize("path", [DEPARTMENTS, LOCATIONS])
def test_reference_data_needs_a_token(client, assert_error, path):
    assert_error(client.get(path), 401, "auth.required")
