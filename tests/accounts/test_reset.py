"""Password reset: the mail, a link that works once and for one hour, other sessions end."""

from __future__ import annotations

import time
from types import SimpleNamespace

import itsdangerous.timed
import pytest

from coop.accounts import services
from coop.accounts.passwords import check_password
from tests.accounts.support import Page, is_logged_in, nl, path_of, reload
from tests.factories import PASSWORD
from tests.mailcapture import html_of, links_in

NEW = "groene kikker op een blad"


@pytest.fixture
def clock(monkeypatch):
    """Move the clock that itsdangerous signs and checks tokens with (it calls time.time())."""

    def move(seconds: float):
        fake = SimpleNamespace(time=lambda: time.time() + seconds)
        monkeypatch.setattr(itsdangerous.timed, "time", fake)

    return move


def ask_reset(client, mailbox, user, typed=None) -> str:
    response = client.post("/account/reset", data={"email": typed or user.email})
    assert response.location == "/account/check-mail"
    [link] = links_in(mailbox.last_to(user.email))
    return path_of(link)


def test_reset_mail_has_a_link_and_tells_it_works_one_hour(client, mailbox, user):
    link = ask_reset(client, mailbox, user, " ANNA@example.test ")
    assert link.startswith("/account/reset/")
    message = mailbox.last_to(user.email)
    assert message["Subject"] == nl("Choose a new password")
    assert link in html_of(message)
    page = Page(client.get("/account/check-mail").data)
    assert (
        nl(
            "If this address has an account, we sent a link to choose a new password. "
            "The link works for one hour."
        )
        in page.flashes
    )


def test_unknown_address_gets_the_same_answer_and_no_mail(client, mailbox):
    response = client.post("/account/reset", data={"email": "niemand@example.test"})
    assert response.location == "/account/check-mail"
    assert mailbox.messages == []


def test_link_sets_a_new_password_once(client, mailbox, user, log_in):
    link = ask_reset(client, mailbox, user)
    page = Page(client.get(link).data)
    assert page.all("input", name="password")

    response = client.post(link, data={"password": NEW})
    assert response.status_code == 302
    assert response.location == "/account/login"
    page = Page(client.get("/account/login").data)
    assert nl("Your new password is saved. Log in with it now.") in page.flashes
    reload(user)
    assert check_password(user.password_hash, NEW)
    assert not check_password(user.password_hash, PASSWORD)

    # The second use of the same link is refused, whether opened or submitted.
    used = nl("This link has already been used or is no longer valid.")
    response = client.get(link)
    assert response.location == "/account/reset"
    assert used in Page(client.get("/account/reset").data).flashes
    response = client.post(link, data={"password": "nog een ander wachtwoord"})
    assert response.location == "/account/reset"
    assert used in Page(client.get("/account/reset").data).flashes
    assert check_password(reload(user).password_hash, NEW)


def test_link_expires_after_one_hour(client, user, clock):
    link = f"/account/reset/{services.reset_token(user)}"

    clock(59 * 60)
    assert client.get(link).status_code == 200

    clock(60 * 60 + 5)
    response = client.post(link, data={"password": NEW})
    assert response.location == "/account/reset"
    page = Page(client.get("/account/reset").data)
    assert nl("This link has expired. Ask for a new one.") in page.flashes
    assert check_password(reload(user).password_hash, PASSWORD)


def test_a_link_signed_an_hour_ago_is_refused(client, user, clock):
    clock(-(60 * 60 + 5))
    link = f"/account/reset/{services.reset_token(user)}"
    clock(0)
    assert client.get(link).location == "/account/reset"
    assert client.post(link, data={"password": NEW}).location == "/account/reset"
    assert check_password(reload(user).password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort", "Use at least %(n)s characters."),
        ("password123", "This password is too common. Choose one that is harder to guess."),
        (
            "anna@example.test",
            "Do not make your password out of your e-mail address or the cooperative's name.",
        ),
    ],
)
def test_weak_new_password_is_refused_at_the_field(client, user, password, message):
    old_hash = user.password_hash
    link = f"/account/reset/{services.reset_token(user)}"
    response = client.post(link, data={"password": password})
    assert response.status_code == 200
    assert Page(response.data).errors() == {"password": nl(message, n=10)}
    assert reload(user).password_hash == old_hash
    # The link still works for a good password.
    assert client.get(link).status_code == 200


def test_reset_ends_every_other_session(client, other_client, user, login):
    login(user, other_client)
    assert is_logged_in(other_client)
    version = user.session_version

    link = f"/account/reset/{services.reset_token(user)}"
    assert client.post(link, data={"password": NEW}).status_code == 302

    assert reload(user).session_version == version + 1
    assert not is_logged_in(other_client)


def test_reset_while_logged_in_logs_this_browser_out_too(client, user, login):
    login(user)
    link = f"/account/reset/{services.reset_token(user)}"
    client.post(link, data={"password": NEW})
    assert not is_logged_in(client)


def test_reset_confirms_the_address_of_an_unverified_account(client, unverified):
    link = f"/account/reset/{services.reset_token(unverified)}"
    client.post(link, data={"password": NEW})
    assert reload(unverified).is_verified
