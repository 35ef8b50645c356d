"""A marked-up photo beside its original: the ``original_id`` link of a finding's photo.

The device draws circles, arrows and words on a photo and pushes the marked copy with the
original it was drawn on; the server checks the link, keeps it, and every reader shows the copy
first with the original reachable.
"""

from __future__ import annotations

import uuid

import pytest

from server.models import PhotoSlot
from server.services.exports import task_photos
from tests import factories as f

PUSH = "/api/v1/sync/push"


def _marked_pair(color=(200, 30, 30)):
    """An original and a marked copy of it, as refs with their bytes."""
    original_bytes = f.jpeg_bytes((160, 120), color)
    marked_bytes = f.jpeg_bytes((160, 120), (250, 250, 0))
    original = f.photo_ref(original_bytes)
    marked = {**f.photo_ref(marked_bytes), "original_id": original["id"]}
    return (marked, marked_bytes), (original, original_bytes)


def _push_failure(client, headers, place, photos):
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "floor.clean", "fail", photos=photos)
    response = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return inspection, finding, response.json


def _put(client, headers, ref, data):
    response = client.put(
        f"/api/v1/photos/{ref['id']}",
        data=data,
        headers={**headers, "Content-Type": "image/jpeg", "X-Content-SHA256": ref["sha256"]},
    )
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.fixture
def marked_visit(client, inspector, place):
    """A pushed failure with a marked copy (listed first) and its original, both uploaded."""
    _, headers = inspector
    (marked, marked_bytes), (original, original_bytes) = _marked_pair()
    inspection, finding, answer = _push_failure(client, headers, place, [original, marked])
    assert answer["results"][1]["status"] == "created"
    _put(client, headers, marked, marked_bytes)
    _put(client, headers, original, original_bytes)
    return {
        "inspection": inspection,
        "finding": finding,
        "marked": marked,
        "original": original,
        "task_id": answer["tasks"][0]["id"],
    }


def test_the_server_keeps_which_photo_a_marked_copy_was_drawn_on(session, marked_visit):
    slot = session.get(PhotoSlot, uuid.UUID(marked_visit["marked"]["id"]))
    assert slot.original_id == uuid.UUID(marked_visit["original"]["id"])
    assert session.get(PhotoSlot, uuid.UUID(marked_visit["original"]["id"])).original_id is None


def test_the_stored_inspection_names_the_original_of_the_marked_copy(
    client, inspector, marked_visit
):
    _, headers = inspector
    inspection_id = marked_visit["inspection"]["id"]
    response = client.get(f"/api/v1/inspections/{inspection_id}", headers=headers)
    photos = {p["id"]: p for p in response.json["findings"][0]["photos"]}
    assert photos[marked_visit["marked"]["id"]]["original_id"] == marked_visit["original"]["id"]
    assert photos[marked_visit["original"]["id"]]["original_id"] is None


def test_the_task_lists_the_marked_copy_first_with_its_original(client, make_user, marked_visit):
    _, headers = make_user("supervisor")
    task = client.get(f"/api/v1/tasks/{marked_visit['task_id']}", headers=headers).json
    failure = task["failures"][0]
    assert failure["photo_ids"] == [marked_visit["marked"]["id"], marked_visit["original"]["id"]]
    assert failure["photo_originals"] == {
        marked_visit["marked"]["id"]: marked_visit["original"]["id"]
    }


def test_the_inspection_report_shows_the_marked_copy_then_the_original(
    client, inspector, marked_visit
):
    _, headers = inspector
    html = client.get(
        f"/api/v1/inspections/{marked_visit['inspection']['id']}/report", headers=headers
    ).get_data(as_text=True)
    assert html.index('<figure class="marked">') < html.index('<figure class="original">')
    assert "原图 <span" in html


def test_the_problem_lists_before_photo_is_the_marked_copy(session, marked_visit):
    session.commit()  # see the requests' commits
    photos = task_photos(session, [marked_visit["task_id"]])
    assert photos[marked_visit["task_id"]].before[0] == uuid.UUID(marked_visit["marked"]["id"])


def test_a_replayed_marked_finding_is_a_duplicate(client, inspector, place):
    _, headers = inspector
    (marked, _), (original, _) = _marked_pair()
    inspection, finding, _ = _push_failure(client, headers, place, [marked, original])
    again = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers).json
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]


def test_the_same_finding_without_the_link_is_a_conflict(client, inspector, place):
    _, headers = inspector
    (marked, _), (original, _) = _marked_pair()
    inspection, finding, _ = _push_failure(client, headers, place, [marked, original])
    unlinked = {key: value for key, value in marked.items() if key != "original_id"}
    changed = {**finding, "photos": [unlinked, original]}
    answer = client.post(PUSH, json=f.push_body([inspection], [changed]), headers=headers).json
    assert answer["results"][1]["status"] == "conflict"


def _rejection(client, headers, place, photos) -> dict:
    _, _, answer = _push_failure(client, headers, place, photos)
    result = answer["results"][1]
    assert result["status"] == "rejected"
    return result


def test_a_marked_copy_of_an_unknown_photo_is_rejected_naming_the_field(
    client, session, inspector, place
):
    _, headers = inspector
    (marked, _), _original = _marked_pair()
    result = _rejection(client, headers, place, [{**marked, "original_id": str(uuid.uuid4())}])
    assert result["code"] == "sync.invalid_original"
    assert "original_id" in result["errors"]["photos"]["0"]
    session.commit()
    assert session.get(PhotoSlot, uuid.UUID(marked["id"])) is None


def test_a_marked_copy_of_another_findings_photo_is_rejected(client, inspector, place):
    _, headers = inspector
    (marked, _), (original, _) = _marked_pair()
    inspection = f.inspection_payload(place.id)
    first = f.finding_payload(inspection["id"], "floor.clean", "fail", photos=[original])
    second = f.finding_payload(inspection["id"], "queue.minutes", "fail", value=99, photos=[marked])
    answer = client.post(
        PUSH, json=f.push_body([inspection], [first, second]), headers=headers
    ).json
    assert [r["status"] for r in answer["results"]] == ["created", "created", "rejected"]
    assert answer["results"][2]["code"] == "sync.invalid_original"


def test_a_photo_that_names_itself_as_its_original_is_rejected(client, inspector, place):
    _, headers = inspector
    (marked, _), (original, _) = _marked_pair()
    result = _rejection(client, headers, place, [original, {**marked, "original_id": marked["id"]}])
    assert result["code"] == "sync.invalid_original"
    assert "original_id" in result["errors"]["photos"]["1"]


def test_a_marked_copy_of_a_marked_copy_is_rejected(client, inspector, place):
    _, headers = inspector
    (marked, _), (original, _) = _marked_pair()
    again = {**f.photo_ref(f.jpeg_bytes(color=(1, 1, 1))), "original_id": marked["id"]}
    result = _rejection(client, headers, place, [original, marked, again])
    assert result["code"] == "sync.invalid_original"
    assert "original_id" in result["errors"]["photos"]["2"]


def test_an_original_with_two_marked_copies_is_rejected(client, inspector, place):
    _, headers = inspector
    (marked, _), (original, _) = _marked_pair()
    second = {**f.photo_ref(f.jpeg_bytes(color=(1, 1, 1))), "original_id": original["id"]}
    result = _rejection(client, headers, place, [original, marked, second])
    assert result["code"] == "sync.invalid_original"


def test_a_null_original_is_rejected_naming_the_field(client, inspector, place):
    _, headers = inspector
    (_, _), (original, _) = _marked_pair()
    result = _rejection(client, headers, place, [{**original, "original_id": None}])
    assert result["code"] == "sync.invalid"
    assert "original_id" in result["errors"]["photos"]["0"]


def test_ten_photos_may_each_carry_a_marked_copy(client, inspector, place):
    _, headers = inspector
    photos = []
    for n in range(10):
        original = f.photo_ref(f.jpeg_bytes(color=(n, 0, 0)))
        marked = {**f.photo_ref(f.jpeg_bytes(color=(0, n, 0))), "original_id": original["id"]}
        photos += [marked, original]
    _, _, answer = _push_failure(client, headers, place, photos)
    assert answer["results"][1]["status"] == "created"


def test_eleven_unmarked_photos_are_still_too_many(client, inspector, place):
    _, headers = inspector
    photos = [f.photo_ref(f.jpeg_bytes(color=(n, 0, 0))) for n in range(11)]
    result = _rejection(client, headers, place, photos)
    assert "photos" in result["errors"]
