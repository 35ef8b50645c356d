"""The missing-logs job's register: one row per place, form and local day reported.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 21:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "missing_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hospital_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=60), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["hospital_id"], ["hospitals.id"], name=op.f("fk_missing_logs_hospital_id_hospitals")),
        sa.ForeignKeyConstraint(["location_id"], ["locations.id"], name=op.f("fk_missing_logs_location_id_locations")),
        sa.ForeignKeyConstraint(["task_id"], ["rectification_tasks.id"], name=op.f("fk_missing_logs_task_id_rectification_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_missing_logs")),
        sa.UniqueConstraint("location_id", "record_type", "day", name=op.f("uq_missing_logs_location_id_record_type_day")),
    )
    with op.batch_alter_table("missing_logs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_missing_logs_task_id"), ["task_id"], unique=False)


def downgrade():
    # The register only guards against reporting a day twice; the tasks it made stay.
    with op.batch_alter_table("missing_logs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_missing_logs_task_id"))
    op.drop_table("missing_logs")
