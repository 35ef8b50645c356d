"""Files and folders the server creates: private to its user, and durable before they count.

The instance folder holds the SQLite database (password hashes, token hashes, every record), the
secret key and the photos, so nothing of it is readable by other local users: folders are created
0700 and files 0600 at creation, never created open and tightened afterwards. A file that others
rely on (a photo a row will name) is fsynced, and so is the folder entry that names it, before it
is announced — otherwise a power cut could leave a committed row pointing at nothing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dirs(path: Path) -> list[Path]:
    """Create ``path`` and its missing parents, each 0700; return those created, outermost first.

    ``Path.mkdir(parents=True, mode=…)`` gives the mode to the last folder only.
    """
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    created = []
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # made meanwhile by another thread or process
        created.append(folder)
    return created


def fsync_dir(path: Path) -> None:
    """Make the entries of folder ``path`` (a rename, a new file or folder) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(path: Path, data: bytes) -> list[Path]:
    """Write ``data`` to ``path`` atomically (0600) and durably; return the folders created.

    The bytes go to a temporary name, are fsynced, renamed into place, and the folder is fsynced,
    so after a crash ``path`` is either absent or complete. New parent folders are made durable
    too, from the outermost in.
    """
    created = make_private_dirs(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")  # created 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for folder in created:
        fsync_dir(folder.parent)
    fsync_dir(path.parent)
    return created


def write_private_text(path: Path, text: str) -> None:
    """Write a small secret (a key, a password) that only this user may read."""
    write_durably(path, text.encode())


def prepare_sqlite_file(database_uri: str) -> None:
    """Create a SQLite database file 0600 in a 0700 folder before SQLite creates it 0644.

    SQLite creates its -wal and -shm files with the database file's mode, so they follow. An
    existing file is left as it is; other databases need nothing here.
    """
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = Path(url.database)
    make_private_dirs(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass
