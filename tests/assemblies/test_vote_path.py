"""The vote itself: a few queries whatever the size of the cooperative, every check still
made, and secret ballots that keep no trace of the order in which people voted."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, inspect, select, text

from coop.assemblies import services
from coop.assemblies.models import (
    Assembly,
    AssemblyStatus,
    Attendance,
    Ballot,
    Choice,
    Motion,
    MotionStatus,
    Vote,
)
from coop.db import utcnow
from coop.extensions import db
from coop.members.models import Function, Membership
from tests.factories import (
    AssemblyFactory,
    MembershipFactory,
    MotionFactory,
    board_member,
)
from tests.test_query_counts import add_members

RECEIPT = re.compile(r"<code>([A-Z0-9-]{14})</code>")


@pytest.fixture
def meeting(coop):
    chair = board_member(coop, Function.CHAIR)
    members = [MembershipFactory(cooperative=coop) for _ in range(3)]
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN)
    for member in members[:2]:
        services.check_in(assembly, member, by=chair)
    db.session.flush()
    return chair, members, assembly, motion


def vote_url(coop, assembly, motion):
    return f"/c/{coop.slug}/assemblies/{assembly.id}/motions/{motion.id}/vote"


def post_vote(client, login, member, path, queries, **data):
    login(member.user)
    before = queries.count
    response = client.post(path, data={"choice": "for", **data})
    return response, queries.count - before


def add_voters_and_ballots(coop, assembly, motion, count):
    """``count`` more members, checked in, who all voted already (vote row and ballot)."""
    add_members(coop, count, start=10_000)
    ids = db.session.scalars(
        select(Membership.id)
        .where(Membership.cooperative_id == coop.id)
        .order_by(Membership.id.desc())
        .limit(count)
    ).all()
    now = utcnow()
    db.session.execute(
        insert(Attendance),
        [{"assembly_id": assembly.id, "membership_id": m, "checked_in_at": now} for m in ids],
    )
    db.session.execute(
        insert(Vote),
        [
            {"motion_id": motion.id, "membership_id": m, "cast_by_id": m, "choice": Choice.FOR}
            for m in ids
        ],
    )
    db.session.execute(
        insert(Ballot),
        [
            {
                "id": f"{i:032x}",
                "motion_id": motion.id,
                "choice": Choice.FOR,
                "weight": 1,
                "receipt": f"BULK-{i:04d}-XXXX"[:14],
            }
            for i in range(count)
        ],
    )
    db.session.flush()


def test_a_vote_takes_the_same_few_queries_however_many_members_and_ballots(
    client, login, coop, meeting, queries
):
    chair, members, assembly, motion = meeting
    path = vote_url(coop, assembly, motion)
    response, small = post_vote(client, login, members[0], path, queries)
    assert response.status_code == 200
    assert RECEIPT.search(response.text)

    add_voters_and_ballots(coop, assembly, motion, 300)
    response, large = post_vote(client, login, members[1], path, queries)
    assert response.status_code == 200
    assert RECEIPT.search(response.text)
    assert large == small
    # the user with their memberships, cooperatives and functions (also the menu), the
    # motion with what the vote checks (and on PostgreSQL its lock), the vote and the
    # ballot (on PostgreSQL in one statement)
    assert large == (3 if db.session.get_bind().dialect.name == "postgresql" else 4)
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.motion_id == motion.id)) == 302


def test_the_lean_vote_still_refuses_what_it_must(client, login, coop, meeting, queries):
    chair, members, assembly, motion = meeting
    path = vote_url(coop, assembly, motion)
    # not checked in
    response, _ = post_vote(client, login, members[2], path, queries)
    assert response.status_code == 302
    assert db.session.scalar(select(Vote.id).where(Vote.membership_id == members[2].id)) is None
    # a tampered choice
    response, _ = post_vote(client, login, members[0], path, queries, choice="ja")
    assert response.status_code == 422
    # the first vote counts, the second is refused
    assert post_vote(client, login, members[0], path, queries)[0].status_code == 200
    again, _ = post_vote(client, login, members[0], path, queries, choice="against")
    assert again.status_code == 302
    page = client.get(again.location)
    assert "already voted" in page.text or "al gestemd" in page.text
    # a member of another cooperative, on this cooperative's URL: no access
    other = MembershipFactory()
    response, _ = post_vote(client, login, other, path, queries)
    assert response.status_code == 403
    # a motion of another assembly under this assembly's URL: not found
    elsewhere = MotionFactory(
        agenda_item__assembly=AssemblyFactory(cooperative=coop), status=MotionStatus.OPEN
    )
    wrong = f"/c/{coop.slug}/assemblies/{assembly.id}/motions/{elsewhere.id}/vote"
    assert post_vote(client, login, members[1], wrong, queries)[0].status_code == 404
    # a closed vote
    services.close_vote(motion, by=chair)
    db.session.flush()
    closed, _ = post_vote(client, login, members[1], path, queries)
    assert closed.status_code == 302
    rows = db.session.execute(
        select(Vote.membership_id, Vote.choice).where(Vote.motion_id == motion.id)
    ).all()
    assert rows == [(members[0].id, Choice.FOR)]
    assert db.session.scalar(select(func.count()).where(Ballot.motion_id == motion.id)) == 1


def test_a_vote_read_open_just_before_the_close_is_refused_by_its_insert(coop, meeting):
    """The state query may read the status from just before the lock was granted (on
    PostgreSQL it takes the lock itself); the vote's insert reads it again and writes
    nothing once the vote is closed."""
    chair, members, assembly, motion = meeting
    state = services.vote_state(coop, assembly.id, motion.id, members[0])
    assert motion.status is MotionStatus.OPEN
    # closed by another transaction meanwhile: the loaded motion still says open
    db.session.execute(
        text("UPDATE motions SET status = 'CLOSED' WHERE id = :id"), {"id": motion.id}
    )
    with pytest.raises(services.DomainError, match="closed|gesloten"):
        services.cast_vote(motion, voter=members[0], choice=Choice.FOR, state=state)
    assert db.session.scalar(select(func.count(Vote.id)).where(Vote.motion_id == motion.id)) == 0
    assert db.session.scalar(select(func.count()).where(Ballot.motion_id == motion.id)) == 0


def test_the_vote_form_needs_its_csrf_token(client, login, coop, meeting, queries, csrf):
    chair, members, assembly, motion = meeting
    response, _ = post_vote(client, login, members[0], vote_url(coop, assembly, motion), queries)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_the_token_the_motion_page_writes_in_the_vote_form_is_accepted(
    client, login, coop, meeting, csrf
):
    # The vote forms have no token field of their own: the page writes the session's token
    # and CSRFProtect checks it before the view, once.
    chair, members, assembly, motion = meeting
    login(members[0].user)
    page = client.get(f"/c/{coop.slug}/assemblies/{assembly.id}/motions/{motion.id}")
    vote_form = re.search(
        r'<form method="post" action="[^"]*/vote#vote-h" novalidate>(.*?)</form>', page.text, re.S
    )
    assert vote_form is not None
    tokens = re.findall(r'name="csrf_token" value="([^"]+)"', vote_form.group(1))
    assert len(tokens) == 1
    path = vote_url(coop, assembly, motion)
    tampered = client.post(path, data={"choice": "for", "csrf_token": tokens[0][:-2] + "xx"})
    assert tampered.status_code == 400
    assert db.session.scalar(select(func.count(Vote.id))) == 0

    receipt = client.post(path, data={"choice": "for", "csrf_token": tokens[0]})

    assert receipt.status_code == 200
    assert RECEIPT.search(receipt.text)
    assert db.session.scalar(select(func.count(Vote.id))) == 1
    # No language switch on the receipt: it would leave the page, and the code with it.
    assert "/language" not in receipt.text
    assert 'name="locale"' not in receipt.text


def _physical_order(connection, motion_id: int) -> list[str]:
    """The receipts of a motion's ballots in the order the database stores them."""
    # PostgreSQL: the heap position; SQLite (WITHOUT ROWID): rows are stored by their key
    order = "ctid" if connection.dialect.name == "postgresql" else "id"
    return list(
        connection.execute(
            text(f"SELECT receipt FROM ballots WHERE motion_id = :m ORDER BY {order}"),  # noqa: S608
            {"m": motion_id},
        ).scalars()
    )


def test_secret_ballots_keep_no_order_of_voting_after_the_close(connection, coop):
    chair = board_member(coop, Function.CHAIR)
    members = [MembershipFactory(cooperative=coop) for _ in range(40)]
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN, secret=True)
    db.session.execute(
        insert(Attendance),
        [{"assembly_id": assembly.id, "membership_id": m.id} for m in members],
    )
    cast = []  # receipts in the order people voted
    for i, member in enumerate(members):
        choice = (Choice.FOR, Choice.AGAINST, Choice.ABSTAIN)[i % 3]
        cast.append(services.cast_vote(motion, voter=member, choice=choice))
    db.session.flush()
    keys_while_open = set(
        db.session.scalars(select(Ballot.id).where(Ballot.motion_id == motion.id))
    )
    if connection.dialect.name == "postgresql":
        # the leak this guards against: while the vote is open the heap keeps the order
        assert _physical_order(connection, motion.id) == cast

    result = services.close_vote(motion, by=chair)
    db.session.flush()

    after = _physical_order(connection, motion.id)
    assert sorted(after) == sorted(cast)  # every ballot is still there, once
    assert after != cast
    assert after != cast[::-1]
    # not even mostly in order: far fewer neighbours kept than a sorted copy would have
    position = {receipt: i for i, receipt in enumerate(cast)}
    kept = sum(1 for a, b in zip(after, after[1:], strict=False) if position[b] == position[a] + 1)
    assert kept < 10
    # new keys, so nothing written while the vote was open identifies a ballot
    keys_now = set(db.session.scalars(select(Ballot.id).where(Ballot.motion_id == motion.id)))
    assert keys_now.isdisjoint(keys_while_open)
    # the count and the published receipts are what was voted
    assert (result.for_count, result.against_count, result.abstain_count) == (14, 13, 13)
    published = {receipt: choice for receipt, choice, _ in services.counted_ballots(motion)}
    assert published == {
        receipt: (Choice.FOR, Choice.AGAINST, Choice.ABSTAIN)[i % 3]
        for i, receipt in enumerate(cast)
    }
    assert db.session.get(Motion, motion.id).status is MotionStatus.CLOSED


def test_the_participation_table_carries_no_time(connection):
    columns = inspect(connection).get_columns("votes")
    words = {word for c in columns for word in c["name"].split("_")}
    assert not words & {"at", "on", "time", "timestamp", "created", "date", "seq"}
    assert not any(
        "DATE" in str(c["type"]).upper() or "TIME" in str(c["type"]).upper() for c in columns
    )


def test_an_election_with_seats_keeps_its_receipts_through_the_shuffle(coop):
    chair = board_member(coop, Function.CHAIR)
    members = [MembershipFactory(cooperative=coop) for _ in range(3)]
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    election = MotionFactory(
        agenda_item__assembly=assembly,
        status=MotionStatus.DRAFT,
        decision_kind=services.DecisionKind.ELECTION,
        secret=True,
        seats=2,
    )
    anna = services.add_candidate(election, name="Anna", number=None, by=chair)
    bram = services.add_candidate(election, name="Bram", number=None, by=chair)
    services.add_candidate(election, name="Cor", number=None, by=chair)
    services.open_vote(election, by=chair)
    for member in members:
        services.check_in(assembly, member, by=chair)
    receipt = services.cast_vote(
        election, voter=members[0], choice=Choice.FOR, candidate_ids=[anna.id, bram.id]
    )
    services.cast_vote(election, voter=members[1], choice=Choice.FOR, candidate_ids=[anna.id])
    services.cast_vote(election, voter=members[2], choice=Choice.ABSTAIN)
    result = services.close_vote(election, by=chair)
    db.session.flush()
    assert db.session.scalar(select(func.count()).where(Ballot.receipt == receipt)) == 2
    assert (result.for_count, result.abstain_count) == (2, 1)
    assert {row["name"]: row["count"] for row in result.candidates} == {
        "Anna": 2,
        "Bram": 1,
        "Cor": 0,
    }
    assert db.session.get(Assembly, assembly.id).status is AssemblyStatus.IN_SESSION
