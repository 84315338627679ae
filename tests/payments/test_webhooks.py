"""Stripe webhooks, signed here and verified by stripe.Webhook.construct_event."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from coop.capital import services as capital
from coop.contributions.models import ChargeStatus
from coop.extensions import db
from coop.payments import services, stripe_gateway
from coop.payments.models import Payment, PaymentStatus, StripeEvent
from tests.factories import ChargeFactory, MembershipFactory, ShareClassFactory

SECRET = "whsec_test_secret"
URL = "/payments/stripe/webhook"


@pytest.fixture
def stripe_on(app):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET=SECRET)
    yield
    app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")


def sign(payload: str, secret: str = SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def event(kind: str, obj: dict, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    )


def post(client, payload: str, signature: str | None = None):
    return client.post(
        URL,
        data=payload,
        headers={"Stripe-Signature": sign(payload) if signature is None else signature},
        content_type="application/json",
    )


@pytest.fixture
def payment(stripe_on):
    charge = ChargeFactory(amount_cents=2400)
    item = services.online_payment(charge, by=charge.membership)
    item.stripe_session_id = "cs_test_1"
    db.session.flush()
    return item


def session(payment, **extra):
    return {
        "id": payment.stripe_session_id,
        "object": "checkout.session",
        "amount_total": payment.amount_cents,
        "currency": "eur",
        "payment_status": "paid",
        "payment_intent": "pi_1",
        "metadata": {"payment_id": str(payment.id)},
        **extra,
    }


def _reload(payment):
    db.session.expire_all()
    return db.session.get(Payment, payment.id)


def test_completed_books_the_payment(client, payment):
    response = post(client, event("checkout.session.completed", session(payment)))
    assert response.status_code == 200
    payment = _reload(payment)
    assert payment.status is PaymentStatus.PAID
    assert payment.charge.status is ChargeStatus.PAID
    assert payment.stripe_payment_intent == "pi_1"


def test_replay_changes_nothing(client, payment):
    payload = event("checkout.session.completed", session(payment), event_id="evt_same")
    assert post(client, payload).status_code == 200
    assert post(client, payload).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 1
    payment = _reload(payment)
    assert len(payment.transitions) == 1


@pytest.mark.parametrize("how", ["tampered", "wrong secret", "stale", "no header", "garbage"])
def test_forged_events_are_refused(client, payment, how):
    payload = event("checkout.session.completed", session(payment))
    if how == "tampered":
        signature = sign(payload)
        payload = payload.replace('"amount_total": 2400', '"amount_total": 1')
    elif how == "wrong secret":
        signature = sign(payload, secret="whsec_other")
    elif how == "stale":
        signature = sign(payload, timestamp=int(time.time()) - 3600)
    elif how == "no header":
        signature = ""
    else:
        payload, signature = "not json", sign("not json")
    response = post(client, payload, signature)
    assert response.status_code == 400
    assert _reload(payment).status is PaymentStatus.PENDING
    assert db.session.scalar(select(func.count()).select_from(StripeEvent)) == 0


def test_without_secret_webhooks_are_refused(client, app, payment):
    app.config["STRIPE_WEBHOOK_SECRET"] = ""
    payload = event("checkout.session.completed", session(payment))
    assert post(client, payload).status_code == 400


def test_async_settles_later(client, payment):
    unpaid = session(payment, payment_status="unpaid")
    post(client, event("checkout.session.completed", unpaid))
    assert _reload(payment).status is PaymentStatus.PENDING
    post(client, event("checkout.session.async_payment_succeeded", session(payment)))
    assert _reload(payment).status is PaymentStatus.PAID


def test_async_failure(client, payment):
    post(client, event("checkout.session.async_payment_failed", session(payment)))
    payment = _reload(payment)
    assert payment.status is PaymentStatus.FAILED
    assert payment.charge.status is ChargeStatus.OPEN


def test_out_of_order_success_before_completed(client, payment):
    post(client, event("checkout.session.async_payment_succeeded", session(payment)))
    post(client, event("checkout.session.completed", session(payment, payment_status="unpaid")))
    assert _reload(payment).status is PaymentStatus.PAID


def test_out_of_order_failure_after_success_is_stale(client, payment):
    post(client, event("checkout.session.completed", session(payment)))
    intent = {"id": "pi_1", "object": "payment_intent", "metadata": {}}
    response = post(client, event("payment_intent.payment_failed", intent))
    assert response.status_code == 200
    assert _reload(payment).status is PaymentStatus.PAID


def test_refund_before_payment_books_nothing(client, payment):
    refund = {
        "id": "ch_1", "object": "charge", "amount": 2400, "currency": "eur", "refunded": True,
        "payment_intent": "pi_1", "metadata": {"payment_id": str(payment.id)},
    }  # fmt: skip
    post(client, event("charge.refunded", refund))
    post(client, event("checkout.session.completed", session(payment)))
    payment = _reload(payment)
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.charge.status is ChargeStatus.OPEN


def test_refund_after_payment(client, payment):
    post(client, event("checkout.session.completed", session(payment)))
    refund = {
        "id": "ch_1", "object": "charge", "amount": 2400, "currency": "eur", "refunded": True,
        "payment_intent": "pi_1", "metadata": {},
    }  # fmt: skip
    post(client, event("charge.refunded", refund))
    payment = _reload(payment)
    assert payment.status is PaymentStatus.REFUNDED
    assert payment.charge.status is ChargeStatus.REFUNDED
    assert payment.flagged


@pytest.mark.parametrize(("field", "value"), [("amount_total", 1), ("currency", "usd")])
def test_mismatch_is_flagged_not_booked(client, payment, field, value):
    post(client, event("checkout.session.completed", session(payment, **{field: value})))
    payment = _reload(payment)
    assert payment.flagged
    assert payment.status is PaymentStatus.PENDING
    assert payment.charge.status is ChargeStatus.OPEN


def test_unknown_payment_and_other_events_answer_200(client, payment):
    other = {"id": "cs_unknown", "metadata": {"payment_id": "99999999999"}}
    assert post(client, event("checkout.session.completed", other)).status_code == 200
    assert post(client, event("customer.created", {"id": "cus_1"})).status_code == 200
    assert _reload(payment).status is PaymentStatus.PENDING


def test_paid_shares_are_issued_by_the_webhook(client, stripe_on):
    share_class = ShareClassFactory()
    member = MembershipFactory(cooperative=share_class.cooperative)
    charge = capital.request_purchase(member, share_class, 2, token="w", today=date(2026, 2, 1))
    payment = services.online_payment(charge, by=member)
    payment.stripe_session_id = "cs_shares"
    db.session.flush()
    post(client, event("checkout.session.completed", session(payment, payment_intent="pi_s")))
    assert capital.holding(member, share_class) == 2
    post(client, event("checkout.session.completed", session(payment, payment_intent="pi_s")))
    assert capital.holding(member, share_class) == 2


def test_checkout_double_click_one_session(client, login, stripe_on, monkeypatch):
    calls = []

    def fake_session(**kwargs):
        calls.append(kwargs)
        return f"cs_{len(calls)}", "https://checkout.stripe.test/pay/cs_1"

    monkeypatch.setattr(stripe_gateway, "create_checkout_session", fake_session)
    charge = ChargeFactory()
    login(charge.membership.user)
    slug = charge.membership.cooperative.slug
    url = f"/c/{slug}/payments/charges/{charge.id}/online"
    first = client.post(url)
    second = client.post(url)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == "https://checkout.stripe.test/pay/cs_1"
    assert len(calls) == 1
    count = db.session.scalar(select(func.count()).where(Payment.charge_id == charge.id))
    assert count == 1


def test_online_option_hidden_without_keys(client, login):
    charge = ChargeFactory()
    login(charge.membership.user)
    slug = charge.membership.cooperative.slug
    page = client.get(f"/c/{slug}/payments/charges/{charge.id}").get_data(as_text=True)
    assert "/online" not in page
    assert charge.reference in page
    response = client.post(f"/c/{slug}/payments/charges/{charge.id}/online")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).where(Payment.charge_id == charge.id)) == 0


def test_online_option_shown_with_keys(client, login, stripe_on):
    charge = ChargeFactory()
    login(charge.membership.user)
    slug = charge.membership.cooperative.slug
    page = client.get(f"/c/{slug}/payments/charges/{charge.id}").get_data(as_text=True)
    assert f"/payments/charges/{charge.id}/online" in page


def test_webhook_is_csrf_exempt(client, csrf, payment):
    response = post(client, event("checkout.session.completed", session(payment)))
    assert response.status_code == 200
