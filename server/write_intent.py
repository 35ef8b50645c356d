"""Whether a SQLite transaction about to begin will write, when the caller knows.

Below Flask and the services alike: ``server.extensions`` asks it when a transaction begins, and
a service (the push reading its answer after its commit) or a job says it here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# Set by code that knows better than the request's method whether it writes: jobs and
# benchmarks writing concurrently with requests (True), a push reading its answer after its
# commit (False). None: decided by the request's method.
_intent: ContextVar[bool | None] = ContextVar("sqlite_write_intent", default=None)


@contextmanager
def sqlite_write_intent(writes: bool = True) -> Iterator[None]:
    """Begin SQLite transactions in this block with the write lock, whatever the request.

    ``writes=False``: without it, for reads in a request that wrote already (see
    ``server.extensions._sqlite_begin``).
    """
    token = _intent.set(writes)
    try:
        yield
    finally:
        _intent.reset(token)


def declared() -> bool | None:
    """Return what the innermost ``sqlite_write_intent`` block said, or None outside any."""
    return _intent.get()
