"""Setting up a hospital from its file: created, updated in place, never duplicated or lost."""

from __future__ import annotations

import copy

import pytest
import yaml
from sqlalchemy import func, select

from server.models import Change, Department, Hospital, Location
from server.services.organisation import (
    HospitalFileError,
    export_hospital,
    import_hospital,
    load_file,
    parse,
)
from server.services.seed import DEMO_HOSPITAL_FILE
from tests import factories as f


def _import(session, data: dict):
    report = import_hospital(session, parse(copy.deepcopy(data), "test.yaml"))
    session.commit()
    return report


def _location(session, code: str) -> Location:
    return session.scalars(select(Location).where(Location.code == code)).one()


def _changes(session) -> int:
    return session.scalar(select(func.count()).select_from(Change))


def _problems(data) -> list[str]:
    with pytest.raises(HospitalFileError) as caught:
        parse(data, "test.yaml")
    return caught.value.problems


def test_an_import_builds_the_tree_with_its_departments(session):
    report = _import(session, f.hospital_file())

    hall = _location(session, "B1-1F-HALL")
    assert hall.parent.code == "B1-1F"
    assert hall.parent.parent.parent.code == "C1"
    assert hall.department.code == "nursing"
    assert (hall.name_zh, hall.name_en, hall.kind) == ("大厅", "Hall", "area")
    assert report.counts == {"hospital created": 1, "department created": 2, "location created": 5}


def test_the_imported_tree_is_announced_to_phones(session):
    before = _changes(session)

    _import(session, f.hospital_file())

    assert _changes(session) - before == 2 + 5


def test_importing_the_same_file_again_changes_nothing(session):
    _import(session, f.hospital_file())
    before = _changes(session)

    report = _import(session, f.hospital_file())

    assert report.counts == {
        "hospital unchanged": 1,
        "department unchanged": 2,
        "location unchanged": 5,
    }
    assert _changes(session) == before
    assert session.scalar(select(func.count()).select_from(Location)) == 5


def test_a_renamed_and_moved_place_keeps_its_row(session):
    _import(session, f.hospital_file())
    hall_id = _location(session, "B1-1F-HALL").id
    data = f.hospital_file()
    floor = data["locations"][0]["children"][0]["children"][0]
    hall = floor["children"].pop(0)
    hall["name"] = {"zh-CN": "门诊大厅", "en": "Outpatient hall"}
    data["locations"][0]["children"][0]["children"].append(hall)  # now directly in the building

    report = _import(session, data)

    moved = _location(session, "B1-1F-HALL")
    assert moved.id == hall_id
    assert (moved.name_zh, moved.parent.code) == ("门诊大厅", "B1")
    assert report.counts["location updated"] == 1


def test_a_place_left_out_is_deactivated_not_deleted(session):
    _import(session, f.hospital_file())
    data = f.hospital_file()
    data["locations"][0]["children"][0]["children"][0]["children"].pop()  # the toilets

    report = _import(session, data)

    toilets = _location(session, "B1-1F-WC")
    assert toilets.active is False
    assert report.counts["location deactivated"] == 1
    change = session.scalars(select(Change).where(Change.entity_id == str(toilets.id))).one()
    assert change.op == "delete"


def test_a_place_listed_again_comes_back(session):
    _import(session, f.hospital_file())
    shorter = f.hospital_file()
    shorter["locations"][0]["children"][0]["children"][0]["children"].pop()
    _import(session, shorter)

    _import(session, f.hospital_file())

    assert _location(session, "B1-1F-WC").active is True


def test_a_deactivated_place_leaves_the_phones(client, session):
    report = _import(session, f.hospital_file())
    user = f.user(session, report.hospital)
    headers = f.auth_headers(session, user)
    session.commit()
    cursor = client.get("/api/v1/sync/pull?cursor=0", headers=headers).json["cursor"]
    shorter = f.hospital_file()
    shorter["locations"][0]["children"][0]["children"][0]["children"].pop()
    _import(session, shorter)

    page = client.get(f"/api/v1/sync/pull?cursor={cursor}", headers=headers).json
    listed = client.get("/api/v1/locations", headers=headers).json

    toilets = _location(session, "B1-1F-WC")
    assert [(c["kind"], c["op"], c["data"]["id"]) for c in page["changes"]] == [
        ("location", "delete", str(toilets.id))
    ]
    assert "B1-1F-WC" not in {row["code"] for row in listed}


def test_a_places_new_use_reaches_the_phones(client, session):
    report = _import(session, f.hospital_file())
    user = f.user(session, report.hospital)
    headers = f.auth_headers(session, user)
    session.commit()
    cursor = client.get("/api/v1/sync/pull?cursor=0", headers=headers).json["cursor"]
    data = f.hospital_file()
    data["locations"][0]["children"][0]["children"][0]["children"][1]["use"] = "toilet"
    _import(session, data)

    page = client.get(f"/api/v1/sync/pull?cursor={cursor}", headers=headers).json

    [change] = page["changes"]
    assert (change["kind"], change["data"]["code"], change["data"]["use"]) == (
        "location",
        "B1-1F-WC",
        "toilet",
    )


def test_settings_are_updated_and_other_settings_kept(session):
    report = _import(session, f.hospital_file())
    report.hospital.settings = {**report.hospital.settings, "kept": 1}
    session.commit()
    data = f.hospital_file()
    data["hospital"]["settings"] = {"auto_close_on_recheck": True}

    _import(session, data)

    hospital = session.scalars(select(Hospital).where(Hospital.code == "city-2")).one()
    assert hospital.settings == {
        "auto_close_on_recheck": True,
        "escalate_to_supervisors_after_days": None,
        "escalate_to_leadership_after_days": None,
        "sewage_category": None,
        "logs_expected_from": None,
        "webhooks": [],
        "kept": 1,
    }


def test_a_department_left_out_stays(session):
    _import(session, f.hospital_file())
    data = f.hospital_file()
    data["departments"].pop()
    data["locations"][0]["children"][0]["children"][0]["children"][0]["department"] = None

    _import(session, data)

    assert session.scalar(select(func.count()).select_from(Department)) == 2


def test_an_unknown_department_is_named_with_the_place(session):
    data = f.hospital_file()
    data["locations"][0]["children"][0]["department"] = "pharmacy"

    assert _problems(data) == ["locations: C1 › B1: unknown department 'pharmacy'."]


def test_a_location_code_used_twice_is_refused():
    data = f.hospital_file()
    data["locations"][0]["children"][0]["children"][0]["children"][1]["code"] = "B1-1F-HALL"

    assert _problems(data) == [
        "locations: C1 › B1 › B1-1F › B1-1F-HALL: location code 'B1-1F-HALL' used twice."
    ]


def test_a_point_with_places_inside_is_refused():
    data = f.hospital_file()
    wc = data["locations"][0]["children"][0]["children"][0]["children"][1]
    wc["children"] = [{"code": "X", "name": {"zh-CN": "X", "en": "X"}, "kind": "point"}]

    assert _problems(data) == [
        "location 'C1' › place 'B1' › place 'B1-1F' › place 'B1-1F-WC' › children: "
        "A point has no places inside it."
    ]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["hospital"].update(timezone="Mars/Olympus"), "hospital › timezone"),
        (lambda d: d["hospital"]["name"].pop("en"), "hospital › name › en"),
        (lambda d: d["locations"][0].update(kind="wing"), "location 'C1' › kind"),
        (lambda d: d["locations"][0].update(code="has space"), "location 'has space' › code"),
        (lambda d: d["departments"][1].update(colour="red"), "department 'nursing' › colour"),
        (lambda d: d["departments"][1].update(code="location"), "department 'location' › code"),
        (lambda d: d["locations"][0].update(use="bathroom"), "location 'C1' › use"),
    ],
)
def test_a_bad_field_is_named_with_where_it_is(change, where):
    data = f.hospital_file()
    change(data)

    [problem] = _problems(data)

    assert problem.startswith(f"{where}: ")


def test_an_import_stores_each_places_use(session):
    data = f.hospital_file()
    data["locations"][0]["children"][0]["children"][0]["children"][1]["use"] = "toilet"

    _import(session, data)

    assert _location(session, "B1-1F-WC").use == "toilet"
    assert _location(session, "B1-1F-HALL").use is None


def test_a_changed_use_updates_the_place_in_place(session):
    data = f.hospital_file()
    _import(session, data)
    data["locations"][0]["children"][0]["children"][0]["children"][1]["use"] = "toilet"

    report = _import(session, data)

    assert report.counts["location updated"] == 1
    assert report.counts["location created"] == 0


def test_an_unknown_use_is_refused_naming_the_place_and_the_field():
    data = f.hospital_file()
    data["locations"][0]["children"][0]["children"][0]["children"][1]["use"] = "bathroom"

    assert _problems(data) == [
        "location 'C1' › place 'B1' › place 'B1-1F' › place 'B1-1F-WC' › use: "
        "Unknown use 'bathroom'; see docs/checklists.md#place-uses."
    ]


def test_every_demo_place_has_a_use(session):
    report = _import(session, yaml.safe_load(DEMO_HOSPITAL_FILE.read_text(encoding="utf-8")))

    places = session.scalars(select(Location).where(Location.hospital_id == report.hospital.id))
    assert [place.code for place in places if place.use is None] == []


def test_a_file_that_is_not_a_mapping_is_refused():
    assert _problems(["not", "a", "hospital"]) == [
        "(file): Expected hospital, departments, locations."
    ]


def test_the_demo_hospital_exports_to_the_file_it_came_from(session):
    report = _import(session, yaml.safe_load(DEMO_HOSPITAL_FILE.read_text(encoding="utf-8")))

    exported = parse(export_hospital(session, report.hospital), "export")
    assert exported == load_file(DEMO_HOSPITAL_FILE)


def _with_robots(data: dict) -> dict:
    data["hospital"]["settings"] = {
        "escalate_to_supervisors_after_days": 2,
        "escalate_to_leadership_after_days": 5,
    }
    data["hospital"]["webhooks"] = [
        {
            "name": "office",
            "vendor": "dingtalk",
            "url_env": "WARDWALK_OFFICE_DINGTALK_URL",
            "secret_env": "WARDWALK_OFFICE_DINGTALK_SECRET",
            "events": ["task.created", "task.escalated"],
        }
    ]
    data["departments"][1]["webhooks"] = [
        {"name": "nursing-wecom", "vendor": "wecom", "url_env": "WARDWALK_NURSING_WECOM_URL"},
        {
            "name": "nursing-feishu",
            "vendor": "feishu",
            "url": "https://open.feishu.cn/open-apis/bot/v2/hook/abc",
        },
    ]
    return data


def test_robots_are_kept_per_hospital_and_department(session):
    report = _import(session, _with_robots(f.hospital_file()))

    settings = report.hospital.settings
    assert [(hook["name"], hook["department"]) for hook in settings["webhooks"]] == [
        ("office", None),
        ("nursing-wecom", "nursing"),
        ("nursing-feishu", "nursing"),
    ]
    assert settings["webhooks"][0]["secret_env"] == "WARDWALK_OFFICE_DINGTALK_SECRET"
    assert settings["escalate_to_leadership_after_days"] == 5


def test_an_export_names_the_robots_secrets_but_never_holds_them(session, monkeypatch):
    monkeypatch.setenv("WARDWALK_OFFICE_DINGTALK_SECRET", "SECdo-not-leak")
    monkeypatch.setenv("WARDWALK_NURSING_WECOM_URL", "https://qyapi.example/send?key=do-not-leak")
    data = _with_robots(f.hospital_file())
    report = _import(session, data)

    exported = export_hospital(session, report.hospital)

    text = yaml.safe_dump(exported, allow_unicode=True)
    assert "do-not-leak" not in text
    assert exported["hospital"]["webhooks"] == data["hospital"]["webhooks"]
    assert exported["departments"][1]["webhooks"] == data["departments"][1]["webhooks"]
    assert exported["hospital"]["settings"]["escalate_to_supervisors_after_days"] == 2
    assert _import(session, exported).counts["hospital unchanged"] == 1


def test_dropping_a_robot_from_the_file_removes_it(session):
    _import(session, _with_robots(f.hospital_file()))

    report = _import(session, f.hospital_file())

    assert report.hospital.settings["webhooks"] == []


@pytest.mark.parametrize(
    ("hook", "problem"),
    [
        ({"name": "x", "vendor": "wecom"}, "url: Give either url or url_env."),
        (
            {"name": "x", "vendor": "wecom", "url": "https://a.example/", "url_env": "A"},
            "url: Give either url or url_env.",
        ),
        (
            {"name": "x", "vendor": "wecom", "url_env": "A", "secret_env": "B"},
            "secret_env: WeCom robots are not signed.",
        ),
        ({"name": "x", "vendor": "slack", "url_env": "A"}, "vendor: Must be one of"),
        ({"name": "x", "vendor": "dingtalk", "url_env": "lower"}, "url_env: A variable name"),
        ({"name": "x", "vendor": "feishu", "url": "ftp://a.example/"}, "url: Not a valid URL."),
        (
            {"name": "x", "vendor": "feishu", "url_env": "A", "events": ["task.deleted"]},
            "events › 0: Must be one of",
        ),
    ],
)
def test_a_wrong_robot_is_refused_naming_the_field(hook, problem):
    data = f.hospital_file()
    data["hospital"]["webhooks"] = [hook]

    [line] = _problems(data)

    assert problem in line


def test_robot_names_are_unique_in_the_file():
    data = _with_robots(f.hospital_file())
    data["departments"][0]["webhooks"] = [{"name": "office", "vendor": "wecom", "url_env": "A"}]

    assert _problems(data) == ["webhooks: Webhook name used twice: office."]


def test_leadership_hears_no_sooner_than_the_supervisors():
    data = f.hospital_file()
    data["hospital"]["settings"] = {
        "escalate_to_supervisors_after_days": 5,
        "escalate_to_leadership_after_days": 2,
    }

    [line] = _problems(data)

    assert "escalate_to_leadership_after_days: Leadership hears after supervisors." in line


def test_an_unknown_sewage_category_is_refused_naming_the_setting():
    data = f.hospital_file()
    data["hospital"]["settings"] = {"sewage_category": "river"}

    [line] = _problems(data)

    assert "sewage_category" in line


def test_the_sewage_category_is_stored_and_exported(session):
    data = f.hospital_file()
    data["hospital"]["settings"] = {"sewage_category": "infectious_disease"}

    report = _import(session, data)

    assert report.hospital.settings["sewage_category"] == "infectious_disease"
    exported = export_hospital(session, report.hospital)
    assert exported["hospital"]["settings"]["sewage_category"] == "infectious_disease"


def test_a_day_that_is_no_date_is_refused_naming_the_setting():
    data = f.hospital_file()
    data["hospital"]["settings"] = {"logs_expected_from": "next week"}

    [line] = _problems(data)

    assert "logs_expected_from" in line


def test_the_first_day_of_the_logs_is_stored_as_text_and_exported(session):
    data = f.hospital_file()
    data["hospital"]["settings"] = {"logs_expected_from": "2026-12-07"}

    report = _import(session, data)

    assert report.hospital.settings["logs_expected_from"] == "2026-12-07"
    exported = export_hospital(session, report.hospital)
    assert exported["hospital"]["settings"]["logs_expected_from"] == "2026-12-07"
