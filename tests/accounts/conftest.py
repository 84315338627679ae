"""Fixtures for the accounts tests."""

from __future__ import annotations

from functools import cache

import pytest

from coop.accounts import passwords, services
from coop.accounts.models import User
from tests.factories import PASSWORD, UserFactory

_check_password = cache(passwords.check_password)


@pytest.fixture(autouse=True)
def _verify_each_password_once(monkeypatch):
    """check_password is pure but costs an argon2 run; the same hash and password pair
    comes back in many tests (the factories share one hash). test_passwords.py tests the
    real function directly."""
    monkeypatch.setattr(services, "check_password", _check_password)


@pytest.fixture
def user() -> User:
    """A verified account; its password is tests.factories.PASSWORD."""
    return UserFactory(email="anna@example.test", name="Anna Jansen")


@pytest.fixture
def unverified() -> User:
    return UserFactory(email="nieuw@example.test", name="Nieuw Lid", email_verified_at=None)


@pytest.fixture
def other_client(app):
    """A second browser: another device of the same person, or someone else."""
    return app.test_client()


@pytest.fixture
def log_in(client):
    """Log in through the real form; returns the response."""

    def _log_in(email, password=PASSWORD, *, remember=False, target=None, addr="192.0.2.1"):
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return (target or client).post(
            "/account/login", data=data, environ_base={"REMOTE_ADDR": addr}
        )

    return _log_in
