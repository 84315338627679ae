from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from coop.forms import FlaskForm, PlainText, choices, strip_filter
from coop.members.models import Function, MemberKind
from coop.members.rules import iban_problem, normalise_postcode

FUNCTION_LABELS = {
    Function.CHAIR: _l("Chair"),
    Function.SECRETARY: _l("Secretary"),
    Function.TREASURER: _l("Treasurer"),
    Function.BOARD_MEMBER: _l("Board member"),
    Function.ADMIN: _l("Administrator"),
}


class GrantFunctionForm(FlaskForm):
    number = IntegerField(
        _l("Member number"),
        validators=[
            InputRequired(_l("Fill in this field.")),
            NumberRange(min=1, max=10_000_000, message=_l("Give a member number.")),
        ],
    )
    function = SelectField(
        _l("Function"),
        choices=choices((f.name, label) for f, label in FUNCTION_LABELS.items()),
        validators=[DataRequired(_l("Fill in this field."))],
    )


# Applications and contact details ---------------------------------------------------------

REQUIRED = _l("Fill in this field.")

KIND_LABELS = {
    MemberKind.BEWONER: _l("Resident"),
    MemberKind.ONDERNEMER: _l("Local entrepreneur"),
    MemberKind.ORGANISATIE: _l("Organisation"),
}


class Postcode:
    def __call__(self, form, field):
        if field.data and normalise_postcode(field.data) is None:
            raise ValidationError(_l("Write a postcode as 4 digits and 2 letters, like 3561 AB."))


class Iban:
    def __call__(self, form, field):
        if field.data and iban_problem(field.data):
            raise ValidationError(iban_problem(field.data))


def _text(label, max_length=200, required=False, **kwargs):
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    return StringField(
        label,
        filters=[strip_filter],
        validators=[*validators, Length(max=max_length), PlainText()],
        **kwargs,
    )


class ContactForm(FlaskForm):
    """Contact details; which fields are required depends on the member kind."""

    name = _text(_l("Name"), required=True)
    contact_person = _text(_l("Contact person"))
    street = _text(_l("Street"))
    house_number = _text(_l("House number"), max_length=20)
    postcode = StringField(
        _l("Postcode"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=10), Postcode()],
    )
    city = _text(_l("Town or city"), max_length=100)
    phone = StringField(
        _l("Phone number"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=30),
            Regexp(r"^[0-9+() -]{6,30}$", message=_l("Use only digits, spaces and + ( ) -.")),
        ],
    )
    kvk_number = StringField(
        _l("KvK number"),
        filters=[lambda v: v.replace(" ", "") if isinstance(v, str) else v],
        description=_l("8 digits, from the Chamber of Commerce."),
        validators=[
            Optional(),
            Regexp(r"^[0-9]{8}\Z", message=_l("A KvK number has exactly 8 digits.")),
        ],
    )
    iban = StringField(
        _l("IBAN (optional)"),
        filters=[strip_filter],
        description=_l(
            "Only if you want to pay by direct debit later. For example NL91 ABNA 0417 1643 00."
        ),
        validators=[Optional(), Length(max=42), Iban()],
    )
    in_directory = BooleanField(_l("Show me in the members' directory"))

    def adapt_to(self, kind: MemberKind) -> None:
        """Mark the fields this kind of member must fill in."""
        needed = {
            MemberKind.BEWONER: ("street", "house_number", "postcode", "city"),
            MemberKind.ONDERNEMER: ("kvk_number", "postcode"),
            MemberKind.ORGANISATIE: ("contact_person",),
        }[kind]
        for name in needed:
            field = self[name]
            field.flags.required = True
            field.validators = [
                DataRequired(REQUIRED),
                *[v for v in field.validators if not isinstance(v, Optional)],
            ]
        if kind is MemberKind.ONDERNEMER:
            self.name.label.text = _l("Business name")
        elif kind is MemberKind.ORGANISATIE:
            self.name.label.text = _l("Name of the organisation")
            self.kvk_number.label.text = _l("KvK number (if any)")


class MyDetailsForm(ContactForm):
    """A member's own details, with what the members' directory shows."""

    directory_email = BooleanField(_l("Show my e-mail address in the directory"))
    directory_phone = BooleanField(_l("Show my phone number in the directory"))
    directory_address = BooleanField(_l("Show my address in the directory"))


class ApplicationForm(ContactForm):
    accept_terms = BooleanField(
        _l("I have read the statutes and the privacy statement and I agree to them"),
        validators=[DataRequired(_l("You can only become a member if you agree."))],
    )


class AccountPartForm(FlaskForm):
    """For visitors without an account: make one in the same step."""

    class Meta:
        csrf = False

    email = StringField(
        _l("E-mail address"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=254), PlainText()],
    )
    password = PasswordField(
        _l("Choose a password"),
        description=_l("At least 10 characters. A few words in a row is easy to remember."),
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )


class VisitorApplicationForm(ApplicationForm):
    account = FormField(AccountPartForm, label="")


class DecisionForm(FlaskForm):
    text = TextAreaField(
        _l("Reason or question"),
        filters=[strip_filter],
        description=_l("The applicant receives this text by e-mail."),
        validators=[DataRequired(REQUIRED), Length(max=5000), PlainText(multiline=True)],
    )


class EndMembershipForm(FlaskForm):
    reason = RadioField(
        _l("Why does the membership end?"),
        choices=choices(
            [
                ("TERMINATED", _l("The cooperative ends the membership (opzegging)")),
                ("EXPELLED", _l("The member is expelled (ontzetting)")),
            ]
        ),
        validators=[DataRequired(REQUIRED)],
    )
    ends_on = DateField(_l("Last day of membership"), validators=[InputRequired(REQUIRED)])
    note = TextAreaField(
        _l("Reason"),
        filters=[strip_filter],
        description=_l("The member receives this text by e-mail."),
        validators=[DataRequired(REQUIRED), Length(max=5000), PlainText(multiline=True)],
    )


class EarlierEndForm(FlaskForm):
    ends_on = DateField(_l("New last day of membership"), validators=[InputRequired(REQUIRED)])
