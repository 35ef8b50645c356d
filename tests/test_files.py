"""Files the server creates are private (folders 0700, files 0600) and photos durable.

Nothing in the instance folder — database, secret key, demo password, photos — may be readable
by other local users; a photo file and its folder entry reach the disk before the row naming it.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from sqlalchemy import event, select

from server.app import create_app
from server.config import load_config
from server.extensions import db
from server.models import Photo
from server.storage import LocalPhotoStorage
from tests import factories as f


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_photo_folders_and_files_are_private(tmp_path):
    storage = LocalPhotoStorage(tmp_path / "data" / "photos")

    key = storage.put(b"a photo")

    stored = tmp_path / "data" / "photos" / key[:2] / key[2:4] / f"{key}.jpg"
    folders = [tmp_path / "data", *stored.parents[:3]]
    assert [_mode(folder) for folder in folders] == [0o700] * 4
    assert _mode(stored) == 0o600


def test_stored_keys_skip_unfinished_writes(tmp_path):
    storage = LocalPhotoStorage(tmp_path)
    key = storage.put(b"a photo")
    (tmp_path / key[:2] / key[2:4] / ".partial-x1y2").write_bytes(b"half")

    assert list(storage.keys()) == [key]


# The photo's row goes in with one Core statement (services/photos.add_photo), seen here.
INSERTS_A_PHOTO = re.compile(r'\s*INSERT INTO "?photos"?[\s(]', re.IGNORECASE)


def test_a_photo_and_its_folder_are_fsynced_before_its_row_is_written(
    app, client, session, inspector, monkeypatch
):
    _, headers = inspector
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def row_written(_conn, _cursor, statement, *_args):
        if INSERTS_A_PHOTO.match(statement):
            synced.append("photo row")

    monkeypatch.setattr(os, "fsync", fsync)
    event.listen(db.engine, "before_cursor_execute", row_written)
    try:
        data = f.jpeg_bytes()
        response = client.put(
            f"/api/v1/photos/{f.new_id()}",
            data=data,
            headers={
                **headers,
                "Content-Type": "image/jpeg",
                "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
            },
        )
    finally:
        event.remove(db.engine, "before_cursor_execute", row_written)

    assert response.status_code == 201
    image_key = session.scalars(select(Photo.image_key)).one()
    folder = str(Path(app.config["PHOTO_DIR"]) / image_key[:2] / image_key[2:4])
    before_row = synced[: synced.index("photo row")]
    written = [i for i, path in enumerate(before_row) if Path(path).parent == Path(folder)]
    assert written, synced  # the file itself (under its temporary name, before the rename)
    assert folder in before_row[written[0] :]  # then the folder that now names it


def test_a_new_sqlite_database_and_its_folder_are_private(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "new" / "instance"

    app = create_app({"INSTANCE_DIR": str(instance), "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["init"])
        modes = {path.name: _mode(path) for path in instance.iterdir()}
        db.engine.dispose()

    assert result.exit_code == 0, result.output
    assert _mode(instance) == _mode(instance.parent) == 0o700
    assert modes["wardwalk.db"] == 0o600
    assert set(modes.values()) == {0o600}  # the -wal and -shm files follow the database's mode


def test_the_generated_secret_key_is_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"

    key = load_config({"INSTANCE_DIR": str(instance), "DATABASE_URL": "sqlite://"})["SECRET_KEY"]

    assert (instance / "secret_key").read_text() == key
    assert _mode(instance / "secret_key") == 0o600 and _mode(instance) == 0o700
