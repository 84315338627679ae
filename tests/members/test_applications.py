"""Applying (aanmelding), and the board admitting, rejecting or asking a question."""

from __future__ import annotations

import re

from sqlalchemy import select

from coop.accounts.models import User
from coop.audit import AuditEvent
from coop.extensions import db
from coop.members.models import (
    Application,
    ApplicationStatus,
    Function,
    Membership,
    MembershipStatus,
    MembershipStatusChange,
)
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    CooperativeFactory,
    MembershipFactory,
    UserFactory,
    board_member,
)
from tests.mailcapture import text_of

RESIDENT = {
    "name": "Sanne de Wit",
    "street": "Zamenhofdreef",
    "house_number": "12a",
    "postcode": "3562ab",
    "city": "Utrecht",
    "phone": "030 123 45 67",
    "iban": "NL91 ABNA 0417 1643 00",
    "in_directory": "y",
    "accept_terms": "y",
}


def apply_url(coop, kind="bewoner"):
    return f"/c/{coop.slug}/members/apply/{kind}"


def applications_of(coop):
    db.session.expire_all()
    return db.session.scalars(
        select(Application).where(Application.cooperative_id == coop.id)
    ).all()


def test_logged_in_person_applies_in_one_step(client, login, mailbox):
    coop = CooperativeFactory(postcode_ranges=[[3561, 3564]])
    secretary = board_member(coop, Function.SECRETARY)
    user = UserFactory(email="sanne@example.test")
    login(user)
    response = client.post(apply_url(coop), data=RESIDENT)
    assert response.status_code == 302
    [application] = applications_of(coop)
    assert application.user_id == user.id
    assert application.postcode == "3562 AB"
    assert application.iban == "NL91ABNA0417164300"
    assert application.in_directory is True
    assert application.outside_area is False
    assert application.status is ApplicationStatus.PENDING
    assert "Sanne de Wit" in text_of(mailbox.last_to("sanne@example.test"))
    assert "Sanne de Wit" in text_of(mailbox.last_to(secretary.user.email))


def test_visitor_creates_account_in_the_same_form(client, mailbox):
    coop = CooperativeFactory()
    data = {**RESIDENT, "account-email": "nieuw@example.test", "account-password": PASSWORD}
    assert client.post(apply_url(coop), data=data).status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nieuw@example.test"))
    assert user is not None
    assert not user.is_verified
    assert len(applications_of(coop)) == 1
    subjects = [m["Subject"] for m in mailbox.to("nieuw@example.test")]
    assert len(subjects) == 2  # confirm your address + application received


def test_visitor_with_weak_password_keeps_everything_typed(client):
    coop = CooperativeFactory()
    data = {**RESIDENT, "account-email": "nieuw@example.test", "account-password": "welkom123"}
    response = client.post(apply_url(coop), data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="account-password-error"' in page
    # The summary at the top links to the field, by its own label (the account part of the
    # form has none to put before it).
    assert re.search(r'<a href="#account-password">[A-Z][^<]*</a>', page)
    assert 'value="Zamenhofdreef"' in page
    assert 'value="nieuw@example.test"' in page
    assert applications_of(coop) == []
    assert db.session.scalar(select(User).where(User.email == "nieuw@example.test")) is None


def test_address_outside_the_area_is_flagged_not_refused(client, login):
    coop = CooperativeFactory(postcode_ranges=[[3561, 3564]])
    login(UserFactory())
    response = client.post(apply_url(coop), data={**RESIDENT, "postcode": "3511 AA"})
    assert response.status_code == 302
    [application] = applications_of(coop)
    assert application.outside_area is True


def test_bad_postcode_iban_and_missing_terms_are_shown_at_their_fields(client, login):
    coop = CooperativeFactory()
    login(UserFactory())
    data = {**RESIDENT, "postcode": "35", "iban": "NL91 ABNA 0417 1643 01"}
    del data["accept_terms"]
    response = client.post(apply_url(coop), data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field in ("postcode", "iban", "accept_terms"):
        assert f'id="{field}-error"' in page, field
    assert 'value="Sanne de Wit"' in page
    assert applications_of(coop) == []


def test_entrepreneur_needs_kvk_and_organisation_a_contact(client, login):
    coop = CooperativeFactory()
    login(UserFactory())
    response = client.post(
        apply_url(coop, "ondernemer"),
        data={"name": "Bakkerij", "postcode": "3562 AB", "kvk_number": "1234", "accept_terms": "y"},
    )
    assert 'id="kvk_number-error"' in response.get_data(as_text=True)
    response = client.post(
        apply_url(coop, "organisatie"), data={"name": "Stichting De Boog", "accept_terms": "y"}
    )
    assert 'id="contact_person-error"' in response.get_data(as_text=True)
    response = client.post(
        apply_url(coop, "organisatie"),
        data={"name": "Stichting De Boog", "contact_person": "Henk", "accept_terms": "y"},
    )
    assert response.status_code == 302


def test_applying_twice_is_refused_kindly(client, login):
    coop = CooperativeFactory()
    user = UserFactory()
    login(user)
    client.post(apply_url(coop), data=RESIDENT)
    response = client.post(apply_url(coop), data=RESIDENT)
    assert response.status_code == 302
    assert len(applications_of(coop)) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "al aangemeld" in page or "already applied" in page


def test_members_cannot_apply_again(client, login):
    membership = MembershipFactory()
    login(membership.user)
    client.post(apply_url(membership.cooperative), data=RESIDENT)
    assert applications_of(membership.cooperative) == []


def test_unknown_kind_is_404(client):
    coop = CooperativeFactory()
    assert client.get(apply_url(coop, "robot")).status_code == 404


def test_admission_gives_the_next_number_and_a_welcome_mail(client, login, mailbox):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    MembershipFactory(cooperative=coop)
    application = ApplicationFactory(cooperative=coop, in_directory=True)
    login(secretary.user)
    response = client.post(f"/c/{coop.slug}/members/applications/{application.id}/admit")
    assert response.status_code == 302
    db.session.expire_all()
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == application.user_id)
    )
    assert membership.number == 3
    assert membership.status is MembershipStatus.ACTIVE
    assert membership.postcode == "3562 AB"
    assert membership.in_directory is True
    assert application.status is ApplicationStatus.ADMITTED
    history = db.session.scalars(
        select(MembershipStatusChange).where(MembershipStatusChange.membership_id == membership.id)
    ).all()
    assert [(h.status, h.effective_on) for h in history] == [
        (MembershipStatus.ACTIVE, membership.admitted_on)
    ]
    welcome = text_of(mailbox.last_to(application.user.email))
    assert "3" in welcome
    assert coop.name in welcome
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "member.admitted", AuditEvent.subject_id == membership.id
        )
    )


def test_numbers_are_never_reused(client, login):
    """Even if the newest member's row disappeared, its number is not handed out again."""
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    first, second = ApplicationFactory(cooperative=coop), ApplicationFactory(cooperative=coop)
    login(secretary.user)
    client.post(f"/c/{coop.slug}/members/applications/{first.id}/admit")
    db.session.expire_all()
    gone = db.session.scalar(select(Membership).where(Membership.user_id == first.user_id))
    assert gone.number == 2
    db.session.execute(
        Application.__table__.update()
        .values(membership_id=None)
        .where(Application.membership_id == gone.id)
    )
    db.session.execute(
        MembershipStatusChange.__table__.delete().where(
            MembershipStatusChange.membership_id == gone.id
        )
    )
    db.session.execute(Membership.__table__.delete().where(Membership.id == gone.id))
    client.post(f"/c/{coop.slug}/members/applications/{second.id}/admit")
    db.session.expire_all()
    newest = db.session.scalar(select(Membership).where(Membership.user_id == second.user_id))
    assert newest.number == 3


def test_admitting_twice_is_refused(client, login):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    application = ApplicationFactory(cooperative=coop)
    login(secretary.user)
    client.post(f"/c/{coop.slug}/members/applications/{application.id}/admit")
    client.post(f"/c/{coop.slug}/members/applications/{application.id}/admit")
    db.session.expire_all()
    assert (
        db.session.query(Membership).filter(Membership.user_id == application.user_id).count() == 1
    )


def test_reject_with_reason_mails_the_applicant(client, login, mailbox):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    application = ApplicationFactory(cooperative=coop)
    login(secretary.user)
    url = f"/c/{coop.slug}/members/applications/{application.id}/reject"
    response = client.post(url, data={"reject-text": ""})
    assert response.status_code == 422
    assert 'id="reject-text-error"' in response.get_data(as_text=True)
    response = client.post(url, data={"reject-text": "Je woont niet in de wijk."})
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.REJECTED
    assert "Je woont niet in de wijk." in text_of(mailbox.last_to(application.user.email))


def test_question_is_mailed_and_the_application_waits(client, login, mailbox):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    application = ApplicationFactory(cooperative=coop)
    login(secretary.user)
    client.post(
        f"/c/{coop.slug}/members/applications/{application.id}/question",
        data={"question-text": "Op welk adres woon je?"},
    )
    db.session.refresh(application)
    assert application.status is ApplicationStatus.QUESTION
    assert "Op welk adres woon je?" in text_of(mailbox.last_to(application.user.email))
    queue = client.get(f"/c/{coop.slug}/members/applications").get_data(as_text=True)
    assert application.name in queue


def test_board_of_another_cooperative_cannot_see_an_application(client, login):
    coop, other = CooperativeFactory(), CooperativeFactory()
    application = ApplicationFactory(cooperative=coop)
    login(board_member(other, Function.SECRETARY).user)
    url = f"/c/{other.slug}/members/applications/{application.id}"
    assert client.get(url).status_code == 404
    assert client.post(url + "/admit").status_code == 404


def test_treasurer_cannot_decide_applications(client, login):
    coop = CooperativeFactory()
    application = ApplicationFactory(cooperative=coop)
    login(board_member(coop, Function.TREASURER).user)
    url = f"/c/{coop.slug}/members/applications/{application.id}/admit"
    assert client.post(url).status_code == 403
