"""Locations get a ``use`` (toilet, ward, canteen, …) that checklists route items by.

Nullable: existing places keep ``NULL`` (unknown), which every section and item applies to,
until the hospital file is imported again with uses. No CHECK constraint: the list lives in
``server/domain/uses.py`` and grows without a migration.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 20:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("use", sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_column("use")
