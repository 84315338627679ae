"""Log in and log out: messages, remember me, a fresh session, POST-only logout."""

from __future__ import annotations

from tests.accounts.support import Page, is_logged_in, nl, reload
from tests.factories import PASSWORD

REMEMBER = "remember_token"


def test_right_password_logs_in_and_greets(client, user, log_in):
    response = log_in("  Anna@Example.TEST ")
    assert response.status_code == 302
    assert response.location == "/"
    page = Page(client.get("/").data)
    assert nl("Welcome, %(name)s.", name="Anna Jansen") in page.flashes
    assert is_logged_in(client)
    assert reload(user).last_login_at is not None


def test_wrong_password_shows_one_message_and_keeps_the_address(client, user, log_in):
    response = log_in(user.email, "niet-het-goede-wachtwoord")
    assert response.status_code == 200
    page = Page(response.data)
    assert page.form_alert == nl("The e-mail address or password is not correct.")
    assert page.value("email") == user.email
    assert not page.value("password")  # a password is never sent back
    assert "niet-het-goede-wachtwoord" not in response.text
    assert not is_logged_in(client)
    assert reload(user).last_login_at is None


def test_unknown_address_gets_the_same_message_as_a_wrong_password(client, log_in):
    page = Page(log_in("niemand@example.test", PASSWORD).data)
    assert page.form_alert == nl("The e-mail address or password is not correct.")
    assert page.errors() == {}
    assert not is_logged_in(client)


def test_empty_fields_are_marked(client):
    page = Page(client.post("/account/login", data={"email": "", "password": ""}).data)
    required = nl("Fill in this field.")
    assert page.errors() == {"email": required, "password": required}


def test_without_remember_me_no_remember_cookie(client, user, log_in):
    assert log_in(user.email).status_code == 302
    assert client.get_cookie(REMEMBER) is None


def test_remember_me_sets_a_cookie_that_logs_in_on_its_own(client, other_client, user, log_in):
    assert log_in(user.email, remember=True).status_code == 302
    cookie = client.get_cookie(REMEMBER)
    assert cookie is not None
    assert cookie.http_only
    assert cookie.expires is not None  # survives closing the browser

    # The same device after the browser session ended: only the remember cookie is left.
    other_client.set_cookie(REMEMBER, cookie.value)
    assert is_logged_in(other_client)


def test_logout_ends_the_remember_cookie_too(client, user, log_in):
    log_in(user.email, remember=True)
    cookie = client.get_cookie(REMEMBER)
    assert cookie is not None

    response = client.post("/account/logout")
    assert response.status_code == 302
    assert client.get_cookie(REMEMBER) is None
    assert not is_logged_in(client)


def test_log_in_starts_a_fresh_session(client, user, log_in):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["cart"] = [1, 2, 3]
    assert log_in(user.email).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "cart" not in session
        assert session["_user_id"] == user.get_id()


def test_log_in_goes_to_next_but_only_on_this_site(client, user, log_in):
    response = client.post(
        "/account/login?next=/account/",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.location == "/account/"
    client.post("/account/logout")
    response = client.post(
        "/account/login?next=//evil.example/steal",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.location == "/"


def test_a_page_that_needs_login_sends_you_to_log_in(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.location.startswith("/account/login")


def test_logout_needs_post(client, user, login):
    login(user)
    response = client.get("/account/logout")
    assert response.status_code == 405
    assert is_logged_in(client)

    response = client.post("/account/logout")
    assert response.status_code == 302
    assert not is_logged_in(client)
    page = Page(client.get("/").data)
    assert nl("You are logged out.") in page.flashes


def test_logout_needs_the_csrf_token_when_csrf_is_on(client, user, login, csrf):
    login(user)
    assert client.post("/account/logout").status_code == 400
    assert is_logged_in(client)


def test_logged_in_person_visiting_login_goes_home(client, user, login):
    login(user)
    assert client.get("/account/login").status_code == 302


def test_log_in_form_carries_its_csrf_token(client, user, csrf):
    data = {"email": user.email, "password": PASSWORD}
    assert client.post("/account/login", data=data).status_code == 400
    token = Page(client.get("/account/login").data).value("csrf_token")
    assert token
    assert client.post("/account/login", data={**data, "csrf_token": token}).status_code == 302
    assert is_logged_in(client)
