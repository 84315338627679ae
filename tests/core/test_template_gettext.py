"""Templates' ``_()`` gives what Jinja's new-style gettext gives: translated, escaped
variables where the template escapes, and always a format string."""

import pytest
from flask_babel import force_locale
from jinja2.ext import _make_new_gettext

from coop.core.web import _page_translations

CASES = [
    ("{{ _('Log in') }}", {}),
    ("{{ _('Welcome, %(name)s', name=name) }}", {"name": "<b>Bo & Ed</b>"}),
    ("{{ _('100%% sure') }}", {}),
    (
        "{{ _('Skip to content') }}"
        "{{ _('You voted “%(choice)s” on: %(title)s', choice=c, title=t) }}",
        {"c": "Voor", "t": "<script>alert(1)</script>"},
    ),
]


@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize(("source", "values"), CASES)
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_same_as_jinjas_new_style_gettext(app, source, values, autoescape, locale):
    reference = app.jinja_env.overlay(autoescape=autoescape)
    reference.globals = {  # its own globals: an overlay shares the app's dict
        **app.jinja_env.globals,
        "_": _make_new_gettext(lambda s: _page_translations().ugettext(s)),
    }
    ours = app.jinja_env.overlay(autoescape=autoescape)
    with app.test_request_context("/"), force_locale(locale):
        expected = reference.from_string(source).render(values)
        assert ours.from_string(source).render(values) == expected
    if autoescape and "name" in values:
        assert "&lt;b&gt;Bo &amp; Ed&lt;/b&gt;" in expected


def test_a_translated_text_in_a_page(client):
    assert "Naar de inhoud" in client.get("/").text
    client.post("/language", data={"locale": "en"})
    assert "Skip to content" in client.get("/").text
