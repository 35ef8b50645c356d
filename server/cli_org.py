"""``wardwalk org``: set up a real hospital from its file, and write a hospital back to one."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import yaml
from flask.cli import with_appcontext
from sqlalchemy import select

from server.extensions import db
from server.write_intent import sqlite_write_intent


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
        for problem in error.problems:
            click.echo(f"{file}: {problem}", err=True)
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
