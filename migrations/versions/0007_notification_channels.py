"""Group chats and the escalation ladder: group notifications, their deliveries, a second rung.

A group notification is a message for a department's (or the hospital's) robot webhooks; its
deliveries share the outbox with e-mail, so a delivery names either a user's notification or a
group notification, and its channel may be ``webhook:<name>`` (longer than before). Tasks get
the moment they were escalated to leadership, the ladder's second rung.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "group_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hospital_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"], name=op.f("fk_group_notifications_department_id_departments")),
        sa.ForeignKeyConstraint(["hospital_id"], ["hospitals.id"], name=op.f("fk_group_notifications_hospital_id_hospitals")),
        sa.ForeignKeyConstraint(["task_id"], ["rectification_tasks.id"], name=op.f("fk_group_notifications_task_id_rectification_tasks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_notifications")),
        sa.UniqueConstraint("hospital_id", "dedupe_key", name=op.f("uq_group_notifications_hospital_id_dedupe_key")),
    )
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_notification_id", sa.Integer(), nullable=True))
        batch_op.alter_column("notification_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column(
            "channel", existing_type=sa.String(length=30), type_=sa.String(length=60), existing_nullable=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_deliveries_group_notification_id_group_notifications"),
            "group_notifications", ["group_notification_id"], ["id"], ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_notification_deliveries_group_notification_id_channel"),
            ["group_notification_id", "channel"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_notification_deliveries_one_message"),
            "(notification_id IS NULL) <> (group_notification_id IS NULL)",
        )
    with op.batch_alter_table("rectification_tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leadership_escalated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("rectification_tasks", schema=None) as batch_op:
        batch_op.drop_column("leadership_escalated_at")
    # Group deliveries have no user notification to hang on: they go with their table.
    op.execute("DELETE FROM notification_deliveries WHERE notification_id IS NULL")
    with op.batch_alter_table("notification_deliveries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notification_deliveries_one_message"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("uq_notification_deliveries_group_notification_id_channel"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_notification_deliveries_group_notification_id_group_notifications"),
            type_="foreignkey",
        )
        batch_op.alter_column(
            "channel", existing_type=sa.String(length=60), type_=sa.String(length=30), existing_nullable=False
        )
        batch_op.alter_column("notification_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("group_notification_id")
    op.drop_table("group_notifications")
