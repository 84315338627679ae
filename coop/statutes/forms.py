"""Statutes forms. The parameter form is built from the schema (one field per parameter,
label and help from the schema, the schema's check as the field's validator)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from coop.forms import FlaskForm, PlainText, choices, strip_filter
from coop.statutes import schema


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SchemaCheck:
    """The schema's check for one parameter, as a field validator."""

    def __init__(self, param: schema.Param):
        self.param = param

    def __call__(self, form, field):
        value = field.data
        if self.param.type == "bool":
            value = bool(value)
        _clean, problem = schema._check(self.param, value)
        if problem is not None:
            field.errors[:] = []
            raise ValidationError(str(problem))


def _field(param: schema.Param):
    kwargs = {"description": param.help or "", "validators": [SchemaCheck(param)]}
    if param.type == "bool":
        return BooleanField(param.label, description=param.help or "")
    if param.type == "text":
        return TextAreaField(param.label, filters=[strip_filter], render_kw={"rows": 4}, **kwargs)
    if param.type == "kinds":
        return MultiCheckboxField(
            param.label,
            choices=choices(schema.choice_labels(param)),
            validate_choice=False,
            **kwargs,
        )
    if param.type == "choice":
        return SelectField(
            param.label,
            choices=choices(schema.choice_labels(param)),
            validate_choice=False,
            **kwargs,
        )
    if param.type == "month":
        return SelectField(
            param.label,
            choices=choices((str(n), _month_label(n)) for n in range(1, 13)),
            validate_choice=False,
            **kwargs,
        )
    render_kw = {"inputmode": "numeric"} if param.type in ("int", "optional_int") else {}
    if param.type == "fraction":
        render_kw = {"size": 6}
    if param.type == "str":
        render_kw = {"maxlength": param.max_length}
    return StringField(param.label, filters=[strip_filter], render_kw=render_kw, **kwargs)


def _month_label(number: int):
    from datetime import date

    from flask_babel import format_date

    return format_date(date(2026, number, 1), "MMMM")


class ParametersBase(FlaskForm):
    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok:
            _clean, errors = schema.validate(self.values())
            for key, message in errors.items():
                self[key].errors = [*self[key].errors, str(message)]
            ok = not errors
        return ok

    def values(self) -> dict:
        out = {}
        for param in schema.PARAMS:
            data = self[param.key].data
            if param.type == "bool":
                data = bool(data)
            elif param.type == "kinds":
                data = list(data or [])
            out[param.key] = data
        return out

    def fill(self, values: dict) -> None:
        for param in schema.PARAMS:
            value = values.get(param.key, param.default)
            if param.type in ("int", "optional_int", "month"):
                value = "" if value is None else str(value)
            self[param.key].data = value


def parameters_form(formdata=None, values: dict | None = None) -> ParametersBase:
    """A form with one field per parameter of the schema."""
    form_class = type(
        "ParametersForm", (ParametersBase,), {p.key: _field(p) for p in schema.PARAMS}
    )
    if formdata is None:
        form = form_class(formdata=None)
        form.fill(values or {})
        return form
    return form_class(formdata=formdata)


class StartDraftForm(FlaskForm):
    template_version_id = SelectField(_l("Model text"), coerce=int, validate_choice=False)


class StartFromSharedForm(FlaskForm):
    based_on_id = SelectField(_l("Shared statutes"), coerce=int, validate_choice=False)


class ProposeForm(FlaskForm):
    agenda_item_id = SelectField(_l("Agenda item"), coerce=int, validate_choice=False)
    title = StringField(
        _l("Title of the motion"),
        filters=[strip_filter],
        validators=[InputRequired(), Length(max=200), PlainText()],
    )


class DeedForm(FlaskForm):
    deed_on = DateField(_l("Date of the notarial deed"), validators=[InputRequired()])


class PublishForm(FlaskForm):
    summary = TextAreaField(
        _l("A few words for other cooperatives"),
        filters=[strip_filter],
        validators=[Length(max=500), PlainText(multiline=True)],
    )
