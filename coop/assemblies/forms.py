"""Assembly forms: field validation only; the rules live in services."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from coop import mail
from coop.assemblies.models import (
    AssemblyStatus,
    Choice,
    DecisionKind,
    ItemKind,
    Majority,
    Weighting,
)
from coop.forms import FlaskForm, PlainText, SubForm, choices, strip_filter

KIND_LABELS = {
    DecisionKind.ORDINARY: _l("Ordinary decision"),
    DecisionKind.STATUTES: _l("Amendment of the statutes"),
    DecisionKind.DISSOLUTION: _l("Dissolution"),
    DecisionKind.ELECTION: _l("Election"),
}
MAJORITY_LABELS = {
    Majority.MORE_THAN_HALF: _l("More than half"),
    Majority.TWO_THIRDS: _l("Two thirds"),
    Majority.FRACTION: _l("Another fraction"),
}
ASSEMBLY_STATUS_LABELS = {
    AssemblyStatus.DRAFT: _l("Draft"),
    AssemblyStatus.CONVENED: _l("Convened"),
    AssemblyStatus.IN_SESSION: _l("In session"),
    AssemblyStatus.CLOSED: _l("Closed"),
}
CHOICE_LABELS = {
    Choice.FOR: _l("For"),
    Choice.AGAINST: _l("Against"),
    Choice.ABSTAIN: _l("Abstain"),
}
ITEM_KIND_LABELS = {
    ItemKind.INFORMATION: _l("For information"),
    ItemKind.DECISION: _l("For decision"),
}
# Why an invitation's mail did not go out (``coop.mail``), as the invitations page says it.
UNDELIVERED_LABELS = {
    mail.REFUSED: _l("the mail server refused this address"),
    mail.REJECTED: _l("the mail server did not accept the mail"),
    mail.NOT_SENT: _l("the mail could not be sent at that moment"),
}
WEIGHTING_LABELS = {
    Weighting.PER_MEMBER: _l("One member, one vote"),
    Weighting.PER_SHARE: _l("One vote per share (with a maximum)"),
}

REQUIRED = _l("Fill in this field.")


class _Range(NumberRange):
    """NumberRange whose message shows the bounds as numbers are written in the user's
    language ("1.000.000" in Dutch). It replaces WTForms' "Not a valid integer value."
    for what is not a whole number (1.5, 1e20): one message that says what to give."""

    def __call__(self, form, field):
        data = field.data
        if data is None or not self.min <= data <= self.max:
            field.errors[:] = [e for e in field.errors if e not in field.process_errors]
            raise ValidationError(
                self.message % {"min": format_decimal(self.min), "max": format_decimal(self.max)}
            )


def _count(label, *, minimum=0, maximum=1_000_000, required=True):
    validators = [InputRequired(REQUIRED)] if required else [Optional()]
    return IntegerField(
        label,
        validators=[
            *validators,
            _Range(min=minimum, max=maximum, message=_l("Give a number from %(min)s to %(max)s.")),
        ],
    )


class KindRuleForm(SubForm):
    quorum_percent = IntegerField(
        _l("Quorum (percent of the members present or represented)"),
        description=_l("Leave empty for no quorum."),
        validators=[
            Optional(),
            _Range(min=0, max=100, message=_l("Give a percentage from 0 to 100.")),
        ],
    )
    majority = SelectField(
        _l("Majority of the votes cast"),
        choices=choices((m.value, label) for m, label in MAJORITY_LABELS.items()),
    )
    numerator = _count(
        _l("Fraction: at least … (numerator)"), minimum=1, maximum=1000, required=False
    )
    denominator = _count(_l("… of (denominator)"), minimum=1, maximum=1000, required=False)


class RulesForm(FlaskForm):
    notice_days = IntegerField(
        _l("Notice period for convening (days)"),
        description=_l("At least 7 days, the legal minimum."),
        validators=[
            InputRequired(REQUIRED),
            _Range(min=7, max=365, message=_l("Give a number from %(min)s to %(max)s.")),
        ],
    )
    ordinary = FormField(KindRuleForm, label=KIND_LABELS[DecisionKind.ORDINARY])
    statutes = FormField(KindRuleForm, label=KIND_LABELS[DecisionKind.STATUTES])
    dissolution = FormField(KindRuleForm, label=KIND_LABELS[DecisionKind.DISSOLUTION])
    election = FormField(KindRuleForm, label=KIND_LABELS[DecisionKind.ELECTION])
    blank_votes_count = BooleanField(_l("Blank votes (abstentions) count as votes cast"))
    second_assembly_without_quorum = BooleanField(
        _l("When the quorum is not reached, a second assembly may decide regardless of the quorum")
    )
    proxies_allowed = BooleanField(_l("Members may give a proxy"))
    max_proxies_per_holder = _count(_l("Most proxies one member may hold"), maximum=100)
    weighting = SelectField(
        _l("Votes"),
        choices=choices((w.value, label) for w, label in WEIGHTING_LABELS.items()),
        description=_l(
            "With votes per share, a member has the votes their shares carry (set per kind "
            "of share under capital), as the share register stood on the day of the assembly. "
            "Every member has at least one vote."
        ),
    )
    share_vote_cap = _count(
        _l("Most votes per member (with votes per share)"), minimum=1, required=False
    )
    electronic_participation = BooleanField(_l("Members may take part and vote online"))
    advance_voting = BooleanField(_l("Members may vote before the meeting"))

    KINDS = ("ordinary", "statutes", "dissolution", "election")


class AssemblyForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=200), PlainText()],
    )
    starts_at = DateTimeLocalField(
        _l("Date and time"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Give a date and time."))],
    )
    place = StringField(
        _l("Place"), filters=[strip_filter], validators=[Length(max=300), PlainText()]
    )
    online_url = StringField(
        _l("Link to take part online"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=500),
            URL(message=_l("Give a web address starting with https://.")),
        ],
    )
    is_second = BooleanField(_l("This is a second assembly after a quorum that was not reached"))


class ItemForm(FlaskForm):
    title = StringField(
        _l("Agenda item"),
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=200), PlainText()],
    )
    description = TextAreaField(
        _l("Explanation"),
        filters=[strip_filter],
        validators=[Length(max=5000), PlainText(multiline=True)],
    )
    kind = RadioField(
        _l("Kind of agenda item"),
        choices=choices((k.value, label) for k, label in ITEM_KIND_LABELS.items()),
        default=ItemKind.INFORMATION.value,
        validators=[InputRequired(_l("Choose one."))],
    )


def _motion_title():
    return StringField(
        _l("Title of the motion"),
        # Not "title": the agenda item form on the same page has that id.
        id="motion_title",
        filters=[strip_filter],
        validators=[DataRequired(REQUIRED), Length(max=200), PlainText()],
    )


def _motion_text():
    return TextAreaField(
        _l("Text of the motion"),
        filters=[strip_filter],
        validators=[Length(max=10000), PlainText(multiline=True)],
    )


class MotionForm(FlaskForm):
    item_id = SelectField(_l("Agenda item"), coerce=int, validate_choice=True)
    parent_id = SelectField(_l("Amendment to"), coerce=int, validate_choice=True)
    title = _motion_title()
    text = _motion_text()
    decision_kind = SelectField(
        _l("Kind of decision"),
        choices=choices((k.value, label) for k, label in KIND_LABELS.items()),
    )
    secret = BooleanField(
        _l("Secret ballot"),
        description=_l(
            "A vote on persons (an election) is secret, unless you uncheck this box. Other "
            "votes are open, unless you check it."
        ),
    )
    # The kind of decision whose usual setting the secret box showed (set by the page,
    # and by motion-form.js when the kind changes): tells a choice from a leftover.
    secret_shown_for = HiddenField()
    seats = IntegerField(
        _l("Seats (elections only)"),
        default=1,
        validators=[
            Optional(),
            NumberRange(min=1, max=25, message=_l("Give a number of seats from 1 to 25.")),
        ],
    )
    adopts_minutes_of = SelectField(
        _l("This motion adopts the minutes of"), coerce=int, default=0, validate_choice=True
    )


class MotionTextForm(FlaskForm):
    """A motion's title and text, corrected before its vote opens."""

    title = _motion_title()
    text = _motion_text()


def minutes_notes_form(items, max_length: int, hints: dict, **kwargs) -> FlaskForm:
    """A field ``note_<item id>`` per agenda item, for the secretary's notes; ``hints``:
    what shows under an item's name (its decisions)."""

    class MinutesNotesForm(FlaskForm):
        pass

    for item in items:
        setattr(
            MinutesNotesForm,
            f"note_{item.id}",
            TextAreaField(
                f"{item.position}. {item.title}",
                filters=[strip_filter],
                validators=[Length(max=max_length), PlainText(multiline=True)],
                default=item.minutes_note,
                description=hints.get(item.id, ""),
            ),
        )
    return MinutesNotesForm(**kwargs)


class DeleteAssemblyForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, delete this draft with its agenda, documents and motions"),
        validators=[DataRequired(_l("Tick the box to delete the draft."))],
    )


class CheckInForm(FlaskForm):
    membership_id = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])


class ProxyForm(FlaskForm):
    holder_number = IntegerField(
        _l("Member number of the person you give the proxy to"),
        description=_l(
            "Ask them for their member number: it is on their page 'My details'. Members in "
            "the members' directory have their number there."
        ),
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=2**31 - 1, message=_l("Give a member number.")),
        ],
    )


class _BallotForm(FlaskForm):
    """A vote form. Its CSRF token is checked once, by CSRFProtect before every POST, and
    the page writes it with ``csrf_token()``: no token field of its own, which would sign
    a new token for every vote."""

    class Meta:
        csrf = False


class VoteForm(_BallotForm):
    choice = RadioField(
        _l("Your vote"),
        choices=choices((c.value, label) for c, label in CHOICE_LABELS.items()),
        validators=[InputRequired(_l("Choose for, against or abstain."))],
    )
    on_behalf_of = HiddenField()


class PaperVotesForm(FlaskForm):
    paper_for = _count(_l("For (on paper)"))
    paper_against = _count(_l("Against (on paper)"))
    paper_abstain = _count(_l("Abstain (on paper)"))


class ElectionPaperForm(FlaskForm):
    """The paper ballots of an election: a field per candidate (``candidate_<id>``, added
    by ``election_paper_form``), the blank ones, and with more seats the ballots with
    names."""

    paper_blank = _count(_l("Blank ballots (on paper)"))


def election_paper_form(motion, **kwargs) -> ElectionPaperForm:
    """The paper form of this election (a form class per call: the candidates differ)."""

    class Form(ElectionPaperForm):
        pass

    for candidate in motion.candidates:
        label = _l("%(name)s (votes on paper)", name=candidate.name)
        setattr(Form, f"candidate_{candidate.id}", _count(label))
    if motion.seats > 1:
        Form.ballots = _count(_l("Ballots with one or more names (on paper)"))
    form = Form(**kwargs)
    form.candidate_fields = [form[f"candidate_{c.id}"] for c in motion.candidates]
    return form


BLANK = "blank"


class ElectionVoteForm(_BallotForm):
    """A vote in an election: one candidate or a blank vote (choices set per motion)."""

    candidate = RadioField(
        _l("Your vote"), validators=[InputRequired(_l("Choose a candidate or vote blank."))]
    )
    on_behalf_of = HiddenField()

    def set_candidates(self, candidates) -> ElectionVoteForm:
        self.candidate.choices = choices(
            [(str(c.id), c.name) for c in candidates] + [(BLANK, _l("Blank vote"))]
        )
        return self


class CandidateForm(FlaskForm):
    name = StringField(
        _l("Name of the candidate"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200), PlainText()],
    )
    number = IntegerField(
        _l("Or the member number of the candidate"),
        validators=[
            Optional(),
            NumberRange(min=1, max=2**31 - 1, message=_l("Give a member number.")),
        ],
    )


class DocumentForm(FlaskForm):
    file = FileField(_l("PDF file"), description=_l("A PDF of at most 10 MB."))


class SeatsVoteForm(_BallotForm):
    """A vote in an election with more seats: up to ``seats`` candidates, or blank."""

    candidates = SelectMultipleField(_l("Your vote"))
    on_behalf_of = HiddenField()

    def set_candidates(self, candidates, seats: int) -> SeatsVoteForm:
        self.seats = seats
        self.candidates.choices = choices(
            [(str(c.id), c.name) for c in candidates] + [(BLANK, _l("Blank vote"))]
        )
        return self

    def validate_candidates(self, field) -> None:
        from wtforms.validators import ValidationError

        picked = field.data or []
        if not picked:
            raise ValidationError(_l("Choose a candidate or vote blank."))
        if BLANK in picked and len(picked) > 1:
            raise ValidationError(_l("Vote blank or choose candidates, not both."))
        if len(picked) > self.seats:
            raise ValidationError(_l("Choose at most %(seats)s candidates.", seats=self.seats))
