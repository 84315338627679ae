"""Stripe webhooks: verified, recorded once, applied in whatever order they arrive."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coop import audit
from coop.contributions import ledger
from coop.contributions.models import ChargeEntryKind, ChargeStatus
from coop.extensions import db
from coop.payments import services, stripe_gateway
from coop.payments.models import Payment, PaymentStatus, StripeEvent

HANDLED = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "payment_intent.payment_failed",
    "charge.refunded",
}
MAX_ID = 2**31 - 1


class Rejected(Exception):  # noqa: N818
    """Not a valid Stripe event for us: answer 400."""


def receive(payload: bytes, signature: str) -> str:
    """Verify and apply one event; returns what happened (for the log and the response).
    The caller commits."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise Rejected("webhooks are not configured")
    try:
        event = stripe_gateway.verify_webhook(payload, signature or "", secret)
    except stripe_gateway.InvalidWebhook as error:
        raise Rejected(str(error)) from error
    event_id = event["id"]
    kind = str(event.get("type", ""))[:100]
    if db.session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id)):
        return "replay"
    record = StripeEvent(event_id=event_id[:255], type=kind)
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        return "replay"
    obj = (event.get("data") or {}).get("object") or {}
    if kind not in HANDLED or not isinstance(obj, dict):
        record.outcome = "ignored"
        return record.outcome
    payment = _find_payment(obj, kind)
    if payment is None:
        record.outcome = "unknown payment"
        current_app.logger.warning("stripe event %s (%s): unknown payment", event_id, kind)
        return record.outcome
    record.payment_id = payment.id
    record.outcome = _apply(payment, kind, obj, event)
    db.session.flush()
    return record.outcome


def _find_payment(obj: dict, kind: str) -> Payment | None:
    metadata = obj.get("metadata") or {}
    raw = metadata.get("payment_id") if isinstance(metadata, dict) else None
    if isinstance(raw, str) and raw.isdigit() and 0 < int(raw) <= MAX_ID:
        payment = db.session.get(Payment, int(raw))
        if payment is not None:
            return payment
    if kind.startswith("checkout.session.") and isinstance(obj.get("id"), str):
        payment = db.session.scalar(select(Payment).where(Payment.stripe_session_id == obj["id"]))
        if payment is not None:
            return payment
    intent = obj.get("id") if kind.startswith("payment_intent.") else obj.get("payment_intent")
    if isinstance(intent, str) and intent:
        return db.session.scalar(select(Payment).where(Payment.stripe_payment_intent == intent))
    return None


def _amount_problem(payment: Payment, amount, currency) -> str | None:
    if amount is None and currency is None:
        return None
    if currency is not None and str(currency).lower() != payment.currency:
        return f"currency {currency} instead of {payment.currency}"
    if amount is not None and amount != payment.amount_cents:
        return f"amount {amount} instead of {payment.amount_cents}"
    return None


def _flag(payment: Payment, problem: str, kind: str) -> str:
    payment.flagged = True
    payment.flag_reason = f"{kind}: {problem}"[:1000]
    audit.record(
        payment.charge.cooperative, None, "payments.flagged", payment,
        problem=problem, event=kind,
    )  # fmt: skip
    return "flagged"


def _event_date(event: dict):
    created = event.get("created")
    if isinstance(created, int):
        try:
            return datetime.fromtimestamp(created, UTC).date()
        except (OverflowError, OSError, ValueError):
            pass
    return datetime.now(UTC).date()


def _apply(payment: Payment, kind: str, obj: dict, event: dict) -> str:
    intent = obj.get("payment_intent") if kind != "payment_intent.payment_failed" else obj["id"]
    if isinstance(intent, str) and intent and not payment.stripe_payment_intent:
        payment.stripe_payment_intent = intent[:255]
    if kind.startswith("checkout.session."):
        problem = _amount_problem(payment, obj.get("amount_total"), obj.get("currency"))
    elif kind == "charge.refunded":
        problem = _amount_problem(payment, obj.get("amount"), obj.get("currency"))
    else:
        problem = None
    if problem:
        return _flag(payment, problem, kind)
    on = _event_date(event)
    if kind == "checkout.session.completed":
        if obj.get("payment_status") == "paid":
            return _to_paid(payment, on, kind)
        return "waiting"  # SEPA and iDEAL can settle later
    if kind == "checkout.session.async_payment_succeeded":
        return _to_paid(payment, on, kind)
    if kind in ("checkout.session.async_payment_failed", "payment_intent.payment_failed"):
        if payment.status is PaymentStatus.PENDING:
            payment.move_to(PaymentStatus.FAILED, reason=kind)
            audit.record(
                payment.charge.cooperative, None, "payments.failed", payment,
                event=kind,
            )  # fmt: skip
            return "failed"
        return f"stale ({payment.status.value})"
    if kind == "charge.refunded":
        if obj.get("refunded") is False:
            return "partial refund (treasurer)"
        return _to_refunded(payment, kind)
    return "ignored"


def _to_paid(payment: Payment, on, kind: str) -> str:
    if payment.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        services.book_paid(payment, on=on, by=None, reason=kind)
        return "paid"
    return f"stale ({payment.status.value})"


def _to_refunded(payment: Payment, kind: str) -> str:
    cooperative = payment.charge.cooperative
    if payment.status is PaymentStatus.REFUNDED:
        return "stale (refunded)"
    if payment.status is not PaymentStatus.PAID:
        # The refund overtook the payment: the money came and went; the charge stays open.
        payment.move_to(PaymentStatus.PAID, reason="implied by refund")
        payment.move_to(PaymentStatus.REFUNDED, reason=kind)
        audit.record(cooperative, None, "payments.refunded", payment, booked=False)
        return "refunded"
    payment.move_to(PaymentStatus.REFUNDED, reason=kind)
    charge = payment.charge
    if charge.status is ChargeStatus.PAID:
        ledger.record(
            charge, ChargeEntryKind.REFUNDED, status=ChargeStatus.REFUNDED, reason=kind,
            payment=payment,
        )  # fmt: skip
    payment.flagged = True
    payment.flag_reason = "refunded: check the charge (and any shares issued for it)"
    audit.record(
        cooperative, None, "payments.refunded", payment, booked=True,
        amount_cents=payment.amount_cents, charge=charge.id,
    )  # fmt: skip
    return "refunded"
