"""Problems from outside the walk (issue #12): what was reported, under which reference, and
the task a 举一反三 copy was made from; the report itself is a submission of kind ``report``.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 21:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rectification_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("source_ref", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("origin_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_rectification_tasks_origin_id_rectification_tasks"),
            "rectification_tasks",
            ["origin_id"],
            ["id"],
        )
        batch_op.create_index(
            batch_op.f("ix_rectification_tasks_origin_id"), ["origin_id"], unique=False
        )
    with op.batch_alter_table("task_submissions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_task_submissions_kind_known"), type_="check")
        batch_op.create_check_constraint(
            "kind_known", "kind IN ('evidence', 'verification', 'recheck', 'report')"
        )


def downgrade():
    # The reports go with the kind that names them; their photo slots lose their owner first.
    op.execute(
        "DELETE FROM photo_slots WHERE submission_id IN "
        "(SELECT id FROM task_submissions WHERE kind = 'report')"
    )
    op.execute("DELETE FROM task_submissions WHERE kind = 'report'")
    with op.batch_alter_table("task_submissions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_task_submissions_kind_known"), type_="check")
        batch_op.create_check_constraint(
            "kind_known", "kind IN ('evidence', 'verification', 'recheck')"
        )
    with op.batch_alter_table("rectification_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_tasks_origin_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_rectification_tasks_origin_id_rectification_tasks"), type_="foreignkey"
        )
        batch_op.drop_column("origin_id")
        batch_op.drop_column("source_ref")
        batch_op.drop_column("description")
