"""Change log sequence numbers never reused on SQLite (AUTOINCREMENT).

Without it SQLite hands out the highest rowid again after that row is deleted, and replacing an
entity's change row deletes it: a device whose pull cursor sat at that number skipped the new
change. PostgreSQL's sequence never goes back, so there is nothing to do there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _recreate(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "changes", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade():
    _recreate(True)


def downgrade():
    _recreate(False)
