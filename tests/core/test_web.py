"""Plumbing every page shares: headers, CSRF, error pages, language, formatting, health."""

import re
from datetime import date

import pytest
from flask_babel import force_locale

from coop.core.web import long_date, money
from tests.factories import UserFactory


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_in_pages(client):
    for url in ("/", "/account/login", "/account/signup"):
        page = client.get(url).get_data(as_text=True)
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)
        assert scripts, url  # the shared forms.js
        assert all(body.strip() == "" for body in scripts), url  # none inline
        assert re.findall(r"<script[^>]*>", page) == [
            tag for tag in re.findall(r"<script[^>]*>", page) if 'src="/static/' in tag
        ]


def test_session_cookie_flags(client, login):
    login(UserFactory())
    response = client.get("/account/")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    from coop import create_app

    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.debug is False


@pytest.mark.parametrize(
    "missing", [("SECRET_KEY",), ("DATABASE_URL",), ("SECRET_KEY", "DATABASE_URL")]
)
def test_production_refuses_to_start_without_settings(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    for name in missing:
        monkeypatch.delenv(name)
    from coop import create_app

    with pytest.raises(RuntimeError) as error:
        create_app("production")
    for name in missing:
        assert name in str(error.value)


def test_post_without_csrf_token_is_refused(app, client, csrf):
    # Webhooks are CSRF-exempt by design: they prove themselves by signature.
    posts = [
        rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and not rule.arguments
        and app.view_functions[rule.endpoint].access_policy != "webhook"
    ]
    assert posts
    for rule in posts:
        response = client.post(rule.rule, data={"email": "a@b.test", "password": "x"})
        assert response.status_code == 400, rule.rule
        assert "formulier" in response.get_data(as_text=True)


def test_form_pages_carry_a_csrf_token(client, csrf):
    page = client.get("/account/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize(
    ("locale", "text"), [("nl", "Pagina niet gevonden"), ("en", "Page not found")]
)
def test_404_page_in_both_languages(client, locale, text):
    client.set_cookie("lang", locale)
    response = client.get("/c/bestaat-niet/")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_405_page(client):
    response = client.get("/account/logout")
    assert response.status_code == 405
    assert "<h1>" in response.get_data(as_text=True)


def test_language_switch_for_visitor(client):
    response = client.post("/language", data={"locale": "en", "next": "/account/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/account/login").get_data(as_text=True)
    client.post("/language", data={"locale": "nl"})
    assert '<html lang="nl">' in client.get("/").get_data(as_text=True)


def test_language_switch_on_a_page_shown_after_a_form_goes_to_the_page_above(client):
    # The receipt of a vote is the answer to the POST: its address takes no GET.
    vote = "/c/demo/assemblies/3/motions/7/vote"
    response = client.post("/language", data={"locale": "en", "next": vote})
    assert response.headers["Location"] == "/c/demo/assemblies/3/motions/7"
    response = client.post("/language", data={"locale": "en", "next": "/account/logout"})
    assert client.get(response.headers["Location"]).status_code != 405
    response = client.post("/language", data={"locale": "nl", "next": "/knowledge/?q=buurt"})
    assert response.headers["Location"] == "/knowledge/?q=buurt"


def test_language_switch_is_remembered_in_the_account(client, login):
    from coop.extensions import db

    user = UserFactory(locale="nl")
    login(user)
    client.post("/language", data={"locale": "en"})
    db.session.refresh(user)
    assert user.locale == "en"


def test_language_switch_refuses_unknown_language_and_foreign_next(client):
    assert client.post("/language", data={"locale": "de"}).status_code == 400
    response = client.post("/language", data={"locale": "en", "next": "https://evil.test/"})
    assert response.headers["Location"] == "/"


def test_money_and_dates_are_formatted_per_language(app):
    with app.test_request_context():
        with force_locale("nl"):
            assert money(2500) == "€\xa025,00"
            assert long_date(date(2026, 3, 1)) == "1 maart 2026"
        with force_locale("en"):
            assert money(2500) == "€25.00"
            assert long_date(date(2026, 3, 1)) == "March 1, 2026"


def test_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
