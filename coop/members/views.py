from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from coop import mail
from coop.access import board_of, load_cooperative, member_of, membership_of, public
from coop.accounts import emails as account_emails
from coop.accounts import services as account_services
from coop.capital import services as capital
from coop.core.web import long_date, select_locale
from coop.db import today
from coop.errors import DomainError, put_on_form
from coop.extensions import db
from coop.members import emails, services
from coop.members.forms import (
    FUNCTION_LABELS,
    KIND_LABELS,
    ApplicationForm,
    DecisionForm,
    EarlierEndForm,
    EndMembershipForm,
    GrantFunctionForm,
    MyDetailsForm,
    VisitorApplicationForm,
)
from coop.members.models import EndReason, Function, MemberKind

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


# Applications --------------------------------------------------------------------------------

KINDS = {kind.value: kind for kind in MemberKind}
DECIDERS = (Function.SECRETARY, Function.CHAIR)
ACCOUNT_FIELDS = ("email", "password")


def _kind_or_404(kind: str) -> MemberKind:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


@bp.get("/apply")
@public
def apply_start(slug):
    cooperative = load_cooperative(slug)
    return render_template(
        "members/apply_start.html",
        cooperative=cooperative,
        kinds=KIND_LABELS,
        membership=membership_of(current_user, cooperative),
    )


def _mail_application(application):
    mail.after_commit(emails.application_received(application))
    for email, locale in services.board_addresses(application.cooperative):
        mail.after_commit(emails.application_for_board(application, email, locale))


@bp.route("/apply/<kind>", methods=["GET", "POST"])
@public
def apply(slug, kind):
    cooperative = load_cooperative(slug)
    member_kind = _kind_or_404(kind)
    visitor = not current_user.is_authenticated
    form = VisitorApplicationForm() if visitor else ApplicationForm()
    form.adapt_to(member_kind)
    if not visitor:
        try:
            services.check_can_apply(cooperative, current_user)
        except DomainError as error:
            flash(error.message, "info")
            return redirect(url_for("core.cooperative", slug=slug))
    if form.validate_on_submit():
        try:
            if visitor:
                user = account_services.sign_up(
                    email=form.account.email.data,
                    password=form.account.password.data,
                    name=form.contact_person.data or form.name.data,
                    locale=select_locale(),
                    words=(cooperative.name, cooperative.slug),
                )
            else:
                user = current_user._get_current_object()
            application = services.apply(
                cooperative, user, kind=member_kind, data=form.data, today=today()
            )
        except DomainError as error:
            if visitor and error.field in ("email", "password"):
                form.account[error.field].errors = [
                    *form.account[error.field].errors,
                    error.message,
                ]
            else:
                put_on_form(form, error)
        else:
            _mail_application(application)
            if visitor:
                token = account_services.verification_token(user)
                mail.after_commit(
                    account_emails.verify(
                        user, url_for("accounts.verify", token=token, _external=True)
                    )
                )
            db.session.commit()
            return redirect(url_for(".applied", slug=slug))
    return render_template(
        "members/apply.html",
        cooperative=cooperative,
        form=form,
        kind=member_kind,
        kind_label=KIND_LABELS[member_kind],
        visitor=visitor,
    ), (422 if form.errors else 200)


@bp.get("/apply/done")
@public
def applied(slug):
    cooperative = load_cooperative(slug)
    application = (
        services.open_application(cooperative, current_user)
        if current_user.is_authenticated
        else None
    )
    charge = capital.admission_charge(application) if application is not None else None
    return render_template(
        "members/applied.html",
        cooperative=cooperative,
        charge=charge,
        payee=capital.settings_for(cooperative) if charge is not None else None,
    )


@bp.get("/applications")
@board_of(role=DECIDERS)
def applications(slug):
    return render_template(
        "members/applications.html",
        cooperative=g.cooperative,
        applications=services.application_queue(g.cooperative),
        kinds=KIND_LABELS,
    )


def _application_or_404(application_id):
    try:
        return services.get_application(g.cooperative, application_id)
    except DomainError:
        abort(404)


def _application_page(application, reject_form=None, question_form=None, status=200):
    return render_template(
        "members/application.html",
        cooperative=g.cooperative,
        application=application,
        kinds=KIND_LABELS,
        shares_required=capital.admission_class(g.cooperative) is not None,
        shares_charge=capital.admission_charge(application),
        reject_form=reject_form or DecisionForm(formdata=None, prefix="reject"),
        question_form=question_form or DecisionForm(formdata=None, prefix="question"),
    ), status


@bp.get("/applications/<int:application_id>")
@board_of(role=DECIDERS)
def application(slug, application_id):
    return _application_page(_application_or_404(application_id))


@bp.post("/applications/<int:application_id>/admit")
@board_of(role=DECIDERS)
def admit(slug, application_id):
    application = _application_or_404(application_id)
    try:
        membership = services.admit(application, by=g.membership, on=today())
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for(".application", slug=slug, application_id=application_id))
    mail.after_commit(emails.welcome(membership))
    db.session.commit()
    flash(
        _("%(name)s is now member %(number)s.", name=membership.name, number=membership.number),
        "success",
    )
    return redirect(url_for(".applications", slug=slug))


@bp.post("/applications/<int:application_id>/payment-request")
@board_of(role=DECIDERS)
def request_payment(slug, application_id):
    """Send the applicant the payment request for the minimum holding (made once)."""
    application = _application_or_404(application_id)
    back = url_for(".application", slug=slug, application_id=application_id)
    try:
        charge = capital.request_admission_shares(application, today=today(), by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(back)
    if charge is None:
        flash(_("This cooperative does not ask new members to pay for shares first."), "info")
        return redirect(back)
    mail.after_commit(emails.application_received(application))
    db.session.commit()
    flash(_("We sent the payment request to the applicant by e-mail."), "success")
    return redirect(back)


@bp.post("/applications/<int:application_id>/reject")
@board_of(role=DECIDERS)
def reject(slug, application_id):
    application = _application_or_404(application_id)
    form = DecisionForm(prefix="reject")
    if form.validate_on_submit():
        try:
            services.reject(application, by=g.membership, reason=form.text.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            mail.after_commit(emails.rejected(application))
            db.session.commit()
            flash(_("The application is rejected. We sent the reason by e-mail."), "success")
            return redirect(url_for(".applications", slug=slug))
    return _application_page(application, reject_form=form, status=422)


@bp.post("/applications/<int:application_id>/question")
@board_of(role=DECIDERS)
def ask_question(slug, application_id):
    application = _application_or_404(application_id)
    form = DecisionForm(prefix="question")
    if form.validate_on_submit():
        try:
            services.ask_question(application, by=g.membership, question=form.text.data)
        except DomainError as error:
            flash(error.message, "error")
        else:
            mail.after_commit(emails.question(application))
            db.session.commit()
            flash(_("We sent your question by e-mail. The application waits."), "success")
            return redirect(url_for(".application", slug=slug, application_id=application_id))
    return _application_page(application, question_form=form, status=422)


# The member's own membership ---------------------------------------------------------------


@bp.route("/me", methods=["GET", "POST"])
@member_of
def me(slug):
    membership = g.membership
    form = MyDetailsForm(obj=membership)
    form.adapt_to(membership.kind)
    if form.validate_on_submit():
        try:
            services.update_contact(membership, form.data, by=membership)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            if membership.outside_area:
                flash(
                    _(
                        "Your details are saved. Your address is outside the area of the "
                        "cooperative; the board will look at this."
                    ),
                    "info",
                )
            else:
                flash(_("Your details are saved."), "success")
            return redirect(url_for(".me", slug=slug))
    return render_template(
        "members/me.html",
        cooperative=g.cooperative,
        membership=membership,
        form=form,
        kinds=KIND_LABELS,
        labels=FUNCTION_LABELS,
    ), (422 if form.errors else 200)


@bp.route("/me/resign", methods=["GET", "POST"])
@member_of
def resign(slug):
    membership = g.membership
    if request.method == "POST":
        try:
            services.resign(membership, today=today(), by=membership)
        except DomainError as error:
            flash(error.message, "error")
        else:
            mail.after_commit(emails.resignation_confirmed(membership))
            db.session.commit()
            flash(
                _(
                    "Your resignation is received. Your membership ends on %(date)s.",
                    date=long_date(membership.ends_on),
                ),
                "success",
            )
        return redirect(url_for(".me", slug=slug))
    return render_template(
        "members/resign.html",
        cooperative=g.cooperative,
        membership=membership,
        ends_on=membership.ends_on or services.resignation_date(membership, today()),
    )


# Ending memberships (board) ----------------------------------------------------------------


def _member_or_404(number):
    membership = services.find_by_number(g.cooperative, number) if 0 < number < 2**31 else None
    if membership is None:
        abort(404)
    return membership


@bp.get("/endings")
@board_of(role=DECIDERS)
def endings(slug):
    return render_template(
        "members/endings.html",
        cooperative=g.cooperative,
        memberships=services.pending_endings(g.cooperative),
        ended=services.recently_ended(g.cooperative),
    )


@bp.post("/<int:number>/end-earlier")
@board_of(role=DECIDERS)
def end_earlier(slug, number):
    membership = _member_or_404(number)
    form = EarlierEndForm()
    if not form.validate_on_submit():
        flash(_("Give a valid date."), "error")
        return redirect(url_for(".endings", slug=slug))
    try:
        services.accept_earlier_end(
            membership, ends_on=form.ends_on.data, today=today(), by=g.membership
        )
        services.process_ending(membership, today=today(), by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        mail.after_commit(emails.end_date_changed(membership))
        db.session.commit()
        flash(
            _(
                "The membership of %(name)s now ends on %(date)s.",
                name=membership.name,
                date=long_date(membership.ends_on),
            ),
            "success",
        )
    return redirect(url_for(".endings", slug=slug))


@bp.route("/<int:number>/end", methods=["GET", "POST"])
@board_of(role=DECIDERS)
def end(slug, number):
    membership = _member_or_404(number)
    form = EndMembershipForm()
    if form.validate_on_submit():
        try:
            services.end_membership(
                membership,
                reason=EndReason[form.reason.data],
                note=form.note.data,
                ends_on=form.ends_on.data,
                today=today(),
                by=g.membership,
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            mail.after_commit(emails.ended_by_board(membership))
            db.session.commit()
            flash(
                _(
                    "The membership of %(name)s ends. We told the member by e-mail.",
                    name=membership.name,
                ),
                "success",
            )
            return redirect(url_for(".endings", slug=slug))
    return render_template(
        "members/end.html",
        cooperative=g.cooperative,
        membership=membership,
        form=form,
    ), (422 if form.errors else 200)


@bp.route("/<int:number>/anonymise", methods=["GET", "POST"])
@board_of(role=DECIDERS)
def anonymise(slug, number):
    membership = _member_or_404(number)
    if request.method == "POST":
        try:
            services.anonymise(membership, by=g.membership)
        except DomainError as error:
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Member %(number)s is anonymised. Number, dates and payments stay.",
                    number=membership.number,
                ),
                "success",
            )
        return redirect(url_for(".endings", slug=slug))
    return render_template(
        "members/anonymise.html", cooperative=g.cooperative, membership=membership
    )


# Routes on this blueprint that live in modules of their own: the member import (upload,
# preview, confirm) and the register's pages.
from coop.members import import_views, register_views  # noqa: E402, F401
