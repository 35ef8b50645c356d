"""Loading checklist files into immutable versions, and refusing files that break the rules."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.models import ChecklistVersion
from server.schemas.checklist_definition import responsible_of, routed_items, validate_definition
from server.services.checklists import ChecklistError, load_checklists
from tests import factories as f

SHIPPED_CHECKLISTS = Path(__file__).resolve().parents[2] / "checklists"


def _item(item_id: str, **overrides) -> dict:
    return f.checklist_item(item_id, **{"responsible": "property", "source": "test", **overrides})


def _definition(checklist_id: str, items: list[dict] | None = None, **overrides) -> dict:
    """A valid checklist whose one section holds ``items`` (two pass/fail items by default)."""
    items = items if items is not None else [_item("floors.clean"), _item("floors.dry")]
    return {
        "id": checklist_id,
        "kind": "other",
        "title": {"zh-CN": f"{checklist_id} 检查表", "en": f"{checklist_id} checklist"},
        "source": "test",
        "sections": [{"id": "floors", "title": {"zh-CN": "地面", "en": "Floors"}, "items": items}],
        **overrides,
    }


def _record_type(record_type_id: str) -> dict:
    return {
        "id": record_type_id,
        "title": {"zh-CN": "冰箱温度登记", "en": "Fridge temperature log"},
        "responsible": "nursing",
        "source": "test",
        "fields": [
            {
                "id": "temperature",
                "type": "number",
                "label": {"zh-CN": "温度", "en": "Temperature"},
                "unit": {"zh-CN": "摄氏度", "en": "°C"},
            }
        ],
    }


def _versions(session) -> list[tuple[str, int]]:
    rows = session.execute(
        select(ChecklistVersion.checklist_id, ChecklistVersion.version).order_by(
            ChecklistVersion.checklist_id, ChecklistVersion.version
        )
    )
    return [tuple(row) for row in rows]


def _refused(session, directory) -> list[str]:
    """Load ``directory``, expecting a refusal; return its problems."""
    with pytest.raises(ChecklistError) as refusal:
        load_checklists(session, directory)
    session.rollback()
    return refusal.value.problems


def _the_problem_naming(problems: list[str], *words: str) -> str:
    matching = [problem for problem in problems if all(word in problem for word in words)]
    assert matching, f"no problem names {words}: {problems}"
    return matching[0]


# The content of _definition("ward-round"), with other key order, flow style and comments.
WARD_ROUND_YAML = """\
# Reformatted by hand; same content.
sections:
  - items:
      - {source: test, id: floors.clean, responsible: property, photo: optional, points: 1, severity: minor, type: pass_fail, text: {en: Check floors.clean, zh-CN: 检查 floors.clean}}
      - id: floors.dry   # a comment on an item
        type: pass_fail
        text:
          en: Check floors.dry
          zh-CN: 检查 floors.dry
        severity: minor
        points: 1
        photo: optional
        responsible: property
        source: 'test'
    title: {en: Floors, zh-CN: 地面}
    id: floors
title: {en: ward-round checklist, zh-CN: ward-round 检查表}
source: "test"
kind: other
id: ward-round
"""  # noqa: E501


def test_first_load_stores_version_1(session, checklist_dir, write_checklist):
    write_checklist(_definition("ward-round"))
    created = load_checklists(session, checklist_dir)
    session.commit()
    assert [(row.checklist_id, row.version) for row in created] == [("ward-round", 1)]
    assert _versions(session) == [("ward-round", 1)]
    row = created[0]
    assert (row.kind, row.title_zh, row.title_en) == (
        "other",
        "ward-round 检查表",
        "ward-round checklist",
    )
    assert row.source_file == "ward-round.yaml"


def test_loading_an_unchanged_file_again_stores_nothing(session, checklist_dir, write_checklist):
    write_checklist(_definition("ward-round"))
    load_checklists(session, checklist_dir)
    session.commit()
    assert load_checklists(session, checklist_dir) == []
    assert _versions(session) == [("ward-round", 1)]


def test_formatting_key_order_and_comments_make_no_new_version(
    session, checklist_dir, write_checklist
):
    write_checklist(_definition("ward-round"))
    load_checklists(session, checklist_dir)
    session.commit()
    write_checklist(WARD_ROUND_YAML, "ward-round")
    assert load_checklists(session, checklist_dir) == []
    assert _versions(session) == [("ward-round", 1)]


def test_writing_a_whole_number_as_a_decimal_makes_no_new_version(
    session, checklist_dir, write_checklist
):
    write_checklist(_definition("ward-round"))
    load_checklists(session, checklist_dir)
    session.commit()
    write_checklist(
        _definition("ward-round", [_item("floors.clean"), _item("floors.dry", points=1.0)])
    )
    assert load_checklists(session, checklist_dir) == []


def test_a_content_change_stores_version_2(session, checklist_dir, write_checklist):
    write_checklist(_definition("ward-round"))
    load_checklists(session, checklist_dir)
    session.commit()
    write_checklist(_definition("ward-round", [_item("floors.clean", severity="major")]))
    created = load_checklists(session, checklist_dir)
    session.commit()
    assert [(row.checklist_id, row.version) for row in created] == [("ward-round", 2)]
    assert _versions(session) == [("ward-round", 1), ("ward-round", 2)]


def test_a_new_version_leaves_the_old_definition_untouched(session, checklist_dir, write_checklist):
    original = _definition("ward-round")
    write_checklist(original)
    (first,) = load_checklists(session, checklist_dir)
    session.commit()
    first_sha = first.sha256
    write_checklist(_definition("ward-round", [_item("floors.clean", severity="major")]))
    load_checklists(session, checklist_dir)
    session.commit()
    session.expire_all()
    stored = session.scalars(select(ChecklistVersion).where(ChecklistVersion.version == 1)).one()
    assert stored.definition == original
    assert stored.sha256 == first_sha


def test_an_item_that_changes_type_under_the_same_id_is_refused(
    session, checklist_dir, write_checklist
):
    write_checklist(_definition("ward-round"))
    load_checklists(session, checklist_dir)
    session.commit()
    changed = _item(
        "floors.dry",
        type="number",
        unit={"zh-CN": "处", "en": "spots"},
        max=0,
    )
    write_checklist(_definition("ward-round", [_item("floors.clean"), changed]))
    problems = _refused(session, checklist_dir)
    _the_problem_naming(problems, "ward-round.yaml", "'floors.dry'")
    assert _versions(session) == [("ward-round", 1)]


def test_an_item_dropped_and_reintroduced_later_is_refused(session, checklist_dir, write_checklist):
    write_checklist(_definition("ward-round"))
    load_checklists(session, checklist_dir)
    session.commit()
    write_checklist(_definition("ward-round", [_item("floors.clean")]))
    load_checklists(session, checklist_dir)
    session.commit()
    write_checklist(_definition("ward-round"))
    problems = _refused(session, checklist_dir)
    _the_problem_naming(problems, "ward-round.yaml", "'floors.dry'")
    assert _versions(session) == [("ward-round", 1), ("ward-round", 2)]


def test_a_bad_field_is_reported_with_file_item_and_field(session, checklist_dir, write_checklist):
    write_checklist(_definition("ward-round", [_item("x.y", severity="catastrophic")]))
    problems = _refused(session, checklist_dir)
    _the_problem_naming(problems, "ward-round.yaml", "'x.y'", "severity")
    assert _versions(session) == []


def test_a_checklist_error_is_a_422_domain_error_listing_the_problems(
    session, checklist_dir, write_checklist
):
    write_checklist(_definition("ward-round", [_item("x.y", severity="catastrophic")]))
    with pytest.raises(ChecklistError) as refusal:
        load_checklists(session, checklist_dir)
    assert refusal.value.status == 422
    assert refusal.value.errors == {"checklists": refusal.value.problems}


def test_a_yaml_syntax_error_is_reported_with_the_file(session, checklist_dir, write_checklist):
    write_checklist("id: ward-round\nsections: [unclosed\n", "ward-round")
    problems = _refused(session, checklist_dir)
    _the_problem_naming(problems, "ward-round.yaml")


def test_a_file_that_is_not_a_mapping_is_refused(session, checklist_dir, write_checklist):
    write_checklist("- just\n- a list\n", "ward-round")
    _the_problem_naming(_refused(session, checklist_dir), "ward-round.yaml")


def test_an_id_that_differs_from_the_file_name_is_refused(session, checklist_dir, write_checklist):
    write_checklist(_definition("ward-round"), "ward-walk")
    problems = _refused(session, checklist_dir)
    _the_problem_naming(problems, "ward-walk.yaml", "ward-round")
    assert _versions(session) == []


def test_a_record_type_defined_in_two_files_is_refused(session, checklist_dir, write_checklist):
    write_checklist(_definition("ward-round", record_types=[_record_type("fridge_log")]))
    write_checklist(_definition("kitchen", record_types=[_record_type("fridge_log")]))
    problems = _refused(session, checklist_dir)
    _the_problem_naming(problems, "fridge_log", "kitchen.yaml", "ward-round.yaml")
    assert _versions(session) == []


def test_one_broken_file_among_good_ones_stores_nothing(session, checklist_dir, write_checklist):
    write_checklist(_definition("kitchen"))
    write_checklist(_definition("ward-round", [_item("x.y", severity="catastrophic")]))
    write_checklist(_definition("wards"))
    _refused(session, checklist_dir)
    assert _versions(session) == []


def test_one_broken_file_keeps_good_changes_from_being_stored(
    session, checklist_dir, write_checklist
):
    write_checklist(_definition("kitchen"))
    load_checklists(session, checklist_dir)
    session.commit()
    write_checklist(_definition("kitchen", [_item("floors.clean", severity="major")]))
    write_checklist(_definition("ward-round", [_item("x.y", severity="catastrophic")]))
    _refused(session, checklist_dir)
    assert _versions(session) == [("kitchen", 1)]


def _legacy_item(item_id: str) -> dict:
    """An item as files named its department before ``responsible`` (the old ``department``)."""
    item = _item(item_id)
    item["department"] = item.pop("responsible")
    return item


def test_an_item_naming_its_department_the_old_way_still_loads(
    session, checklist_dir, write_checklist
):
    write_checklist(_definition("ward-round", [_legacy_item("floors.clean")]))
    (row,) = load_checklists(session, checklist_dir)
    assert [item["responsible"] for item in routed_items(row.definition)] == ["property"]


def test_a_file_moving_from_department_to_responsible_keeps_its_history(
    session, checklist_dir, write_checklist
):
    write_checklist(_definition("ward-round", [_legacy_item("floors.clean")]))
    load_checklists(session, checklist_dir)
    session.commit()
    write_checklist(_definition("ward-round", [_item("floors.clean", responsible="location")]))
    created = load_checklists(session, checklist_dir)
    assert [row.version for row in created] == [2]


def test_an_item_naming_both_responsible_and_department_is_refused(
    session, checklist_dir, write_checklist
):
    write_checklist(_definition("ward-round", [_item("x.y", department="nursing")]))
    problems = _refused(session, checklist_dir)
    _the_problem_naming(problems, "ward-round.yaml", "'x.y'", "department")


def test_a_responsible_that_is_no_code_is_refused(session, checklist_dir, write_checklist):
    write_checklist(_definition("ward-round", [_item("x.y", responsible="Ward 5")]))
    problems = _refused(session, checklist_dir)
    _the_problem_naming(problems, "ward-round.yaml", "'x.y'", "responsible")


def _sectioned(section_responsible: str | None, *items: dict) -> dict:
    definition = _definition("ward-round", list(items))
    if section_responsible is not None:
        definition["sections"][0]["responsible"] = section_responsible
    assert validate_definition(definition) == []
    return definition


@pytest.mark.parametrize(
    ("section", "item", "routed"),
    [
        (None, {}, "location"),  # nobody says: the place's owner
        ("general_affairs", {}, "general_affairs"),  # the section says
        ("general_affairs", {"responsible": "location"}, "location"),  # the item wins
        ("general_affairs", {"department": "nursing"}, "nursing"),  # its old name too
    ],
)
def test_an_item_is_routed_by_itself_then_its_section_then_the_place(section, item, routed):
    spec = {key: value for key, value in _item("floors.clean").items() if key != "responsible"}
    definition = _sectioned(section, {**spec, **item})
    assert [entry["responsible"] for entry in routed_items(definition)] == [routed]


@pytest.mark.parametrize(
    ("record_type", "routed"),
    [
        ({}, "location"),
        ({"responsible": "nursing"}, "nursing"),
        ({"department": "pharmacy"}, "pharmacy"),
    ],
)
def test_a_record_type_is_routed_by_itself_then_the_place(record_type, routed):
    spec = {key: value for key, value in _record_type("fridge_log").items() if key != "responsible"}
    definition = _definition("ward-round", record_types=[{**spec, **record_type}])
    assert validate_definition(definition) == []
    assert responsible_of(definition["record_types"][0]) == routed


def test_an_empty_folder_loads_nothing(session, checklist_dir):
    assert load_checklists(session, checklist_dir) == []


def test_validate_command_names_file_item_and_field_and_fails(
    runner, checklist_dir, write_checklist
):
    write_checklist(_definition("ward-round", [_item("x.y", severity="catastrophic")]))
    result = runner.invoke(args=["checklists", "validate", str(checklist_dir)])
    assert result.exit_code == 1
    _the_problem_naming(result.output.splitlines(), "ward-round.yaml", "'x.y'", "severity")


def test_validate_command_stores_nothing(session, runner, checklist_dir, write_checklist):
    write_checklist(_definition("ward-round"))
    result = runner.invoke(args=["checklists", "validate", str(checklist_dir)])
    assert result.exit_code == 0, result.output
    assert session.scalar(select(func.count()).select_from(ChecklistVersion)) == 0


def test_validate_command_accepts_the_shipped_checklists(runner):
    result = runner.invoke(args=["checklists", "validate", str(SHIPPED_CHECKLISTS)])
    assert result.exit_code == 0, result.output
    assert "3 checklist file(s) valid" in result.output


def test_sections_and_items_may_say_which_place_uses_they_apply_to():
    definition = _definition("ward-round", [_item("floors.clean", applies_to=["toilet"])])
    definition["sections"][0]["applies_to"] = ["toilet", "ward"]

    assert validate_definition(definition) == []


def test_validate_command_names_the_item_with_an_unknown_use(
    runner, checklist_dir, write_checklist
):
    write_checklist(_definition("ward-round", [_item("x.y", applies_to=["bathroom"])]))

    result = runner.invoke(args=["checklists", "validate", str(checklist_dir)])

    assert result.exit_code == 1
    problem = _the_problem_naming(result.output.splitlines(), "ward-round.yaml", "'x.y'")
    assert "applies_to" in problem and "Unknown use 'bathroom'" in problem


def test_an_unknown_use_of_a_section_names_the_section():
    definition = _definition("ward-round")
    definition["sections"][0]["applies_to"] = ["kitchen"]

    assert validate_definition(definition) == [
        "section 'floors' › applies_to › 0: "
        "Unknown use 'kitchen'; see docs/checklists.md#place-uses."
    ]


def test_an_item_asked_at_uses_its_section_excludes_is_refused():
    definition = _definition("ward-round", [_item("x.y", applies_to=["canteen", "toilet"])])
    definition["sections"][0]["applies_to"] = ["toilet"]

    assert validate_definition(definition) == [
        "section 'floors' › item 'x.y' › applies_to: "
        "Uses outside the section's applies_to: canteen."
    ]


def test_an_empty_applies_to_is_refused_rather_than_meaning_nowhere():
    definition = _definition("ward-round", [_item("x.y", applies_to=[])])

    [problem] = validate_definition(definition)

    assert problem.startswith("section 'floors' › item 'x.y' › applies_to: ")
