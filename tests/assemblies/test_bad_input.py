"""The issue's bad-input list, end to end through the pages: each attempt gets a clear
message in the member's language (Dutch here) and records nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.assemblies import services
from coop.assemblies.models import (
    AssemblyStatus,
    Ballot,
    Choice,
    MotionResult,
    MotionStatus,
    Notice,
    Proxy,
    Vote,
)
from coop.db import utcnow
from coop.extensions import db
from coop.members.models import Function, MembershipStatus
from tests.assemblies.support import text
from tests.factories import (
    ApplicationFactory,
    AssemblyFactory,
    CooperativeFactory,
    MembershipFactory,
    MotionFactory,
    board_member,
)

NO_ACCESS = "Je hebt geen toegang tot deze pagina."


@pytest.fixture
def room():
    """An assembly in session with an open motion; the chair and members 0-2 are
    checked in."""
    coop = CooperativeFactory()
    chair = board_member(coop, Function.CHAIR)
    members = [MembershipFactory(cooperative=coop) for _ in range(5)]
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.IN_SESSION)
    motion = MotionFactory(agenda_item__assembly=assembly, status=MotionStatus.OPEN)
    for person in [chair, *members[:3]]:
        services.check_in(assembly, person, by=chair)
    db.session.flush()
    base = f"/c/{coop.slug}/assemblies/{assembly.id}"
    return coop, chair, members, assembly, motion, base


def recorded() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(Vote.id))),
        db.session.scalar(select(func.count(Ballot.id))),
    )


def vote(client, base, motion, **data):
    return client.post(
        f"{base}/motions/{motion.id}/vote", data={"choice": "for", **data}, follow_redirects=True
    )


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (MotionStatus.CLOSED, "De stemming over dit voorstel is gesloten."),
        (MotionStatus.DRAFT, "De stemming over dit voorstel is nog niet geopend."),
    ],
)
def test_a_vote_on_a_closed_or_unopened_motion(client, login, room, status, message):
    coop, chair, members, assembly, motion, base = room
    motion.status = status
    db.session.flush()
    login(members[0].user)
    response = vote(client, base, motion)
    assert response.status_code == 200
    assert message in text(response)
    assert recorded() == (0, 0)


def test_a_second_vote_by_the_same_member_and_for_the_same_grantor(client, login, room):
    coop, chair, members, assembly, motion, base = room
    holder, grantor = members[0], members[3]
    services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    db.session.flush()
    login(holder.user)
    assert vote(client, base, motion).status_code == 200
    assert vote(client, base, motion, on_behalf_of=str(grantor.id)).status_code == 200
    assert recorded() == (2, 2)
    again = vote(client, base, motion, choice="against")
    assert "Je hebt al gestemd over dit voorstel." in text(again)
    again = vote(client, base, motion, choice="against", on_behalf_of=str(grantor.id))
    assert f"Voor {grantor.name} is al gestemd over dit voorstel." in text(again)
    assert recorded() == (2, 2)
    assert (
        db.session.scalar(select(func.count(Ballot.id)).where(Ballot.choice == Choice.AGAINST)) == 0
    )


def test_applicants_ended_suspended_and_other_cooperatives_cannot_vote(client, login, room):
    coop, chair, members, assembly, motion, base = room
    applicant = ApplicationFactory(cooperative=coop).user
    ended = MembershipFactory(cooperative=coop, status=MembershipStatus.ENDED).user
    suspended = MembershipFactory(cooperative=coop, status=MembershipStatus.SUSPENDED).user
    elsewhere = MembershipFactory().user  # an active member of another cooperative
    for user in (applicant, ended, suspended, elsewhere):
        login(user)
        response = vote(client, base, motion)
        assert response.status_code == 403
        assert NO_ACCESS in text(response)
    assert recorded() == (0, 0)


def test_a_holder_cannot_vote_for_a_grantor_who_lost_voting_rights(client, login, room):
    coop, chair, members, assembly, motion, base = room
    holder, grantor = members[0], members[3]
    services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    grantor.status = MembershipStatus.SUSPENDED  # suspended after giving the proxy
    db.session.flush()
    login(holder.user)
    response = vote(client, base, motion, on_behalf_of=str(grantor.id))
    assert "Alleen actieve leden hebben stemrecht." in text(response)
    assert recorded() == (0, 0)


def test_a_vote_for_a_member_of_another_cooperative_or_without_a_proxy(client, login, room):
    coop, chair, members, assembly, motion, base = room
    stranger = MembershipFactory()  # another cooperative
    login(members[0].user)
    for value in (str(stranger.id), str(members[4].id), "abc", "99999999999999999999", "-1"):
        response = vote(client, base, motion, on_behalf_of=value)
        assert "Je hebt geen geldige volmacht van dit lid." in text(response), value
    assert recorded() == (0, 0)


@pytest.mark.parametrize("choice", ["ja", "", "FOR", "for ", "abstain'--"])
def test_tampered_choice_values(client, login, room, choice):
    coop, chair, members, assembly, motion, base = room
    login(members[0].user)
    response = vote(client, base, motion, choice=choice)
    assert response.status_code == 422
    page = text(response)
    assert '<p class="error">Kies voor, tegen of onthouding.</p>' in page or (
        '<p class="error">Ongeldige keuze.</p>' in page
    )
    assert recorded() == (0, 0)


def test_a_tampered_candidate_in_an_election(client, login, room):
    coop, chair, members, assembly, motion, base = room
    election = MotionFactory(
        agenda_item=motion.agenda_item, decision_kind=services.DecisionKind.ELECTION, secret=True
    )
    services.add_candidate(election, name="Anna", number=None, by=chair)
    other = MotionFactory(agenda_item=motion.agenda_item, decision_kind=election.decision_kind)
    stranger = services.add_candidate(other, name="Bram", number=None, by=chair)
    services.open_vote(election, by=chair)
    db.session.flush()
    login(members[0].user)
    for value in (str(stranger.id), "0", "x"):
        response = client.post(f"{base}/motions/{election.id}/vote", data={"candidate": value})
        assert response.status_code == 422, value
    assert recorded() == (0, 0)


def test_proxies_to_oneself_beyond_the_limit_and_in_chains(client, login, room):
    coop, chair, members, assembly, motion, base = room
    a, b, c, d = members[2:5] + [MembershipFactory(cooperative=coop)]
    a, b, c, d = members[2], members[3], members[4], d  # a is checked in; b, c, d are not
    services.grant_proxy(assembly, c, holder_number=d.number, by=c)  # d holds 1 (the limit)
    db.session.flush()

    def give(grantor, holder_number):
        login(grantor.user)
        return client.post(f"{base}/proxy", data={"holder_number": holder_number})

    cases = [
        (b, b.number, "Je kunt geen volmacht aan jezelf geven."),
        (b, d.number, f"{d.name} kan geen volmacht meer aannemen: het maximum is 1."),
        # a chain: the holder of a proxy passes it on, or a grantor takes one
        (d, b.number, "Je hebt zelf een volmacht. Een volmacht kun je niet doorgeven."),
        (b, c.number, f"{c.name} heeft zelf een volmacht gegeven en kan er geen krijgen."),
        (b, 99999, "Er is geen actief lid met dit nummer."),
        (a, b.number, "Je bent aanwezig gemeld, dus je stemt zelf. Een volmacht kan dan niet."),
    ]
    for grantor, number, message in cases:
        response = give(grantor, number)
        assert response.status_code == 422, message
        assert message in text(response), message
    assert db.session.scalar(select(func.count(Proxy.id))) == 1


def test_closing_a_vote_twice(client, login, room):
    coop, chair, members, assembly, motion, base = room
    services.cast_vote(motion, voter=members[0], choice=Choice.FOR)
    db.session.flush()
    login(chair.user)
    close = f"{base}/motions/{motion.id}/close"
    ticked = {"confirm": "yes", "not_voted": "3"}  # the chair and members 1 and 2
    first = client.post(close, data=ticked, follow_redirects=True)
    assert "De stemming is gesloten en geteld." in text(first)
    again = client.post(close, data=ticked, follow_redirects=True)
    assert "De stemming over dit voorstel is al gesloten." in text(again)
    assert db.session.scalar(select(func.count(MotionResult.id))) == 1
    assert recorded() == (1, 1)


def test_closing_before_everyone_in_the_room_voted_asks_for_a_tick(client, login, room):
    coop, chair, members, assembly, motion, base = room
    services.cast_vote(motion, voter=members[0], choice=Choice.FOR)
    db.session.flush()
    login(chair.user)
    page = text(client.get(f"{base}/motions/{motion.id}"))
    # The chair and members 1 and 2 are checked in and did not vote.
    tick = "Ja, sluit de stemming nu: 3 leden die aanwezig of vertegenwoordigd zijn"
    assert tick in page
    refused = client.post(f"{base}/motions/{motion.id}/close")
    assert refused.status_code == 422
    assert "Vink dit vakje aan om de stemming nu te sluiten." in text(refused)
    assert 'id="confirm-close-vote-error"' in text(refused)
    db.session.expire_all()
    assert motion.status is MotionStatus.OPEN
    assert db.session.scalar(select(func.count(MotionResult.id))) == 0
    # Ticked on a page that said 1, while 3 have not voted: asked again.
    stale = client.post(
        f"{base}/motions/{motion.id}/close", data={"confirm": "yes", "not_voted": "1"}
    )
    assert stale.status_code == 422
    assert "Er zijn leden binnengekomen die nog niet hebben gestemd." in text(stale)
    assert '<input type="hidden" name="not_voted" value="3">' in text(stale)
    db.session.expire_all()
    assert motion.status is MotionStatus.OPEN
    assert db.session.scalar(select(func.count(MotionResult.id))) == 0
    # Whatever is sent as the number, never a 500: asked again.
    for tampered in ("²", "-1", "abc", "9" * 50, " 3", "３"):
        response = client.post(
            f"{base}/motions/{motion.id}/close", data={"confirm": "yes", "not_voted": tampered}
        )
        assert response.status_code == 422, tampered
    # A paper count for some of them: the others still count as not voted.
    services.set_paper_votes(motion, for_=1, against=0, abstain=0, by=chair)
    db.session.flush()
    assert "Ja, sluit de stemming nu: 2 leden" in text(client.get(f"{base}/motions/{motion.id}"))
    assert client.post(f"{base}/motions/{motion.id}/close").status_code == 422
    # Once everyone in the room voted, no tick.
    services.set_paper_votes(motion, for_=2, against=1, abstain=0, by=chair)
    db.session.flush()
    assert "Ja, sluit de stemming nu" not in text(client.get(f"{base}/motions/{motion.id}"))
    closed = client.post(f"{base}/motions/{motion.id}/close", follow_redirects=True)
    assert "De stemming is gesloten en geteld." in text(closed)


def test_fewer_without_a_vote_than_the_page_said_closes_the_vote(client, login, room):
    coop, chair, members, assembly, motion, base = room
    login(chair.user)
    page = text(client.get(f"{base}/motions/{motion.id}"))
    assert "Ja, sluit de stemming nu: 4 leden" in page
    services.cast_vote(motion, voter=members[0], choice=Choice.FOR)  # after the page loaded
    db.session.flush()
    closed = client.post(
        f"{base}/motions/{motion.id}/close",
        data={"confirm": "yes", "not_voted": "4"},
        follow_redirects=True,
    )
    assert "De stemming is gesloten en geteld." in text(closed)


def test_a_vote_for_a_grantor_who_withdrew_is_not_someone_in_the_room(client, login, room):
    coop, chair, members, assembly, motion, base = room
    grantor, holder = members[3], members[0]
    proxy = services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    services.cast_vote(motion, voter=holder, choice=Choice.FOR)
    services.cast_vote(motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)
    services.revoke_proxy(proxy, by=grantor)
    db.session.flush()
    # Present without a vote: the chair and members 1 and 2; nobody represented.
    assert services.room_without_vote(motion) == services.WithoutVote(room=3, online=0)
    login(chair.user)
    assert "Ja, sluit de stemming nu: 3 leden" in text(client.get(f"{base}/motions/{motion.id}"))


def test_convening_with_too_short_notice(client, login, room):
    coop, chair, members, assembly, motion, base = room
    draft = AssemblyFactory(
        cooperative=coop, status=AssemblyStatus.DRAFT, starts_at=utcnow() + timedelta(days=6)
    )
    MotionFactory(agenda_item__assembly=draft)
    login(chair.user)
    response = client.post(
        f"/c/{coop.slug}/assemblies/{draft.id}/convene",
        data={"confirm": "yes"},
        follow_redirects=True,
    )
    assert "De oproepingstermijn is 14 dagen, maar de vergadering is over 6 dagen." in text(
        response
    )
    db.session.expire_all()
    assert draft.status is AssemblyStatus.DRAFT
    assert db.session.scalar(select(func.count(Notice.id))) == 0
