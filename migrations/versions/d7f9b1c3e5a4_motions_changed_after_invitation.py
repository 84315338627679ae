"""motions: changed after the invitation went out (when, and what it said before)

Revision ID: d7f9b1c3e5a4
Revises: c5e7a9b1d3f2
Create Date: 2026-12-07 05:30:00

"""

import sqlalchemy as sa
from alembic import op

import coop.db

# revision identifiers, used by Alembic.
revision = "d7f9b1c3e5a4"
down_revision = "c5e7a9b1d3f2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "changed_after_invitation_at", coop.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("title_before_change", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("text_before_change", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("motions", schema=None) as batch_op:
        batch_op.drop_column("text_before_change")
        batch_op.drop_column("title_before_change")
        batch_op.drop_column("changed_after_invitation_at")
