"""Pause a call inside a live server's request, to hold its transaction while a test acts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def pause_calls(monkeypatch, owner, name: str, here) -> Iterator[threading.Event]:
    """Pause every call of ``owner.name`` for which ``here(*its arguments)`` holds, until the block
    ends.

    Yields an event set once a call is waiting; meanwhile its transaction holds what it holds.
    """
    arrived, release = threading.Event(), threading.Event()
    original = getattr(owner, name)

    def paused(*args, **kwargs):
        if here(*args, **kwargs):
            arrived.set()
            release.wait(timeout=60)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, paused)
    try:
        yield arrived
    finally:
        release.set()
