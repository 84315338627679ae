"""agenda items: the secretary's note for the minutes (what was said at the item)

Revision ID: b8d2f4a6c0e3
Revises: a4c6e8f0b2d1
Create Date: 2026-12-07 03:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8d2f4a6c0e3"
down_revision = "a4c6e8f0b2d1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("minutes_note", sa.Text(), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_column("minutes_note")
