from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from coop.access import board_of
from coop.errors import DomainError, put_on_form
from coop.extensions import db
from coop.members import services
from coop.members.forms import FUNCTION_LABELS, GrantFunctionForm
from coop.members.models import Function

bp = Blueprint("members", __name__, url_prefix="/c/<slug>/members")

GRANTERS = (Function.CHAIR,)  # and administrators, who may do everything


def _functions_page(form, status=200):
    holders = services.function_holders(g.cooperative)
    return render_template(
        "members/functions.html",
        cooperative=g.cooperative,
        holders=holders,
        form=form,
        labels=FUNCTION_LABELS,
        can_grant=g.membership.has_function(Function.CHAIR),
    ), status


@bp.get("/functions")
@board_of()
def functions(slug):
    return _functions_page(GrantFunctionForm(formdata=None))


@bp.post("/functions")
@board_of(role=GRANTERS)
def grant_function(slug):
    form = GrantFunctionForm()
    if form.validate_on_submit():
        try:
            membership = services.grant_function(
                g.cooperative,
                number=form.number.data,
                function=Function[form.function.data],
                by=g.membership,
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(name)s is now %(function)s.",
                    name=membership.name,
                    function=FUNCTION_LABELS[Function[form.function.data]],
                ),
                "success",
            )
            return redirect(url_for(".functions", slug=slug))
    return _functions_page(form, status=422)


@bp.post("/<int:membership_id>/functions/<function>/revoke")
@board_of(role=GRANTERS)
def revoke_function(slug, membership_id, function):
    if function not in Function.__members__:
        abort(404)
    try:
        membership = services.get_membership(g.cooperative, membership_id)
        services.revoke_function(g.cooperative, membership, Function[function], by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The function is removed."), "success")
    return redirect(url_for(".functions", slug=slug))
