"""Handwritten signatures of the same-day feedback and of record fields: images synced as photos."""

from __future__ import annotations

import hashlib
import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select

from server.models import Inspection, PhotoSlot, RecordEntry
from tests import factories as f

PUSH = "/api/v1/sync/push"


def _put(client, headers, photo_id: str, data: bytes):
    return client.put(
        f"/api/v1/photos/{photo_id}",
        data=data,
        headers={
            **headers,
            "Content-Type": "image/png",
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
        },
    )


def _push(client, headers, inspections=(), findings=(), records=()) -> dict:
    response = client.post(PUSH, json=f.push_body(inspections, findings, records), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


@pytest.fixture
def signed(client, inspector, place):
    """A pushed inspection signed by the department's head and the inspector; the image bytes."""
    _, headers = inspector
    image = f.signature_png()
    signatures = [
        f.signature_payload(image, "department", "王主任"),
        f.signature_payload(f.signature_png((320, 90)), "inspector", "李检查"),
    ]
    inspection = f.inspection_payload(place.id, signatures=signatures)
    answer = _push(client, headers, [inspection])
    return inspection, answer, image


def _drawn(data: bytes, name: str = "张三") -> dict:
    ref = f.photo_ref(data)
    return {"name": name, "photo_id": ref["id"], "sha256": ref["sha256"], "bytes": ref["bytes"]}


def _handover(place_id: int, **signatures) -> dict:
    return f.record_payload(
        place_id, {"weight_kg": 2.5, "stored_at": "2026-11-23T08:00:00+08:00", **signatures}
    )


# --- the same-day feedback ---------------------------------------------------------------------


def test_an_inspections_signatures_are_stored_with_it(session, signed):
    inspection, answer, _ = signed
    assert answer["results"][0]["status"] == "created"
    stored = session.get(Inspection, uuid.UUID(inspection["id"]))
    assert [(s["role"], s["name"]) for s in stored.signatures] == [
        ("department", "王主任"),
        ("inspector", "李检查"),
    ]


def test_signature_images_count_as_missing_photos_until_uploaded(client, inspector, signed):
    inspection, answer, image = signed
    _, headers = inspector
    ids = [s["photo_id"] for s in inspection["signatures"]]
    assert answer["missing_photos"] == ids
    assert _put(client, headers, ids[0], image).status_code == 201
    again = _push(client, headers, [inspection])
    assert again["results"][0]["status"] == "duplicate"
    assert again["missing_photos"] == [ids[1]]


def test_the_inspection_is_complete_once_its_signatures_arrived(client, inspector, signed):
    inspection, _, image = signed
    _, headers = inspector
    url = f"/api/v1/inspections/{inspection['id']}"
    department = inspection["signatures"][0]["photo_id"]
    before = client.get(url, headers=headers).json
    assert (before["photos_expected"], before["complete"]) == (2, False)
    _put(client, headers, department, image)
    after = client.get(url, headers=headers).json
    assert [s["photo"]["present"] for s in after["signatures"]] == [True, False]
    assert after["signatures"][0]["name"] == "王主任"


def test_the_stored_signature_is_a_decodable_image_with_ink(client, inspector, signed):
    inspection, _, image = signed
    _, headers = inspector
    photo_id = inspection["signatures"][0]["photo_id"]
    _put(client, headers, photo_id, image)
    stored = Image.open(io.BytesIO(client.get(f"/api/v1/photos/{photo_id}", headers=headers).data))
    darkest, lightest = stored.convert("L").getextrema()
    assert (darkest, lightest) == (pytest.approx(0, abs=40), pytest.approx(255, abs=5))


def test_signatures_are_part_of_the_content_hash(client, inspector, signed):
    inspection, _, _ = signed
    _, headers = inspector
    inspection["signatures"][0]["name"] = "别人"
    answer = _push(client, headers, [inspection])
    assert answer["results"][0]["status"] == "conflict"


def test_an_empty_signature_list_is_the_same_content_as_none(client, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    _push(client, headers, [inspection])
    answer = _push(client, headers, [{**inspection, "signatures": []}])
    assert answer["results"][0]["status"] == "duplicate"


def test_an_unknown_role_is_rejected_naming_the_field(client, session, inspector, place):
    _, headers = inspector
    signature = f.signature_payload(f.signature_png(), role="witness")
    answer = _push(client, headers, [f.inspection_payload(place.id, signatures=[signature])])
    result = answer["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "sync.invalid")
    assert "role" in result["errors"]["signatures"]["0"]
    session.commit()
    assert session.scalar(select(func.count()).select_from(Inspection)) == 0


def test_a_photo_id_that_is_no_uuid_is_rejected_naming_the_field(client, inspector, place):
    _, headers = inspector
    signature = {**f.signature_payload(f.signature_png()), "photo_id": "sig-1"}
    answer = _push(client, headers, [f.inspection_payload(place.id, signatures=[signature])])
    result = answer["results"][0]
    assert result["status"] == "rejected"
    assert "photo_id" in result["errors"]["signatures"]["0"]


def test_two_signatures_of_one_role_are_rejected(client, inspector, place):
    _, headers = inspector
    twice = [f.signature_payload(f.signature_png()) for _ in range(2)]
    answer = _push(client, headers, [f.inspection_payload(place.id, signatures=twice)])
    assert answer["results"][0]["errors"] == {"signatures": ["One signature per role."]}


def test_a_signature_cannot_reuse_a_findings_photo(client, inspector, place):
    _, headers = inspector
    first = f.inspection_payload(place.id)
    ref = f.photo_ref(f.jpeg_bytes())
    finding = f.finding_payload(first["id"], "sign.present", "pass", photos=[ref])
    _push(client, headers, [first], [finding])
    signature = {**f.signature_payload(f.signature_png()), "photo_id": ref["id"]}
    answer = _push(client, headers, [f.inspection_payload(place.id, signatures=[signature])])
    assert answer["results"][0]["code"] == "sync.photo_conflict"
    assert "signatures" in answer["results"][0]["errors"]


# --- record forms ------------------------------------------------------------------------------


def test_drawn_signatures_sign_a_record_and_wait_as_missing_photos(
    client, session, inspector, place
):
    _, headers = inspector
    given, taken = _drawn(f.signature_png()), _drawn(f.signature_png((200, 80)), "李四")
    record = _handover(place.id, handed_over_by=given, received_by=taken)
    answer = _push(client, headers, records=[record])
    assert answer["results"][0]["status"] == "created"
    assert answer["tasks"] == []  # both signed: the both_signatures rule holds
    assert answer["missing_photos"] == [given["photo_id"], taken["photo_id"]]
    session.commit()
    owner = PhotoSlot.record_id == uuid.UUID(record["id"])
    assert session.scalar(select(func.count()).select_from(PhotoSlot).where(owner)) == 2


def test_a_printed_name_without_a_drawing_is_kept_but_not_signed(client, session, inspector, place):
    _, headers = inspector
    record = _handover(
        place.id, handed_over_by={"name": "张三"}, received_by=_drawn(f.signature_png())
    )
    answer = _push(client, headers, records=[record])
    assert len(answer["tasks"]) == 1  # both_signatures is broken
    session.commit()
    stored = session.get(RecordEntry, uuid.UUID(record["id"]))
    assert stored.fields["handed_over_by"] == {"name": "张三"}
    assert stored.failed_rules[0]["id"] == "both_signatures"


def test_a_typed_name_from_an_older_app_still_signs(client, inspector, place):
    _, headers = inspector
    record = _handover(place.id, handed_over_by="张三", received_by="李四")
    answer = _push(client, headers, records=[record])
    assert (answer["results"][0]["status"], answer["tasks"]) == ("created", [])


def test_a_bad_signature_image_id_is_rejected_naming_the_field(client, inspector, place):
    _, headers = inspector
    bad = {**_drawn(f.signature_png()), "photo_id": "nope"}
    answer = _push(client, headers, records=[_handover(place.id, handed_over_by=bad)])
    result = answer["results"][0]
    assert (result["status"], result["code"]) == ("rejected", "sync.invalid")
    assert result["errors"] == {"fields.handed_over_by.photo_id": ["Not a valid UUID."]}


def test_a_drawing_on_a_field_that_is_no_signature_is_rejected(client, inspector, place):
    _, headers = inspector
    record = f.record_payload(
        place.id, {"weight_kg": _drawn(f.signature_png()), "stored_at": "2026-11-23T08:00:00Z"}
    )
    answer = _push(client, headers, records=[record])
    assert list(answer["results"][0]["errors"]) == ["fields.weight_kg"]


# --- who sees a signature ----------------------------------------------------------------------


def test_a_supervisor_of_the_hospital_sees_the_feedbacks_signature(
    client, make_user, inspector, signed
):
    inspection, _, image = signed
    _, headers = inspector
    photo_id = inspection["signatures"][0]["photo_id"]
    _put(client, headers, photo_id, image)
    _, supervisor = make_user("supervisor")
    assert client.get(f"/api/v1/photos/{photo_id}", headers=supervisor).status_code == 200


def test_another_inspector_does_not_see_the_feedbacks_signature(
    client, make_user, inspector, signed
):
    inspection, _, image = signed
    _, headers = inspector
    photo_id = inspection["signatures"][0]["photo_id"]
    _put(client, headers, photo_id, image)
    _, other = make_user("inspector")
    assert client.get(f"/api/v1/photos/{photo_id}", headers=other).status_code == 404


def test_a_recorders_signature_is_seen_by_a_supervisor_not_by_another_recorder(
    client, make_user, walk_checklist, place
):
    _, recorder = make_user("recorder", department=place.department)
    image = f.signature_png()
    drawn = _drawn(image)
    _push(client, recorder, records=[_handover(place.id, handed_over_by=drawn)])
    assert _put(client, recorder, drawn["photo_id"], image).status_code == 201
    _, supervisor = make_user("supervisor")
    _, other = make_user("recorder", department=place.department)
    url = f"/api/v1/photos/{drawn['photo_id']}"
    assert client.get(url, headers=supervisor).status_code == 200
    assert client.get(url, headers=other).status_code == 404


# --- the printed feedback ----------------------------------------------------------------------


def _report(client, headers, inspection_id: str) -> str:
    response = client.get(f"/api/v1/inspections/{inspection_id}/report", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def _signature_block(html: str) -> str:
    return html.split('data-testid="signatures"', 1)[1].split("</div>\n<p", 1)[0]


def test_the_report_shows_an_uploaded_signature_with_name_and_time(client, inspector, signed):
    inspection, _, image = signed
    _, headers = inspector
    _put(client, headers, inspection["signatures"][0]["photo_id"], image)
    block = _signature_block(_report(client, headers, inspection["id"]))
    assert block.count('<img class="ink" src="data:image/jpeg;base64,') == 1
    assert "被检查科室负责人签字" in block and "王主任" in block and "2026-11-23 09:31" in block
    assert "李检查" in block and "签名图片尚未上传" in block  # the inspector's is still on the way


def test_an_unsigned_report_keeps_blank_lines_to_sign_on_paper(client, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    _push(client, headers, [inspection])
    block = _signature_block(_report(client, headers, inspection["id"]))
    assert "<img" not in block and "日期" in block


def test_the_report_shows_a_record_forms_drawn_signature(client, inspector, place):
    _, headers = inspector
    inspection = f.inspection_payload(place.id)
    image = f.signature_png()
    drawn = _drawn(image, "张三")
    record = {**_handover(place.id, handed_over_by=drawn), "inspection_id": inspection["id"]}
    _push(client, headers, [inspection], records=[record])
    _put(client, headers, drawn["photo_id"], image)
    html = _report(client, headers, inspection["id"])
    assert '<img class="signature" src="data:image/jpeg;base64,' in html
    assert "张三" in html and "photo_id" not in html
