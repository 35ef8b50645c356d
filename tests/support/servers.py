"""Start a real server process for a test, wait until it answers, and stop it afterwards."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request_json(
    url: str,
    body: dict | None = None,
    token: str | None = None,
    context: ssl.SSLContext | None = None,
):
    """GET (or POST ``body``) JSON and return the decoded answer (HTTPS trusting ``context``)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body else "GET")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        return json.load(response)


@contextlib.contextmanager
def running(
    command: list[str],
    base: str,
    env: dict,
    cwd: Path,
    timeout: float = 60,
    context: ssl.SSLContext | None = None,
) -> Iterator[str]:
    """Run ``command`` until ``base``/api/v1/ping answers; yield ``base``; then stop it.

    An https ``base`` is checked with ``context`` (the TLS trust of a test's own certificate).
    """
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                request_json(f"{base}/api/v1/ping", context=context)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    output, _ = process.communicate()
                    pytest.fail(f"{command[0]} did not come up:\n{output}")
                time.sleep(0.2)
        yield base
    finally:
        if process.poll() is None:
            process.terminate()
            process.communicate(timeout=30)
