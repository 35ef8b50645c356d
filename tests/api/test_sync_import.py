"""POST /sync/import: an admin stores a phone's exported outbox, with a result per record."""

from __future__ import annotations

import json

import pytest

from tests import factories as f

IMPORT = "/api/v1/sync/import"


@pytest.fixture
def exported(place, inspector):
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "bed.cards", "fail")
    return {
        "format": "wardwalk-unsent/1",
        "exported_at": "2026-11-23T10:00:00Z",
        "device_id": "d-1",
        "user": {"id": inspector[0].id, "username": inspector[0].username},
        "outbox": [
            {"id": inspection["id"], "kind": "inspection", "body": inspection},
            {"id": finding["id"], "kind": "finding", "body": finding},
        ],
        "photos": [],
    }


def test_an_admin_import_answers_a_result_per_record_and_the_tasks(
    client, make_user, inspector, exported
):
    _, headers = make_user("admin")
    response = client.post(f"{IMPORT}?user={inspector[0].username}", json=exported, headers=headers)
    assert response.status_code == 200
    assert [r["status"] for r in response.json["records"]] == ["created", "created"]
    assert [t["finding_id"] for t in response.json["tasks"]] == [exported["outbox"][1]["id"]]


def test_a_body_that_is_not_json_answers_422_naming_the_file(client, make_user, inspector):
    _, headers = make_user("admin")
    response = client.post(
        f"{IMPORT}?user={inspector[0].username}",
        data=b"\xff\xfe not an export",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert (response.json["code"], list(response.json["errors"])) == ("import.malformed", ["file"])


def test_json_nested_too_deeply_answers_422_not_500(client, make_user, inspector):
    _, headers = make_user("admin")
    response = client.post(
        f"{IMPORT}?user={inspector[0].username}",
        data=b"[" * 100_000 + b"]" * 100_000,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"file": ["JSON nested too deeply."]}


def test_a_missing_photo_field_answers_422_naming_it(client, make_user, inspector, exported):
    _, headers = make_user("admin")
    exported["photos"] = [{"id": f.new_id(), "type": "image/jpeg", "sha256": "ab"}]
    response = client.post(f"{IMPORT}?user={inspector[0].username}", json=exported, headers=headers)
    assert response.status_code == 422
    missing = ["Missing data for required field."]
    assert response.json["errors"] == {"photos": {"0": {"data_base64": missing}}}


def test_an_import_may_be_larger_than_one_push(app, client, make_user, inspector, exported):
    app.config["SYNC_MAX_BYTES"] = 100
    _, headers = make_user("admin")
    body = json.dumps(exported).encode()
    response = client.post(
        f"{IMPORT}?user={inspector[0].username}",
        data=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert len(body) > 100 and response.status_code == 200
