"""knowledge: hiding questions and answers; an index for the newest-first list

Revision ID: c9e1a4b7d2f3
Revises: a1f4e8c2b6d0
Create Date: 2026-11-23 14:13:36.341512

"""

import sqlalchemy as sa
from alembic import op

import coop.db

# revision identifiers, used by Alembic.
revision = "c9e1a4b7d2f3"
down_revision = "a1f4e8c2b6d0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("knowledge_questions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden_at", coop.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("hidden_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("hidden_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("answer_hidden_at", coop.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("answer_hidden_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("answer_hidden_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_knowledge_questions_answer_hidden_by_id_users"),
            "users",
            ["answer_hidden_by_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_knowledge_questions_hidden_by_id_users"),
            "users",
            ["hidden_by_id"],
            ["id"],
        )


    # The list shows items newest first: coalesce(published_at, created_at) DESC, id DESC.
    # An expression index, so that a page reads its rows in that order and stops (the
    # models do not describe it: coop.db.UNMODELLED_INDEXES).
    op.execute(
        "CREATE INDEX ix_knowledge_items_listed ON knowledge_items "
        "((coalesce(published_at, created_at)), id)"
    )


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_knowledge_items_listed")
    with op.batch_alter_table("knowledge_questions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_knowledge_questions_hidden_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_knowledge_questions_answer_hidden_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("answer_hidden_by_id")
        batch_op.drop_column("answer_hidden_reason")
        batch_op.drop_column("answer_hidden_at")
        batch_op.drop_column("hidden_by_id")
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden_at")
