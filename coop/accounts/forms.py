from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Length

from coop.forms import FlaskForm, PlainText, choices, strip_filter

REQUIRED = _l("Fill in this field.")


class SignupForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=200), PlainText()],
    )
    email = EmailField(
        _l("E-mail address"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=254), PlainText()],
    )
    password = PasswordField(
        _l("Password"),
        description=_l("At least 10 characters. A few words in a row is easy to remember."),
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=254), PlainText()],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=200)])
    remember = BooleanField(_l("Stay logged in on this device"))


class EmailForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=254), PlainText()],
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters."),
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters."),
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )


class ChangeEmailForm(FlaskForm):
    new_email = EmailField(
        _l("New e-mail address"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=254), PlainText()],
    )
    password = PasswordField(
        _l("Your password"),
        description=_l("To check that it is really you."),
        validators=[DataRequired(REQUIRED), Length(max=200)],
    )


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=200), PlainText()],
    )
    locale = RadioField(
        _l("Language"),
        choices=choices([("nl", "Nederlands"), ("en", "English")]),
        validators=[DataRequired(REQUIRED)],
    )
