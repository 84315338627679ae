"""knowledge network: theme follows, digests, reuse, questions, bookmarks

Revision ID: c4b9e2f17a60
Revises: d370472de641
Create Date: 2026-11-23 11:35:00.000000

"""
from alembic import op
import sqlalchemy as sa

import coop.db


# revision identifiers, used by Alembic.
revision = 'c4b9e2f17a60'
down_revision = 'd370472de641'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('knowledge_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reused_from_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_knowledge_items_reused_from_id'), ['reused_from_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_knowledge_items_reused_from_id_knowledge_items'), 'knowledge_items', ['reused_from_id'], ['id'], ondelete='SET NULL')

    op.create_table('knowledge_theme_follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('created_at', coop.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['knowledge_themes.id'], name=op.f('fk_knowledge_theme_follows_theme_id_knowledge_themes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_knowledge_theme_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_theme_follows')),
    sa.UniqueConstraint('user_id', 'theme_id', name=op.f('uq_knowledge_theme_follows_user_id_theme_id'))
    )
    with op.batch_alter_table('knowledge_theme_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_theme_follows_theme_id'), ['theme_id'], unique=False)

    op.create_table('knowledge_bookmarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('created_at', coop.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['knowledge_items.id'], name=op.f('fk_knowledge_bookmarks_item_id_knowledge_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_knowledge_bookmarks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_bookmarks')),
    sa.UniqueConstraint('user_id', 'item_id', name=op.f('uq_knowledge_bookmarks_user_id_item_id'))
    )
    with op.batch_alter_table('knowledge_bookmarks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_bookmarks_item_id'), ['item_id'], unique=False)

    op.create_table('knowledge_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', coop.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', coop.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_knowledge_questions_answered_by_id_users')),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], name=op.f('fk_knowledge_questions_asked_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['knowledge_items.id'], name=op.f('fk_knowledge_questions_item_id_knowledge_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_questions'))
    )
    with op.batch_alter_table('knowledge_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_questions_item_id'), ['item_id'], unique=False)

    op.create_table('knowledge_digests',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_digest_at', coop.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_knowledge_digests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_knowledge_digests'))
    )
    op.create_table('knowledge_digest_items',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', coop.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['knowledge_items.id'], name=op.f('fk_knowledge_digest_items_item_id_knowledge_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_knowledge_digest_items_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'item_id', name=op.f('pk_knowledge_digest_items'))
    )


def downgrade():
    op.drop_table('knowledge_digest_items')
    op.drop_table('knowledge_digests')
    with op.batch_alter_table('knowledge_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_questions_item_id'))
    op.drop_table('knowledge_questions')
    with op.batch_alter_table('knowledge_bookmarks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_bookmarks_item_id'))
    op.drop_table('knowledge_bookmarks')
    with op.batch_alter_table('knowledge_theme_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_theme_follows_theme_id'))
    op.drop_table('knowledge_theme_follows')
    with op.batch_alter_table('knowledge_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_knowledge_items_reused_from_id_knowledge_items'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_knowledge_items_reused_from_id'))
        batch_op.drop_column('reused_from_id')
