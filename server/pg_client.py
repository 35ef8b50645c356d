"""Run PostgreSQL's client programs (``pg_dump``, ``pg_restore``) against the app's database.

The database URL's password never appears on a command line (where ``ps`` shows it to every
local user) nor in the environment: it goes into a passfile that only this user can read, which
lives as long as the program runs. Programs come from ``PG_BINDIR`` if set, else from the newest
``/usr/lib/postgresql/<major>/bin`` (Debian keeps several majors there, and ``pg_dump`` must be
at least as new as the server), else from ``PATH``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from server.files import write_private_text


class PgClientError(RuntimeError):
    """A client program is missing or failed; the message says which and why."""


def find_program(name: str, bindir: str | None = None) -> Path:
    """Return the path of PostgreSQL client program ``name``."""
    if bindir:
        candidates = [Path(bindir) / name]
    else:
        versions = sorted(
            glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[-3])
        )
        candidates = [Path(p) for p in reversed(versions)]
        if found := shutil.which(name):
            candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise PgClientError(
        f"{name} not found: install PostgreSQL's client programs (the server's major version or "
        "newer), or set PG_BINDIR to the folder that holds them."
    )


def _passfile_line(password: str) -> str:
    escaped = password.replace("\\", "\\\\").replace(":", "\\:")
    return f"*:*:*:*:{escaped}\n"


@contextmanager
def connection_arguments(url: URL) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield a libpq connection string without the password, and the environment to run with.

    The password, if any, is in a 0600 passfile named by ``PGPASSFILE``, removed afterwards.
    """
    # A URL without the password (``URL.set(password=None)`` would keep it: None means "unchanged").
    conninfo = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password is None:
        yield conninfo, env  # libpq finds the password as the app's own connections do
        return
    env.pop("PGPASSWORD", None)  # it would win over the passfile
    with tempfile.TemporaryDirectory(prefix="wardwalk-pg-") as folder:  # created 0700
        passfile = Path(folder) / "pgpass"
        write_private_text(passfile, _passfile_line(str(url.password)))
        yield conninfo, {**env, "PGPASSFILE": str(passfile)}


def run(program: str, url: URL, arguments: list[str], bindir: str | None = None) -> None:
    """Run ``program`` on the database at ``url``; raise with its error output if it fails."""
    executable = find_program(program, bindir)
    with connection_arguments(url) as (conninfo, env):
        result = subprocess.run(
            [str(executable), f"--dbname={conninfo}", *arguments],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise PgClientError(f"{program} failed: {result.stderr.strip() or result.stdout.strip()}")
