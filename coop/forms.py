"""Shared form pieces."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import support
from flask import current_app, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import Form, SelectChoice
from wtforms.i18n import messages_path
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str):
    """WTForms' own messages ("This field is required.") in ``locale``, read from its
    catalogue once per process (Flask-WTF reads the .mo file again on every request that
    builds a form). The catalogue is only read from, so every thread may share it."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsTranslations:
    """WTForms' messages in the language of the request, looked up when a message is
    shown (not when the form is built: a view may still change the language)."""

    def gettext(self, string):
        return _wtforms_translations(str(get_locale())).ugettext(string)

    def ngettext(self, singular, plural, n):
        return _wtforms_translations(str(get_locale())).ungettext(singular, plural, n)


_TRANSLATIONS = _WTFormsTranslations()


class FlaskForm(_FlaskForm):
    """The base of every form in the app: Flask-WTF's, with WTForms' messages in the
    user's language from a catalogue loaded once per locale."""

    class Meta(_FlaskForm.Meta):
        def get_translations(self, form):
            if not has_request_context() or not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _TRANSLATIONS


class SubForm(Form):
    """A form within a form (``FormField``): WTForms' messages in the user's language, as
    in ``FlaskForm``, and no CSRF token of its own (the outer form has it)."""

    class Meta(DefaultMeta):
        def get_translations(self, form):
            if not has_request_context() or not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _TRANSLATIONS


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


class PlainText:
    """Refuses control characters (other than newlines and tabs) in free text."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        value = field.data or ""
        allowed = "\n\r\t" if self.multiline else ""
        for char in value:
            if char not in allowed and unicodedata.category(char) in {"Cc", "Cs", "Co", "Cn"}:
                raise ValidationError(_l("This contains characters that are not allowed."))


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]
