"""One app per test session; every test runs in a transaction that is rolled back."""

from __future__ import annotations

import os

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from coop import create_app
from coop.extensions import db, limiter
from tests.mailcapture import Mailbox

IS_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgresql")


def fresh_database(url: str) -> None:
    """Empty the database so that migrations build it from nothing."""
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (fresh `g`, own db session), as in production,
    even though the test itself holds an app context."""

    def open(self, *args, **kwargs):
        # Read a streamed body while the request's context is still there, as a server does.
        kwargs.setdefault("buffered", True)
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


def make_test_app(url: str, mailbox: Mailbox, **overrides):
    fresh_database(url)
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_SERVER": mailbox.host,
            "MAIL_PORT": mailbox.port,
            **overrides,
        },
    )
    with app.app_context():
        upgrade(revision="heads")  # every branch; a merge migration joins them
    return app


def database_url(tmp_path_factory, name: str) -> str:
    base = os.environ.get("DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / (name + '.sqlite')}"
    url = make_url(base)
    if name == "main":
        return base
    target = f"{url.database}_{name}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target}"'))
        connection.execute(text(f'CREATE DATABASE "{target}"'))
    admin.dispose()
    return url.set(database=target).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def app(mailbox, tmp_path_factory):
    app = make_test_app(database_url(tmp_path_factory, "main"), mailbox)
    app.test_client_class = IsolatedClient
    with app.app_context():
        db.session.remove()
        db.session.configure(join_transaction_mode="create_savepoint")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture(autouse=True)
def _transaction(request, app, mailbox):
    """Bind the app to one connection in an outer transaction; roll it back afterwards."""
    if request.node.get_closest_marker("browser"):
        yield
        return
    with app.app_context():
        engines = db._app_engines[app]
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        engines[None] = connection
        counter = QueryCounter()
        event.listen(connection, "before_cursor_execute", counter)
        request.node.query_counter = counter
        try:
            yield connection
        finally:
            event.remove(connection, "before_cursor_execute", counter)
            db.session.remove()
            engines[None] = engine
            outer.rollback()
            connection.close()
    mailbox.clear()
    with app.app_context():
        limiter.reset()


@pytest.fixture
def connection(_transaction):
    """The connection the test (and its requests) run on."""
    return _transaction


@pytest.fixture
def queries(request):
    """Count SQL statements sent while the test runs: `queries.count`."""
    return request.node.query_counter


# Tables whose rows the migrations put there (reference data), kept by `committed`.
SEEDED_TABLES = {"alembic_version", "knowledge_themes"}


@pytest.fixture
def committed(app):
    """An engine for data committed for real, outside the test's rolled-back transaction
    (concurrency tests); afterwards every table but the seeded ones is emptied."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    with engine.begin() as connection:
        tables = ", ".join(t.name for t in db.metadata.sorted_tables if t.name not in SEEDED_TABLES)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """Log a user in on the test client without the log-in form."""

    def _login(user, target=None):
        target = target or client
        with target.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return target

    return _login


@pytest.fixture
def csrf(app):
    """Turn CSRF protection on for one test."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False
