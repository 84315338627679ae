"""assembly notices: when and why an invitation's mail did not go out

Revision ID: c5e7a9b1d3f2
Revises: b8d2f4a6c0e3
Create Date: 2026-12-07 05:00:00

"""

import sqlalchemy as sa
from alembic import op

import coop.db

# revision identifiers, used by Alembic.
revision = "c5e7a9b1d3f2"
down_revision = "b8d2f4a6c0e3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assembly_notices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_at", coop.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("failure", sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table("assembly_notices", schema=None) as batch_op:
        batch_op.drop_column("failure")
        batch_op.drop_column("failed_at")
