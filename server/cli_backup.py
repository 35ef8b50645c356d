"""``wardwalk backup DEST`` and ``wardwalk restore SRC`` (see server/services/backup.py)."""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from server.extensions import db
from server.pg_client import PgClientError
from server.services import backup as backups
from server.services import epochs
from server.timeutil import utcnow
from server.write_intent import sqlite_write_intent


def _app_version() -> str:
    try:
        return version("wardwalk")
    except PackageNotFoundError:
        return "unknown"


@click.command("backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(destination: Path) -> None:
    """Write a consistent backup of this running instance to the new folder DESTINATION."""
    try:
        metadata = backups.backup(
            db.engine,
            current_app.extensions["photo_storage"],
            destination,
            app_version=_app_version(),
            now=utcnow(),
            pg_bindir=current_app.config["PG_BINDIR"],
        )
    except (backups.BackupError, PgClientError) as exc:
        raise click.ClickException(str(exc)) from exc
    except OperationalError as exc:
        raise click.ClickException(f"The database cannot be reached: {exc.orig}") from exc
    click.echo(
        f"backup written to {destination}: {metadata['database']} database at revision "
        f"{metadata['alembic_revision']}, {sum(metadata['counts'].values())} rows, "
        f"{metadata['photo_files']} photo files"
    )


def _check_revision(revision: str | None) -> str:
    """Return the migrations' head, after checking that this code knows ``revision``."""
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    if revision not in {rev.revision for rev in script.walk_revisions()}:
        raise backups.BackupError(
            f"The backup's schema revision {revision!r} is unknown to this version of Wardwalk "
            "(a backup made by a newer version, or of a database `wardwalk init` did not "
            "create): restore it with the version that made it, or a newer one."
        )
    return script.get_current_head()


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """Restore the backup in SOURCE into this empty instance, upgrade it, and verify it."""
    from flask_migrate import upgrade

    storage = current_app.extensions["photo_storage"]
    bindir = current_app.config["PG_BINDIR"]
    loaded = False
    try:
        metadata, files = backups.read_backup(source)
        backups.verify_files(source, files)
        head = _check_revision(metadata["alembic_revision"])
        backups.check_empty(db.engine, storage)
        loaded = True
        backups.load_database(db.engine, source, metadata, bindir)
        with db.engine.connect() as connection:
            restored = backups.describe(connection)
        if restored.counts != metadata["counts"]:
            raise backups.BackupError("The restored tables do not hold the rows counted at backup.")
        if metadata["alembic_revision"] != head:
            upgrade(directory=current_app.extensions["migrate"].directory)
        with sqlite_write_intent():
            epoch = epochs.after_restore(db.session, datetime.fromisoformat(metadata["taken_at"]))
            db.session.commit()
        photos = backups.restore_photos(storage, source, files)
        backups.verify_restored(db.engine, storage, files)
    except OperationalError as exc:
        raise click.ClickException(f"The database cannot be reached: {exc.orig}") from exc
    except (backups.BackupError, PgClientError) as exc:
        db.session.rollback()
        hint = (
            "\nThe instance is now partly restored: empty its database and photo folder before "
            "trying again."
            if loaded
            else ""
        )
        raise click.ClickException(f"{exc}{hint}") from exc
    click.echo(
        f"restored {source} (taken {metadata['taken_at']}, revision "
        f"{metadata['alembic_revision']} → {head}): {sum(restored.counts.values())} rows and "
        f"{photos} photo files, every sha256 verified; devices pull again from the start "
        f"(epoch {epoch.epoch})"
    )
