"""A throwaway PostgreSQL cluster for the test run, from Debian's PostgreSQL binaries.

CI runs as root and ``initdb`` refuses root, so the cluster is created and started as the
``postgres`` user in a directory that user owns. The cluster trades durability for speed
(``fsync=off``); it lives for one pytest session.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
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


@dataclass
class Cluster:
    """A running cluster; ``url(dbname)`` gives a SQLAlchemy URL to one of its databases."""

    base: Path
    port: int
    bindir: Path
    as_postgres: bool

    @property
    def log(self) -> Path:
        """The server's log file (``pg_ctl -l``): deadlocks and errors are reported there."""
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
        try:
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.base / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            )
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


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
    options = (
        f"-p {cluster.port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    cluster._run(
        str(bindir / "pg_ctl"),
        "-D",
        str(base / "data"),
        "-o",
        options,
        "-l",
        str(cluster.log),
        "-w",
        "start",
    )
    return cluster


def create_database(cluster_url: str, name: str) -> None:
    """Create (or re-create) database ``name`` through the maintenance database."""
    import sqlalchemy as sa

    engine = sa.create_engine(cluster_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
