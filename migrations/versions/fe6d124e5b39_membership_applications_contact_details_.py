"""membership: applications, contact details, resignation, status history

Revision ID: fe6d124e5b39
Revises: 191a840a30dd
Create Date: 2026-11-23 10:30:51.219910

"""
from alembic import op
import sqlalchemy as sa

import coop.db


# revision identifiers, used by Alembic.
revision = 'fe6d124e5b39'
down_revision = '191a840a30dd'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows get server defaults for the new NOT NULL columns.
    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('BEWONER', 'ONDERNEMER', 'ORGANISATIE', name='memberkind', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'QUESTION', 'ADMITTED', 'REJECTED', name='applicationstatus', native_enum=False, length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('house_number', sa.String(length=20), nullable=False),
    sa.Column('postcode', sa.String(length=7), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('kvk_number', sa.String(length=8), nullable=True),
    sa.Column('contact_person', sa.String(length=200), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=True),
    sa.Column('in_directory', sa.Boolean(), nullable=False),
    sa.Column('outside_area', sa.Boolean(), nullable=False),
    sa.Column('accepted_terms_at', coop.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('created_at', coop.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', coop.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperatives.id'], name=op.f('fk_applications_cooperative_id_cooperatives')),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_applications_membership_id_memberships')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_applications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_applications_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_user_id'), ['user_id'], unique=False)

    op.create_table('membership_status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('ACTIVE', 'SUSPENDED', 'ENDED', name='membershipstatus', native_enum=False, length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', coop.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_membership_status_changes_membership_id_memberships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_status_changes'))
    )
    with op.batch_alter_table('membership_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_status_changes_membership_id'), ['membership_id'], unique=False)

    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resignation_notice_weeks', sa.Integer(), nullable=False, server_default='4'))
        batch_op.add_column(sa.Column('resign_at_year_end', sa.Boolean(), nullable=False, server_default='1'))

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('street', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('house_number', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('postcode', sa.String(length=7), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('city', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('phone', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('kvk_number', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('contact_person', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('iban', sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column('in_directory', sa.Boolean(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('outside_area', sa.Boolean(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('resignation_requested_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.Enum('RESIGNED', 'TERMINATED', 'EXPELLED', name='endreason', native_enum=False, length=20), nullable=True))
        batch_op.add_column(sa.Column('end_note', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_memberships_postcode'), ['postcode'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_postcode'))
        batch_op.drop_column('end_note')
        batch_op.drop_column('end_reason')
        batch_op.drop_column('ends_on')
        batch_op.drop_column('resignation_requested_on')
        batch_op.drop_column('outside_area')
        batch_op.drop_column('in_directory')
        batch_op.drop_column('iban')
        batch_op.drop_column('contact_person')
        batch_op.drop_column('kvk_number')
        batch_op.drop_column('phone')
        batch_op.drop_column('city')
        batch_op.drop_column('postcode')
        batch_op.drop_column('house_number')
        batch_op.drop_column('street')

    with op.batch_alter_table('cooperatives', schema=None) as batch_op:
        batch_op.drop_column('resign_at_year_end')
        batch_op.drop_column('resignation_notice_weeks')

    with op.batch_alter_table('membership_status_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_status_changes_membership_id'))

    op.drop_table('membership_status_changes')
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_applications_user_id'))
        batch_op.drop_index(batch_op.f('ix_applications_cooperative_id'))

    op.drop_table('applications')
    # ### end Alembic commands ###
