"""AVG: a person downloads all their data; the board anonymises an ended membership."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from coop.audit import AuditEvent, verify
from coop.db import today
from coop.extensions import db
from coop.members import services
from coop.members.models import Application, Function, MembershipStatus
from tests.factories import ApplicationFactory, CooperativeFactory, MembershipFactory, board_member


def ended_member(coop, **kwargs):
    membership = MembershipFactory(
        cooperative=coop,
        street="Zamenhofdreef",
        house_number="3",
        postcode="3562 AB",
        city="Utrecht",
        phone="0301234567",
        iban="NL91ABNA0417164300",
        in_directory=True,
        **kwargs,
    )
    membership.ends_on = date(2025, 12, 31)
    services.process_ending(membership, today=today())
    return membership


def test_person_downloads_all_their_data(client, login):
    membership = MembershipFactory(postcode="3562 AB", iban="NL91ABNA0417164300")
    other = MembershipFactory(user=membership.user)
    ApplicationFactory(user=membership.user, cooperative=other.cooperative)
    login(membership.user)
    response = client.get("/account/data.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == membership.user.email
    assert {m["cooperative"] for m in data["memberships"]} == {
        membership.cooperative.name,
        other.cooperative.name,
    }
    first = next(
        m
        for m in data["memberships"]
        if m["number"] == membership.number and m["cooperative"] == membership.cooperative.name
    )
    assert first["iban"] == "NL91ABNA0417164300"
    assert first["postcode"] == "3562 AB"
    assert len(data["applications"]) == 1


def test_board_anonymises_an_ended_membership(client, login):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    membership = ended_member(coop)
    ApplicationFactory(cooperative=coop, user=membership.user, name=membership.name)
    number, admitted_on = membership.number, membership.admitted_on
    login(secretary.user)
    url = f"/c/{coop.slug}/members/{number}/anonymise"
    assert membership.name in client.get(url).get_data(as_text=True)
    assert client.post(url).status_code == 302
    db.session.expire_all()
    assert membership.anonymised
    assert membership.name == services.ANONYMOUS_NAME
    for key in ("street", "house_number", "postcode", "city", "phone"):
        assert getattr(membership, key) == "", key
    assert membership.iban is None
    assert membership.in_directory is False
    # What the law requires stays.
    assert membership.number == number
    assert membership.admitted_on == admitted_on
    assert membership.ended_on == date(2025, 12, 31)
    assert membership.status is MembershipStatus.ENDED
    application = db.session.scalar(
        select(Application).where(Application.user_id == membership.user_id)
    )
    assert application.street == ""
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.anonymised"))
    assert verify().ok


def test_active_membership_cannot_be_anonymised(client, login):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    membership = MembershipFactory(cooperative=coop)
    name = membership.name
    login(secretary.user)
    client.post(f"/c/{coop.slug}/members/{membership.number}/anonymise")
    db.session.refresh(membership)
    assert membership.name == name
    assert not membership.anonymised


def test_other_cooperatives_board_cannot_anonymise(client, login):
    coop, other = CooperativeFactory(), CooperativeFactory()
    membership = ended_member(coop)
    login(board_member(other, Function.SECRETARY).user)
    # Their own cooperative has no member with that number; ours is out of reach.
    response = client.post(f"/c/{other.slug}/members/{membership.number + 100}/anonymise")
    assert response.status_code == 404
    assert client.post(f"/c/{coop.slug}/members/{membership.number}/anonymise").status_code == 403
    db.session.refresh(membership)
    assert not membership.anonymised


def test_ended_list_shows_the_anonymise_link(client, login):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    membership = ended_member(coop)
    membership.ended_on = today() - timedelta(days=3)
    login(secretary.user)
    page = client.get(f"/c/{coop.slug}/members/endings").get_data(as_text=True)
    assert f"/members/{membership.number}/anonymise" in page
