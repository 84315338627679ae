from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from coop.forms import FlaskForm, PlainText, strip_filter
from coop.members.forms import Iban
from coop.payments.forms import money_field

REQUIRED = _l("Fill in this field.")


def _count(label, minimum=1, maximum=100_000, required=True, **kwargs):
    validators = [InputRequired(REQUIRED)] if required else [Optional()]
    return IntegerField(
        label,
        validators=[
            *validators,
            NumberRange(
                min=minimum,
                max=maximum,
                message=_l("Give a number from %(min)s to %(max)s.", min=minimum, max=maximum),
            ),
        ],
        **kwargs,
    )


class CapitalSettingsForm(FlaskForm):
    share_word = StringField(
        _l("Word for shares in this cooperative"),
        description=_l("For example aandelen, participaties or ledencertificaten."),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=40), PlainText()],
    )
    payee_name = StringField(
        _l("Account holder"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200), PlainText()],
    )
    payee_iban = StringField(
        _l("IBAN members pay to"), filters=[strip_filter], validators=[Optional(), Iban()]
    )
    admission_requires_shares_paid = BooleanField(
        _l("New members pay for their minimum number of shares before the board admits them"),
        description=_l(
            "They get a payment request when they apply. It is for the minimum of the first "
            "kind of share with a minimum."
        ),
    )


class ShareClassForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=100), PlainText()],
    )
    nominal_value = money_field(_l("Value of one share (€)"))
    minimum_holding = _count(_l("Minimum per member"), minimum=0)
    maximum_per_member = _count(_l("Maximum per member (empty: no maximum)"), required=False)
    transferable = BooleanField(_l("Members can transfer them to another member"))
    redeemable = BooleanField(_l("The cooperative pays them back on request"), default=True)
    redemption_wait_days = _count(_l("Days to wait before paying back"), minimum=0, maximum=3650)
    votes_per_share = _count(
        _l("Votes per share (0: votes do not depend on shares)"), minimum=0, maximum=1000
    )  # noqa: E501


class BuyForm(FlaskForm):
    share_class = SelectField(_l("Kind of share"), coerce=int, validate_choice=False)
    quantity = _count(_l("How many do you want to buy?"))
    token = HiddenField()


class TransferForm(FlaskForm):
    share_class = SelectField(_l("Kind of share"), coerce=int, validate_choice=False)
    from_number = _count(_l("From member number"), maximum=10_000_000)
    to_number = _count(_l("To member number"), maximum=10_000_000)
    quantity = _count(_l("Quantity"))
    effective_on = DateField(_l("Date"), validators=[InputRequired(_l("Give a date."))])


class RedeemForm(FlaskForm):
    share_class = SelectField(_l("Kind of share"), coerce=int, validate_choice=False)
    number = _count(_l("Member number"), maximum=10_000_000)
    quantity = _count(_l("Quantity"))
    requested_on = DateField(_l("Asked on"), validators=[InputRequired(_l("Give a date."))])
    effective_on = DateField(_l("Paid back on"), validators=[InputRequired(_l("Give a date."))])


class RequestTransferForm(FlaskForm):
    share_class = SelectField(_l("Kind of share"), coerce=int, validate_choice=False)
    to_number = _count(_l("Member number of the other member"), maximum=10_000_000)
    quantity = _count(_l("How many?"))


class RequestRedemptionForm(FlaskForm):
    share_class = SelectField(_l("Kind of share"), coerce=int, validate_choice=False)
    quantity = _count(_l("How many?"))


class ApproveRequestForm(FlaskForm):
    effective_on = DateField(
        _l("Date in the register"), validators=[InputRequired(_l("Give a date."))]
    )


class RejectRequestForm(FlaskForm):
    reason = StringField(
        _l("Reason (the member sees this)"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Give a reason.")), Length(max=500), PlainText()],
    )
