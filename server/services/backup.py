"""Backup and restore of an instance: a consistent database snapshot plus the photo files, verified.

A backup is a folder (0700, files 0600: it holds password and token hashes and every record)::

    backup.json       what it is: format, app version, database kind, schema revision, time,
                      newest change number, epoch, row counts of every table
    manifest.json     every other file with its relative path, size and sha256
    database.sqlite3  SQLite's online backup of the database       (or)
    database.pgdump   pg_dump --format=custom of the database
    photos/ab/cd/<sha256>.jpg

**Order makes it consistent while the server runs.** The database is snapshotted first (SQLite's
backup API reads one transaction; pg_dump reads one exported snapshot, from which ``backup.json``
is counted too), then the photo folder is copied. A photo file is written and fsynced before the
row that names it commits, and files are named by their content and never change or disappear,
so every photo the snapshot names is already on disk when the copy starts and is copied; photos
uploaded meanwhile are copied too, harmlessly. The backup checks that this held. It is written
under a temporary name and renamed when complete, so a folder with the final name is whole.

**A restore goes only into an empty instance** (no table in the database, no file in the photo
folder) and checks every file against the manifest before it touches anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from server import pg_client
from server.files import PRIVATE_FILE, fsync_dir, make_private_dirs, prepare_sqlite_file
from server.storage import PhotoStorage, key_path
from server.timeutil import isoformat

FORMAT = 1
METADATA_FILE = "backup.json"
MANIFEST_FILE = "manifest.json"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_PHOTO_PATH = re.compile(r"^photos/[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})\.jpg$")
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message tells the operator what to do."""


@dataclass
class Snapshot:
    """What a database snapshot holds, counted inside the snapshot itself."""

    revision: str | None
    counts: dict[str, int]
    photo_keys: set[str] = field(default_factory=set)
    max_seq: int | None = None
    epoch: str | None = None


def describe(connection: Connection) -> Snapshot:
    """Count every table and read the schema revision, photo keys and change log top."""
    inspector = sa.inspect(connection)
    tables = sorted(set(inspector.get_table_names()) - {"alembic_version"})
    quote_name = connection.dialect.identifier_preparer.quote
    counts = {
        table: connection.scalar(sa.text(f"SELECT count(*) FROM {quote_name(table)}"))
        for table in tables
    }
    snapshot = Snapshot(revision=None, counts=counts)
    if inspector.has_table("alembic_version"):
        snapshot.revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    if "photos" in counts:
        for image_key, thumb_key in connection.execute(
            sa.text("SELECT image_key, thumb_key FROM photos")
        ):
            snapshot.photo_keys |= {image_key, thumb_key}
    if "changes" in counts:
        snapshot.max_seq = connection.scalar(sa.text("SELECT max(seq) FROM changes"))
    if "sync_epochs" in counts:
        snapshot.epoch = connection.scalar(
            sa.text("SELECT epoch FROM sync_epochs ORDER BY id DESC LIMIT 1")
        )
    return snapshot


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    """Write a new backup file 0600 and fsync it (its folder is fsynced once, at the end)."""
    make_private_dirs(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _snapshot_sqlite(engine: Engine, target: Path) -> Snapshot:
    source = Path(engine.url.database or "")
    if not source.is_file():
        raise BackupError(f"The SQLite database {source} does not exist.")
    prepare_sqlite_file(f"sqlite:///{target}")
    with closing(sqlite3.connect(source, timeout=60)) as live:
        with closing(sqlite3.connect(target)) as copy:
            live.backup(copy)  # one step: one read transaction, so one consistent state
    snapshot_engine = sa.create_engine(f"sqlite:///{target}", poolclass=NullPool)
    try:
        with snapshot_engine.connect() as connection:
            snapshot = describe(connection)
    finally:
        snapshot_engine.dispose()
    # The copy inherits WAL mode; a single self-contained file is what a backup should be.
    # (Leaving WAL mode checkpoints and removes the -wal and -shm files.)
    with closing(sqlite3.connect(target)) as copy:
        mode = copy.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    if mode != "delete" or Path(f"{target}-wal").exists():
        raise BackupError(f"The SQLite snapshot could not be made self-contained ({mode}).")
    _fsync_file(target)
    return snapshot


def _snapshot_postgresql(engine: Engine, target: Path, bindir: str | None) -> Snapshot:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # The transaction's snapshot, shared with pg_dump: the counts describe the dump.
            snapshot_id = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            snapshot = describe(connection)
            pg_client.run(
                "pg_dump",
                engine.url,
                ["--format=custom", f"--snapshot={snapshot_id}", f"--file={target}"],
                bindir,
            )
    target.chmod(PRIVATE_FILE)
    _fsync_file(target)
    return snapshot


def _copy_photos(storage: PhotoStorage, folder: Path) -> list[dict]:
    entries, damaged = [], []
    for key in storage.keys():
        data = storage.get(key)
        if hashlib.sha256(data).hexdigest() != key:
            damaged.append(key)
            continue
        relative = f"photos/{key_path(key)}"
        _write_private(folder / relative, data)
        entries.append({"path": relative, "size": len(data), "sha256": key})
    if damaged:
        raise BackupError(
            f"{len(damaged)} photo file(s) in the photo folder do not match their names "
            f"(damaged on disk), e.g. {key_path(damaged[0])}. Nothing was backed up."
        )
    return entries


def backup(
    engine: Engine,
    storage: PhotoStorage,
    destination: Path,
    *,
    app_version: str,
    now: datetime,
    pg_bindir: str | None = None,
) -> dict:
    """Back the running instance up into the new folder ``destination``; return the metadata."""
    if destination.exists():
        raise BackupError(f"{destination} already exists; give a new folder for each backup.")
    make_private_dirs(destination.parent)
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.partial-", dir=destination.parent))
    try:
        kind = engine.dialect.name
        if kind not in DATABASE_FILES:
            raise BackupError(f"Cannot back up a {kind} database.")
        database_file = work / DATABASE_FILES[kind]
        snapshot = (
            _snapshot_sqlite(engine, database_file)
            if kind == "sqlite"
            else _snapshot_postgresql(engine, database_file, pg_bindir)
        )
        photos = _copy_photos(storage, work)  # after the snapshot: see the module's docstring
        missing = snapshot.photo_keys - {entry["sha256"] for entry in photos}
        if missing:
            raise BackupError(
                f"The database names {len(missing)} photo file(s) that are not in the photo "
                f"folder, e.g. {key_path(sorted(missing)[0])}. Nothing was backed up."
            )
        files = [
            {
                "path": database_file.name,
                "size": database_file.stat().st_size,
                "sha256": _sha256_of(database_file),
            },
            *photos,
        ]
        metadata = {
            "format": FORMAT,
            "app_version": app_version,
            "database": kind,
            "database_file": database_file.name,
            "alembic_revision": snapshot.revision,
            "taken_at": isoformat(now),
            "max_seq": snapshot.max_seq,
            "epoch": snapshot.epoch,
            "counts": snapshot.counts,
            "photo_files": len(photos),
        }
        _write_private(work / MANIFEST_FILE, json.dumps({"files": files}, indent=1).encode())
        _write_private(work / METADATA_FILE, json.dumps(metadata, indent=1).encode())
        for folder, _dirs, _files in os.walk(work, topdown=False):
            fsync_dir(Path(folder))
        os.rename(work, destination)
        fsync_dir(destination.parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return metadata


def read_backup(source: Path) -> tuple[dict, list[dict]]:
    """Return a backup's metadata and manifest entries, after checking their shape."""
    try:
        metadata = json.loads((source / METADATA_FILE).read_text(encoding="utf-8"))
        files = json.loads((source / MANIFEST_FILE).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(
            f"{source} is not a complete Wardwalk backup ({METADATA_FILE} and {MANIFEST_FILE} "
            f"are needed): {exc}"
        ) from None
    if metadata.get("format") != FORMAT:
        raise BackupError(f"Backup format {metadata.get('format')!r} is not known here.")
    kind = metadata.get("database")
    if kind not in DATABASE_FILES or metadata.get("database_file") != DATABASE_FILES[kind]:
        raise BackupError(f"{METADATA_FILE} names no database this version can restore.")
    for entry in files:
        path = entry.get("path") if isinstance(entry, dict) else None
        # Paths come from a file on disk: only the known layout, never ``..`` or absolute paths.
        if path != metadata["database_file"] and not _PHOTO_PATH.match(str(path)):
            raise BackupError(f"{MANIFEST_FILE} lists an unexpected path: {path!r}.")
    if metadata["database_file"] not in {entry["path"] for entry in files}:
        raise BackupError(f"{MANIFEST_FILE} does not list the database file.")
    return metadata, files


def verify_files(source: Path, files: list[dict]) -> None:
    """Check every file of the manifest: present, same size, same sha256."""
    problems = []
    for entry in files:
        path = source / entry["path"]
        if not path.is_file():
            problems.append(f"{entry['path']}: missing")
        elif path.stat().st_size != entry["size"]:
            size = path.stat().st_size
            problems.append(f"{entry['path']}: {size} bytes, expected {entry['size']}")
        elif _sha256_of(path) != entry["sha256"]:
            problems.append(f"{entry['path']}: sha256 differs from the manifest (damaged)")
    if problems:
        shown = "\n  ".join(problems[:20])
        raise BackupError(
            f"The backup in {source} is damaged; nothing was restored. "
            f"{len(problems)} file(s) fail the manifest:\n  {shown}"
        )


def check_empty(engine: Engine, storage: PhotoStorage) -> None:
    """Refuse to restore over anything: no table in the database, no file in the photo folder."""
    tables = sa.inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"The database {engine.url.render_as_string(hide_password=True)} is not empty "
            f"({len(tables)} tables). Restore only into a new, empty database: nothing was changed."
        )
    if not storage.is_empty():
        raise BackupError(
            "The photo folder is not empty. Restore only into an empty folder (move the old one "
            "aside): nothing was changed."
        )


def load_database(engine: Engine, source: Path, metadata: dict, pg_bindir: str | None) -> None:
    """Copy the backup's database into the (empty) database of ``engine``."""
    kind = engine.dialect.name
    if kind != metadata["database"]:
        raise BackupError(f"This is a {metadata['database']} backup; the database here is {kind}.")
    dump = source / metadata["database_file"]
    engine.dispose()  # no pooled connection may keep a view of the empty file
    if kind == "sqlite":
        # Read-only: the verified snapshot itself is never written to.
        with closing(sqlite3.connect(f"file:{quote(str(dump))}?mode=ro", uri=True)) as snapshot:
            with closing(sqlite3.connect(engine.url.database, timeout=60)) as target:
                snapshot.backup(target)
    else:
        pg_client.run(
            "pg_restore",
            engine.url,
            ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(dump)],
            pg_bindir,
        )
    engine.dispose()


def restore_photos(storage: PhotoStorage, source: Path, files: list[dict]) -> int:
    """Store every photo of the backup, checking each again as it is read; return how many."""
    count = 0
    for entry in files:
        match = _PHOTO_PATH.match(entry["path"])
        if not match:
            continue
        data = (source / entry["path"]).read_bytes()
        if storage.put(data) != match.group(1) or match.group(1) != entry["sha256"]:
            raise BackupError(f"{entry['path']} changed while it was being restored.")
        count += 1
    return count


def verify_restored(engine: Engine, storage: PhotoStorage, files: list[dict]) -> None:
    """Check the restored instance: every photo of the manifest stored intact, none missing."""
    problems = []
    for entry in files:
        match = _PHOTO_PATH.match(entry["path"])
        if match and (
            not storage.exists(match.group(1))
            or hashlib.sha256(storage.get(match.group(1))).hexdigest() != match.group(1)
        ):
            problems.append(f"{entry['path']}: not stored intact")
    with engine.connect() as connection:
        named = describe(connection).photo_keys
    problems += [
        f"photo {key} named by the database is missing"
        for key in sorted(named)
        if not storage.exists(key)
    ]
    if problems:
        shown = "\n  ".join(problems[:20])
        raise BackupError(f"The restored instance fails its checks:\n  {shown}")
