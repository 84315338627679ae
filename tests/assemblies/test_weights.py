"""Vote weighting by shares, fed by the capital share ledger (on both databases)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from coop.assemblies import services
from coop.assemblies.models import Ballot, Choice, DecisionKind, MotionStatus, Weighting
from coop.errors import DomainError
from coop.extensions import db
from tests.factories import MotionFactory, ShareClassFactory, issue_shares


@pytest.fixture(autouse=True)
def _english():
    with force_locale("en"):
        yield


def per_share(cooperative, cap):
    settings = services.governance(cooperative)
    db.session.add(settings)
    settings.weighting = Weighting.PER_SHARE
    settings.share_vote_cap = cap
    db.session.flush()
    return settings


@pytest.fixture
def shareholders(meeting):
    """Members 0, 1 and 2 (checked in) hold 1, 3 and 10 voting shares before the
    assembly; votes per share are capped at 5."""
    voting = ShareClassFactory(cooperative=meeting.cooperative, votes_per_share=1)
    on = services.record_date(meeting.assembly) - timedelta(days=30)
    for member, quantity in zip(meeting.members[:3], (1, 3, 10), strict=True):
        issue_shares(voting, member, quantity, on=on)
    per_share(meeting.cooperative, cap=5)
    return voting


def test_weights_follow_the_shares_with_the_cap(meeting, shareholders):
    one, three, ten = meeting.members[:3]
    services.cast_vote(meeting.motion, voter=one, choice=Choice.FOR)
    services.cast_vote(meeting.motion, voter=three, choice=Choice.FOR)
    services.cast_vote(meeting.motion, voter=ten, choice=Choice.AGAINST)
    weights = sorted(
        db.session.scalars(select(Ballot.weight).where(Ballot.motion_id == meeting.motion.id))
    )
    assert weights == [1, 3, 5]  # 10 shares, but at most 5 votes

    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.for_count, result.against_count) == (2, 1)
    assert (result.for_weight, result.against_weight) == (4, 5)
    assert (result.cast, result.cast_weight) == (3, 9)
    # Two of three members are for, but their 4 of the 9 votes are not a majority.
    assert not result.adopted
    assert result.outcome_en == (
        "rejected: 4 of the 9 votes cast in favour (44%); needed: more than half"
    )


def test_a_member_without_voting_shares_still_has_one_vote(meeting, shareholders):
    """Art. 2:38 BW: every member has at least one vote."""
    no_votes = ShareClassFactory(cooperative=meeting.cooperative, votes_per_share=0)
    member = meeting.chair  # holds no shares at all
    issue_shares(no_votes, meeting.members[0], 4, on=services.record_date(meeting.assembly))
    settings = services.governance(meeting.cooperative)
    assert services.member_weight(member, settings, on=services.record_date(meeting.assembly)) == 1
    # Shares of a kind without voting rights add nothing: member 0 keeps the weight of 1.
    weights = services.member_weights(meeting.assembly, [member, *meeting.members])
    assert weights == {
        member.id: 1,
        meeting.members[0].id: 1,
        meeting.members[1].id: 3,
        meeting.members[2].id: 5,
        meeting.members[3].id: 1,
        meeting.members[4].id: 1,
    }


def test_the_register_on_the_assembly_day_counts_and_the_weight_stays_with_the_ballot(
    meeting, shareholders
):
    one = meeting.members[0]
    day = services.record_date(meeting.assembly)
    issue_shares(shareholders, one, 1, on=day)  # counts: effective on the assembly day
    issue_shares(shareholders, one, 2, on=day + timedelta(days=1))  # after it: does not
    settings = services.governance(meeting.cooperative)
    assert services.member_weight(one, settings, on=day) == 2
    services.cast_vote(meeting.motion, voter=one, choice=Choice.FOR)
    # Shares issued after the vote do not change a vote already cast.
    issue_shares(shareholders, one, 5, on=day - timedelta(days=1))
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.for_count, result.for_weight) == (1, 2)


def test_the_holder_votes_with_the_grantors_weight(meeting, shareholders):
    holder, grantor = meeting.members[0], meeting.members[3]
    issue_shares(shareholders, grantor, 4, on=services.record_date(meeting.assembly))
    services.grant_proxy(meeting.assembly, grantor, holder_number=holder.number, by=grantor)
    services.cast_vote(meeting.motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)
    services.cast_vote(meeting.motion, voter=holder, choice=Choice.AGAINST)
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.for_weight, result.against_weight) == (4, 1)


def test_ballots_of_the_same_weight_count_each_of_their_votes(meeting, shareholders):
    """The count reads the number of ballots and, where they all weigh the same, multiplies:
    two ballots of 5 votes are 10 votes, not 5 and not 2."""
    one, three, ten = meeting.members[:3]
    issue_shares(shareholders, three, 2, on=services.record_date(meeting.assembly))  # 5 shares
    services.cast_vote(meeting.motion, voter=three, choice=Choice.FOR)
    services.cast_vote(meeting.motion, voter=ten, choice=Choice.FOR)
    services.cast_vote(meeting.motion, voter=one, choice=Choice.AGAINST)
    services.cast_vote(meeting.motion, voter=meeting.chair, choice=Choice.AGAINST)
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.for_count, result.for_weight) == (2, 10)
    assert (result.against_count, result.against_weight) == (2, 2)
    assert (result.abstain_count, result.abstain_weight) == (0, 0)
    assert (result.cast, result.cast_weight) == (4, 12)
    assert result.adopted


def test_one_member_one_vote_ignores_the_shares(meeting, shareholders):
    settings = per_share(meeting.cooperative, cap=None)
    settings.weighting = Weighting.PER_MEMBER
    db.session.flush()
    for member in meeting.members[:3]:
        services.cast_vote(meeting.motion, voter=member, choice=Choice.FOR)
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.for_count, result.for_weight) == (3, 3)


def test_without_a_cap_every_voting_share_counts(meeting, shareholders):
    per_share(meeting.cooperative, cap=None)
    services.cast_vote(meeting.motion, voter=meeting.members[2], choice=Choice.FOR)
    services.cast_vote(meeting.motion, voter=meeting.members[1], choice=Choice.AGAINST)
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.for_weight, result.against_weight) == (10, 3)


def test_an_election_counts_the_weights(meeting, shareholders):
    motion = MotionFactory(
        agenda_item=meeting.item, decision_kind=DecisionKind.ELECTION, secret=True
    )
    anna = services.add_candidate(motion, name="Anna", number=None, by=meeting.chair)
    bert = services.add_candidate(motion, name="Bert", number=None, by=meeting.chair)
    services.open_vote(motion, by=meeting.chair)
    one, three, ten = meeting.members[:3]
    services.cast_vote(motion, voter=one, choice=Choice.FOR, candidate_id=anna.id)
    services.cast_vote(motion, voter=three, choice=Choice.FOR, candidate_id=anna.id)
    services.cast_vote(motion, voter=ten, choice=Choice.FOR, candidate_id=bert.id)
    result = services.close_vote(motion, by=meeting.chair)
    assert [(c["name"], c["count"], c["weight"], c["elected"]) for c in result.candidates] == [
        ("Bert", 1, 5, True),
        ("Anna", 2, 4, False),
    ]


def test_the_weight_at_the_vote_is_one_query(meeting, shareholders, queries):
    settings = services.governance(meeting.cooperative)
    day = services.record_date(meeting.assembly)
    before = queries.count
    assert services.member_weight(meeting.members[2], settings, on=day) == 5
    assert queries.count - before == 1
    before = queries.count
    weights = services.member_weights(meeting.assembly, meeting.members, settings)
    assert queries.count - before == 1
    assert list(weights.values()) == [1, 3, 5, 1, 1]


def test_the_tally_reads_the_ballots_in_one_statement(meeting, shareholders, queries):
    for member in meeting.members[:3]:
        services.cast_vote(meeting.motion, voter=member, choice=Choice.FOR)
    before = len(queries.statements)
    result = services.close_vote(meeting.motion, by=meeting.chair)
    # Reads of the ballots (a secret vote's close also rewrites them; not a count). The
    # weights of the three differ (1, 3 and 5), so the count adds them up.
    on_ballots = [
        s
        for s in queries.statements[before:]
        if s.lstrip().upper().startswith("SELECT") and re.search(r"FROM ballots\b", s)
    ]
    assert len(on_ballots) == 1
    assert "sum(ballots.weight)" in on_ballots[0].lower()
    assert (result.for_count, result.for_weight) == (3, 9)
    assert meeting.motion.status is MotionStatus.CLOSED


def test_the_holder_sees_each_weight_and_the_result_shows_votes_and_members(
    client, login, meeting, shareholders
):
    one, three, ten, grantor = meeting.members[:4]
    services.grant_proxy(meeting.assembly, grantor, holder_number=ten.number, by=grantor)
    issue_shares(shareholders, grantor, 2, on=services.record_date(meeting.assembly))
    base = f"/c/{meeting.cooperative.slug}/assemblies/{meeting.assembly.id}"
    ten.user.locale = "en"
    db.session.flush()
    login(ten.user)
    page = client.get(f"{base}/motions/{meeting.motion.id}").text
    assert "This vote counts as 5 votes (votes per share)." in page
    assert "This vote counts as 2 votes (votes per share)." in page
    assert f"{grantor.name} ({grantor.number}): 2 votes" in client.get(base).text
    client.post(f"{base}/motions/{meeting.motion.id}/vote", data={"choice": "against"})
    client.post(
        f"{base}/motions/{meeting.motion.id}/vote",
        data={"choice": "for", "on_behalf_of": str(grantor.id)},
    )
    services.cast_vote(meeting.motion, voter=one, choice=Choice.FOR)
    services.cast_vote(meeting.motion, voter=three, choice=Choice.FOR)
    services.close_vote(meeting.motion, by=meeting.chair)
    db.session.flush()
    page = client.get(f"{base}/motions/{meeting.motion.id}").text
    rows = re.findall(r'<th scope="row">([^<]+)</th><td>(\d+)</td><td>(\d+)</td>', page)
    assert rows == [("For", "6", "3"), ("Against", "5", "1"), ("Abstain", "0", "0"),
                    ("Votes cast", "11", "4")]  # fmt: skip
    assert "adopted: 6 of the 11 votes cast in favour (55%)" in page


def test_no_paper_totals_with_votes_per_share(client, login, meeting, shareholders):
    """A paper total cannot carry each member's weight: refused, nothing changes."""
    with pytest.raises(DomainError, match="paper votes cannot be counted"):
        services.set_paper_votes(meeting.motion, for_=1, against=0, abstain=0, by=meeting.chair)
    meeting.chair.user.locale = "en"
    db.session.flush()
    login(meeting.chair.user)
    base = f"/c/{meeting.cooperative.slug}/assemblies/{meeting.assembly.id}"
    page = client.get(f"{base}/motions/{meeting.motion.id}").text
    assert "With votes per share, paper votes cannot be counted" in page
    assert "Save paper votes" not in page
    response = client.post(
        f"{base}/motions/{meeting.motion.id}/paper",
        data={"paper_for": 1, "paper_against": 0, "paper_abstain": 0},
    )
    assert response.status_code == 422
    assert "paper votes cannot be counted" in response.text
    db.session.refresh(meeting.motion)
    assert (meeting.motion.paper_for, meeting.motion.paper_against) == (0, 0)


def test_a_weighted_abstention_alone_is_counted_as_one_member(meeting, shareholders):
    """The outcome names the members who abstained, not their votes (5, capped)."""
    services.cast_vote(meeting.motion, voter=meeting.members[2], choice=Choice.ABSTAIN)
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.abstain_count, result.abstain_weight) == (1, 5)
    assert result.outcome_en == (
        "rejected: no votes were cast (1 abstention, and abstentions do not count as votes "
        "cast); needed: more than half"
    )
