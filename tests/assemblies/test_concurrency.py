"""Simultaneous votes and proxies on PostgreSQL: one vote per member, the proxy limit holds."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, insert, select, text
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


def _empty(engine) -> None:
    """Every table but the seeded ones emptied (as the ``committed`` fixture leaves them)."""
    from tests.conftest import SEEDED_TABLES

    with engine.begin() as connection:
        tables = ", ".join(t.name for t in db.metadata.sorted_tables if t.name not in SEEDED_TABLES)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _draft_with_motion(engine, members: int = 3):
    """A draft assembly (``_setup``'s, made a draft) whose motion is still to be voted on;
    returns (assembly_id, motion_id, item_id, [membership ids])."""
    assembly_id, motion_id, ids = _setup(engine, members)
    with Session(engine) as session:
        motion = session.get(Motion, motion_id)
        motion.status = MotionStatus.DRAFT
        session.get(Assembly, assembly_id).status = AssemblyStatus.DRAFT
        session.execute(Attendance.__table__.delete())  # nobody attends a draft
        session.commit()
        return assembly_id, motion_id, motion.agenda_item_id, ids


def test_a_draft_deleted_while_the_agenda_grows_leaves_nothing_behind(app, committed):
    """Deleting a draft while other board members add an item, a motion, an amendment and
    a document: each addition is either deleted with the draft or finds it gone (404);
    never an error, never a row pointing at nothing."""
    for _ in range(3):
        _delete_while_adding(app, committed)


def _delete_while_adding(app, committed):
    from coop.assemblies.models import AgendaDocument, DecisionKind
    from coop.errors import Gone

    assembly_id, motion_id, item_id, _ids = _draft_with_motion(committed)

    def work(i):
        assembly = db.session.get(Assembly, assembly_id)
        item = db.session.get(AgendaItem, item_id)
        try:
            if i == 0:
                services.delete_assembly(assembly, by=None)
            elif i == 1:
                services.add_item(
                    assembly, title="Rondvraag", description="", kind=ItemKind.DECISION, by=None
                )
            elif i == 2:
                services.add_motion(
                    assembly, item=item, title="Nog een", text="",
                    decision_kind=DecisionKind.ORDINARY, by=None,
                )  # fmt: skip
            elif i == 3:
                services.add_motion(
                    assembly, item=item, title="Minder", text="",
                    decision_kind=DecisionKind.ORDINARY,
                    parent=db.session.get(Motion, motion_id), by=None,
                )  # fmt: skip
            else:
                services.add_document(item, filename="plan.pdf", data=b"%PDF-1.4", by=None)
        except Gone:
            db.session.rollback()
            return "gone"
        db.session.commit()
        return "done"

    outcomes, errors = _race(app, committed, 5, work)
    assert errors == []
    assert len(outcomes) == 5
    with Session(committed) as session:
        for model in (Assembly, AgendaItem, Motion, AgendaDocument):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model
    _empty(committed)  # the next round starts afresh


def test_a_motion_is_removed_or_instructed_on_never_both(app, committed):
    """The board takes a motion off while a member gives a proxy with an instruction on
    it: either the motion goes and the proxy is refused at the instruction, or the proxy
    is given and the motion stays."""
    for _ in range(3):
        _remove_while_instructing(app, committed)


def _remove_while_instructing(app, committed):
    from coop.assemblies.models import ProxyInstruction

    assembly_id, motion_id, _item_id, ids = _draft_with_motion(committed, 4)
    with Session(committed) as session:  # proxies are given once convened
        session.get(Assembly, assembly_id).status = AssemblyStatus.CONVENED
        session.commit()

    def work(i):
        assembly = db.session.get(Assembly, assembly_id)
        try:
            if i == 0:
                services.remove_motion(db.session.get(Motion, motion_id), by=None)
            else:
                grantor = db.session.get(Membership, ids[2])
                services.grant_proxy(
                    assembly, grantor, holder_number=2, by=grantor,
                    instructions={motion_id: Choice.AGAINST},
                )  # fmt: skip
        except DomainError as error:
            db.session.rollback()
            return (i, "refused", error.field)
        db.session.commit()
        return (i, "done", None)

    outcomes, errors = _race(app, committed, 2, work)
    assert errors == []
    removed = (0, "done", None) in outcomes
    granted = (1, "done", None) in outcomes
    assert removed != granted, outcomes
    if removed:
        assert (1, "refused", f"instruction-{motion_id}") in outcomes
    with Session(committed) as session:
        motions = session.scalar(select(func.count(Motion.id)))
        instructions = session.scalar(select(func.count(ProxyInstruction.id)))
    assert (motions, instructions) == ((0, 0) if removed else (1, 1))
    _empty(committed)


def test_minutes_notes_never_change_once_the_vote_on_them_opened(app, committed):
    """The secretary saves notes in the minutes while the chair of the next meeting opens
    the vote on adopting them: the notes are saved before the vote opens, or refused."""
    for _ in range(4):
        _notes_while_opening(app, committed)


def _notes_while_opening(app, committed):
    from datetime import timedelta

    from coop.audit import AuditEvent

    assembly_id, motion_id, item_id, _ids = _draft_with_motion(committed)
    with Session(committed) as session:
        held = session.get(Assembly, assembly_id)
        held.status = AssemblyStatus.CLOSED
        next_one = Assembly(
            cooperative_id=held.cooperative_id,
            title="Volgende ALV",
            starts_at=held.starts_at + timedelta(days=90),
            status=AssemblyStatus.IN_SESSION,
        )
        session.add(next_one)
        session.flush()
        item = AgendaItem(
            assembly_id=next_one.id, position=1, title="Notulen", kind=ItemKind.DECISION
        )
        session.add(item)
        session.flush()
        adopt = Motion(
            assembly_id=next_one.id,
            agenda_item_id=item.id,
            title="Notulen vaststellen",
            adopts_minutes_of_id=held.id,
        )
        session.add(adopt)
        session.commit()
        adopt_id = adopt.id

    def work(i):
        try:
            if i == 0:
                services.open_vote(db.session.get(Motion, adopt_id), by=None)
            else:
                held = db.session.get(Assembly, assembly_id)
                services.update_minutes_notes(held, {item_id: "Aantekening"}, by=None)
        except DomainError:
            db.session.rollback()
            return (i, "refused")
        db.session.commit()
        return (i, "done")

    outcomes, errors = _race(app, committed, 2, work)
    assert errors == []
    assert (0, "done") in outcomes
    with Session(committed) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        note = session.get(AgendaItem, item_id).minutes_note
    if (1, "done") in outcomes:
        assert note == "Aantekening"
        assert actions.index("assembly.minutes_notes") < actions.index("motion.vote_opened")
    else:
        assert note == ""
    _empty(committed)


def test_two_board_members_inviting_newcomers_at_once_send_one_invitation_each(app, committed):
    from coop.assemblies.models import Notice

    assembly_id, _motion_id, _item_id, ids = _draft_with_motion(committed, 4)
    with Session(committed) as session:  # convened: the first two members were invited
        session.get(Assembly, assembly_id).status = AssemblyStatus.CONVENED
        session.execute(
            insert(Notice),
            [
                {"assembly_id": assembly_id, "membership_id": m, "email": "x", "subject": "x"}
                for m in ids[:2]
            ],
        )
        session.commit()

    def work(i):
        assembly = db.session.get(Assembly, assembly_id)
        sent = services.invite_missing(assembly, by=None)
        db.session.commit()
        return len(sent)

    outcomes, errors = _race(app, committed, 2, work)
    assert errors == []
    assert sorted(outcomes) == [0, 2]
    with Session(committed) as session:
        assert session.scalar(select(func.count(Notice.id))) == 4


def test_a_vote_cast_while_its_check_in_is_taken_back_is_refused(app, committed):
    """The board takes back a member's check-in at the moment that member votes: the
    vote, which read the attendance before the board's commit, inserts nothing."""
    assembly_id, motion_id, ids = _setup(committed, 1)
    locked, outcome = threading.Event(), {}

    def work(i):
        if i == 0:  # the board
            assembly = db.session.get(Assembly, assembly_id)
            member = db.session.get(Membership, ids[0])
            services.undo_check_in(assembly, member, by=member)
            locked.set()
            time.sleep(1.0)  # the vote below starts and waits for the lock
            db.session.commit()
            return
        locked.wait(10)
        motion = db.session.get(Motion, motion_id)
        voter = db.session.get(Membership, ids[0])
        try:
            services.cast_vote(motion, voter=voter, choice=Choice.FOR)
            db.session.commit()
            outcome["vote"] = "recorded"
        except DomainError as error:
            db.session.rollback()
            outcome["vote"] = error.message

    _outcomes, errors = _race(app, committed, 2, work)
    assert errors == []
    assert str(outcome["vote"]).startswith("Meld je eerst aanwezig")  # check in first (Dutch)
    with Session(committed) as session:
        assert session.scalar(select(func.count(Attendance.id))) == 0
        assert session.scalar(select(func.count(Vote.id))) == 0
