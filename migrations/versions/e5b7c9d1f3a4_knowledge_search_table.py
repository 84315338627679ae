"""knowledge: on PostgreSQL, a narrow search table (the search vector and what the filters
and the visibility rule read), kept by a trigger; the items lose their generated column

Revision ID: e5b7c9d1f3a4
Revises: d3f1a5c7e9b2
Create Date: 2026-11-23 19:50:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e5b7c9d1f3a4"
down_revision = "d3f1a5c7e9b2"
branch_labels = None
depends_on = None

# Why (coop/knowledge/search.py): a search reads every match's row to check who may see
# it. An item's row is about 1.5 KB, and the visibility columns come after its long texts;
# here a row is about 300 bytes with those columns first, so the matches of a word sit in
# half the blocks and are checked sooner.
VECTOR = (
    "setweight(to_tsvector('coop_dutch'::regconfig, coalesce(NEW.title, '')), 'A') || "
    "setweight(to_tsvector('coop_dutch'::regconfig, coalesce(NEW.search_text, '')), 'B')"
)
COLUMNS = (
    "status, visibility, hidden_at, author_id, cooperative_id, kind, wijk, target_group"
)
# The columns whose change the trigger copies (an update of other columns leaves the row).
WATCHED = f"title, search_text, {COLUMNS}"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite searches its FTS5 table (knowledge_fts)
    op.execute(
        "CREATE TABLE knowledge_search ("
        " id integer PRIMARY KEY"
        "  REFERENCES knowledge_items (id) ON DELETE CASCADE,"
        " status varchar(20) NOT NULL,"
        " visibility varchar(20) NOT NULL,"
        " hidden_at timestamp with time zone,"
        " author_id integer NOT NULL,"
        " cooperative_id integer NOT NULL,"
        " kind varchar(20) NOT NULL,"
        " wijk varchar(100) NOT NULL,"
        " target_group varchar(20),"
        " vector tsvector NOT NULL"
        ")"
    )
    new_values = ", ".join(f"NEW.{column.strip()}" for column in COLUMNS.split(","))
    updates = ", ".join(f"{c.strip()} = EXCLUDED.{c.strip()}" for c in COLUMNS.split(","))
    op.execute(
        "CREATE FUNCTION knowledge_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN "
        f" INSERT INTO knowledge_search (id, {COLUMNS}, vector)"
        f" VALUES (NEW.id, {new_values}, {VECTOR})"
        f" ON CONFLICT (id) DO UPDATE SET {updates}, vector = EXCLUDED.vector;"
        " RETURN NULL; "
        "END $$"
    )
    op.execute(
        f"CREATE TRIGGER knowledge_search_sync AFTER INSERT OR UPDATE OF {WATCHED} "
        "ON knowledge_items FOR EACH ROW EXECUTE FUNCTION knowledge_search_sync()"
    )
    op.execute(
        f"INSERT INTO knowledge_search (id, {COLUMNS}, vector) "
        f"SELECT id, {COLUMNS}, search_vector FROM knowledge_items"
    )
    op.execute("CREATE INDEX ix_knowledge_search_vector ON knowledge_search USING gin (vector)")
    op.execute("DROP INDEX ix_knowledge_items_search_vector")
    op.execute("ALTER TABLE knowledge_items DROP COLUMN search_vector")
    op.execute("ANALYZE knowledge_search")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER knowledge_search_sync ON knowledge_items")
    op.execute("DROP FUNCTION knowledge_search_sync()")
    op.execute("DROP TABLE knowledge_search")
    op.execute(
        "ALTER TABLE knowledge_items ADD COLUMN search_vector tsvector "
        "GENERATED ALWAYS AS ("
        "setweight(to_tsvector('coop_dutch'::regconfig, coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('coop_dutch'::regconfig, coalesce(search_text, '')), 'B')"
        ") STORED"
    )
    op.execute(
        "CREATE INDEX ix_knowledge_items_search_vector ON knowledge_items "
        "USING gin (search_vector)"
    )
