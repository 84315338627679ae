"""Pooled connections to PostgreSQL: one that lay idle is checked (and replaced when the
server closed it) before use; one in constant use is not asked at every request."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from coop.db import ping_idle_connections
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES,
    reason="SQLite is a file: there is no server connection that can be closed under us",
)


@pytest.fixture
def pool(app):
    """An engine of its own (one pooled connection) and a way to close its connection on
    the server side, as a restart or an idle timeout would."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1)
    admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")

    def backend() -> int:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT pg_backend_pid()"))

    def close_on_server(pid: int) -> None:
        with admin.connect() as connection:
            assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            while connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ):
                time.sleep(0.01)

    yield engine, backend, close_on_server
    engine.dispose()
    admin.dispose()


def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(pool):
    engine, backend, close_on_server = pool
    ping_idle_connections(engine, after_seconds=0.05)
    first = backend()
    close_on_server(first)
    time.sleep(0.1)  # longer idle than after_seconds: checked at checkout

    second = backend()  # no error: the pool saw the closed connection and made a new one

    assert second != first
    assert backend() == second  # and keeps using the new one


def test_a_connection_in_use_is_not_asked_before_every_request(pool):
    engine, backend, close_on_server = pool
    ping_idle_connections(engine, after_seconds=60)
    first = backend()
    close_on_server(first)

    # Not idle long enough to be checked: the statement itself finds the connection gone ...
    with pytest.raises(OperationalError):
        backend()
    # ... and SQLAlchemy replaces the pool's connections, so the next request works.
    assert backend() != first
