"""The general assembly.

- ``tally_100k_ms``: median time to close a motion that holds 100,000 ballots (open
  ballot, 100,000 vote rows): the status lock, the count by choice, the turnout, the
  stored result with its outcome text in both languages and the audit event. Each run
  is rolled back, so every run closes the same open motion.

Runs against the shared installation (``bench.common.installation()``); the ballots and
votes go to the first generated cooperative's assembly (vote rows point at members across
the installation: the database checks one vote per member per motion, not the tenant).
"""

from __future__ import annotations

import random
import time
import uuid

from bench.common import installation, median_ms, note, report

BALLOTS = 100_000
RUNS, WARMUP = 15, 2
CHUNK = 10_000


def _motion_with_ballots(app) -> int:
    from sqlalchemy import insert, select

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
    from coop.assemblies.services import new_receipt
    from coop.core.models import Cooperative
    from coop.db import utcnow
    from coop.extensions import db
    from coop.members.models import Membership

    with app.app_context():
        start = time.perf_counter()
        cooperative = db.session.scalar(select(Cooperative).order_by(Cooperative.id).limit(1))
        assembly = Assembly(
            cooperative_id=cooperative.id,
            title="Bench ALV",
            starts_at=utcnow(),
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
        member_ids = db.session.scalars(
            select(Membership.id).order_by(Membership.id).limit(BALLOTS)
        ).all()
        rng = random.Random(5)
        choices = [Choice.FOR, Choice.FOR, Choice.AGAINST, Choice.ABSTAIN]
        for offset in range(0, BALLOTS, CHUNK):
            db.session.execute(
                insert(Ballot),
                [
                    {
                        "id": uuid.uuid4().hex,
                        "motion_id": motion.id,
                        "choice": rng.choice(choices),
                        "weight": 1,
                        "receipt": new_receipt(),
                    }
                    for _ in range(offset, min(offset + CHUNK, BALLOTS))
                ],
            )
        for offset in range(0, len(member_ids), CHUNK):
            db.session.execute(
                insert(Vote),
                [
                    {"motion_id": motion.id, "membership_id": m, "cast_by_id": m}
                    for m in member_ids[offset : offset + CHUNK]
                ],
            )
        db.session.commit()
        note(
            f"{BALLOTS} ballots and {len(member_ids)} votes written in "
            f"{time.perf_counter() - start:.1f} s"
        )
        motion_id = motion.id
        db.session.remove()
    return motion_id


def tally_100k() -> None:
    from coop.assemblies import services
    from coop.assemblies.models import Motion
    from coop.extensions import db

    app = installation().app
    motion_id = _motion_with_ballots(app)

    with app.app_context(), app.test_request_context():

        def close_once():
            motion = db.session.get(Motion, motion_id)
            result = services.close_vote(motion, by=None)
            db.session.flush()
            assert result.cast + result.abstain_count >= BALLOTS
            db.session.rollback()

        report("tally_100k_ms", median_ms(close_once, runs=RUNS, warmup=WARMUP), "ms")
        db.session.remove()


if __name__ == "__main__":
    tally_100k()


def vote_burst() -> None:
    """``vote_burst_*`` and ``vote_vs_bare_insert_ratio``: see bench/assemblies_burst.py
    (gunicorn on 127.0.0.1 and a separate load process, on its own database)."""
    from bench import assemblies_burst

    assemblies_burst.vote_burst()
