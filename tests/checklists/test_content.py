"""The three shipped checklists: valid, bilingual, sourced, and routed to known departments."""

from pathlib import Path

import pytest

from server.domain.uses import LOCATION_USES, applies
from server.schemas.checklist_definition import (
    RESPONSIBLE_LOCATION,
    iter_items,
    responsible_of,
    routed_items,
)
from server.services.checklists import load_checklists, read_checklist_dir
from server.services.organisation import load_file
from server.services.seed import DEMO_HOSPITAL_FILE

ROOT = Path(__file__).resolve().parents[2]
CHECKLIST_DIR = ROOT / "checklists"
SHIPPED = ("civilized-city", "infection-control", "smoke-free")
DEMO_DEPARTMENTS = {row["code"] for row in load_file(DEMO_HOSPITAL_FILE)["departments"]}


@pytest.fixture(scope="module")
def files():
    return {checklist.path.stem: checklist for checklist in read_checklist_dir(CHECKLIST_DIR)}


@pytest.fixture(scope="module")
def definitions(files):
    return {name: checklist.definition for name, checklist in files.items()}


def _rules(definition: dict) -> list[dict]:
    return [rule for record in definition.get("record_types", []) for rule in record["rules"]]


def test_the_three_checklists_are_shipped(files):
    assert sorted(files) == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_each_file_has_no_problems(files, name):
    assert files[name].problems == []


def test_all_three_load_into_the_database(session):
    created = load_checklists(session, CHECKLIST_DIR)
    assert sorted((row.checklist_id, row.version) for row in created) == [
        (name, 1) for name in SHIPPED
    ]


def test_civilized_city_has_at_least_50_items(definitions):
    assert len(iter_items(definitions["civilized-city"])) >= 50


@pytest.mark.parametrize("name", SHIPPED)
def test_every_item_has_bilingual_text_and_a_source(definitions, name):
    for item in iter_items(definitions[name]):
        assert item["text"]["zh-CN"].strip(), item["id"]
        assert item["text"]["en"].strip(), item["id"]
        assert item["source"].strip(), item["id"]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_record_rule_has_bilingual_text_and_a_source(definitions, name):
    for rule in _rules(definitions[name]):
        assert rule["text"]["zh-CN"].strip(), rule["id"]
        assert rule["text"]["en"].strip(), rule["id"]
        assert rule["source"].strip(), rule["id"]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_department_code_exists_in_the_seed(definitions, name):
    definition = definitions[name]
    used = {item["responsible"] for item in routed_items(definition)}
    used |= {responsible_of(record) for record in definition.get("record_types", [])}
    assert used - {RESPONSIBLE_LOCATION} - DEMO_DEPARTMENTS == set()


@pytest.mark.parametrize("name", SHIPPED)
def test_every_item_is_routed_on_purpose(definitions, name):
    """No shipped item falls to the default unseen: it or its section says who answers."""
    for section in definitions[name]["sections"]:
        for item in section["items"]:
            assert "responsible" in item or "responsible" in section, item["id"]
            assert "department" not in item, item["id"]


@pytest.mark.parametrize(
    ("name", "item_id", "responsible"),
    [
        ("civilized-city", "environment.public_areas_clean", RESPONSIBLE_LOCATION),  # clutter
        ("civilized-city", "privacy.bedside_cards", RESPONSIBLE_LOCATION),
        ("infection-control", "hand_hygiene.facilities", RESPONSIBLE_LOCATION),
        ("infection-control", "waste_sorting.sharps_boxes", RESPONSIBLE_LOCATION),
        ("civilized-city", "toilets.fixtures_intact", "general_affairs"),  # repairs
        ("smoke-free", "signs.entrances", "general_affairs"),
        ("infection-control", "sewage.chlorine_reading", "general_affairs"),
        ("civilized-city", "complaints.boxes", "patient_service"),  # from the section
    ],
)
def test_items_go_where_a_campaign_office_would_send_them(definitions, name, item_id, responsible):
    routed = {item["id"]: item["responsible"] for item in routed_items(definitions[name])}
    assert routed[item_id] == responsible


def test_infection_control_declares_its_record_types(definitions):
    declared = {record["id"] for record in definitions["infection-control"]["record_types"]}
    assert {
        "medical_waste_handover",
        "medical_waste_transfer",
        "disinfection_log",
        "uv_lamp_check",
        "sewage_chlorine",
    } <= declared


def test_infection_control_record_types_all_have_rules(definitions):
    for record in definitions["infection-control"]["record_types"]:
        assert record["rules"], record["id"]


def test_the_payment_queue_is_a_number_of_at_most_15_minutes(definitions):
    items = {item["id"]: item for item in iter_items(definitions["civilized-city"])}
    queue = items["windows.payment_queue_minutes"]
    assert queue["type"] == "number"
    assert queue["max"] == 15
    assert queue["unit"]["en"] == "minutes"


@pytest.mark.parametrize("name", SHIPPED)
def test_item_ids_are_unique_within_each_file(definitions, name):
    ids = [item["id"] for item in iter_items(definitions[name])]
    assert len(ids) == len(set(ids))


def test_record_type_ids_are_unique_across_files(definitions):
    ids = [
        record["id"]
        for definition in definitions.values()
        for record in definition.get("record_types", [])
    ]
    assert len(ids) == len(set(ids))


def _asked_at(definition: dict, use: str) -> list[str]:
    """Return the ids of the items a walk at a place of ``use`` offers."""
    return [
        item["id"]
        for section in definition["sections"]
        if applies(section.get("applies_to"), use)
        for item in section["items"]
        if applies(item.get("applies_to"), use)
    ]


def test_a_toilet_walk_offers_the_toilet_items_and_no_canteen_item(definitions):
    asked = _asked_at(definitions["civilized-city"], "toilet")

    assert {"toilets.clean", "toilets.odour", "toilets.handwashing"} <= set(asked)
    assert not [item for item in asked if item.startswith(("canteen.", "windows.", "privacy."))]


def test_canteen_items_are_asked_only_in_canteens(definitions):
    canteen = next(s for s in definitions["civilized-city"]["sections"] if s["id"] == "canteen")

    assert canteen["applies_to"] == ["canteen"]


def test_sewage_items_are_asked_only_at_the_sewage_station(definitions):
    sewage = next(s for s in definitions["infection-control"]["sections"] if s["id"] == "sewage")

    assert sewage["applies_to"] == ["sewage_station"]


def test_every_demo_place_has_something_to_inspect(definitions):
    def places(nodes):
        for node in nodes:
            yield node
            yield from places(node["children"])

    empty = [
        place["code"]
        for place in places(load_file(DEMO_HOSPITAL_FILE)["locations"])
        if not any(_asked_at(definition, place["use"]) for definition in definitions.values())
    ]
    assert empty == []


def test_the_docs_list_every_place_use_with_both_names():
    text = (ROOT / "docs" / "checklists.md").read_text(encoding="utf-8")

    missing = [
        code
        for code, (zh, en) in LOCATION_USES.items()
        if f"| `{code}` | {zh} | {en} |" not in text
    ]
    assert missing == []
