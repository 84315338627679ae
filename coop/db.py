"""Declarative base with a naming convention, shared column types and helpers."""

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None:
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def today():
    """Today's date where the cooperatives are (Europe/Amsterdam)."""
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Amsterdam")).date()


# Database objects that the models do not describe, made by migrations by hand: the
# knowledge network's full-text search (the FTS5 table ``knowledge_fts`` and its shadow
# tables on SQLite; the table ``knowledge_search``, its index and the trigger that fills it
# on PostgreSQL). Autogenerate and the models-match-migrations test leave them alone.
UNMODELLED_TABLE_PREFIXES = ("knowledge_fts", "knowledge_search")
UNMODELLED_INDEXES = {
    "ix_knowledge_search_vector",
    "ix_knowledge_items_listed",
    "ix_knowledge_items_visibility",  # SQLite only
}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "table" and name and name.startswith(UNMODELLED_TABLE_PREFIXES):
        return False
    return not (type_ == "index" and name in UNMODELLED_INDEXES)


def ping_idle_connections(engine: Engine, after_seconds: float) -> None:
    """Check a pooled connection before it is used when it lay unused in the pool for
    ``after_seconds`` or longer (a restart of the database or an idle timeout may have
    closed it meanwhile); a broken one is replaced before any statement runs on it.

    Connections in constant use are not asked: SQLAlchemy's ``pool_pre_ping`` asks on
    every checkout, a round trip and about 0.25 ms of CPU for every request (a tenth of a
    vote's). A connection that breaks while in use fails its statement, and SQLAlchemy then
    replaces every connection of the pool. ``after_seconds=0`` asks before every use.
    SQLite has no server connection to lose: nothing to do."""
    if engine.dialect.name == "sqlite":
        return
    dialect = engine.dialect

    def idle_from(dbapi_connection, record) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    def check(dbapi_connection, record, proxy) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < after_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            # The pool throws this connection away and checks out another.
            raise DisconnectionError(str(error)) from error

    event.listen(engine.pool, "checkin", idle_from)
    event.listen(engine.pool, "checkout", check)


class _Description(Sequence):
    """A psycopg ``cursor.description`` that makes its ``Column`` objects when first read.

    SQLAlchemy reads ``cursor.description`` after every statement, but uses the columns
    only for a statement it has not run before (it keeps what it learned with the compiled
    statement). psycopg makes a ``Column`` per column on every read, some microseconds
    each: about 40 per vote, for nothing."""

    __slots__ = ("_columns", "_cursor", "_result")

    def __init__(self, cursor, result):
        self._cursor, self._result, self._columns = cursor, result, None

    def _load(self) -> list:
        if self._columns is None:
            from psycopg import Column

            # A Column reads the cursor's current result: let it be the one described.
            cursor, current = self._cursor, self._cursor.pgresult
            cursor.pgresult = self._result
            try:
                self._columns = [Column(cursor, i) for i in range(self._result.nfields)]
            finally:
                cursor.pgresult = current
        return self._columns

    def __len__(self) -> int:
        return self._result.nfields

    def __getitem__(self, index):
        return self._load()[index]

    def __repr__(self) -> str:
        return repr(self._load())


@cache
def _lazy_description_cursor():
    import psycopg
    from psycopg.pq import ExecStatus

    rows = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)

    class LazyDescriptionCursor(psycopg.Cursor):
        @property
        def description(self):
            # As psycopg's: None unless the statement returned rows (or said it would).
            result = self.pgresult
            if result and (result.nfields or result.status in rows):
                return _Description(self, result)
            return None

    return LazyDescriptionCursor


def lazy_column_descriptions(engine: Engine) -> None:
    """Connections of ``engine`` make cursors whose ``description`` is made when read
    (``_Description``); only for psycopg's plain cursors, nothing for other drivers."""
    if engine.dialect.driver != "psycopg":
        return

    import psycopg

    @event.listens_for(engine, "connect")
    def use_lazy_descriptions(dbapi_connection, record) -> None:
        if dbapi_connection.cursor_factory is psycopg.Cursor:  # not one chosen by the URL
            dbapi_connection.cursor_factory = _lazy_description_cursor()
