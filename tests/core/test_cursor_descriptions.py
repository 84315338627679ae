"""psycopg cursors of the app make ``cursor.description`` when it is read: the same columns
as psycopg's own, and None where psycopg says None."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from coop.db import lazy_column_descriptions
from coop.extensions import db
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES, reason="a psycopg cursor's description; SQLite has its own driver"
)


@pytest.fixture
def engines(app):
    """A plain engine and one with lazy descriptions, on the test database."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    plain, lazy = create_engine(url), create_engine(url)
    lazy_column_descriptions(lazy)
    yield plain, lazy
    plain.dispose()
    lazy.dispose()


def _describe(engine, statement):
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute(statement)
        description = cursor.description
        return type(cursor).__name__, None if description is None else [
            tuple(c) for c in description
        ]


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT 1 AS a, 'x'::varchar(5) AS b, now() AS c, NULL::numeric(10, 2) AS d",
        "SELECT",  # no columns, but rows
        "SELECT 1 WHERE false",  # columns, no rows
        "SET search_path TO public",  # no rows at all
        "CREATE TEMPORARY TABLE t (n int)",
    ],
)
def test_the_same_description_as_psycopg(engines, statement):
    plain, lazy = engines
    assert _describe(lazy, statement)[0] == "LazyDescriptionCursor"
    assert _describe(lazy, statement)[1] == _describe(plain, statement)[1]


def test_a_description_read_late_describes_its_own_statement(engines):
    _, lazy = engines
    with lazy.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute("SELECT 1 AS first_one")
        first = cursor.description
        cursor.execute("SELECT 2 AS second_one, 3 AS third_one")
        assert [c.name for c in first] == ["first_one"]
        assert len(cursor.description) == 2
        assert cursor.fetchall() == [(2, 3)]


def test_the_app_reads_rows_by_name_through_it(app):
    # A statement SQLAlchemy has not seen before reads the names from the description.
    row = db.session.execute(text("SELECT 7 AS seven, 'acht' AS eight")).mappings().one()
    assert dict(row) == {"seven": 7, "eight": "acht"}
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    assert type(cursor).__name__ == "LazyDescriptionCursor"
