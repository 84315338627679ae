"""Knowledge network forms: one per kind of item, plus files, moderation and themes."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from coop.forms import FlaskForm, PlainText, choices, strip_filter
from coop.knowledge.models import FundingKind, ItemKind, TargetGroup, Visibility

REQUIRED = _l("Fill in this field.")

KIND_LABELS = {
    ItemKind.IDEA: _l("Idea for a pilot or initiative"),
    ItemKind.PLAN: _l("Project plan"),
    ItemKind.STATUTES: _l("Statutes"),
    ItemKind.FUNDING: _l("Subsidy or investment opportunity"),
    ItemKind.STORY: _l("Story or result"),
}
KIND_HINTS = {
    ItemKind.IDEA: _l("Something you want to try in your neighbourhood, or that others could try."),
    ItemKind.PLAN: _l(
        "A plan for a service for residents: the need, the approach, the budget and what it "
        "brought."
    ),
    ItemKind.STATUTES: _l("Published statutes, or a model that others can use."),
    ItemKind.FUNDING: _l("A fund, loan, prize or crowdfunding that cooperatives can apply for."),
    ItemKind.STORY: _l("What happened, what worked and what did not."),
}
VISIBILITY_LABELS = {
    Visibility.PUBLIC: _l("Everyone, also people without an account"),
    Visibility.NETWORK: _l("Members of all cooperatives on Buurtcoop"),
    Visibility.COOPERATIVE: _l("Only members of my cooperative"),
}
VISIBILITY_SHORT = {
    Visibility.PUBLIC: _l("public"),
    Visibility.NETWORK: _l("network"),
    Visibility.COOPERATIVE: _l("own cooperative"),
}
FUNDING_KIND_LABELS = {
    FundingKind.SUBSIDY: _l("Subsidy"),
    FundingKind.LOAN: _l("Loan"),
    FundingKind.INVESTMENT: _l("Investment"),
    FundingKind.PRIZE: _l("Prize"),
    FundingKind.CROWDFUNDING: _l("Crowdfunding"),
}
TARGET_GROUP_LABELS = {
    TargetGroup.EVERYONE: _l("Everyone in the neighbourhood"),
    TargetGroup.CHILDREN: _l("Children"),
    TargetGroup.YOUTH: _l("Young people"),
    TargetGroup.FAMILIES: _l("Families"),
    TargetGroup.ELDERLY: _l("Older people"),
    TargetGroup.LOW_INCOME: _l("People with a low income"),
    TargetGroup.NEWCOMERS: _l("Newcomers"),
    TargetGroup.DISABILITY: _l("People with a disability"),
    TargetGroup.ENTREPRENEURS: _l("Local entrepreneurs"),
    TargetGroup.VOLUNTEERS: _l("Volunteers"),
}
MARKDOWN_HINT = _l(
    "You can use Markdown: **bold**, *italic*, a list with - at the start of a line, "
    "[link text](https://…)."
)
MAX_EUROS = Decimal("100000000")  # 100 million


def parse_euros(text: str) -> int:
    """'25.000', '25000', '€ 1.250,50', '1250.50' -> cents; raises ValueError."""
    value = re.sub(r"[\s\u00a0€]|eur(o)?", "", text or "", flags=re.IGNORECASE)
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+(,[0-9]{1,2})?", value):
        value = value.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"[0-9]+(,[0-9]{1,2})?", value):
        value = value.replace(",", ".")
    elif re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?", value):
        value = value.replace(",", "")
    elif not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", value):
        raise ValueError(f"not an amount: {text!r}")
    try:
        euros = Decimal(value)
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {text!r}") from error
    if euros > MAX_EUROS:
        raise ValueError(f"not an amount: {text!r}")
    return int(euros * 100)


def format_euros(cents: int | None) -> str:
    if cents is None:
        return ""
    return str(cents // 100) if cents % 100 == 0 else f"{cents // 100},{cents % 100:02d}"


class EuroField(StringField):
    """An amount in euros as typed; ``cents`` holds the parsed value (or None)."""

    cents: int | None = None

    def process_data(self, value):
        self.cents = value
        super().process_data(format_euros(value) if isinstance(value, int) else value)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.cents = None

    def pre_validate(self, form):
        text = (self.data or "").strip()
        if not text:
            self.cents = None
            return
        try:
            self.cents = parse_euros(text)
        except ValueError as error:
            self.cents = None
            raise ValidationError(
                _l("Write an amount in euros, for example 25000 or 1.250,50.")
            ) from error


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class Tags:
    def __call__(self, form, field):
        tags = [t.strip() for t in (field.data or "").split(",") if t.strip()]
        if len(tags) > 10:
            raise ValidationError(_l("Use at most 10 tags."))
        if any(len(t) > 40 for t in tags):
            raise ValidationError(_l("A tag can have at most 40 characters."))


class WebAddress:
    def __call__(self, form, field):
        if not field.data:
            return
        parts = urlsplit(field.data)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in field.data:
            raise ValidationError(_l("Give a web address that starts with https://."))


def _line(label, max_length=200, required=False, **kwargs):
    validators = [DataRequired(REQUIRED)] if required else [Optional()]
    return StringField(
        label,
        filters=[strip_filter],
        validators=[*validators, Length(max=max_length), PlainText()],
        **kwargs,
    )


def _markdown(label, description=MARKDOWN_HINT, max_length=20_000):
    return TextAreaField(
        label,
        filters=[strip_filter],
        description=description,
        validators=[Optional(), Length(max=max_length), PlainText(multiline=True)],
    )


class ItemForm(FlaskForm):
    """The fields every kind has. ``cooperative_id`` is removed when editing."""

    cooperative_id = SelectField(_l("For cooperative"), coerce=int, choices=[])
    title = _line(_l("Title"), required=True)
    summary = TextAreaField(
        _l("Summary"),
        filters=[strip_filter],
        description=_l("One or two sentences. This shows in the list and in search results."),
        validators=[Optional(), Length(max=500), PlainText(multiline=True)],
        render_kw={"rows": 3},
    )
    body = _markdown(_l("Text"))
    themes = MultiCheckboxField(_l("Themes"), coerce=int, choices=[], validate_choice=True)
    wijk = _line(
        _l("Neighbourhood (wijk)"),
        max_length=100,
        description=_l("Where this happens or where it comes from."),
    )
    target_group = SelectField(
        _l("Target group"),
        choices=choices(
            [
                ("", _l("No specific group")),
                *((g.name, label) for g, label in TARGET_GROUP_LABELS.items()),
            ]
        ),
        validators=[Optional()],
    )
    tags = StringField(
        _l("Tags"),
        filters=[strip_filter],
        description=_l("Words that help others find this, separated by commas."),
        validators=[Optional(), Length(max=300), PlainText(), Tags()],
    )
    visibility = RadioField(
        _l("Who may read this?"),
        choices=choices((v.name, label) for v, label in VISIBILITY_LABELS.items()),
        default=Visibility.NETWORK.name,
        validators=[DataRequired(_l("Choose who may read this."))],
    )
    publish = SubmitField(_l("Publish"))
    save_draft = SubmitField(_l("Save as draft"))

    def values(self) -> dict:
        """What the service needs, in its terms."""
        data = {name: field.data for name, field in self._fields.items()}
        for name in ("csrf_token", "publish", "save_draft", "cooperative_id"):
            data.pop(name, None)
        for name, field in self._fields.items():
            if isinstance(field, EuroField):
                data.pop(name)
                data[f"{name}_cents"] = field.cents
        return data


class ContactMixin:
    contact = _line(
        _l("Contact"),
        max_length=300,
        description=_l("Who can others ask about this? A name and an e-mail address or phone."),
    )


class IdeaForm(ItemForm, ContactMixin):
    pass


class PlanForm(ItemForm, ContactMixin):
    need = _markdown(_l("The need"), description=_l("What is missing, and for whom?"))
    wijk_analysis = _markdown(
        _l("Neighbourhood analysis"),
        description=_l("What the need rests on: figures, conversations, a wijk scan."),
    )
    approach = _markdown(_l("Approach"), description=_l("What you do, with whom, and when."))
    budget = _markdown(
        _l("Budget"), description=_l("The budget lines, for example as a list with amounts.")
    )
    funders = _markdown(_l("Funders"), description=_l("Who pays for it, and how much."))
    expected_impact = _markdown(_l("Expected impact"))
    measured_impact = _markdown(_l("Measured impact"))
    lessons = _markdown(_l("Lessons learned"))


class FundingForm(ItemForm, ContactMixin):
    funder = _line(_l("Funder"), description=_l("The fund, municipality or organisation."))
    funding_kind = SelectField(
        _l("Kind of funding"),
        choices=choices(
            [("", _l("Choose…")), *((k.name, label) for k, label in FUNDING_KIND_LABELS.items())]
        ),
        validators=[Optional()],
    )
    amount_min = EuroField(
        _l("Lowest amount (euros)"),
        filters=[strip_filter],
        validators=[Length(max=30)],
        render_kw={"inputmode": "decimal"},
    )
    amount_max = EuroField(
        _l("Highest amount (euros)"),
        filters=[strip_filter],
        validators=[Length(max=30)],
        render_kw={"inputmode": "decimal"},
    )
    deadline_on = DateField(
        _l("Deadline"),
        validators=[Optional()],
        description=_l("The last day to apply. Leave empty when you can always apply."),
    )
    eligibility = _markdown(_l("Who may apply"))
    criteria = _markdown(_l("Criteria"))
    link = StringField(
        _l("Web address"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=500), PlainText(), WebAddress()],
        render_kw={"placeholder": "https://"},
    )


FORMS = {
    ItemKind.IDEA: IdeaForm,
    ItemKind.PLAN: PlanForm,
    ItemKind.STATUTES: ItemForm,
    ItemKind.FUNDING: FundingForm,
    ItemKind.STORY: ItemForm,
}


class AttachmentForm(FlaskForm):
    file = FileField(_l("File"), description=_l("PDF, DOCX, XLSX, ODT or an image; at most 10 MB."))


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip_filter],
        description=_l("The author sees this reason."),
        validators=[DataRequired(REQUIRED), Length(max=1000), PlainText(multiline=True)],
        render_kw={"rows": 3},
    )


class HideQuestionForm(FlaskForm):
    """Hide a question (prefix ``hq<id>``) or its answer (prefix ``ha<id>``)."""

    reason = TextAreaField(
        _l("Reason"),
        filters=[strip_filter],
        description=_l("The writer sees this reason."),
        validators=[DataRequired(REQUIRED), Length(max=1000), PlainText(multiline=True)],
        render_kw={"rows": 2},
    )


class ThemeForm(FlaskForm):
    name_nl = _line(_l("Name in Dutch"), max_length=100, required=True)
    name_en = _line(_l("Name in English"), max_length=100, required=True)


class FollowForm(FlaskForm):
    themes = MultiCheckboxField(_l("Themes I follow"), coerce=int, choices=[], validate_choice=True)


class ReuseForm(FlaskForm):
    cooperative_id = SelectField(_l("Copy into cooperative"), coerce=int, choices=[])


class QuestionForm(FlaskForm):
    body = TextAreaField(
        _l("Your question"),
        filters=[strip_filter],
        description=_l("The author and the board of the cooperative can answer."),
        validators=[DataRequired(REQUIRED), Length(max=2000), PlainText(multiline=True)],
        render_kw={"rows": 4},
    )


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=2000), PlainText(multiline=True)],
        render_kw={"rows": 3},
    )
