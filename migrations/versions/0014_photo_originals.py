"""A marked-up photo names the original it was drawn on: ``photo_slots.original_id``.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 00:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    # No foreign key: the push checks that the original is a slot of the same finding, and both
    # slots are inserted by one statement.
    with op.batch_alter_table("photo_slots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_id", sa.Uuid(), nullable=True))


def downgrade():
    # The marked copies stay as ordinary photos of their finding; only the link goes.
    with op.batch_alter_table("photo_slots", schema=None) as batch_op:
        batch_op.drop_column("original_id")
