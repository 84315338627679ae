"""My account: change e-mail address, change password, name and language."""

from __future__ import annotations

import pytest
from flask_login.utils import encode_cookie

from coop.accounts import services
from coop.accounts.passwords import check_password
from coop.extensions import db
from tests.accounts.support import Page, is_logged_in, nl, path_of, reload
from tests.factories import PASSWORD, UserFactory
from tests.mailcapture import html_of, links_in

NEW_PASSWORD = "groene kikker op een blad"


@pytest.fixture
def me(client, user, login):
    login(user)
    return user


# Change e-mail address ---------------------------------------------------------------------


def change_email(client, new_email, password=PASSWORD):
    return client.post("/account/email", data={"new_email": new_email, "password": password})


def test_new_address_is_confirmed_by_mail_before_it_changes(client, mailbox, me):
    response = change_email(client, " Anna.Nieuw@Example.test ")
    assert response.status_code == 302
    assert response.location == "/account/"
    page = Page(client.get("/account/").data)
    assert (
        nl(
            "We sent a link to %(email)s. Your address changes when you click it.",
            email="anna.nieuw@example.test",
        )
        in page.flashes
    )
    assert reload(me).email == "anna@example.test"
    assert mailbox.to("anna@example.test") == []

    message = mailbox.last_to("anna.nieuw@example.test")
    assert message["Subject"] == nl("Confirm your new e-mail address")
    [link] = links_in(message)
    assert link in html_of(message)

    response = client.get(path_of(link))
    assert response.location == "/account/"
    assert nl("Your new e-mail address is confirmed.") in Page(client.get("/account/").data).flashes
    assert reload(me).email == "anna.nieuw@example.test"
    assert me.is_verified
    assert services.find_by_email("anna@example.test") is None


def test_confirmation_link_works_when_logged_out(client, other_client, mailbox, me):
    change_email(client, "anna.nieuw@example.test")
    [link] = links_in(mailbox.last_to("anna.nieuw@example.test"))
    response = other_client.get(path_of(link))
    assert response.location == "/account/login"
    assert reload(me).email == "anna.nieuw@example.test"


def test_wrong_password_is_refused_at_the_password_field(client, mailbox, me):
    response = change_email(client, "anna.nieuw@example.test", "niet-mijn-wachtwoord")
    assert response.status_code == 422
    page = Page(response.data)
    assert page.errors() == {"password": nl("Your password is not correct.")}
    assert page.value("new_email") == "anna.nieuw@example.test"
    assert mailbox.messages == []


@pytest.mark.parametrize(
    ("new_email", "message"),
    [
        ("BEZET@example.test", "Another account already uses this e-mail address."),
        ("anna@example.test", "This is already your e-mail address."),
        ("geen-adres", "This is not a valid e-mail address."),
        ("", "Fill in this field."),
    ],
)
def test_unusable_address_is_refused_at_the_new_email_field(
    client, mailbox, me, new_email, message
):
    UserFactory(email="bezet@example.test")
    response = change_email(client, new_email)
    assert response.status_code == 422
    page = Page(response.data)
    assert page.errors() == {"new_email": nl(message)}
    assert page.value("new_email") == new_email
    assert reload(me).email == "anna@example.test"
    assert mailbox.messages == []


def test_address_taken_before_the_click_is_refused(client, mailbox, me):
    change_email(client, "anna.nieuw@example.test")
    [link] = links_in(mailbox.last_to("anna.nieuw@example.test"))
    UserFactory(email="anna.nieuw@example.test")

    client.get(path_of(link))
    page = Page(client.get("/account/").data)
    assert nl("This e-mail address can no longer be used.") in page.flashes
    assert reload(me).email == "anna@example.test"


def test_confirmation_link_works_once_and_older_links_die(client, mailbox, me):
    change_email(client, "eerste@example.test")
    [first] = links_in(mailbox.last_to("eerste@example.test"))
    change_email(client, "tweede@example.test")
    [second] = links_in(mailbox.last_to("tweede@example.test"))

    client.get(path_of(second))
    assert reload(me).email == "tweede@example.test"

    used = nl("This link has already been used or is no longer valid.")
    for link in (second, first):
        client.get(path_of(link))
        assert used in Page(client.get("/account/").data).flashes
        assert reload(me).email == "tweede@example.test"


def test_changing_the_address_needs_login(client, mailbox):
    response = change_email(client, "iemand@example.test")
    assert response.location.startswith("/account/login")
    assert mailbox.messages == []


# Change password ---------------------------------------------------------------------------


def change_password(client, current=PASSWORD, new=NEW_PASSWORD):
    return client.post("/account/password", data={"current_password": current, "new_password": new})


def test_wrong_current_password_is_refused_at_its_field(client, me):
    old_hash = me.password_hash
    response = change_password(client, current="niet-mijn-wachtwoord")
    assert response.status_code == 422
    assert Page(response.data).errors() == {
        "current_password": nl("Your current password is not correct.")
    }
    assert reload(me).password_hash == old_hash


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("kort", "Use at least %(n)s characters."),
        ("qwertyuiop", "This password is too common. Choose one that is harder to guess."),
        (
            "anna@example.test",
            "Do not make your password out of your e-mail address or the cooperative's name.",
        ),
    ],
)
def test_weak_new_password_is_refused_at_its_field(client, me, new, message):
    old_hash = me.password_hash
    response = change_password(client, new=new)
    assert response.status_code == 422
    assert Page(response.data).errors() == {"new_password": nl(message, n=10)}
    assert reload(me).password_hash == old_hash


def test_new_password_ends_other_sessions_and_keeps_this_one(client, other_client, me, login):
    login(me, other_client)
    with client.application.test_request_context():
        old_remember_cookie = encode_cookie(me.get_id())
    remembered = client.application.test_client()
    remembered.set_cookie("remember_token", old_remember_cookie)
    assert is_logged_in(other_client)
    assert is_logged_in(remembered)

    response = change_password(client)
    assert response.status_code == 302
    assert nl("Your new password is saved.") in Page(client.get("/account/").data).flashes

    assert is_logged_in(client)
    assert not is_logged_in(other_client)
    assert not is_logged_in(remembered)
    reload(me)
    assert check_password(me.password_hash, NEW_PASSWORD)
    assert not check_password(me.password_hash, PASSWORD)


def test_new_password_keeps_remember_me_on_this_device(client, me, log_in):
    client.post("/account/logout")
    log_in(me.email, remember=True)
    assert change_password(client).status_code == 302

    remembered = client.application.test_client()
    remembered.set_cookie("remember_token", client.get_cookie("remember_token").value)
    assert is_logged_in(remembered)


# Name and language -------------------------------------------------------------------------


def save_profile(client, name="Anna de Vries", locale="nl"):
    return client.post("/account/profile", data={"name": name, "locale": locale})


def test_name_and_language_are_saved_and_pages_follow_the_language(client, me):
    page = Page(client.get("/account/").data)
    assert page.lang == "nl"
    assert page.value("name") == "Anna Jansen"
    assert page.checked("locale") == "nl"

    response = save_profile(client, name="  Anna de Vries ", locale="en")
    assert response.status_code == 302
    reload(me)
    assert me.name == "Anna de Vries"
    assert me.locale == "en"

    page = Page(client.get("/account/").data)
    assert page.lang == "en"
    assert "Your details are saved." in page.flashes
    assert "My account" in page.text
    assert page.checked("locale") == "en"
    assert page.value("name") == "Anna de Vries"

    save_profile(client, locale="nl")
    assert Page(client.get("/account/").data).lang == "nl"


def test_account_language_wins_over_the_language_cookie(client, me):
    me.locale = "en"
    db.session.flush()
    client.set_cookie("lang", "nl")
    assert Page(client.get("/").data).lang == "en"


def test_the_language_stays_after_logging_out(client, me):
    save_profile(client, locale="en")
    client.post("/account/logout")
    assert Page(client.get("/").data).lang == "en"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "locale": "nl"}, "name", "Fill in this field."),
        (
            {"name": "Anna\x00", "locale": "nl"},
            "name",
            "This contains characters that are not allowed.",
        ),
    ],
)
def test_bad_profile_input_is_refused_at_the_field(client, me, data, field, message):
    response = client.post("/account/profile", data=data)
    assert response.status_code == 422
    assert Page(response.data).errors() == {field: nl(message)}
    assert reload(me).name == "Anna Jansen"


def test_unknown_language_is_refused(client, me):
    response = save_profile(client, locale="de")
    assert response.status_code == 422
    assert "locale" in Page(response.data).errors()
    assert reload(me).locale == "nl"
    assert reload(me).name == "Anna Jansen"
