"""Who answers for a failure: the item's ``responsible`` routes its task (docs/checklists.md).

``location`` (the default) gives the task to the department that owns the place, or to the owner
of the nearest enclosing place when the place names none; a department code gives it to that
department of the hospital, or to the place's owner when the hospital has no such department.
Tasks are opened as devices open them, by pushing failing answers and records.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from server.models import Department, Location, RectificationTask
from server.services.checklists import load_checklists
from tests import factories as f

PUSH = "/api/v1/sync/push"


def _item(item_id: str, **routing) -> dict:
    return f.checklist_item(item_id, **routing)


ROUTING = {
    "id": "routing",
    "kind": "other",
    "title": {"zh-CN": "分派测试", "en": "Routing test"},
    "source": "tests",
    "sections": [
        {
            "id": "ward",
            "title": {"zh-CN": "病区", "en": "Ward"},
            "items": [
                _item("ward.tidy", responsible="location"),
                _item("ward.lights", responsible="general_affairs"),
                _item("ward.unknown", responsible="no_such_department"),
                _item("ward.default"),
            ],
        },
        {
            "id": "grounds",
            "title": {"zh-CN": "院区", "en": "Grounds"},
            "responsible": "property",
            "items": [_item("grounds.litter"), _item("grounds.own", responsible="location")],
        },
    ],
    "record_types": [
        {
            "id": "fridge_log",
            "title": {"zh-CN": "冰箱温度", "en": "Fridge log"},
            "source": "tests",
            "fields": [
                {"id": "signed_by", "type": "signature", "label": {"zh-CN": "签名", "en": "By"}}
            ],
            "rules": [
                {
                    "id": "signed",
                    "check": "present",
                    "fields": ["signed_by"],
                    "severity": "minor",
                    "points": 1,
                    "text": {"zh-CN": "已签名", "en": "Signed"},
                    "source": "tests",
                }
            ],
        }
    ],
}

# A file written before ``responsible``: its items named their department.
LEGACY = {
    "id": "legacy",
    "kind": "other",
    "title": {"zh-CN": "旧格式", "en": "Old format"},
    "source": "tests",
    "sections": [
        {
            "id": "main",
            "title": {"zh-CN": "主要", "en": "Main"},
            "items": [_item("main.lights", department="property")],
        }
    ],
}


@pytest.fixture
def checklists(app, session, checklist_dir):
    for definition in (ROUTING, LEGACY):
        (checklist_dir / f"{definition['id']}.yaml").write_text(
            yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8"
        )
    load_checklists(session, checklist_dir)
    session.commit()


@pytest.fixture
def org(session, hospital):
    """A ward owning a floor whose corridor names no owner; property; a place owned by nobody."""
    general_affairs = next(d for d in hospital.departments if d.code == "general_affairs")
    ward = f.department(session, hospital, code="ward5")
    property_ = f.department(session, hospital, code="property")
    building = f.location(session, hospital, kind="building")
    floor = f.location(session, hospital, kind="floor", parent_id=building.id, department=ward)
    corridor = f.location(session, hospital, parent_id=floor.id)
    room = f.location(session, hospital, parent_id=floor.id, department=ward)
    nowhere = f.location(session, hospital, parent_id=building.id)
    session.commit()
    return {
        "ward": ward,
        "property": property_,
        "general_affairs": general_affairs,
        "room": room,
        "corridor": corridor,
        "nowhere": nowhere,
    }


@pytest.fixture
def fail(client, make_user, checklists, session):
    """Push a failing answer of ``item_id`` at ``place``; return the task's department id."""
    _, headers = make_user("inspector")

    def push(place: Location, item_id: str, checklist_id: str = "routing") -> int | None:
        inspection = f.inspection_payload(place.id, checklist_id=checklist_id)
        finding = f.finding_payload(inspection["id"], item_id, "fail")
        response = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        [task] = response.json["tasks"]
        return session.get(RectificationTask, task["id"]).department_id

    return push


def test_a_location_item_goes_to_the_department_that_owns_the_place(fail, org):
    assert fail(org["room"], "ward.tidy") == org["ward"].id


def test_an_item_that_names_nobody_goes_to_the_place_too(fail, org):
    assert fail(org["room"], "ward.default") == org["ward"].id


def test_a_place_without_an_owner_answers_through_the_place_around_it(fail, org):
    assert fail(org["corridor"], "ward.tidy") == org["ward"].id


def test_a_place_nobody_owns_up_the_tree_leaves_the_task_without_a_department(fail, org):
    assert fail(org["nowhere"], "ward.tidy") is None


def test_a_department_code_wins_over_the_place(fail, org):
    assert fail(org["room"], "ward.lights") == org["general_affairs"].id


def test_a_code_the_hospital_lacks_falls_back_to_the_place(fail, org):
    assert fail(org["corridor"], "ward.unknown") == org["ward"].id


def test_a_section_routes_the_items_that_name_nobody(fail, org):
    assert fail(org["room"], "grounds.litter") == org["property"].id


def test_an_item_overrides_its_section(fail, org):
    assert fail(org["room"], "grounds.own") == org["ward"].id


def test_an_item_of_an_old_file_goes_to_the_department_it_named(fail, org):
    assert fail(org["room"], "main.lights", checklist_id="legacy") == org["property"].id


def test_a_broken_record_rule_goes_to_the_place_by_default(
    client, make_user, checklists, session, org
):
    _, headers = make_user("inspector")
    record = f.record_payload(org["corridor"].id, {}, record_type="fridge_log")
    response = client.post(PUSH, json=f.push_body(records=[record]), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    [task] = response.json["tasks"]
    assert session.get(RectificationTask, task["id"]).department_id == org["ward"].id


DEMO_PASSWORD = "demo-pass-1"


@pytest.fixture
def demo(app, session):
    """The demo hospital with the shipped checklists."""
    return f.demo(session, Path(app.config["CHECKLIST_DIR"]), DEMO_PASSWORD)


@pytest.mark.parametrize(
    ("checklist_id", "item_id", "place", "department"),
    [
        ("infection-control", "hand_hygiene.facilities", "IPD-5F-NS", "internal_medicine"),
        ("civilized-city", "environment.public_areas_clean", "IPD-6F-WARD", "surgery"),
        ("civilized-city", "toilets.fixtures_intact", "IPD-5F-WC", "general_affairs"),
        ("smoke-free", "signs.entrances", "OPD-1F-ENT", "general_affairs"),
    ],
)
def test_the_demo_wards_own_what_fails_inside_them(
    client, session, demo, checklist_id, item_id, place, department
):
    location = session.scalars(
        select(Location).where(Location.hospital_id == demo.id, Location.code == place)
    ).one()
    login = {"username": "inspector", "password": DEMO_PASSWORD}
    token = client.post("/api/v1/auth/login", json=login).json["token"]
    inspection = f.inspection_payload(location.id, checklist_id=checklist_id)
    photos = [f.photo_ref(f.jpeg_bytes())]  # every one of these items wants a photo of a failure
    finding = f.finding_payload(inspection["id"], item_id, "fail", photos=photos)
    response = client.post(
        PUSH,
        json=f.push_body([inspection], [finding]),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    [task] = response.json["tasks"]
    owner = session.get(Department, session.get(RectificationTask, task["id"]).department_id)
    assert owner.code == department
