"""The ``recorder`` role: staff who keep their own department's logs without an inspection.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BEFORE = "role IN ('admin', 'supervisor', 'inspector', 'department_head', 'leader')"
AFTER = "role IN ('admin', 'supervisor', 'inspector', 'department_head', 'leader', 'recorder')"


def _allow(condition: str) -> None:
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_roles_role_known"), type_="check")
        batch_op.create_check_constraint("role_known", condition)


def upgrade():
    _allow(AFTER)


def downgrade():
    # A recorder's role row would break the narrower check: they lose the role (not the account).
    op.execute("DELETE FROM user_roles WHERE role = 'recorder'")
    _allow(BEFORE)
