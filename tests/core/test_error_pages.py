"""Error pages: every code has a page in both languages; a crash shows a calm 500 page."""

import pytest


@pytest.fixture
def no_propagation(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield
    app.config["PROPAGATE_EXCEPTIONS"] = None


@pytest.mark.parametrize(
    ("locale", "text"),
    [("nl", "Er ging bij ons iets mis"), ("en", "Something went wrong on our side")],
)
def test_unexpected_error_gives_the_500_page(client, monkeypatch, no_propagation, locale, text):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("coop.core.views.select", broken)  # the home page now crashes
    client.set_cookie("lang", locale)
    response = client.get("/")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert text in body
    assert "boom" not in body
    assert "Traceback" not in body


@pytest.mark.parametrize(
    ("url", "method", "code"),
    [("/c/nergens/", "get", 404), ("/account/logout", "get", 405), ("/language", "post", 400)],
)
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_error_pages_use_the_layout_and_language(client, url, method, code, locale):
    client.set_cookie("lang", locale)
    response = getattr(client, method)(url)
    assert response.status_code == code
    body = response.get_data(as_text=True)
    assert f'<html lang="{locale}">' in body
    assert f"{code}" in body
    assert "Buurtcoop" in body


def test_403_page(client, login):
    from tests.factories import CooperativeFactory, UserFactory

    coop = CooperativeFactory()
    login(UserFactory())
    response = client.get(f"/c/{coop.slug}/dashboard")
    assert response.status_code == 403
    assert "Geen toegang" in response.get_data(as_text=True)
