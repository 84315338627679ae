"""Shared form pieces."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice
from wtforms.validators import ValidationError


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
