from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, ValidationError

from coop.forms import FlaskForm, strip_filter

REQUIRED = _l("Fill in this field.")
_AMOUNT = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")
MAX_CENTS = 10_000_000_00


def parse_cents(text: str) -> int | None:
    """'25', '25,5', '25,50', '€ 25,50' or '1.250,00' → cents; None when it is no amount."""
    text = (text or "").replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in text:
        text = text.replace(".", "")  # Dutch: dots group thousands
    match = _AMOUNT.match(text)
    if not match:
        return None
    euros, cents = match.groups()
    return int(euros) * 100 + int((cents or "0").ljust(2, "0"))


class MoneyField(StringField):
    """An amount in euros as people write it; ``.cents`` holds the value in cents."""

    cents: int | None = None

    def pre_validate(self, form):
        self.cents = None
        if not self.data:
            return
        cents = parse_cents(self.data)
        if cents is None or cents > MAX_CENTS:
            raise ValidationError(_l("Write an amount in euros, like 25,00."))
        self.cents = cents


def money_field(label, **kwargs):
    return MoneyField(label, filters=[strip_filter], validators=[InputRequired(REQUIRED)], **kwargs)


class BankTransferForm(FlaskForm):
    amount = money_field(_l("Amount received (€)"))
    received_on = DateField(
        _l("Date received"), validators=[InputRequired(_l("Give a date."))],
    )  # fmt: skip


class CheckoutForm(FlaskForm):
    pass
