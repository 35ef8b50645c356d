"""A test run stopped with SIGTERM still stops what it started (tests/support/terminate.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.gunicorn import PROJECT_ROOT


def _terminated_run(tmp_path: Path, *options: str) -> bool:
    """Run a session fixture's test, SIGTERM it mid-test; return whether the fixture finalized."""
    started, stopped = tmp_path / "started", tmp_path / "stopped"
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_waits.py").write_text(
        "import pathlib, time, pytest\n"
        "@pytest.fixture(scope='session')\n"
        "def server():\n"
        "    yield\n"
        f"    pathlib.Path({str(stopped)!r}).write_text('stopped')\n"
        "def test_waits(server):\n"
        f"    pathlib.Path({str(started)!r}).write_text('')\n"
        "    time.sleep(120)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options]
        + ["-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the inner test run did not start its test")
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    finally:
        process.kill()
    return stopped.exists()


def test_a_terminated_run_finalizes_its_session_fixtures(tmp_path):
    assert _terminated_run(tmp_path, "-p", "tests.support.terminate")


def test_without_the_plugin_a_terminated_run_skips_them(tmp_path):
    """Why the plugin exists: the default SIGTERM leaves servers running and folders behind."""
    assert not _terminated_run(tmp_path)


def test_the_suite_loads_the_plugin(pytestconfig):
    assert pytestconfig.pluginmanager.has_plugin("tests.support.terminate")
