"""Simultaneous votes and proxies on PostgreSQL: one vote per member, the proxy limit holds."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from coop.accounts.models import User
from coop.assemblies import services
from coop.assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyStatus,
    Attendance,
    Ballot,
    Choice,
    ItemKind,
    Motion,
    MotionStatus,
    Proxy,
    ProxyStatus,
    Vote,
)
from coop.core.models import Cooperative
from coop.db import today, utcnow
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import MemberKind, Membership
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES,
    reason="needs concurrent writers; SQLite serialises every write, so there is no race to test",
)


def _setup(engine, members: int):
    """A cooperative with members, an assembly in session and an open motion; the first
    member is checked in. Returns (assembly_id, motion_id, [membership ids])."""
    with Session(engine) as session:
        coop = Cooperative(slug="race", name="Race", seat="Utrecht")
        session.add(coop)
        session.flush()
        ids = []
        for i in range(members):
            user = User(email=f"race{i}@example.test", name=f"Lid {i}", password_hash="x")
            session.add(user)
            session.flush()
            member = Membership(
                cooperative_id=coop.id,
                user_id=user.id,
                kind=MemberKind.BEWONER,
                number=i + 1,
                name=f"Lid {i}",
                admitted_on=today(),
            )
            session.add(member)
            session.flush()
            ids.append(member.id)
        assembly = Assembly(
            cooperative_id=coop.id,
            title="ALV",
            starts_at=utcnow(),
            status=AssemblyStatus.IN_SESSION,
        )
        session.add(assembly)
        session.flush()
        item = AgendaItem(
            assembly_id=assembly.id, position=1, title="Besluit", kind=ItemKind.DECISION
        )
        session.add(item)
        session.flush()
        motion = Motion(
            assembly_id=assembly.id,
            agenda_item_id=item.id,
            title="Voorstel",
            status=MotionStatus.OPEN,
        )
        session.add(motion)
        session.add(Attendance(assembly_id=assembly.id, membership_id=ids[0]))
        session.commit()
        return assembly.id, motion.id, ids


def _race(app, committed, count, work):
    engines = db._app_engines[app]
    test_connection = engines[None]
    engines[None] = committed  # threads get their own connections
    barrier = threading.Barrier(count)
    outcomes, errors = [], []

    def run(i):
        try:
            with app.app_context():
                barrier.wait(timeout=20)
                outcomes.append(work(i))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        engines[None] = test_connection
    return outcomes, errors


def test_fifty_simultaneous_votes_by_one_member_count_once(app, committed):
    assembly_id, motion_id, ids = _setup(committed, 2)

    def vote(i):
        motion = db.session.get(Motion, motion_id)
        voter = db.session.get(Membership, ids[0])
        try:
            receipt = services.cast_vote(
                motion, voter=voter, choice=Choice.FOR if i % 2 else Choice.AGAINST
            )
        except DomainError:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return receipt

    outcomes, errors = _race(app, committed, 50, vote)
    assert errors == []
    assert outcomes.count("refused") == 49
    with Session(committed) as session:
        assert session.scalar(select(func.count(Vote.id))) == 1
        assert session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_simultaneous_proxies_never_exceed_the_limit(app, committed):
    assembly_id, motion_id, ids = _setup(committed, 12)
    holder_number = 2  # member ids[1], not checked in

    def grant(i):
        assembly = db.session.get(Assembly, assembly_id)
        grantor = db.session.get(Membership, ids[2 + i])
        try:
            services.grant_proxy(assembly, grantor, holder_number=holder_number, by=grantor)
        except DomainError:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return "granted"

    outcomes, errors = _race(app, committed, 10, grant)
    assert errors == []
    assert outcomes.count("granted") == 1
    with Session(committed) as session:
        active = session.scalar(
            select(func.count(Proxy.id)).where(Proxy.status == ProxyStatus.ACTIVE)
        )
    assert active == 1


def test_no_vote_slips_in_after_the_close(app, committed):
    assembly_id, motion_id, ids = _setup(committed, 1)

    def work(i):
        motion = db.session.get(Motion, motion_id)
        if i == 0:
            result = services.close_vote(motion, by=None)
            db.session.commit()
            return ("closed", result.online_count)
        voter = db.session.get(Membership, ids[0])
        try:
            services.cast_vote(motion, voter=voter, choice=Choice.FOR)
        except DomainError:
            db.session.rollback()
            return ("refused", None)
        db.session.commit()
        return ("voted", None)

    outcomes, errors = _race(app, committed, 2, work)
    assert errors == []
    closed = next(o for o in outcomes if o[0] == "closed")
    voted = any(o[0] == "voted" for o in outcomes)
    # the tally holds exactly the votes that were accepted
    assert closed[1] == (1 if voted else 0)


def test_many_votes_racing_the_close_are_all_counted_or_all_refused(app, committed):
    voters = 16
    assembly_id, motion_id, ids = _setup(committed, voters)
    with Session(committed) as session:
        session.execute(
            insert(Attendance),
            [{"assembly_id": assembly_id, "membership_id": m} for m in ids[1:]],
        )
        session.commit()

    def work(i):
        motion = db.session.get(Motion, motion_id)
        if i == voters:
            result = services.close_vote(motion, by=None)
            db.session.commit()
            return ("closed", result.online_count)
        voter = db.session.get(Membership, ids[i])
        try:
            services.cast_vote(motion, voter=voter, choice=Choice.FOR)
        except DomainError:
            db.session.rollback()
            return ("refused", None)
        db.session.commit()
        return ("voted", None)

    outcomes, errors = _race(app, committed, voters + 1, work)
    assert errors == []
    closed = next(o for o in outcomes if o[0] == "closed")
    voted = sum(1 for o in outcomes if o[0] == "voted")
    # every accepted vote is in the tally, and nothing was written after it
    assert closed[1] == voted
    with Session(committed) as session:
        assert session.scalar(select(func.count(Vote.id))) == voted
        assert session.scalar(select(func.count()).select_from(Ballot)) == voted


def test_paper_totals_and_an_online_vote_never_count_one_member_twice(app, committed):
    """A member at the door votes online while the chair saves the paper totals: the
    chair's count waits for that vote and then leaves no room for it on paper."""
    assembly_id, motion_id, ids = _setup(committed, 1)  # one member, checked in at the door

    def work(i):
        motion = db.session.get(Motion, motion_id)
        try:
            if i == 0:
                time.sleep(0.2)  # the vote below is written, not yet committed
                services.set_paper_votes(motion, for_=1, against=0, abstain=0, by=None)
            else:
                voter = db.session.get(Membership, ids[0])
                services.cast_vote(motion, voter=voter, choice=Choice.FOR)
                time.sleep(0.6)
        except DomainError:
            db.session.rollback()
            return (i, "refused")
        db.session.commit()
        return (i, "saved")

    outcomes, errors = _race(app, committed, 2, work)
    assert errors == []
    assert sorted(outcomes) == [(0, "refused"), (1, "saved")]
    with Session(committed) as session:
        assert session.scalar(select(func.count(Vote.id))) == 1
        motion = session.get(Motion, motion_id)
        assert motion.paper_total == 0
