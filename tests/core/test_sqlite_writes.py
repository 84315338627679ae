"""SQLite as the embedded database: a write-ahead log, and a request that may write takes
the one write lock when its transaction begins (so it never fails half-way for a writer
that came in between)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, text

from coop.core.web import configure_sqlite


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'writes.sqlite'}")
    configure_sqlite(engine)  # as create_app does for the app's engine
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def other_writer_gets_in(path) -> bool:
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        return False
    other.execute("ROLLBACK")
    return True


def test_the_database_keeps_a_write_ahead_log(sqlite_engine):
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


@pytest.mark.parametrize(("method", "locks"), [("POST", True), ("DELETE", True), ("GET", False)])
def test_a_writing_request_takes_the_write_lock_when_it_begins(app, sqlite_engine, method, locks):
    path = sqlite_engine.url.database
    with app.test_request_context("/", method=method), sqlite_engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM t"))  # only reads so far
        assert other_writer_gets_in(path) is not locks
        connection.rollback()
    assert other_writer_gets_in(path)


def test_only_the_apps_sqlite_engines_get_these_settings(app, tmp_path):
    # Not every Engine: a transaction listener on the Engine class would make SQLAlchemy
    # dispatch events around every statement on PostgreSQL as well (its flag for that).
    from sqlalchemy.engine import Engine

    assert not Engine._has_events
    plain = create_engine(f"sqlite:///{tmp_path / 'plain.sqlite'}")
    with plain.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() != "wal"
    plain.dispose()
