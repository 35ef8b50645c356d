"""The ``leader`` role: hospital leadership and the health commission's read-only view.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BEFORE = "role IN ('admin', 'supervisor', 'inspector', 'department_head')"
AFTER = "role IN ('admin', 'supervisor', 'inspector', 'department_head', 'leader')"


def _allow(condition: str) -> None:
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_user_roles_role_known"), type_="check")
        batch_op.create_check_constraint("role_known", condition)


def upgrade():
    _allow(AFTER)


def downgrade():
    # A leader's role row would break the narrower check: leaders lose the role (not the account).
    op.execute("DELETE FROM user_roles WHERE role = 'leader'")
    _allow(BEFORE)
