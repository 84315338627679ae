"""motion results: the rules a result was counted by (the quorum that applied, whether blank
votes counted as cast), so the results page can explain its numbers

Revision ID: a4c6e8f0b2d1
Revises: e5b7c9d1f3a4
Create Date: 2026-12-07 01:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a4c6e8f0b2d1"
down_revision = "e5b7c9d1f3a4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("motion_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quorum_percent", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("blank_votes_count", sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table("motion_results", schema=None) as batch_op:
        batch_op.drop_column("blank_votes_count")
        batch_op.drop_column("quorum_percent")
