"""Checklist definitions over HTTP: the current list, one version, ETag and 304 (contract)."""

import re

import pytest
import yaml

from server.services.checklists import load_checklists

LIST = "/api/v1/checklists"


def _definition(checklist_id: str, clean_text: str = "Floors are clean") -> dict:
    """A small valid checklist; ``clean_text`` is the English text of its one item."""
    return {
        "id": checklist_id,
        "kind": "other",
        "title": {"zh-CN": f"{checklist_id} 检查", "en": f"{checklist_id} check"},
        "source": "test",
        "sections": [
            {
                "id": "basics",
                "title": {"zh-CN": "基本", "en": "Basics"},
                "items": [
                    {
                        "id": "basics.clean",
                        "type": "pass_fail",
                        "text": {"zh-CN": "地面清洁", "en": clean_text},
                        "severity": "minor",
                        "points": 1,
                        "photo": "optional",
                        "department": "property",
                        "source": "test",
                    }
                ],
            }
        ],
    }


@pytest.fixture
def app_config(app_config, checklist_dir):
    return {**app_config, "CHECKLIST_DIR": str(checklist_dir)}


@pytest.fixture
def publish(session, checklist_dir):
    """Write checklist files and load them, as the server does at start-up."""

    def publish(*definitions: dict) -> None:
        for definition in definitions:
            text = yaml.safe_dump(definition, allow_unicode=True)
            (checklist_dir / f"{definition['id']}.yaml").write_text(text, encoding="utf-8")
        load_checklists(session, checklist_dir)
        session.commit()

    return publish


@pytest.fixture
def headers(make_user):
    return make_user("inspector")[1]


def test_list_gives_each_checklist_with_version_hash_kind_and_title(client, publish, headers):
    publish(_definition("ward-round"), _definition("kitchen"))
    response = client.get(LIST, headers=headers)
    assert response.status_code == 200
    by_id = {entry["id"]: entry for entry in response.json}
    assert set(by_id) == {"ward-round", "kitchen"}
    entry = by_id["ward-round"]
    assert entry["version"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
    assert entry["kind"] == "other"
    assert entry["title"] == {"zh-CN": "ward-round 检查", "en": "ward-round check"}


def test_list_gives_only_the_newest_version(client, publish, headers):
    publish(_definition("ward-round"))
    publish(_definition("ward-round", "Floors are spotless"))
    entries = client.get(LIST, headers=headers).json
    assert [(entry["id"], entry["version"]) for entry in entries] == [("ward-round", 2)]


def test_detail_returns_the_full_definition(client, publish, headers):
    publish(_definition("ward-round"))
    response = client.get(f"{LIST}/ward-round", headers=headers)
    assert response.status_code == 200
    body = response.json
    assert body["id"] == "ward-round"
    assert body["version"] == 1
    item = body["sections"][0]["items"][0]
    assert item["id"] == "basics.clean"
    assert item["text"] == {"zh-CN": "地面清洁", "en": "Floors are clean"}


def test_detail_etag_is_the_sha256_of_the_listed_version(client, publish, headers):
    publish(_definition("ward-round"))
    (entry,) = client.get(LIST, headers=headers).json
    response = client.get(f"{LIST}/ward-round", headers=headers)
    assert response.headers["ETag"] == f'"{entry["sha256"]}"'
    assert response.json["sha256"] == entry["sha256"]


def test_if_none_match_with_the_current_etag_is_304_without_a_body(client, publish, headers):
    publish(_definition("ward-round"))
    etag = client.get(f"{LIST}/ward-round", headers=headers).headers["ETag"]
    response = client.get(f"{LIST}/ward-round", headers={**headers, "If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""


def test_if_none_match_with_an_old_etag_returns_the_new_definition(client, publish, headers):
    publish(_definition("ward-round"))
    old_etag = client.get(f"{LIST}/ward-round", headers=headers).headers["ETag"]
    publish(_definition("ward-round", "Floors are spotless"))
    response = client.get(f"{LIST}/ward-round", headers={**headers, "If-None-Match": old_etag})
    assert response.status_code == 200
    assert response.json["version"] == 2
    assert response.headers["ETag"] != old_etag


def test_a_changed_file_is_served_as_version_2_by_default(client, publish, headers):
    publish(_definition("ward-round"))
    publish(_definition("ward-round", "Floors are spotless"))
    body = client.get(f"{LIST}/ward-round", headers=headers).json
    assert body["version"] == 2
    assert body["sections"][0]["items"][0]["text"]["en"] == "Floors are spotless"


def test_an_older_version_is_still_served_with_its_own_etag(client, publish, headers):
    publish(_definition("ward-round"))
    first = client.get(f"{LIST}/ward-round", headers=headers)
    publish(_definition("ward-round", "Floors are spotless"))
    response = client.get(f"{LIST}/ward-round?version=1", headers=headers)
    assert response.status_code == 200
    assert response.json == first.json
    assert response.headers["ETag"] == first.headers["ETag"]


def test_unknown_checklist_is_404_checklist_not_found(client, publish, headers, assert_error):
    publish(_definition("ward-round"))
    assert_error(client.get(f"{LIST}/no-such-list", headers=headers), 404, "checklist.not_found")


def test_unknown_version_is_404_checklist_not_found(client, publish, headers, assert_error):
    publish(_definition("ward-round"))
    response = client.get(f"{LIST}/ward-round?version=2", headers=headers)
    assert_error(response, 404, "checklist.not_found")


@pytest.mark.parametrize("version", ["abc", "0", "-1", "1.5"])
def test_a_version_that_is_not_a_positive_integer_is_422(
    client, publish, headers, assert_error, version
):
    publish(_definition("ward-round"))
    response = client.get(f"{LIST}/ward-round?version={version}", headers=headers)
    body = assert_error(response, 422, "request.invalid")
    assert set(body["errors"]) == {"version"}


@pytest.mark.parametrize("path", [LIST, f"{LIST}/ward-round"])
def test_checklists_need_a_token(client, publish, assert_error, path):
    publish(_definition("ward-round"))
    assert_error(client.get(path), 401, "auth.required")


@pytest.mark.parametrize("role", ["admin", "supervisor", "inspector", "department_head"])
def test_every_role_can_read_checklists(client, publish, make_user, role):
    publish(_definition("ward-round"))
    _user, headers = make_user(role)
    assert client.get(f"{LIST}/ward-round", headers=headers).status_code == 200
