"""SEPA direct debit without Stripe: mandates, the pain.008 batch and the bank's results."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from sqlalchemy import func, select

from coop import audit
from coop.capital import services as capital
from coop.contributions import sepa, services
from coop.contributions.models import Charge, ChargeStatus, DebitStatus, SepaDebit
from coop.errors import DomainError
from coop.extensions import db
from coop.members.models import Function
from coop.payments.models import Payment, PaymentMethod, PaymentStatus
from tests.factories import MembershipFactory, board_member, contribution_plan

TODAY = date(2026, 2, 1)
XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.02.xsd"
IBANS = ["NL20INGB0001234567", "NL91ABNA0417164300", "DE89370400440532013000"]


@pytest.fixture
def treasurer(coop):
    member = board_member(coop, Function.TREASURER, admitted_on=date(2020, 1, 1))
    capital.update_settings(
        coop, share_word="aandelen", payee_name="Coop", payee_iban="NL91ABNA0417164300",
        by=member,
    )  # fmt: skip
    services.update_settings(
        coop, allow_reduced=True, pro_rata=True, due_days=30, reminder_days=[14], by=member,
        sepa_creditor_id="NL00ZZZ123456780000",
    )  # fmt: skip
    return member


@pytest.fixture
def billed(coop, treasurer):
    contribution_plan(coop)
    members = [MembershipFactory(cooperative=coop, admitted_on=date(2020, 1, 1)) for _ in IBANS]
    for member, iban in zip(members, IBANS, strict=True):
        sepa.sign_mandate(member, iban=iban, holder_name=member.name, consent="ok", today=TODAY)
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    return members


def test_mandate_needs_a_valid_iban(client, login, coop):
    member = MembershipFactory(cooperative=coop)
    login(member.user)
    url = f"/c/{coop.slug}/contributions/mandate"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"holder_name": "A", "iban": "NL00 FOUT", "consent": "y"})
    assert bad.status_code == 422
    assert "iban-error" in bad.get_data(as_text=True)
    no_consent = client.post(url, data={"holder_name": "A", "iban": IBANS[0]})
    assert no_consent.status_code == 422
    assert sepa.active_mandate(member) is None
    ok = client.post(url, data={"holder_name": "A", "iban": IBANS[0], "consent": "y"})
    assert ok.status_code == 302
    mandate = sepa.active_mandate(member)
    assert mandate.iban == IBANS[0]
    assert coop.name in mandate.consent_text


def test_export_is_valid_pain008_and_marks_charges(coop, treasurer, billed):
    without_mandate = MembershipFactory(cooperative=coop, admitted_on=date(2020, 1, 1))
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    batch = sepa.export_batch(coop, collection_on=date(2026, 2, 10), today=TODAY, by=treasurer)
    assert batch.count == len(IBANS)
    assert batch.total_cents == 2400 * len(IBANS)
    xmlschema.XMLSchema(str(XSD)).validate(batch.xml)
    for iban in IBANS:
        assert iban in batch.xml
    statuses = dict(
        db.session.execute(
            select(Charge.membership_id, Charge.status).where(Charge.cooperative_id == coop.id)
        ).all()
    )
    assert all(statuses[m.id] is ChargeStatus.COLLECTING for m in billed)
    assert statuses[without_mandate.id] is ChargeStatus.OPEN
    assert statuses[treasurer.id] is ChargeStatus.OPEN
    with pytest.raises(DomainError, match="no open contributions"):
        sepa.export_batch(coop, collection_on=date(2026, 2, 10), today=TODAY, by=treasurer)
    assert audit.verify().ok


def test_results_book_paid_and_reopen_reversed(coop, treasurer, billed, mailbox, app):
    batch = sepa.export_batch(coop, collection_on=date(2026, 2, 10), today=TODAY, by=treasurer)
    debits = db.session.scalars(select(SepaDebit).where(SepaDebit.batch_id == batch.id)).all()
    text = f"{debits[0].end_to_end_id};paid\n{debits[1].end_to_end_id};reversed;AM04\n"
    reversed_charges = sepa.record_results(batch, sepa.parse_results(text), on=TODAY, by=treasurer)
    assert [c.id for c in reversed_charges] == [debits[1].charge_id]
    db.session.expire_all()
    assert debits[0].status is DebitStatus.PAID
    assert debits[0].charge.status is ChargeStatus.PAID
    payment = db.session.scalar(select(Payment).where(Payment.charge_id == debits[0].charge_id))
    assert payment.method is PaymentMethod.SEPA_DEBIT
    assert payment.status is PaymentStatus.PAID
    assert debits[1].status is DebitStatus.REVERSED
    assert debits[1].reason_code == "AM04"
    assert debits[1].charge.status is ChargeStatus.OPEN
    assert debits[2].charge.status is ChargeStatus.COLLECTING
    # The same file again changes nothing.
    sepa.record_results(batch, sepa.parse_results(text), on=TODAY, by=treasurer)
    count = db.session.scalar(select(func.count()).select_from(Payment))
    assert count == 1


def test_unknown_debits_refuse_the_whole_file(client, login, coop, treasurer, billed, mailbox):
    batch = sepa.export_batch(coop, collection_on=date(2026, 2, 10), today=TODAY, by=treasurer)
    first = db.session.scalar(select(SepaDebit).where(SepaDebit.batch_id == batch.id))
    login(treasurer.user)
    url = f"/c/{coop.slug}/contributions/sepa/{batch.id}"
    response = client.post(url, data={"results": f"{first.end_to_end_id};paid\nC999;paid"})
    assert response.status_code == 422
    assert "results-error" in response.get_data(as_text=True)
    db.session.expire_all()
    assert first.status is DebitStatus.SENT
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    garbage = client.post(url, data={"results": "hallo"})
    assert garbage.status_code == 422
    ok = client.post(url, data={"results": f"{first.end_to_end_id};reversed;MD06"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert first.charge.status is ChargeStatus.OPEN
    message = mailbox.last_to(first.charge.membership.user.email)
    assert "did not go through" in str(message["Subject"]) or "niet gelukt" in str(
        message["Subject"]
    )
    file = client.get(f"/c/{coop.slug}/contributions/sepa/{batch.id}.xml")
    assert file.mimetype == "application/xml"
    assert b"pain.008.001.02" in file.data


def test_export_needs_creditor_id_and_a_future_date(client, login, coop, treasurer, billed):
    login(treasurer.user)
    url = f"/c/{coop.slug}/contributions/sepa"
    past = client.post(url, data={"collection_on": "2020-01-01"})
    assert past.status_code == 422
    assert "collection_on-error" in past.get_data(as_text=True)
    services.settings_for(coop).sepa_creditor_id = ""
    db.session.flush()
    with pytest.raises(DomainError, match="creditor identifier"):
        sepa.export_batch(coop, collection_on=date(2026, 2, 10), today=TODAY, by=treasurer)
