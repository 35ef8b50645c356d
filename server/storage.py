"""Photo storage by content hash behind a small interface (a local folder; S3-like stores later).

Keys are the sha256 of the stored bytes, so writing the same image twice is harmless and a
half-written file is never visible (write to a temporary name, then rename).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


class PhotoStorage(Protocol):
    """Where processed photos live."""

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its key."""

    def get(self, key: str) -> bytes:
        """Return the bytes stored under ``key``."""

    def exists(self, key: str) -> bool:
        """Return whether ``key`` is stored."""


class LocalPhotoStorage:
    """A folder with two levels of fan-out: ``ab/cd/abcd….jpg``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key[2:4] / f"{key}.jpg"

    def put(self, data: bytes) -> str:
        """Store ``data`` under its sha256 (atomically) and return the key."""
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        """Return the stored bytes."""
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        """Return whether the key is stored."""
        return self._path(key).exists()
