"""Where a task came from: ``finding``, ``record`` or (issue #12) ``external``.

Existing tasks learn theirs from their links: a task linked to a record broke a record rule,
every other one came from a failed answer on a walk.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 20:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rectification_tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=10), server_default="finding", nullable=False)
        )
    op.execute(
        "UPDATE rectification_tasks SET source = 'record' "
        "WHERE id IN (SELECT task_id FROM task_records)"
    )
    with op.batch_alter_table("rectification_tasks", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "source_known", "source IN ('finding', 'record', 'external')"
        )


def downgrade():
    # The older schema tells a task's origin from its links alone: the column simply goes.
    with op.batch_alter_table("rectification_tasks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_rectification_tasks_source_known"), type_="check")
        batch_op.drop_column("source")
