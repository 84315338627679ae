"""Secret ballots: the database holds no link from a ballot to a member."""

from __future__ import annotations

from sqlalchemy import inspect

from coop.assemblies.models import Ballot, Choice, Vote


def test_ballot_table_has_no_column_pointing_to_a_member_or_a_vote(connection):
    inspector = inspect(connection)
    columns = {c["name"]: c for c in inspector.get_columns("ballots")}
    assert set(columns) == {"id", "motion_id", "choice", "candidate_id", "weight", "receipt"}
    foreign = inspector.get_foreign_keys("ballots")
    # the motion, and in an election the candidate voted for: never the voter or the vote
    assert sorted(fk["referred_table"] for fk in foreign) == ["candidates", "motions"]
    # no timestamp, no member, no vote, no sequence
    assert not any(
        word in name
        for name in columns
        for word in ("member", "vote", "user", "_at", "created", "seq", "by", "proxy")
    )
    # the key is a random UUID (text), not an autoincrementing integer
    assert str(columns["id"]["type"]).upper().startswith(("VARCHAR", "CHAR", "TEXT"))
    assert inspector.get_pk_constraint("ballots")["constrained_columns"] == ["id"]


def test_votes_hold_one_row_per_member_per_motion(connection):
    unique = inspect(connection).get_unique_constraints("votes")
    assert any(set(u["column_names"]) == {"motion_id", "membership_id"} for u in unique)
    # and the vote row does not point to its ballot
    assert "ballot_id" not in {c["name"] for c in inspect(connection).get_columns("votes")}


def test_models_agree():
    targets = {fk.column.table.name for fk in Ballot.__table__.foreign_keys}
    assert targets == {"motions", "candidates"}
    assert "choice" in Vote.__table__.c  # filled for open ballots only


def test_sqlite_keeps_no_hidden_insertion_order_for_ballots(connection):
    if connection.dialect.name != "sqlite":
        return
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ballots'"
    ).scalar()
    assert "WITHOUT ROWID" in sql.upper()


def test_the_migration_removes_instructions_on_secret_votes(connection):
    """Instructions stored before the rule for a secret vote would tie a grantor to a
    choice; the migration removes them and keeps those on open votes."""
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import select

    from coop.assemblies.models import MotionStatus, ProxyInstruction
    from coop.extensions import db
    from tests.factories import MotionFactory, ProxyFactory

    proxy = ProxyFactory()
    item = MotionFactory(agenda_item__assembly=proxy.assembly).agenda_item
    open_vote = MotionFactory(agenda_item=item, status=MotionStatus.OPEN)
    secret_vote = MotionFactory(agenda_item=item, status=MotionStatus.OPEN, secret=True)
    for motion in (open_vote, secret_vote):
        db.session.add(ProxyInstruction(proxy_id=proxy.id, motion_id=motion.id, choice=Choice.FOR))
    db.session.flush()
    path = next(Path("migrations/versions").glob("a1f4e8c2b6d0_*.py"))
    spec = importlib.util.spec_from_file_location("secret_instructions", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(connection)):
        migration.upgrade()
    db.session.expire_all()
    assert db.session.scalars(select(ProxyInstruction.motion_id)).all() == [open_vote.id]
