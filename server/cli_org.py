"""``wardwalk org``: set up a real hospital from its file, and write a hospital back to one."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml
from flask.cli import with_appcontext
from sqlalchemy import select

from server.extensions import db, sqlite_write_intent


def flatten(errors, path: str = "") -> list[str]:
    """Turn marshmallow's nested messages into ``locations[0].children[2].kind: …`` lines."""
    if isinstance(errors, dict):
        lines = []
        for key, value in errors.items():
            step = f"[{key}]" if isinstance(key, int) else (f".{key}" if path else str(key))
            lines += flatten(value, path + step)
        return lines
    if isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        return [f"{path}: {message}" if path else message for message in errors]
    if isinstance(errors, list):
        return [line for item in errors for line in flatten(item, path)]
    return [f"{path}: {errors}" if path else str(errors)]


@click.group("org")
def org_group() -> None:
    """Set up a hospital: its departments and its location tree."""


@org_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count the changes without saving them.")
@with_appcontext
def import_command(file: Path, dry_run: bool) -> None:
    """Create or update a hospital from FILE (YAML; see docs/hospital-setup.md)."""
    from server.services.organisation import HospitalFileError, import_hospital, load_file

    try:
        data = load_file(file)
    except HospitalFileError as error:
        for line in flatten(error.errors):
            click.echo(f"{file}: {line}", err=True)
        sys.exit(1)
    with sqlite_write_intent():
        report = import_hospital(db.session, data)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    counts = ", ".join(f"{n} {what}" for what, n in sorted(report.counts.items()))
    verb = "would change" if dry_run else "imported"
    click.echo(f"{verb} hospital {data['hospital']['code']}: {counts}")


@org_group.command("export")
@click.argument("code")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@with_appcontext
def export_command(code: str, output: Path | None) -> None:
    """Write hospital CODE as a hospital file (to edit and import again)."""
    from server.models import Hospital
    from server.services.organisation import export_hospital

    hospital = db.session.scalars(select(Hospital).where(Hospital.code == code)).first()
    if hospital is None:
        raise click.ClickException(f"No hospital with code {code!r}.")
    text = yaml.safe_dump(
        export_hospital(db.session, hospital), allow_unicode=True, sort_keys=False, width=100
    )
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"hospital {code} written to {output}")
