"""Account changes leave audit events in the platform chain."""

from __future__ import annotations

from sqlalchemy import select

from coop import audit
from coop.accounts import services
from coop.accounts.models import User
from coop.audit import AuditEvent
from coop.extensions import db
from tests.accounts.support import path_of
from tests.factories import PASSWORD, CooperativeFactory, MembershipFactory, board_member
from tests.mailcapture import links_in

NEW_PASSWORD = "groene kikker op een blad"


def platform_events(user: User) -> list[tuple[str, int | None, str | None, int | None]]:
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.scope == "platform", AuditEvent.subject_id == user.id)
        .order_by(AuditEvent.seq)
    )
    return [(e.action, e.actor_id, e.subject_type, e.cooperative_id) for e in rows]


def test_sign_up_and_verification_are_recorded(client, mailbox):
    client.post(
        "/account/signup",
        data={"name": "Anna", "email": "anna@example.test", "password": "tulpen in de vensterbank"},
    )
    user = services.find_by_email("anna@example.test")
    assert platform_events(user) == [("account.signed_up", user.id, "User", None)]

    [link] = links_in(mailbox.last_to("anna@example.test"))
    client.get(path_of(link))
    client.get(path_of(link))  # a second click records nothing new
    assert platform_events(user) == [
        ("account.signed_up", user.id, "User", None),
        ("account.verified", user.id, "User", None),
    ]
    assert audit.verify().ok


def test_password_change_is_recorded(client, user, login):
    login(user)
    client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert platform_events(user) == [("account.password_changed", user.id, "User", None)]
    assert audit.verify().ok


def test_refused_password_change_records_nothing(client, user, login):
    login(user)
    client.post(
        "/account/password", data={"current_password": "fout", "new_password": NEW_PASSWORD}
    )
    assert platform_events(user) == []


def test_password_reset_is_recorded(client, user):
    client.post(f"/account/reset/{services.reset_token(user)}", data={"password": NEW_PASSWORD})
    assert platform_events(user) == [("account.password_reset", user.id, "User", None)]


def test_email_change_is_recorded_when_confirmed(client, mailbox, user, login):
    login(user)
    client.post("/account/email", data={"new_email": "nieuw@example.test", "password": PASSWORD})
    assert platform_events(user) == []
    [link] = links_in(mailbox.last_to("nieuw@example.test"))
    client.get(path_of(link))
    assert platform_events(user) == [("account.email_changed", user.id, "User", None)]


def test_board_member_log_in_is_recorded_in_the_cooperative_chain(client, log_in):
    cooperative = CooperativeFactory()
    chair = board_member(cooperative).user
    member = MembershipFactory(cooperative=cooperative).user
    before = audit.count_for(cooperative)

    assert log_in(member.email).status_code == 302
    assert audit.count_for(cooperative) == before

    client.post("/account/logout")
    assert log_in(chair.email).status_code == 302
    [event] = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.scope == f"coop:{cooperative.id}", AuditEvent.action == "board.logged_in"
        )
    ).all()
    assert event.actor_id == chair.id
