"""The invitations page: who was sent the invitation and what it said (the proof of the
convocation), and the invitation for members admitted since."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from babel import dates as babel_dates
from sqlalchemy import func, select

from coop import mail
from coop.assemblies import services, views
from coop.assemblies.models import SENDING_TIME, AssemblyStatus, ItemKind, Notice
from coop.audit import AuditEvent
from coop.db import today, utcnow
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import Function, MembershipStatus
from tests.assemblies.support import text
from tests.factories import AssemblyFactory, MembershipFactory, board_member

PDF = b"%PDF-1.4\n%%EOF\n"
TICK = {"confirm": "yes"}  # the tick that confirms a paper invitation


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
    sent = services.convene(assembly, by=chair)
    services.record_sending(assembly, [member.id for member, _ in sent], [], by=chair)  # all went
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
    assert "Leden zonder uitnodiging" not in page
    assert "Niet verstuurd" not in page


def test_a_member_admitted_since_gets_the_invitation(client, login, mailbox, coop, chair, convened):
    assembly, _members = convened
    newcomer = MembershipFactory(cooperative=coop)
    MembershipFactory(cooperative=coop, status=MembershipStatus.SUSPENDED)  # no voting rights
    login(chair.user)
    page = text(client.get(url(assembly)))
    assert "Leden zonder uitnodiging" in page
    assert "Deze leden kregen stemrecht nadat de uitnodigingen verstuurd waren:" in page
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


def test_a_member_admitted_since_can_get_the_invitation_on_paper(
    client, login, mailbox, coop, chair, convened
):
    assembly, _members = convened
    newcomer = MembershipFactory(cooperative=coop, user__locale="en")
    suspended = MembershipFactory(cooperative=coop, status=MembershipStatus.SUSPENDED)
    login(chair.user)
    page = text(client.get(url(assembly)))
    letter = f"{url(assembly)}/{newcomer.number}/letter"
    link = f"Uitnodiging voor {newcomer.name} afdrukken, of noteren dat het lid hem op papier kreeg"
    assert f'<a href="{letter}">{link}</a>' in page
    assert "1 lid kreeg stemrecht nadat de uitnodigingen verstuurd waren." in page
    assert "Stuur de uitnodiging nu naar dit lid" in page
    assert f"Hello {newcomer.name}," in text(client.get(letter))  # in the member's language

    page = text(
        client.post(f"{url(assembly)}/{newcomer.number}/on-paper", data=TICK, follow_redirects=True)
    )
    assert f"Genoteerd: {newcomer.name} kreeg de uitnodiging op papier." in page
    assert "Leden zonder uitnodiging" not in page
    assert "1 lid kreeg hem op papier." in page
    notice = db.session.scalar(select(Notice).where(Notice.membership_id == newcomer.id))
    assert notice.on_paper_at is not None
    assert (notice.email, notice.mailed_at, notice.failed_at) == (newcomer.user.email, None, None)
    assert notice.agenda == [[1, "Jaarrekening", "decision", ["jaarrekening.pdf"]]]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assembly.invitation_on_paper")
    )
    assert event.data == {"member": newcomer.number, "reason": "admitted_since"}
    mailbox.clear()
    page = text(client.post(url(assembly), follow_redirects=True))
    assert "Alle leden met stemrecht hebben de uitnodiging al." in page
    assert mailbox.messages == []

    # Twice, or a member without voting rights: refused, nothing written.
    page = text(
        client.post(f"{url(assembly)}/{newcomer.number}/on-paper", data=TICK, follow_redirects=True)
    )
    assert f"{newcomer.name} heeft de uitnodiging al." in page
    page = text(
        client.post(
            f"{url(assembly)}/{suspended.number}/on-paper", data=TICK, follow_redirects=True
        )
    )
    assert f"{suspended.name} heeft geen stemrecht en krijgt geen uitnodiging." in page
    assert db.session.scalar(select(func.count(Notice.id))) == 4
    on_paper = select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "assembly.invitation_on_paper"
    )
    assert db.session.scalar(on_paper) == 1


@pytest.mark.parametrize(
    "status", [AssemblyStatus.DRAFT, AssemblyStatus.IN_SESSION, AssemblyStatus.CLOSED]
)
def test_late_invitations_only_between_convening_and_opening(coop, chair, status):
    assembly = AssemblyFactory(cooperative=coop, status=status)
    MembershipFactory(cooperative=coop)
    with pytest.raises(DomainError, match="tussen het bijeenroepen en de opening"):
        services.invite_missing(assembly, by=chair)
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
    assert "geen uitnodiging" not in text(client.get(base))
    MembershipFactory(cooperative=coop)
    MembershipFactory(cooperative=coop)
    assert "(2 leden hebben geen uitnodiging)" in text(client.get(base))


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
    page = text(client.get(base))
    assert (
        'Build a bench</a>\n          <span class="muted">(Ordinary decision, not voted on)' in page
    )
    assert " · Closed</p>" in text(client.get(f"/c/{coop.slug}/assemblies/"))


@pytest.fixture
def draft(coop):
    assembly = AssemblyFactory(
        cooperative=coop, status=AssemblyStatus.DRAFT, starts_at=utcnow() + timedelta(days=30)
    )
    services.add_item(
        assembly, title="Jaarrekening", description="", kind=ItemKind.DECISION, by=None
    )
    return assembly


def notice_of(member) -> Notice:
    return db.session.scalar(select(Notice).where(Notice.membership_id == member.id))


def test_an_invitation_that_did_not_go_out_is_shown_and_sent_again(
    client, login, mailbox, coop, chair, draft
):
    anna = MembershipFactory(cooperative=coop, user__email="refused-anna@example.test")
    bert = MembershipFactory(cooperative=coop)
    login(chair.user)
    mailbox.clear()
    response = client.post(
        f"/c/{coop.slug}/assemblies/{draft.id}/convene",
        data={"confirm": "yes"},
        follow_redirects=True,
    )
    page = text(response)
    assert "De vergadering is bijeengeroepen. 2 leden krijgen een uitnodiging." in page
    assert "De mail met de uitnodiging is niet verstuurd naar 1 lid." in page
    assert sorted(m["To"] for m in mailbox.messages) == sorted([chair.user.email, bert.user.email])
    db.session.expire_all()
    failed = notice_of(anna)
    assert failed.failure == "refused"
    assert failed.failed_at is not None
    assert failed.mailed_at is None
    assert notice_of(bert).failed_at is None
    assert notice_of(bert).mailed_at is not None  # the mail server took it
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assembly.invitations_undelivered")
    )
    assert event.data == {"refused": [anna.number]}
    assert "(1 lid heeft geen uitnodiging)" in page

    page = text(client.get(url(draft)))
    assert "De uitnodiging is per e-mail verstuurd aan 2 leden met stemrecht." in page
    assert "De mail is niet verstuurd naar 1 lid." in page
    assert "Leden zonder uitnodiging" in page
    assert "kregen stemrecht nadat" not in page  # nobody new
    refused = "refused-anna@example.test: de mailserver weigerde dit adres"
    assert f"{anna.name} ({anna.number})</a>, {refused}" in page
    assert "<strong>Niet verstuurd</strong> (de mailserver weigerde dit adres" in page
    assert "Controleer het e-mailadres samen met het lid" in page
    assert f'<a href="/c/{coop.slug}/members/{anna.number}">' in page
    assert "iets later opnieuw" not in page

    # Sent again to the same address: refused again, and still listed.
    mailbox.clear()
    page = text(client.post(url(draft), follow_redirects=True))
    assert "De mail met de uitnodiging is niet verstuurd naar 1 lid." in page
    assert "krijgt de uitnodiging" not in page
    assert mailbox.messages == []
    assert "Leden zonder uitnodiging" in page

    # The member corrects the address; the invitation goes out, on the same notice.
    anna.user.email = "anna@example.test"
    db.session.flush()
    assert "Het e-mailadres is nu: anna@example.test" in text(client.get(url(draft)))
    page = text(client.post(url(draft), follow_redirects=True))
    assert "1 lid krijgt de uitnodiging." in page
    assert "niet verstuurd" not in page.lower()
    (invitation,) = mailbox.messages
    assert invitation["To"] == "anna@example.test"
    db.session.expire_all()
    notice = notice_of(anna)
    assert (notice.id, notice.email, notice.failed_at, notice.failure) == (
        failed.id,
        "anna@example.test",
        None,
        None,
    )
    assert notice.mailed_at is not None
    assert notice.agenda == [[1, "Jaarrekening", "decision", []]]
    assert db.session.scalar(select(func.count(Notice.id))) == 3
    events = db.session.scalars(
        select(AuditEvent.data)
        .where(AuditEvent.action == "assembly.invited_later")
        .order_by(AuditEvent.seq)
    ).all()
    assert events == [{"members": [anna.number], "again": [anna.number]}] * 2
    mailbox.clear()
    page = text(client.post(url(draft), follow_redirects=True))
    assert "Alle leden met stemrecht hebben de uitnodiging al." in page
    assert mailbox.messages == []


def test_when_the_mail_server_is_down_every_invitation_can_be_sent_later(
    app, client, login, mailbox, monkeypatch, coop, chair, draft
):
    chair.user.locale = "en"
    members = [chair, *(MembershipFactory(cooperative=coop) for _ in range(2))]
    login(chair.user)
    mailbox.clear()
    port = app.config["MAIL_PORT"]
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)  # nothing listens there
    page = text(
        client.post(
            f"/c/{coop.slug}/assemblies/{draft.id}/convene",
            data={"confirm": "yes"},
            follow_redirects=True,
        )
    )
    assert "The mail with the invitation did not go out to 3 members." in page
    assert "The assembly is convened." in page
    assert "members get an invitation" not in page
    db.session.expire_all()
    assert draft.status is AssemblyStatus.CONVENED  # convened all the same: the board decided
    assert [notice_of(m).failure for m in members] == ["not_sent"] * 3
    page = text(client.get(url(draft)))
    assert "The invitation has not been sent by e-mail to any member yet." in page
    assert "the mail could not be sent at that moment" in page
    assert "Send the invitation again a little later." in page
    assert "Check the e-mail address" not in page
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    page = text(client.post(url(draft), follow_redirects=True))
    assert "3 members get the invitation." in page
    assert sorted(m["To"] for m in mailbox.messages) == sorted(m.user.email for m in members)
    db.session.expire_all()
    assert [notice_of(m).failed_at for m in members] == [None] * 3
    assert all(notice_of(m).mailed_at for m in members)


def test_invitations_the_mail_server_never_confirmed_can_be_sent_again(
    client, login, mailbox, coop, chair, draft
):
    """The sending stopped halfway (the process ended between the convening's commit and
    the record of what went out): the notices are there, but nothing says the mail went."""
    anna, bert = (MembershipFactory(cooperative=coop) for _ in range(2))
    services.convene(draft, by=chair)  # recorded, never sent
    chair.user.locale = "en"
    db.session.flush()
    login(chair.user)
    # Within the time a sending takes, it may still be going on: nobody is sent it twice.
    page = text(client.get(url(draft)))
    assert "The mail to 3 members is still being sent. Look again in 10 minutes." in page
    assert "The mail server has not taken any invitation yet." in page
    assert page.count("<td>Being sent (begun on ") == 3
    assert "Members without the invitation" not in page
    assert services.count_not_invited(draft) == 0
    client.post(f"{url(draft)}/{anna.number}/on-paper", data=TICK)
    assert notice_of(anna).on_paper_at is None
    for notice in db.session.scalars(select(Notice).where(Notice.assembly_id == draft.id)):
        notice.sent_at -= SENDING_TIME - timedelta(seconds=30)
    db.session.flush()
    assert "Look again in 1 minute." in text(client.get(url(draft)))
    mailbox.clear()
    page = text(client.post(url(draft), follow_redirects=True))  # a second click
    assert "Every member with voting rights has the invitation already." in page
    assert mailbox.messages == []
    for notice in db.session.scalars(select(Notice).where(Notice.assembly_id == draft.id)):
        notice.sent_at -= timedelta(seconds=31)
    db.session.flush()

    page = text(client.get(url(draft)))
    assert "still being sent" not in page
    assert "For 3 members it is not known whether the mail went out." in page
    assert "The mail server has not taken any invitation yet." in page
    assert page.count("<strong>Not known</strong> (the sending stopped halfway; begun on") == 3
    stopped = ".test: not known whether the mail went out: the sending stopped halfway"
    assert page.count(stopped) == 3  # the list
    assert "Then the sending stopped halfway" in page  # the advice
    assert "Send the invitation to these 3 members now" in page
    chair.user.locale = "nl"
    db.session.flush()
    assert "(3 leden hebben geen uitnodiging)" in text(
        client.get(f"/c/{coop.slug}/assemblies/{draft.id}")
    )
    page = text(client.get(url(draft)))
    assert "Van 3 leden is niet bekend of de mail verstuurd is." in page
    assert page.count("<strong>Niet bekend</strong>") == 3

    # Anna got it on paper; the others get the mail again.
    client.post(f"{url(draft)}/{anna.number}/on-paper", data=TICK)
    mailbox.clear()
    page = text(client.post(url(draft), follow_redirects=True))
    assert "2 leden krijgen de uitnodiging." in page
    assert sorted(m["To"] for m in mailbox.messages) == sorted([chair.user.email, bert.user.email])
    db.session.expire_all()
    assert notice_of(anna).on_paper_at is not None
    assert notice_of(anna).mailed_at is None
    assert notice_of(bert).mailed_at is not None
    assert notice_of(chair).mailed_at is not None
    assert "Niet bekend" not in page
    assert "niet bekend" not in page
    assert "De uitnodiging is per e-mail verstuurd aan 2 leden met stemrecht." in page
    assert "1 lid kreeg hem op papier." in page


def test_a_sending_that_stops_halfway_keeps_the_record_of_the_batches_sent(
    client, login, mailbox, monkeypatch, coop, chair, draft
):
    for _ in range(4):
        MembershipFactory(cooperative=coop)
    monkeypatch.setattr(views, "SENDING_BATCH", 2)
    send_keyed, batches = mail.send_keyed, []

    def stops_at_the_second_batch(entries):
        batches.append(len(entries))
        if len(batches) == 2:
            raise RuntimeError("the worker was stopped")
        return send_keyed(entries)

    monkeypatch.setattr(mail, "send_keyed", stops_at_the_second_batch)
    login(chair.user)
    mailbox.clear()
    with pytest.raises(RuntimeError):
        client.post(f"/c/{coop.slug}/assemblies/{draft.id}/convene", data={"confirm": "yes"})
    assert len(mailbox.messages) == 2
    db.session.expire_all()
    notices = services.notices_of(draft)
    assert [notice.mailed_at is not None for notice, _member in notices] == [True] * 2 + [False] * 3
    assert {m["To"] for m in mailbox.messages} == {m.user.email for _n, m in notices[:2]}

    # Later, the board sends the invitations that were never confirmed, and only those.
    monkeypatch.setattr(mail, "send_keyed", send_keyed)
    for notice, _member in notices:
        notice.sent_at -= SENDING_TIME
    db.session.flush()
    mailbox.clear()
    page = text(client.post(url(draft), follow_redirects=True))
    assert "3 leden krijgen de uitnodiging." in page
    assert {m["To"] for m in mailbox.messages} == {m.user.email for _n, m in notices[2:]}
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assembly.invited_later")
    )
    numbers = [member.number for _notice, member in notices[2:]]
    assert event.data == {"members": numbers, "again": numbers, "unconfirmed": numbers}


def test_a_late_record_of_the_sending_leaves_an_invitation_on_paper_alone(coop, chair, draft):
    """A sending slower than SENDING_TIME (no worker stopped it) ends after the board
    noted its members on paper: the paper note stands, one state per notice."""
    anna, bert = (MembershipFactory(cooperative=coop) for _ in range(2))
    sent = services.convene(draft, by=chair)
    for notice in db.session.scalars(select(Notice)):
        notice.sent_at -= SENDING_TIME
    services.invitation_on_paper(draft, anna, by=chair)
    services.invitation_on_paper(draft, bert, by=chair)
    services.record_sending(
        draft, [member.id for member, _ in sent], [((bert.id, bert.number), "refused")], by=chair
    )
    db.session.expire_all()
    states = [(n.mailed_at, n.failed_at) for n in (notice_of(anna), notice_of(bert))]
    assert states == [(None, None), (None, None)]
    assert notice_of(anna).on_paper_at is not None
    assert notice_of(bert).on_paper_at is not None
    assert notice_of(chair).mailed_at is not None


def test_after_the_opening_an_invitation_that_did_not_go_out_stays_on_record(
    client, login, coop, chair, convened
):
    assembly, members = convened
    services.record_undelivered(
        assembly, [((m.id, m.number), "refused") for m in members], by=chair
    )
    members[1].status = MembershipStatus.SUSPENDED  # no voting rights: not to invite again
    db.session.flush()
    login(chair.user)
    page = text(client.get(url(assembly)))
    assert f"{members[0].name} ({members[0].number})" in page.split("De agenda zoals")[0]
    assert f"{members[1].name} ({members[1].number})" not in page.split("De agenda zoals")[0]
    assembly.status = AssemblyStatus.IN_SESSION
    db.session.flush()
    page = text(client.get(url(assembly)))
    assert "Leden zonder uitnodiging" not in page
    assert page.count("<strong>Niet verstuurd</strong>") == 2
    assert "De mail is niet verstuurd naar 2 leden." in page


def test_a_mail_the_server_did_not_accept_points_to_the_mail_settings(
    client, login, coop, chair, convened
):
    assembly, members = convened
    services.record_undelivered(
        assembly, [((members[0].id, members[0].number), "rejected")], by=chair
    )
    login(chair.user)
    page = text(client.get(url(assembly)))
    assert f"{members[0].user.email}: de mailserver nam de mail niet aan" in page
    assert "Vraag de beheerder van de website om ze na te kijken." in page
    assert "Controleer het e-mailadres" not in page
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assembly.invitations_undelivered")
    )
    assert (event.actor_id, event.data) == (chair.user.id, {"rejected": [members[0].number]})


def test_the_board_notes_an_invitation_given_on_paper(client, login, coop, chair, convened):
    assembly, members = convened
    anna = members[0]
    services.record_undelivered(assembly, [((anna.id, anna.number), "refused")], by=chair)
    login(chair.user)
    on_paper = f"{url(assembly)}/{anna.number}/on-paper"
    # Without the tick (a stray tap): asked at the box, on the letter's page; nothing noted.
    refused = client.post(on_paper)
    assert refused.status_code == 422
    page = text(refused)
    assert 'id="confirm-paper" name="confirm" value="yes" aria-invalid="true"' in page
    error = f"Vink dit vakje aan als {anna.name} de uitnodiging op papier kreeg."
    assert f'<p class="error" id="confirm-paper-error">{error}</p>' in page
    assert f"Hallo {anna.name}," in page  # the letter itself is still there
    assert notice_of(anna).on_paper_at is None
    page = text(client.post(on_paper, data=TICK, follow_redirects=True))
    assert f"Genoteerd: {anna.name} kreeg de uitnodiging op papier." in page
    assert "Leden zonder uitnodiging" not in page
    assert "Op papier, " in page
    assert "verstuurd aan 2 leden met stemrecht. 1 lid kreeg hem op papier." in page
    db.session.expire_all()
    notice = db.session.scalar(select(Notice).where(Notice.membership_id == anna.id))
    assert notice.on_paper_at is not None
    assert (notice.failed_at, notice.failure) == (None, "refused")
    assert services.count_not_invited(assembly) == 0
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "assembly.invitation_on_paper")
    )
    assert event.data == {"member": anna.number, "reason": "refused"}
    # Again, or for a member whose mail went out: nothing to note.
    page = text(client.post(on_paper, data=TICK, follow_redirects=True))
    assert f"{anna.name} heeft de uitnodiging al." in page
    assert client.post(f"{url(assembly)}/999999/on-paper", data=TICK).status_code == 404
    login(members[1].user)
    assert client.post(on_paper, data=TICK).status_code == 403


@pytest.mark.parametrize(
    ("days", "warning"),
    [
        (5, "van tevoren krijgen. De vergadering is over 5 dagen."),
        (1, "van tevoren krijgen. De vergadering is over 1 dag."),
        (0, "van tevoren krijgen. De vergadering is vandaag."),
        (-2, "De datum van de vergadering is voorbij."),
        (30, None),
    ],
)
def test_sending_later_than_the_notice_period_is_warned(
    client, login, coop, chair, convened, days, warning
):
    assembly, _members = convened
    noon = datetime.combine(today() + timedelta(days=days), time(12), tzinfo=services.AMSTERDAM)
    assembly.starts_at = noon
    MembershipFactory(cooperative=coop)
    db.session.flush()
    login(chair.user)
    page = text(client.get(url(assembly)))
    assert "Leden zonder uitnodiging" in page
    too_late = "Een uitnodiging die je nu stuurt, is dus te laat."
    assert (too_late in page) is (warning is not None)
    if warning:
        assert warning in page


def test_the_record_marks_invitations_that_reached_members_too_late(
    client, login, coop, chair, convened
):
    assembly, members = convened
    assembly.starts_at = datetime.combine(
        today() + timedelta(days=5), time(12), tzinfo=services.AMSTERDAM
    )
    for notice in db.session.scalars(select(Notice)):  # in time, three weeks ago
        notice.sent_at -= timedelta(days=21)
        notice.mailed_at = notice.sent_at
    late_mail, late_paper = (MembershipFactory(cooperative=coop) for _ in range(2))
    db.session.flush()
    login(chair.user)
    client.post(f"{url(assembly)}/{late_paper.number}/on-paper", data=TICK)
    client.post(url(assembly))  # the mail to the other newcomer
    page = text(client.get(url(assembly)))
    table = page.split("Per lid")[1]
    assert table.count("(te laat: 5 dagen voor de vergadering)") == 2
    for member in (late_mail, late_paper):
        row = table.split(f"<td>{member.name}</td>")[1].split("</tr>")[0]
        assert "te laat" in row
    assert table.count("<td>Per e-mail, ") == 4


def test_an_invitation_given_on_the_day_itself_is_marked_too_late(
    client, login, coop, chair, convened
):
    assembly, _members = convened
    assembly.starts_at = datetime.combine(today(), time(23), tzinfo=services.AMSTERDAM)
    newcomer = MembershipFactory(cooperative=coop)
    db.session.flush()
    login(chair.user)
    client.post(f"{url(assembly)}/{newcomer.number}/on-paper", data=TICK)
    page = text(client.get(url(assembly)))
    row = page.split(f"<td>{newcomer.name}</td>")[1].split("</tr>")[0]
    assert "(te laat: op de dag van de vergadering)" in row
    assert "0 dagen" not in page


@pytest.mark.parametrize("status", [AssemblyStatus.IN_SESSION, AssemblyStatus.CLOSED])
def test_no_paper_note_after_the_opening_with_or_without_the_tick(
    client, login, coop, chair, convened, status
):
    assembly, members = convened
    services.record_undelivered(
        assembly, [((members[0].id, members[0].number), "refused")], by=chair
    )
    assembly.status = status
    db.session.flush()
    login(chair.user)
    on_paper = f"{url(assembly)}/{members[0].number}/on-paper"
    for data in ({}, TICK):
        page = text(client.post(on_paper, data=data, follow_redirects=True))
        assert "Uitnodigingen gaan de deur uit tussen het bijeenroepen en de opening." in page
    assert notice_of(members[0]).on_paper_at is None
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    assert client.post(f"{url(draft)}/{members[0].number}/on-paper").status_code == 404


def test_board_members_without_the_organising_functions_are_told_who_can_act(
    client, login, coop, chair, convened
):
    assembly, _members = convened
    MembershipFactory(cooperative=coop)  # admitted since
    treasurer = board_member(coop, Function.TREASURER)
    treasurer.user.locale = "en"
    db.session.flush()
    login(treasurer.user)
    page = text(client.get(url(assembly)))
    assert "Only the chair, the secretary or an administrator of the cooperative can" in page
    assert "Send the invitation to this member now" not in page
    assert "or note that they got it on paper" not in page
    assert "Print the invitation for" in page
    letter = text(client.get(f"{url(assembly)}/{_members[0].number}/letter"))
    assert "Given on paper?" not in letter


def test_the_board_prints_the_invitation_of_a_member_in_their_language(
    client, login, coop, chair, convened
):
    assembly, members = convened
    anna = members[0]
    anna.user.locale = "en"
    anna.street, anna.house_number, anna.postcode, anna.city = (
        "Kanaalstraat",
        "12",
        "3531 AB",
        "Utrecht",
    )
    services.record_undelivered(assembly, [((anna.id, anna.number), "refused")], by=chair)
    db.session.flush()
    login(chair.user)
    page = text(client.get(url(assembly)))
    letter_url = f"{url(assembly)}/{anna.number}/letter"
    link = f"Uitnodiging voor {anna.name} afdrukken, of noteren dat het lid hem op papier kreeg"
    assert f'<a href="{letter_url}">{link}</a>' in page
    letter = text(client.get(letter_url))
    assert f"Uitnodiging op papier voor {anna.name}" in letter  # the page: the board's language
    body = letter.split('<pre class="letter">')[1].split("</pre>")[0]
    assert f"Hello {anna.name}," in body  # the letter: the member's
    assert "1. Jaarrekening (for decision)" in body
    assert f"/assemblies/{assembly.id}/documents/" in body  # web addresses written out
    assert f'<p class="letter-head">{coop.name}</p>' in letter
    assert "Kanaalstraat 12<br>3531 AB Utrecht</p>" in letter  # for an envelope with a window
    # Dated in the member's language, at the cooperative's seat.
    dated = babel_dates.format_date(today(), "long", locale="en")
    assert f'<p class="letter-head">{coop.seat}, {dated}</p>' in letter
    coop.seat = ""
    db.session.flush()
    assert f'<p class="letter-head">{dated}</p>' in text(client.get(letter_url))
    assert (
        f'<label for="confirm-paper">Ja, {anna.name} kreeg deze uitnodiging op papier</label>'
        in letter
    )
    assert client.get(f"{url(assembly)}/999999/letter").status_code == 404
    login(members[1].user)
    assert client.get(letter_url).status_code == 403


def test_a_draft_has_no_invitation_to_print(client, login, coop, chair):
    draft = AssemblyFactory(cooperative=coop, status=AssemblyStatus.DRAFT)
    login(chair.user)
    assert client.get(f"{url(draft)}/{chair.number}/letter").status_code == 404
