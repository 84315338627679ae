"""Buying shares: a charge, a bank transfer recorded by the treasurer, then the shares."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest
from sqlalchemy import func, select

from coop.capital import services as capital
from coop.contributions.models import Charge, ChargeKind, ChargeStatus
from coop.contributions.rules import rf_valid
from coop.db import today
from coop.extensions import db
from coop.members.models import Function, MembershipStatus
from coop.payments.models import Payment, PaymentStatus
from tests.factories import MembershipFactory, ShareClassFactory, board_member

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


def pdf_text(data: bytes) -> str:
    """The text of a PDF, read back with poppler's pdftotext."""
    result = subprocess.run([PDFTOTEXT, "-", "-"], input=data, capture_output=True, check=True)  # noqa: S603
    return result.stdout.decode()


@pytest.fixture
def share_class(coop):
    return ShareClassFactory(cooperative=coop, nominal_value_cents=2500, maximum_per_member=5)


@pytest.fixture
def member(coop):
    return MembershipFactory(cooperative=coop)


def _charges(member):
    return db.session.scalars(select(Charge).where(Charge.membership_id == member.id)).all()


def test_buying_makes_a_charge_not_shares(client, login, coop, share_class, member):
    login(member.user)
    response = client.post(
        f"/c/{coop.slug}/capital/buy",
        data={"share_class": share_class.id, "quantity": 2, "token": "t-1"},
    )
    assert response.status_code == 302
    (charge,) = _charges(member)
    assert charge.kind is ChargeKind.SHARES
    assert charge.amount_cents == 5000
    assert rf_valid(charge.reference)
    assert response.headers["Location"].endswith(f"/payments/charges/{charge.id}")
    assert capital.holding(member, share_class) == 0
    page = client.get(f"/c/{coop.slug}/payments/charges/{charge.id}").get_data(as_text=True)
    assert charge.reference in page
    assert "€\xa050,00" in page or "€ 50,00" in page


def test_double_submit_makes_one_charge(client, login, coop, share_class, member):
    login(member.user)
    data = {"share_class": share_class.id, "quantity": 1, "token": "same-form"}
    first = client.post(f"/c/{coop.slug}/capital/buy", data=data)
    second = client.post(f"/c/{coop.slug}/capital/buy", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(_charges(member)) == 1


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "Geef een getal van 1 tot 100000."),
        ("-3", "Geef een getal van 1 tot 100000."),
        ("drie", "Geef een getal van 1 tot 100000."),
        ("6", "maximaal 5"),
    ],
)
def test_bad_quantities_show_at_the_field(
    client, login, coop, share_class, member, quantity, message
):
    login(member.user)
    response = client.post(
        f"/c/{coop.slug}/capital/buy",
        data={"share_class": share_class.id, "quantity": quantity, "token": "t"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="quantity-error"', page)
    assert _charges(member) == []


def test_open_orders_count_toward_the_maximum(coop, share_class, member):
    capital.request_purchase(member, share_class, 4, token="a", today=date(2026, 2, 1))
    with pytest.raises(Exception, match="at most 5"):
        capital.request_purchase(member, share_class, 2, token="b", today=date(2026, 2, 1))


def test_suspended_member_cannot_buy(client, login, coop, share_class, member):
    member.status = MembershipStatus.SUSPENDED
    db.session.flush()
    login(member.user)
    response = client.post(
        f"/c/{coop.slug}/capital/buy", data={"share_class": share_class.id, "quantity": 1}
    )
    assert response.status_code == 403
    assert _charges(member) == []
    with pytest.raises(Exception, match="Only active members"):
        capital.request_purchase(member, share_class, 1, token="x", today=date(2026, 2, 1))


def test_class_of_another_cooperative_is_refused(client, login, coop, member):
    foreign = ShareClassFactory()
    login(member.user)
    response = client.post(
        f"/c/{coop.slug}/capital/buy", data={"share_class": foreign.id, "quantity": 1}
    )
    assert response.status_code == 422
    assert _charges(member) == []


def test_treasurer_records_transfer_then_shares_and_certificate(
    client, login, coop, share_class, member, treasurer
):
    charge = capital.request_purchase(member, share_class, 2, token="t", today=today())
    login(treasurer.user)
    url = f"/c/{coop.slug}/payments/charges/{charge.id}/received"
    wrong = client.post(url, data={"amount": "25,00", "received_on": today().isoformat()})
    assert wrong.status_code == 422
    assert "amount-error" in wrong.get_data(as_text=True)
    assert capital.holding(member, share_class) == 0
    right = client.post(url, data={"amount": "50,00", "received_on": today().isoformat()})
    assert right.status_code == 302
    db.session.expire_all()
    assert capital.holding(member, share_class) == 2
    assert db.session.get(Charge, charge.id).status is ChargeStatus.PAID
    payment = db.session.scalar(select(Payment).where(Payment.charge_id == charge.id))
    assert payment.status is PaymentStatus.PAID
    # Recording it again does nothing: the charge is no longer open.
    again = client.post(url, data={"amount": "50,00", "received_on": today().isoformat()})
    assert again.status_code == 422
    count = db.session.scalar(select(func.count()).where(Payment.charge_id == charge.id))
    assert count == 1
    assert capital.holding(member, share_class) == 2


def test_certificate_pdf_reads_back(client, login, coop, share_class, member, treasurer):
    from coop.capital.models import Certificate

    certificate = capital.issue(share_class, member, 2, on=date(2026, 3, 5), by=treasurer)
    assert isinstance(certificate, Certificate)
    login(member.user)
    response = client.get(f"/c/{coop.slug}/capital/certificates/{certificate.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(pdf_text(response.data).split())  # a long name wraps onto two lines
    assert coop.name in text
    assert member.name in text
    assert f"{share_class.name}-1" in text
    assert "50,00" in text


def test_statement_pdf_shows_start_and_end(client, login, coop, share_class, member, treasurer):
    capital.issue(share_class, member, 1, on=date(2025, 5, 1), by=treasurer)
    capital.issue(share_class, member, 2, on=date(2026, 5, 1), by=treasurer)
    login(member.user)
    response = client.get(f"/c/{coop.slug}/capital/statement/2026.pdf")
    text = pdf_text(response.data)
    assert "25,00" in text  # start of 2026: one share
    assert "75,00" in text  # end of 2026: three shares


def test_other_member_cannot_fetch_a_certificate(client, login, coop, share_class, member):
    certificate = capital.issue(share_class, member, 1, on=date(2026, 3, 5), by=None)
    other = MembershipFactory(cooperative=coop)
    login(other.user)
    response = client.get(f"/c/{coop.slug}/capital/certificates/{certificate.id}.pdf")
    assert response.status_code == 403
    assert client.get(f"/c/{coop.slug}/capital/certificates/999999.pdf").status_code == 404


def test_register_page_shows_holdings_on_a_date(client, login, coop, share_class, member):
    capital.issue(share_class, member, 3, on=date(2026, 3, 5), by=None)
    board = board_member(coop, Function.SECRETARY)
    login(board.user)
    page = client.get(f"/c/{coop.slug}/capital/register?on=2026-03-05").get_data(as_text=True)
    assert member.name in page
    empty = client.get(f"/c/{coop.slug}/capital/register?on=2026-03-04").get_data(as_text=True)
    assert member.name not in empty
    bad = client.get(f"/c/{coop.slug}/capital/register?on=gisteren")
    assert bad.status_code == 200


def test_redemption_below_minimum_via_page(client, login, coop, share_class, member, treasurer):
    capital.issue(share_class, member, 1, on=date(2026, 3, 5), by=None)
    login(treasurer.user)
    response = client.post(
        f"/c/{coop.slug}/capital/redeem",
        data={
            "share_class": share_class.id,
            "number": member.number,
            "quantity": 1,
            "requested_on": "2026-03-06",
            "effective_on": "2026-03-06",
        },
    )
    assert response.status_code == 422
    assert "quantity-error" in response.get_data(as_text=True)
    assert capital.holding(member, share_class) == 1


def test_treasurer_creates_a_class_and_word(client, login, coop, treasurer):
    login(treasurer.user)
    response = client.post(
        f"/c/{coop.slug}/capital/classes",
        data={
            "name": "Buurtaandeel",
            "nominal_value": "50,00",
            "minimum_holding": 1,
            "redeemable": "y",
            "redemption_wait_days": 0,
            "votes_per_share": 0,
        },
    )
    assert response.status_code == 302
    (item,) = capital.classes(coop)
    assert item.nominal_value_cents == 5000
    bad = client.post(
        f"/c/{coop.slug}/capital/classes",
        data={"name": "X", "nominal_value": "-5", "minimum_holding": 1,
              "redemption_wait_days": 0, "votes_per_share": 0},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "nominal_value-error" in bad.get_data(as_text=True)
    client.post(f"/c/{coop.slug}/capital/settings", data={"share_word": "participaties"})
    assert capital.share_word(coop) == "participaties"
