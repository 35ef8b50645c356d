"""Tasks: submissions (evidence, verification, re-check), notifications and deliveries, weekly rollups.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:35:45.699997

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('weekly_rollups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.String(length=8), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_weekly_rollups_hospital_id_hospitals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_rollups')),
    sa.UniqueConstraint('hospital_id', 'week', name=op.f('uq_weekly_rollups_hospital_id_week'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=160), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_notifications_hospital_id_hospitals')),
    sa.ForeignKeyConstraint(['task_id'], ['rectification_tasks.id'], name=op.f('fk_notifications_task_id_rectification_tasks')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'dedupe_key', name=op.f('uq_notifications_user_id_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('notification_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sent', 'skipped')", name=op.f('ck_notification_deliveries_status_known')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notification_deliveries_notification_id_notifications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_deliveries')),
    sa.UniqueConstraint('notification_id', 'channel', name=op.f('uq_notification_deliveries_notification_id_channel'))
    )
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_notification_deliveries_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('task_submissions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('result', sa.String(length=4), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('photo_ids', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('finding_id', sa.Uuid(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('evidence', 'verification', 'recheck')", name=op.f('ck_task_submissions_kind_known')),
    sa.CheckConstraint("result IS NULL OR result IN ('pass', 'fail')", name=op.f('ck_task_submissions_result_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_task_submissions_actor_id_users')),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_task_submissions_finding_id_findings')),
    sa.ForeignKeyConstraint(['task_id'], ['rectification_tasks.id'], name=op.f('fk_task_submissions_task_id_rectification_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_submissions'))
    )
    with op.batch_alter_table('task_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_submissions_task_id'), ['task_id'], unique=False)

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index('ix_findings_hospital_recorded', ['hospital_id', 'recorded_at'], unique=False)

    with op.batch_alter_table('photo_slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_id', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_photo_slots_submission_id'), ['submission_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_photo_slots_submission_id_task_submissions'), 'task_submissions', ['submission_id'], ['id'])

    with op.batch_alter_table('rectification_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('rectification_tasks', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')

    with op.batch_alter_table('photo_slots', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_photo_slots_submission_id_task_submissions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_photo_slots_submission_id'))
        batch_op.drop_column('submission_id')

    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_hospital_recorded')

    with op.batch_alter_table('task_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_submissions_task_id'))

    op.drop_table('task_submissions')
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_deliveries_due')

    op.drop_table('notification_deliveries')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')

    op.drop_table('notifications')
    op.drop_table('weekly_rollups')
