"""The one place that talks to Stripe (and the only module that imports ``stripe``)."""

from __future__ import annotations

import json

import stripe
from flask import current_app

PAYMENT_METHODS = ["ideal", "sepa_debit", "card"]


class GatewayError(Exception):
    """Stripe could not be reached or refused the request."""


class InvalidWebhook(Exception):  # noqa: N818 - the name says what happened
    """The payload is not signed with our secret, was changed, or is too old."""


def configured() -> bool:
    config = current_app.config
    return bool(config.get("STRIPE_SECRET_KEY")) and bool(config.get("STRIPE_WEBHOOK_SECRET"))


def _client() -> stripe.StripeClient:
    config = current_app.config
    base = config.get("STRIPE_API_BASE") or None
    kwargs = {"base_addresses": {"api": base}} if base else {}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], **kwargs)


def create_checkout_session(
    *,
    payment_id: int,
    amount_cents: int,
    description: str,
    reference: str,
    email: str,
    success_url: str,
    cancel_url: str,
) -> tuple[str, str]:
    """A Checkout Session for one payment (iDEAL, SEPA Direct Debit, card): (id, url)."""
    metadata = {"payment_id": str(payment_id), "reference": reference}
    try:
        session = _client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "payment_method_types": PAYMENT_METHODS,
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": "eur",
                            "unit_amount": amount_cents,
                            "product_data": {"name": description},
                        },
                    }
                ],
                "customer_email": email,
                "client_reference_id": str(payment_id),
                "metadata": metadata,
                "payment_intent_data": {"metadata": metadata, "description": reference},
                "success_url": success_url,
                "cancel_url": cancel_url,
            },
            options={"idempotency_key": f"checkout-payment-{payment_id}"},
        )
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error
    return session.id, session.url


def verify_webhook(payload: bytes, signature: str, secret: str) -> dict:
    """Check the Stripe-Signature header with Stripe's own code; the event as a dict."""
    try:
        stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidWebhook(str(error)) from error
    try:
        event = json.loads(payload)
    except ValueError as error:
        raise InvalidWebhook("not JSON") from error
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise InvalidWebhook("not an event")
    return event


def payment_intent(intent_id: str) -> dict:
    """What Stripe says about a payment intent: status, amount, currency, metadata."""
    try:
        intent = _client().v1.payment_intents.retrieve(intent_id)
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error
    return {
        "id": intent.id,
        "status": intent.status,
        "amount": intent.amount,
        "currency": intent.currency,
        "metadata": intent.metadata.to_dict() if intent.metadata else {},
    }


def refund(intent_id: str) -> str:
    """Refund a payment in full; the charge.refunded webhook books it."""
    try:
        result = _client().v1.refunds.create(
            params={"payment_intent": intent_id},
            options={"idempotency_key": f"refund-{intent_id}"},
        )
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error
    return result.status
