"""E-mail verification: the link, tampered links, and unverified accounts at the log-in."""

from __future__ import annotations

from coop.accounts import services
from coop.extensions import db
from tests.accounts.support import Page, is_logged_in, nl, path_of, reload
from tests.factories import PASSWORD
from tests.mailcapture import links_in


def verify_link(client, mailbox, email) -> str:
    client.post("/account/verify/resend", data={"email": email})
    [link] = links_in(mailbox.last_to(email))
    return path_of(link)


def test_link_from_the_mail_verifies_the_address(client, mailbox, unverified):
    link = verify_link(client, mailbox, unverified.email)
    assert link.startswith("/account/verify/")

    response = client.get(link)
    assert response.status_code == 302
    assert response.location == "/account/login"
    page = Page(client.get("/account/login").data)
    assert nl("Thank you. Your e-mail address is confirmed. You can log in now.") in page.flashes
    assert reload(unverified).is_verified


def test_clicking_the_link_twice_is_harmless(client, unverified):
    link = f"/account/verify/{services.verification_token(unverified)}"
    client.get(link)
    verified_at = reload(unverified).email_verified_at
    assert verified_at is not None
    assert client.get(link).location == "/account/login"
    assert reload(unverified).email_verified_at == verified_at


def _tamper(token: str) -> str:
    """Change one character of the signed data (not a padding bit of the signature)."""
    swapped = "A" if token[2] != "A" else "B"
    return token[:2] + swapped + token[3:]


def test_tampered_link_is_refused_with_a_message(client, unverified):
    token = services.verification_token(unverified)
    for bad in (_tamper(token), token[:20], "not-a-token"):
        response = client.get(f"/account/verify/{bad}")
        assert response.status_code == 302
        assert response.location == "/account/verify/resend"
        page = Page(client.get(response.location).data)
        assert nl("This link is not valid. Ask for a new one.") in page.flashes
    assert not reload(unverified).is_verified


def test_a_link_made_for_something_else_does_not_verify(client, unverified):
    reset_token = services.reset_token(unverified)
    assert client.get(f"/account/verify/{reset_token}").location == "/account/verify/resend"
    assert not reload(unverified).is_verified


def test_unverified_account_cannot_log_in_and_is_told_why(client, unverified, log_in):
    response = log_in(unverified.email)
    assert response.status_code == 200
    page = Page(response.data)
    assert page.errors() == {
        "email": nl("First confirm your e-mail address with the link we sent you.")
    }
    assert page.value("email") == unverified.email
    resend = [a for a in page.all("a") if a.attrs.get("href") == "/account/verify/resend"]
    assert resend, "the log-in page offers a new confirmation link"
    assert nl("Send the confirmation link again") in resend[0].text
    assert not is_logged_in(client)


def test_unverified_account_with_a_wrong_password_learns_nothing_more(client, unverified, log_in):
    page = Page(log_in(unverified.email, "niet-het-goede-wachtwoord").data)
    assert page.form_alert == nl("The e-mail address or password is not correct.")
    assert page.errors() == {}


def test_unverified_account_asks_a_new_link_then_logs_in(client, mailbox, unverified, log_in):
    response = client.post("/account/verify/resend", data={"email": " Nieuw@Example.test "})
    assert response.location == "/account/check-mail"
    page = Page(client.get("/account/check-mail").data)
    assert (
        nl("If this address has an account that is not yet confirmed, we sent a new link.")
        in page.flashes
    )
    [link] = links_in(mailbox.last_to(unverified.email))
    client.get(path_of(link))
    assert reload(unverified).is_verified

    assert log_in(unverified.email, PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_new_link_is_not_sent_for_unknown_or_verified_addresses(client, mailbox, user):
    for email in ("niemand@example.test", user.email):
        response = client.post("/account/verify/resend", data={"email": email})
        assert response.location == "/account/check-mail"
    assert mailbox.messages == []


def test_link_for_an_old_address_does_not_verify_the_new_one(client, unverified):
    token = services.verification_token(unverified)
    unverified.email = "ander@example.test"
    db.session.flush()
    assert client.get(f"/account/verify/{token}").location == "/account/verify/resend"
    assert not reload(unverified).is_verified
