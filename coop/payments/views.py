from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from coop.access import board_of, member_of, webhook
from coop.capital import services as capital
from coop.contributions import ledger
from coop.contributions import services as contributions
from coop.contributions.models import ChargeKind, ChargeStatus
from coop.db import today
from coop.errors import DomainError, put_on_form
from coop.extensions import csrf, db
from coop.members.models import Function
from coop.payments import services, stripe_gateway, webhooks
from coop.payments.forms import BankTransferForm, CheckoutForm

bp = Blueprint("payments", __name__)
TREASURER = (Function.TREASURER,)
# The menus show the treasurer's pages to treasurers (and administrators).
bp.record_once(
    lambda state: state.app.jinja_env.globals.update(function_treasurer=Function.TREASURER)
)


def _charge(charge_id):
    try:
        return contributions.get_charge(g.cooperative, charge_id)
    except DomainError:
        abort(404)


def charge_label(charge) -> str:
    if charge.kind is ChargeKind.SHARES:
        return _(
            "%(count)s %(word)s (%(kind)s)",
            count=charge.share_quantity,
            word=capital.share_word(g.cooperative),
            kind=charge.share_class.name,
        )
    if (charge.cooperative.fy_start_month or 1) != 1:
        # The contribution year is the financial year that starts in that calendar year.
        return _(
            "Contribution %(year)s/%(next)s",
            year=charge.contribution_year,
            next=(charge.contribution_year or 0) + 1,
        )
    return _("Contribution %(year)s", year=charge.contribution_year)


@bp.app_template_global()
def charge_status_label(status) -> str:
    return {
        ChargeStatus.OPEN: _("Open"),
        ChargeStatus.COLLECTING: _("Being collected"),
        ChargeStatus.PAID: _("Paid"),
        ChargeStatus.WAIVED: _("Waived"),
        ChargeStatus.REFUNDED: _("Refunded"),
    }[status]


@bp.app_template_global()
def charge_entry_label(kind) -> str:
    from coop.contributions.models import ChargeEntryKind

    return {
        ChargeEntryKind.BILLED: _("Charged"),
        ChargeEntryKind.AMOUNT_CHANGED: _("Amount changed"),
        ChargeEntryKind.WAIVED: _("Waived"),
        ChargeEntryKind.COLLECTING: _("Being collected"),
        ChargeEntryKind.REOPENED: _("Open again: the direct debit was reversed"),
        ChargeEntryKind.PAID: _("Paid"),
        ChargeEntryKind.REFUNDED: _("Refunded"),
        ChargeEntryKind.ASSIGNED: _("Linked to the new membership"),
        ChargeEntryKind.REMINDED: _("Reminder sent"),
    }[kind]


@bp.app_template_global()
def payment_status_label(status) -> str:
    from coop.payments.models import PaymentStatus

    return {
        PaymentStatus.PENDING: _("Waiting"),
        PaymentStatus.PAID: _("Received"),
        PaymentStatus.FAILED: _("Failed"),
        PaymentStatus.REFUNDED: _("Refunded"),
    }[status]


@bp.get("/c/<slug>/payments/me")
@member_of
def mine(slug):
    charges = contributions.charges_of(g.membership)
    return render_template(
        "payments/mine.html",
        cooperative=g.cooperative,
        charges=charges,
        payments=services.payments_of(g.membership),
        label=charge_label,
        allow_reduced=contributions.settings_for(g.cooperative).allow_reduced,
        today=today(),
    )


@bp.get("/c/<slug>/payments/charges/<int:charge_id>")
@member_of
def pay(slug, charge_id):
    charge = _charge(charge_id)
    own = charge.membership_id == g.membership.id
    if not own and not g.membership.is_board:
        abort(403)
    settings = capital.settings_for(g.cooperative)
    db.session.commit()
    return render_template(
        "payments/pay.html",
        cooperative=g.cooperative,
        charge=charge,
        label=charge_label(charge),
        own=own,
        settings=settings,
        online=services.online_enabled(),
        payments=services.payments_for(charge),
        entries=ledger.entries_of(charge),
        show_reasons=g.membership.is_board,
        form=CheckoutForm(formdata=None),
    )


@bp.post("/c/<slug>/payments/charges/<int:charge_id>/online")
@member_of
def checkout(slug, charge_id):
    charge = _charge(charge_id)
    back = url_for(".pay", slug=slug, charge_id=charge_id)
    form = CheckoutForm()
    if charge.membership_id != g.membership.id:
        flash(_("Only the member can pay this charge online."), "error")
        return redirect(back)
    if not services.online_enabled():
        flash(_("Paying online is not possible here. Pay by bank transfer."), "error")
        return redirect(back)
    if not form.validate_on_submit():
        abort(400)
    try:
        payment = services.online_payment(charge, by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
        return redirect(back)
    db.session.commit()  # the payment exists before Stripe hears of it
    try:
        url = services.start_checkout(
            payment,
            description=charge_label(charge),
            email=g.membership.user.email,
            success_url=url_for(".pay", slug=slug, charge_id=charge_id, _external=True),
            cancel_url=url_for(".pay", slug=slug, charge_id=charge_id, _external=True),
        )
    except stripe_gateway.GatewayError:
        current_app.logger.exception("checkout for payment %s failed", payment.id)
        db.session.rollback()
        flash(
            _("Paying online does not work right now. Try again later or pay by bank transfer."),
            "error",
        )  # noqa: E501
        return redirect(back)
    db.session.commit()
    return redirect(url, code=303)


@bp.get("/c/<slug>/payments/open")
@board_of(role=TREASURER)
def open_charges(slug):
    reference = request.args.get("reference", "").strip()[:40]
    found = services.find_by_reference(g.cooperative, reference) if reference else None
    if reference and found is None:
        flash(_("There is no charge with this payment reference."), "error")
    if found is not None:
        return redirect(url_for(".receive", slug=slug, charge_id=found.id))
    return render_template(
        "payments/open.html",
        cooperative=g.cooperative,
        charges=services.open_charges(g.cooperative),
        flagged=services.flagged_payments(g.cooperative),
        pending_online=services.pending_online(g.cooperative),
        check_form=CheckoutForm(formdata=None),
        label=charge_label,
        reference=reference,
        today=today(),
    )


@bp.route("/c/<slug>/payments/charges/<int:charge_id>/received", methods=["GET", "POST"])
@board_of(role=TREASURER)
def receive(slug, charge_id):
    charge = _charge(charge_id)
    form = (
        BankTransferForm()
        if request.method == "POST"
        else BankTransferForm(formdata=None, received_on=today())
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.record_bank_transfer(
                    charge,
                    amount_cents=form.amount.cents,
                    received_on=form.received_on.data,
                    today=today(),
                    by=g.membership,
                )
            except DomainError as error:
                put_on_form(form, error)
            else:
                db.session.commit()
                flash(_("The payment is recorded."), "success")
                return redirect(url_for(".open_charges", slug=slug))
    return render_template(
        "payments/receive.html",
        cooperative=g.cooperative,
        charge=charge,
        label=charge_label(charge),
        form=form,
    ), status


@bp.post("/c/<slug>/payments/<int:payment_id>/check")
@board_of(role=TREASURER)
def check_payment(slug, payment_id):
    form = CheckoutForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        payment = services.get_payment(g.cooperative, payment_id)
        outcome = services.check_with_stripe(payment, today=today(), by=g.membership)
    except DomainError as error:
        flash(error.message, "error")
    except stripe_gateway.GatewayError:
        current_app.logger.exception("checking payment %s with Stripe failed", payment_id)
        flash(_("Stripe cannot be reached right now. Try again later."), "error")
    else:
        db.session.commit()
        flash(_("Checked with Stripe: %(outcome)s.", outcome=outcome), "success")
    return redirect(url_for(".open_charges", slug=slug))


@bp.post("/payments/stripe/webhook")
@csrf.exempt
@webhook
def stripe_webhook():
    payload = request.get_data(cache=False)
    try:
        outcome = webhooks.receive(payload, request.headers.get("Stripe-Signature", ""))
    except webhooks.Rejected as error:
        db.session.rollback()
        current_app.logger.warning("stripe webhook refused: %s", error)
        return {"error": "invalid"}, 400
    db.session.commit()
    return {"received": True, "outcome": outcome}, 200
