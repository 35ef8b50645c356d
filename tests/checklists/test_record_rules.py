"""The shipped record rules at every limit: just below, at and just above (docs/checklists.md).

Each case judges a whole record of the infection-control checklist as the server does, so a rule
that is mis-typed, mis-conditioned or missing shows up as the wrong set of broken rules.
"""

from pathlib import Path

import pytest

from server.services.checklists import read_checklist_dir
from server.services.verdicts import check_record, rule_context

CHECKLIST_DIR = Path(__file__).resolve().parents[2] / "checklists"


@pytest.fixture(scope="module")
def forms():
    checklists = {c.path.stem: c.definition for c in read_checklist_dir(CHECKLIST_DIR)}
    return {form["id"]: form for form in checklists["infection-control"]["record_types"]}


def broken(forms, form_id: str, fields: dict, settings: dict | None = None) -> set[str]:
    _, rules = check_record(forms[form_id], fields, rule_context(settings or {}))
    return {rule["id"] for rule in rules}


def uv(irradiance, lamp_type="standard_30w", lamp_new=False, **extra) -> dict:
    return {
        "lamp_code": "UV-3",
        "measured_at": "2026-11-23T09:00:00+08:00",
        "lamp_type": lamp_type,
        "lamp_new": lamp_new,
        "irradiance": irradiance,
        "checked_by": "李护士",
        **extra,
    }


@pytest.mark.parametrize(
    ("irradiance", "expected"),
    [(69.9, {"irradiance_in_use"}), (70, set()), (70.1, set())],
)
def test_a_30w_lamp_in_use_fails_below_70(forms, irradiance, expected):
    assert broken(forms, "uv_lamp_check", uv(irradiance)) == expected


@pytest.mark.parametrize(
    ("irradiance", "expected"),
    [(89.9, {"irradiance_new_lamp"}), (90, set()), (90.1, set())],
)
def test_a_new_30w_lamp_fails_below_90(forms, irradiance, expected):
    assert broken(forms, "uv_lamp_check", uv(irradiance, lamp_new=True)) == expected


def test_a_new_lamp_at_80_fails_where_a_lamp_in_use_passes(forms):
    assert broken(forms, "uv_lamp_check", uv(80, lamp_new=True)) == {"irradiance_new_lamp"}
    assert broken(forms, "uv_lamp_check", uv(80, lamp_new=False)) == set()


@pytest.mark.parametrize(
    ("irradiance", "expected"),
    [(179.9, {"irradiance_new_high_intensity"}), (180, set()), (180.1, set())],
)
def test_a_new_high_intensity_lamp_fails_below_180(forms, irradiance, expected):
    fields = uv(irradiance, lamp_type="high_intensity_30w", lamp_new=True)
    assert broken(forms, "uv_lamp_check", fields) == expected


@pytest.mark.parametrize("hours", [999, 1000, 1001, 5000])
def test_cumulative_hours_are_recorded_but_never_fail_a_bright_lamp(forms, hours):
    assert broken(forms, "uv_lamp_check", uv(95, cumulative_hours=hours)) == set()


def test_a_lamp_of_another_power_gets_no_30w_threshold(forms):
    assert broken(forms, "uv_lamp_check", uv(40, lamp_type="other")) == set()


def log(method, purpose, minutes, concentration=None) -> dict:
    fields = {
        "area": "治疗室台面",
        "method": method,
        "purpose": purpose,
        "contact_minutes": minutes,
        "performed_at": "2026-11-23T09:00:00+08:00",
        "operator": "王护士",
    }
    if concentration is not None:
        fields["concentration_mg_l"] = concentration
    return fields


@pytest.mark.parametrize(
    ("concentration", "expected"),
    [
        (399, {"chlorine_routine"}),
        (400, set()),
        (401, set()),
        (699, set()),
        (700, set()),
        (701, {"chlorine_routine"}),
    ],
)
def test_routine_surface_chlorine_is_400_to_700(forms, concentration, expected):
    fields = log("wiping", "routine", 10, concentration)
    assert broken(forms, "disinfection_log", fields) == expected


@pytest.mark.parametrize(
    ("concentration", "expected"),
    [
        (1999, {"chlorine_blood_pathogens"}),
        (2000, set()),
        (2001, set()),
        (4999, set()),
        (5000, set()),
        (5001, {"chlorine_blood_pathogens"}),
    ],
)
@pytest.mark.parametrize("purpose", ["blood_spill", "pathogens"])
def test_blood_and_pathogen_chlorine_is_2000_to_5000(forms, purpose, concentration, expected):
    fields = log("soaking", purpose, 30, concentration)
    assert broken(forms, "disinfection_log", fields) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"), [(9.9, {"contact_routine"}), (10, set()), (10.1, set())]
)
@pytest.mark.parametrize("method", ["wiping", "spraying", "soaking"])
def test_routine_contact_time_is_at_least_10_minutes(forms, method, minutes, expected):
    assert broken(forms, "disinfection_log", log(method, "routine", minutes, 500)) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"), [(29.9, {"contact_blood_pathogens"}), (30, set()), (30.1, set())]
)
@pytest.mark.parametrize("method", ["wiping", "soaking"])
def test_wiping_or_soaking_a_blood_spill_takes_30_minutes(forms, method, minutes, expected):
    fields = log(method, "blood_spill", minutes, 2000)
    assert broken(forms, "disinfection_log", fields) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(59.9, {"contact_spray_blood_pathogens"}), (60, set()), (60.1, set())],
)
def test_spraying_against_blood_borne_pathogens_takes_60_minutes(forms, minutes, expected):
    fields = log("spraying", "pathogens", minutes, 2000)
    assert broken(forms, "disinfection_log", fields) == expected


@pytest.mark.parametrize(
    ("minutes", "expected"), [(29.9, {"contact_uv"}), (30, set()), (30.1, set())]
)
def test_uv_irradiation_takes_30_minutes(forms, minutes, expected):
    assert broken(forms, "disinfection_log", log("uv", "routine", minutes)) == expected


def test_a_15_minute_uv_session_fails(forms):
    assert broken(forms, "disinfection_log", log("uv", "routine", 15)) == {"contact_uv"}


def test_uv_is_not_judged_by_a_chlorine_concentration(forms):
    assert broken(forms, "disinfection_log", log("uv", "routine", 30, 50)) == set()


def transfer(stored: str, collected: str, **extra) -> dict:
    return {
        "oldest_stored_at": stored,
        "collected_at": collected,
        "contractor": "市医疗废物集中处置中心",
        "manifest_no": "2026-3301-000123",
        "weight_kg": 42.5,
        "released_by": "赵师傅",
        "contractor_received_by": "钱司机",
        **extra,
    }


@pytest.mark.parametrize(
    ("collected", "expected"),
    [
        ("2026-11-23T07:59:00+08:00", set()),
        ("2026-11-23T08:00:00+08:00", set()),
        ("2026-11-23T08:01:00+08:00", {"stored_max_48h"}),
    ],
)
def test_waste_is_collected_within_48_hours_of_storage(forms, collected, expected):
    fields = transfer("2026-11-21T08:00:00+08:00", collected)
    assert broken(forms, "medical_waste_transfer", fields) == expected


def test_a_transfer_without_manifest_number_fails(forms):
    fields = transfer("2026-11-22T08:00:00+08:00", "2026-11-23T08:00:00+08:00", manifest_no="")
    assert broken(forms, "medical_waste_transfer", fields) == {"manifest_and_contractor"}


def test_the_department_leg_needs_both_signatures(forms):
    fields = {
        "source_department": "内科",
        "waste_class": "infectious",
        "weight_kg": 3.2,
        "packages": 2,
        "stored_at": "2026-11-23T09:00:00+08:00",
        "handed_over_by": "王护士",
    }
    assert broken(forms, "medical_waste_handover", fields) == {"both_signatures"}


def reading(chlorine, minutes=90) -> dict:
    return {
        "measured_at": "2026-11-23T09:00:00+08:00",
        "sampling_point": "接触池出口",
        "residual_chlorine": chlorine,
        "contact_minutes": minutes,
        "operator": "孙师傅",
    }


@pytest.mark.parametrize(
    ("category", "low", "high", "rule"),
    [
        ("direct_discharge", 3, 10, "residual_chlorine_direct"),
        ("pretreatment", 2, 8, "residual_chlorine_pretreatment"),
        ("infectious_disease", 6.5, 10, "residual_chlorine_infectious"),
    ],
)
@pytest.mark.parametrize(
    ("offset", "side"),
    [(-0.1, "low"), (0, "low"), (0.1, "low"), (-0.1, "high"), (0, "high"), (0.1, "high")],
)
def test_residual_chlorine_range_follows_the_hospital_category(
    forms, category, low, high, rule, offset, side
):
    value = round((low if side == "low" else high) + offset, 2)
    outside = value < low or value > high
    fields = reading(value)
    found = broken(forms, "sewage_chlorine", fields, {"sewage_category": category})
    assert found == ({rule} if outside else set())


def test_a_pretreatment_reading_of_2_5_fails_a_hospital_that_states_no_category(forms):
    assert broken(forms, "sewage_chlorine", reading(2.5)) == {"residual_chlorine_direct"}
    settings = {"sewage_category": "pretreatment"}
    assert broken(forms, "sewage_chlorine", reading(2.5), settings) == set()


@pytest.mark.parametrize(
    ("category", "minimum", "rule"),
    [
        ("direct_discharge", 60, "contact_time_general"),
        ("pretreatment", 60, "contact_time_general"),
        ("infectious_disease", 90, "contact_time_infectious"),
    ],
)
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_sewage_contact_time_follows_the_hospital_category(forms, category, minimum, rule, offset):
    fields = reading(7, minimum + offset)
    found = broken(forms, "sewage_chlorine", fields, {"sewage_category": category})
    assert found == ({rule} if offset < 0 else set())
