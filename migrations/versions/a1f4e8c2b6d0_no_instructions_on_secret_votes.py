"""assemblies: no voting instructions on secret votes (they would tie a member to a choice)

Voting instructions are given only for open votes from now on. Instructions stored
earlier for a secret vote are removed: with them the database linked a grantor to the
choice their proxy holder then cast, which a secret ballot must not allow. The holder
chooses freely on those votes. No change to the schema.

Revision ID: a1f4e8c2b6d0
Revises: a7c3d9e5f1b2
Create Date: 2026-11-23 14:15:00

"""

import sqlalchemy as sa

from alembic import op

# revision identifiers, used by Alembic.
revision = "a1f4e8c2b6d0"
down_revision = "a7c3d9e5f1b2"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        sa.text(
            "DELETE FROM proxy_instructions WHERE motion_id IN "
            "(SELECT id FROM motions WHERE secret = :secret)"
        ).bindparams(secret=True)
    )


def downgrade():
    # The removed instructions are gone for good (that is the point).
    pass
