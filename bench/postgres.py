"""A PostgreSQL database for the benchmarks that compare both databases.

``database(name)`` yields a SQLAlchemy URL of an empty database ``<name>``: on the server of
``DATABASE_URL`` when that points at PostgreSQL, otherwise on a throwaway server started
here (``initdb`` and ``pg_ctl`` from /usr/lib/postgresql, as scripts/with-postgres.sh does;
stopped and removed afterwards). Without PostgreSQL on the machine it yields None and the
benchmark reports its SQLite figures only.

The throwaway server runs like the test server (fsync off, synchronous_commit off): it
measures the application, not this machine's disk. Its port is ``BENCH_PGPORT`` (default
55499).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench.common import note

PORT = int(os.environ.get("BENCH_PGPORT", "55499"))


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(command: str) -> None:
    if os.geteuid() == 0:
        argv = ["su", "postgres", "-s", "/bin/bash", "-c", command]
    else:
        argv = ["bash", "-c", command]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - fixed commands


@contextlib.contextmanager
def _throwaway_server() -> Iterator[str | None]:
    pg_bin = _pg_bin()
    if pg_bin is None:
        note("PostgreSQL is not installed: PostgreSQL figures are left out")
        yield None
        return
    directory = Path(tempfile.mkdtemp(prefix="coop-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data = directory / "data"
    options = (
        f"-p {PORT} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
        "-c shared_buffers=256MB"
    )
    try:
        _as_postgres(f"{pg_bin}/initdb -D {data} -U postgres -A trust -E UTF8 --locale=C.UTF-8")
        _as_postgres(f"{pg_bin}/pg_ctl -D {data} -l {directory}/log -w start -o '{options}'")
        note(f"throwaway PostgreSQL server on 127.0.0.1:{PORT}")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{PORT}/postgres"
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            _as_postgres(f"{pg_bin}/pg_ctl -D {data} -m fast -w stop")
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def server() -> Iterator[str | None]:
    """The URL of a PostgreSQL server's maintenance database (or None)."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgresql"):
        from sqlalchemy.engine import make_url

        yield make_url(base).set(database="postgres").render_as_string(hide_password=False)
        return
    with _throwaway_server() as url:
        yield url


def fresh_database(server_url: str, name: str) -> str:
    """Create (again) the empty database ``name`` on the server; return its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)
