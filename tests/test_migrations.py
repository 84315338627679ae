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


def test_notices_recorded_before_mailed_at_count_as_mailed_unless_failed(mailbox, tmp_path_factory):
    """f1c3e5a7b9d2: an older notice without a failure was taken as sent (the invitations
    page said so), and stays so; a failed one, or one given on paper, is not mailed."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from tests.conftest import database_url, make_test_app
    from tests.factories import AssemblyFactory, MembershipFactory

    app = make_test_app(database_url(tmp_path_factory, "notices_migration"), mailbox)
    with app.app_context():
        downgrade(revision="e9b1d3f5a7c6")
        assembly = AssemblyFactory()
        members = [MembershipFactory(cooperative=assembly.cooperative) for _ in range(3)]
        db.session.commit()
        sent = "2026-11-01 10:00:00+00:00"
        rows = [(None, None, None), (sent, "refused", None), (None, "refused", sent)]
        for member, (failed_at, failure, on_paper_at) in zip(members, rows, strict=True):
            db.session.execute(
                text(
                    "INSERT INTO assembly_notices (assembly_id, membership_id, email, subject, "
                    "agenda, sent_at, failed_at, failure, on_paper_at) VALUES (:assembly, "
                    ":member, 'a@example.test', 'Uitnodiging', '[]', :sent, :failed_at, "
                    ":failure, :on_paper_at)"
                ),
                {
                    "assembly": assembly.id,
                    "member": member.id,
                    "sent": sent,
                    "failed_at": failed_at,
                    "failure": failure,
                    "on_paper_at": on_paper_at,
                },
            )
        db.session.commit()
        ids = [member.id for member in members]
        db.session.remove()
        upgrade(revision="heads")
        mailed = db.session.execute(
            text(
                "SELECT membership_id, mailed_at IS NOT NULL FROM assembly_notices "
                "ORDER BY membership_id"
            )
        ).all()
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in mailed] == [(ids[0], True), (ids[1], False), (ids[2], False)]
