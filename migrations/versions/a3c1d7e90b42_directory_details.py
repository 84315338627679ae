"""membership: which details a member shows in the members' directory

Revision ID: a3c1d7e90b42
Revises: df99d221821a
Create Date: 2026-11-23 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c1d7e90b42'
down_revision = 'df99d221821a'
branch_labels = None
depends_on = None

COLUMNS = ('directory_email', 'directory_phone', 'directory_address')


def upgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )


def downgrade():
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
