"""candidates: their votes on paper in the room (an election counted on paper)

Revision ID: a2d4f6b8c0e1
Revises: f1c3e5a7b9d2
Create Date: 2026-12-07 08:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a2d4f6b8c0e1"
down_revision = "f1c3e5a7b9d2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paper_votes", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade():
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_column("paper_votes")
