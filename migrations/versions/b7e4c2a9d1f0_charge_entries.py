"""charge entries: the append-only ledger of charges

Every change of a charge (billed, amount changed, waived, being collected, reopened,
paid, refunded, assigned at admission, reminded) is a row here; the cached columns of
``charges`` are derived from it. The charges table came with 19918caa741b, which was
not released, so there are no charges without entries to carry over.

Revision ID: b7e4c2a9d1f0
Revises: e1a2b3c4d5f6
Create Date: 2026-11-23 12:40:00

"""
from alembic import op
import sqlalchemy as sa

import coop.db


# revision identifiers, used by Alembic.
revision = 'b7e4c2a9d1f0'
down_revision = 'e1a2b3c4d5f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('charge_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('BILLED', 'AMOUNT_CHANGED', 'WAIVED', 'COLLECTING', 'REOPENED', 'PAID', 'REFUNDED', 'ASSIGNED', 'REMINDED', name='chargeentrykind', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('OPEN', 'COLLECTING', 'PAID', 'WAIVED', 'REFUNDED', name='chargestatus', native_enum=False, length=20), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('reduced', sa.Boolean(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', coop.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['memberships.id'], name=op.f('fk_charge_entries_by_id_memberships')),
    sa.ForeignKeyConstraint(['charge_id'], ['charges.id'], name=op.f('fk_charge_entries_charge_id_charges')),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_charge_entries_membership_id_memberships')),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_charge_entries_payment_id_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charge_entries'))
    )
    with op.batch_alter_table('charge_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charge_entries_charge_id'), ['charge_id'], unique=False)


def downgrade():
    with op.batch_alter_table('charge_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charge_entries_charge_id'))

    op.drop_table('charge_entries')
