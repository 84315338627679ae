"""The assembly pages send as many SQL statements for a small assembly as for a large one:
more members attending, proxies, agenda items with documents, motions with amendments,
results and open votes, elections with candidates, earlier assemblies."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coop.assemblies import services
from coop.assemblies.models import AssemblyStatus, Choice, DecisionKind, ItemKind
from coop.extensions import db
from coop.members.models import Function
from tests.factories import AssemblyFactory, CooperativeFactory, MembershipFactory, board_member

PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class World:
    slug: str
    chair: object
    held: object  # in session: attendance, proxies, votes, results
    draft: object  # a draft agenda: items with documents, motions, candidates
    motion: object  # a closed open-ballot motion of ``held``, with amendments
    election: object  # a closed election of ``held``
    item: object  # an item of ``draft``
    draft_motion: object
    open_motion: object  # an open vote of ``held`` (the chair's counts and tick)
    invited: object  # convened: invitations whose mail did not go out, members admitted since


def build(size: int) -> World:
    """An assembly whose every part grows with ``size``."""
    coop = CooperativeFactory()
    chair = board_member(coop, Function.CHAIR, Function.SECRETARY)
    settings = services.governance(coop)
    settings.electronic_participation = True
    settings.max_proxies_per_holder = size
    db.session.add(settings)
    members = [MembershipFactory(cooperative=coop) for _ in range(3 * size)]
    for _ in range(size):  # earlier assemblies, for the list
        AssemblyFactory(cooperative=coop, status=AssemblyStatus.CLOSED)
    held = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    for assembly in (held, draft):
        for n in range(size):
            item = services.add_item(
                assembly, title=f"Punt {n}", description="", kind=ItemKind.DECISION, by=chair
            )
            services.add_document(item, filename=f"stuk-{n}.pdf", data=PDF, by=chair)
            motion = services.add_motion(
                assembly, item=item, title=f"Voorstel {n}", text="",
                decision_kind=DecisionKind.ORDINARY, by=chair,
            )  # fmt: skip
            services.add_motion(
                assembly, item=item, title=f"Amendement {n}", text="",
                decision_kind=DecisionKind.ORDINARY, parent=motion, by=chair,
            )  # fmt: skip
        election = services.add_motion(
            assembly, item=assembly.items[0], title="Bestuur", text="",
            decision_kind=DecisionKind.ELECTION, by=chair,
        )  # fmt: skip
        for n in range(size):
            services.add_candidate(election, name=f"Kandidaat {n}", number=None, by=chair)
    services.convene(held, by=chair)  # a notice per member
    # Proxies to the chair, given before the meeting.
    for grantor in members[:size]:
        services.grant_proxy(held, grantor, holder_number=chair.number, by=grantor)
    held.status = AssemblyStatus.IN_SESSION
    db.session.flush()
    voters = members[size:]
    for person in [chair, *voters]:
        services.check_in(held, person, by=chair, online=person is not chair)
    motions = services.motions_of(held)
    motion = next(m for m in motions if m.title == "Voorstel 0")
    election = next(m for m in motions if m.is_election)
    # Every vote held and closed (amendments first): results, open votes and ballots, and
    # decisions for the decision list.
    for each in sorted(motions, key=lambda m: not m.is_amendment):
        services.open_vote(each, by=chair)
        for voter in voters:
            if each.is_election:
                services.cast_vote(
                    each, voter=voter, choice=Choice.FOR, candidate_id=each.candidates[0].id
                )
            else:
                services.cast_vote(each, voter=voter, choice=Choice.AGAINST)
        services.close_vote(each, by=chair)
    open_motion = services.add_motion(
        held, item=held.items[0], title="Nog open", text="",
        decision_kind=DecisionKind.ORDINARY, by=chair,
    )  # fmt: skip
    services.open_vote(open_motion, by=chair)
    for voter in voters[:size]:
        services.cast_vote(open_motion, voter=voter, choice=Choice.FOR)
    invited = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    services.add_item(invited, title="Punt", description="", kind=ItemKind.INFORMATION, by=chair)
    services.convene(invited, by=chair)
    failed = [((m.id, m.number), "refused") for m in members[:size]]
    services.record_undelivered(invited, failed, by=chair)
    for _ in range(size):  # admitted since
        MembershipFactory(cooperative=coop)
    db.session.flush()
    draft_motion = next(m for m in services.motions_of(draft) if m.title == "Voorstel 0")
    return World(
        coop.slug, chair, held, draft, motion, election, draft.items[0], draft_motion,
        open_motion, invited,
    )  # fmt: skip


PAGES = {
    "index": "/",
    "decisions": "/decisions",
    "decisions PDF": "/decisions.pdf",
    "minutes PDF": "/{held}/minutes.pdf",
    "assembly": "/{held}",
    "draft": "/{draft}",
    "motion": "/{held}/motions/{motion}",
    "election": "/{held}/motions/{election}",
    "draft motion": "/{draft}/motions/{draft_motion}",
    "attendance": "/{held}/attendance",
    "invitations": "/{held}/invitations",
    "invitations to send": "/{invited}/invitations",
    "open motion": "/{held}/motions/{open_motion}",
    "projector": "/{held}/projector",
    "minutes": "/{held}/minutes",
    "minutes notes": "/{held}/minutes/notes",
    "item": "/{draft}/items/{item}/edit",
    "edit motion": "/{draft}/motions/{draft_motion}/edit",
    "details": "/{draft}/edit",
}


def count(client, login, queries, world: World, path: str) -> int:
    url = f"/c/{world.slug}/assemblies" + path.format(
        held=world.held.id,
        draft=world.draft.id,
        motion=world.motion.id,
        election=world.election.id,
        draft_motion=world.draft_motion.id,
        item=world.item.id,
        open_motion=world.open_motion.id,
        invited=world.invited.id,
    )
    login(world.chair.user)
    client.get(url)  # warm caches (translations, templates)
    before = queries.count
    response = client.get(url)
    assert response.status_code == 200, url
    return queries.count - before


@pytest.mark.parametrize("page", PAGES)
def test_an_assembly_page_takes_as_many_queries_for_a_large_assembly(client, login, queries, page):
    small = count(client, login, queries, build(1), PAGES[page])
    large = count(client, login, queries, build(4), PAGES[page])
    assert large == small, f"{page}: {small} queries for a small assembly, {large} for a large"


def convene_with(client, login, queries, mailbox, members: int) -> int:
    coop = CooperativeFactory()
    chair = board_member(coop, Function.CHAIR)
    for _ in range(members):
        MembershipFactory(cooperative=coop)
    assembly = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    for n in range(3):
        item = services.add_item(
            assembly, title=f"Punt {n}", description="", kind=ItemKind.INFORMATION, by=chair
        )
        services.add_document(item, filename=f"stuk-{n}.pdf", data=PDF, by=chair)
    login(chair.user)
    mailbox.clear()
    before = queries.count
    response = client.post(
        f"/c/{coop.slug}/assemblies/{assembly.id}/convene", data={"confirm": "yes"}
    )
    assert response.status_code == 302
    assert len(mailbox.messages) == members + 1  # and the chair
    assert len(set(mailbox.connections)) == 1  # one SMTP connection for them all
    return queries.count - before


def test_convening_takes_as_many_queries_for_more_members(client, login, queries, mailbox):
    few = convene_with(client, login, queries, mailbox, 2)
    many = convene_with(client, login, queries, mailbox, 12)
    assert many == few, f"convening: {few} queries for 3 members, {many} for 13"
