"""PostgreSQL's client programs get the database URL's password without showing it to others."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from server.pg_client import connection_arguments

URL = make_url("postgresql+psycopg://ward:s3cr:t\\pw@db.example:5433/wardwalk?sslmode=require")


def test_the_password_is_neither_on_the_command_line_nor_in_the_environment():
    with connection_arguments(URL) as (conninfo, env):
        assert "s3cr" not in conninfo and not any("s3cr" in v for v in env.values())
        assert conninfo == "postgresql://ward@db.example:5433/wardwalk?sslmode=require"


def test_the_password_is_in_a_private_passfile_that_is_removed_afterwards():
    with connection_arguments(URL) as (_conninfo, env):
        passfile = Path(env["PGPASSFILE"])
        assert passfile.read_text() == "*:*:*:*:s3cr\\:t\\\\pw\n"  # libpq escapes : and \
        assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
        assert stat.S_IMODE(passfile.parent.stat().st_mode) == 0o700
    assert not passfile.exists()


def test_a_password_in_the_callers_environment_does_not_override_the_urls(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "from-outside")
    with connection_arguments(URL) as (_conninfo, env):
        assert "PGPASSWORD" not in env and "PGPASSFILE" in env


def test_without_a_password_in_the_url_the_environment_is_passed_on(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "from-outside")
    with connection_arguments(make_url("postgresql://ward@db/wardwalk")) as (_conninfo, env):
        assert env == dict(os.environ)
