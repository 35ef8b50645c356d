"""A real gunicorn serving Wardwalk, as ``scripts/docker-web`` starts it, that tests may kill.

Benchmarks and the fault and concurrency suites drive the server over HTTP through this: it
starts ``gunicorn 'server.wsgi_server:wsgi_app()'`` with gthread workers on a loopback port, waits
until ``/api/v1/ping`` answers, and can SIGKILL the workers (the master forks new ones) or the
whole server, and start it again on the same port.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.support.servers import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class GunicornFailed(RuntimeError):
    """gunicorn exited or did not answer in time; the message ends with its log."""


class Gunicorn:
    """One gunicorn master and its workers; the same port across restarts."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        *,
        workers: int = 3,
        threads: int = 4,
        timeout: int | None = None,
        app: str = "server.wsgi_server:wsgi_app()",
        pythonpath: str | None = None,
    ) -> None:
        """``app`` and ``pythonpath``: another WSGI app for a benchmark's baseline."""
        self.env = env
        self.app, self.pythonpath = app, pythonpath
        self.log_path = log_path
        self.workers = workers
        self.threads = threads
        self.timeout = timeout  # None: gunicorn's default (30 s), as deployed
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The command line of ``scripts/docker-web``, bound to loopback."""
        command = [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
        ]
        if self.timeout is not None:
            command += ["--timeout", str(self.timeout)]
        if self.pythonpath is not None:
            command += ["--pythonpath", self.pythonpath]
        return [*command, self.app]

    def start(self, wait: float = 90) -> None:
        """Start the master and return once a worker answers ``/api/v1/ping``."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                env=self.env,
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the master and its workers only
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise GunicornFailed(f"gunicorn exited:\n{self.log_tail()}")
            if self.answers():
                return
            time.sleep(0.2)
        self.kill()
        raise GunicornFailed(f"gunicorn did not answer within {wait:.0f} s:\n{self.log_tail()}")

    def answers(self) -> bool:
        """Return whether ``/api/v1/ping`` answers 200 now."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request("GET", "/api/v1/ping")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def worker_pids(self) -> list[int]:
        """Return the pids of the master's live workers (its children, from /proc)."""
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # exited while we looked
            # "pid (comm) state ppid …": comm may hold spaces, so split after its ")".
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                pids.append(int(entry.name))
        return pids

    def kill_workers(self) -> int:
        """SIGKILL every worker now (the master forks new ones); return how many were killed."""
        killed = 0
        for pid in self.worker_pids():
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
        return killed

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as a power cut or the OOM killer would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this object started
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM to the master), by force if it does not go."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def __enter__(self) -> Gunicorn:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def exceptions(log: str) -> Counter:
    """Count the exceptions that end the tracebacks in a server log (the last of each chain)."""
    found: Counter = Counter()
    last = None
    for line in log.splitlines():
        if line.startswith(("The above exception", "During handling of the above")):
            last = None  # a cause: the chain goes on
        elif re.match(r"^[\w.]+(Error|Exception|Detected|Failure)\b", line):
            last = line[:160]
        elif line.startswith(("[", "127.")) and last:  # the next log record: the chain ended
            found[last] += 1
            last = None
    if last:
        found[last] += 1
    return found
