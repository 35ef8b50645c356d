"""Sync epochs: the history of the change log that devices follow, renewed by every restore.

The new table starts with one epoch, random, so a database created from scratch (a re-install
over an old address) also tells devices that their cursors belong to another history.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

"""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    epochs = op.create_table('sync_epochs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('epoch', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('snapshot_taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_epochs')),
    sa.UniqueConstraint('epoch', name=op.f('uq_sync_epochs_epoch'))
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as UTC without offset, like UTCDateTime does
    op.bulk_insert(epochs, [{"epoch": uuid.uuid4().hex, "reason": "created", "started_at": now}])


def downgrade():
    op.drop_table('sync_epochs')
