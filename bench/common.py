"""Shared pieces of the benchmarks: the installation under test, timing and reporting.

The installation is built once per run (``installation()``): an app from
``create_app("testing", …)`` on a fresh database, with the schema from the migrations
and generated data (``coop.core.generate``). SQLite under ``bench/.data/`` by default;
when ``DATABASE_URL`` is set (PostgreSQL), its ``public`` schema is dropped and created
again first. ``bench/.data/`` is removed and recreated at the start of every run.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from flask import Flask

DATA = Path(__file__).resolve().parent / ".data"

GENERATED_COOPERATIVES = 3
GENERATED_MEMBERS = 100_000


def report(name: str, value: float, unit: str, digits: int = 2) -> None:
    """Print one figure: ``BENCH <name> <value> <unit>``."""
    print(f"BENCH {name} {value:.{digits}f} {unit}", flush=True)


def note(message: str) -> None:
    """Progress for the person watching; stderr, so stdout holds only BENCH lines."""
    print(f"# {message}", file=sys.stderr, flush=True)


def median_ms(
    fn: Callable[..., object],
    runs: int = 30,
    warmup: int = 3,
    *,
    setup: Callable[[], object] | None = None,
) -> float:
    """Median wall time of ``fn()`` in milliseconds, after ``warmup`` untimed calls.

    With ``setup``, every call is ``fn(setup())`` and only ``fn`` is timed (for example a
    fresh test client per run).
    """

    def once() -> float:
        args = () if setup is None else (setup(),)
        start = time.perf_counter()
        fn(*args)
        return time.perf_counter() - start

    for _ in range(warmup):
        once()
    return statistics.median(once() for _ in range(runs)) * 1000


def database_url() -> str:
    """The database to benchmark against, emptied: PostgreSQL from DATABASE_URL or SQLite."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{DATA / 'bench.sqlite'}"
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def make_app(url: str, *, migrate: bool = True) -> Flask:
    """An app on ``url`` with the migrated schema (``migrate=False``: already there); mail
    goes to files under bench/.data/."""
    from flask_migrate import upgrade

    from coop import create_app

    outbox = DATA / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "MAIL_BACKEND": "console",
            "MAIL_OUTBOX": str(outbox),
        },
    )
    add_bench_routes(app)
    if migrate:
        with app.app_context():
            upgrade(revision="heads")  # every branch; a merge migration joins them
    return app


def add_bench_routes(app: Flask) -> None:
    """Routes that exist only on the bench's app, added before its first request.

    ``/bench/hello`` is the floor: the same app, extensions and hooks, no database, no
    template.
    """
    from coop.access import public

    @app.get("/bench/hello")
    @public
    def bench_hello():
        return "ok"


@dataclass
class Installation:
    app: Flask
    url: str
    generate_seconds: float
    members: int
    slugs: list[str] = field(default_factory=list)


@cache
def installation() -> Installation:
    """Build (once per run) a fresh database holding the generated cooperatives and members.

    The time of ``generate(k=3, n=100_000)`` plus its commit, on the just-migrated empty
    database, is kept as ``generate_seconds``.
    """
    from coop.core.generate import generate
    from coop.extensions import db

    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    url = database_url()
    app = make_app(url)
    note(f"generating {GENERATED_MEMBERS} members into {app.config['SQLALCHEMY_DATABASE_URI']}")
    with app.app_context():
        start = time.perf_counter()
        result = generate(GENERATED_COOPERATIVES, GENERATED_MEMBERS)
        db.session.commit()
        seconds = time.perf_counter() - start
        slugs = [cooperative.slug for cooperative in result.cooperatives]
        db.session.remove()
    return Installation(
        app=app, url=url, generate_seconds=seconds, members=result.members, slugs=slugs
    )
