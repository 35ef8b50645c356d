"""``wardwalk backup`` and ``wardwalk restore``: a live instance comes back whole, or not at all.

Each test builds instances on new databases of the run's backend (SQLite, or PostgreSQL with
WARDWALK_TEST_DB=postgresql), with real uploads through the API, and drives the commands.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade
from werkzeug.serving import make_server

from server.extensions import db
from server.services.backup import describe
from tests import factories as f

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"


def _invoke(app, *args):
    """Run a ``wardwalk`` command against ``app`` (its context, not another instance's)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


@pytest.fixture
def walk_dir(tmp_path):
    """A checklist folder holding the small test checklist."""
    folder = tmp_path / "walk-checklists"
    folder.mkdir()
    shutil.copy(PROJECT_ROOT / "tests" / "data" / "walk.yaml", folder / "walk.yaml")
    return folder


@pytest.fixture
def make_instance(new_instance, walk_dir):
    """An instance on a new database with the test checklist; ``init=False`` leaves it empty."""

    def make(name: str, init: bool = True):
        app = new_instance(name, CHECKLIST_DIR=str(walk_dir))
        if init:
            result = _invoke(app, "init")
            assert result.exit_code == 0, result.output
        return app

    return make


def _fail_with_photo(client, headers, location_id: int, shade: int) -> dict:
    """Push an inspection with a failed finding and upload its (distinct) photo."""
    data = f.jpeg_bytes(color=(shade % 256, 40, 90))
    ref = f.photo_ref(data)
    inspection = f.inspection_payload(location_id)
    finding = f.finding_payload(inspection["id"], "floor.clean", "fail", photos=[ref])
    answer = client.post(PUSH, json=f.push_body([inspection], [finding]), headers=headers)
    assert answer.status_code == 200, answer.json
    upload = client.put(
        f"/api/v1/photos/{ref['id']}",
        data=data,
        headers={**headers, "Content-Type": "image/jpeg", "X-Content-SHA256": ref["sha256"]},
    )
    assert upload.status_code == 201, upload.json
    return answer.json


@pytest.fixture
def live(make_instance):
    """A migrated source instance with a hospital, two users, failed findings, tasks and photos.

    Returns ``(app, headers of the inspector, the hospital's location ids)``.
    """
    app = make_instance("live")
    with app.app_context():
        hospital = f.hospital(db.session)
        places = [f.location(db.session, hospital) for _ in range(3)]
        inspector = f.user(db.session, hospital, roles=("inspector",))
        headers = f.auth_headers(db.session, inspector)
        db.session.commit()
        location_ids = [place.id for place in places]
        client = app.test_client()
        for shade, location_id in enumerate(location_ids):
            _fail_with_photo(client, headers, location_id, shade * 60)
    return app, headers, location_ids


def _state(app) -> tuple[dict[str, int], dict[str, str]]:
    """Row counts of every table, and every stored photo file's sha256 by key."""
    with app.app_context():
        with db.engine.connect() as connection:
            counts = describe(connection).counts
        storage = app.extensions["photo_storage"]
        hashes = {key: hashlib.sha256(storage.get(key)).hexdigest() for key in storage.keys()}
    return counts, hashes


def _without_epochs(counts: dict[str, int]) -> dict[str, int]:
    return {table: n for table, n in counts.items() if table != "sync_epochs"}


def test_restore_brings_back_every_row_and_photo_file(live, make_instance, tmp_path):
    source, _, _ = live
    counts, hashes = _state(source)
    assert counts["photos"] == 3 and counts["rectification_tasks"] == 3 and len(hashes) == 6

    backed = _invoke(source, "backup", tmp_path / "backup")
    target = make_instance("restored", init=False)
    restored = _invoke(target, "restore", tmp_path / "backup")

    assert backed.exit_code == 0, backed.output
    assert restored.exit_code == 0, restored.output
    restored_counts, restored_hashes = _state(target)
    assert _without_epochs(restored_counts) == _without_epochs(counts)
    assert restored_hashes == hashes


def _head(app) -> str:
    """The newest migration: what a backup of a current database names."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(app.extensions["migrate"].directory).get_current_head()


def test_the_backup_describes_itself_and_lists_every_file(live, backend, tmp_path):
    source, _, _ = live
    counts, hashes = _state(source)

    _invoke(source, "backup", tmp_path / "backup")

    metadata = json.loads((tmp_path / "backup" / "backup.json").read_text())
    files = json.loads((tmp_path / "backup" / "manifest.json").read_text())["files"]
    assert metadata["counts"] == counts
    assert metadata["alembic_revision"] == _head(source)
    assert metadata["database"] == backend
    for entry in files:
        data = (tmp_path / "backup" / entry["path"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
    assert {entry["sha256"] for entry in files if entry["path"].startswith("photos/")} == set(
        hashes
    )


def test_backup_files_are_readable_by_their_owner_only(live, tmp_path):
    source, _, _ = live

    _invoke(source, "backup", tmp_path / "backup")

    paths = [tmp_path / "backup", *(tmp_path / "backup").rglob("*")]
    assert {path.stat().st_mode & 0o777 for path in paths if path.is_dir()} == {0o700}
    assert {path.stat().st_mode & 0o777 for path in paths if path.is_file()} == {0o600}


def test_a_backup_taken_while_devices_write_restores_consistently(live, make_instance, tmp_path):
    source, headers, location_ids = live
    server = make_server("127.0.0.1", 0, source, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    stop, first_write, errors = threading.Event(), threading.Event(), []

    def device():
        shade = 0
        while not stop.is_set():
            shade += 7
            try:
                _push_and_upload(base, headers, location_ids[shade % 3], shade)
            except Exception as exc:  # reported below; a thread cannot fail the test itself
                errors.append(exc)
                return
            first_write.set()

    writers = [threading.Thread(target=device) for _ in range(2)]
    for writer in writers:
        writer.start()
    assert first_write.wait(timeout=60)
    backed = _invoke(source, "backup", tmp_path / "backup")
    stop.set()
    for writer in writers:
        writer.join(timeout=60)
    server.shutdown()

    assert backed.exit_code == 0, backed.output
    assert errors == []
    metadata = json.loads((tmp_path / "backup" / "backup.json").read_text())
    target = make_instance("restored", init=False)
    restored = _invoke(target, "restore", tmp_path / "backup")
    assert restored.exit_code == 0, restored.output
    counts, hashes = _state(target)
    assert _without_epochs(counts) == _without_epochs(metadata["counts"])
    with target.app_context():
        rows = db.session.execute(sa.text("SELECT image_key, thumb_key FROM photos"))
        named = {key for pair in rows for key in pair}
    assert named <= set(hashes) and all(key == sha for key, sha in hashes.items())


def _push_and_upload(base: str, headers: dict, location_id: int, shade: int) -> None:
    """What a device does over HTTP: push a failed finding, then upload its photo."""
    data = f.jpeg_bytes(color=(shade % 256, (shade // 256) % 256, 200))
    ref = f.photo_ref(data)
    inspection = f.inspection_payload(location_id)
    finding = f.finding_payload(inspection["id"], "floor.clean", "fail", photos=[ref])
    push = json.dumps(f.push_body([inspection], [finding])).encode()
    photo_headers = {"X-Content-SHA256": ref["sha256"]}
    for method, path, body, content_type, extra in (
        ("POST", PUSH, push, "application/json", {}),
        ("PUT", f"/api/v1/photos/{ref['id']}", data, "image/jpeg", photo_headers),
    ):
        request = urllib.request.Request(
            base + path,
            data=body,
            method=method,
            headers={**headers, "Content-Type": content_type, **extra},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status in (200, 201)


def test_a_device_ahead_of_the_snapshot_misses_nothing_after_a_restore(
    live, make_instance, tmp_path
):
    source, headers, location_ids = live
    _invoke(source, "backup", tmp_path / "backup")
    client = source.test_client()
    _fail_with_photo(client, headers, location_ids[0], 250)  # after the snapshot: lost
    before = client.get(f"{PULL}?cursor=0&limit=500", headers=headers).json
    target = make_instance("restored", init=False)
    _invoke(target, "restore", tmp_path / "backup")
    restored = target.test_client()  # the device's token was restored with the database
    created = _fail_with_photo(restored, headers, location_ids[1], 120)["tasks"][0]["id"]

    after = restored.get(f"{PULL}?cursor={before['cursor']}&limit=500", headers=headers).json

    assert after["epoch"] != before["epoch"]
    pulled = {change["data"]["id"] for change in after["changes"] if change["kind"] == "task"}
    assert created in pulled  # new after the restore, though numbered "before" the old cursor
    assert len(pulled) == 3  # and every restored task again, at its restored state


def test_a_damaged_photo_file_fails_the_restore_before_anything_is_written(
    live, make_instance, tmp_path
):
    source, _, _ = live
    _invoke(source, "backup", tmp_path / "backup")
    photo = sorted((tmp_path / "backup" / "photos").rglob("*.jpg"))[0]
    data = bytearray(photo.read_bytes())
    data[len(data) // 2] ^= 0xFF
    photo.write_bytes(bytes(data))
    target = make_instance("restored", init=False)

    result = _invoke(target, "restore", tmp_path / "backup")

    assert result.exit_code == 1
    assert str(photo.relative_to(tmp_path / "backup")) in result.output
    assert "damaged" in result.output and "nothing was restored" in result.output
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
    assert not any(Path(target.config["PHOTO_DIR"]).rglob("*.jpg"))


def test_restore_refuses_a_database_that_is_not_empty(live, make_instance, tmp_path):
    source, _, _ = live
    _invoke(source, "backup", tmp_path / "backup")
    target = make_instance("used")  # migrated, checklists loaded
    counts, _ = _state(target)

    result = _invoke(target, "restore", tmp_path / "backup")

    assert result.exit_code == 1
    assert "is not empty" in result.output and "nothing was changed" in result.output
    assert _state(target) == (counts, {})


def test_restore_refuses_a_photo_folder_that_is_not_empty(live, make_instance, tmp_path):
    source, _, _ = live
    _invoke(source, "backup", tmp_path / "backup")
    target = make_instance("restored", init=False)
    with target.app_context():
        target.extensions["photo_storage"].put(b"someone else's photo")

    result = _invoke(target, "restore", tmp_path / "backup")

    assert result.exit_code == 1
    assert "photo folder is not empty" in result.output
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []


def test_backup_refuses_a_folder_that_exists(live, tmp_path):
    source, _, _ = live
    (tmp_path / "backup").mkdir()

    result = _invoke(source, "backup", tmp_path / "backup")

    assert result.exit_code == 1
    assert "already exists" in result.output
    assert list((tmp_path / "backup").iterdir()) == []


def test_backup_refuses_when_a_photo_the_database_names_is_missing(live, tmp_path):
    source, _, _ = live
    with source.app_context():
        key = db.session.execute(sa.text("SELECT image_key FROM photos")).scalars().first()
    (Path(source.config["PHOTO_DIR"]) / key[:2] / key[2:4] / f"{key}.jpg").unlink()

    result = _invoke(source, "backup", tmp_path / "backup")

    assert result.exit_code == 1
    assert "names 1 photo file(s) that are not in the photo folder" in result.output
    assert key in result.output
    assert list(tmp_path.glob("*backup*")) == []  # no partial folder left behind


def test_a_snapshot_of_an_older_schema_is_upgraded_after_the_restore(live, make_instance, tmp_path):
    source, _, _ = live
    with source.app_context():
        downgrade(directory=source.extensions["migrate"].directory, revision="0005")
    counts, hashes = _state(source)
    _invoke(source, "backup", tmp_path / "backup")
    target = make_instance("restored", init=False)

    result = _invoke(target, "restore", tmp_path / "backup")

    assert result.exit_code == 0, result.output
    assert f"revision 0005 → {_head(source)}" in result.output
    restored_counts, restored_hashes = _state(target)
    restored = _without_epochs(restored_counts)
    assert {name: restored[name] for name in counts} == counts
    assert all(restored[name] == 0 for name in set(restored) - set(counts))  # tables added since
    assert restored_counts["sync_epochs"] == 2  # the one the upgrade made, and the restore's
    assert restored_hashes == hashes


def test_restore_refuses_a_backup_of_a_schema_it_does_not_know(live, make_instance, tmp_path):
    source, _, _ = live
    _invoke(source, "backup", tmp_path / "backup")
    metadata_file = tmp_path / "backup" / "backup.json"
    metadata = json.loads(metadata_file.read_text())
    metadata_file.write_text(json.dumps({**metadata, "alembic_revision": "0099"}))
    target = make_instance("restored", init=False)

    result = _invoke(target, "restore", tmp_path / "backup")

    assert result.exit_code == 1
    assert "'0099' is unknown to this version" in result.output
    with target.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
