"""The gateway against localstripe, a fake Stripe server started by the suite.

localstripe does customers, payment methods and payment intents (card, SEPA debit) but no
Checkout Sessions; here the payment intents stand in for what a Checkout Session creates.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import stripe

from coop.contributions.models import ChargeStatus
from coop.extensions import db
from coop.payments import services, stripe_gateway
from coop.payments.models import PaymentStatus
from tests.factories import ChargeFactory, board_member

EXECUTABLE = shutil.which("localstripe") or str(Path(sys.executable).parent / "localstripe")
KEY = "sk_test_localstripe"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory):
    # requirements-dev.txt installs it; without it the suite is set up wrong, not done.
    assert Path(EXECUTABLE).exists(), "localstripe is missing: run `make test` (it installs it)"
    port = _free_port()
    log = (tmp_path_factory.mktemp("localstripe") / "log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
        [EXECUTABLE, "--port", str(port), "--from-scratch"], stdout=log, stderr=log
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def gateway(app, localstripe_url):
    app.config.update(
        STRIPE_SECRET_KEY=KEY, STRIPE_WEBHOOK_SECRET="whsec_x", STRIPE_API_BASE=localstripe_url
    )
    yield stripe.StripeClient(KEY, base_addresses={"api": localstripe_url})
    app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="", STRIPE_API_BASE="")


def _intent(client, payment, method: dict):
    """What a Checkout Session does for the member: a confirmed payment intent."""
    customer = client.v1.customers.create(params={"email": "lid@example.test", "name": "Lid"})
    method = client.v1.payment_methods.create(params=method)
    return client.v1.payment_intents.create(
        params={
            "amount": payment.amount_cents,
            "currency": "eur",
            "customer": customer.id,
            "payment_method": method.id,
            "payment_method_types": [method.type],
            "confirm": True,
            "metadata": {"payment_id": str(payment.id)},
        }
    )


SEPA = {
    "type": "sepa_debit",
    "sepa_debit": {"iban": "NL91ABNA0417164300"},
    "billing_details": {"name": "Lid", "email": "lid@example.test"},
}


def test_sepa_debit_is_booked_when_checked(gateway):
    charge = ChargeFactory(amount_cents=2400)
    treasurer = board_member(charge.membership.cooperative)
    payment = services.online_payment(charge, by=charge.membership)
    intent = _intent(gateway, payment, SEPA)
    payment.stripe_payment_intent = intent.id
    db.session.flush()
    assert stripe_gateway.payment_intent(intent.id)["metadata"] == {"payment_id": str(payment.id)}
    outcome = services.check_with_stripe(payment, today=date(2026, 3, 1), by=treasurer)
    assert outcome == "paid"
    assert payment.status is PaymentStatus.PAID
    assert charge.status is ChargeStatus.PAID
    # Asking again changes nothing.
    assert services.check_with_stripe(payment, today=date(2026, 3, 2), by=treasurer) == (
        "succeeded"
    )
    assert len(payment.transitions) == 1
    assert stripe_gateway.refund(intent.id) == "succeeded"


def test_declined_card_is_refused_by_stripe(gateway):
    charge = ChargeFactory(amount_cents=2400)
    payment = services.online_payment(charge, by=charge.membership)
    card = {
        "type": "card",
        "card": {"number": "4000000000000341", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
    }
    with pytest.raises(stripe.CardError):
        _intent(gateway, payment, card)
    assert payment.status is PaymentStatus.PENDING


def test_amount_mismatch_is_flagged(gateway):
    charge = ChargeFactory(amount_cents=2400)
    treasurer = board_member(charge.membership.cooperative)
    payment = services.online_payment(charge, by=charge.membership)
    intent = _intent(gateway, payment, SEPA)
    payment.stripe_payment_intent = intent.id
    payment.amount_cents = 9900  # what we expected differs from what Stripe collected
    db.session.flush()
    assert services.check_with_stripe(payment, today=date(2026, 3, 1), by=treasurer) == "flagged"
    assert payment.flagged
    assert payment.status is PaymentStatus.PENDING


def test_unreachable_stripe_is_a_gateway_error(app):
    app.config.update(STRIPE_SECRET_KEY=KEY, STRIPE_API_BASE="http://127.0.0.1:9")
    try:
        with pytest.raises(stripe_gateway.GatewayError):
            stripe_gateway.payment_intent("pi_nothing")
    finally:
        app.config.update(STRIPE_SECRET_KEY="", STRIPE_API_BASE="")
