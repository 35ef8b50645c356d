"""A record form's ``expected`` frequency and ``applies_to`` uses: what validates, what not."""

import pytest

from server.schemas.checklist_definition import validate_definition
from tests.checklists.test_rule_format import definition

EXPECTED = {"per": "day", "count": 2, "severity": "major", "points": 2}


def with_form(**form_overrides) -> dict:
    checklist = definition()
    checklist["record_types"][0].update(form_overrides)
    return checklist


def test_an_expected_log_with_its_uses_validates():
    assert validate_definition(with_form(applies_to=["sewage_station"], expected=EXPECTED)) == []


def test_an_expected_log_without_uses_is_refused_naming_applies_to():
    [problem] = validate_definition(with_form(expected=EXPECTED))
    assert "applies_to" in problem


@pytest.mark.parametrize(
    ("field", "value"),
    [("per", "fortnight"), ("count", 0), ("count", "2"), ("severity", "huge"), ("points", -1)],
)
def test_a_bad_expected_value_is_refused_naming_it(field, value):
    expected = EXPECTED | {field: value}
    [problem] = validate_definition(with_form(applies_to=["ward"], expected=expected))
    assert field in problem


def test_a_form_kept_at_an_unknown_use_is_refused():
    [problem] = validate_definition(with_form(applies_to=["rooftop"], expected=EXPECTED))
    assert "rooftop" in problem
