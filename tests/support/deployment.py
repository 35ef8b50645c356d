"""An instance set up as a deployment is: a fresh database, ``wardwalk init`` and ``wardwalk demo``.

The benchmarks and the fault and concurrency suites serve such an instance with a real gunicorn
(``tests/support/gunicorn.py``). Setting one up runs the migrations in a subprocess (a few
seconds), so suites set up one template and clone it: a file copy on SQLite, ``CREATE DATABASE …
TEMPLATE`` on PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from tests.support.gunicorn import BIN, PROJECT_ROOT

DEMO_PASSWORD = "fleet-password-1"
SECRET_KEY = "fleet-secret-key"


def _maintenance(url: str) -> sa.Engine:
    return sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")


@dataclass
class Instance:
    """A database and an instance folder (photos live in ``directory/photos``)."""

    database_url: str
    directory: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "postgresql" if self.database_url.startswith("postgresql") else "sqlite"

    @property
    def photo_dir(self) -> Path:
        return self.directory / "photos"

    @property
    def database_name(self) -> str:
        return self.database_url.rsplit("/", 1)[1]

    def env(self) -> dict[str, str]:
        """The environment a deployment gives ``wardwalk`` and gunicorn."""
        return {
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "DATABASE_URL": self.database_url,
            "WARDWALK_INSTANCE_DIR": str(self.directory),
            "SECRET_KEY": SECRET_KEY,
            "CHECKLIST_DIR": str(PROJECT_ROOT / "checklists"),
            "PHOTO_DIR": str(self.photo_dir),
            "WARDWALK_DEMO_PASSWORD": DEMO_PASSWORD,
            **self.extra_env,
        }

    def drop(self) -> None:
        """Drop the database (PostgreSQL) and remove the instance folder."""
        if self.kind == "postgresql":
            engine = _maintenance(self.database_url)
            with engine.connect() as connection:
                connection.execute(
                    sa.text(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
                )
            engine.dispose()
        shutil.rmtree(self.directory, ignore_errors=True)


def fresh_instance(directory: Path, postgres_url: str | None, name: str) -> Instance:
    """Return an empty database called ``name`` (SQLite file in ``directory`` without a URL)."""
    directory.mkdir(parents=True, exist_ok=True)
    if postgres_url is None:
        return Instance(f"sqlite:///{directory / name}.db", directory)
    url = _normalise(postgres_url).rsplit("/", 1)[0] + f"/{name}"
    engine = _maintenance(url)
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return Instance(url, directory)


def _normalise(url: str) -> str:
    from server.config import normalise_database_url

    return normalise_database_url(url)


def set_up(instance: Instance) -> Instance:
    """Migrate, load the project's checklists and seed the demo hospital, as on a deployment."""
    for command in (["init"], ["demo"]):
        result = subprocess.run(
            [str(BIN / "wardwalk"), *command],
            env=instance.env(),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"wardwalk {command[0]} failed:\n{result.stderr or result.stdout}")
    return instance


def clone(template: Instance, directory: Path, name: str) -> Instance:
    """Copy a set-up instance into a new database called ``name``."""
    directory.mkdir(parents=True, exist_ok=True)
    if template.kind == "sqlite":
        target = directory / f"{name}.db"
        # The backup API, not a file copy: the template's last writes may still be in its WAL.
        source = sqlite3.connect(template.database_url.removeprefix("sqlite:///"))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return Instance(f"sqlite:///{target}", directory, dict(template.extra_env))
    engine = _maintenance(template.database_url)
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template.database_name}"'))
    engine.dispose()
    url = template.database_url.rsplit("/", 1)[0] + f"/{name}"
    return Instance(url, directory, dict(template.extra_env))


def issue_tokens(instance: Instance, username: str, devices: list[str]) -> list[str]:
    """Issue one bearer token per device name for ``username``, as a login on each device would.

    Written straight into the database: fifty logins from one loopback address would meet the
    login limiter, which is not what these runs measure.
    """
    from sqlalchemy.orm import Session

    from server.models import ApiToken, User
    from server.services.auth import token_digest
    from server.timeutil import utcnow

    engine = sa.create_engine(instance.database_url)
    tokens = []
    try:
        with Session(engine) as session:
            user = session.scalars(sa.select(User).where(User.username == username)).one()
            now = utcnow()
            for device in devices:
                token = secrets.token_urlsafe(32)
                session.add(
                    ApiToken(
                        user_id=user.id,
                        token_hash=token_digest(token),
                        device_name=device,
                        created_at=now,
                        expires_at=now + timedelta(days=2),
                        last_used_at=now,
                    )
                )
                tokens.append(token)
            session.commit()
    finally:
        engine.dispose()
    return tokens
