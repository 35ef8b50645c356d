"""``wardwalk import-outbox FILE --user NAME --admin NAME`` (server/services/outbox_import.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.write_intent import sqlite_write_intent


def _line(result: dict) -> str:
    words = [result["kind"], result["id"], result["status"]]
    if result.get("code"):
        words.append(result["code"])
    if result.get("errors"):
        words.append(str(result["errors"]))
    return "  ".join(words)


def _tally(results: list[dict]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"


@click.command("import-outbox")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--user", "username", required=True, help="The phone's user, as in the file.")
@click.option("--admin", "admin_name", required=True, help="The admin doing the import.")
@with_appcontext
def import_outbox_command(file: Path, username: str, admin_name: str) -> None:
    """Store a phone's exported outbox as if the phone had synced it; print each result.

    Exits 1 when a record or photo was rejected or conflicts, so a script notices.
    """
    from server.models import User
    from server.services import outbox_import, photos

    admin = db.session.scalars(select(User).where(User.username == admin_name)).one_or_none()
    if admin is None or not admin.active:
        raise click.ClickException(f"No active user {admin_name!r}.")
    try:
        exported = outbox_import.read_file(file.read_bytes())
        with sqlite_write_intent():
            report = outbox_import.import_outbox(
                db.session,
                current_app.extensions["photo_storage"],
                admin,
                username,
                exported,
                limits=photos.PhotoLimits.from_config(current_app.config),
                batch=current_app.config["SYNC_MAX_RECORDS"],
            )
            db.session.commit()  # ends the last read, which holds SQLite's write lock here
    except DomainError as exc:
        db.session.rollback()
        problems = f" {exc.errors}" if exc.errors else ""
        raise click.ClickException(f"{exc.code}: {exc.message}{problems}") from exc
    click.echo(
        f"outbox of {report.username} from device {report.device_id}, "
        f"exported {exported['exported_at'].isoformat()}, imported by {admin.username}"
    )
    for result in report.records + report.photos:
        click.echo(_line(result))
    click.echo(f"records: {_tally(report.records)}; photos: {_tally(report.photos)}")
    if report.missing_photos:
        click.echo(f"photos still missing: {' '.join(report.missing_photos)}")
    if report.tasks:
        click.echo(f"tasks: {' '.join(sorted({str(task['id']) for task in report.tasks}))}")
    failed = {"rejected", "conflict"}
    if any(result["status"] in failed for result in report.records + report.photos):
        sys.exit(1)
