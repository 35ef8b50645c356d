"""A pytest plugin: a run stopped with SIGTERM tears its session down, as Ctrl-C does.

``scripts/test`` stops both passes with SIGTERM when it is interrupted, and CI stops a cancelled
job the same way. Python's default for SIGTERM ends the process at once, with no fixture
finalizer run: the gunicorn servers tests start in their own process groups outlived the run,
and so did its PostgreSQL cluster's folder (the cluster itself now stops with the process that
started it, ``tests/support/postgres.py``). As an interrupt, pytest stops after the running test
and finalizes every fixture.
"""

from __future__ import annotations

import signal


def unwind_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt in the main thread, so ``finally`` blocks still run.

    The benches call it too: their ``ExitStack`` stops the gunicorn, pouchdb-server and
    PostgreSQL cluster they started, and removes their folders.
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def pytest_configure(config) -> None:
    unwind_on_sigterm()
