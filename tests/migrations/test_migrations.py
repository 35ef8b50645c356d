"""Every revision upgrades, downgrades and upgrades again; the head matches the models.

Runs on the run's backend (SQLite, or PostgreSQL with WARDWALK_TEST_DB=postgresql), each test on
a database of its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from server.extensions import db
from server.models import Base


def _revisions(app) -> list[str]:
    """Revision ids from base to head."""
    script = ScriptDirectory(app.extensions["migrate"].directory)
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_every_revision_upgrades_downgrades_and_upgrades_again(empty_app):
    directory = empty_app.extensions["migrate"].directory
    previous = "base"
    for revision in _revisions(empty_app):
        upgrade(directory=directory, revision=revision)
        after_upgrade = _tables()
        downgrade(directory=directory, revision=previous)
        upgrade(directory=directory, revision=revision)
        assert _tables() == after_upgrade, f"revision {revision} is not reversible"
        previous = revision


def test_downgrade_to_base_removes_every_table(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory)
    assert _tables() == set(Base.metadata.tables)
    downgrade(directory=directory, revision="base")
    assert _tables() == set()


def test_models_match_the_migrated_schema(empty_app):
    upgrade(directory=empty_app.extensions["migrate"].directory)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_comparison_notices_a_column_the_migrations_lack(empty_app):
    upgrade(directory=empty_app.extensions["migrate"].directory)
    changed = sa.MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["hospitals"].append_column(sa.Column("extra", sa.String(5)))
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, changed) != []


def test_the_change_log_never_reuses_a_sequence_number(empty_app):
    upgrade(directory=empty_app.extensions["migrate"].directory)
    with db.engine.begin() as connection:
        insert = sa.text(
            "INSERT INTO changes (kind, entity_id, op, created_at) "
            "VALUES ('task', '1', 'upsert', CURRENT_TIMESTAMP)"
        )
        connection.execute(insert)
        newest = connection.scalar(sa.text("SELECT max(seq) FROM changes"))
        connection.execute(sa.text("DELETE FROM changes WHERE seq = :seq"), {"seq": newest})
        connection.execute(insert)
        assert connection.scalar(sa.text("SELECT max(seq) FROM changes")) > newest


def test_a_migrated_database_starts_with_an_epoch_of_its_own(empty_app):
    from server.services.epochs import current_epoch

    upgrade(directory=empty_app.extensions["migrate"].directory)
    rows = db.session.execute(sa.text("SELECT epoch, reason FROM sync_epochs")).all()

    assert [reason for _, reason in rows] == ["created"]
    assert len(rows[0][0]) == 32 and current_epoch(db.session) == rows[0][0]


def _grant(connection, role: str) -> None:
    connection.execute(
        sa.text(
            "INSERT INTO users (username, display_name, password_hash, active, created_at) "
            "VALUES (:name, 'x', 'x', true, CURRENT_TIMESTAMP)"
        ),
        {"name": f"user_{role}"},
    )
    user_id = connection.scalar(sa.text("SELECT max(id) FROM users"))
    connection.execute(
        sa.text("INSERT INTO user_roles (user_id, role) VALUES (:user_id, :role)"),
        {"user_id": user_id, "role": role},
    )


def test_the_leader_role_comes_with_0008_and_leaves_with_its_downgrade(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory, revision="0008")
    with db.engine.begin() as connection:
        _grant(connection, "leader")
    downgrade(directory=directory, revision="0007")
    with db.engine.connect() as connection:
        roles = connection.scalars(sa.text("SELECT role FROM user_roles")).all()
        assert roles == []
    try:
        with db.engine.begin() as connection:
            _grant(connection, "leader")
    except sa.exc.IntegrityError:
        return
    raise AssertionError("the downgraded check let a leader in")
