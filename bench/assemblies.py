"""The general assembly: closing a vote with 100,000 ballots, on PostgreSQL and SQLite.

Names: a figure without a database in its name is PostgreSQL's; the SQLite figure has
``_sqlite`` before its unit (as in bench/assemblies_burst.py).

- ``tally_100k_ms`` / ``tally_100k_sqlite_ms``: median time to close a motion that holds
  100,000 ballots (open ballot, 100,000 vote rows, 100,000 members): the status lock, the
  count (one statement: per choice a ``count(*)`` over the covering index of the ballots
  and the lowest and highest weight, and the turnout, whose 100,000 members with voting
  rights are counted from the (cooperative, status) index), the stored result with its
  outcome text in both languages and the audit event.
- ``ballot_shuffle_100k_ms`` / ``ballot_shuffle_100k_sqlite_ms``: median time of the other
  part of the close, writing the 100,000 ballots again in a random order with new keys
  (``services.shuffle_ballots``, so that no physical order links them to the voters). On
  PostgreSQL the ballots table is vacuumed (untimed) before each run, so that no run pays
  for the dead rows of the one before it, which was rolled back.

Each run is rolled back, so every run closes the same open motion. The data is written to a
database of its own (``coop_tally`` on the PostgreSQL server, bench/postgres.py;
``bench/.data/tally.sqlite``), then VACUUM ANALYZE (PostgreSQL) or ANALYZE (SQLite), as the
database's own maintenance would have done during a vote of that size.

On PostgreSQL the data and the maintenance are committed with ``synchronous_commit`` on, as
in production (the bench's server has it off). VACUUM marks a page all-visible only once it
may set the hint bit "inserter committed" on its rows, and it may not while the commit log
of the inserting transaction's group (32 transaction ids) holds an asynchronous commit not
yet on disk, such as that of the ANALYZE of the table before. The members and users would
then stay not all-visible, their index-only scans visiting the heap, where the maintenance
of a real server would have left them all-visible.
"""

from __future__ import annotations

import time
from datetime import date

from bench.common import DATA, make_app, median_ms, note, report

BALLOTS = 100_000
RUNS, WARMUP = 15, 2
SHUFFLE_RUNS, SHUFFLE_WARMUP = 3, 0


def _motion_with_ballots(app) -> int:
    """A cooperative with BALLOTS active members who all voted on one open motion (vote
    row and ballot each), written by INSERT … SELECT over a generated series."""
    from sqlalchemy import DateTime, String, case, cast, func, insert, literal, select, text

    from coop.accounts.models import User
    from coop.assemblies.models import (
        AgendaItem,
        Assembly,
        AssemblyStatus,
        Ballot,
        Choice,
        ItemKind,
        Motion,
        MotionStatus,
        Vote,
    )
    from coop.core.models import Cooperative
    from coop.db import utcnow
    from coop.extensions import db
    from coop.members.models import MemberKind, Membership, MembershipStatus

    with app.app_context():
        start = time.perf_counter()
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:  # durable at the commit, as in production (see above)
            db.session.execute(text("SET LOCAL synchronous_commit TO on"))
        cooperative = Cooperative(slug="tally", name="Tally", seat="Utrecht")
        db.session.add(cooperative)
        db.session.flush()
        now = utcnow()
        first = literal(1).label("i")
        series = select(first).cte("series", recursive=True)
        series = series.union_all(select((series.c.i + 1).label("i")).where(series.c.i < BALLOTS))
        i = series.c.i
        db.session.execute(
            insert(User).from_select(
                ["email", "name", "password_hash", "created_at"],
                select(
                    literal("tally") + cast(i, String) + literal("@bench.test"),
                    literal("Lid ") + cast(i, String),
                    literal("x"),
                    literal(now, DateTime),
                ),
            )
        )
        column = Membership.__table__.c
        db.session.execute(
            insert(Membership).from_select(
                [
                    "cooperative_id",
                    "user_id",
                    "number",
                    "kind",
                    "status",
                    "name",
                    "admitted_on",
                    "created_at",
                ],
                select(
                    literal(cooperative.id),
                    User.id,
                    User.id,
                    literal(MemberKind.BEWONER, column.kind.type),
                    literal(MembershipStatus.ACTIVE, column.status.type),
                    User.name,
                    literal(date(2020, 1, 1)),
                    literal(now, DateTime),
                ).where(User.email.like("tally%@bench.test")),
            )
        )
        assembly = Assembly(
            cooperative_id=cooperative.id,
            title="Bench ALV",
            starts_at=now,
            status=AssemblyStatus.IN_SESSION,
        )
        db.session.add(assembly)
        db.session.flush()
        item = AgendaItem(
            assembly_id=assembly.id, position=1, title="Besluit", kind=ItemKind.DECISION
        )
        db.session.add(item)
        db.session.flush()
        motion = Motion(
            assembly_id=assembly.id,
            agenda_item_id=item.id,
            title="Bench voorstel",
            status=MotionStatus.OPEN,
        )
        db.session.add(motion)
        db.session.flush()
        choice_type = Ballot.__table__.c.choice.type
        if postgres:
            key = func.md5(cast(func.random(), String) + cast(i, String))
            receipt = func.upper(func.substr(func.md5(cast(func.random(), String)), 1, 14))
        else:
            key = func.lower(func.hex(func.randomblob(16)))
            receipt = func.substr(func.hex(func.randomblob(7)), 1, 14)
        db.session.execute(
            insert(Ballot).from_select(
                ["id", "motion_id", "choice", "weight", "receipt"],
                select(
                    key,
                    literal(motion.id),
                    case(
                        (i % 4 == 2, literal(Choice.AGAINST, choice_type)),
                        (i % 4 == 3, literal(Choice.ABSTAIN, choice_type)),
                        else_=literal(Choice.FOR, choice_type),
                    ),
                    literal(1),
                    receipt,
                ),
            )
        )
        db.session.execute(
            insert(Vote).from_select(
                ["motion_id", "membership_id", "cast_by_id"],
                select(literal(motion.id), Membership.id, Membership.id).where(
                    Membership.cooperative_id == cooperative.id
                ),
            )
        )
        db.session.commit()
        motion_id = motion.id
        db.session.remove()
        if postgres:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("SET synchronous_commit TO on"))  # see above
                c.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as c:
                c.execute(text("ANALYZE"))
        note(f"{BALLOTS} members, ballots and votes written in {time.perf_counter() - start:.1f} s")
    return motion_id


def _measure(url: str, database: str = "") -> None:
    from sqlalchemy import text

    from coop.assemblies import services
    from coop.assemblies.models import Motion
    from coop.extensions import db

    app = make_app(url)
    motion_id = _motion_with_ballots(app)
    infix = f"_{database}" if database else ""

    with app.app_context(), app.test_request_context():

        def close_once():
            motion = db.session.get(Motion, motion_id)
            result = services.close_vote(motion, by=None, shuffle=False)
            db.session.flush()
            assert result.cast + result.abstain_count >= BALLOTS
            db.session.rollback()

        def shuffle_once():
            motion = db.session.get(Motion, motion_id)
            services.shuffle_ballots(motion)
            db.session.flush()
            db.session.rollback()

        def vacuum_ballots():
            """Untimed, before each shuffle on PostgreSQL: clear away the 100,000 dead rows
            (and their index entries) the previous, rolled back, run left behind, so every
            run writes into the table as the first did."""
            if db.engine.dialect.name == "postgresql":
                autocommit = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                with autocommit as connection:
                    connection.execute(text("VACUUM ballots"))

        report(f"tally_100k{infix}_ms", median_ms(close_once, runs=RUNS, warmup=WARMUP), "ms")
        report(
            f"ballot_shuffle_100k{infix}_ms",
            median_ms(
                lambda _: shuffle_once(),
                runs=SHUFFLE_RUNS,
                warmup=SHUFFLE_WARMUP,
                setup=vacuum_ballots,
            ),
            "ms",
        )
        db.session.remove()
        db.engine.dispose()


def tally_100k() -> None:
    from bench import postgres

    with postgres.server() as server:
        if server is not None:
            _measure(postgres.fresh_database(server, "coop_tally"))
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / "tally.sqlite"
    for suffix in ("", "-wal", "-shm", "-journal"):
        DATA.joinpath(path.name + suffix).unlink(missing_ok=True)
    _measure(f"sqlite:///{path}", "sqlite")


if __name__ == "__main__":
    tally_100k()


def vote_burst() -> None:
    """``vote_burst_*`` and ``vote_vs_bare_insert_ratio``: see bench/assemblies_burst.py
    (gunicorn on 127.0.0.1 and a separate load process, on its own database)."""
    from bench import assemblies_burst

    assemblies_burst.vote_burst()
