"""memberships: index on (cooperative, status) for counting the members with voting rights

Revision ID: b07a1c3e5d9f
Revises: 5a7c1e0d9b21
Create Date: 2026-11-23 14:40:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b07a1c3e5d9f"
down_revision = "5a7c1e0d9b21"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            "ix_memberships_cooperative_status", ["cooperative_id", "status"], unique=False
        )


def downgrade():
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_memberships_cooperative_status")
