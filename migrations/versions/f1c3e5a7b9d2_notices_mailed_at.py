"""assembly notices: when the mail server took the invitation's mail

A notice recorded before this has its mail taken as sent when no failure was recorded (what
the invitations page said until now).

Revision ID: f1c3e5a7b9d2
Revises: e9b1d3f5a7c6
Create Date: 2026-12-07 06:45:00

"""

import sqlalchemy as sa
from alembic import op

import coop.db

# revision identifiers, used by Alembic.
revision = "f1c3e5a7b9d2"
down_revision = "e9b1d3f5a7c6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("assembly_notices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mailed_at", coop.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE assembly_notices SET mailed_at = sent_at "
        "WHERE failed_at IS NULL AND on_paper_at IS NULL"
    )


def downgrade():
    with op.batch_alter_table("assembly_notices", schema=None) as batch_op:
        batch_op.drop_column("mailed_at")
