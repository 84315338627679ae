"""The invitations page: who was sent the invitation and what it said (the proof of the
convocation), and the invitation for members admitted since."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coop.assemblies import services
from coop.assemblies.models import AssemblyStatus, ItemKind, Notice
from coop.audit import AuditEvent
from coop.db import utcnow
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import MembershipStatus
from tests.assemblies.support import text
from tests.factories import AssemblyFactory, MembershipFactory

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def convened(coop, chair):
    members = [MembershipFactory(cooperative=coop) for _ in range(2)]
    assembly = AssemblyFactory(
        cooperative=coop, status=AssemblyStatus.DRAFT, starts_at=utcnow() + timedelta(days=30)
    )
    item = services.add_item(
        assembly, title="Jaarrekening", description="", kind=ItemKind.DECISION, by=chair
    )
    services.add_document(item, filename="jaarrekening.pdf", data=PDF, by=chair)
    services.convene(assembly, by=chair)
    db.session.flush()
    return assembly, members


def url(assembly) -> str:
    return f"/c/{assembly.cooperative.slug}/assemblies/{assembly.id}/invitations"


def test_the_board_sees_who_was_sent_what(client, login, coop, chair, convened):
    assembly, members = convened
    login(chair.user)
    page = text(client.get(f"/c/{coop.slug}/assemblies/{assembly.id}"))
    assert "Uitnodigingen: wie kreeg wat" in page
    page = text(client.get(url(assembly)))
    assert "De uitnodiging is per e-mail verstuurd aan 3 leden met stemrecht." in page
    assert (
        '<li>Jaarrekening <span class="muted">(Ter besluitvorming)</span>: jaarrekening.pdf' in page
    )
    for member in (chair, *members):
        assert member.user.email in page
        assert member.name in page
    assert "Nieuwe leden zonder uitnodiging" not in page


def test_a_member_admitted_since_gets_the_invitation(client, login, mailbox, coop, chair, convened):
    assembly, _members = convened
    newcomer = MembershipFactory(cooperative=coop)
    MembershipFactory(cooperative=coop, status=MembershipStatus.SUSPENDED)  # no voting rights
    login(chair.user)
    page = text(client.get(url(assembly)))
    assert "Nieuwe leden zonder uitnodiging" in page
    assert f"{newcomer.name} ({newcomer.number})" in page
    mailbox.clear()
    response = client.post(url(assembly), follow_redirects=True)
    assert "1 lid krijgt de uitnodiging." in text(response)
    (invitation,) = mailbox.messages
    assert invitation["To"] == newcomer.user.email
    assert [p.get_filename() for p in invitation.iter_attachments()] == ["alv.ics"]
    notice = db.session.scalar(select(Notice).where(Notice.membership_id == newcomer.id))
    assert notice.agenda == [[1, "Jaarrekening", "decision", ["jaarrekening.pdf"]]]
    assert invitation["Subject"] == notice.subject
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assembly.invited_later")
    )
    assert event.data == {"members": [newcomer.number]}
    # Again: nobody left, nobody mailed twice.
    mailbox.clear()
    response = client.post(url(assembly), follow_redirects=True)
    assert "Alle leden met stemrecht hebben de uitnodiging al." in text(response)
    assert mailbox.messages == []
    assert db.session.scalar(select(func.count(Notice.id))) == 4


@pytest.mark.parametrize(
    "status", [AssemblyStatus.DRAFT, AssemblyStatus.IN_SESSION, AssemblyStatus.CLOSED]
)
def test_late_invitations_only_between_convening_and_opening(coop, chair, status):
    assembly = AssemblyFactory(cooperative=coop, status=status)
    MembershipFactory(cooperative=coop)
    with pytest.raises(DomainError, match="tussen het bijeenroepen en de opening"):
        services.invite_new_members(assembly, by=chair)
    assert db.session.scalar(select(func.count(Notice.id))) == 0


def test_a_draft_has_no_invitations_yet_in_english(client, login, coop, chair):
    chair.user.locale = "en"
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    login(chair.user)
    assert "Invitations: who got what" not in text(
        client.get(f"/c/{coop.slug}/assemblies/{draft.id}")
    )
    page = text(client.get(url(draft)))
    assert "Nobody has been invited yet" in page


def test_members_do_not_see_the_invitations(client, login, coop, convened):
    assembly, members = convened
    login(members[0].user)
    assert "Uitnodigingen" not in text(client.get(f"/c/{coop.slug}/assemblies/{assembly.id}"))
    assert client.get(url(assembly)).status_code == 403
    assert client.post(url(assembly)).status_code == 403


def test_convening_asks_for_a_tick_that_names_how_many_are_mailed(
    client, login, mailbox, coop, chair
):
    MembershipFactory(cooperative=coop)
    draft = AssemblyFactory(
        cooperative=coop, status=AssemblyStatus.DRAFT, starts_at=utcnow() + timedelta(days=30)
    )
    services.add_item(draft, title="Opening", description="", kind=ItemKind.INFORMATION, by=chair)
    login(chair.user)
    base = f"/c/{coop.slug}/assemblies/{draft.id}"
    assert "Ja, stuur de uitnodiging nu naar alle 2 leden met stemrecht" in text(client.get(base))
    mailbox.clear()
    refused = client.post(f"{base}/convene")
    assert refused.status_code == 422
    assert "Vink dit vakje aan om de uitnodigingen te versturen." in text(refused)
    assert 'id="confirm-convene-error"' in text(refused)
    assert mailbox.messages == []
    db.session.expire_all()
    assert draft.status is AssemblyStatus.DRAFT
    client.post(f"{base}/convene", data={"confirm": "yes"})
    db.session.expire_all()
    assert draft.status is AssemblyStatus.CONVENED
    assert len(mailbox.messages) == 2


def test_the_assembly_page_tells_the_board_of_members_without_an_invitation(
    client, login, coop, chair, convened
):
    assembly, _members = convened
    login(chair.user)
    base = f"/c/{coop.slug}/assemblies/{assembly.id}"
    assert "nog geen uitnodiging" not in text(client.get(base))
    MembershipFactory(cooperative=coop)
    MembershipFactory(cooperative=coop)
    assert "(2 nieuwe leden hebben nog geen uitnodiging)" in text(client.get(base))


def test_closing_with_motions_not_voted_on_asks_for_a_tick(client, login, coop, chair):
    from tests.factories import MotionFactory

    chair.user.locale = "en"
    motion = MotionFactory(
        agenda_item__assembly__cooperative=coop,
        agenda_item__assembly__status=AssemblyStatus.IN_SESSION,
        title="Build a bench",
    )
    assembly = motion.assembly
    login(chair.user)
    base = f"/c/{coop.slug}/assemblies/{assembly.id}"
    page = text(client.get(base))
    assert "Not voted on yet:" in page
    assert "Build a bench" in page
    refused = client.post(f"{base}/close")
    assert refused.status_code == 422
    assert "Tick this box to close the meeting without these votes." in text(refused)
    db.session.expire_all()
    assert assembly.status is AssemblyStatus.IN_SESSION
    client.post(f"{base}/close", data={"confirm": "yes"})
    db.session.expire_all()
    assert assembly.status is AssemblyStatus.CLOSED
