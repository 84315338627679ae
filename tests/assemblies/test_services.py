"""Assembly services: lifecycle, convening, attendance, proxies, votes and the tally."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from coop import audit
from coop.assemblies import services
from coop.assemblies.models import (
    AssemblyStatus,
    Ballot,
    Choice,
    DecisionKind,
    ItemKind,
    MotionStatus,
    Notice,
    ProxyStatus,
    Vote,
)
from coop.db import today, utcnow
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import Function, MembershipStatus
from tests.factories import (
    AssemblyFactory,
    CooperativeFactory,
    MembershipFactory,
    MotionFactory,
    board_member,
)

# Governance rules ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English, the source language."""
    with force_locale("en"):
        yield


def _rules_data(**overrides):
    data = {
        "notice_days": 14,
        "blank_votes_count": False,
        "second_assembly_without_quorum": True,
        "proxies_allowed": True,
        "max_proxies_per_holder": 1,
        "electronic_participation": False,
        "advance_voting": False,
    }
    data.update(overrides)
    return data


def test_defaults_before_the_board_sets_rules():
    cooperative = CooperativeFactory()
    settings = services.governance(cooperative)
    assert settings.id is None
    assert settings.notice_days == 14
    assert settings.max_proxies_per_holder == 1
    assert settings.blank_votes_count is False
    assert services.decision_rule(settings, DecisionKind.STATUTES).numerator == 2


def test_notice_never_below_seven_days():
    cooperative = CooperativeFactory()
    chair = board_member(cooperative)
    with pytest.raises(DomainError) as error:
        services.update_rules(
            cooperative, data=_rules_data(notice_days=6), decision_rules={}, by=chair
        )
    assert error.value.field == "notice_days"
    settings = services.update_rules(
        cooperative,
        data=_rules_data(notice_days=7),
        decision_rules={"ordinary": {"majority": "fraction", "numerator": 3, "denominator": 4}},
        by=chair,
    )
    assert settings.id is not None
    assert settings.decision_rules["ordinary"]["numerator"] == 3
    assert audit.count_for(cooperative) == 1


def test_a_fraction_above_one_is_refused():
    cooperative = CooperativeFactory()
    with pytest.raises(DomainError):
        services.update_rules(
            cooperative,
            data=_rules_data(),
            decision_rules={"ordinary": {"majority": "fraction", "numerator": 5, "denominator": 4}},
            by=board_member(cooperative),
        )


# Lifecycle and convening --------------------------------------------------------------------


def _draft(cooperative, *, days_ahead=20):
    chair = board_member(cooperative)
    assembly = services.create_assembly(
        cooperative,
        title="ALV voorjaar",
        starts_at=utcnow() + timedelta(days=days_ahead),
        place="Buurthuis",
        online_url="https://meet.example.test/alv",
        is_second=False,
        by=chair,
    )
    services.add_item(
        assembly, title="Opening", description="", kind=ItemKind.INFORMATION, by=chair
    )
    services.add_item(
        assembly, title="Jaarrekening", description="", kind=ItemKind.DECISION, by=chair
    )
    return assembly, chair


def test_convening_records_a_notice_for_every_member_with_voting_rights():
    cooperative = CooperativeFactory()
    assembly, chair = _draft(cooperative)
    active = [MembershipFactory(cooperative=cooperative) for _ in range(3)]
    MembershipFactory(cooperative=cooperative, status=MembershipStatus.SUSPENDED)
    MembershipFactory(cooperative=cooperative, status=MembershipStatus.ENDED)
    MembershipFactory()  # another cooperative
    sent = services.convene(assembly, by=chair)
    assert {m.id for m, _ in sent} == {chair.id, *(m.id for m in active)}
    notices = db.session.scalars(select(Notice).where(Notice.assembly_id == assembly.id)).all()
    assert len(notices) == 4
    assert notices[0].agenda == [
        [1, "Opening", "information", []],
        [2, "Jaarrekening", "decision", []],
    ]
    assert assembly.status is AssemblyStatus.CONVENED
    with pytest.raises(DomainError, match="already been convened"):
        services.convene(assembly, by=chair)


def test_convening_with_too_short_notice_is_refused():
    cooperative = CooperativeFactory()
    assembly, chair = _draft(cooperative, days_ahead=10)
    with pytest.raises(DomainError, match="notice period is 14 days"):
        services.convene(assembly, by=chair)
    assert assembly.status is AssemblyStatus.DRAFT
    assert db.session.scalar(select(func.count(Notice.id))) == 0
    # exactly the notice period is enough
    assert services.convene(
        assembly, by=chair, on=services.local_date(assembly.starts_at) - timedelta(days=14)
    )


def test_agenda_is_fixed_once_convened_and_items_can_move_before():
    cooperative = CooperativeFactory()
    assembly, chair = _draft(cooperative)
    first, second = assembly.items
    services.move_item(second, up=True, by=chair)
    assert [i.title for i in assembly.items] == ["Jaarrekening", "Opening"]
    services.convene(assembly, by=chair)
    with pytest.raises(DomainError):
        services.add_item(assembly, title="Laat", description="", kind=ItemKind.DECISION, by=chair)


def test_session_opens_and_closes_only_in_order(meeting):
    chair = meeting.chair
    with pytest.raises(DomainError):
        services.open_session(meeting.assembly, by=chair)  # already in session
    with pytest.raises(DomainError, match="open votes"):
        services.close_session(meeting.assembly, by=chair)
    services.close_vote(meeting.motion, by=chair)
    services.close_session(meeting.assembly, by=chair)
    assert meeting.assembly.status is AssemblyStatus.CLOSED


# Attendance ---------------------------------------------------------------------------------


def test_check_in_twice_and_strangers(meeting):
    with pytest.raises(DomainError, match="already checked in"):
        services.check_in(meeting.assembly, meeting.members[0], by=meeting.chair)
    with pytest.raises(DomainError, match="not a member"):
        services.check_in(meeting.assembly, MembershipFactory(), by=meeting.chair)
    suspended = MembershipFactory(
        cooperative=meeting.cooperative, status=MembershipStatus.SUSPENDED
    )
    with pytest.raises(DomainError, match="Only active members"):
        services.check_in(meeting.assembly, suspended, by=meeting.chair)


def test_self_check_in_only_with_electronic_participation(meeting):
    member = meeting.members[4]
    with pytest.raises(DomainError, match="online"):
        services.check_in(meeting.assembly, member, by=member, online=True)
    services.update_rules(
        meeting.cooperative,
        data=_rules_data(electronic_participation=True),
        decision_rules={},
        by=meeting.chair,
    )
    assert services.check_in(meeting.assembly, member, by=member, online=True).online


def test_find_members_by_name_or_number(meeting):
    member = meeting.members[3]
    assert services.find_members(meeting.cooperative, str(member.number)) == [member]
    assert member in services.find_members(meeting.cooperative, member.name[:4].lower())
    assert services.find_members(meeting.cooperative, "%") == []
    assert services.find_members(meeting.cooperative, "9" * 30) == []


# Proxies ------------------------------------------------------------------------------------


def test_proxy_rules(meeting):
    # a, b and c are not checked in
    a, b, c = (
        meeting.members[3],
        MembershipFactory(cooperative=meeting.cooperative),
        meeting.members[4],
    )
    assembly = meeting.assembly
    with pytest.raises(DomainError, match="yourself"):
        services.grant_proxy(assembly, a, holder_number=a.number, by=a)
    with pytest.raises(DomainError, match="no active member"):
        services.grant_proxy(assembly, a, holder_number=999_999, by=a)
    outsider = MembershipFactory()
    with pytest.raises(DomainError, match="no active member"):
        services.grant_proxy(assembly, a, holder_number=outsider.number + 1000, by=a)
    proxy = services.grant_proxy(assembly, a, holder_number=c.number, by=a)
    # the limit per holder (1)
    with pytest.raises(DomainError, match="most proxies"):
        services.grant_proxy(assembly, b, holder_number=c.number, by=b)
    # no chains: the holder cannot pass it on; a grantor cannot hold one
    with pytest.raises(DomainError, match="passed on"):
        services.grant_proxy(assembly, c, holder_number=b.number, by=c)
    with pytest.raises(DomainError, match="cannot hold one"):
        services.grant_proxy(assembly, b, holder_number=a.number, by=b)
    # the grantor checked in: attending members cannot grant
    with pytest.raises(DomainError, match="checked in"):
        services.grant_proxy(assembly, meeting.members[1], holder_number=b.number, by=c)
    # revoke, then another holder
    with pytest.raises(DomainError, match="Only the member"):
        services.revoke_proxy(proxy, by=c)
    services.revoke_proxy(proxy, by=a)
    assert proxy.status is ProxyStatus.REVOKED
    with pytest.raises(DomainError, match="no longer valid"):
        services.revoke_proxy(proxy, by=a)
    assert services.grant_proxy(assembly, a, holder_number=b.number, by=a).holder_id == b.id


def test_proxy_is_void_once_the_grantor_checks_in(meeting):
    grantor, holder = meeting.members[3], meeting.members[0]
    proxy = services.grant_proxy(meeting.assembly, grantor, holder_number=holder.number, by=grantor)
    services.check_in(meeting.assembly, grantor, by=meeting.chair)
    assert proxy.status is ProxyStatus.VOID
    with pytest.raises(DomainError, match="valid proxy"):
        services.cast_vote(meeting.motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)


def test_no_proxies_when_the_rules_forbid_them(meeting):
    services.update_rules(
        meeting.cooperative,
        data=_rules_data(proxies_allowed=False),
        decision_rules={},
        by=meeting.chair,
    )
    a = meeting.members[3]
    with pytest.raises(DomainError, match="does not allow proxies"):
        services.grant_proxy(meeting.assembly, a, holder_number=meeting.members[0].number, by=a)


# Votes --------------------------------------------------------------------------------------


def test_one_vote_per_member_per_motion(meeting):
    member = meeting.members[0]
    receipt = services.cast_vote(meeting.motion, voter=member, choice=Choice.FOR)
    assert len(receipt) == 14
    with pytest.raises(DomainError, match="already voted"):
        services.cast_vote(meeting.motion, voter=member, choice=Choice.AGAINST)
    assert db.session.scalar(select(func.count(Ballot.id))) == 1
    vote = db.session.scalar(select(Vote))
    assert vote.choice is Choice.FOR  # open ballot: who voted what is kept


def test_votes_on_closed_or_unopened_motions_and_by_absent_members(meeting):
    draft = MotionFactory(agenda_item=meeting.item)
    with pytest.raises(DomainError, match="not been opened"):
        services.cast_vote(draft, voter=meeting.members[0], choice=Choice.FOR)
    with pytest.raises(DomainError, match="Check in first"):
        services.cast_vote(meeting.motion, voter=meeting.members[4], choice=Choice.FOR)
    with pytest.raises(DomainError, match="not a member"):
        services.cast_vote(meeting.motion, voter=MembershipFactory(), choice=Choice.FOR)
    meeting.members[1].status = MembershipStatus.SUSPENDED
    with pytest.raises(DomainError, match="Only active"):
        services.cast_vote(meeting.motion, voter=meeting.members[1], choice=Choice.FOR)
    with pytest.raises(DomainError, match="Choose"):
        services.cast_vote(meeting.motion, voter=meeting.members[0], choice="voor")
    services.close_vote(meeting.motion, by=meeting.chair)
    with pytest.raises(DomainError, match="closed"):
        services.cast_vote(meeting.motion, voter=meeting.members[0], choice=Choice.FOR)
    with pytest.raises(DomainError, match="already closed"):
        services.close_vote(meeting.motion, by=meeting.chair)
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_holder_votes_for_each_grantor(meeting):
    holder, grantor = meeting.members[0], meeting.members[3]
    services.grant_proxy(meeting.assembly, grantor, holder_number=holder.number, by=grantor)
    services.cast_vote(meeting.motion, voter=holder, choice=Choice.FOR)
    services.cast_vote(meeting.motion, voter=holder, choice=Choice.AGAINST, on_behalf_of=grantor)
    with pytest.raises(DomainError, match="already been cast"):
        services.cast_vote(meeting.motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)
    # not for someone who gave no proxy
    with pytest.raises(DomainError, match="valid proxy"):
        services.cast_vote(
            meeting.motion, voter=holder, choice=Choice.FOR, on_behalf_of=meeting.members[4]
        )
    votes = db.session.scalars(select(Vote).order_by(Vote.id)).all()
    assert [(v.membership_id, v.cast_by_id) for v in votes] == [
        (holder.id, holder.id),
        (grantor.id, holder.id),
    ]
    assert votes[1].proxy_id is not None


def test_secret_ballot_keeps_no_choice_with_the_voter(meeting):
    meeting.motion.secret = True
    receipts = {
        services.cast_vote(meeting.motion, voter=meeting.members[0], choice=Choice.FOR): "for",
        services.cast_vote(meeting.motion, voter=meeting.members[1], choice=Choice.AGAINST): "a",
    }
    assert all(v.choice is None for v in db.session.scalars(select(Vote)))
    services.close_vote(meeting.motion, by=meeting.chair)
    published = {receipt: choice for receipt, choice, _ in services.counted_ballots(meeting.motion)}
    assert set(published) == set(receipts)
    assert [published[r] for r in receipts] == [Choice.FOR, Choice.AGAINST]
    assert services.open_votes_of(meeting.motion) == []


def test_amendments_are_voted_before_the_motion(meeting):
    chair = meeting.chair
    motion = services.add_motion(
        meeting.assembly,
        item=meeting.item,
        title="Begroting",
        text="",
        decision_kind=DecisionKind.ORDINARY,
        secret=False,
        by=chair,
    )
    amendment = services.add_motion(
        meeting.assembly,
        item=meeting.item,
        title="Meer geld voor de moestuin",
        text="",
        decision_kind=DecisionKind.ORDINARY,
        secret=False,
        parent=motion,
        by=chair,
    )
    with pytest.raises(DomainError, match="amendments first"):
        services.open_vote(motion, by=chair)
    services.open_vote(amendment, by=chair)
    services.close_vote(amendment, by=chair)
    services.open_vote(motion, by=chair)
    assert motion.status is MotionStatus.OPEN
    with pytest.raises(DomainError, match="cannot be amended"):
        services.add_motion(
            meeting.assembly,
            item=meeting.item,
            title="Te laat",
            text="",
            decision_kind=DecisionKind.ORDINARY,
            secret=False,
            parent=motion,
            by=chair,
        )


def test_motions_only_on_decision_items(meeting):
    from tests.factories import AgendaItemFactory

    info = AgendaItemFactory(assembly=meeting.assembly, kind=ItemKind.INFORMATION)
    with pytest.raises(DomainError, match="for decision"):
        services.add_motion(
            meeting.assembly,
            item=info,
            title="X",
            text="",
            decision_kind=DecisionKind.ORDINARY,
            secret=False,
            by=meeting.chair,
        )


# The tally ----------------------------------------------------------------------------------


def test_no_paper_votes_when_everyone_present_voted_online(meeting):
    for person in [meeting.chair, *meeting.members[:3]]:
        services.cast_vote(meeting.motion, voter=person, choice=Choice.FOR)
    with pytest.raises(DomainError, match="already voted online, so there can be no paper"):
        services.set_paper_votes(meeting.motion, for_=1, against=0, abstain=0, by=meeting.chair)
    assert meeting.motion.paper_total == 0


def test_only_a_draft_changes_its_details():
    cooperative = CooperativeFactory()
    assembly, chair = _draft(cooperative)
    later = utcnow() + timedelta(days=30)
    details = {"title": "ALV", "place": "", "online_url": "", "is_second": False, "by": chair}
    services.update_assembly(assembly, starts_at=later, **details)
    assert assembly.starts_at == later
    with pytest.raises(DomainError, match="in the future"):
        services.update_assembly(assembly, starts_at=utcnow() - timedelta(days=1), **details)
    services.convene(assembly, by=chair)
    with pytest.raises(DomainError, match="details can only change until the assembly is convened"):
        services.update_assembly(assembly, starts_at=later + timedelta(days=1), **details)
    assert assembly.starts_at == later


def test_tally_with_paper_votes_and_proxies(meeting):
    holder, grantor = meeting.members[0], meeting.members[3]
    services.grant_proxy(meeting.assembly, grantor, holder_number=holder.number, by=grantor)
    services.cast_vote(meeting.motion, voter=holder, choice=Choice.FOR)
    services.cast_vote(meeting.motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)
    services.cast_vote(meeting.motion, voter=meeting.members[1], choice=Choice.ABSTAIN)
    # present 4 (chair + 3), represented 1, online votes 3: at most 2 on paper
    with pytest.raises(DomainError, match="You entered 3 paper votes, but there can be at most 2"):
        services.set_paper_votes(meeting.motion, for_=2, against=1, abstain=0, by=meeting.chair)
    services.set_paper_votes(meeting.motion, for_=1, against=1, abstain=0, by=meeting.chair)
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.eligible, result.present, result.represented) == (6, 4, 1)
    assert (result.for_weight, result.against_weight, result.abstain_weight) == (3, 1, 1)
    assert result.cast == 4  # blank votes do not count by default
    assert result.online_count == 3
    assert result.paper_count == 2
    assert result.quorum_met
    assert result.majority_met
    assert result.adopted
    assert result.outcome_en == (
        "adopted: 3 of the 4 votes cast in favour (75%); needed: more than half"
    )
    actions = [
        e.action
        for e in db.session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.seq))
    ]
    assert "motion.vote_closed" in actions
    assert "motion.paper_votes" in actions


def test_members_in_the_room_cannot_vote_online_after_the_paper_count(meeting):
    in_room, online, grantor = meeting.members[0], meeting.members[4], meeting.members[3]
    services.grant_proxy(meeting.assembly, grantor, holder_number=in_room.number, by=grantor)
    _allow_online(meeting)
    services.check_in(meeting.assembly, online, by=online, online=True)
    services.set_paper_votes(meeting.motion, for_=2, against=1, abstain=0, by=meeting.chair)

    # Counted on paper in the room: neither their own vote nor one for a grantor.
    with pytest.raises(DomainError, match="counted on paper"):
        services.cast_vote(meeting.motion, voter=in_room, choice=Choice.AGAINST)
    with pytest.raises(DomainError, match="counted on paper"):
        services.cast_vote(
            meeting.motion, voter=in_room, choice=Choice.AGAINST, on_behalf_of=grantor
        )
    # A member who attends online still votes online.
    services.cast_vote(meeting.motion, voter=online, choice=Choice.FOR)

    assert db.session.scalars(select(Vote.membership_id)).all() == [online.id]
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.online_count, result.paper_count) == (1, 3)


def test_a_vote_read_before_the_paper_count_is_refused_after_it(meeting):
    member = meeting.members[0]
    state = services.vote_state(meeting.cooperative, meeting.assembly.id, meeting.motion.id, member)
    # the chair enters the paper totals in another transaction meanwhile
    db.session.execute(
        text("UPDATE motions SET paper_for = 2 WHERE id = :id"), {"id": meeting.motion.id}
    )
    assert meeting.motion.paper_total == 0  # what this vote read

    with pytest.raises(DomainError, match="counted on paper"):
        services.cast_vote(meeting.motion, voter=member, choice=Choice.FOR, state=state)
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0


def test_quorum_missed_and_second_assembly(meeting):
    chair = meeting.chair
    meeting.motion.decision_kind = DecisionKind.DISSOLUTION  # quorum 50%, two thirds
    for _member in meeting.members:
        MembershipFactory(cooperative=meeting.cooperative)  # 11 eligible, 4 present
    services.cast_vote(meeting.motion, voter=meeting.members[0], choice=Choice.FOR)
    result = services.close_vote(meeting.motion, by=chair)
    assert not result.quorum_met
    assert result.majority_met
    assert not result.adopted
    assert "quorum not reached (4 of 11" in result.outcome_en

    second = AssemblyFactory(
        cooperative=meeting.cooperative, status=AssemblyStatus.IN_SESSION, is_second=True
    )
    motion = MotionFactory(
        agenda_item__assembly=second,
        decision_kind=DecisionKind.DISSOLUTION,
        status=MotionStatus.OPEN,
    )
    services.check_in(second, meeting.members[0], by=chair)
    services.cast_vote(motion, voter=meeting.members[0], choice=Choice.FOR)
    assert services.close_vote(motion, by=chair).adopted


@pytest.mark.parametrize(
    ("holder_index", "represented", "quorum_met"),
    [(0, 1, True), (4, 0, False)],
    ids=["holder-attends", "holder-absent"],
)
def test_a_member_is_represented_only_when_the_proxy_holder_attends(
    meeting, holder_index, represented, quorum_met
):
    chair = meeting.chair
    meeting.motion.decision_kind = DecisionKind.DISSOLUTION  # quorum 50%
    for _ in range(4):
        MembershipFactory(cooperative=meeting.cooperative)  # 10 eligible, 4 present
    grantor, holder = meeting.members[3], meeting.members[holder_index]
    services.grant_proxy(meeting.assembly, grantor, holder_number=holder.number, by=grantor)
    counts = services.turnout(meeting.motion)
    assert (counts.eligible, counts.present, counts.represented) == (10, 4, represented)
    # The paper votes are capped by the members present and represented.
    assert services.room_without_vote(meeting.motion).room == 4 + represented
    with pytest.raises(DomainError, match="there can be at most"):
        services.set_paper_votes(
            meeting.motion, for_=5 + represented, against=0, abstain=0, by=chair
        )
    services.set_paper_votes(meeting.motion, for_=4 + represented, against=0, abstain=0, by=chair)
    result = services.close_vote(meeting.motion, by=chair)
    assert (result.present, result.represented) == (4, represented)
    assert result.quorum_met is quorum_met  # 5 of 10 just meets 50%; 4 of 10 does not
    assert result.adopted is quorum_met
    if not quorum_met:
        assert "quorum not reached (4 of 10" in result.outcome_en


def test_an_absent_holder_counts_once_checked_in(meeting):
    grantor, holder = meeting.members[3], meeting.members[4]
    services.grant_proxy(meeting.assembly, grantor, holder_number=holder.number, by=grantor)
    assert services.turnout(meeting.motion).represented == 0
    services.check_in(meeting.assembly, holder, by=meeting.chair)
    counts = services.turnout(meeting.motion)
    assert (counts.present, counts.represented) == (5, 1)


def test_a_proxy_vote_in_advance_represents_the_grantor():
    cooperative = CooperativeFactory()
    chair = board_member(cooperative)
    grantor, holder, idle_grantor, idle_holder = (
        MembershipFactory(cooperative=cooperative) for _ in range(4)
    )
    motion = MotionFactory(agenda_item__assembly__cooperative=cooperative)
    assembly = motion.assembly  # convened, not yet in session
    services.update_rules(
        cooperative, data=_rules_data(advance_voting=True), decision_rules={}, by=chair
    )
    services.open_vote(motion, by=chair)
    services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    services.grant_proxy(assembly, idle_grantor, holder_number=idle_holder.number, by=idle_grantor)
    services.cast_vote(motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)
    counts = services.turnout(motion)
    # The holder voted for the grantor only: the grantor is represented, the holder is
    # not present; the other proxy was not used and its holder is not checked in.
    assert (counts.present, counts.represented, counts.online_votes) == (0, 1, 1)
    result = services.close_vote(motion, by=chair)
    assert (result.present, result.represented) == (0, 1)


def test_decision_list_and_convening_dates(meeting):
    services.cast_vote(meeting.motion, voter=meeting.members[0], choice=Choice.AGAINST)
    services.close_vote(meeting.motion, by=meeting.chair)
    assert services.decisions(meeting.cooperative) == [meeting.motion]
    assert services.decisions(CooperativeFactory()) == []
    assert today()  # the Amsterdam date helper is used for the notice period


def test_board_functions_are_not_needed_to_vote(meeting):
    assert Function.CHAIR in meeting.chair.function_set
    services.cast_vote(meeting.motion, voter=meeting.chair, choice=Choice.FOR)


# Elections ----------------------------------------------------------------------------------


def _election(meeting, *names, secret=None):
    election = services.add_motion(
        meeting.assembly,
        item=meeting.item,
        title="Verkiezing penningmeester",
        text="",
        decision_kind=DecisionKind.ELECTION,
        secret=secret,  # None: as usual for the kind
        by=meeting.chair,
    )
    candidates = [
        services.add_candidate(election, name=name, number=None, by=meeting.chair) for name in names
    ]
    return election, candidates


def test_election_is_secret_and_elects_with_a_majority(meeting):
    election, (anna, bram) = _election(meeting, "Anna", "Bram")
    assert election.secret
    services.open_vote(election, by=meeting.chair)
    with pytest.raises(DomainError, match="candidates can no longer change"):
        services.add_candidate(election, name="Laat", number=None, by=meeting.chair)
    m = meeting.members
    services.cast_vote(election, voter=m[0], choice=Choice.FOR, candidate_id=anna.id)
    services.cast_vote(election, voter=m[1], choice=Choice.FOR, candidate_id=anna.id)
    services.cast_vote(election, voter=m[2], choice=Choice.FOR, candidate_id=bram.id)
    services.cast_vote(election, voter=meeting.chair, choice=Choice.ABSTAIN)
    with pytest.raises(DomainError, match="candidate or vote blank"):
        services.cast_vote(election, voter=m[0], choice=Choice.AGAINST)
    result = services.close_vote(election, by=meeting.chair)
    assert result.adopted
    assert [(c["name"], c["weight"], c["elected"]) for c in result.candidates] == [
        ("Anna", 2, True),
        ("Bram", 1, False),
    ]
    assert result.outcome_en == (
        "elected: Anna with 2 of the 3 votes cast (67%); needed: more than half"
    )
    assert all(
        v.choice is None and v.candidate_id is None for v in db.session.scalars(select(Vote))
    )


def test_the_board_may_hold_an_open_election(meeting):
    election, (anna, bram) = _election(meeting, "Anna", "Bram", secret=False)
    assert not election.secret
    services.open_vote(election, by=meeting.chair)
    m = meeting.members
    services.cast_vote(election, voter=m[0], choice=Choice.FOR, candidate_id=anna.id)
    services.cast_vote(election, voter=m[1], choice=Choice.FOR, candidate_id=anna.id)
    services.cast_vote(election, voter=m[2], choice=Choice.FOR, candidate_id=bram.id)
    services.cast_vote(election, voter=meeting.chair, choice=Choice.ABSTAIN)
    result = services.close_vote(election, by=meeting.chair)
    assert result.adopted
    assert [(c["name"], c["weight"], c["elected"]) for c in result.candidates] == [
        ("Anna", 2, True),
        ("Bram", 1, False),
    ]
    # Open: who voted for whom is kept with the member and shown after the close.
    shown = {v.membership_id: (v.choice, v.candidate_id) for v in services.open_votes_of(election)}
    assert shown == {
        m[0].id: (Choice.FOR, anna.id),
        m[1].id: (Choice.FOR, anna.id),
        m[2].id: (Choice.FOR, bram.id),
        meeting.chair.id: (Choice.ABSTAIN, None),
    }
    assert audit_events("motion.added")[-1].data["secret"] is False


def test_what_is_secret_by_default_and_what_the_board_may_change(meeting):
    def add(kind, secret=None, seats=1):
        return services.add_motion(
            meeting.assembly,
            item=meeting.item,
            title="Voorstel",
            text="",
            decision_kind=kind,
            secret=secret,
            seats=seats,
            by=meeting.chair,
        )

    assert add(DecisionKind.ELECTION).secret
    assert not add(DecisionKind.ELECTION, secret=False).secret
    assert not add(DecisionKind.ORDINARY).secret
    assert add(DecisionKind.ORDINARY, secret=True).secret
    assert add(DecisionKind.ELECTION, seats=2).secret
    # An open vote keeps one choice per member: for more seats the list of who voted for
    # whom would be wrong, so such an election stays secret.
    with pytest.raises(DomainError, match="more than one seat is always secret") as error:
        add(DecisionKind.ELECTION, secret=False, seats=2)
    assert error.value.field == "secret"


def test_an_open_election_gets_no_voting_instruction(meeting):
    from coop.assemblies.models import Proxy

    election, _ = _election(meeting, "Anna", secret=False)
    holder, grantor = meeting.members[0], meeting.members[3]
    assert election not in services.instructable_motions(meeting.assembly)
    assert services.open_elections(meeting.assembly) == [election]
    with pytest.raises(DomainError, match="holder of your proxy chooses") as error:
        services.grant_proxy(
            meeting.assembly,
            grantor,
            holder_number=holder.number,
            by=grantor,
            instructions={election.id: Choice.FOR},
        )
    assert error.value.field == f"instruction-{election.id}"
    assert db.session.scalar(select(func.count(Proxy.id))) == 0


def test_election_tie_and_bad_candidates(meeting):
    election, (anna, bram) = _election(meeting, "Anna", "Bram")
    other, (cees,) = _election(meeting, "Cees")
    services.open_vote(election, by=meeting.chair)
    with pytest.raises(DomainError, match="candidate or vote blank"):
        services.cast_vote(
            election, voter=meeting.members[0], choice=Choice.FOR, candidate_id=cees.id
        )
    with pytest.raises(DomainError):
        services.cast_vote(
            meeting.motion, voter=meeting.members[0], choice=Choice.FOR, candidate_id=anna.id
        )
    services.cast_vote(election, voter=meeting.members[0], choice=Choice.FOR, candidate_id=anna.id)
    services.cast_vote(election, voter=meeting.members[1], choice=Choice.FOR, candidate_id=bram.id)
    result = services.close_vote(election, by=meeting.chair)
    assert not result.adopted
    assert "tied" in result.outcome_en


def test_an_election_needs_candidates_before_the_vote(meeting):
    election, _ = _election(meeting)
    with pytest.raises(DomainError, match="candidates first"):
        services.open_vote(election, by=meeting.chair)
    with pytest.raises(DomainError, match="no active member"):
        services.add_candidate(election, name="", number=999_999, by=meeting.chair)
    candidate = services.add_candidate(
        election, name="", number=meeting.members[4].number, by=meeting.chair
    )
    assert candidate.name == meeting.members[4].name


# Voting in advance --------------------------------------------------------------------------


def test_voting_in_advance_only_when_the_rules_allow_it_and_it_voids_the_proxy():
    cooperative = CooperativeFactory()
    chair = board_member(cooperative)
    grantor, holder = (MembershipFactory(cooperative=cooperative) for _ in range(2))
    motion = MotionFactory(agenda_item__assembly__cooperative=cooperative)
    assembly = motion.assembly  # convened, not yet in session
    with pytest.raises(DomainError, match="Open the assembly first"):
        services.open_vote(motion, by=chair)
    services.update_rules(
        cooperative, data=_rules_data(advance_voting=True), decision_rules={}, by=chair
    )
    services.open_vote(motion, by=chair)
    proxy = services.grant_proxy(assembly, grantor, holder_number=holder.number, by=grantor)
    # no check-in needed before the meeting
    services.cast_vote(motion, voter=grantor, choice=Choice.AGAINST)
    assert proxy.status is ProxyStatus.VOID
    with pytest.raises(DomainError, match="valid proxy"):
        services.cast_vote(motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)
    services.cast_vote(motion, voter=holder, choice=Choice.FOR)
    result = services.close_vote(motion, by=chair)
    assert result.present == 2  # both voted in advance
    assert (result.for_weight, result.against_weight) == (1, 1)
    assert not result.adopted  # a tie


# Proxy voting instructions ------------------------------------------------------------------


def test_instruction_binds_the_holder_and_free_motions_are_free(meeting):
    from coop.assemblies.models import ProxyInstruction

    holder, grantor = meeting.members[0], meeting.members[3]
    other = MotionFactory(agenda_item=meeting.item, status=MotionStatus.OPEN)
    proxy = services.grant_proxy(
        meeting.assembly,
        grantor,
        holder_number=holder.number,
        by=grantor,
        instructions={meeting.motion.id: Choice.AGAINST, other.id: None},
    )
    assert services.proxy_instructions(proxy) == {meeting.motion.id: Choice.AGAINST}
    assert services.instructions_for_holder(meeting.motion, holder) == {grantor.id: Choice.AGAINST}
    # nobody else sees them
    assert services.instructions_for_holder(meeting.motion, meeting.members[1]) == {}
    with pytest.raises(DomainError) as error:
        services.cast_vote(meeting.motion, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)
    assert "asked you to vote 'Against'" in error.value.message
    assert error.value.field == "choice"
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert db.session.scalar(select(func.count(Ballot.id))) == 0
    services.cast_vote(meeting.motion, voter=holder, choice=Choice.AGAINST, on_behalf_of=grantor)
    # no instruction on the other motion: the holder chooses; their own vote is free too
    services.cast_vote(other, voter=holder, choice=Choice.FOR, on_behalf_of=grantor)
    services.cast_vote(meeting.motion, voter=holder, choice=Choice.FOR)
    assert db.session.scalar(select(func.count(Vote.id))) == 3
    assert db.session.scalar(select(func.count(ProxyInstruction.id))) == 1
    event = audit_events("assembly.proxy_granted")[-1]
    assert event.data["instructions"] == 1
    assert "against" not in str(event.data)


def test_bad_instructions_write_nothing(meeting):
    from coop.assemblies.models import Proxy, ProxyInstruction

    holder, grantor = meeting.members[0], meeting.members[3]
    closed = MotionFactory(agenda_item=meeting.item, status=MotionStatus.CLOSED)
    elsewhere = MotionFactory(status=MotionStatus.OPEN)
    election = MotionFactory(
        agenda_item=meeting.item, decision_kind=DecisionKind.ELECTION, secret=True
    )
    for motion_id, choice in (
        (closed.id, Choice.FOR),
        (elsewhere.id, Choice.FOR),
        (election.id, Choice.FOR),
        (meeting.motion.id, "yes"),
    ):
        with pytest.raises(DomainError) as error:
            services.grant_proxy(
                meeting.assembly,
                grantor,
                holder_number=holder.number,
                by=grantor,
                instructions={motion_id: choice},
            )
        assert error.value.field == f"instruction-{motion_id}"
    assert db.session.scalar(select(func.count(Proxy.id))) == 0
    assert db.session.scalar(select(func.count(ProxyInstruction.id))) == 0


def audit_events(action):
    return db.session.scalars(
        select(audit.AuditEvent)
        .where(audit.AuditEvent.action == action)
        .order_by(audit.AuditEvent.seq)
    ).all()


# Minutes adopted at the next assembly -------------------------------------------------------


def _previous(meeting, **kwargs):
    return AssemblyFactory(
        cooperative=meeting.cooperative,
        status=AssemblyStatus.CLOSED,
        starts_at=meeting.assembly.starts_at - timedelta(days=90),
        **kwargs,
    )


def _minutes_motion(meeting, previous, **kwargs):
    return services.add_motion(
        meeting.assembly,
        item=meeting.item,
        title="Notulen vaststellen",
        text="",
        decision_kind=kwargs.pop("decision_kind", DecisionKind.ORDINARY),
        secret=False,
        adopts_minutes_of=previous,
        by=meeting.chair,
        **kwargs,
    )


def test_minutes_are_adopted_when_the_motion_is_adopted(meeting):
    from coop.assemblies.models import MinutesAreFinal

    previous = _previous(meeting)
    assert services.minutes_to_adopt(meeting.assembly) == [previous]
    motion = _minutes_motion(meeting, previous)
    assert services.minutes_to_adopt(meeting.assembly) == []  # one motion at a time
    services.open_vote(motion, by=meeting.chair)
    for member in meeting.members[:3]:
        services.cast_vote(motion, voter=member, choice=Choice.FOR)
    assert services.adopted_minutes(previous) is None  # still a draft during the vote
    result = services.close_vote(motion, by=meeting.chair)
    assert result.adopted
    adopted = services.adopted_minutes(previous)
    assert adopted.adopted_by_assembly_id == meeting.assembly.id
    assert adopted.motion_id == motion.id
    assert adopted.adopted_at is not None
    assert audit_events("assembly.minutes_adopted")[-1].data["by_assembly"] == meeting.assembly.id

    # final: the ORM refuses to change or delete the adoption
    def change():
        with db.session.begin_nested():
            adopted.adopted_at = adopted.adopted_at - timedelta(days=1)

    def delete():
        with db.session.begin_nested():
            db.session.delete(adopted)

    with pytest.raises(MinutesAreFinal):
        change()
    with pytest.raises(MinutesAreFinal):
        delete()
    assert services.adopted_minutes(previous).motion_id == motion.id
    # and they cannot be adopted again
    with pytest.raises(DomainError) as error:
        _minutes_motion(meeting, previous)
    assert error.value.field == "adopts_minutes_of"


def test_rejected_minutes_motion_leaves_the_minutes_a_draft(meeting):
    previous = _previous(meeting)
    motion = _minutes_motion(meeting, previous)
    services.open_vote(motion, by=meeting.chair)
    for member in meeting.members[:3]:
        services.cast_vote(motion, voter=member, choice=Choice.AGAINST)
    assert not services.close_vote(motion, by=meeting.chair).adopted
    assert services.adopted_minutes(previous) is None
    assert audit_events("assembly.minutes_adopted") == []
    assert services.minutes_to_adopt(meeting.assembly) == [previous]  # try again


def test_which_minutes_a_motion_can_adopt(meeting):
    previous = _previous(meeting)
    later = AssemblyFactory(
        cooperative=meeting.cooperative,
        status=AssemblyStatus.CLOSED,
        starts_at=meeting.assembly.starts_at + timedelta(days=90),
    )
    still_open = _previous(meeting, title="Nog niet gesloten")
    still_open.status = AssemblyStatus.CONVENED
    foreign = AssemblyFactory(
        status=AssemblyStatus.CLOSED, starts_at=meeting.assembly.starts_at - timedelta(days=90)
    )
    for target in (later, still_open, foreign, meeting.assembly):
        with pytest.raises(DomainError) as error:
            _minutes_motion(meeting, target)
        assert error.value.field == "adopts_minutes_of"
    with pytest.raises(DomainError) as error:
        _minutes_motion(meeting, previous, decision_kind=DecisionKind.STATUTES)
    assert error.value.field == "adopts_minutes_of"
    with pytest.raises(DomainError):
        _minutes_motion(meeting, previous, parent=meeting.motion)
    assert [m.id for m in services.motions_of(meeting.assembly)] == [meeting.motion.id]


# Elections with more seats ------------------------------------------------------------------


def _seats_election(meeting, seats, *names):
    election = services.add_motion(
        meeting.assembly,
        item=meeting.item,
        title="Verkiezing bestuur",
        text="",
        decision_kind=DecisionKind.ELECTION,
        seats=seats,
        by=meeting.chair,
    )
    candidates = [
        services.add_candidate(election, name=name, number=None, by=meeting.chair) for name in names
    ]
    services.open_vote(election, by=meeting.chair)
    return election, candidates


def test_election_with_two_seats(meeting):
    for member in meeting.members[3:]:
        services.check_in(meeting.assembly, member, by=meeting.chair)
    election, (anna, bram, cees, daan) = _seats_election(meeting, 2, "Anna", "Bram", "Cees", "Daan")
    assert election.secret
    assert election.seats == 2
    m = meeting.members

    def vote(member, *picks):
        choice = Choice.FOR if picks else Choice.ABSTAIN
        return services.cast_vote(
            election, voter=member, choice=choice, candidate_ids=[p.id for p in picks]
        )

    for bad, message in (
        ((anna, bram, cees), "at most 2 candidates"),
        ((anna, anna), "candidate or vote blank"),
    ):
        with pytest.raises(DomainError, match=message):
            vote(m[0], *bad)
    with pytest.raises(DomainError, match="candidate or vote blank"):
        services.cast_vote(election, voter=m[0], choice=Choice.ABSTAIN, candidate_ids=[anna.id])
    assert db.session.scalar(select(func.count(Ballot.id))) == 0
    receipt = vote(m[0], anna, bram)
    vote(m[1], anna, bram)
    vote(m[2], anna, cees)
    vote(m[3], anna, bram)
    vote(m[4], cees)
    vote(meeting.chair)  # blank
    # one ballot per pick, sharing the voter's receipt; nothing in the vote rows
    assert db.session.scalar(select(func.count(Ballot.id))) == 10
    assert db.session.scalar(select(func.count()).where(Ballot.receipt == receipt)) == 2
    assert all(
        v.candidate_id is None and v.choice is None for v in db.session.scalars(select(Vote))
    )
    result = services.close_vote(election, by=meeting.chair)
    assert [(c["name"], c["weight"], c["elected"]) for c in result.candidates] == [
        ("Anna", 4, True),
        ("Bram", 3, True),
        ("Cees", 2, False),
        ("Daan", 0, False),
    ]
    assert result.cast == 5  # voters, not picks; the blank vote does not count as cast
    assert result.abstain_count == 1
    assert result.adopted
    assert result.outcome_en == (
        "elected to 2 of 2 seats: Anna (4 votes), Bram (3 votes); 5 votes cast (a ballot "
        "counts once, however many names it has); "
        "needed: more than half"
    )


def test_a_tie_at_the_last_seat_elects_no_one_for_that_seat(meeting):
    election, (anna, bram, cees) = _seats_election(meeting, 2, "Anna", "Bram", "Cees")
    m = meeting.members
    services.check_in(meeting.assembly, m[3], by=meeting.chair)
    ballots = (
        (m[0], [anna, bram]),
        (m[1], [anna, bram]),
        (m[2], [anna, cees]),
        (m[3], [anna, cees]),
        (meeting.chair, [bram, cees]),
    )
    for member, picks in ballots:
        services.cast_vote(
            election, voter=member, choice=Choice.FOR, candidate_ids=[p.id for p in picks]
        )
    result = services.close_vote(election, by=meeting.chair)
    assert [(c["name"], c["elected"]) for c in result.candidates] == [
        ("Anna", True),
        ("Bram", False),
        ("Cees", False),
    ]
    # 3 of 5 would have been enough for Bram or Cees: the tie is why the seat stays empty.
    assert result.outcome_en == (
        "elected to 1 of 2 seats: Anna (4 votes); 5 votes cast (a ballot counts once, however "
        "many names it has); needed: more than half; "
        "candidates tied for the last seat with 3 votes each, so no one is elected to that seat"
    )


def test_a_tie_among_candidates_without_enough_votes_is_no_reason(meeting):
    election, (anna, bram, cees) = _seats_election(meeting, 2, "Anna", "Bram", "Cees")
    m = meeting.members
    for member, picks in ((m[0], [anna, bram]), (m[1], [anna, cees]), (m[2], [anna])):
        services.cast_vote(
            election, voter=member, choice=Choice.FOR, candidate_ids=[p.id for p in picks]
        )
    result = services.close_vote(election, by=meeting.chair)
    assert [c["elected"] for c in result.candidates] == [True, False, False]
    # 1 of 3 is not more than half: the majority, not the tie, leaves the seat empty.
    assert "tied" not in result.outcome_en
    assert result.outcome_en.startswith("elected to 1 of 2 seats: Anna (3 votes); 3 votes cast")


def test_seats_only_for_elections_and_within_limits(meeting):
    with pytest.raises(DomainError) as error:
        _seats_election(meeting, 0, "Anna")
    assert error.value.field == "seats"
    with pytest.raises(DomainError):
        _seats_election(meeting, services.MAX_SEATS + 1, "Anna")
    motion = services.add_motion(
        meeting.assembly,
        item=meeting.item,
        title="Gewoon voorstel",
        text="",
        decision_kind=DecisionKind.ORDINARY,
        secret=False,
        seats=3,
        by=meeting.chair,
    )
    assert motion.seats == 1


def test_no_candidates_added_once_the_assembly_is_closed(meeting):
    election = services.add_motion(
        meeting.assembly,
        item=meeting.item,
        title="Verkiezing na afloop",
        text="",
        decision_kind=DecisionKind.ELECTION,
        secret=True,
        by=meeting.chair,
    )
    meeting.assembly.status = AssemblyStatus.CLOSED
    with pytest.raises(DomainError, match="assembly is closed"):
        services.add_candidate(election, name="Anna", number=None, by=meeting.chair)
    assert election.candidates == []


def test_no_instruction_for_a_secret_vote_so_nothing_ties_a_member_to_a_choice(meeting):
    from coop.assemblies.models import Proxy, ProxyInstruction

    holder, grantor = meeting.members[0], meeting.members[3]
    secret = MotionFactory(agenda_item=meeting.item, status=MotionStatus.OPEN, secret=True)
    assert services.instructable_motions(meeting.assembly) == [meeting.motion]
    assert services.secret_motions(meeting.assembly) == [secret]
    with pytest.raises(DomainError) as error:
        services.grant_proxy(
            meeting.assembly,
            grantor,
            holder_number=holder.number,
            by=grantor,
            instructions={meeting.motion.id: Choice.FOR, secret.id: Choice.AGAINST},
        )
    assert error.value.field == f"instruction-{secret.id}"
    assert "secret" in error.value.message
    assert db.session.scalar(select(func.count(Proxy.id))) == 0
    assert db.session.scalar(select(func.count(ProxyInstruction.id))) == 0
    # 'Free' on a secret vote is refused too: the form offers no field for it.
    with pytest.raises(DomainError, match="secret"):
        services.grant_proxy(
            meeting.assembly,
            grantor,
            holder_number=holder.number,
            by=grantor,
            instructions={secret.id: None},
        )
    services.grant_proxy(
        meeting.assembly,
        grantor,
        holder_number=holder.number,
        by=grantor,
        instructions={meeting.motion.id: Choice.FOR},
    )
    # The holder chooses on the secret vote; the database keeps no row that says how
    # the grantor voted there.
    services.cast_vote(secret, voter=holder, choice=Choice.AGAINST, on_behalf_of=grantor)
    assert db.session.scalars(select(ProxyInstruction.motion_id)).all() == [meeting.motion.id]
    assert db.session.scalar(select(Vote.choice).where(Vote.motion_id == secret.id)) is None


def test_online_check_in_is_for_the_day_of_the_assembly(meeting):
    """Weeks before, "check in" reads as "sign up to come" (and would end a proxy given)."""
    _allow_online(meeting)
    ahead = AssemblyFactory(cooperative=meeting.cooperative, status=AssemblyStatus.CONVENED)
    member = meeting.members[4]
    services.grant_proxy(ahead, member, holder_number=meeting.members[3].number, by=member)
    with pytest.raises(DomainError, match="on the day of the assembly"):
        services.check_in(ahead, member, by=member, online=True)
    assert services.attendance_of(ahead, member) is None
    assert len(services.active_proxies(ahead, grantor=member)) == 1  # still given
    services.check_in(ahead, meeting.members[3], by=meeting.chair)  # at the door: arriving
    ahead.starts_at = utcnow()  # the day itself
    assert services.check_in(ahead, member, by=member, online=True).online
    assert services.active_proxies(ahead, grantor=member) == []


def test_a_vote_with_only_abstentions_says_they_were_not_counted_as_cast(meeting):
    """A member who abstained read "no votes were cast" and thought their vote was lost."""
    services.cast_vote(meeting.motion, voter=meeting.members[0], choice=Choice.ABSTAIN)
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert result.cast == 0
    assert result.abstain_count == 1
    assert result.outcome("en") == (
        "rejected: no votes were cast (1 abstention, and abstentions do not count as votes "
        "cast); needed: more than half"
    )


def test_a_vote_after_the_assembly_closed_says_it_closed(meeting):
    services.close_vote(meeting.motion, by=meeting.chair)
    services.close_session(meeting.assembly, by=meeting.chair)
    with pytest.raises(DomainError, match="^The assembly is closed.$"):
        services.cast_vote(meeting.motion, voter=meeting.members[1], choice=Choice.FOR)
    draft = AssemblyFactory(cooperative=meeting.cooperative, status=AssemblyStatus.CONVENED)
    motion = MotionFactory(agenda_item__assembly=draft, status=MotionStatus.OPEN)
    with pytest.raises(DomainError, match="^The assembly is not in session.$"):
        services.cast_vote(motion, voter=meeting.members[1], choice=Choice.FOR)


# Elections counted on paper in the room -----------------------------------------------------


def test_an_election_counted_on_paper_adds_the_ballots_of_the_room(meeting):
    """Members without a phone vote in an election too: the chair enters the paper ballots
    per candidate. They are members in the room who did not vote online."""
    election, (anna, bram) = _election(meeting, "Anna", "Bram")
    services.open_vote(election, by=meeting.chair)
    services.cast_vote(election, voter=meeting.members[0], choice=Choice.FOR, candidate_id=bram.id)
    with pytest.raises(DomainError, match="per candidate"):
        services.set_paper_votes(election, for_=1, against=0, abstain=0, by=meeting.chair)
    with pytest.raises(DomainError, match="at most 3"):  # 4 in the room, 1 voted online
        services.set_election_paper_votes(
            election, candidates={anna.id: 3, bram.id: 1}, blank=0, by=meeting.chair
        )
    with pytest.raises(DomainError, match="0 or more"):
        services.set_election_paper_votes(
            election, candidates={anna.id: -1, bram.id: 1}, blank=0, by=meeting.chair
        )
    with pytest.raises(DomainError, match="candidates have changed"):
        services.set_election_paper_votes(
            election, candidates={anna.id: 1}, blank=0, by=meeting.chair
        )
    services.set_election_paper_votes(
        election, candidates={anna.id: 2, bram.id: 0}, blank=1, by=meeting.chair
    )
    assert (election.paper_for, election.paper_abstain, anna.paper_votes) == (2, 1, 2)
    with pytest.raises(DomainError, match="counted on paper"):  # the room has voted
        services.cast_vote(
            election, voter=meeting.members[1], choice=Choice.FOR, candidate_id=anna.id
        )
    result = services.close_vote(election, by=meeting.chair)
    assert [(c["name"], c["count"], c["elected"]) for c in result.candidates] == [
        ("Anna", 2, True),
        ("Bram", 1, False),
    ]
    assert (result.cast, result.abstain_count) == (3, 1)
    assert (result.online_count, result.paper_count) == (1, 3)
    assert result.outcome_en == (
        "elected: Anna with 2 of the 3 votes cast (67%); needed: more than half"
    )


def test_paper_ballots_for_more_seats_name_each_candidate_once_and_count_as_voters(meeting):
    election, (anna, bram, cor) = _seats_election(meeting, 2, "Anna", "Bram", "Cor")
    services.cast_vote(
        election, voter=meeting.members[0], choice=Choice.FOR, candidate_ids=[anna.id, bram.id]
    )

    def paper(a, b, c, *, ballots, blank=0):
        services.set_election_paper_votes(
            election,
            candidates={anna.id: a, bram.id: b, cor.id: c},
            blank=blank,
            ballots=ballots,
            by=meeting.chair,
        )

    with pytest.raises(DomainError, match="a ballot names a candidate once") as error:
        paper(3, 1, 0, ballots=2)
    assert error.value.field == f"candidate_{anna.id}"
    with pytest.raises(DomainError, match="each names at most 2 candidates") as error:
        paper(2, 2, 1, ballots=2)
    assert error.value.field == "ballots"
    with pytest.raises(DomainError, match="need at least 2 votes for candidates"):
        paper(1, 0, 0, ballots=2)
    with pytest.raises(DomainError, match="ballots with one or more names"):
        services.set_election_paper_votes(
            election, candidates={anna.id: 1, bram.id: 0, cor.id: 0}, blank=0, by=meeting.chair
        )
    paper(2, 1, 1, ballots=2, blank=1)
    result = services.close_vote(election, by=meeting.chair)
    assert [(c["name"], c["count"], c["elected"]) for c in result.candidates] == [
        ("Anna", 3, True),
        ("Bram", 2, True),
        ("Cor", 1, False),
    ]
    assert (result.cast, result.abstain_count) == (3, 1)  # 1 online and 2 paper voters
    assert (result.online_count, result.paper_count) == (1, 3)


# Taking back a check-in ---------------------------------------------------------------------


def test_a_check_in_by_mistake_is_taken_back_until_it_counts(meeting):
    """The wrong name tapped at the door: the board takes it back, unless the member voted,
    or a vote was counted with them present (then it is part of the count)."""
    chair, m = meeting.chair, meeting.members
    services.check_in(meeting.assembly, m[3], by=chair)
    services.undo_check_in(meeting.assembly, m[3], by=chair)
    assert services.attendance_of(meeting.assembly, m[3]) is None
    event = db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == "assembly.check_in_undone")
    ).one()
    assert event.data["member"] == m[3].number
    with pytest.raises(DomainError, match="is not checked in"):
        services.undo_check_in(meeting.assembly, m[3], by=chair)
    services.cast_vote(meeting.motion, voter=m[0], choice=Choice.FOR)
    with pytest.raises(DomainError, match="has voted, so the check-in stays"):
        services.undo_check_in(meeting.assembly, m[0], by=chair)
    # A proxy holder who voted for a grantor.
    services.grant_proxy(meeting.assembly, m[4], holder_number=m[1].number, by=m[4])
    services.cast_vote(meeting.motion, voter=m[1], choice=Choice.FOR, on_behalf_of=m[4])
    with pytest.raises(DomainError, match="has voted, so the check-in stays"):
        services.undo_check_in(meeting.assembly, m[1], by=chair)
    # Paper votes counted in the room with m[2] there.
    services.set_paper_votes(meeting.motion, for_=1, against=0, abstain=0, by=chair)
    with pytest.raises(DomainError, match="A vote was counted while"):
        services.undo_check_in(meeting.assembly, m[2], by=chair)
    # A vote closed with m[2] present: the result counted them.
    services.close_vote(meeting.motion, by=chair)
    with pytest.raises(DomainError, match="A vote was counted while"):
        services.undo_check_in(meeting.assembly, m[2], by=chair)
    assert services.attendance_of(meeting.assembly, m[2]) is not None
    # A check-in after that close counted in no vote: it can be taken back.
    services.check_in(meeting.assembly, m[3], by=chair)
    services.undo_check_in(meeting.assembly, m[3], by=chair)
    assert services.attendance_of(meeting.assembly, m[3]) is None
    services.close_session(meeting.assembly, by=chair)
    with pytest.raises(DomainError, match="attendance list is closed"):
        services.undo_check_in(meeting.assembly, m[2], by=chair)


def test_an_election_of_only_blank_votes_that_count_as_cast_says_so(meeting):
    settings = services.governance(meeting.cooperative)
    settings.blank_votes_count = True
    db.session.add(settings)
    election, (anna, bram) = _election(meeting, "Anna", "Bram")
    services.open_vote(election, by=meeting.chair)
    services.cast_vote(election, voter=meeting.members[0], choice=Choice.ABSTAIN)
    services.set_election_paper_votes(
        election, candidates={anna.id: 0, bram.id: 0}, blank=2, by=meeting.chair
    )
    result = services.close_vote(election, by=meeting.chair)
    assert result.cast == 3
    assert result.outcome_en == "no one elected: 3 votes cast, all blank; needed: more than half"


def test_an_online_check_in_is_taken_back_after_the_room_voted_on_paper(meeting):
    """Paper votes count the room, not who takes part online."""
    _allow_online(meeting)
    online, door = meeting.members[3], meeting.members[4]
    services.check_in(meeting.assembly, online, by=online, online=True)
    services.set_paper_votes(meeting.motion, for_=1, against=0, abstain=0, by=meeting.chair)
    services.undo_check_in(meeting.assembly, online, by=meeting.chair)
    assert services.attendance_of(meeting.assembly, online) is None
    services.check_in(meeting.assembly, door, by=meeting.chair)  # in the room after the count
    with pytest.raises(DomainError, match="A vote was counted while"):
        services.undo_check_in(meeting.assembly, door, by=meeting.chair)


def test_taking_back_a_check_in_says_which_proxy_stays_ended(meeting):
    grantor, holder = meeting.members[3], meeting.members[4]
    services.grant_proxy(meeting.assembly, grantor, holder_number=holder.number, by=grantor)
    services.check_in(meeting.assembly, grantor, by=meeting.chair)  # ends the proxy
    ended = services.undo_check_in(meeting.assembly, grantor, by=meeting.chair)
    assert [p.holder_id for p in ended] == [holder.id]
    assert services.active_proxies(meeting.assembly, grantor=grantor) == []


def test_members_taking_part_online_are_not_counted_on_paper(meeting):
    """A member online who has not voted yet can still vote online after the paper count:
    the room's paper votes leave them out, or they would count twice."""
    _allow_online(meeting)
    online = meeting.members[3]
    services.check_in(meeting.assembly, online, by=online, online=True)
    # In the room: the chair and members 0-2 (4); online: member 3.
    assert services.room_without_vote(meeting.motion) == services.WithoutVote(room=4, online=1)
    with pytest.raises(DomainError, match="at most 4"):
        services.set_paper_votes(meeting.motion, for_=5, against=0, abstain=0, by=meeting.chair)
    services.set_paper_votes(meeting.motion, for_=4, against=0, abstain=0, by=meeting.chair)
    services.cast_vote(meeting.motion, voter=online, choice=Choice.AGAINST)  # still possible
    assert services.not_voted(meeting.motion, services.room_without_vote(meeting.motion)) == 0
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert result.present == 5
    assert result.cast == 5  # 4 on paper and 1 online: nobody twice


def test_a_grantor_counted_on_paper_through_the_holder_cannot_vote_again(meeting):
    """The holder at the door voted on paper for the grantor: until that vote closes the
    grantor can neither check in online nor move the proxy to someone online."""
    _allow_online(meeting)
    grantor, holder = meeting.members[4], meeting.members[0]  # the holder is at the door
    proxy = services.grant_proxy(meeting.assembly, grantor, holder_number=holder.number, by=grantor)
    assert services.room_without_vote(meeting.motion).room == 5  # 4 at the door + grantor
    services.set_paper_votes(meeting.motion, for_=5, against=0, abstain=0, by=meeting.chair)
    with pytest.raises(DomainError, match="counted twice"):
        services.check_in(meeting.assembly, grantor, by=grantor, online=True)
    with pytest.raises(DomainError, match="counted twice"):
        services.revoke_proxy(proxy, by=grantor)
    assert services.attendance_of(meeting.assembly, grantor) is None
    result = services.close_vote(meeting.motion, by=meeting.chair)
    assert (result.present, result.represented, result.cast) == (4, 1, 5)
    services.revoke_proxy(proxy, by=grantor)  # once the vote closed


def test_a_grantor_whose_membership_ended_is_not_counted_in_the_room(meeting):
    grantor, holder = meeting.members[4], meeting.members[0]
    services.grant_proxy(meeting.assembly, grantor, holder_number=holder.number, by=grantor)
    assert services.room_without_vote(meeting.motion).room == 5
    grantor.status = MembershipStatus.ENDED
    db.session.flush()
    assert services.room_without_vote(meeting.motion).room == 4


def _allow_online(meeting) -> None:
    """The rules allow taking part online (electronic participation)."""
    services.update_rules(
        meeting.cooperative,
        data=_rules_data(electronic_participation=True),
        decision_rules={},
        by=meeting.chair,
    )
