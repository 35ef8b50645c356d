"""A pytest plugin: a run stopped with SIGTERM tears its session down, as Ctrl-C does.

``scripts/test`` stops both passes with SIGTERM when it is interrupted, and CI stops a cancelled
job the same way. Python's default for SIGTERM ends the process at once, with no fixture
finalizer run; ``pg_ctl`` detaches the run's PostgreSQL cluster from the process group, so the
cluster then outlived the run (and held its port, memory and temporary folder until stopped by
hand). As an interrupt, pytest stops after the running test and finalizes every fixture.
"""

from __future__ import annotations

import signal


def pytest_configure(config) -> None:
    """Turn SIGTERM into KeyboardInterrupt in pytest's main thread."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
