"""Charges and payments are derived from append-only entries; the cached columns always
say what the entries say."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import func, select

from coop.capital import services as capital
from coop.contributions import ledger, sepa, services
from coop.contributions.models import (
    Charge,
    ChargeEntry,
    ChargeEntryKind,
    ChargeStatus,
    SepaDebit,
)
from coop.extensions import db
from coop.members import services as members
from coop.members.models import Function
from coop.payments import services as payments
from coop.payments.models import Payment, PaymentStatus, PaymentTransition
from tests.factories import (
    ApplicationFactory,
    ChargeFactory,
    MembershipFactory,
    ShareClassFactory,
    board_member,
    contribution_plan,
)

TODAY = date(2026, 2, 1)
IBANS = ["NL20INGB0001234567", "NL91ABNA0417164300", "DE89370400440532013000"]


@pytest.fixture
def treasurer(coop):
    member = board_member(
        coop, Function.TREASURER, Function.SECRETARY, admitted_on=date(2020, 1, 1)
    )
    capital.update_settings(
        coop, share_word="aandelen", payee_name="Coop", payee_iban="NL91ABNA0417164300",
        by=member,
    )  # fmt: skip
    services.update_settings(
        coop, allow_reduced=True, pro_rata=True, due_days=30, reminder_days=[14, 42], by=member,
        sepa_creditor_id="NL00ZZZ123456780000",
    )  # fmt: skip
    return member


def _kinds(charge):
    return [entry.kind for entry in ledger.entries_of(charge)]


def _everything_that_can_happen(coop, treasurer):
    """Billing, choices, waivers, reminders, SEPA paid and reversed, bank transfers, a
    refund and an admission: every kind of charge entry."""
    contribution_plan(coop)
    people = [MembershipFactory(cooperative=coop, admitted_on=date(2020, 1, 1)) for _ in range(6)]
    for member, iban in zip(people, IBANS, strict=False):
        sepa.sign_mandate(member, iban=iban, holder_name=member.name, consent="ok", today=TODAY)
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    charge = {m.id: c for c in services.year_charges(coop, 2026) for m in [c.membership]}
    services.choose_amount(charge[people[3].id], reduced=True, by=people[3])
    services.waive(charge[people[4].id], reason="Verhuisd", by=treasurer)
    services.due_reminders(date(2026, 3, 20), coop)
    batch = sepa.export_batch(coop, collection_on=date(2026, 3, 25), today=TODAY, by=treasurer)
    debits = db.session.scalars(
        select(SepaDebit).where(SepaDebit.batch_id == batch.id).order_by(SepaDebit.id)
    ).all()
    text = f"{debits[0].end_to_end_id};paid\n{debits[1].end_to_end_id};reversed;AM04\n"
    sepa.record_results(batch, sepa.parse_results(text), on=date(2026, 3, 26), by=treasurer)
    payment = payments.record_bank_transfer(
        charge[people[5].id], amount_cents=2400, received_on=TODAY, today=TODAY, by=treasurer
    )
    # A refund of a paid charge (as the Stripe webhook books it).
    from coop.payments import webhooks

    webhooks._to_refunded(payment, "charge.refunded")
    # An applicant pays the minimum holding and is admitted.
    share_class = ShareClassFactory(cooperative=coop, minimum_holding=1, nominal_value_cents=2500)
    capital.update_settings(
        coop, share_word="aandelen", payee_name="Coop", payee_iban="NL91ABNA0417164300",
        admission_requires_shares_paid=True, by=treasurer,
    )  # fmt: skip
    application = ApplicationFactory(cooperative=coop)
    admission = capital.request_admission_shares(application, today=TODAY, by=treasurer)
    payments.record_bank_transfer(
        admission, amount_cents=2500, received_on=TODAY, today=TODAY, by=treasurer
    )
    members.admit(application, by=treasurer, on=TODAY)
    # And a member buys shares.
    order = capital.request_purchase(people[0], share_class, 2, token="t1", today=TODAY)
    payments.record_bank_transfer(
        order, amount_cents=5000, received_on=TODAY, today=TODAY, by=treasurer
    )
    return people, charge, debits, admission


def test_every_change_is_an_entry_and_the_cache_agrees(coop, treasurer):
    people, charge, debits, admission = _everything_that_can_happen(coop, treasurer)
    db.session.expire_all()
    assert ledger.mismatches(coop) == []
    assert ledger.mismatches() == []
    kinds = set(db.session.scalars(select(ChargeEntry.kind)))
    assert kinds == set(ChargeEntryKind)

    paid = debits[0].charge
    assert _kinds(paid) == [
        ChargeEntryKind.BILLED,
        ChargeEntryKind.REMINDED,
        ChargeEntryKind.COLLECTING,
        ChargeEntryKind.PAID,
    ]
    assert paid.status is ChargeStatus.PAID
    assert paid.paid_on == date(2026, 3, 26)
    reversed_ = debits[1].charge
    assert _kinds(reversed_)[-2:] == [ChargeEntryKind.COLLECTING, ChargeEntryKind.REOPENED]
    assert reversed_.status is ChargeStatus.OPEN
    reduced = charge[people[3].id]
    assert reduced.amount_cents == 1200
    [first, chosen, *_] = ledger.entries_of(reduced)
    assert (first.amount_cents, chosen.amount_cents, chosen.reduced) == (2400, 1200, True)
    assert chosen.by_id == people[3].id
    waived = charge[people[4].id]
    assert (waived.status, waived.waived_reason) == (ChargeStatus.WAIVED, "Verhuisd")
    assert waived.waived_by_id == treasurer.id
    assert waived.reminders_sent == 0
    assert charge[people[5].id].status is ChargeStatus.REFUNDED
    assert _kinds(admission) == [
        ChargeEntryKind.BILLED,
        ChargeEntryKind.PAID,
        ChargeEntryKind.ASSIGNED,
    ]
    assert ledger.entries_of(admission)[0].membership_id is None
    assert admission.membership_id == ledger.entries_of(admission)[-1].membership_id


def test_each_charge_state_is_derived_from_its_entries(coop, treasurer):
    _everything_that_can_happen(coop, treasurer)
    db.session.expire_all()
    for charge in db.session.scalars(select(Charge).where(Charge.cooperative_id == coop.id)):
        assert ledger.derive(ledger.entries_of(charge)) == ledger.cached(charge)


def test_the_check_notices_a_cache_written_around_the_ledger(coop, treasurer):
    contribution_plan(coop)
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    [charge] = services.year_charges(coop, 2026)
    # A bulk update bypasses the ORM guard; the check still sees it.
    db.session.execute(
        Charge.__table__.update().where(Charge.id == charge.id).values(status="PAID")
    )
    db.session.expire_all()
    assert ledger.mismatches(coop) == [charge.id]


def test_bulk_billing_writes_one_entry_per_charge(coop, treasurer):
    contribution_plan(coop)
    for _ in range(5):
        MembershipFactory(cooperative=coop, admitted_on=date(2020, 1, 1))
    result = services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    count = db.session.scalar(select(func.count()).select_from(ChargeEntry))
    assert count == result.created == 6
    assert ledger.mismatches(coop) == []


def test_charge_entries_are_append_only(coop, treasurer):
    charge = ChargeFactory()
    [entry] = ledger.entries_of(charge)
    with _refused("append-only"):
        entry.amount_cents = 1
    with _refused("append-only"):
        db.session.delete(db.session.get(ChargeEntry, entry.id))
    assert ledger.entries_of(charge)[0].amount_cents == 2400


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("status", ChargeStatus.PAID),
        ("amount_cents", 1),
        ("reduced", True),
        ("waived_reason", "no"),
        ("reminders_sent", 3),
        ("paid_on", TODAY),
    ],
)
def test_charge_state_changes_only_with_an_entry(coop, treasurer, name, value):
    charge = ChargeFactory()
    with _refused("new charge entry"):
        setattr(charge, name, value)


def test_identity_columns_can_still_be_set(coop, treasurer):
    charge = ChargeFactory()
    charge.reference = "RF18000000000000000001"
    db.session.flush()


def test_payment_state_is_its_latest_transition(coop, treasurer):
    _everything_that_can_happen(coop, treasurer)
    db.session.expire_all()
    all_payments = db.session.scalars(select(Payment)).all()
    assert all_payments
    for payment in all_payments:
        assert payment.status is payment.current_status
        history = payment.transitions
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_status is before.to_status


@contextmanager
def _refused(match):
    """The change in the block fails at the flush, inside a savepoint that is rolled back
    (so the fixtures stay, on PostgreSQL too)."""
    nested = db.session.begin_nested()
    with pytest.raises(RuntimeError, match=match):  # noqa: PT012 - the change, then the flush
        yield
        db.session.flush()
    nested.rollback()


def test_payment_transitions_are_append_only(coop, treasurer):
    charge = ChargeFactory()
    payment = payments.record_bank_transfer(
        charge, amount_cents=2400, received_on=TODAY, today=TODAY, by=treasurer
    )
    [transition] = payment.transitions
    with _refused("append-only"):
        transition.reason = "rewritten"
    with _refused("append-only"):
        db.session.delete(db.session.get(PaymentTransition, transition.id))
    assert payment.transitions[0].reason == "bank transfer recorded"


def test_payment_status_changes_only_through_the_state_machine(coop, treasurer):
    charge = ChargeFactory()
    payment = payments.online_payment(charge, by=charge.membership)
    with _refused("move_to"):
        payment.status = PaymentStatus.PAID
    with _refused("starts pending"):
        db.session.add(
            Payment(
                cooperative_id=charge.cooperative_id, charge_id=charge.id,
                method=payments.PaymentMethod.BANK_TRANSFER, status=PaymentStatus.PAID,
                amount_cents=2400,
            )
        )  # fmt: skip


def test_charge_page_shows_the_history(client, login, coop, treasurer):
    contribution_plan(coop)
    member = MembershipFactory(cooperative=coop, admitted_on=date(2020, 1, 1))
    services.bill_year(coop, 2026, today=TODAY, by=treasurer)
    charge = db.session.scalar(select(Charge).where(Charge.membership_id == member.id))
    services.waive(charge, reason="Verhuisd naar Zweden", by=treasurer)
    db.session.commit()
    login(treasurer.user)
    page = client.get(f"/c/{coop.slug}/payments/charges/{charge.id}").get_data(as_text=True)
    assert 'id="history-h"' in page
    assert "Kwijtgescholden" in page
    assert "Verhuisd naar Zweden" in page
    login(member.user)
    page = client.get(f"/c/{coop.slug}/payments/charges/{charge.id}").get_data(as_text=True)
    assert 'id="history-h"' in page
    assert "Verhuisd naar Zweden" not in page
