"""Sync: inspections, findings, record entries, photos and slots, tasks, events, change log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 21:21:49.207173

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('changes',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.String(length=80), nullable=False),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_changes_hospital_id_hospitals')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_changes'))
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changes_hospital_id'), ['hospital_id'], unique=False)
        batch_op.create_index('ix_changes_kind_entity', ['kind', 'entity_id'], unique=False)

    op.create_table('inspections',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('inspector_id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.String(length=80), nullable=False),
    sa.Column('checklist_version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('device_id', sa.String(length=120), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('self', 'mutual', 'supervision', 'unannounced')", name=op.f('ck_inspections_kind_known')),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_inspections_hospital_id_hospitals')),
    sa.ForeignKeyConstraint(['inspector_id'], ['users.id'], name=op.f('fk_inspections_inspector_id_users')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_inspections_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections'))
    )
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.create_index('ix_inspections_hospital_started', ['hospital_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_inspector_id'), ['inspector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspections_location_id'), ['location_id'], unique=False)

    op.create_table('photos',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_bytes', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('image_key', sa.String(length=80), nullable=False),
    sa.Column('thumb_key', sa.String(length=80), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_photos_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos'))
    )
    op.create_table('rectification_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('checklist_id', sa.String(length=80), nullable=False),
    sa.Column('item_id', sa.String(length=120), nullable=False),
    sa.Column('title_zh', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('points', sa.Double(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('overdue_marked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'assigned', 'submitted', 'closed', 'cancelled')", name=op.f('ck_rectification_tasks_status_known')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_rectification_tasks_assignee_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_rectification_tasks_department_id_departments')),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_rectification_tasks_hospital_id_hospitals')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_rectification_tasks_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_tasks'))
    )
    with op.batch_alter_table('rectification_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_rectification_tasks_department_due', ['department_id', 'due_at'], unique=False)
        batch_op.create_index('ix_rectification_tasks_hospital_status', ['hospital_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_tasks_location_id'), ['location_id'], unique=False)
        batch_op.create_index('uq_rectification_tasks_open_problem', ['hospital_id', 'location_id', 'item_id'], unique=True, sqlite_where=sa.text("status IN ('open', 'assigned', 'submitted')"), postgresql_where=sa.text("status IN ('open', 'assigned', 'submitted')"))

    op.create_table('findings',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('inspection_id', sa.Uuid(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('checklist_id', sa.String(length=80), nullable=False),
    sa.Column('checklist_version', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=80), nullable=False),
    sa.Column('result', sa.String(length=4), nullable=False),
    sa.Column('verdict', sa.String(length=4), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('points', sa.Double(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('supersedes_id', sa.Uuid(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("result IN ('pass', 'fail', 'na')", name=op.f('ck_findings_result_known')),
    sa.CheckConstraint("verdict IN ('pass', 'fail', 'na')", name=op.f('ck_findings_verdict_known')),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_findings_hospital_id_hospitals')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_findings_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_findings_location_id_locations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_findings_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['findings.id'], name=op.f('fk_findings_supersedes_id_findings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_findings'))
    )
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_hospital_id'), ['hospital_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_findings_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index('ix_findings_location_item', ['location_id', 'item_id'], unique=False)

    op.create_table('record_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('inspection_id', sa.Uuid(), nullable=True),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=60), nullable=False),
    sa.Column('checklist_id', sa.String(length=80), nullable=False),
    sa.Column('checklist_version', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('verdict', sa.String(length=4), nullable=False),
    sa.Column('failed_rules', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=120), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("verdict IN ('pass', 'fail')", name=op.f('ck_record_entries_verdict_known')),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_record_entries_hospital_id_hospitals')),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspections.id'], name=op.f('fk_record_entries_inspection_id_inspections')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_record_entries_location_id_locations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_record_entries_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_entries'))
    )
    with op.batch_alter_table('record_entries', schema=None) as batch_op:
        batch_op.create_index('ix_record_entries_hospital_type', ['hospital_id', 'record_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_entries_inspection_id'), ['inspection_id'], unique=False)

    op.create_table('task_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_task_events_actor_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['rectification_tasks.id'], name=op.f('fk_task_events_task_id_rectification_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_events'))
    )
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_events_task_id'), ['task_id'], unique=False)

    op.create_table('photo_slots',
    sa.Column('photo_id', sa.Uuid(), nullable=False),
    sa.Column('finding_id', sa.Uuid(), nullable=True),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_photo_slots_finding_id_findings')),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_photo_slots_hospital_id_hospitals')),
    sa.PrimaryKeyConstraint('photo_id', name=op.f('pk_photo_slots'))
    )
    with op.batch_alter_table('photo_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_slots_finding_id'), ['finding_id'], unique=False)

    op.create_table('task_findings',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('finding_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['finding_id'], ['findings.id'], name=op.f('fk_task_findings_finding_id_findings')),
    sa.ForeignKeyConstraint(['task_id'], ['rectification_tasks.id'], name=op.f('fk_task_findings_task_id_rectification_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'finding_id', name=op.f('pk_task_findings'))
    )
    op.create_table('task_records',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['record_entries.id'], name=op.f('fk_task_records_record_id_record_entries')),
    sa.ForeignKeyConstraint(['task_id'], ['rectification_tasks.id'], name=op.f('fk_task_records_task_id_rectification_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'record_id', name=op.f('pk_task_records'))
    )


def downgrade():
    op.drop_table('task_records')
    op.drop_table('task_findings')
    with op.batch_alter_table('photo_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_slots_finding_id'))

    op.drop_table('photo_slots')
    with op.batch_alter_table('task_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_events_task_id'))

    op.drop_table('task_events')
    with op.batch_alter_table('record_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_entries_inspection_id'))
        batch_op.drop_index('ix_record_entries_hospital_type')

    op.drop_table('record_entries')
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.drop_index('ix_findings_location_item')
        batch_op.drop_index(batch_op.f('ix_findings_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_findings_hospital_id'))

    op.drop_table('findings')
    with op.batch_alter_table('rectification_tasks', schema=None) as batch_op:
        batch_op.drop_index('uq_rectification_tasks_open_problem', sqlite_where=sa.text("status IN ('open', 'assigned', 'submitted')"), postgresql_where=sa.text("status IN ('open', 'assigned', 'submitted')"))
        batch_op.drop_index(batch_op.f('ix_rectification_tasks_location_id'))
        batch_op.drop_index('ix_rectification_tasks_hospital_status')
        batch_op.drop_index('ix_rectification_tasks_department_due')

    op.drop_table('rectification_tasks')
    op.drop_table('photos')
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspections_location_id'))
        batch_op.drop_index(batch_op.f('ix_inspections_inspector_id'))
        batch_op.drop_index('ix_inspections_hospital_started')

    op.drop_table('inspections')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index('ix_changes_kind_entity')
        batch_op.drop_index(batch_op.f('ix_changes_hospital_id'))

    op.drop_table('changes')
