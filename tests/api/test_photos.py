"""PUT/GET /photos/<uuid>: idempotent, hash-checked uploads, stored stripped and bounded.

Contract: "Sync — the device pushes what it recorded". A photo may arrive before or after the
finding that names it; the push answer's ``missing_photos`` says what the device still owes.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import event, func, select

from server import extensions
from server.extensions import db
from server.models import Photo
from server.services import auth, bulk, photos
from server.services.photos import process_image
from tests import factories as f
from tests.support.pausing import pause_calls

PUSH = "/api/v1/sync/push"
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _photo_url(photo_id: str) -> str:
    return f"/api/v1/photos/{photo_id}"


def _put(client, headers, photo_id, data, content_type="image/jpeg", sha256=None):
    """PUT ``data`` under ``photo_id`` with the right hash header unless ``sha256`` is given."""
    return client.put(
        _photo_url(photo_id),
        data=data,
        headers={
            **headers,
            "Content-Type": content_type,
            "X-Content-SHA256": sha256 if sha256 is not None else _sha(data),
        },
    )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _busy_image(size: tuple[int, int]) -> Image.Image:
    """A picture with real detail (so JPEGs of it are not trivially small)."""
    return Image.effect_mandelbrot(size, (-2.0, -1.2, 1.0, 1.2), 60).convert("RGB")


def _gps_jpeg() -> bytes:
    """A JPEG carrying a GPS position in its EXIF (checked to be there)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)})
    data = _encode(Image.new("RGB", (64, 48), (30, 120, 200)), exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)[2] == (31.0, 14.0, 0.0)
    return data


def _photo_rows(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Photo))


def _named_by_finding(client, headers, place, data, ref=None):
    """Push an inspection whose finding names a photo of ``data`` (or ``ref``, if given);
    return (ref, body, answer)."""
    inspection = f.inspection_payload(place.id)
    ref = ref or f.photo_ref(data)
    finding = f.finding_payload(inspection["id"], "sign.present", "pass", photos=[ref])
    body = f.push_body([inspection], [finding])
    response = client.post(PUSH, json=body, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [r["status"] for r in response.json["results"]] == ["created", "created"]
    return ref, body, response.json


def _inspection(client, headers, body) -> dict:
    response = client.get(f"/api/v1/inspections/{body['inspections'][0]['id']}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _stored(client, headers, photo_id, size=None) -> Image.Image:
    url = _photo_url(photo_id) + (f"?size={size}" if size else "")
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "JPEG"
    return image


# --- before and after the finding -----------------------------------------------------------


def test_a_photo_put_before_its_finding_completes_the_inspection(client, inspector, place):
    _, headers = inspector
    data = f.jpeg_bytes()
    ref = f.photo_ref(data)
    assert _put(client, headers, ref["id"], data).status_code == 201

    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "sign.present", "pass", photos=[ref])
    body = f.push_body([inspection], [finding])
    answer = client.post(PUSH, json=body, headers=headers).json

    assert [r["status"] for r in answer["results"]] == ["created", "created"]
    assert ref["id"] not in answer["missing_photos"]
    stored = _inspection(client, headers, body)
    assert (stored["photos_present"], stored["photos_expected"]) == (1, 1)
    assert stored["complete"] is True


def test_a_photo_put_after_its_finding_fills_the_missing_slot(client, inspector, place):
    _, headers = inspector
    data = f.jpeg_bytes()
    ref, body, answer = _named_by_finding(client, headers, place, data)
    assert answer["missing_photos"] == [ref["id"]]
    before = _inspection(client, headers, body)
    assert (before["photos_present"], before["photos_expected"]) == (0, 1)
    assert before["complete"] is False

    assert _put(client, headers, ref["id"], data).status_code == 201

    replay = client.post(PUSH, json=body, headers=headers).json
    assert [r["status"] for r in replay["results"]] == ["duplicate", "duplicate"]
    assert replay["missing_photos"] == []
    after = _inspection(client, headers, body)
    assert (after["photos_present"], after["photos_expected"]) == (1, 1)
    assert after["complete"] is True


def test_an_uploads_look_up_is_one_query_even_for_a_findings_slot(
    client, session, inspector, place
):
    """Every upload pays the look-up before decoding: the photo, the slot and the slot's
    inspection come in one statement, and judging who may upload needs none of its own."""
    _, headers = inspector
    data = f.jpeg_bytes()
    ref, _, _ = _named_by_finding(client, headers, place, data)
    session.commit()
    _, user = auth.authenticate(session, headers["Authorization"].removeprefix("Bearer "))
    executed = []

    def remember(conn, cursor, statement, *args):
        executed.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        check = photos.look_up_upload(session, user, uuid.UUID(ref["id"]), _sha(data))
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)

    assert check.replay is None and check.claim is not None  # a finding's slot, judged
    assert len(executed) == 1, executed


def test_a_put_answers_with_the_stored_photo(client, inspector):
    _, headers = inspector
    data = f.jpeg_bytes(size=(64, 48))
    ref = f.photo_ref(data)
    response = _put(client, headers, ref["id"], data)
    assert response.status_code == 201
    assert response.json == {
        **response.json,
        "id": ref["id"],
        "sha256": ref["sha256"],
        "width": 64,
        "height": 48,
    }
    assert response.json["received_at"].endswith("Z")


def test_missing_photos_lists_only_the_photos_not_yet_uploaded(client, inspector, place):
    _, headers = inspector
    first, second = f.jpeg_bytes(color=(255, 0, 0)), f.jpeg_bytes(color=(0, 255, 0))
    refs = [f.photo_ref(first), f.photo_ref(second)]
    assert _put(client, headers, refs[0]["id"], first).status_code == 201
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "sign.present", "pass", photos=refs)
    body = f.push_body([inspection], [finding])

    answer = client.post(PUSH, json=body, headers=headers).json
    assert answer["missing_photos"] == [refs[1]["id"]]
    stored = _inspection(client, headers, body)
    assert (stored["photos_present"], stored["photos_expected"]) == (1, 2)
    assert stored["complete"] is False
    assert [p["present"] for p in stored["findings"][0]["photos"]] == [True, False]


def test_a_finding_naming_an_uploaded_photo_by_another_hash_is_rejected(client, inspector, place):
    _, headers = inspector
    uploaded = f.jpeg_bytes(color=(255, 0, 0))
    photo_id = f.new_id()
    assert _put(client, headers, photo_id, uploaded).status_code == 201
    other = f.jpeg_bytes(color=(0, 0, 255))
    inspection = f.inspection_payload(place.id)
    ref = {**f.photo_ref(other), "id": photo_id}
    finding = f.finding_payload(inspection["id"], "sign.present", "pass", photos=[ref])
    answer = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers).json
    assert answer["results"][1]["status"] == "rejected"
    assert answer["results"][1]["code"] == "sync.photo_conflict"


def test_a_photo_named_by_one_finding_cannot_be_named_by_another(client, inspector, place):
    _, headers = inspector
    data = f.jpeg_bytes()
    ref, _, _ = _named_by_finding(client, headers, place, data)
    inspection = f.inspection_payload(place.id)
    finding = f.finding_payload(inspection["id"], "sign.present", "pass", photos=[ref])
    answer = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers).json
    assert [r["status"] for r in answer["results"]] == ["created", "rejected"]
    assert answer["results"][1]["code"] == "sync.photo_conflict"


# --- idempotency and conflicts -----------------------------------------------------------------


def test_a_replayed_put_answers_200_and_stores_one_photo(client, session, inspector):
    _, headers = inspector
    data = f.jpeg_bytes()
    photo_id = f.new_id()
    first = _put(client, headers, photo_id, data)
    second = _put(client, headers, photo_id, data)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json["id"] == photo_id and second.json["sha256"] == _sha(data)
    assert _photo_rows(session) == 1


def test_the_same_id_with_other_bytes_is_a_conflict(client, session, inspector, assert_error):
    _, headers = inspector
    photo_id = f.new_id()
    assert _put(client, headers, photo_id, f.jpeg_bytes(color=(255, 0, 0))).status_code == 201
    response = _put(client, headers, photo_id, f.jpeg_bytes(color=(0, 0, 255)))
    assert_error(response, 409, "photo.conflict")
    assert _photo_rows(session) == 1


def test_bytes_other_than_the_slot_expects_are_a_conflict(
    client, session, inspector, place, assert_error
):
    _, headers = inspector
    expected = f.jpeg_bytes(color=(255, 0, 0))
    ref, body, _ = _named_by_finding(client, headers, place, expected)
    other = f.jpeg_bytes(color=(0, 0, 255))
    assert_error(_put(client, headers, ref["id"], other), 409, "photo.conflict")
    assert _photo_rows(session) == 0
    assert _inspection(client, headers, body)["photos_present"] == 0


# --- refused uploads -------------------------------------------------------------------------


def test_a_hash_header_not_matching_the_body_is_invalid(client, session, inspector, assert_error):
    _, headers = inspector
    data = f.jpeg_bytes()
    response = _put(client, headers, f.new_id(), data, sha256=_sha(data + b"x"))
    body = assert_error(response, 422, "photo.invalid")
    assert "X-Content-SHA256" in body["errors"]
    assert _photo_rows(session) == 0


def test_a_put_without_the_hash_header_is_invalid(client, inspector, assert_error):
    _, headers = inspector
    response = client.put(
        _photo_url(f.new_id()),
        data=f.jpeg_bytes(),
        headers={**headers, "Content-Type": "image/jpeg"},
    )
    body = assert_error(response, 422, "photo.invalid")
    assert "X-Content-SHA256" in body["errors"]


def test_a_hash_header_in_upper_case_is_accepted(client, inspector):
    _, headers = inspector
    data = f.jpeg_bytes()
    response = _put(client, headers, f.new_id(), data, sha256=_sha(data).upper())
    assert response.status_code == 201
    assert response.json["sha256"] == _sha(data)


def test_a_truncated_jpeg_is_invalid(client, session, inspector, assert_error):
    _, headers = inspector
    whole = _encode(_busy_image((400, 300)), quality=90)
    half = whole[: len(whole) // 2]
    assert_error(_put(client, headers, f.new_id(), half), 422, "photo.invalid")
    assert _photo_rows(session) == 0


def test_an_image_over_the_configured_pixel_limit_is_invalid(
    app, client, session, inspector, assert_error
):
    app.config["PHOTO_MAX_PIXELS"] = 100 * 100
    _, headers = inspector
    data = _encode(Image.new("RGB", (101, 100), (9, 9, 9)), "PNG")
    response = _put(client, headers, f.new_id(), data, "image/png")
    body = assert_error(response, 422, "photo.invalid")
    assert "pixels" in body["errors"]["body"][0]
    assert _photo_rows(session) == 0


def test_an_image_at_the_configured_pixel_limit_is_accepted(app, client, inspector):
    app.config["PHOTO_MAX_PIXELS"] = 100 * 100
    _, headers = inspector
    data = _encode(Image.new("RGB", (100, 100), (9, 9, 9)), "PNG")
    assert _put(client, headers, f.new_id(), data, "image/png").status_code == 201


def test_a_png_decompression_bomb_is_invalid(client, session, inspector, assert_error):
    _, headers = inspector
    bomb = _encode(Image.new("1", (20_000, 20_000)), "PNG", optimize=True)
    assert len(bomb) < 100_000  # tiny on the wire, 400 megapixels once decoded
    response = _put(client, headers, f.new_id(), bomb, "image/png")
    assert_error(response, 422, "photo.invalid")
    assert _photo_rows(session) == 0


def test_an_empty_body_is_invalid(client, inspector, assert_error):
    _, headers = inspector
    body = assert_error(_put(client, headers, f.new_id(), b""), 422, "photo.invalid")
    assert "body" in body["errors"]


def test_an_html_file_sent_as_jpeg_is_invalid(client, session, inspector, assert_error):
    _, headers = inspector
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    assert_error(_put(client, headers, f.new_id(), html), 422, "photo.invalid")
    assert _photo_rows(session) == 0


def test_a_gif_sent_as_png_is_invalid(client, inspector, assert_error):
    _, headers = inspector
    gif = _encode(Image.new("P", (10, 10)), "GIF")
    assert_error(_put(client, headers, f.new_id(), gif, "image/png"), 422, "photo.invalid")


def test_a_body_over_the_photo_limit_is_too_large(app, client, session, inspector, assert_error):
    app.config["PHOTO_MAX_BYTES"] = 1000
    _, headers = inspector
    data = _encode(_busy_image((200, 150)), quality=95)
    assert len(data) > 1000
    assert_error(_put(client, headers, f.new_id(), data), 413, "photo.too_large")
    assert _photo_rows(session) == 0


def test_a_body_over_the_request_limit_is_too_large(app, client, inspector, assert_error):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a failing handler answers 500, as deployed
    _, headers = inspector
    data = _encode(_busy_image((200, 150)), quality=95)
    assert 1000 < len(data) < app.config["PHOTO_MAX_BYTES"]
    assert_error(_put(client, headers, f.new_id(), data), 413, "photo.too_large")


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "image/gif"])
def test_a_type_other_than_jpeg_png_or_webp_is_unsupported(
    client, inspector, assert_error, content_type
):
    _, headers = inspector
    response = _put(client, headers, f.new_id(), f.jpeg_bytes(), content_type)
    assert_error(response, 415, "photo.unsupported_type")


def test_a_put_without_a_token_is_unauthorised(client, session, inspector, assert_error):
    data = f.jpeg_bytes()
    assert_error(_put(client, {}, f.new_id(), data), 401, "auth.required")
    assert _photo_rows(session) == 0


def test_a_get_without_a_token_is_unauthorised(client, inspector, assert_error):
    _, headers = inspector
    photo_id = f.new_id()
    assert _put(client, headers, photo_id, f.jpeg_bytes()).status_code == 201
    assert_error(client.get(_photo_url(photo_id)), 401, "auth.required")


# --- what is stored ----------------------------------------------------------------------------


def test_gps_exif_is_gone_from_the_served_photo_and_its_thumbnail(client, inspector, place):
    _, headers = inspector
    data = _gps_jpeg()
    ref, _, _ = _named_by_finding(client, headers, place, data)
    assert _put(client, headers, ref["id"], data).status_code == 201

    for size in (None, "thumb"):
        stored = _stored(client, headers, ref["id"], size)
        assert "exif" not in stored.info
        assert len(stored.getexif()) == 0
        assert stored.getexif().get_ifd(GPS_IFD) == {}


def test_gps_exif_is_gone_from_the_files_on_disk(app, client, inspector):
    _, headers = inspector
    data = _gps_jpeg()
    assert _put(client, headers, f.new_id(), data).status_code == 201

    files = sorted(Path(app.config["PHOTO_DIR"]).rglob("*.jpg"))
    assert len(files) == 2  # the photo and its thumbnail
    for path in files:
        content = path.read_bytes()
        assert b"Exif\x00\x00" not in content
        assert b"PhoneMaker" not in content
        assert len(Image.open(io.BytesIO(content)).getexif()) == 0


def test_a_jpeg_comment_is_gone_from_the_stored_photo(client, inspector, place):
    _, headers = inspector
    data = _encode(Image.new("RGB", (64, 48)), comment=b"Ward 7, bed 12, 31.23N 121.47E")
    ref, _, _ = _named_by_finding(client, headers, place, data)
    assert _put(client, headers, ref["id"], data).status_code == 201
    for size in (None, "thumb"):
        assert "comment" not in _stored(client, headers, ref["id"], size).info


def test_exif_orientation_is_applied_to_the_stored_photo(client, inspector, place):
    _, headers = inspector
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # "rotate 90° clockwise to display"
    image = Image.new("RGB", (60, 40), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))  # a red block top-left, as stored
    data = _encode(image, exif=exif, quality=95)
    ref, _, _ = _named_by_finding(client, headers, place, data)
    assert _put(client, headers, ref["id"], data).json["width"] == 40

    stored = _stored(client, headers, ref["id"])
    assert stored.size == (40, 60)
    assert stored.getexif().get(ORIENTATION) is None
    # Rotated clockwise, the top-left block is now top-right.
    red, green, _ = stored.convert("RGB").getpixel((35, 5))
    assert red > 200 and green < 60


def test_the_stored_photo_and_thumbnail_are_bounded_by_the_configured_edges(
    app, client, inspector, place
):
    app.config["PHOTO_MAX_EDGE"] = 1024
    app.config["PHOTO_THUMB_EDGE"] = 200
    _, headers = inspector
    data = _encode(_busy_image((3000, 2000)), quality=85)
    ref, _, _ = _named_by_finding(client, headers, place, data)
    answer = _put(client, headers, ref["id"], data).json
    assert (answer["width"], answer["height"]) == (1024, 683)

    assert _stored(client, headers, ref["id"]).size == (1024, 683)
    thumb = _stored(client, headers, ref["id"], "thumb")
    assert max(thumb.size) == 200
    assert thumb.size[0] > thumb.size[1]


def test_a_small_photo_is_not_enlarged(client, inspector):
    _, headers = inspector
    data = f.jpeg_bytes(size=(64, 48))
    photo_id = f.new_id()
    assert _put(client, headers, photo_id, data).status_code == 201
    assert _stored(client, headers, photo_id).size == (64, 48)
    assert _stored(client, headers, photo_id, "thumb").size == (64, 48)


def test_a_png_with_transparency_is_served_as_jpeg(client, inspector):
    _, headers = inspector
    data = _encode(Image.new("RGBA", (30, 20), (0, 0, 0, 0)), "PNG")
    photo_id = f.new_id()
    assert _put(client, headers, photo_id, data, "image/png").status_code == 201
    stored = _stored(client, headers, photo_id)
    assert stored.mode == "RGB"
    assert min(stored.getpixel((15, 10))) > 245  # transparent became white, not black


def test_a_webp_photo_is_accepted(client, inspector):
    _, headers = inspector
    data = _encode(Image.new("RGB", (40, 30), (0, 128, 0)), "WEBP")
    photo_id = f.new_id()
    assert _put(client, headers, photo_id, data, "image/webp").status_code == 201
    assert _stored(client, headers, photo_id).size == (40, 30)


def test_a_jpeg_carrying_a_second_image_is_accepted(client, inspector):
    _, headers = inspector
    primary = Image.new("RGB", (80, 60), (200, 0, 0))
    out = io.BytesIO()
    primary.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (40, 30))])
    data = out.getvalue()
    assert data[:3] == b"\xff\xd8\xff"  # a JPEG stream, as phones send it
    response = _put(client, headers, f.new_id(), data)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert (response.json["width"], response.json["height"]) == (80, 60)


def test_get_answers_a_matching_etag_with_304(client, inspector):
    _, headers = inspector
    photo_id = f.new_id()
    assert _put(client, headers, photo_id, f.jpeg_bytes()).status_code == 201
    first = client.get(_photo_url(photo_id), headers=headers)
    assert first.headers["ETag"]
    again = client.get(
        _photo_url(photo_id), headers={**headers, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_an_unknown_size_is_refused(client, inspector, assert_error):
    _, headers = inspector
    photo_id = f.new_id()
    assert _put(client, headers, photo_id, f.jpeg_bytes()).status_code == 201
    response = client.get(_photo_url(photo_id) + "?size=huge", headers=headers)
    body = assert_error(response, 422, "request.invalid")
    assert "size" in body["errors"]


# --- who may see a photo ---------------------------------------------------------------------


def test_a_user_of_another_hospital_cannot_see_a_findings_photo(
    client, inspector, place, make_user, other_hospital, assert_error
):
    _, headers = inspector
    data = f.jpeg_bytes()
    ref, _, _ = _named_by_finding(client, headers, place, data)
    assert _put(client, headers, ref["id"], data).status_code == 201
    _, stranger = make_user("supervisor", hospital=other_hospital)
    assert_error(client.get(_photo_url(ref["id"]), headers=stranger), 404, "photo.not_found")
    response = client.get(_photo_url(ref["id"]) + "?size=thumb", headers=stranger)
    assert_error(response, 404, "photo.not_found")


def test_a_supervisor_of_the_hospital_can_see_a_findings_photo(client, inspector, place, make_user):
    _, headers = inspector
    data = f.jpeg_bytes()
    ref, _, _ = _named_by_finding(client, headers, place, data)
    assert _put(client, headers, ref["id"], data).status_code == 201
    _, supervisor = make_user("supervisor")
    assert _stored(client, supervisor, ref["id"]).size == (64, 48)


def test_an_inspector_cannot_see_photos_of_another_inspectors_finding(
    client, inspector, place, make_user, assert_error
):
    _, headers = inspector
    data = f.jpeg_bytes()
    ref, body, _ = _named_by_finding(client, headers, place, data)
    assert _put(client, headers, ref["id"], data).status_code == 201
    _, colleague = make_user("inspector")
    inspection_url = f"/api/v1/inspections/{body['inspections'][0]['id']}"
    assert client.get(inspection_url, headers=colleague).status_code == 404
    response = client.get(_photo_url(ref["id"]), headers=colleague)
    assert response.status_code == 404, "the photo was served"
    assert_error(response, 404, "photo.not_found")


def test_an_unnamed_photo_is_visible_to_its_uploader_only(
    client, inspector, make_user, assert_error
):
    _, uploader = inspector
    photo_id = f.new_id()
    assert _put(client, uploader, photo_id, f.jpeg_bytes()).status_code == 201
    assert client.get(_photo_url(photo_id), headers=uploader).status_code == 200
    _, supervisor = make_user("supervisor")
    assert_error(client.get(_photo_url(photo_id), headers=supervisor), 404, "photo.not_found")


def test_an_unknown_photo_is_not_found(client, inspector, assert_error):
    _, headers = inspector
    assert_error(client.get(_photo_url(f.new_id()), headers=headers), 404, "photo.not_found")


def test_an_expected_but_missing_photo_is_not_found(client, inspector, place, assert_error):
    _, headers = inspector
    ref, _, _ = _named_by_finding(client, headers, place, f.jpeg_bytes())
    assert_error(client.get(_photo_url(ref["id"]), headers=headers), 404, "photo.not_found")


def test_a_user_of_another_hospital_cannot_fill_a_findings_slot(
    client, session, inspector, place, make_user, other_hospital, assert_error
):
    _, headers = inspector
    data = f.jpeg_bytes()
    ref, body, _ = _named_by_finding(client, headers, place, data)
    _, stranger = make_user("inspector", hospital=other_hospital)
    assert_error(_put(client, stranger, ref["id"], data), 404, "photo.not_found")
    assert _photo_rows(session) == 0
    assert _inspection(client, headers, body)["photos_present"] == 0


# --- another hospital's photo answers as if absent (issue 10) ---------------------------------


@pytest.fixture
def foreign_photo(client, inspector, place):
    """A photo of a finding of ``hospital``, uploaded: ``(id, bytes)``."""
    _, headers = inspector
    data = f.jpeg_bytes(color=(10, 200, 10))
    ref, _, _ = _named_by_finding(client, headers, place, data)
    assert _put(client, headers, ref["id"], data).status_code == 201
    return ref["id"], data


@pytest.fixture
def stranger(make_user, other_hospital):
    """The headers of a supervisor of ``other_hospital``."""
    return make_user("supervisor", hospital=other_hospital)[1]


def test_a_put_of_another_hospitals_photo_with_its_bytes_is_not_found(
    client, foreign_photo, stranger, assert_error
):
    photo_id, data = foreign_photo
    body = assert_error(_put(client, stranger, photo_id, data), 404, "photo.not_found")
    unknown = client.get(_photo_url(f.new_id()), headers=stranger).json
    assert body == unknown, "the answer differs from that for an id nobody used"


def test_a_put_of_another_hospitals_photo_with_other_bytes_is_not_a_conflict(
    client, foreign_photo, stranger, assert_error
):
    photo_id, _ = foreign_photo
    other = f.jpeg_bytes(color=(0, 0, 0))
    assert_error(_put(client, stranger, photo_id, other), 404, "photo.not_found")


def test_a_refused_put_changes_nothing_of_the_stored_photo(
    client, session, inspector, foreign_photo, stranger
):
    photo_id, data = foreign_photo
    before = _put(client, inspector[1], photo_id, data).json
    _put(client, stranger, photo_id, f.jpeg_bytes(color=(0, 0, 0)))
    assert _put(client, inspector[1], photo_id, data).json == before
    assert _photo_rows(session) == 1


def test_an_unnamed_photo_is_not_confirmed_to_someone_else(
    client, inspector, make_user, stranger, assert_error
):
    _, uploader = inspector
    photo_id, data = f.new_id(), f.jpeg_bytes()
    assert _put(client, uploader, photo_id, data).status_code == 201
    _, colleague = make_user("supervisor")
    for headers in (colleague, stranger):
        assert_error(_put(client, headers, photo_id, data), 404, "photo.not_found")


def test_the_same_bytes_under_a_new_id_are_stored_for_another_hospital(
    client, foreign_photo, stranger
):
    photo_id, data = foreign_photo
    own_id = f.new_id()
    response = _put(client, stranger, own_id, data)
    assert response.status_code == 201
    assert response.json["id"] == own_id != photo_id
    assert _stored(client, stranger, own_id).size == (64, 48)


def test_a_supervisor_who_may_see_the_finding_gets_the_replay_answer(
    client, foreign_photo, make_user
):
    photo_id, data = foreign_photo
    _, supervisor = make_user("supervisor")
    response = _put(client, supervisor, photo_id, data)
    assert response.status_code == 200
    assert response.json["sha256"] == _sha(data)


def test_an_inspector_cannot_fill_the_slot_of_another_inspectors_finding(
    client, session, inspector, place, make_user, assert_error
):
    _, headers = inspector
    data = f.jpeg_bytes()
    ref, _, _ = _named_by_finding(client, headers, place, data)
    _, colleague = make_user("inspector")
    assert_error(_put(client, colleague, ref["id"], data), 404, "photo.not_found")
    assert _photo_rows(session) == 0


def test_concurrent_puts_of_one_photo_store_it_once(app, session, inspector):
    _, headers = inspector
    data = _encode(_busy_image((800, 600)), quality=90)
    photo_id = f.new_id()
    start = threading.Barrier(4)

    def upload() -> int:
        start.wait(timeout=10)
        return _put(app.test_client(), headers, photo_id, data).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(lambda _: upload(), range(4)))
    assert statuses == [200, 200, 200, 201]
    assert _photo_rows(session) == 1


@pytest.mark.postgres_only
def test_an_upload_whose_id_another_stored_while_it_checked_answers_as_the_replay(
    app, session, inspector, monkeypatch
):
    # The second check found the id free; then the other upload stored it: the insert skips it.
    _, headers = inspector
    data, photo_id = f.jpeg_bytes(), f.new_id()
    answers = []
    first = threading.Thread(
        target=lambda: answers.append(_put(app.test_client(), headers, photo_id, data))
    )
    here = lambda session, table, *rest: table.name == "photos"  # noqa: E731
    with pause_calls(monkeypatch, bulk, "insert_new", here) as arrived:
        first.start()
        assert arrived.wait(timeout=30)
        monkeypatch.undo()  # the second upload goes through
        other = _put(app.test_client(), headers, photo_id, data)
    first.join(timeout=30)
    assert (other.status_code, answers[0].status_code) == (201, 200)
    assert answers[0].json == other.json
    assert _photo_rows(session) == 1


def _put_while_a_finding_names_it(app, monkeypatch, uploader, data, inspector, place, ref):
    """PUT ``data`` under ``ref``'s id as ``uploader``; while it is decoded (after its look-up),
    ``inspector`` pushes a finding that names ``ref``. Return the PUT's answer."""
    answers = []
    upload = threading.Thread(
        target=lambda: answers.append(_put(app.test_client(), uploader, ref["id"], data))
    )
    with pause_calls(monkeypatch, photos, "prepare_photo", lambda *args: True) as arrived:
        upload.start()
        assert arrived.wait(timeout=30)
        _named_by_finding(app.test_client(), inspector, place, None, ref=ref)
    upload.join(timeout=30)
    return answers[0]


def test_a_photo_its_finding_names_while_it_is_decoded_fills_the_slot(
    app, session, inspector, place, monkeypatch
):
    _, headers = inspector
    data = f.jpeg_bytes()
    ref = f.photo_ref(data)
    answer = _put_while_a_finding_names_it(app, monkeypatch, headers, data, headers, place, ref)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert _photo_rows(session) == 1


def test_a_finding_expecting_other_bytes_while_a_photo_is_decoded_makes_it_a_conflict(
    app, session, inspector, place, monkeypatch, assert_error
):
    _, headers = inspector
    ref = f.photo_ref(f.jpeg_bytes(color=(0, 0, 255)))
    data = f.jpeg_bytes()
    answer = _put_while_a_finding_names_it(app, monkeypatch, headers, data, headers, place, ref)
    assert_error(answer, 409, "photo.conflict")
    assert _photo_rows(session) == 0


def test_a_photo_another_hospital_names_while_it_is_decoded_is_not_found(
    app, session, inspector, place, make_user, other_hospital, monkeypatch, assert_error
):
    # The stranger's look-up found the id free; the inspector's finding then claimed it.
    _, headers = inspector
    _, stranger = make_user("inspector", hospital=other_hospital)
    data = f.jpeg_bytes()
    ref = f.photo_ref(data)
    answer = _put_while_a_finding_names_it(app, monkeypatch, stranger, data, headers, place, ref)
    assert_error(answer, 404, "photo.not_found")
    assert _photo_rows(session) == 0


def test_no_write_lock_is_held_while_a_photo_is_decoded(client, backend, inspector, monkeypatch):
    """Another writer can take SQLite's write lock while an upload is being decoded."""
    if backend != "sqlite":
        pytest.skip("SQLite's single write lock")
    _, headers = inspector
    database = db.engine.url.database
    lock_was_free = []

    def decode_while_probing(data, limits):
        probe = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            lock_was_free.append(True)
        except sqlite3.OperationalError:
            lock_was_free.append(False)
        finally:
            probe.close()
        return process_image(data, limits)

    monkeypatch.setattr(photos, "process_image", decode_while_probing)
    data = f.jpeg_bytes()
    assert _put(client, headers, f.new_id(), data).status_code == 201
    assert lock_was_free == [True]


def test_a_replayed_upload_answers_while_another_writer_holds_the_lock(
    client, backend, inspector, monkeypatch
):
    """The look-up only reads: a phone re-sending a stored photo does not queue behind a push."""
    if backend != "sqlite":
        pytest.skip("SQLite's single write lock")
    _, headers = inspector
    data, photo_id = f.jpeg_bytes(), f.new_id()
    assert _put(client, headers, photo_id, data).status_code == 201
    db.session.remove()  # the test's session outlives requests: end its transaction
    monkeypatch.setattr(extensions, "SQLITE_BUSY_TIMEOUT_MS", 100)
    db.engine.dispose()  # new connections wait only 100 ms for the lock
    writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        replay = _put(client, headers, photo_id, data)
        other_bytes = _put(client, headers, photo_id, f.jpeg_bytes(color=(0, 0, 255)))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert replay.status_code == 200
    assert other_bytes.status_code == 409
