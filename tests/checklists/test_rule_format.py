"""The checklist format's ``when`` conditions and ``legal_limit`` flag: what validates, what not."""

import copy

import pytest

from server.schemas.checklist_definition import (
    deadline_days,
    rectification_days_of,
    validate_definition,
)

FORM = {
    "id": "lamp_log",
    "title": {"zh-CN": "紫外线灯登记", "en": "UV lamp log"},
    "source": "test",
    "fields": [
        {"id": "irradiance", "type": "number", "label": {"zh-CN": "强度", "en": "Irradiance"}},
        {"id": "lamp_new", "type": "boolean", "label": {"zh-CN": "新灯", "en": "New"}},
        {"id": "note", "type": "text", "label": {"zh-CN": "备注", "en": "Note"}},
        {
            "id": "lamp_type",
            "type": "choice",
            "label": {"zh-CN": "类型", "en": "Type"},
            "options": [
                {"id": "standard_30w", "label": {"zh-CN": "30 W", "en": "30 W"}},
                {"id": "other", "label": {"zh-CN": "其他", "en": "Other"}},
            ],
        },
    ],
}


def definition(**rule_overrides) -> dict:
    rule = {
        "id": "bright",
        "check": "range",
        "field": "irradiance",
        "min": 70,
        "severity": "major",
        "points": 2,
        "text": {"zh-CN": "不低于70", "en": "At least 70"},
        "source": "test",
        **rule_overrides,
    }
    form = copy.deepcopy(FORM) | {"rules": [rule]}
    item = {
        "id": "lamp.ok",
        "type": "pass_fail",
        "text": {"zh-CN": "灯正常", "en": "Lamp works"},
        "severity": "minor",
        "points": 1,
        "photo": "optional",
        "source": "test",
    }
    return {
        "id": "uv",
        "kind": "other",
        "title": {"zh-CN": "紫外线", "en": "UV"},
        "source": "test",
        "sections": [{"id": "lamp", "title": {"zh-CN": "灯", "en": "Lamp"}, "items": [item]}],
        "record_types": [form],
    }


@pytest.mark.parametrize(
    "when",
    [
        {"lamp_type": ["standard_30w"], "lamp_new": [True]},
        {"note": "present"},
        {"hospital.sewage_category": ["pretreatment", "infectious_disease"]},
    ],
)
def test_a_condition_on_a_choice_a_boolean_a_presence_or_a_hospital_setting_validates(when):
    assert validate_definition(definition(when=when)) == []


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ({"lamp_colour": ["red"]}, "not a field"),
        ({"lamp_type": ["led"]}, "unknown values ['led']"),
        ({"lamp_new": ["true"]}, "unknown values ['true']"),
        ({"lamp_new": [1]}, "unknown values [1]"),
        ({"note": ["x"]}, "only 'present'"),
        ({"lamp_type": []}, "non-empty list"),
        ({"hospital.sewage_category": ["river"]}, "unknown values ['river']"),
        ({"hospital.beds": ["many"]}, "not a field"),
    ],
)
def test_a_condition_that_cannot_be_judged_is_refused_naming_the_rule(when, words):
    problems = validate_definition(definition(when=when))
    assert len(problems) == 1
    assert "bright" in problems[0] and words in problems[0]


def test_a_legal_limit_with_days_to_fix_is_refused():
    problems = validate_definition(definition(legal_limit=True, rectification_days=3))
    assert any("legal limit is due the same day" in line for line in problems)


def test_a_legal_limit_is_due_the_same_day_whatever_its_severity():
    assert deadline_days({"severity": "minor", "legal_limit": True}) == 0


def test_without_a_legal_limit_the_rule_days_or_the_severity_decide():
    assert deadline_days({"severity": "major", "rectification_days": 5}) == 5
    assert deadline_days({"severity": "major"}) is None


def test_a_deadline_counted_again_keeps_a_legal_limit_to_the_same_day():
    # After a failed verification the deadline is counted again from the current version.
    assert rectification_days_of(definition(legal_limit=True), "lamp_log.bright") == 0
    assert rectification_days_of(definition(), "lamp_log.bright") is None
