"""Photo storage by content hash behind a small interface (a local folder; S3-like stores later).

Keys are the sha256 of the stored bytes, so writing the same image twice is harmless, a stored
file never changes, and a half-written file is never visible (write to a temporary name, then
rename). ``put`` returns only once the file and its folder entry are on disk: the photo's row
commits after it, and must never name a file that a crash could lose.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from server.files import write_durably

_KEY = re.compile(r"^[0-9a-f]{64}$")


class PhotoStorage(Protocol):
    """Where processed photos live."""

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its key."""

    def get(self, key: str) -> bytes:
        """Return the bytes stored under ``key``."""

    def exists(self, key: str) -> bool:
        """Return whether ``key`` is stored."""

    def keys(self) -> Iterator[str]:
        """Yield every stored key (for backups)."""

    def is_empty(self) -> bool:
        """Return whether nothing is stored (a restore writes only into an empty store)."""


def key_path(key: str) -> str:
    """Return where ``key`` lives below a storage root (also the layout of a backup's photos)."""
    if not _KEY.match(key):
        raise ValueError("not a storage key")
    return f"{key[:2]}/{key[2:4]}/{key}.jpg"


class LocalPhotoStorage:
    """A folder with two levels of fan-out: ``ab/cd/abcd….jpg``; folders 0700, files 0600."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key_path(key)

    def put(self, data: bytes) -> str:
        """Store ``data`` under its sha256 (atomically, durably) and return the key."""
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if not path.exists():
            write_durably(path, data)
        return key

    def get(self, key: str) -> bytes:
        """Return the stored bytes."""
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        """Return whether the key is stored."""
        return self._path(key).exists()

    def keys(self) -> Iterator[str]:
        """Yield every stored key in order; temporary files of unfinished writes are skipped."""
        for path in sorted(self.root.glob("??/??/*.jpg")):
            if _KEY.match(path.stem) and path == self._path(path.stem):
                yield path.stem

    def is_empty(self) -> bool:
        """Return whether the folder holds no file at all (empty folders do not count)."""
        return not self.root.exists() or not any(p.is_file() for p in self.root.rglob("*"))
