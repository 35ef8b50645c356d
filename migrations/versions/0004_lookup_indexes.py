"""Indexes for looking tasks up by finding or record, and findings by what they supersede.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 22:15:25.184264

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_supersedes_id'), ['supersedes_id'], unique=False)

    with op.batch_alter_table('task_findings', schema=None) as batch_op:
        batch_op.create_index('ix_task_findings_finding_id', ['finding_id'], unique=False)

    with op.batch_alter_table('task_records', schema=None) as batch_op:
        batch_op.create_index('ix_task_records_record_id', ['record_id'], unique=False)



def downgrade():
    with op.batch_alter_table('task_records', schema=None) as batch_op:
        batch_op.drop_index('ix_task_records_record_id')

    with op.batch_alter_table('task_findings', schema=None) as batch_op:
        batch_op.drop_index('ix_task_findings_finding_id')

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_supersedes_id'))

