"""merge: assemblies, capital and contributions, knowledge follows/reuse/questions

Three branches were made side by side from the knowledge network migration; this joins
them so that `flask db upgrade` has one head.

Revision ID: e1a2b3c4d5f6
Revises: 811c9d891228, 19918caa741b, c4b9e2f17a60
Create Date: 2026-11-23 12:30:00

"""

# revision identifiers, used by Alembic.
revision = 'e1a2b3c4d5f6'
down_revision = ('811c9d891228', '19918caa741b', 'c4b9e2f17a60')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
