"""Bad input never crashes: a message at the field, what was typed kept, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coop.accounts.models import User
from coop.extensions import db
from tests.accounts.support import Page, nl
from tests.factories import PASSWORD

GOOD = {
    "/account/signup": {"name": "Anna", "email": "anna@example.test", "password": PASSWORD},
    "/account/login": {"email": "anna@example.test", "password": PASSWORD},
    "/account/verify/resend": {"email": "anna@example.test"},
    "/account/reset": {"email": "anna@example.test"},
    "/account/email": {"new_email": "nieuw@example.test", "password": PASSWORD},
    "/account/profile": {"name": "Anna", "locale": "nl"},
}
TEXT_FIELDS = [
    ("/account/signup", "name"),
    ("/account/signup", "email"),
    ("/account/login", "email"),
    ("/account/verify/resend", "email"),
    ("/account/reset", "email"),
    ("/account/email", "new_email"),
    ("/account/profile", "name"),
]


@pytest.fixture
def visitor(client, user, login):
    def for_url(url):
        if url in ("/account/email", "/account/profile"):
            login(user)
        return client

    return for_url


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize(("url", "field"), TEXT_FIELDS)
def test_control_characters_are_refused_at_the_field(visitor, mailbox, url, field):
    before = users()
    data = {**GOOD[url], field: "anna\x00\x07@example.test"}
    response = visitor(url).post(url, data=data)
    assert response.status_code in (200, 422)
    page = Page(response.data)
    assert page.errors()[field] == nl("This contains characters that are not allowed.")
    assert users() == before
    assert mailbox.messages == []


@pytest.mark.parametrize(("url", "field"), TEXT_FIELDS)
def test_overlong_input_is_refused_at_the_field(visitor, mailbox, url, field):
    data = {**GOOD[url], field: "a" * 250 + "@example.test"}
    response = visitor(url).post(url, data=data)
    assert response.status_code in (200, 422)
    assert field in Page(response.data).errors()
    assert mailbox.messages == []


@pytest.mark.parametrize("url", ["/account/signup", "/account/login"])
def test_overlong_password_is_refused_before_any_hashing(client, url, monkeypatch):
    def no_argon2(*args):
        raise AssertionError("a 5000-character password reached argon2")

    monkeypatch.setattr("coop.accounts.services.hash_password", no_argon2)
    monkeypatch.setattr("coop.accounts.services.check_password", no_argon2)
    response = client.post(url, data={**GOOD[url], "password": "x" * 5000})
    assert response.status_code == 200
    assert "password" in Page(response.data).errors()
