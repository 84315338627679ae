"""Payment rules: bank transfers recorded by the treasurer, online payments, booking."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from coop import audit
from coop.contributions import ledger
from coop.contributions.models import Charge, ChargeEntryKind, ChargeKind, ChargeStatus
from coop.errors import DomainError
from coop.extensions import db
from coop.payments.models import Payment, PaymentMethod, PaymentStatus

MAX_ID = 2**31 - 1


def payments_of(membership) -> list[Payment]:
    return db.session.scalars(
        select(Payment)
        .join(Charge, Charge.id == Payment.charge_id)
        .where(Charge.membership_id == membership.id)
        .order_by(Payment.created_at.desc(), Payment.id.desc())
    ).all()


def payments_for(charge) -> list[Payment]:
    return db.session.scalars(
        select(Payment).where(Payment.charge_id == charge.id).order_by(Payment.id)
    ).all()


def open_charges(cooperative, limit: int = 500) -> list[Charge]:
    return db.session.scalars(
        select(Charge)
        .options(selectinload(Charge.membership), selectinload(Charge.share_class))
        .where(Charge.cooperative_id == cooperative.id, Charge.status == ChargeStatus.OPEN)
        .order_by(Charge.due_on, Charge.id)
        .limit(limit)
    ).all()


def flagged_payments(cooperative) -> list[Payment]:
    return db.session.scalars(
        select(Payment)
        .where(Payment.cooperative_id == cooperative.id, Payment.flagged.is_(True))
        .order_by(Payment.id.desc())
    ).all()


def find_by_reference(cooperative, reference: str) -> Charge | None:
    reference = (reference or "").replace(" ", "").upper()
    return db.session.scalar(
        select(Charge).where(Charge.cooperative_id == cooperative.id, Charge.reference == reference)
    )


def book_paid(payment: Payment, *, on: date, by, reason: str = "") -> None:
    """The payment is confirmed: the charge is paid; bought shares are issued now."""
    from coop.capital import services as capital

    payment.move_to(PaymentStatus.PAID, reason=reason)
    payment.received_on = on
    charge = payment.charge
    cooperative = charge.cooperative
    if charge.status in (ChargeStatus.OPEN, ChargeStatus.COLLECTING):
        ledger.record(
            charge, ChargeEntryKind.PAID, status=ChargeStatus.PAID, on=on, reason=reason,
            by=by, payment=payment,
        )  # fmt: skip
        # An applicant's shares wait for the admission (capital.issue_admission_shares).
        if charge.kind is ChargeKind.SHARES and charge.membership is not None:
            capital.issue(
                charge.share_class, charge.membership, charge.share_quantity, on=on, by=by,
                charge=charge,
            )  # fmt: skip
    else:
        # Paid twice, or paid after a waiver: the money is here, the treasurer decides.
        payment.flagged = True
        payment.flag_reason = f"charge was already {charge.status.value}"
    db.session.flush()
    audit.record(
        cooperative, by, "payments.paid", payment, charge=charge.id,
        amount_cents=payment.amount_cents, method=payment.method.value, on=on.isoformat(),
        flagged=payment.flagged,
    )  # fmt: skip


def record_bank_transfer(charge: Charge, *, amount_cents: int, received_on: date, today: date, by):
    """The treasurer saw the money on the bank account: amount and date."""
    if charge.status is not ChargeStatus.OPEN:
        raise DomainError(_l("This charge is no longer open."))
    if amount_cents is None or amount_cents <= 0:
        raise DomainError(_l("Give the amount that was received."), field="amount")
    if amount_cents != charge.amount_cents:
        raise DomainError(
            _l(
                "The amount does not match the charge. Check the bank statement; "
                "the charge is for the full amount."
            ),
            field="amount",
        )
    if received_on > today:
        raise DomainError(_l("This date is in the future."), field="received_on")
    if received_on < charge.created_at.date() - timedelta(days=366):
        raise DomainError(_l("This date is too long ago."), field="received_on")
    payment = Payment(
        cooperative_id=charge.cooperative_id,
        charge_id=charge.id,
        method=PaymentMethod.BANK_TRANSFER,
        status=PaymentStatus.PENDING,
        amount_cents=amount_cents,
        currency="eur",
    )
    payment.charge = charge
    db.session.add(payment)
    db.session.flush()
    book_paid(payment, on=received_on, by=by, reason="bank transfer recorded")
    return payment


# Online (Stripe) -------------------------------------------------------------------------------


def online_enabled() -> bool:
    from coop.payments import stripe_gateway

    return stripe_gateway.configured()


def online_payment(charge: Charge, *, by) -> Payment:
    """The pending online payment for this charge; made once, so a double click on 'pay'
    gives one payment and one Checkout Session."""
    if charge.status is not ChargeStatus.OPEN:
        raise DomainError(_l("This charge is no longer open."))
    existing = db.session.scalar(
        select(Payment).where(
            Payment.charge_id == charge.id,
            Payment.method == PaymentMethod.STRIPE,
            Payment.status == PaymentStatus.PENDING,
            Payment.amount_cents == charge.amount_cents,
        )
    )
    if existing is not None:
        return existing
    payment = Payment(
        cooperative_id=charge.cooperative_id,
        charge_id=charge.id,
        method=PaymentMethod.STRIPE,
        status=PaymentStatus.PENDING,
        amount_cents=charge.amount_cents,
        currency="eur",
    )
    db.session.add(payment)
    db.session.flush()
    audit.record(
        charge.cooperative, by, "payments.online_started", payment,
        charge=charge.id, amount_cents=payment.amount_cents,
    )  # fmt: skip
    return payment


def start_checkout(payment: Payment, *, description: str, email: str, success_url, cancel_url):
    """Create the Checkout Session (after the payment row is committed)."""
    from coop.payments import stripe_gateway

    if payment.checkout_url:
        return payment.checkout_url
    session_id, url = stripe_gateway.create_checkout_session(
        payment_id=payment.id,
        amount_cents=payment.amount_cents,
        description=description,
        reference=payment.charge.reference or "",
        email=email,
        success_url=success_url,
        cancel_url=cancel_url,
    )
    payment.stripe_session_id = session_id
    payment.checkout_url = url
    db.session.flush()
    current_app.logger.info("checkout session %s for payment %s", session_id, payment.id)
    return url


def check_with_stripe(payment: Payment, *, today: date, by) -> str:
    """A webhook may get lost: ask Stripe about the payment and book what it says."""
    from coop.payments import stripe_gateway

    if payment.method is not PaymentMethod.STRIPE or not payment.stripe_payment_intent:
        raise DomainError(_l("Stripe does not know this payment yet."))
    intent = stripe_gateway.payment_intent(payment.stripe_payment_intent)
    if intent["amount"] != payment.amount_cents or intent["currency"] != payment.currency:
        payment.flagged = True
        payment.flag_reason = f"Stripe says {intent['amount']} {intent['currency']}"
        audit.record(
            payment.charge.cooperative, by, "payments.flagged", payment,
            problem=payment.flag_reason,
        )  # fmt: skip
        return "flagged"
    status = intent["status"]
    if status == "succeeded" and payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        book_paid(payment, on=today, by=by, reason="checked with Stripe")
        return "paid"
    if status in ("requires_payment_method", "canceled") and (
        payment.status is PaymentStatus.PENDING
    ):
        payment.move_to(PaymentStatus.FAILED, reason=f"checked with Stripe: {status}")
        audit.record(payment.charge.cooperative, by, "payments.failed", payment)
        return "failed"
    return status


def get_payment(cooperative, payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id) if 0 < payment_id <= MAX_ID else None
    if payment is None or payment.cooperative_id != cooperative.id:
        raise DomainError(_l("This payment does not exist."))
    return payment


def pending_online(cooperative) -> list[Payment]:
    return db.session.scalars(
        select(Payment)
        .where(
            Payment.cooperative_id == cooperative.id,
            Payment.method == PaymentMethod.STRIPE,
            Payment.status == PaymentStatus.PENDING,
        )
        .order_by(Payment.id)
    ).all()
