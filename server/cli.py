"""The ``wardwalk`` command: serve, init, demo, users, checklists, org, backup, import-outbox."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import inspect

from server.cli_backup import backup_command, restore_command
from server.cli_import import import_outbox_command
from server.cli_org import org_group
from server.extensions import db
from server.files import write_private_text
from server.models.user import ROLES


def initialise(app: Flask) -> None:
    """Migrate the database to the newest revision and load changed checklist files."""
    from flask_migrate import upgrade

    from server.services.checklists import ChecklistError, load_checklists

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        try:
            created = load_checklists(db.session, Path(app.config["CHECKLIST_DIR"]))
        except ChecklistError as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            raise click.ClickException(
                "Checklist files have problems (listed above); nothing was loaded. "
                "Fix them and start again (`wardwalk checklists validate` checks without starting)."
            ) from exc
        db.session.commit()
        for row in created:
            click.echo(f"checklist {row.checklist_id} v{row.version} loaded ({row.sha256[:12]})")


def seed_demo_once(app: Flask) -> None:
    """Seed the demo hospital on an empty database and say how to log in."""
    from server.services.seed import DEMO_USERS, seed_demo

    with app.app_context():
        result = seed_demo(db.session, app.config["DEMO_PASSWORD"])
        db.session.commit()
        if result.created:
            password_file = Path(app.config["INSTANCE_DIR"]) / "demo-password.txt"
            write_private_text(password_file, result.password + "\n")
            click.echo(
                f"Demo hospital seeded. Users: {', '.join(name for name, *_ in DEMO_USERS)}; "
                f"password: {result.password} (also in {password_file})"
            )


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Migrate the database and load the checklists (safe to run on every deploy)."""
    initialise(current_app._get_current_object())


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Seed the demo hospital, departments, locations and users (once)."""
    seed_demo_once(current_app._get_current_object())


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-demo", is_flag=True, help="Do not seed the demo hospital.")
@click.option(
    "--cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Serve HTTPS with this certificate (PEM, full chain); needs --key.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The private key of --cert (PEM).",
)
@with_appcontext
def serve_command(
    host: str, port: int, threads: int, no_demo: bool, cert: Path | None, key: Path | None
) -> None:
    """Migrate, load checklists, seed the demo, and serve API and client with gunicorn.

    With ``--cert`` and ``--key`` it serves HTTPS itself: enough for a small site without a
    reverse proxy (phones need HTTPS for photos and offline use).
    """
    from server.lan import startup_lines
    from server.wsgi_server import TlsFiles, run_gunicorn

    if (cert is None) != (key is None):
        raise click.UsageError("--cert and --key go together: give both or neither.")
    tls = TlsFiles(cert, key) if cert and key else None
    app = current_app._get_current_object()
    if app.config["AUTO_MIGRATE"]:
        initialise(app)
    if not no_demo:
        seed_demo_once(app)
    with app.app_context():
        db.engine.dispose()  # no pooled connection may cross gunicorn's fork
    embedded = app.config["WARDWALK_SCHEDULER"] == "embedded"
    for line in startup_lines(host, port, tls=tls is not None):
        click.echo(line)
    if not embedded:
        click.echo("Scheduler off here (WARDWALK_SCHEDULER); run `wardwalk scheduler` once.")
    run_gunicorn(
        app, bind=f"{host}:{port}", workers=1, threads=threads, with_scheduler=embedded, tls=tls
    )


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs in this process (one per database, beside the web workers)."""
    from server.jobs.scheduler import blocking_scheduler

    app = current_app._get_current_object()
    click.echo(
        "Wardwalk scheduler running; jobs: overdue, reminders, escalation, coverage, "
        "weekly-rollup, deliveries"
    )
    blocking_scheduler(app).start()


@click.command("run-job")
@click.argument("name")
@click.option("--now", "now", default=None, help="Pretend it is this ISO 8601 time (with offset).")
@with_appcontext
def run_job_command(name: str, now: str | None) -> None:
    """Run one scheduled job now and print what it did."""
    from datetime import datetime

    from server.jobs import JOBS, run_job

    if name not in JOBS:
        raise click.BadParameter(f"choose one of {', '.join(JOBS)}", param_hint="NAME")
    moment = datetime.fromisoformat(now) if now else None
    if moment is not None and moment.tzinfo is None:
        raise click.BadParameter(
            "give an offset, e.g. 2026-11-23T07:00:00+08:00", param_hint="--now"
        )
    click.echo(
        json.dumps(
            run_job(current_app._get_current_object(), name, moment),
            ensure_ascii=False,
            default=str,
        )
    )


@click.command("create-user")
@click.argument("username")
@click.option("--display-name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLES),
)
@click.option("--hospital", "hospitals", multiple=True, required=True, help="Hospital code.")
@click.option("--department", default=None, help="Department code in the first hospital.")
@click.password_option()
@with_appcontext
def create_user_command(username, display_name, roles, hospitals, department, password) -> None:
    """Create a user with roles, hospital scope and an optional department."""
    from server.services import users

    hospital_ids = users.hospital_ids_for_codes(db.session, list(hospitals))
    department_id = (
        users.department_id_for_code(db.session, hospital_ids[0], department)
        if department
        else None
    )
    user = users.create_user(
        db.session,
        None,
        username=username,
        display_name=display_name,
        password=password,
        roles=list(roles),
        hospital_ids=hospital_ids,
        department_id=department_id,
    )
    db.session.commit()
    click.echo(f"user {user.username} created (id {user.id})")


@click.group("checklists")
def checklists_group() -> None:
    """Checklist files."""


@checklists_group.command("validate")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def validate_command(directory: Path | None) -> None:
    """Check every checklist file; exit non-zero naming file, item and field on any error."""
    from server.services.checklists import ChecklistError, load_checklists, read_checklist_dir

    directory = directory or Path(current_app.config["CHECKLIST_DIR"])
    files = read_checklist_dir(directory)
    problems = [problem for checklist in files for problem in checklist.problems]
    if not problems and inspect(db.engine).has_table("checklist_versions"):
        # Also check the rules that depend on stored history (item ids never reused).
        try:
            load_checklists(db.session, directory)
        except ChecklistError as exc:
            problems = exc.problems
        finally:
            db.session.rollback()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {directory}", err=True)
        sys.exit(1)
    click.echo(f"{len(files)} checklist file(s) valid in {directory}")


def register_commands(app: Flask) -> None:
    """Add Wardwalk's commands to ``app.cli``."""
    for command in (
        init_command,
        demo_command,
        serve_command,
        create_user_command,
        checklists_group,
        org_group,
        scheduler_command,
        run_job_command,
        backup_command,
        restore_command,
        import_outbox_command,
    ):
        app.cli.add_command(command)


def _create_app(*_args):
    from server.app import create_app

    return create_app()


main = FlaskGroup(
    create_app=_create_app,
    add_version_option=False,
    load_dotenv=False,
    help="Wardwalk: offline-first hospital inspections.",
)


if __name__ == "__main__":
    main()
