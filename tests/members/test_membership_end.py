"""Own details, resignation by the member, and ending by the board."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from coop.db import today
from coop.extensions import db
from coop.members import services
from coop.members.models import EndReason, Function, MembershipStatus, MembershipStatusChange
from tests.factories import CooperativeFactory, MembershipFactory, board_member
from tests.mailcapture import text_of


def test_member_edits_contact_details_and_outside_area_is_flagged(client, login):
    coop = CooperativeFactory(postcode_ranges=[[3561, 3564]])
    membership = MembershipFactory(cooperative=coop, postcode="3562 AB")
    login(membership.user)
    data = {
        "name": "Anna Jansen",
        "street": "Oudegracht",
        "house_number": "1",
        "postcode": "3511 AA",
        "city": "Utrecht",
    }
    response = client.post(f"/c/{coop.slug}/members/me", data=data)
    assert response.status_code == 302
    db.session.refresh(membership)
    assert membership.postcode == "3511 AA"
    assert membership.outside_area is True
    assert membership.in_directory is False


def test_bad_contact_details_keep_what_was_typed(client, login):
    membership = MembershipFactory()
    login(membership.user)
    data = {
        "name": "Anna",
        "street": "Oudegracht",
        "house_number": "1",
        "postcode": "X",
        "city": "Utrecht",
        "phone": "bel me",
    }
    response = client.post(f"/c/{membership.cooperative.slug}/members/me", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="postcode-error"' in page
    assert 'id="phone-error"' in page
    assert 'value="Oudegracht"' in page


def test_resignation_shows_the_end_date_before_confirming(client, login, mailbox):
    coop = CooperativeFactory(fy_start_month=1, resignation_notice_weeks=4)
    membership = MembershipFactory(cooperative=coop)
    login(membership.user)
    expected = services.resignation_date(membership, today())
    page = client.get(f"/c/{coop.slug}/members/me/resign").get_data(as_text=True)
    assert str(expected.year) in page
    response = client.post(f"/c/{coop.slug}/members/me/resign")
    assert response.status_code == 302
    db.session.refresh(membership)
    assert membership.ends_on == expected
    assert membership.end_reason is EndReason.RESIGNED
    assert membership.status is MembershipStatus.ACTIVE  # a member until that day
    assert str(expected.year) in text_of(mailbox.last_to(membership.user.email))
    # Resigning again changes nothing.
    client.post(f"/c/{coop.slug}/members/me/resign")
    db.session.refresh(membership)
    assert membership.ends_on == expected


def test_board_accepts_an_earlier_date_and_membership_ends(client, login, mailbox):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    membership = MembershipFactory(cooperative=coop)
    services.resign(membership, today=today(), by=membership)
    login(secretary.user)
    assert membership.name in client.get(f"/c/{coop.slug}/members/endings").get_data(as_text=True)
    earlier = today() + timedelta(days=7)
    client.post(
        f"/c/{coop.slug}/members/{membership.number}/end-earlier",
        data={"ends_on": earlier.isoformat()},
    )
    db.session.refresh(membership)
    assert membership.ends_on == earlier
    assert mailbox.to(membership.user.email)


def test_earlier_date_must_be_earlier_and_not_in_the_past(client, login):
    coop = CooperativeFactory()
    secretary = board_member(coop, Function.SECRETARY)
    membership = MembershipFactory(cooperative=coop)
    ends_on = services.resign(membership, today=today(), by=membership)
    login(secretary.user)
    for bad in (ends_on + timedelta(days=1), today() - timedelta(days=30)):
        client.post(
            f"/c/{coop.slug}/members/{membership.number}/end-earlier",
            data={"ends_on": bad.isoformat()},
        )
        db.session.refresh(membership)
        assert membership.ends_on == ends_on


def test_board_ends_a_membership_with_a_reason(client, login, mailbox):
    coop = CooperativeFactory()
    chair = board_member(coop, Function.CHAIR)
    membership = MembershipFactory(cooperative=coop, functions=[Function.TREASURER])
    login(chair.user)
    url = f"/c/{coop.slug}/members/{membership.number}/end"
    response = client.post(url, data={"reason": "EXPELLED", "ends_on": "", "note": ""})
    assert response.status_code == 422
    response = client.post(
        url, data={"reason": "EXPELLED", "ends_on": today().isoformat(), "note": "Wangedrag."}
    )
    assert response.status_code == 302
    db.session.refresh(membership)
    assert membership.end_reason is EndReason.EXPELLED
    assert membership.ends_on == today()
    assert "Wangedrag." in text_of(mailbox.last_to(membership.user.email))
    # The last day is today: tomorrow's run of process-endings ends it and removes functions.
    assert services.process_due_endings(today() + timedelta(days=1)) == 1
    db.session.refresh(membership)
    assert membership.status is MembershipStatus.ENDED
    assert membership.ended_on == today()
    assert membership.functions == []
    history = db.session.scalars(
        select(MembershipStatusChange).where(MembershipStatusChange.membership_id == membership.id)
    ).all()
    assert (MembershipStatus.ENDED, today() + timedelta(days=1)) in [
        (h.status, h.effective_on) for h in history
    ]


def test_ended_member_loses_access(client, login):
    coop = CooperativeFactory()
    membership = MembershipFactory(cooperative=coop)
    membership.ends_on = date(2020, 1, 1)
    services.process_ending(membership, today=today())
    login(membership.user)
    assert client.get(f"/c/{coop.slug}/dashboard").status_code == 403
    page = client.get("/account/memberships").get_data(as_text=True)
    assert coop.name in page


def test_process_endings_command(app):
    membership = MembershipFactory()
    membership.ends_on = today() - timedelta(days=1)
    result = app.test_cli_runner().invoke(args=["coop", "members", "process-endings"])
    assert result.exit_code == 0
    assert "1 memberships ended" in result.output
    db.session.refresh(membership)
    assert membership.status is MembershipStatus.ENDED


def test_my_memberships_lists_every_cooperative(client, login):
    first = MembershipFactory()
    second = MembershipFactory(user=first.user)
    login(first.user)
    page = client.get("/account/memberships").get_data(as_text=True)
    assert first.cooperative.name in page
    assert second.cooperative.name in page
