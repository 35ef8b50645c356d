"""Handwritten signatures: an inspection's signatures, and photo slots for signature images.

A signature image travels like a photo (a slot until its bytes arrive), but it belongs to an
inspection (the same-day feedback's signatures) or to a record form's signature field rather
than to a finding; the slot says which, so the image's readers follow its owner's.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 00:40:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "signatures",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )
    with op.batch_alter_table("photo_slots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inspection_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("record_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_photo_slots_inspection_id_inspections"),
            "inspections",
            ["inspection_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_photo_slots_record_id_record_entries"),
            "record_entries",
            ["record_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_photo_slots_inspection_id"), ["inspection_id"])
        batch_op.create_index(batch_op.f("ix_photo_slots_record_id"), ["record_id"])


def downgrade():
    # Signature images stay stored as photos; without their slots only their uploader sees them.
    op.execute("DELETE FROM photo_slots WHERE inspection_id IS NOT NULL OR record_id IS NOT NULL")
    with op.batch_alter_table("photo_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_slots_record_id"))
        batch_op.drop_index(batch_op.f("ix_photo_slots_inspection_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_photo_slots_record_id_record_entries"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_photo_slots_inspection_id_inspections"), type_="foreignkey"
        )
        batch_op.drop_column("record_id")
        batch_op.drop_column("inspection_id")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_column("signatures")
