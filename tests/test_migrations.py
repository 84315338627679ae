"""The migrations build the schema the models describe (on SQLite and PostgreSQL)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from coop.db import include_object
from coop.extensions import db


# SQLite cannot reflect the expression index for the newest-first knowledge list; it is
# one of the objects the models leave to the migrations (coop.db.UNMODELLED_INDEXES).
@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index ix_knowledge_items_listed"
)
def test_models_and_migrations_agree(connection):
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "render_as_batch": True, "include_object": include_object},
    )
    differences = compare_metadata(context, db.metadata)
    assert differences == [], f"run `flask db migrate`: {differences}"


def test_schema_was_built_by_migrations(connection):
    tables = set(inspect(connection).get_table_names())
    assert "alembic_version" in tables
    assert {"cooperatives", "users", "memberships", "audit_events"} <= tables


def test_the_migrations_have_one_head(app):
    """`flask db upgrade` (to "head") needs one head; branches end in a merge migration."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    with app.app_context():
        config = current_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several heads, add a merge migration: {heads}"
