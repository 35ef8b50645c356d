"""A throwaway Redis for the test run, from Debian's ``redis-server``.

It listens on a free loopback port, keeps nothing on disk and lives for one pytest session; the
login-limit tests point ``RATELIMIT_STORAGE_URI`` at it, as several workers or hosts would.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class RedisUnavailable(RuntimeError):
    """redis-server is missing or did not start."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    """A running redis-server; ``url(db)`` names one of its databases."""

    process: subprocess.Popen
    port: int
    base: Path

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        shutil.rmtree(self.base, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(timeout: float = 20) -> RedisServer:
    """Start redis-server on a free loopback port, without persistence, and wait for PONG."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable("redis-server not found (apt-get install redis-server)")
    base = Path(tempfile.mkdtemp(prefix="wardwalk-redis-"))
    port = _free_port()
    command = [
        binary,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(base),
        "--save", "",
        "--appendonly", "no",
        "--daemonize", "no",
        "--logfile", str(base / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while not _answers(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=10)
            log = base / "redis.log"
            output = log.read_text() if log.exists() else ""
            shutil.rmtree(base, ignore_errors=True)
            raise RedisUnavailable(f"redis-server did not start:\n{output}")
        time.sleep(0.05)
    return RedisServer(process, port, base)
