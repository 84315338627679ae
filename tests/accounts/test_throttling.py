"""Log-in throttling: 10 failures in 15 minutes per account and per address."""

from __future__ import annotations

import time
from types import SimpleNamespace

import limits.storage.memory
import pytest

from tests.accounts.support import Page, is_logged_in, nl
from tests.factories import PASSWORD, UserFactory

WRONG = "niet-het-goede-wachtwoord"
LIMIT = 10


def assert_throttled(response):
    assert response.status_code == 429
    page = Page(response.data)
    assert nl("Too many attempts") in page.text
    assert nl("You tried too often. Wait 15 minutes and then try again.") in page.text


def test_eleventh_try_for_one_account_is_refused_even_with_the_right_password(
    client, other_client, user, log_in
):
    # From ten different addresses, so only the per-account limit can apply.
    for n in range(LIMIT):
        response = log_in(user.email, WRONG, addr=f"198.51.100.{n + 1}")
        assert response.status_code == 200, f"attempt {n + 1} was refused"

    response = log_in(" ANNA@example.test", PASSWORD, addr="198.51.100.99")
    assert_throttled(response)
    assert not is_logged_in(client)

    # Someone else, from an address that just failed, is not affected.
    bob = UserFactory(email="bob@example.test")
    assert log_in(bob.email, PASSWORD, addr="198.51.100.1", target=other_client).status_code == 302


def test_ten_failures_from_one_address_block_that_address_only(client, other_client, user, log_in):
    for n in range(LIMIT):
        response = log_in(f"onbekend{n}@example.test", WRONG, addr="203.0.113.7")
        assert response.status_code == 200, f"attempt {n + 1} was refused"

    assert_throttled(log_in(user.email, PASSWORD, addr="203.0.113.7"))
    assert not is_logged_in(client)

    # The same person from another address gets in: the account was never attacked.
    response = log_in(user.email, PASSWORD, addr="203.0.113.8", target=other_client)
    assert response.status_code == 302
    assert is_logged_in(other_client)


def test_successful_log_ins_do_not_count(app, user, log_in):
    for _ in range(LIMIT - 1):
        assert log_in(user.email, WRONG).status_code == 200
    # Two successes after nine failures: if successes counted, the second would be the 11th.
    for _ in range(2):
        browser = app.test_client()
        assert log_in(user.email, PASSWORD, target=browser).status_code == 302
        assert is_logged_in(browser)


def test_showing_the_log_in_form_does_not_count(client, user, log_in):
    for _ in range(LIMIT + 2):
        response = client.get("/account/login", environ_base={"REMOTE_ADDR": "192.0.2.1"})
        assert response.status_code == 200
    assert log_in(user.email).status_code == 302


def test_the_block_lifts_after_15_minutes(client, user, log_in, monkeypatch):
    for _ in range(LIMIT):
        log_in(user.email, WRONG)
    assert_throttled(log_in(user.email))

    def later(minutes: float):
        clock = SimpleNamespace(time=lambda: time.time() + minutes * 60)
        monkeypatch.setattr(limits.storage.memory, "time", clock)

    later(14)
    assert_throttled(log_in(user.email))
    later(15.1)
    assert log_in(user.email).status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize("url", ["/account/reset", "/account/verify/resend"])
def test_mail_requests_are_limited_per_address(client, url):
    for _ in range(5):
        assert client.post(url, data={"email": "someone@example.test"}).status_code == 302
    assert client.post(url, data={"email": "someone@example.test"}).status_code == 429
    assert client.post(url, data={"email": "other@example.test"}).status_code == 302


def test_app_wide_limits_still_apply_when_configured(mailbox):
    """Without app-wide limits the extension's check before every request is left out
    (coop.create_app); with them it stays and refuses what is over the limit."""
    from coop import create_app
    from coop.extensions import limiter

    plain = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert limiter._check_request_limit not in plain.before_request_funcs[None]
    try:
        limited = create_app(
            "testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_DEFAULT": "1 per day"}
        )
        client = limited.test_client()
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").status_code == 429
    finally:
        # The extension is shared by every app of the test session: no app-wide limits.
        limiter.limit_manager.set_default_limits([])
        limiter.reset()


def test_an_app_with_rate_limiting_switched_off_starts():
    from coop import create_app
    from coop.extensions import limiter

    try:
        app = create_app(
            "testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False}
        )
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        limiter.enabled = True  # the extension is shared by every app of the test session
