import re

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from coop.core.models import LegalForm
from coop.forms import FlaskForm, PlainText, choices, strip_filter

REQUIRED = _l("Fill in this field.")

MONTHS = [
    (1, _l("January")),
    (2, _l("February")),
    (3, _l("March")),
    (4, _l("April")),
    (5, _l("May")),
    (6, _l("June")),
    (7, _l("July")),
    (8, _l("August")),
    (9, _l("September")),
    (10, _l("October")),
    (11, _l("November")),
    (12, _l("December")),
]

# ASCII digits only: \d would also take other scripts' digits, and $ a trailing newline.
_RANGE = re.compile(r"([0-9]{4})(?:\s*-\s*([0-9]{4}))?")


def parse_postcode_ranges(text: str) -> list[list[int]]:
    """'3561-3564, 3581' -> [[3561, 3564], [3581, 3581]]; raises ValueError."""
    ranges = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]+", text or ""))):
        match = _RANGE.fullmatch(part)
        if not match:
            raise ValueError(part)
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low < 1000 or high < low:
            raise ValueError(part)
        ranges.append([low, high])
    return ranges


def _no_whitespace(value):
    """'1234 5678' and a pasted '12345678\\n' both become '12345678'."""
    return re.sub(r"\s+", "", value) if isinstance(value, str) else value


class PostcodeRanges:
    def __call__(self, form, field):
        try:
            parse_postcode_ranges(field.data)
        except ValueError as error:
            raise ValidationError(
                _l(
                    "'%(part)s' is not a postcode range. Write 4 digits, or two with a dash: "
                    "3561-3564. Separate with commas.",
                    part=str(error)[:20],
                )
            ) from error


class ContactEmail:
    """An e-mail address by the same rule as account addresses: '.test' only where the
    installation allows it (demo data, tests). WTForms' Email() always refuses it."""

    def __call__(self, form, field):
        try:
            validate_email(
                field.data,
                check_deliverability=False,
                test_environment=current_app.config["EMAIL_ALLOW_TEST_DOMAINS"],
            )
        except EmailNotValidError as error:
            raise ValidationError(_l("This is not a valid e-mail address.")) from error


class PublicDetailsForm(FlaskForm):
    """What the board may change itself."""

    name = StringField(
        _l("Name"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=200), PlainText()],
    )
    wijk = StringField(
        _l("Neighbourhood (wijk)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=100), PlainText()],
    )
    purpose = TextAreaField(
        _l("Purpose"),
        filters=[strip_filter],
        description=_l("What does the cooperative do, and for whom? A few short sentences."),
        validators=[Optional(), Length(max=5000), PlainText(multiline=True)],
    )
    joining_info = TextAreaField(
        _l("How to become a member"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=5000), PlainText(multiline=True)],
    )
    contact_email = EmailField(
        _l("Contact e-mail address"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=254), ContactEmail()],
    )


class CooperativeForm(PublicDetailsForm):
    """All details, for platform admins."""

    slug = StringField(
        _l("Web address name"),
        filters=[strip_filter],
        description=_l("Small letters, digits and dashes, for example 'overvecht'."),
        validators=[
            DataRequired(REQUIRED),
            Length(min=2, max=60),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use only small letters, digits and dashes."),
            ),
        ],
    )
    legal_form = SelectField(
        _l("Liability (legal form)"),
        choices=choices((f.name, f.value) for f in LegalForm),
        validators=[DataRequired(REQUIRED)],
    )
    kvk_number = StringField(
        _l("KvK number"),
        filters=[_no_whitespace],
        description=_l("8 digits, from the Chamber of Commerce."),
        validators=[
            Optional(),
            Regexp(r"^[0-9]{8}\Z", message=_l("A KvK number has exactly 8 digits.")),
        ],
    )
    seat = StringField(
        _l("Seat (municipality)"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=100), PlainText()],
    )
    parent_id = SelectField(_l("Part of (city cooperative)"), coerce=int, choices=[])
    founded_on = DateField(
        _l("Founding date"),
        validators=[Optional()],
        render_kw={"placeholder": "2024-03-01"},
    )
    fy_start_month = SelectField(
        _l("Financial year starts in"), coerce=int, choices=choices(MONTHS), default=1
    )
    postcode_ranges = StringField(
        _l("Postcode area"),
        filters=[strip_filter],
        description=_l("The 4-digit postcodes you serve, for example: 3561-3564, 3581"),
        validators=[Optional(), Length(max=1000), PostcodeRanges()],
    )
