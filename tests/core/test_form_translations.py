"""WTForms' own messages follow the person's language, from catalogues read once."""

import flask_wtf
from flask import g, render_template_string
from flask_babel import force_locale, refresh
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.validators import DataRequired

from coop import forms


class _NameForm(forms.FlaskForm):
    name = StringField("Name", validators=[DataRequired()])


def _required_message(app, locale: str) -> str:
    with app.test_request_context("/", method="POST"):
        g.force_language = locale
        refresh()
        form = _NameForm(formdata=MultiDict({"name": ""}), meta={"csrf": False})
        assert not form.validate()
        return form.name.errors[0]


def test_wtforms_messages_are_in_the_persons_language(app):
    assert _required_message(app, "nl") == "Dit veld is vereist."
    assert _required_message(app, "en") == "This field is required."
    assert _required_message(app, "nl") == "Dit veld is vereist."


def test_wtforms_catalogue_is_read_once_per_language(app):
    _required_message(app, "nl")
    read = forms._wtforms_translations.cache_info().misses
    for _ in range(3):
        _required_message(app, "nl")
    assert forms._wtforms_translations.cache_info().misses == read


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_the_app_uses_the_shared_base(app):
    ours = [c for c in _subclasses(flask_wtf.FlaskForm) if c.__module__.startswith("coop.")]
    assert len(ours) > 20
    strays = [c.__qualname__ for c in ours if not issubclass(c, forms.FlaskForm)]
    assert strays == []


def test_page_texts_follow_a_change_of_language_within_the_request(app):
    page = '{{ _("Log out") }}'
    with app.test_request_context("/"):
        g.force_language = "nl"
        refresh()
        assert render_template_string(page) == "Uitloggen"
        with force_locale("en"):
            assert render_template_string(page) == "Log out"
        assert render_template_string(page) == "Uitloggen"
        g.force_language = "en"
        refresh()
        assert render_template_string(page) == "Log out"
