"""``wardwalk import-outbox``: a phone's exported outbox stored exactly once, as a push would."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from sqlalchemy import func, select

from server.models import Finding, Inspection, Photo, RecordEntry, RectificationTask
from tests import factories as f

pytestmark = pytest.mark.usefixtures("walk_checklist")


def _entry(kind: str, body: dict) -> dict:
    """An outbox record as the phone keeps it (with bookkeeping the import ignores)."""
    return {"id": body["id"], "kind": kind, "body": body, "state": "queued", "group": "g"}


def _photo(data: bytes, **overrides) -> dict:
    return {
        "id": f.new_id(),
        "type": "image/jpeg",
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "data_base64": base64.b64encode(data).decode(),
        **overrides,
    }


def _export(username: str, entries: list[dict], photos: list[dict]) -> dict:
    return {
        "format": "wardwalk-unsent/1",
        "exported_at": "2026-11-23T10:00:00.000Z",
        "device_id": "d-lost-password",
        "app_version": "abc123",
        "user": {"id": 7, "username": username},
        "outbox": entries,
        "drafts": [],
        "photos": photos,
    }


@pytest.fixture
def admin(make_user):
    return make_user("admin")[0]


@pytest.fixture
def walk(place, inspector):
    """An exported walk: an inspection, a failed finding with a photo, a pass and a record."""
    image = f.jpeg_bytes()
    photo = _photo(image)
    inspection = f.inspection_payload(place.id)
    failed = f.finding_payload(
        inspection["id"],
        "floor.clean",
        "fail",
        photos=[{"id": photo["id"], "sha256": photo["sha256"], "bytes": photo["bytes"]}],
    )
    passed = f.finding_payload(inspection["id"], "bed.cards", "pass")
    record = f.record_payload(
        place.id,
        {"weight_kg": 2.5, "stored_at": "2026-11-22T08:00:00+08:00"},
        inspection_id=inspection["id"],
    )
    entries = [
        _entry("inspection", inspection),
        _entry("finding", failed),
        _entry("finding", passed),
        _entry("record", record),
    ]
    return _export(inspector[0].username, entries, [photo])


def _import(runner, tmp_path, exported, username: str, admin_name: str, name="export.json"):
    path = tmp_path / name
    text = exported if isinstance(exported, str) else json.dumps(exported, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return runner.invoke(
        args=["import-outbox", str(path), "--user", username, "--admin", admin_name]
    )


def _count(session, model) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(model))


def _lines(output: str, status: str) -> list[str]:
    return [line for line in output.splitlines() if f"  {status}" in line]


def test_an_import_stores_every_record_and_photo_as_the_phones_user(
    runner, tmp_path, session, walk, inspector, admin
):
    result = _import(runner, tmp_path, walk, inspector[0].username, admin.username)
    assert result.exit_code == 0, result.output
    assert len(_lines(result.output, "created")) == 5  # four records and the photo
    assert session.scalars(select(Inspection)).one().inspector_id == inspector[0].id
    assert session.scalars(select(Inspection)).one().device_id == "d-lost-password"
    assert (_count(session, Finding), _count(session, RecordEntry)) == (2, 1)
    photo = session.scalars(select(Photo)).one()
    assert (str(photo.id), photo.uploaded_by_id) == (walk["photos"][0]["id"], inspector[0].id)
    assert _count(session, RectificationTask) >= 1  # the failed finding opened its task


def test_the_importing_admin_is_named_in_the_output_and_the_log(
    runner, tmp_path, walk, inspector, admin, caplog
):
    result = _import(runner, tmp_path, walk, inspector[0].username, admin.username)
    assert f"imported by {admin.username}" in result.output
    assert f"outbox import by admin {admin.username} as {inspector[0].username}" in caplog.text


def test_importing_the_same_file_again_answers_duplicate_and_changes_nothing(
    runner, tmp_path, session, walk, inspector, admin
):
    _import(runner, tmp_path, walk, inspector[0].username, admin.username)
    before = [_count(session, model) for model in (Inspection, Finding, Photo, RectificationTask)]
    again = _import(runner, tmp_path, walk, inspector[0].username, admin.username)
    assert again.exit_code == 0, again.output
    assert len(_lines(again.output, "duplicate")) == 5 and not _lines(again.output, "created")
    after = [_count(session, model) for model in (Inspection, Finding, Photo, RectificationTask)]
    assert after == before


def test_records_the_phone_synced_before_the_import_answer_duplicate(
    client, runner, tmp_path, walk, inspector, admin
):
    inspection, failed = walk["outbox"][0]["body"], walk["outbox"][1]["body"]
    pushed = client.post(
        "/api/v1/sync/push",
        json=f.push_body([inspection], [failed], device_id=walk["device_id"]),
        headers=inspector[1],
    )
    assert pushed.status_code == 200
    result = _import(runner, tmp_path, walk, inspector[0].username, admin.username)
    assert result.exit_code == 0, result.output
    assert f"inspection  {inspection['id']}  duplicate" in result.output
    assert f"finding  {failed['id']}  duplicate" in result.output
    # The photo never reached the server from the phone: the import brings it.
    assert f"photo  {walk['photos'][0]['id']}  created" in result.output


def test_a_bad_record_is_reported_and_the_others_are_stored(
    runner, tmp_path, session, walk, inspector, admin
):
    walk["outbox"][2]["body"]["result"] = "maybe"
    result = _import(runner, tmp_path, walk, inspector[0].username, admin.username)
    assert result.exit_code == 1
    bad = walk["outbox"][2]["id"]
    assert [line.split("  ")[1] for line in _lines(result.output, "rejected")] == [bad]
    assert "sync.invalid" in result.output and "'result'" in result.output
    assert (_count(session, Inspection), _count(session, Finding)) == (1, 1)
    assert _count(session, RecordEntry) == 1 and _count(session, Photo) == 1


def test_a_photo_whose_bytes_do_not_match_its_hash_is_rejected_alone(
    runner, tmp_path, session, walk, inspector, admin
):
    walk["photos"][0]["data_base64"] = base64.b64encode(f.jpeg_bytes(color=(1, 2, 3))).decode()
    result = _import(runner, tmp_path, walk, inspector[0].username, admin.username)
    assert result.exit_code == 1
    assert f"photo  {walk['photos'][0]['id']}  rejected  photo.invalid" in result.output
    assert f"photos still missing: {walk['photos'][0]['id']}" in result.output
    assert _count(session, Finding) == 2 and _count(session, Photo) == 0


def test_a_photo_no_stored_finding_names_is_skipped(
    runner, tmp_path, session, walk, inspector, admin
):
    walk["photos"].append(_photo(f.jpeg_bytes(color=(9, 9, 9))))  # a draft's photo
    result = _import(runner, tmp_path, walk, inspector[0].username, admin.username)
    assert result.exit_code == 0, result.output
    assert f"photo  {walk['photos'][1]['id']}  skipped" in result.output
    assert _count(session, Photo) == 1


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{not json", "Not JSON"),
        ("[]", "Not a JSON object"),
        (json.dumps({"format": "something-else/9"}), "format"),
        (
            json.dumps({**_export("x", [], []), "outbox": [{"id": "1", "kind": "x", "body": {}}]}),
            "kind",
        ),
    ],
)
def test_a_malformed_file_is_refused_naming_what_is_wrong(
    runner, tmp_path, session, inspector, admin, text, named
):
    result = _import(runner, tmp_path, text, inspector[0].username, admin.username)
    assert result.exit_code == 1
    assert "import.malformed" in result.output and named in result.output
    assert _count(session, Inspection) == 0


def test_a_file_exported_by_another_user_is_refused(
    runner, tmp_path, session, walk, make_user, admin
):
    other = make_user("inspector")[0]
    result = _import(runner, tmp_path, walk, other.username, admin.username)
    assert result.exit_code == 1 and "import.other_user" in result.output
    assert _count(session, Inspection) == 0


def test_an_admin_of_another_hospital_does_not_find_the_user(
    runner, tmp_path, session, walk, inspector, make_user
):
    elsewhere = make_user("admin", hospital=f.hospital(session))[0]
    result = _import(runner, tmp_path, walk, inspector[0].username, elsewhere.username)
    assert result.exit_code == 1 and "import.unknown_user" in result.output
    assert _count(session, Inspection) == 0


def test_an_unknown_user_is_refused(runner, tmp_path, walk, admin):
    walk["user"] = None
    result = _import(runner, tmp_path, walk, "nobody", admin.username)
    assert result.exit_code == 1 and "import.unknown_user" in result.output


def test_an_imported_marked_copy_keeps_the_link_to_its_original(
    runner, tmp_path, session, place, inspector, admin
):
    from server.models import PhotoSlot

    original = _photo(f.jpeg_bytes(color=(10, 200, 10)))
    marked = _photo(f.jpeg_bytes(color=(200, 10, 10)), original_id=original["id"], marks=[])
    refs = [
        {key: photo[key] for key in ("id", "sha256", "bytes", "original_id") if key in photo}
        for photo in (marked, original)
    ]
    inspection = f.inspection_payload(place.id)
    failed = f.finding_payload(inspection["id"], "floor.clean", "fail", photos=refs)
    exported = _export(
        inspector[0].username,
        [_entry("inspection", inspection), _entry("finding", failed)],
        [marked, original],
    )
    result = _import(runner, tmp_path, exported, inspector[0].username, admin.username)
    assert result.exit_code == 0, result.output
    assert _count(session, Photo) == 2
    slot = session.scalars(select(PhotoSlot).where(PhotoSlot.original_id.is_not(None))).one()
    assert (str(slot.photo_id), str(slot.original_id)) == (marked["id"], original["id"])


def test_signature_images_of_an_inspection_and_a_record_are_imported(
    runner, tmp_path, session, place, inspector, admin
):
    drawn = f.signature_png()
    feedback, handover = (
        _photo(drawn, type="image/png"),
        _photo(f.signature_png((200, 80)), type="image/png"),
    )
    slot = {key: feedback[key] for key in ("sha256", "bytes")}
    signature = {"role": "department", "name": "王主任", "photo_id": feedback["id"], **slot}
    inspection = f.inspection_payload(
        place.id, signatures=[{**signature, "signed_at": "2026-11-23T09:31:00+08:00"}]
    )
    handed = {"name": "张三", "photo_id": handover["id"]}
    handed |= {key: handover[key] for key in ("sha256", "bytes")}
    record = f.record_payload(
        place.id, {"weight_kg": 2.5, "stored_at": "2026-11-22T08:00:00Z", "handed_over_by": handed}
    )
    exported = _export(
        inspector[0].username,
        [_entry("inspection", inspection), _entry("record", record)],
        [feedback, handover],
    )
    result = _import(runner, tmp_path, exported, inspector[0].username, admin.username)
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.output and "missing" not in result.output
    assert _count(session, Photo) == 2
