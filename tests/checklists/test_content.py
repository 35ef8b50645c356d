"""The three shipped checklists: valid, bilingual, sourced, and routed to known departments."""

from pathlib import Path

import pytest

from server.domain.uses import LOCATION_USES, applies
from server.schemas.checklist_definition import (
    RESPONSIBLE_LOCATION,
    citations,
    cited_code,
    iter_items,
    responsible_of,
    routed_items,
    validate_definition,
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


# Issue #12 item 5: the criteria of the seed digest (/work/shared/domain.md) that had no item,
# and the item that now covers each; docs/checklists.md carries the same table.
COVERAGE = {
    "A08": ("civilized-city", "environment.cleaning_zones"),
    "A12": ("civilized-city", "environment.periodic_cleaning_scored"),
    "U04": ("infection-control", "triage.fever_clinic"),
    "Y02": ("civilized-city", "campaign.leadership_group"),
    "Y03": ("civilized-city", "campaign.files_archived"),
    "Y04": ("civilized-city", "campaign.activity_ledger"),
    "Y05": ("civilized-city", "campaign.problem_list"),
    "F09": ("infection-control", "waste_sorting.infusion_bottles_recyclable"),
    "L01": ("civilized-city", "emergency.green_channel"),
    "L02": ("civilized-city", "emergency.no_refusal"),
    "L03": ("civilized-city", "emergency.triage_by_severity"),
    "K01": ("civilized-city", "appointments.service_post"),
    "K02": ("civilized-city", "appointments.channels"),
    "K03": ("civilized-city", "appointments.booked_first"),
    "K04": ("civilized-city", "appointments.referral_slots"),
    "K05": ("civilized-city", "appointments.contingency_plan"),
    "K06": ("civilized-city", "appointments.off_peak_exams"),
    "K07": ("civilized-city", "appointments.peak_times_published"),
    "K08": ("civilized-city", "appointments.results_self_service"),
    "K09": ("civilized-city", "appointments.admission_discharge"),
    "K11": ("civilized-city", "appointments.escort_to_tests"),
    "K12": ("civilized-city", "appointments.discharge_follow_up"),
    "K14": ("civilized-city", "appointments.layout_guidance"),
    "P01": ("civilized-city", "wards.visiting_rules"),
    "P02": ("civilized-city", "wards.rules_explained"),
    "P03": ("civilized-city", "wards.escort_workers"),
    "P04": ("civilized-city", "wards.wristbands"),
    "R07": ("civilized-city", "complaints.monthly_survey"),
    "R08": ("civilized-city", "complaints.instant_rating"),
    "R09": ("civilized-city", "complaints.supervisor_meetings"),
    "R11": ("civilized-city", "complaints.feedback_to_departments"),
    "无烟6": ("smoke-free", "management.staff_dissuasion_duty"),
    "无烟7": ("smoke-free", "management.staff_cessation_help"),
}
# Quotes read from garbled seed text (mojibake or a typo in the seed), not the seed's own words.
RECONSTRUCTED = [
    ("civilized-city", "safety.specialty_labels"),
    ("civilized-city", "disclosure.itemised_bills"),
    ("civilized-city", "canteen.tableware_disinfection"),
    ("infection-control", "sewage.no_untreated_discharge"),
    ("smoke-free", "management.supervisors"),
    ("smoke-free", "management.patrol_records"),
    ("smoke-free", "management.training"),
]


def _item(definitions, name: str, item_id: str) -> dict:
    return next(item for item in iter_items(definitions[name]) if item["id"] == item_id)


def _minimal(**item_fields) -> dict:
    """Return a one-item checklist with a sources block, the item changed by ``item_fields``."""
    item = {
        "id": "a.b",
        "type": "pass_fail",
        "text": {"zh-CN": "问", "en": "Q"},
        "severity": "minor",
        "points": 1,
        "photo": "never",
        "source": "000/P1 原文",
        **item_fields,
    }
    return {
        "id": "x",
        "kind": "other",
        "title": {"zh-CN": "表", "en": "List"},
        "source": "000",
        "sources": [{"code": "000", "name": {"zh-CN": "计划", "en": "Plan"}}],
        "sections": [{"id": "a", "title": {"zh-CN": "甲", "en": "A"}, "items": [item]}],
    }


def test_the_shipped_checklists_hold_at_least_150_items(definitions):
    assert sum(len(iter_items(definition)) for definition in definitions.values()) >= 150


@pytest.mark.parametrize(("criterion", "where"), sorted(COVERAGE.items()))
def test_each_missing_criterion_now_has_its_item(definitions, criterion, where):
    name, item_id = where
    assert _item(definitions, name, item_id)["source"].strip()


def test_the_docs_coverage_table_lists_each_criterion_and_its_item():
    text = (ROOT / "docs" / "checklists.md").read_text(encoding="utf-8")

    missing = [c for c, (_, item) in COVERAGE.items() if f"| {c} | `{item}` |" not in text]
    assert missing == []


@pytest.mark.parametrize("name", SHIPPED)
def test_every_applies_to_names_known_uses(definitions, name):
    for section in definitions[name]["sections"]:
        assert set(section.get("applies_to", [])) <= set(LOCATION_USES), section["id"]
        for item in section["items"]:
            assert set(item.get("applies_to", [])) <= set(LOCATION_USES), item["id"]


@pytest.mark.parametrize(("name", "item_id"), RECONSTRUCTED)
def test_quotes_read_from_garbled_seed_text_are_marked_reconstructed(definitions, name, item_id):
    assert _item(definitions, name, item_id)["quote_kind"] == "reconstructed"


def test_smoking_history_cites_the_2014_notice_not_the_2008_standard(definitions):
    item = _item(definitions, "smoke-free", "education.smoking_history")

    assert "无烟医疗卫生机构标准" not in item["source"]
    assert item["source"].startswith("《关于进一步加强控烟履约工作的通知》")
    assert item["quote_kind"] == "paraphrase"


def test_infusion_bottles_follow_the_2017_notice_not_the_seed_practice(definitions):
    item = _item(definitions, "infection-control", "waste_sorting.infusion_bottles_recyclable")

    assert "国卫办医发〔2017〕30号" in item["source"]
    assert "002/19" not in item["source"]


def test_an_unknown_quote_kind_is_refused_naming_the_field():
    problems = validate_definition(_minimal(quote_kind="loose"))

    assert problems == [
        "section 'a' › item 'a.b' › quote_kind: "
        "Must be one of: verbatim, paraphrase, reconstructed."
    ]


@pytest.mark.parametrize("name", SHIPPED)
def test_every_citation_has_a_readable_name_in_both_languages(definitions, name):
    sources = {entry["code"]: entry["name"] for entry in definitions[name]["sources"]}
    for item in iter_items(definitions[name]):
        for citation in citations(item["source"]):
            code = cited_code(citation, list(sources))
            assert code, (item["id"], citation)
            assert sources[code]["zh-CN"].strip() and sources[code]["en"].strip()


def test_a_citation_of_an_unlisted_document_is_refused_naming_the_item():
    problems = validate_definition(_minimal(source="000/P1 原文; GB 9999 某条"))

    assert problems == [
        "section 'a' › item 'a.b' › source: "
        "Cites no document listed under 'sources': 'GB 9999 某条'."
    ]


def test_without_a_sources_block_citations_are_not_checked():
    definition = _minimal(source="GB 9999 某条")
    del definition["sources"]

    assert validate_definition(definition) == []
