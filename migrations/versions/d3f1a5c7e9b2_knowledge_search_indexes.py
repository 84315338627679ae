"""knowledge: faster search and filtered lists (FTS5 prefix indexes, a narrow index for the
visibility check on SQLite, an index for the list filtered on neighbourhood and kind)

Revision ID: d3f1a5c7e9b2
Revises: b07a1c3e5d9f
Create Date: 2026-11-23 17:05:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d3f1a5c7e9b2"
down_revision = "b07a1c3e5d9f"
branch_labels = None
depends_on = None

FTS_COLUMNS = "title, body, tokenize = 'unicode61 remove_diacritics 2'"
# coop/knowledge/search.py: every search word is a prefix query ('betal*'). Without a
# prefix index FTS5 merges the lists of every word that starts with it (for 'buurt*':
# buurt, buurthuis, buurtmaaltijd … each in thousands of items) before it can hand out the
# first match; with one for the prefix's length it reads a single list. Stems are 3 to 8
# letters long in most searches.
FTS_PREFIXES = "3 4 5 6 7 8"


def _fill_fts():
    op.execute(
        "INSERT INTO knowledge_fts (rowid, title, body) "
        "SELECT id, title, search_text FROM knowledge_items"
    )
    op.execute("INSERT INTO knowledge_fts(knowledge_fts) VALUES ('optimize')")


def upgrade():
    with op.batch_alter_table("knowledge_items", schema=None) as batch_op:
        # The filtered list: neighbourhood and kind, then what the visibility rule reads.
        batch_op.create_index(
            "ix_knowledge_items_wijk_kind",
            [
                "wijk",
                "kind",
                "status",
                "visibility",
                "hidden_at",
                "author_id",
                "cooperative_id",
            ],
            unique=False,
        )

    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE knowledge_fts")
        op.execute(
            f"CREATE VIRTUAL TABLE knowledge_fts USING fts5({FTS_COLUMNS}, "
            f"prefix = '{FTS_PREFIXES}')"
        )
        _fill_fts()
        # What the visibility rule reads, so that checking the matches of a search reads
        # this index instead of the items' long rows (the models do not describe it:
        # coop.db.UNMODELLED_INDEXES).
        op.execute(
            "CREATE INDEX ix_knowledge_items_visibility ON knowledge_items "
            "(id, status, visibility, hidden_at, author_id, cooperative_id)"
        )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_knowledge_items_visibility")
        op.execute("DROP TABLE knowledge_fts")
        op.execute(f"CREATE VIRTUAL TABLE knowledge_fts USING fts5({FTS_COLUMNS})")
        _fill_fts()

    with op.batch_alter_table("knowledge_items", schema=None) as batch_op:
        batch_op.drop_index("ix_knowledge_items_wijk_kind")
