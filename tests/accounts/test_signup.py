"""Sign-up: what is stored, which passwords are refused, and the mail that goes out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coop.accounts.models import User
from coop.accounts.passwords import check_password
from coop.extensions import db
from tests.accounts.support import Page, mail_lang, nl, path_of
from tests.factories import UserFactory
from tests.mailcapture import html_of, links_in, text_of

PASSWORD = "tulpen in de vensterbank"


def sign_up(client, email, password=PASSWORD, name="Anna Jansen"):
    return client.post("/account/signup", data={"name": name, "email": email, "password": password})


def users_with(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == email))


def test_sign_up_stores_an_argon2_hash_never_the_password(client, mailbox):
    response = sign_up(client, " Anna.Jansen@Example.TEST ")
    assert response.status_code == 302
    assert response.location == "/account/check-mail"

    user = db.session.scalar(select(User).where(User.email == "anna.jansen@example.test"))
    assert user is not None
    assert user.name == "Anna Jansen"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert check_password(user.password_hash, PASSWORD)
    assert not user.is_verified
    assert user.locale == "nl"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort-9-tk", "Use at least %(n)s characters."),
        ("password123", "This password is too common. Choose one that is harder to guess."),
        ("wachtwoord1", "This password is too common. Choose one that is harder to guess."),
        ("qwertyuiop", "This password is too common. Choose one that is harder to guess."),
        (
            "Bram.de.Vries-2024",
            "Do not make your password out of your e-mail address or the cooperative's name.",
        ),
    ],
)
def test_weak_password_is_refused_at_the_field_and_the_rest_is_kept(
    client, mailbox, password, message
):
    response = sign_up(client, "bram.de.vries@example.test", password, name="Bram de Vries")
    assert response.status_code == 200
    page = Page(response.data)
    assert page.errors() == {"password": nl(message, n=10)}
    assert page.value("name") == "Bram de Vries"
    assert page.value("email") == "bram.de.vries@example.test"
    assert not page.value("password")
    assert password not in response.text
    assert users_with("bram.de.vries@example.test") == 0
    assert mailbox.messages == []


def test_invalid_address_is_refused_at_the_email_field(client, mailbox):
    page = Page(sign_up(client, "anna@@example").data)
    assert page.errors() == {"email": nl("This is not a valid e-mail address.")}
    assert page.value("name") == "Anna Jansen"
    assert page.value("email") == "anna@@example"
    assert mailbox.messages == []


def test_missing_fields_are_marked_each_at_its_own_field(client):
    page = Page(client.post("/account/signup", data={"email": "anna@example.test"}).data)
    assert page.errors() == {
        "name": nl("Fill in this field."),
        "password": nl("Fill in this field."),
    }
    assert page.value("email") == "anna@example.test"


def test_taken_address_looks_like_a_new_sign_up_but_mails_the_owner(client, mailbox):
    owner = UserFactory(email="bestaand@example.test", locale="en")
    old_hash = owner.password_hash

    response = sign_up(client, "Bestaand@Example.test", name="Iemand Anders")
    assert response.status_code == 302
    assert response.location == "/account/check-mail"

    assert users_with("bestaand@example.test") == 1
    db.session.refresh(owner)
    assert owner.password_hash == old_hash
    assert owner.name != "Iemand Anders"

    [message] = mailbox.to("bestaand@example.test")
    assert message["Subject"] == "You already have an account"  # in the owner's language
    assert [path_of(link) for link in links_in(message)] == ["/account/login"]
    assert "/account/verify/" not in text_of(message)


def test_taken_address_with_a_weak_password_answers_like_a_new_address(client, mailbox):
    """Otherwise a stranger could learn which addresses have accounts."""
    UserFactory(email="bestaand@example.test")
    taken = Page(sign_up(client, "bestaand@example.test", "password123").data)
    new = Page(sign_up(client, "onbekend@example.test", "password123").data)
    assert taken.errors() == new.errors()
    assert taken.errors()["password"]
    assert mailbox.messages == []


def test_verification_mail_in_dutch_by_default(client, mailbox):
    sign_up(client, "anna@example.test")
    message = mailbox.last_to("anna@example.test")

    assert message["Subject"] == nl("Confirm your e-mail address")
    assert message.get_body(("plain",)) is not None
    assert message.get_body(("html",)) is not None
    text, html = text_of(message), html_of(message)
    assert nl("Hello %(name)s,", name="Anna Jansen") in text
    assert mail_lang(html) == "nl"
    assert nl("Confirm my e-mail address") in html

    [link] = links_in(message)
    assert path_of(link).startswith("/account/verify/")
    assert f'href="{link}"' in html


def test_verification_mail_in_english_when_signing_up_in_english(client, mailbox):
    client.set_cookie("lang", "en")
    page = Page(client.get("/account/signup").data)
    assert page.lang == "en"

    sign_up(client, "anna@example.test")
    user = db.session.scalar(select(User).where(User.email == "anna@example.test"))
    assert user.locale == "en"

    message = mailbox.last_to("anna@example.test")
    assert message["Subject"] == "Confirm your e-mail address"
    text, html = text_of(message), html_of(message)
    assert "Hello Anna Jansen," in text
    assert "Thank you for creating an account" in text
    assert mail_lang(html) == "en"
    assert "Confirm my e-mail address" in html
    [link] = links_in(message)
    assert f'href="{link}"' in html


def test_logged_in_person_is_not_shown_the_sign_up_form(client, login):
    login(UserFactory())
    response = client.get("/account/signup")
    assert response.status_code == 302
