"""assembly notices: the board gave the invitation on paper (its mail did not go out)

Revision ID: e9b1d3f5a7c6
Revises: d7f9b1c3e5a4
Create Date: 2026-12-07 06:00:00

"""

import sqlalchemy as sa
from alembic import op

import coop.db

# revision identifiers, used by Alembic.
revision = "e9b1d3f5a7c6"
down_revision = "d7f9b1c3e5a4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assembly_notices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("on_paper_at", coop.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("assembly_notices", schema=None) as batch_op:
        batch_op.drop_column("on_paper_at")
