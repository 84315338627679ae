from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from coop.forms import choices
from coop.members.models import Function

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
