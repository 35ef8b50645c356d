"""A throwaway PostgreSQL cluster for the test run, from Debian's PostgreSQL binaries.

CI runs as root and ``initdb`` refuses root, so the cluster is created and started as the
``postgres`` user in a directory that user owns. The cluster trades durability for speed
(``fsync=off``); it lives for one pytest session (or one bench run).

The postmaster runs in the foreground as a child of the process that started it, and the kernel
stops it when that process ends however it ends: a run killed with SIGKILL, or a bench stopped
with Ctrl-C or SIGTERM, no longer leaves a cluster holding its port and memory (``pg_ctl start``
detached it, so it outlived them).
"""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """PostgreSQL binaries are missing or the cluster did not start."""


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if candidates:
        return Path(candidates[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("PostgreSQL server binaries not found (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_PR_SET_PDEATHSIG = 1  # prctl(2)


@dataclass
class Cluster:
    """A running cluster; ``url(dbname)`` gives a SQLAlchemy URL to one of its databases."""

    base: Path
    port: int
    bindir: Path
    as_postgres: bool
    postmaster: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        """The postmaster's stdout and stderr: deadlocks and errors are reported there."""
        return self.base / "log"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(args)} failed: {result.stderr or result.stdout}")

    def stop(self) -> None:
        """Stop at once (SIGQUIT: ``pg_ctl``'s immediate mode) and remove the cluster's folder."""
        try:
            if self.postmaster is not None and self.postmaster.poll() is None:
                self.postmaster.send_signal(signal.SIGQUIT)
                self.postmaster.wait(timeout=60)
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def _wait_until_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.postmaster.poll() is not None:
                raise PostgresUnavailable(f"postgres exited:\n{self._log_tail()}")
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise PostgresUnavailable(f"postgres did not accept connections:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"


def _stops_with_its_parent(user: str | None):
    """Return a ``preexec_fn``: become ``user``, then ask for SIGQUIT when the parent ends.

    The death signal is set after the change of user, which would clear it. If the parent has
    already gone by then, the child exits instead of starting a cluster nobody will stop. Linux
    sends the signal when the *thread* that started the child ends, so start clusters from the
    main thread (pytest's session fixtures and the benches do).
    """
    parent = os.getpid()
    entry = pwd.getpwnam(user) if user else None
    libc = ctypes.CDLL(None, use_errno=True)

    def prepare() -> None:
        if entry is not None:
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGQUIT) != 0 or os.getppid() != parent:
            os._exit(1)

    return prepare


def start_cluster() -> Cluster:
    """Initialise and start a cluster on a free loopback port."""
    bindir = _bindir()
    as_postgres = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="wardwalk-pg-"))
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
    cluster = Cluster(base, _free_port(), bindir, as_postgres)
    cluster._run(
        str(bindir / "initdb"),
        "-D",
        str(base / "data"),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-locale",
        "--no-sync",
    )
    settings = {
        "listen_addresses": "127.0.0.1",
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    }
    command = [str(bindir / "postgres"), "-D", str(base / "data"), "-p", str(cluster.port)]
    command += ["-k", str(base)]
    for name, value in settings.items():
        command += ["-c", f"{name}={value}"]
    with open(cluster.log, "ab") as log:
        cluster.postmaster = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in a terminal reaches the run, not the cluster
            preexec_fn=_stops_with_its_parent("postgres" if as_postgres else None),
        )
    cluster._wait_until_ready()
    return cluster


def create_database(cluster_url: str, name: str) -> None:
    """Create (or re-create) database ``name`` through the maintenance database."""
    import sqlalchemy as sa

    engine = sa.create_engine(cluster_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
