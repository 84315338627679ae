from datetime import date

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from coop import mail
from coop.access import board_of, member_of
from coop.capital import documents, emails, services
from coop.capital.forms import (
    ApproveRequestForm,
    BuyForm,
    CapitalSettingsForm,
    RedeemForm,
    RejectRequestForm,
    RequestRedemptionForm,
    RequestTransferForm,
    ShareClassForm,
    TransferForm,
)
from coop.capital.models import RequestKind
from coop.db import today
from coop.errors import DomainError, put_on_form
from coop.extensions import db
from coop.members import services as members
from coop.members.models import Function
from coop.members.rules import normalise_iban

bp = Blueprint("capital", __name__, url_prefix="/c/<slug>/capital")
TREASURER = (Function.TREASURER,)
DECIDERS = (Function.TREASURER, Function.CHAIR)  # approve members' requests


def _class_choices(form_field, cooperative):
    form_field.choices = [(c.id, c.name) for c in services.classes(cooperative)]


def _mine_page(form, status=200, transfer_form=None, redemption_form=None):
    membership = g.membership
    holdings = services.holdings(membership)
    transfer_form = transfer_form or RequestTransferForm(formdata=None, prefix="transfer")
    redemption_form = redemption_form or RequestRedemptionForm(formdata=None, prefix="redemption")
    transfer_form.share_class.choices = [
        (h.share_class.id, h.share_class.name) for h in holdings if h.share_class.transferable
    ]
    redemption_form.share_class.choices = [
        (h.share_class.id, h.share_class.name) for h in holdings if h.share_class.redeemable
    ]
    return render_template(
        "capital/mine.html",
        cooperative=g.cooperative,
        membership=membership,
        holdings=holdings,
        certificates=services.certificates_of(membership),
        classes=services.classes(g.cooperative),
        share_word=services.share_word(g.cooperative),
        form=form,
        transfer_form=transfer_form,
        redemption_form=redemption_form,
        requests=services.requests_of(membership),
        year=today().year,
    ), status


def _buy_form():
    form = BuyForm(formdata=None, token=services.new_token())
    _class_choices(form.share_class, g.cooperative)
    return form


@bp.post("/requests/transfer")
@member_of
def request_transfer(slug):
    form = RequestTransferForm(prefix="transfer")
    if form.validate_on_submit():
        try:
            share_class = services.get_class(g.cooperative, form.share_class.data or 0)
            target = _member(form.to_number.data, "to_number")
            services.request_change(
                g.membership, share_class, form.quantity.data,
                kind=RequestKind.TRANSFER, target=target, today=today(),
            )  # fmt: skip
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your request is sent. The board will decide on it."), "success")
            return redirect(url_for(".mine", slug=slug))
    return _mine_page(_buy_form(), status=422, transfer_form=form)


@bp.post("/requests/redemption")
@member_of
def request_redemption(slug):
    form = RequestRedemptionForm(prefix="redemption")
    if form.validate_on_submit():
        try:
            share_class = services.get_class(g.cooperative, form.share_class.data or 0)
            services.request_change(
                g.membership, share_class, form.quantity.data,
                kind=RequestKind.REDEMPTION, today=today(),
            )  # fmt: skip
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Your request is sent. The board will decide on it."), "success")
            return redirect(url_for(".mine", slug=slug))
    return _mine_page(_buy_form(), status=422, redemption_form=form)


def _first_day(item):
    """Today, or for a redemption with a waiting time, the first day it may be paid back."""
    if item.kind is RequestKind.REDEMPTION:
        return max(today(), services.earliest_redemption(item))
    return today()


def _empty_approve_form(item):
    return ApproveRequestForm(
        formdata=None, prefix=f"approve-{item.id}", effective_on=_first_day(item)
    )


def _empty_reject_form(item):
    return RejectRequestForm(formdata=None, prefix=f"reject-{item.id}")


def _requests_page(errors=None, status=200):
    items = services.pending_requests(g.cooperative)
    errors = errors or {}
    return render_template(
        "capital/requests.html",
        cooperative=g.cooperative,
        items=items,
        forms={
            item.id: errors.get(item.id) or (_empty_approve_form(item), _empty_reject_form(item))
            for item in items
        },
        earliest=services.earliest_redemption,
        share_word=services.share_word(g.cooperative),
    ), status


def _request_or_404(request_id):
    try:
        return services.get_request(g.cooperative, request_id)
    except DomainError:
        abort(404)


@bp.get("/requests")
@board_of(role=DECIDERS)
def requests(slug):
    return _requests_page()


@bp.post("/requests/<int:request_id>/approve")
@board_of(role=DECIDERS)
def approve_request(slug, request_id):
    item = _request_or_404(request_id)
    form = ApproveRequestForm(prefix=f"approve-{item.id}")
    if form.validate_on_submit():
        try:
            services.approve_request(item, on=form.effective_on.data, by=g.membership)
        except DomainError as error:
            db.session.rollback()  # nothing half-written
            put_on_form(form, error)
        else:
            mail.after_commit(emails.request_decided(item))
            db.session.commit()
            flash(_("Approved. The register is up to date."), "success")
            return redirect(url_for(".requests", slug=slug))
    return _requests_page(errors={item.id: (form, _empty_reject_form(item))}, status=422)


@bp.post("/requests/<int:request_id>/reject")
@board_of(role=DECIDERS)
def reject_request(slug, request_id):
    item = _request_or_404(request_id)
    form = RejectRequestForm(prefix=f"reject-{item.id}")
    if form.validate_on_submit():
        try:
            services.reject_request(item, reason=form.reason.data, by=g.membership)
        except DomainError as error:
            put_on_form(form, error)
        else:
            mail.after_commit(emails.request_decided(item))
            db.session.commit()
            flash(_("The request is rejected."), "success")
            return redirect(url_for(".requests", slug=slug))
    return _requests_page(errors={item.id: (_empty_approve_form(item), form)}, status=422)


@bp.get("/me")
@member_of
def mine(slug):
    return _mine_page(_buy_form())


@bp.post("/buy")
@member_of
def buy(slug):
    form = BuyForm()
    _class_choices(form.share_class, g.cooperative)
    if form.validate_on_submit():
        try:
            share_class = services.get_class(g.cooperative, form.share_class.data or 0)
            charge = services.request_purchase(
                g.membership,
                share_class,
                form.quantity.data,
                token=(form.token.data or "")[:64],
                today=today(),
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(
                _("Your order is ready. The shares are yours as soon as we receive the payment."),
                "success",
            )
            return redirect(url_for("payments.pay", slug=slug, charge_id=charge.id))
    if not form.token.data:
        form.token.data = services.new_token()
    return _mine_page(form, status=422)


@bp.get("/certificates/<int:certificate_id>.pdf")
@member_of
def certificate_pdf(slug, certificate_id):
    try:
        certificate = services.get_certificate(g.cooperative, certificate_id)
    except DomainError:
        abort(404)
    if certificate.membership_id != g.membership.id and not g.membership.is_board:
        abort(403)
    name = f"certificate-{certificate.share_class_id}-{certificate.number}.pdf"
    return (
        documents.certificate_pdf(certificate),
        200,
        {"Content-Type": "application/pdf", "Content-Disposition": f'inline; filename="{name}"'},
    )


@bp.get("/statement/<int:year>.pdf")
@member_of
def statement_pdf(slug, year):
    if not 2000 <= year <= 2100:
        abort(404)
    return (
        documents.statement_pdf(g.membership, year),
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="statement-{year}.pdf"',
        },
    )


def _peildatum() -> date:
    raw = request.args.get("on", "")
    try:
        return date.fromisoformat(raw) if raw else today()
    except ValueError:
        flash(_("Write the date as YYYY-MM-DD."), "error")
        return today()


def _register_page(transfer_form=None, redeem_form=None, status=200):
    on = _peildatum()
    lines = services.register(g.cooperative, on)
    transfer_form = transfer_form or TransferForm(formdata=None, effective_on=today())
    redeem_form = redeem_form or RedeemForm(
        formdata=None, effective_on=today(), requested_on=today()
    )
    for form in (transfer_form, redeem_form):
        _class_choices(form.share_class, g.cooperative)
    return render_template(
        "capital/register.html",
        cooperative=g.cooperative,
        on=on,
        lines=lines,
        total_quantity=sum(line.quantity for line in lines),
        total_cents=sum(line.amount_cents for line in lines),
        share_word=services.share_word(g.cooperative),
        transfer_form=transfer_form,
        redeem_form=redeem_form,
        can_change=g.membership.has_function(Function.TREASURER),
        can_decide=any(g.membership.has_function(f) for f in DECIDERS),
        pending_requests=len(services.pending_requests(g.cooperative)),
    ), status


@bp.get("/register")
@board_of()
def register(slug):
    return _register_page()


def _member(number, field):
    membership = members.find_by_number(g.cooperative, number)
    if membership is None:
        raise DomainError(_("There is no member with this number."), field=field)
    return membership


@bp.post("/transfer")
@board_of(role=TREASURER)
def transfer(slug):
    form = TransferForm()
    _class_choices(form.share_class, g.cooperative)
    if form.validate_on_submit():
        try:
            share_class = services.get_class(g.cooperative, form.share_class.data or 0)
            certificate = services.transfer(
                share_class,
                _member(form.from_number.data, "from_number"),
                _member(form.to_number.data, "to_number"),
                form.quantity.data,
                on=form.effective_on.data,
                by=g.membership,
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("Transferred. New certificate number %(n)s.", n=certificate.number), "success")
            return redirect(url_for(".register", slug=slug))
    return _register_page(transfer_form=form, status=422)


@bp.post("/redeem")
@board_of(role=TREASURER)
def redeem(slug):
    form = RedeemForm()
    _class_choices(form.share_class, g.cooperative)
    if form.validate_on_submit():
        try:
            share_class = services.get_class(g.cooperative, form.share_class.data or 0)
            services.redeem(
                share_class,
                _member(form.number.data, "number"),
                form.quantity.data,
                requested_on=form.requested_on.data,
                on=form.effective_on.data,
                by=g.membership,
            )
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The redemption is in the register."), "success")
            return redirect(url_for(".register", slug=slug))
    return _register_page(redeem_form=form, status=422)


def _classes_page(class_form=None, settings_form=None, status=200):
    settings = services.settings_for(g.cooperative)
    settings_form = settings_form or CapitalSettingsForm(formdata=None, obj=settings)
    class_form = class_form or ShareClassForm(
        formdata=None, minimum_holding=1, redemption_wait_days=0, votes_per_share=0
    )
    return render_template(
        "capital/classes.html",
        cooperative=g.cooperative,
        classes=services.classes(g.cooperative),
        class_form=class_form,
        settings_form=settings_form,
        share_word=settings.share_word,
    ), status


@bp.get("/classes")
@board_of(role=TREASURER)
def classes(slug):
    page = _classes_page()
    db.session.commit()  # the settings row, made on first visit
    return page


@bp.post("/classes")
@board_of(role=TREASURER)
def create_class(slug):
    form = ShareClassForm()
    if form.validate_on_submit():
        data = {
            key: form[key].data
            for key in services.CLASS_FIELDS
            if key != "nominal_value_cents"  # the form has the value in euros
        }
        data["nominal_value_cents"] = form.nominal_value.cents
        try:
            if not data["nominal_value_cents"]:
                raise DomainError(_("A share must be worth more than € 0."), field="nominal_value")
            services.create_class(g.cooperative, data=data, by=g.membership)
        except DomainError as error:
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The kind of share is added."), "success")
            return redirect(url_for(".classes", slug=slug))
    return _classes_page(class_form=form, status=422)


@bp.post("/settings")
@board_of(role=TREASURER)
def settings(slug):
    form = CapitalSettingsForm()
    if form.validate_on_submit():
        try:
            services.update_settings(
                g.cooperative,
                share_word=form.share_word.data,
                payee_name=form.payee_name.data or "",
                payee_iban=normalise_iban(form.payee_iban.data) if form.payee_iban.data else "",
                admission_requires_shares_paid=form.admission_requires_shares_paid.data,
                by=g.membership,
            )
        except DomainError as error:
            db.session.rollback()
            put_on_form(form, error)
        else:
            db.session.commit()
            flash(_("The settings are saved."), "success")
            return redirect(url_for(".classes", slug=slug))
    return _classes_page(settings_form=form, status=422)
