from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from coop.forms import FlaskForm, PlainText, choices, strip_filter
from coop.members.forms import KIND_LABELS
from coop.payments.forms import money_field

REQUIRED = _l("Fill in this field.")


YEAR = _l("Year")


def year_field():
    return IntegerField(
        YEAR,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=2000, max=2100, message=_l("Choose a year between 2000 and 2100.")),
        ],
    )


class PlanForm(FlaskForm):
    year = year_field()
    kind = SelectField(
        _l("Kind of member"),
        choices=choices((kind.value, label) for kind, label in KIND_LABELS.items()),
        validators=[DataRequired(REQUIRED)],
    )
    full = money_field(_l("Full contribution (€)"))
    reduced = money_field(_l("Reduced contribution (€)"))


def parse_days(text: str) -> list[int] | None:
    parts = [p for p in (text or "").replace(";", ",").replace(" ", ",").split(",") if p]
    if not parts or len(parts) > 10 or not all(p.isascii() and p.isdigit() for p in parts):
        return None
    days = [int(p) for p in parts]
    return days if all(1 <= d <= 365 for d in days) else None


class ReminderDays:
    def __call__(self, form, field):
        if parse_days(field.data) is None:
            raise ValidationError(_l("Write numbers of days from 1 to 365, like 14, 42."))


class ContributionSettingsForm(FlaskForm):
    allow_reduced = BooleanField(_l("Members may choose the reduced contribution"))
    pro_rata = BooleanField(
        _l("New members pay only for the months they are a member"),
        description=_l("Counted in whole months, from the month they join to the end of the year."),
    )
    due_days = IntegerField(
        _l("Days to pay"),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=365, message=_l("Give a number from 1 to 365.")),
        ],
    )
    reminder_days = StringField(
        _l("Send reminders this many days after the due date"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), ReminderDays()],
    )
    sepa_creditor_id = StringField(
        _l("Creditor identifier for direct debit (incassant-ID)"),
        description=_l("Only needed for SEPA direct debit, for example NL00ZZZ123456780000."),
        filters=[strip_filter],
        validators=[Length(max=35), PlainText()],
    )


class BillForm(FlaskForm):
    year = year_field()


class WaiveForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Give a reason.")), Length(max=1000), PlainText(True)],
    )


class ChooseAmountForm(FlaskForm):
    pass


class MandateForm(FlaskForm):
    holder_name = StringField(
        _l("Name of the account holder"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=70), PlainText()],
    )
    iban = StringField(_l("IBAN"), filters=[strip_filter], validators=[DataRequired(REQUIRED)])
    consent = BooleanField(
        _l("I agree to the text above"),
        validators=[DataRequired(_l("You can only sign if you agree."))],
    )


class SepaExportForm(FlaskForm):
    collection_on = DateField(_l("Collection date"), validators=[InputRequired(_l("Give a date."))])


class SepaResultsForm(FlaskForm):
    results = TextAreaField(
        _l("Result from the bank"),
        description=_l("One debit per line: 'id;paid' or 'id;reversed;reason code'."),
        validators=[DataRequired(REQUIRED), Length(max=2_000_000), PlainText(True)],
    )
